"""Onboarding likes are five-star ratings: they are taken only while the shopper's onboarding is open."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from recommender.services import onboarding_likes_record
from shop.models import CustomerProfile, Interaction
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _shopper_in_round_one(client):
    """A new shopper who picked a category and was shown round one's products."""
    category = CategoryFactory()
    for _ in range(4):
        ProductFactory(category=category)
    shopper = UserFactory()
    CustomerProfile.objects.create(user=shopper)
    client.force_login(shopper)
    client.post(reverse("onboarding"), {"categories": [category.pk]})
    shown = [product.pk for product in client.get(reverse("onboarding-round", args=[1])).context["products"]]
    assert shown, "round one shows products to like"
    return shopper, shown


def test_likes_after_onboarding_is_finished_are_refused(client):
    shopper, shown = _shopper_in_round_one(client)
    client.post(reverse("onboarding-round", args=[1]), {"liked": shown[:1], "next": "1"})
    assert Interaction.objects.filter(user=shopper, kind="rating", value=5).count() == 1, "open: the like counts"

    client.post(reverse("onboarding-skip"))
    assert CustomerProfile.objects.get(user=shopper).onboarding_completed
    response = client.post(reverse("onboarding-round", args=[1]), {"liked": shown, "next": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("shop:home")
    assert "finished choosing your tastes" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert Interaction.objects.filter(user=shopper, kind="rating").count() == 1, "replayed likes are not recorded"


def test_the_service_refuses_likes_once_onboarding_is_finished():
    shopper = UserFactory()
    CustomerProfile.objects.create(user=shopper, onboarding_completed=True)
    with pytest.raises(ValidationError) as refused:
        onboarding_likes_record(user=shopper, products=[ProductFactory()])
    assert refused.value.code == "onboarding_finished"
    assert not Interaction.objects.filter(user=shopper).exists()
