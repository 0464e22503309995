import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Review, ReviewVote
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _summary(product, **fields):
    defaults = {
        "text": "Customers say the fabric is soft <b>and</b> the fit runs small.",
        "aspects": [
            {
                "name": "fabric",
                "sentiment": "positive",
                "share": 0.5,
                "mentions": 2,
                "mean_rating": 4.5,
                "quote": "Soft <i>fabric</i>.",
                "review_ids": [],
            },
        ],
        "review_count": 4,
        "review_hash": "x",
        "model_name": "test-model",
        "is_stale": False,
        "generated_at": timezone.now(),
    }
    return ReviewSummaryFactory(product=product, **{**defaults, **fields})


def test_the_product_page_shows_the_stored_summary_labelled_and_escaped(client):
    product = ProductFactory()
    for rating in (5, 4, 4, 2):
        ReviewFactory(product=product, rating=rating)
    _summary(product)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Customers say the fabric is soft &lt;b&gt;and&lt;/b&gt; the fit runs small." in page
    assert "AI-generated from 4 reviews" in page
    assert "fabric</strong>: mostly positive" in page and "(50% of reviews)" in page
    assert "Soft &lt;i&gt;fabric&lt;/i&gt;." in page


def test_without_a_stored_summary_the_page_promises_none_and_states_no_rule(client):
    product = ProductFactory()
    ReviewFactory(product=product)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "appears once" not in page and "What customers say" not in page
    busy = ProductFactory()
    for _ in range(4):
        ReviewFactory(product=busy)
    page = client.get(busy.get_absolute_url()).content.decode()
    assert "being prepared" not in page and "What customers say" not in page


def test_a_summary_that_failed_its_checks_shows_aspects_only(client):
    product = ProductFactory()
    _summary(product, text="", note="failed")
    page = client.get(product.get_absolute_url()).content.decode()
    assert "No written summary" in page and "fabric</strong>" in page


def test_review_list_sorts_filters_and_pages_over_htmx(client):
    product = ProductFactory()
    reviews = [ReviewFactory(product=product, rating=1 + n % 5, body=f"Review body {n:02d}") for n in range(23)]
    ReviewVote.objects.create(review=reviews[3], user=UserFactory())
    url = reverse("reviews:list", args=[product.pk])
    helpful = client.get(url, {"review_sort": "helpful"}, **HTMX).content.decode()
    assert helpful.index("Review body 03") < helpful.index("Review body 22")
    assert "1 found this helpful" in helpful
    three = client.get(url, {"review_stars": "3"}, **HTMX).content.decode()
    assert "Review body 02" in three and "Review body 03" not in three
    second = client.get(url, {"review_page": "3"}, **HTMX).content.decode()
    assert "Page 3 of 3" in second and "Review body 00" in second
    lowest = client.get(url, {"review_sort": "-rating"}, **HTMX).content.decode()
    assert "Review body 00" in lowest and "Review body 04" not in lowest, "ones and twos fill the first page"
    plain = client.get(url, {"review_stars": "3"})
    assert plain.status_code == 302 and plain["Location"].endswith(
        f"{product.get_absolute_url()}?review_stars=3#reviews"
    )
    odd = client.get(product.get_absolute_url(), {"review_sort": "'; drop", "review_stars": "9", "review_page": "x"})
    assert odd.status_code == 200


def test_review_list_filters_by_aspect(client):
    product = ProductFactory()
    kept = ReviewFactory(product=product, body="The zipper broke.")
    ReviewFactory(product=product, body="Colour is lovely.")
    _summary(
        product,
        aspects=[
            {
                "name": "zipper",
                "sentiment": "negative",
                "share": 0.5,
                "mentions": 1,
                "mean_rating": 2,
                "quote": "",
                "review_ids": [kept.pk],
            }
        ],
    )
    page = client.get(reverse("reviews:list", args=[product.pk]), {"review_aspect": "zipper"}, **HTMX).content.decode()
    assert "The zipper broke." in page and "Colour is lovely." not in page and "Mentions “zipper”" in page


def test_a_shopper_writes_then_edits_their_review(client):
    product, shopper = ProductFactory(), UserFactory()
    client.force_login(shopper)
    url = reverse("reviews:write", args=[product.pk])
    response = client.post(url, {"rating": "4", "title": "Nice", "body": "<script>alert(1)</script> 😍"}, **HTMX)
    assert response.status_code == 200 and "your review is published" in response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 😍" in response.content.decode()
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Edit your review" in page and "<script>alert(1)</script>" not in page
    client.post(url, {"rating": "2", "title": "Less nice", "body": "Seam split."})
    review = Review.objects.get(product=product)
    assert (review.rating, review.body) == (2, "Seam split.") and Review.objects.filter(product=product).count() == 1


def test_bad_review_posts_keep_the_text_and_say_what_is_wrong(client):
    product = ProductFactory()
    url = reverse("reviews:write", args=[product.pk])
    anonymous = client.post(url, {"rating": "5", "body": "hello"})
    assert anonymous.status_code == 403 and "Sign in to write a review." in anonymous.content.decode()
    client.force_login(UserFactory())
    wrong = client.post(url, {"rating": "7", "body": "My careful words"})
    assert wrong.status_code == 400
    assert "The rating must be 1 to 5 stars." in wrong.content.decode() and "My careful words" in wrong.content.decode()
    long = client.post(url, {"rating": "3", "body": "z" * 20_001}, **HTMX)
    assert long.status_code == 200 and "at most 20000 characters; this one has 20001" in long.content.decode()
    assert long["HX-Retarget"] == "#review-form"
    assert not Review.objects.filter(product=product).exists()


def test_helpful_votes_toggle_over_htmx_and_refuse_the_author(client):
    review = ReviewFactory()
    client.force_login(UserFactory())
    url = reverse("reviews:helpful", args=[review.pk])
    voted = client.post(url, **HTMX).content.decode()
    assert "1 found this helpful" in voted and "✓ Helpful" in voted
    assert "found this helpful" not in client.post(url, **HTMX).content.decode()
    client.force_login(review.author)
    assert "cannot vote on your own review" in client.post(url, **HTMX).content.decode()
    assert not ReviewVote.objects.filter(review=review).exists()
