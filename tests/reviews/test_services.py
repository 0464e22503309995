import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from reviews.models import Review, ReviewSummary, ReviewVote
from reviews.services import review_create, review_update, review_vote_toggle, reviews_publish_set
from shop.models import Interaction
from shop.services import interaction_record
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_review_is_stored_counted_and_recorded_as_a_rating():
    product, shopper = ProductFactory(), UserFactory()
    review = review_create(product=product, user=shopper, rating=4, title=" Good ", body=" Fits well. ")
    assert (review.title, review.body, review.is_published, review.verified_purchase) == (
        "Good",
        "Fits well.",
        True,
        False,
    )
    product.refresh_from_db()
    assert (product.review_count, product.rating_average) == (1, 4.0)
    rating = Interaction.objects.get(user=shopper, product=product, kind="rating")
    assert rating.value == 4


def test_verified_purchase_needs_a_purchase_of_that_product():
    product, buyer = ProductFactory(), UserFactory()
    interaction_record(product=ProductFactory(), kind="purchase", user=buyer)
    assert not review_create(product=product, user=buyer, rating=5).verified_purchase
    interaction_record(product=product, kind="purchase", user=buyer)
    review = Review.objects.get(product=product, author=buyer)
    assert review_update(review=review, user=buyer, rating=5, body="Bought it after all").verified_purchase


@pytest.mark.parametrize("rating", [0, 6, -1, "five", "4.5", None, True, ""])
def test_a_rating_outside_one_to_five_is_refused_clearly(rating):
    product = ProductFactory()
    with pytest.raises(ValidationError) as error:
        review_create(product=product, user=UserFactory(), rating=rating, body="x")
    assert "1 to 5" in str(error.value)
    assert not Review.objects.filter(product=product).exists()


def test_a_second_review_and_a_signed_out_visitor_get_clear_errors():
    product, shopper = ProductFactory(), UserFactory()
    review_create(product=product, user=shopper, rating=3)
    with pytest.raises(ValidationError, match="already reviewed"):
        review_create(product=product, user=shopper, rating=5)
    with pytest.raises(ValidationError, match="Sign in"):
        review_create(product=product, user=AnonymousUser(), rating=5)
    assert Review.objects.filter(product=product).count() == 1


def test_bad_text_is_stored_up_to_the_limit_and_refused_beyond(settings):
    product = ProductFactory()
    bodies = [
        "",
        "x" * 20_000,
        "<script>alert('x')</script><b>bold</b>",
        "Love it 😍🔥 ✨",
        "很好看，质量不错。Очень удобно.",
    ]
    for body in bodies:
        review_create(product=product, user=UserFactory(), rating=4, body=body)
    assert sorted(Review.objects.filter(product=product).values_list("body", flat=True)) == sorted(bodies)
    with pytest.raises(ValidationError, match="at most 20,000 characters; this one has 20,001"):
        review_create(product=product, user=UserFactory(), rating=4, body="y" * 20_001)


def test_only_the_author_edits_and_an_edit_with_a_new_rating_is_a_new_rating_event():
    review = ReviewFactory(rating=2)
    with pytest.raises(ValidationError, match="Only its author"):
        review_update(review=review, user=UserFactory(), rating=5)
    review_update(review=review, user=review.author, rating=5, title="Changed my mind", body="Better after a week.")
    review.refresh_from_db()
    assert (review.rating, review.title) == (5, "Changed my mind")
    assert list(Interaction.objects.filter(user=review.author, kind="rating").values_list("value", flat=True)) == [5.0]


def test_moderation_setting_holds_reviews_until_staff_publish(settings):
    settings.REVIEWS = {**settings.REVIEWS, "PUBLISH_ON_SUBMIT": False}
    product = ProductFactory()
    review = review_create(product=product, user=UserFactory(), rating=5)
    assert not review.is_published
    product.refresh_from_db()
    assert product.review_count == 0
    assert reviews_publish_set(reviews=Review.objects.filter(product=product), published=True) == 1
    product.refresh_from_db()
    assert product.review_count == 1


def test_a_change_marks_the_summary_stale():
    product = ProductFactory()
    summary = ReviewSummaryFactory(product=product, text="Customers say it is fine.", is_stale=False)
    review = review_create(product=product, user=UserFactory(), rating=5)
    summary.refresh_from_db()
    assert summary.is_stale
    ReviewSummary.objects.filter(pk=summary.pk).update(is_stale=False)
    reviews_publish_set(reviews=Review.objects.filter(pk=review.pk), published=False)
    summary.refresh_from_db()
    assert summary.is_stale and summary.text == "Customers say it is fine.", "the old summary stays until rebuilt"


def test_helpful_votes_are_one_per_shopper_and_not_for_ones_own_review():
    review, voter = ReviewFactory(), UserFactory()
    assert review_vote_toggle(review=review, user=voter) is True
    assert ReviewVote.objects.filter(review=review).count() == 1
    assert review_vote_toggle(review=review, user=voter) is False, "a second click takes the vote back"
    assert ReviewVote.objects.filter(review=review).count() == 0
    with pytest.raises(ValidationError, match="your own review"):
        review_vote_toggle(review=review, user=review.author)
    with pytest.raises(ValidationError, match="Sign in"):
        review_vote_toggle(review=review, user=AnonymousUser())
