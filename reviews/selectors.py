from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, OuterRef, QuerySet, Value

from reviews.models import Review, ReviewSummary, ReviewVote

REVIEW_SORTS = {
    "newest": ("-created_at", "-pk"),
    "helpful": ("-helpful_count", "-created_at", "-pk"),
    "rating": ("-rating", "-created_at", "-pk"),
    "-rating": ("rating", "-created_at", "-pk"),
}
REVIEW_SORT_LABELS = [
    ("newest", "Newest"),
    ("helpful", "Most helpful"),
    ("rating", "Highest rating"),
    ("-rating", "Lowest rating"),
]


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    histogram: list[tuple[int, int, int]]
    """(stars, reviews, percent of reviews), five stars first."""


@dataclass(frozen=True)
class ReviewFilters:
    sort: str = "newest"
    stars: int | None = None
    aspect: str = ""
    page: str = "1"

    @classmethod
    def from_query(cls, query, *, prefix: str = "review_") -> "ReviewFilters":
        """Unknown or malformed values fall back to the defaults: a shared link never breaks the page.

        The product page prefixes the names (review_sort …) so other sections keep theirs.
        """
        sort = query.get(f"{prefix}sort")
        stars = query.get(f"{prefix}stars", "")
        return cls(
            sort=sort if sort in REVIEW_SORTS else "newest",
            stars=int(stars) if stars in {"1", "2", "3", "4", "5"} else None,
            aspect=(query.get(f"{prefix}aspect") or "")[:100],
            page=query.get(f"{prefix}page") or "1",
        )


@dataclass(frozen=True)
class ReviewsSection:
    """Everything the product page's reviews section shows."""

    product_id: int
    ratings: RatingSummary
    summary: ReviewSummary | None
    min_reviews: int
    page: Page
    filters: ReviewFilters
    own_review: Review | None
    sorts: list[tuple[str, str]] = field(default_factory=lambda: list(REVIEW_SORT_LABELS))

    @property
    def form(self):
        """The write-or-edit form, holding the shopper's own review when there is one."""
        from reviews.forms import ReviewForm

        review = self.own_review
        return ReviewForm(
            initial={"rating": review.rating, "title": review.title, "body": review.body} if review else None
        )


def review_list(
    *,
    product_id: int,
    sort: str = "newest",
    stars: int | None = None,
    aspect_review_ids: list[int] | None = None,
    viewer: AbstractBaseUser | AnonymousUser | None = None,
) -> QuerySet[Review]:
    """Published reviews of a product with their helpful votes and whether `viewer` cast one."""
    reviews = Review.objects.filter(product_id=product_id, is_published=True).select_related("author__profile")
    if stars is not None:
        reviews = reviews.filter(rating=stars)
    if aspect_review_ids is not None:
        reviews = reviews.filter(pk__in=aspect_review_ids)
    voted = (
        Exists(ReviewVote.objects.filter(review=OuterRef("pk"), user_id=viewer.pk))
        if viewer is not None and viewer.is_authenticated
        else Value(False)
    )
    return reviews.annotate(helpful_count=Count("votes"), voted=voted).order_by(
        *REVIEW_SORTS.get(sort, REVIEW_SORTS["newest"])
    )


def rating_summary(*, product_id: int) -> RatingSummary:
    published = Review.objects.filter(product_id=product_id, is_published=True)
    counts = dict(published.values_list("rating").annotate(n=Count("id")).values_list("rating", "n"))
    total = sum(counts.values())
    average = published.aggregate(value=Avg("rating"))["value"]
    return RatingSummary(
        count=total,
        average=round(average, 1) if average is not None else None,
        histogram=[
            (stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0)
            for stars in range(5, 0, -1)
        ],
    )


def review_summary_get(*, product_id: int) -> ReviewSummary | None:
    return ReviewSummary.objects.filter(product_id=product_id).first()


def aspect_review_ids(*, summary: ReviewSummary | None, aspect: str) -> list[int] | None:
    """The reviews that mention a stored aspect; None when no aspect (or an unknown one) is asked for."""
    if summary is None or not aspect:
        return None
    for item in summary.aspects:
        if item.get("name") == aspect:
            return list(item.get("review_ids") or [])
    return None


def own_review_get(*, product_id: int, user: AbstractBaseUser | AnonymousUser | None) -> Review | None:
    if user is None or not user.is_authenticated:
        return None
    return Review.objects.filter(product_id=product_id, author=user).first()


def reviews_section_get(*, product_id: int, query, viewer: AbstractBaseUser | AnonymousUser | None) -> ReviewsSection:
    filters = ReviewFilters.from_query(query)
    summary = review_summary_get(product_id=product_id)
    ids = aspect_review_ids(summary=summary, aspect=filters.aspect)
    if ids is None and filters.aspect:
        filters = ReviewFilters(sort=filters.sort, stars=filters.stars, page=filters.page)
    reviews = review_list(
        product_id=product_id, sort=filters.sort, stars=filters.stars, aspect_review_ids=ids, viewer=viewer
    )
    return ReviewsSection(
        product_id=product_id,
        ratings=rating_summary(product_id=product_id),
        summary=summary,
        min_reviews=settings.REVIEW_SUMMARIES["MIN_REVIEWS"],
        page=Paginator(reviews, settings.REVIEWS["PAGE_SIZE"]).get_page(filters.page),
        filters=filters,
        own_review=own_review_get(product_id=product_id, user=viewer),
    )
