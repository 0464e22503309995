"""Trending ("Popular right now"): people, not events; the strongest thing each did; recent days first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from recommender.selectors import trending_product_ids_compute
from shop.models import Interaction
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

# The session's demo shop has its own recent events; these tests rank theirs in a window of their own.
NOW = timezone.now() + timedelta(days=400)


def _events(*, product, kind="view", count=1, user=None, session_key="", days_ago=0.0):
    at = NOW - timedelta(days=days_ago, minutes=1)
    Interaction.objects.bulk_create(
        Interaction(product=product, kind=kind, user=user, session_key=session_key, created_at=at) for _ in range(count)
    )


def test_each_visitor_counts_once_per_product_and_day():
    liked = ProductFactory()
    for _ in range(4):
        _events(product=liked, user=UserFactory())
    replayed = ProductFactory()
    _events(product=replayed, user=UserFactory(), count=300)
    _events(product=replayed, session_key="one-visitor-session", count=300)
    assert trending_product_ids_compute(now=NOW) == [liked.pk, replayed.pk], "four people beat two people's 600 events"


def test_a_visitor_counts_with_the_strongest_thing_they_did_and_kinds_keep_their_weights():
    bought = ProductFactory()
    buyer = UserFactory()
    _events(product=bought, user=buyer, kind="view", count=10)
    _events(product=bought, user=buyer, kind="purchase")
    seven_viewers, five_viewers = ProductFactory(), ProductFactory()
    for product, viewers in ((seven_viewers, 7), (five_viewers, 5)):
        for _ in range(viewers):
            _events(product=product, user=UserFactory())
    # Seven viewers (3.5) > one buyer, whatever else they did that day (3.0) > five viewers (2.5).
    assert trending_product_ids_compute(now=NOW) == [seven_viewers.pk, bought.pk, five_viewers.pk]


def test_a_visitor_coming_back_on_another_day_counts_again_less_the_older_the_day():
    loyal = ProductFactory()
    shopper = UserFactory()
    for days_ago in (0, 1.5, 2.5):
        _events(product=loyal, user=shopper, days_ago=days_ago, count=10)
    three, two = ProductFactory(), ProductFactory()
    for product, viewers in ((three, 3), (two, 2)):
        for _ in range(viewers):
            _events(product=product, user=UserFactory())
    # Three viewers today (1.5) > one viewer on three days (0.5 × (1.0 + 0.6 + 0.6) = 1.1) > two today (1.0).
    assert trending_product_ids_compute(now=NOW) == [three.pk, loyal.pk, two.pk]
