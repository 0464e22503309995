from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from shop.models import Category, Product

PRICE_BUCKETS = (
    (None, Decimal(25)),
    (Decimal(25), Decimal(50)),
    (Decimal(50), Decimal(100)),
    (Decimal(100), Decimal(250)),
    (Decimal(250), None),
)


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


def _facets(*, categories, brands, colours, age_groups, prices, rated: dict[int, int], in_stock: int) -> dict:
    """The facet dict the page and the API show, from counts however they were made."""
    category_info = {
        pk: (slug, name)
        for pk, slug, name in Category.objects.filter(pk__in=[pk for pk, _ in categories]).values_list(
            "pk", "slug", "name"
        )
    }
    colour_labels, age_labels = dict(Product.Colour.choices), dict(Product.AgeGroup.choices)
    return {
        "categories": [
            {"slug": category_info[pk][0], "name": category_info[pk][1], "count": n} for pk, n in categories
        ],
        "brands": [{"value": brand, "count": n} for brand, n in brands],
        "colours": [{"value": value, "name": colour_labels.get(value, value), "count": n} for value, n in colours],
        "age_groups": [{"value": value, "name": age_labels.get(value, value), "count": n} for value, n in age_groups],
        "prices": [
            {"min_price": low, "max_price": high, "name": _bucket_label(low, high), "count": prices[index]}
            for index, (low, high) in enumerate(PRICE_BUCKETS)
            if prices[index]
        ],
        "ratings": [
            {"value": stars, "name": f"{stars}★ & up", "count": rated[stars]} for stars in (4, 3) if rated[stars]
        ],
        "in_stock": in_stock,
    }


def facets_count(*, products: QuerySet[Product]) -> dict:
    """Facet counts of a whole filtered catalog, counted by the database."""
    totals = products.aggregate(
        **{
            f"p{index}": Count("id", filter=_price_between(low=low, high=high))
            for index, (low, high) in enumerate(PRICE_BUCKETS)
        },
        rated4=Count("id", filter=Q(rating_average__gte=4)),
        rated3=Count("id", filter=Q(rating_average__gte=3)),
        in_stock=Count("id", filter=Q(stock__gt=0)),
    )

    def grouped(field: str, limit: int | None = None, exclude_blank: bool = False) -> list[tuple]:
        rows = products.exclude(**{field: ""}) if exclude_blank else products
        rows = rows.values_list(field).annotate(n=Count("id")).order_by("-n", field)
        return list(rows[:limit] if limit else rows)

    return _facets(
        categories=grouped("category_id", 12),
        brands=grouped("brand", 10),
        colours=grouped("colour", exclude_blank=True),
        age_groups=grouped("age_group"),
        prices=[totals[f"p{index}"] for index in range(len(PRICE_BUCKETS))],
        rated={4: totals["rated4"], 3: totals["rated3"]},
        in_stock=totals["in_stock"],
    )


# What a ranked result's facets are counted from, read once per search with the candidates' categories.
FACET_COLUMNS = ("category_id", "brand", "colour", "age_group", "price", "rating_average", "stock")


def facet_rows(*, product_ids: Iterable[int]) -> dict[int, tuple]:
    """Each product's FACET_COLUMNS, by id."""
    return {
        pk: tuple(values)
        for pk, *values in Product.objects.filter(pk__in=list(product_ids)).values_list("pk", *FACET_COLUMNS)
    }


def facets_of(*, rows: list[tuple]) -> dict:
    """Facet counts of a ranked result set (a few hundred products) from their FACET_COLUMNS rows."""

    def top(values, limit: int | None = None) -> list[tuple]:
        return Counter(value for value in values if value != "").most_common(limit)

    prices = [0] * len(PRICE_BUCKETS)
    for *_, price, _, _ in rows:
        for index, (low, high) in enumerate(PRICE_BUCKETS):
            if (low is None or price >= low) and (high is None or price < high):
                prices[index] += 1
    return _facets(
        categories=top((row[0] for row in rows), 12),
        brands=sorted(top(row[1] for row in rows), key=lambda item: (-item[1], item[0]))[:10],
        colours=top(row[2] for row in rows),
        age_groups=top(row[3] for row in rows),
        prices=prices,
        rated={stars: sum(1 for row in rows if row[5] is not None and row[5] >= stars) for stars in (4, 3)},
        in_stock=sum(1 for row in rows if row[6] > 0),
    )
