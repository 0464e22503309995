"""Nearest-neighbour search over pgvector fields: the one place that knows how HNSW meets filters."""

from django.db import connection, transaction
from django.db.models import QuerySet
from pgvector.django import CosineDistance

# HNSW walks the graph for the nearest `ef_search` rows and only then applies the WHERE
# clause, so a filter can leave fewer than k rows. Below this many matching rows an exact
# scan is fast; above it, a wider walk keeps pages full.
EXACT_SCAN_BELOW = 20_000
FILTERED_EF_SEARCH = 400


def vector_nearest(
    *, queryset: QuerySet, field: str, vector, k: int, filtered: bool = False
) -> list[tuple[int, float]]:
    """(pk, cosine distance) of the k rows of `queryset` nearest to `vector`, nearest first."""
    with transaction.atomic(), connection.cursor() as cursor:
        if filtered and queryset.count() < EXACT_SCAN_BELOW:
            cursor.execute("SET LOCAL enable_indexscan = off")
        else:
            ef_search = max(FILTERED_EF_SEARCH if filtered else 40, k)
            cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(min(ef_search, 1000))])
        rows = (
            queryset.annotate(distance=CosineDistance(field, vector))
            .order_by("distance")
            .values_list("pk", "distance")[:k]
        )
        return list(rows)
