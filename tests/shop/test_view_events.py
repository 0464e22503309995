"""Product views as events: who gets recorded, how often, and that a script cannot buy a place in trending."""

import secrets

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from recommender.selectors import trending_product_ids_compute
from shop.models import Interaction
from tests.factories import InteractionFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BURST = 300


@pytest.fixture(autouse=True)
def no_other_traffic(db):
    """The session's demo shop has its own events and sessions; these tests start from none (rolled back after)."""
    Interaction.objects.all().delete()
    Session.objects.all().delete()


@pytest.fixture(autouse=True)
def views_per_hour(settings):
    """The budget counted per hour, so a slow machine's burst does not straddle two windows."""
    settings.EVENT_RATES = {**settings.EVENT_RATES, "VIEWS": "30/h"}


def _popular_products():
    """Two products real shoppers looked at: three of them the first, two the second."""
    first, second = ProductFactory(title="Liked by three"), ProductFactory(title="Liked by two")
    for _ in range(3):
        InteractionFactory(product=first, kind=Interaction.Kind.VIEW)
    for _ in range(2):
        InteractionFactory(product=second, kind=Interaction.Kind.VIEW)
    return first, second


def test_a_burst_of_cookieless_views_writes_nothing_and_leaves_trending_alone():
    first, second = _popular_products()
    target = ProductFactory(title="Pushed by a script")
    before = trending_product_ids_compute()
    assert before == [first.pk, second.pk]
    for _ in range(BURST):
        response = Client().get(target.get_absolute_url())
        assert response.status_code == 200 and "Pushed by a script" in response.content.decode()
    assert not Session.objects.exists(), "no session for a client that sent no cookie"
    assert not Interaction.objects.filter(product=target).exists()
    assert trending_product_ids_compute() == before


def test_a_burst_from_one_session_is_capped_and_counts_once_a_day_in_trending(client):
    first, second = _popular_products()
    target = ProductFactory(title="Replayed by one visitor")
    client.get(target.get_absolute_url())  # the first visit: a cookie, no event
    for _ in range(BURST):
        assert client.get(target.get_absolute_url()).status_code == 200, "past the rate the page still renders"
    events = Interaction.objects.filter(product=target)
    assert events.count() == 30, "at most 30 view events a window from one address"
    assert set(events.values_list("session_key", flat=True)) == {client.session.session_key}
    assert Session.objects.count() == 1
    assert trending_product_ids_compute() == [first.pk, second.pk, target.pk], "one visitor, counted once"


def _client_with_cookie(name: str) -> Client:
    client = Client()
    client.cookies[name] = secrets.token_hex(16)
    return client


def test_made_up_cookies_do_not_make_new_visitors_without_limit():
    target = ProductFactory()
    for _ in range(60):
        _client_with_cookie(settings.SESSION_COOKIE_NAME).get(target.get_absolute_url())
    assert not Session.objects.exists(), "a session cookie the shop never issued is no visitor"
    assert not Interaction.objects.exists()
    for _ in range(60):
        _client_with_cookie(settings.CSRF_COOKIE_NAME).get(target.get_absolute_url())
    assert Session.objects.count() == 20, "at most 20 new visitors an hour from one address"
    assert Interaction.objects.filter(product=target).count() == 20


def test_the_rate_is_per_client_address_and_signed_in_shoppers_are_recorded(client):
    target = ProductFactory()
    client.force_login(UserFactory())
    for _ in range(40):
        client.get(target.get_absolute_url())
    assert Interaction.objects.filter(product=target, user__isnull=False).count() == 30
    neighbour = Client(REMOTE_ADDR="192.0.2.7")
    neighbour.force_login(UserFactory())
    neighbour.get(target.get_absolute_url())
    assert Interaction.objects.filter(product=target).count() == 31, "another address has its own budget"
