"""The three rankings a text query gets, and their fusion.

Lexical: PostgreSQL full text (weighted stored document, websearch syntax), with exact and
prefix title or SKU matches first. Semantic: the query's text vector against the products'.
Pictures: the query against product pictures through the live image encoder (a tower the shop
trained into the text space, or CLIP's text tower). Fusion: weighted reciprocal ranks,
with weights chosen by `manage.py evaluate_search --tune`.
"""

import re
from functools import reduce
from operator import or_

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from ml.degraded import degradation_record
from ml.encoders import (
    EncoderUnavailable,
    TextEncoder,
    text_encoder_get,
    text_encoder_name,
)
from ml.image_tower import AlignedImageEncoder
from ml.vectors import vector_nearest
from search.image_encoders import image_vector_field, live_image_encoder_get
from search.models import ProductReviewText
from shop.models import Product

TERM = re.compile(r"\w+", re.UNICODE)
EXCLUDED = re.compile(r"(?:^|\s)-(\w+)", re.UNICODE)
MAX_TERMS = 12
STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its my of on or so that the their this to was with you your".split()
)
RRF_K = 60
REVIEW_WEIGHT = 0.2


def query_terms(*, text: str) -> list[str]:
    """The words a shopper wants, without those excluded with a leading minus ("headphones -wireless")."""
    return TERM.findall(EXCLUDED.sub(" ", text).lower())[:MAX_TERMS]


def exclusions_apply(*, base: QuerySet, text: str) -> QuerySet:
    """Words the shopper excluded ("-wireless") leave every ranking, not only the lexical one."""
    for term in EXCLUDED.findall(text)[:MAX_TERMS]:
        base = base.exclude(search_document=SearchQuery(term.lower(), search_type="plain", config="english"))
    return base


def words_excluded_q(*, words: list[str]) -> Q:
    """Documents holding any of these negated words or phrases ("no batteries", "not over-ear")."""
    condition = Q(pk__in=[])
    for phrase in words[:MAX_TERMS]:
        condition |= Q(search_document=SearchQuery(phrase, search_type="phrase", config="english"))
    return condition


def lexical_rank(
    *, base: QuerySet, text: str, limit: int, excluded_words: tuple[str, ...] = ()
) -> list[tuple[int, int, float]]:
    """(pk, exactness, coverage) in lexical order: SKU, exact then prefix title, then every word, then some, by rank.

    Documents holding every word are ranked first and alone; documents holding only some
    are ranked only when the first set leaves room, so common words stay cheap. Coverage is
    the share of the query's content words a tier's documents hold: fusion weighs lexical
    evidence by it, so a stray word ("for the car") cannot outvote the whole query's meaning.
    """
    terms = query_terms(text=text)
    if not terms:
        return []
    if excluded_words:
        base = base.exclude(words_excluded_q(words=list(excluded_words)))
    # websearch syntax: every word, "quoted phrases", OR, and -exclusions, as shoppers type them.
    every_word = SearchQuery(text, search_type="websearch", config="english")
    # Below the documents with every word come those with some: with three words or more,
    # at least two of them, which keeps long queries from ranking half the catalog.
    content = [term for term in terms if term not in STOP_WORDS] or terms
    groups = (
        [f"{a} {b}" for position, a in enumerate(content) for b in content[position + 1 :]]
        if len(content) >= 3
        else content
    )
    any_word = reduce(or_, (SearchQuery(group, search_type="plain", config="english") for group in groups))
    phrase = text.strip()
    exactness = Case(
        When(title__iexact=phrase, then=Value(2)),
        When(title__istartswith=phrase, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    sku = list(base.filter(sku=phrase.upper()).values_list("pk", flat=True)[:1])
    rows = [(pk, 2, 1.0) for pk in sku]
    partial = min(len(groups[0].split()), len(content)) / len(content)
    # The second tier leaves out the first's rows; had the first filled its room, the second is not run.
    for query, coverage in ((every_word, 1.0), (any_word, partial)):
        if len(rows) >= limit:
            break
        ranked = (
            base.filter(pk__in=_matching_ids(query=query))
            .exclude(pk__in=[pk for pk, _, _ in rows])
            .annotate(
                exactness=exactness,
                # Shoppers' review words count too, at a fifth of the catalog text's rank (see search.review_text).
                rank=SearchRank(F("search_document"), query)
                + REVIEW_WEIGHT * Coalesce(SearchRank(F("review_text__document"), query), Value(0.0)),
            )
            .order_by("-exactness", "-rank", "pk")
            .values_list("pk", "exactness")[: limit - len(rows)]
        )
        rows += [(pk, exact, coverage) for pk, exact in ranked]
    return rows


def _matching_ids(*, query: SearchQuery) -> QuerySet:
    """Ids of the products whose catalog text or review words match: each side through its own GIN index.

    Written as one OR across the join, PostgreSQL reads every product row instead (a sequential scan of
    the whole catalog, vectors included, about 100 ms at 100,000 products).
    """
    return (
        Product.objects.filter(search_document=query)
        .order_by()
        .values("pk")
        .union(ProductReviewText.objects.filter(document=query).order_by().values("product_id"), all=True)
    )


def query_vector(*, text: str) -> np.ndarray | None:
    """The query's text vector; None without a text encoder."""
    encoder = text_encoder_available_get()
    if encoder is None:
        return None
    return encoder.encode([" ".join(query_terms(text=text))], queries=True)[0]


def semantic_rank(*, base: QuerySet, vector: np.ndarray | None, limit: int, filtered: bool) -> list[tuple[int, float]]:
    """(pk, similarity) of the products nearest in meaning; no similarity floor, the fusion decides.

    Empty without a text encoder: the search then ranks by its words alone (reported as degraded).
    """
    if vector is None:
        return []
    rows = vector_nearest(
        queryset=base.filter(text_encoder=text_encoder_name()),
        field="text_embedding",
        vector=vector,
        k=limit,
        filtered=filtered,
        at_least=settings.SEARCH["PAGE_SIZE"],
    )
    return [(pk, 1 - distance) for pk, distance in rows]


def unembedded_place(*, base: QuerySet, semantic: list[int], lexical: list[int]) -> list[int]:
    """The semantic ranking with the lexical matches whose text vector is not computed yet put at their lexical rank.

    A product saved while Redis or the worker is down waits for its vector; missing evidence is not
    evidence against it, so a shopper typing its exact words still finds it first.
    """
    missing = set(base.filter(pk__in=lexical).exclude(text_encoder=text_encoder_name()).values_list("pk", flat=True))
    if not missing:
        return semantic
    placed = [pk for pk in semantic if pk not in missing]
    for rank, pk in enumerate(lexical):
        if pk in missing:
            placed.insert(min(rank, len(placed)), pk)
    return placed


def text_encoder_available_get() -> TextEncoder | None:
    """The text encoder, or None (reported as degraded) when this machine cannot load it."""
    try:
        return text_encoder_get()
    except EncoderUnavailable as error:
        degradation_record(
            part="text encoder",
            message="search ranks by words only and suggests no categories: the text encoder is unavailable",
            detail=str(error),
        )
        return None


def picture_rank(
    *, base: QuerySet, text: str, limit: int, filtered: bool, text_vector: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """(pk, similarity) of products whose picture is closest to the words; empty without an image encoder.

    CLIP's text tower makes the query vector; a trained tower shares the text encoder's space,
    so the query's text vector (`text_vector`, when the semantic ranking already made it) searches
    its pictures directly, and the query is encoded once.
    """
    try:
        encoder = live_image_encoder_get()
    except EncoderUnavailable:
        return []
    with_images = base.filter(image_encoder=encoder.name)
    aligned = isinstance(encoder, AlignedImageEncoder)
    vector = (
        text_vector
        if aligned and text_vector is not None
        else encoder.encode_texts([" ".join(query_terms(text=text))])[0]
    )
    rows = vector_nearest(
        queryset=with_images,
        field=image_vector_field(encoder=encoder),
        vector=vector,
        k=limit,
        filtered=filtered,
        at_least=settings.SEARCH["PAGE_SIZE"],
    )
    return [(pk, 1 - distance) for pk, distance in rows]


def rankings_fuse(
    *,
    rankings: dict[str, list[int]],
    weights: dict[str, float],
    factors: dict[str, dict[int, float]] | None = None,
) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion: each ranking adds weight × factor / (60 + rank) to a product.

    `factors` scale one ranking's evidence per product (lexical: the share of the query it explains).
    """
    scores: dict[int, float] = {}
    for name, ranked in rankings.items():
        weight = weights.get(name, 0.0)
        if weight <= 0:
            continue
        scale = (factors or {}).get(name, {})
        for rank, pk in enumerate(ranked, start=1):
            scores[pk] = scores.get(pk, 0.0) + weight * scale.get(pk, 1.0) / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
