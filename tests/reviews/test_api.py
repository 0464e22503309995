import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.models import Review
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_api_lists_a_products_published_reviews_sorted_and_filtered():
    product = ProductFactory()
    ReviewFactory(product=product, rating=5, body="Great")
    ReviewFactory(product=product, rating=1, body="Broke")
    ReviewFactory(product=product, rating=3, body="Hidden", is_published=False)
    url = reverse("reviews:api-list", args=[product.pk])
    body = APIClient().get(url, {"sort": "-rating"}).json()
    assert body["count"] == 2 and [r["body"] for r in body["results"]] == ["Broke", "Great"]
    assert APIClient().get(url, {"stars": "5"}).json()["count"] == 1
    assert APIClient().get(reverse("reviews:api-list", args=[999_999])).status_code == 404


def test_the_api_creates_one_review_per_signed_in_shopper_with_clear_errors():
    product, shopper = ProductFactory(), UserFactory()
    url = reverse("reviews:api-list", args=[product.pk])
    anonymous = APIClient().post(url, {"rating": 5}, format="json")
    assert anonymous.status_code in (401, 403) and "Sign in" in anonymous.json()["detail"]
    api = APIClient()
    api.force_authenticate(shopper)
    assert api.post(url, {"rating": 9, "body": "x"}, format="json").json()["rating"]
    assert api.post(url, {"rating": 4, "body": "y" * 20_001}, format="json").status_code == 400
    created = api.post(url, {"rating": 4, "title": "Fine", "body": "<b>ok</b> 👍"}, format="json")
    assert created.status_code == 201 and created.json()["body"] == "<b>ok</b> 👍"
    again = api.post(url, {"rating": 2}, format="json")
    assert again.status_code == 409 and "already reviewed" in str(again.json())
    assert Review.objects.filter(product=product).count() == 1


def test_the_api_returns_the_stored_summary_or_says_there_is_none():
    product = ProductFactory()
    url = reverse("reviews:api-summary", args=[product.pk])
    assert APIClient().get(url).status_code == 404
    ReviewSummaryFactory(
        product=product,
        text="Customers say it works.",
        aspects=[
            {
                "name": "battery",
                "sentiment": "positive",
                "share": 0.5,
                "mentions": 2,
                "mean_rating": 4.5,
                "quote": "Lasts.",
                "review_ids": [1],
            }
        ],
        review_count=4,
        review_hash="h",
        model_name="m",
        is_stale=False,
        generated_at=timezone.now(),
    )
    body = APIClient().get(url).json()
    assert body["label"] == "AI-generated from 4 reviews" and body["aspects"][0]["name"] == "battery"
    assert "review_ids" not in body["aspects"][0]
