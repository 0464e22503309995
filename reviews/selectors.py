from dataclasses import dataclass

from django.db.models import Avg, Count, QuerySet

from reviews.models import Review


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    histogram: list[tuple[int, int, int]]
    """(stars, reviews, percent of reviews), five stars first."""


def review_list(*, product_id: int) -> QuerySet[Review]:
    return Review.objects.filter(product_id=product_id, is_published=True).select_related("author").order_by("-created_at")


def rating_summary(*, product_id: int) -> RatingSummary:
    published = Review.objects.filter(product_id=product_id, is_published=True)
    counts = dict(published.values_list("rating").annotate(n=Count("id")).values_list("rating", "n"))
    total = sum(counts.values())
    average = published.aggregate(value=Avg("rating"))["value"]
    return RatingSummary(
        count=total,
        average=round(average, 1) if average is not None else None,
        histogram=[(stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0) for stars in range(5, 0, -1)],
    )
