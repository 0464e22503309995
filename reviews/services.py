from collections.abc import Iterable

from django.db.models import Avg, Count, Q

from shop.models import Product


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
