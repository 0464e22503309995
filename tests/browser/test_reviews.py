import pytest
from django.utils import timezone

from reviews.models import Review
from reviews.services import product_ratings_refresh
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shopper_reads_the_summary_filters_reviews_and_writes_one(live_server, page, screenshots):
    product = ProductFactory(title="Linen Wrap Dress")
    bodies = [
        (5, "Soft fabric, lovely colour."),
        (4, "The fabric breathes well in summer."),
        (2, "The zipper broke."),
        (1, "Zipper stuck on day one."),
    ]
    reviews = [
        ReviewFactory(product=product, rating=rating, title=f"Review {n}", body=body)
        for n, (rating, body) in enumerate(bodies * 3)
    ]
    product_ratings_refresh(product_ids=[product.pk])
    zipper_ids = [review.pk for review in reviews if "ipper" in review.body]
    ReviewSummaryFactory(
        product=product,
        text="Customers say the fabric is soft and breathable, while some found the zipper fragile.",
        aspects=[
            {
                "name": "fabric",
                "sentiment": "positive",
                "share": 0.5,
                "mentions": 6,
                "mean_rating": 4.5,
                "quote": "Soft fabric, lovely colour.",
                "review_ids": [r.pk for r in reviews if r.pk not in zipper_ids],
            },
            {
                "name": "zipper",
                "sentiment": "negative",
                "share": 0.5,
                "mentions": 6,
                "mean_rating": 1.5,
                "quote": "The zipper broke.",
                "review_ids": zipper_ids,
            },
        ],
        review_count=12,
        review_hash="h",
        model_name="test",
        is_stale=False,
        generated_at=timezone.now(),
    )
    UserFactory(username="shopper")

    page.goto(f"{live_server.url}/accounts/login/?next={product.get_absolute_url()}")
    page.fill("#id_username", "shopper")
    page.fill("#id_password", "a-good-password-1")
    page.locator("button", has_text="Log in").click()
    page.wait_for_url(f"**{product.get_absolute_url()}")
    assert page.locator(".ai-summary-text").inner_text().startswith("Customers say")
    assert page.locator(".ai-label").inner_text().startswith("AI-generated from 12 reviews")
    page.locator("#reviews").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "06-reviews-summary.png", full_page=True)

    page.locator(".aspect a", has_text="zipper").click()
    page.locator(".chip", has_text="zipper").wait_for()
    assert all("ipper" in text for text in page.locator(".review-body").all_inner_texts())

    page.select_option("select[name=review_sort]", "-rating")
    page.wait_for_function("document.querySelector('.review .stars').getAttribute('aria-label') === '1 out of 5'")

    page.locator(".review-form summary").click()
    page.locator(".stars-input label", has_text="4 stars").click()
    page.fill("input[name=title]", "Good <b>dress</b>")
    page.fill("textarea[name=body]", "Fits well 😍 — the fabric is soft.")
    page.locator("button", has_text="Post review").click()
    page.locator(".notice", has_text="your review is published").wait_for()
    assert Review.objects.filter(product=product, author__username="shopper", rating=4).exists()
    assert page.locator(".review-form summary").inner_text() == "Edit your review"
    assert page.locator(".review strong", has_text="Good <b>dress</b>").count() == 1, "escaped, shown as typed"
    page.screenshot(path=screenshots / "07-reviews-written.png", full_page=True)

    first_helpful = page.locator(".helpful button").first
    first_helpful.click()
    page.locator(".helpful-count", has_text="1 found this helpful").first.wait_for()
