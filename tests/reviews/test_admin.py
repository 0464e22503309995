import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Review, ReviewSummary
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory

pytestmark = pytest.mark.django_db


def test_staff_see_summaries_with_their_errors_and_can_regenerate_them(admin_client):
    product = ProductFactory(title="Quiet Kettle")
    for rating in (5, 4):
        ReviewFactory(product=product, rating=rating)
    summary = ReviewSummaryFactory(
        product=product,
        text="Customers say it is quiet.",
        review_hash="old",
        review_count=4,
        generated_at=timezone.now(),
        error="ConnectError: the LLM server refused the connection",
        error_at=timezone.now(),
    )
    changelist = admin_client.get(reverse("admin:reviews_reviewsummary_changelist")).content.decode()
    assert "Quiet Kettle" in changelist
    change = admin_client.get(reverse("admin:reviews_reviewsummary_change", args=[summary.pk])).content.decode()
    assert "the LLM server refused the connection" in change

    response = admin_client.post(
        reverse("admin:reviews_reviewsummary_changelist"),
        {"action": "regenerate_now", "_selected_action": [summary.pk]},
        follow=True,
    )
    assert "1 with too few reviews" in response.content.decode()
    assert not ReviewSummary.objects.filter(product=product).exists(), "two reviews are too few for a summary"


def test_unpublishing_in_admin_refreshes_the_products_rating_and_marks_its_summary_stale(admin_client):
    product = ProductFactory()
    kept, removed = ReviewFactory(product=product, rating=5), ReviewFactory(product=product, rating=1)
    ReviewSummaryFactory(product=product, text="Customers say it is fine.", is_stale=False, generated_at=timezone.now())
    admin_client.post(
        reverse("admin:reviews_review_changelist"), {"action": "unpublish", "_selected_action": [removed.pk]}
    )
    product.refresh_from_db()
    assert (product.review_count, product.rating_average) == (1, 5.0)
    assert ReviewSummary.objects.get(product=product).is_stale
    assert not Review.objects.get(pk=removed.pk).is_published and Review.objects.get(pk=kept.pk).is_published
