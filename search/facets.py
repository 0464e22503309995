from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from shop.models import Category, Product

PRICE_BUCKETS = ((None, Decimal(25)), (Decimal(25), Decimal(50)), (Decimal(50), Decimal(100)), (Decimal(100), Decimal(250)), (Decimal(250), None))


def _bucket_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return f"Under ${high}"
    if high is None:
        return f"${low} and up"
    return f"${low}–${high}"


def _price_between(*, low: Decimal | None, high: Decimal | None) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(price__gte=low)
    if high is not None:
        condition &= Q(price__lt=high)
    return condition


def facets_count(*, products: QuerySet[Product]) -> dict:
    """Counts of the current result set by category, brand, colour, age group, price, rating and stock."""
    categories = list(products.values("category_id").annotate(n=Count("id")).order_by("-n")[:12])
    category_info = {
        pk: (slug, name)
        for pk, slug, name in Category.objects.filter(pk__in=[c["category_id"] for c in categories]).values_list("pk", "slug", "name")
    }
    price_counts = products.aggregate(
        **{
            f"p{index}": Count("id", filter=_price_between(low=low, high=high)) for index, (low, high) in enumerate(PRICE_BUCKETS)
        },
        rated4=Count("id", filter=Q(rating_average__gte=4)),
        rated3=Count("id", filter=Q(rating_average__gte=3)),
        in_stock=Count("id", filter=Q(stock__gt=0)),
    )
    colour_labels = dict(Product.Colour.choices)
    age_labels = dict(Product.AgeGroup.choices)
    return {
        "categories": [
            {"slug": category_info[c["category_id"]][0], "name": category_info[c["category_id"]][1], "count": c["n"]}
            for c in categories
        ],
        "brands": [{"value": row["brand"], "count": row["n"]} for row in products.values("brand").annotate(n=Count("id")).order_by("-n", "brand")[:10]],
        "colours": [
            {"value": row["colour"], "name": colour_labels.get(row["colour"], row["colour"]), "count": row["n"]}
            for row in products.exclude(colour="").values("colour").annotate(n=Count("id")).order_by("-n")
        ],
        "age_groups": [
            {"value": row["age_group"], "name": age_labels.get(row["age_group"], row["age_group"]), "count": row["n"]}
            for row in products.values("age_group").annotate(n=Count("id")).order_by("-n")
        ],
        "prices": [
            {"min_price": low, "max_price": high, "name": _bucket_label(low, high), "count": price_counts[f"p{index}"]}
            for index, (low, high) in enumerate(PRICE_BUCKETS)
            if price_counts[f"p{index}"]
        ],
        "ratings": [
            {"value": stars, "name": f"{stars}★ & up", "count": price_counts[f"rated{stars}"]}
            for stars in (4, 3)
            if price_counts[f"rated{stars}"]
        ],
        "in_stock": price_counts["in_stock"],
    }
