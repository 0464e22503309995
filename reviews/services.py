from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet

from ml.tasks import task_enqueue_on_commit
from reviews.models import Review, ReviewVote
from reviews.summaries import summary_mark_stale
from search.tasks import products_embed_task
from shop.models import Interaction, Product
from shop.services import interaction_record


def product_ratings_refresh(*, product_ids: Iterable[int]) -> None:
    """Copy each product's published-review average and count onto the product, for filters and sorting."""
    ids = list(product_ids)
    stats = (
        Product.objects.filter(pk__in=ids)
        .annotate(
            average=Avg("reviews__rating", filter=Q(reviews__is_published=True)),
            count=Count("reviews", filter=Q(reviews__is_published=True)),
        )
        .values_list("pk", "average", "count")
    )
    Product.objects.bulk_update(
        [Product(pk=pk, rating_average=average, review_count=count) for pk, average, count in stats],
        ["rating_average", "review_count"],
        batch_size=1000,
    )


def _signed_in(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser:
    if user is None or not user.is_authenticated:
        raise ValidationError("Sign in to write a review.", code="signed_out")
    return user


def _review_validate(*, rating: object, title: str, body: str) -> int:
    errors = {}
    try:
        stars = int(rating)
    except (TypeError, ValueError):
        stars = 0
    if isinstance(rating, bool) or not 1 <= stars <= 5 or str(rating).strip() not in {str(stars), f"{stars}.0"}:
        errors["rating"] = "The rating must be a whole number of stars from 1 to 5."
    if len(title) > 200:
        errors["title"] = f"The title can be at most 200 characters; it has {len(title):,}."
    limit = settings.REVIEWS["BODY_MAX_CHARS"]
    if len(body) > limit:
        errors["body"] = f"A review can be at most {limit:,} characters; this one has {len(body):,}."
    if "\x00" in title or "\x00" in body:
        errors["body"] = "The review contains a NUL character, which cannot be stored."
    if errors:
        raise ValidationError(errors)
    return stars


def verified_purchase_check(*, user: AbstractBaseUser, product: Product) -> bool:
    """The author bought the product: checkout records a purchase interaction for each product bought."""
    return Interaction.objects.filter(user=user, product=product, kind=Interaction.Kind.PURCHASE).exists()


def review_change_propagate(*, product_ids: Iterable[int]) -> None:
    """Reviews of these products were written, edited, published or taken down: each product's rating follows at
    once, and its summary is marked stale (and queued to be rebuilt). Every path that changes a review ends here."""
    ids = sorted(set(product_ids))
    product_ratings_refresh(product_ids=ids)
    for product_id in ids:
        summary_mark_stale(product_id=product_id)
    task_enqueue_on_commit(
        task=products_embed_task, catch_up="`manage.py embed_products` refreshes review words", args=[ids]
    )


@transaction.atomic
def review_create(
    *, product: Product, user: AbstractBaseUser | AnonymousUser | None, rating: object, title: str = "", body: str = ""
) -> Review:
    """A shopper's review of a product: one per shopper and product; it is also their rating interaction."""
    author = _signed_in(user)
    stars = _review_validate(rating=rating, title=title, body=body)
    if Review.objects.filter(product=product, author=author).exists():
        raise ValidationError("You have already reviewed this product; edit your review instead.", code="duplicate")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product=product,
                author=author,
                rating=stars,
                title=title.strip(),
                body=body.strip(),
                verified_purchase=verified_purchase_check(user=author, product=product),
                is_published=settings.REVIEWS["PUBLISH_ON_SUBMIT"],
            )
    except IntegrityError as error:
        raise ValidationError(
            "You have already reviewed this product; edit your review instead.", code="duplicate"
        ) from error
    interaction_record(product=product, kind=Interaction.Kind.RATING, user=author, value=stars)
    review_change_propagate(product_ids=[review.product_id])
    return review


@transaction.atomic
def review_update(
    *, review: Review, user: AbstractBaseUser | AnonymousUser | None, rating: object, title: str = "", body: str = ""
) -> Review:
    """The author edits their review; a new rating is a new rating interaction (events are append-only)."""
    author = _signed_in(user)
    if review.author_id != author.pk:
        raise ValidationError("Only its author can edit a review.", code="not_author")
    stars = _review_validate(rating=rating, title=title, body=body)
    rating_changed = stars != review.rating
    review.rating, review.title, review.body = stars, title.strip(), body.strip()
    review.verified_purchase = verified_purchase_check(user=author, product=review.product)
    review.save()
    if rating_changed:
        interaction_record(product=review.product, kind=Interaction.Kind.RATING, user=author, value=stars)
    review_change_propagate(product_ids=[review.product_id])
    return review


@transaction.atomic
def reviews_publish_set(*, reviews: QuerySet[Review], published: bool) -> int:
    """Staff moderation: publish or take down reviews; the products' ratings and summaries follow."""
    changed = list(reviews.exclude(is_published=published).values_list("pk", "product_id"))
    Review.objects.filter(pk__in=[pk for pk, _ in changed]).update(is_published=published)
    review_change_propagate(product_ids=[product_id for _, product_id in changed])
    return len(changed)


def review_vote_toggle(*, review: Review, user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Mark a review helpful, or take the mark back; True when the shopper's vote now stands."""
    if user is None or not user.is_authenticated:
        raise ValidationError("Sign in to vote on reviews.", code="signed_out")
    if review.author_id == user.pk:
        raise ValidationError("You cannot vote on your own review.", code="own_review")
    deleted, _ = ReviewVote.objects.filter(review=review, user=user).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            ReviewVote.objects.create(review=review, user=user)
    except IntegrityError:
        pass  # a second click raced the first: the vote stands once
    return True
