"""The three rankings a text query gets, and their fusion; a photo's candidates re-scored with colour.

Lexical: PostgreSQL full text (weighted stored document, websearch syntax), with exact and
prefix title or SKU matches first. Semantic: the query's text vector against the products'.
Pictures: the query against product pictures through the live image encoder (a tower the shop
trained into the text space, or CLIP's text tower). Fusion: weighted reciprocal ranks,
with weights chosen by `manage.py evaluate_search --tune`.
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When

from ml.degraded import degradation_record
from ml.encoders import (
    EncoderUnavailable,
    TextEncoder,
    text_encoder_get,
    text_encoder_name,
)
from ml.image_tower import AlignedImageEncoder
from ml.vectors import vector_nearest
from search.facets import FACET_COLUMNS
from search.image_encoders import image_vector_field, live_image_encoder_get
from search.models import ProductReviewText

TERM = re.compile(r"\w+", re.UNICODE)
SINGLE_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
EXCLUDED = re.compile(r"(?:^|\s)-(\w+)", re.UNICODE)
MAX_TERMS = 12
# PostgreSQL's English stop words (its english.stop, the Snowball list): the words its full-text search
# drops. A pair of words that holds one of them matches as the other word alone, so the "some of the
# words" tier must leave them out, or "a gift for someone who loves hiking" ranks every product that
# mentions love (tests/search/test_ranking.py checks this list against the database).
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves what which who whom this that these those
    am is are was were be been being have has had having do does did doing a an the and but if or because
    as until while of at by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very s t can will just
    don should now""".split()
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


@dataclass(frozen=True)
class LexicalMatch:
    pk: int
    exactness: int
    """2: the SKU or the whole title; 1: the title starts with the query; 0: the words match."""
    coverage: float
    """The share of the query's content words its tier's documents hold."""
    embedded: bool
    """Whether the product's text vector is the current encoder's (see unembedded_place)."""
    facts: tuple = ()
    """The product's FACET_COLUMNS, read with the match (the result's facets and category intent use them)."""


def lexical_rank(*, base: QuerySet, text: str, limit: int, excluded_words: tuple[str, ...] = ()) -> list[LexicalMatch]:
    """Lexical order: SKU, exact then prefix title, then every word, then some, by rank.

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
    # A lone letter ("<b>x</b>", "size m") means nothing on its own: counted as a content word,
    # it would ask every product of a partial match to hold it too.
    content = list(
        dict.fromkeys(term for term in terms if term not in STOP_WORDS and not SINGLE_LETTER.fullmatch(term))
    )
    content = content or list(dict.fromkeys(terms))
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
    embedded = ExpressionWrapper(Q(text_encoder=text_encoder_name()), output_field=BooleanField())
    sku = base.filter(sku=phrase.upper()).annotate(embedded=embedded).values_list("pk", "embedded", *FACET_COLUMNS)[:1]
    rows = [
        LexicalMatch(pk=pk, exactness=2, coverage=1.0, embedded=vector, facts=tuple(facts))
        for pk, vector, *facts in sku
    ]
    partial = min(len(groups[0].split()), len(content)) / len(content)
    # The second tier leaves out the first's rows; had the first filled its room, the second is not run.
    for query, coverage in ((every_word, 1.0), (any_word, partial)):
        if len(rows) >= limit:
            break
        kept = base.exclude(pk__in=[row.pk for row in rows]).annotate(exactness=exactness, embedded=embedded)
        rows += [
            LexicalMatch(pk=pk, exactness=exact, coverage=coverage, embedded=vector, facts=facts)
            for pk, exact, vector, facts in _tier_rank(products=kept, query=query, room=limit - len(rows))
        ]
    return rows


def _tier_rank(*, products: QuerySet, query: SearchQuery, room: int) -> list[tuple[int, int, bool, tuple]]:
    """(pk, exactness, embedded, FACET_COLUMNS) of the `room` best matches: exactness, then catalog rank plus a fifth of the review rank.

    The catalog text and the review words are matched each through its own GIN index, and the best
    `room` by catalog rank are ranked with every product whose review words match. When more products
    match than there is room for, one outside the catalog's best whose reviews hold only some of the
    words is not lifted by them. Joined in one query instead, PostgreSQL looks every matching id up one
    by one (about 75 ms for the 10,000 products that say "toys" among 100,000).
    """
    catalog = list(
        products.filter(search_document=query)
        .annotate(rank=SearchRank(F("search_document"), query))
        .order_by("-exactness", "-rank", "pk")
        .values_list("pk", "exactness", "embedded", "rank", *FACET_COLUMNS)[:room]
    )
    # Ranked like the catalog text: reviews holding some of the words count a little, as in ts_rank.
    reviewed = (
        ProductReviewText.objects.filter(
            Q(document=query, product__in=products.values("pk")) | Q(product_id__in=[row[0] for row in catalog])
        )
        .annotate(
            rank=SearchRank(F("document"), query),
            matched=ExpressionWrapper(Q(document=query), output_field=BooleanField()),
        )
        .values_list("product_id", "rank", "matched")
    )
    reviews, found = {}, {row[0] for row in catalog}
    missing = []
    for pk, rank, matched in reviewed:
        reviews[pk] = rank
        if matched and pk not in found:
            missing.append(pk)
    if missing:
        catalog += (
            products.filter(pk__in=missing)
            .annotate(rank=SearchRank(F("search_document"), query))
            .values_list("pk", "exactness", "embedded", "rank", *FACET_COLUMNS)
        )
    # Shoppers' review words count too, at a fifth of the catalog text's rank (see search.review_text).
    scored = sorted(catalog, key=lambda row: (-row[1], -(row[3] + REVIEW_WEIGHT * reviews.get(row[0], 0.0)), row[0]))
    return [(pk, exact, vector, tuple(facts)) for pk, exact, vector, _, *facts in scored[:room]]


def query_vector(*, text: str) -> np.ndarray | None:
    """The query's text vector; None without a text encoder."""
    encoder = text_encoder_available_get()
    if encoder is None:
        return None
    return encoder.encode([" ".join(query_terms(text=text))], queries=True)[0]


def semantic_rank(
    *, base: QuerySet, vector: np.ndarray | None, limit: int, filtered: bool, also: tuple[str, ...] = ()
) -> list[tuple]:
    """(pk, similarity, *`also`) of the products nearest in meaning; no similarity floor, the fusion decides.

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
        also=also,
    )
    return [(pk, 1 - distance, *rest) for pk, distance, *rest in rows]


def unembedded_place(*, semantic: list[int], lexical: list[LexicalMatch]) -> list[int]:
    """The semantic ranking with the lexical matches whose text vector is not computed yet put at their lexical rank.

    A product saved while Redis or the worker is down waits for its vector; missing evidence is not
    evidence against it, so a shopper typing its exact words still finds it first.
    """
    missing = {match.pk for match in lexical if not match.embedded}
    if not missing:
        return semantic
    placed = [pk for pk in semantic if pk not in missing]
    for rank, match in enumerate(lexical):
        if match.pk in missing:
            placed.insert(min(rank, len(placed)), match.pk)
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
    *,
    base: QuerySet,
    text: str,
    limit: int,
    filtered: bool,
    text_vector: np.ndarray | None = None,
    also: tuple[str, ...] = (),
) -> list[tuple]:
    """(pk, similarity, *`also`) of products whose picture is closest to the words; empty without an image encoder.

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
        also=also,
    )
    return [(pk, 1 - distance, *rest) for pk, distance, *rest in rows]


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


def photo_scores(
    *, similarities: np.ndarray, colour_similarities: np.ndarray, weight: float | None = None
) -> np.ndarray:
    """A photo's candidates scored for the shopper: the image encoder's cosine similarity (what the thing is)
    plus the colour signatures' (`ml.colour`: what colour it is), times `weight` or the
    SEARCH_WEIGHT_PHOTO_COLOUR setting (whose value `evaluate_search --tune` chose on development photos)."""
    weight = settings.SEARCH["PHOTO_COLOUR_WEIGHT"] if weight is None else weight
    return similarities + weight * colour_similarities


def colour_rerank(*, rows: list[tuple], colour: np.ndarray | None) -> list[tuple[int, float]]:
    """The image encoder's nearest products, read with their signatures ((pk, cosine distance, picture_colour),
    `vector_nearest(..., also=("picture_colour",))`), as (pk, score), best first, re-scored with how near each
    one's picture colour is to `colour` (a photo's, or a product's own picture's)."""
    if not rows:
        return []
    pks = [row[0] for row in rows]
    similarities = np.array([1 - row[1] for row in rows])
    if colour is None:
        return list(zip(pks, similarities.tolist()))
    signed = np.array([row[2] is not None for row in rows])
    colour_similarities = np.zeros(len(pks))
    if signed.any():
        colour_similarities[signed] = np.stack([row[2] for row in rows if row[2] is not None]) @ colour
        # A picture not signed yet (or unreadable) is neither a colour match nor a mismatch: the candidates' mean.
        colour_similarities[~signed] = colour_similarities[signed].mean()
    scores = photo_scores(similarities=similarities, colour_similarities=colour_similarities)
    order = np.argsort(-scores, kind="stable")
    return [(pks[index], float(scores[index])) for index in order]
