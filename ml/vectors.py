"""Nearest-neighbour search over pgvector fields: the one place that knows how HNSW meets filters."""

from django.db import connection, transaction
from django.db.models import QuerySet
from pgvector.django import CosineDistance

# HNSW walks the graph for the nearest `ef_search` rows and only then applies the WHERE
# clause, so a filter can leave fewer than k rows. A filtered search walks four times as
# wide; when that still leaves fewer than `at_least` rows, the filter is narrow and an
# exact scan of the rows it keeps fills the page.
FILTERED_WIDENING = 4


def vector_nearest(
    *,
    queryset: QuerySet,
    field: str,
    vector,
    k: int,
    filtered: bool = False,
    at_least: int | None = None,
    key: str = "pk",
    also: tuple[str, ...] = (),
) -> list[tuple]:
    """(`key`, cosine distance, *`also`) of up to k rows of `queryset` nearest to `vector`, nearest first.

    With `filtered`, at least `at_least` rows (default k) come back whenever that many match.
    `also` names further fields to read in the same query.
    """
    nearest = (
        queryset.annotate(distance=CosineDistance(field, vector))
        .order_by("distance")
        .values_list(key, "distance", *also)
    )
    ef_search = min(max(k, 40) * (FILTERED_WIDENING if filtered else 1), 1000)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
        rows = list(nearest[:k])
        if filtered and len(rows) < (k if at_least is None else at_least):
            # Exact: the filter's own indexes find its rows (bitmap scans stay on), every
            # kept row is measured, and HNSW is out of the plan.
            cursor.execute("SET LOCAL enable_indexscan = off")
            rows = list(nearest[:k])
    return rows
