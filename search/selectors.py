"""Search reads: a text query or a photo → filtered, ranked, faceted, paginated products."""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet

from ml.colour import colour_signature
from ml.loading import loaded_get
from ml.metrics import SEARCH_SECONDS, timed
from ml.vectors import vector_nearest
from search.facets import FACET_COLUMNS, facet_rows, facets_count, facets_of
from search.image_encoders import image_vector_field, live_image_encoder_get
from search.parsing import query_parse
from search.ranking import (
    RRF_K,
    colour_rerank,
    exclusions_apply,
    lexical_rank,
    picture_rank,
    query_terms,
    query_vector,
    rankings_fuse,
    semantic_rank,
    text_encoder_available_get,
    unembedded_place,
    words_excluded_q,
)
from search.spelling import Spelling, spelling_check
from search.vocabulary import catalog_brands, catalog_sizes
from shop.models import Product
from shop.selectors import PRODUCT_CARD_DEFERRED, CategoryNode, category_leaves, product_size_q, products_filter

SIGNAL_LABELS = {
    "lexical": "Matches your words",
    "semantic": "Similar in meaning",
    "picture": "Looks like it",
    "photo": "Looks like your photo",
}
# The query's category intent boosts the products of its nearest leaf categories (see rankings_combine).
CATEGORY_INTENT_TOP = 3
ORDERINGS = {
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "rating": (F("rating_average").desc(nulls_last=True), "-review_count", "pk"),
    "newest": ("-created_at", "pk"),
}


@dataclass
class SearchHit:
    product: Product
    score: float
    signals: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [SIGNAL_LABELS[signal] for signal in self.signals]


@dataclass
class SearchResult:
    query: str
    text: str
    filters: dict
    parsed_filters: dict
    page: Page
    hits: list[SearchHit]
    facets: dict
    terms: list[str]
    corrected: str | None = None
    suggestions: list[str] = field(default_factory=list)
    exclusions: dict = field(default_factory=dict)
    did_you_mean: str | None = None

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _ordered_page(
    *, ranked: list[tuple[int, float, tuple[str, ...]]], sort: str, page_number: int, page_size: int
) -> tuple[Page, list[SearchHit]]:
    ids = [pk for pk, _, _ in ranked]
    if sort in ORDERINGS and ids:
        ids = list(Product.objects.filter(pk__in=ids).order_by(*ORDERINGS[sort]).values_list("pk", flat=True))
    page = Paginator(ids, page_size).get_page(page_number)
    products = Product.objects.select_related("category").defer(*PRODUCT_CARD_DEFERRED).in_bulk(list(page.object_list))
    by_id = {pk: (score, signals) for pk, score, signals in ranked}
    hits = [
        SearchHit(product=products[pk], score=by_id[pk][0], signals=by_id[pk][1])
        for pk in page.object_list
        if pk in products
    ]
    return page, hits


def category_suggestions(*, text: str, limit: int = 3) -> list[CategoryNode]:
    """Leaf categories closest in meaning to a query that found nothing; none without a text encoder."""
    if not text:
        return []
    vector = query_vector(text=text)
    if vector is None:
        return []
    categories, vectors = category_vectors()
    if not categories:
        return []
    scores = vectors @ vector
    return [categories[i] for i in scores.argsort()[::-1][:limit]]


def category_vectors() -> tuple[list[CategoryNode], np.ndarray]:
    """The leaf categories and the text vectors of their names (with their parents'), encoded once per process.

    Read from the cached category tree: every query asks, and categories change only when staff edit them.
    """
    leaves = category_leaves()
    encoder = text_encoder_available_get()
    if not leaves or encoder is None:
        return [], np.zeros((0, 0))
    names = tuple(names for _, names in leaves)
    vectors = loaded_get(
        key="search.category_vectors", version=(encoder.name, names), load=lambda: encoder.encode(list(names))
    )
    return [node for node, _ in leaves], vectors


@dataclass
class PreparedQuery:
    text: str
    """The query without the filter phrases read from it."""
    parsed_filters: dict
    filters: dict
    """Explicit filters over those read from the query."""
    base: QuerySet
    corrected: str | None
    exclusions: dict = field(default_factory=dict)
    """Colours and materials the shopper excluded ("not red"): {"colour": [...], "material": [...]}."""
    excluded_words: tuple[str, ...] = ()
    size: str = ""
    suggestion: str | None = None
    """An unconfident spelling correction, offered as "did you mean"; the words were searched as typed."""

    @property
    def ranked_text(self) -> str:
        return self.corrected or self.text


def exclusions_filter(*, base: QuerySet, exclusions: dict) -> QuerySet:
    """Negated colours and materials leave the results (they are never turned into filters)."""
    if colours := exclusions.get("colour"):
        base = base.exclude(colour__in=colours)
    if materials := exclusions.get("material"):
        base = base.exclude(material__in=materials)
    return base


def query_prepare(
    *, query: str, filters: dict | None = None, exclusions: dict | None = None, parse: bool = True
) -> PreparedQuery:
    parsed = query_parse(query=query, brands=catalog_brands(), sizes=catalog_sizes()) if parse else None
    text = parsed.text if parsed else query.strip()
    parsed_filters = {k: v for k, v in (parsed.filters if parsed else {}).items() if k not in (filters or {})}
    effective = {**parsed_filters, **(filters or {})}
    excluded = {
        name: sorted({*(parsed.exclusions.get(name, []) if parsed else []), *(exclusions or {}).get(name, [])})
        for name in ("colour", "material")
    }
    excluded = {name: values for name, values in excluded.items() if values}
    base = products_filter(products=Product.objects.filter(is_active=True), filters=effective)
    spelling = spelling_check(text=text) if text else Spelling()
    return PreparedQuery(
        text=text,
        parsed_filters=parsed_filters,
        filters=effective,
        base=exclusions_filter(base=exclusions_apply(base=base, text=text), exclusions=excluded),
        corrected=spelling.corrected,
        exclusions=excluded,
        excluded_words=tuple(parsed.excluded_words) if parsed else (),
        size=parsed.size if parsed else "",
        suggestion=spelling.suggestion,
    )


@dataclass
class Rankings:
    """Each signal's ranked product ids, the lexical exactness (2 exact, 1 prefix) of title or SKU matches,
    each lexical match's coverage of the query, and the products boosted by the query's category intent
    (value: the category's rank, 1 = nearest) and size."""

    by_signal: dict[str, list[int]]
    exact: dict[int, int]
    coverage: dict[int, float] = field(default_factory=dict)
    category_rank: dict[int, int] = field(default_factory=dict)
    sized: frozenset[int] = frozenset()
    facts: dict[int, tuple] = field(default_factory=dict)
    """Each candidate's facet columns (search.facets.FACET_COLUMNS), read once for the categories and the facets."""

    @cached_property
    def categories(self) -> dict[int, int]:
        """Each candidate's category (the first facet column)."""
        return {pk: row[0] for pk, row in self.facts.items()}


def category_intent(*, vector: np.ndarray | None, limit: int = CATEGORY_INTENT_TOP) -> list[int]:
    """Ids of the leaf categories nearest in meaning to the query, nearest first; none without an encoder."""
    if vector is None:
        return []
    categories, vectors = category_vectors()
    if not categories:
        return []
    scores = vectors @ vector
    return [categories[i].id for i in scores.argsort()[::-1][:limit]]


def query_encoding_pool() -> ThreadPoolExecutor:
    """Threads that make query vectors beside the lexical ranking; a process serves a few searches at once.

    One pool per process id: a worker forked from a parent that had searched inherits no threads.
    """
    return loaded_get(
        key="search.query_encoding",
        version=os.getpid(),
        load=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-encoding"),
    )


def search_rankings(*, prepared: PreparedQuery, signals: tuple[str, ...]) -> Rankings:
    base, text, filtered = prepared.base, prepared.ranked_text, bool(prepared.filters)
    limit, vector_limit = settings.SEARCH["CANDIDATES"], settings.SEARCH["VECTOR_CANDIDATES"]
    by_signal: dict[str, list[int]] = {}
    # The encoder (ONNX Runtime on a CPU, ml/onnx_text.py) runs while PostgreSQL ranks the words: both
    # release the GIL, so on two cores the query's vector costs little of the wall time (bench/search.py).
    encoding = query_encoding_pool().submit(query_vector, text=text) if "semantic" in signals else None
    lexical = (
        lexical_rank(base=base, text=text, limit=limit, excluded_words=prepared.excluded_words)
        if "lexical" in signals
        else []
    )
    # Each ranking reads its products' facet columns with them; only what none read is fetched after.
    facts = {match.pk: match.facts for match in lexical}
    if "lexical" in signals:
        by_signal["lexical"] = [match.pk for match in lexical]
    vector = encoding.result() if encoding is not None else None
    if "semantic" in signals:
        semantic = []
        for pk, _, *columns in semantic_rank(
            base=base, vector=vector, limit=vector_limit, filtered=filtered, also=FACET_COLUMNS
        ):
            semantic.append(pk)
            facts[pk] = tuple(columns)
        if prepared.excluded_words and semantic:
            # A negated word lowers the products that hold it ("no batteries"); it does not remove them.
            holding = set(
                base.filter(pk__in=semantic)
                .filter(words_excluded_q(words=list(prepared.excluded_words)))
                .values_list("pk", flat=True)
            )
            semantic = [pk for pk in semantic if pk not in holding] + [pk for pk in semantic if pk in holding]
        if vector is not None and lexical:
            semantic = unembedded_place(semantic=semantic, lexical=lexical)
        by_signal["semantic"] = semantic
    if "picture" in signals:
        by_signal["picture"] = []
        for pk, _, *columns in picture_rank(
            base=base, text=text, limit=vector_limit, filtered=filtered, text_vector=vector, also=FACET_COLUMNS
        ):
            by_signal["picture"].append(pk)
            facts[pk] = tuple(columns)
    candidates = {pk for ids in by_signal.values() for pk in ids}
    intent = {category: rank for rank, category in enumerate(category_intent(vector=vector), start=1)}
    if unread := candidates - facts.keys():
        facts |= facet_rows(product_ids=unread)
    sized = (
        Product.objects.filter(pk__in=candidates)
        .filter(product_size_q(size=prepared.size))
        .values_list("pk", flat=True)
        if candidates and prepared.size
        else []
    )
    return Rankings(
        by_signal=by_signal,
        exact={match.pk: match.exactness for match in lexical if match.exactness},
        coverage={match.pk: match.coverage for match in lexical if match.coverage < 1},
        category_rank={pk: intent[row[0]] for pk, row in facts.items() if row[0] in intent},
        sized=frozenset(sized),
        facts=facts,
    )


def rankings_combine(*, rankings: Rankings, weights: dict[str, float]) -> list[tuple[int, float, tuple[str, ...]]]:
    """(pk, score, signals that found it): fused order, with exact and prefix title/SKU matches first and,
    within each category, products of the asked-for size first.

    The category intent adds weight / (60 + the category's rank) to the products of the categories
    nearest the query: a boost that the words and the meaning can outvote, never a filter.
    """
    fused = dict(rankings_fuse(rankings=rankings.by_signal, weights=weights, factors={"lexical": rankings.coverage}))
    category_weight = weights.get("category", 0.0)
    if category_weight > 0:
        for pk, rank in rankings.category_rank.items():
            if pk in fused:
                fused[pk] += category_weight / (RRF_K + rank)
    ordered = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    ordered.sort(key=lambda item: -rankings.exact.get(item[0], 0))
    if rankings.sized:
        ordered = sized_first_within_category(ordered=ordered, rankings=rankings)
    members = {name: set(ids) for name, ids in rankings.by_signal.items()}
    return [(pk, score, tuple(name for name in rankings.by_signal if pk in members[name])) for pk, score in ordered]


def sized_first_within_category(*, ordered: list[tuple[int, float]], rankings: Rankings) -> list[tuple[int, float]]:
    """Products of the asked-for size take the first places their category holds in the order.

    A size never moves a product across categories: "bike for a 10 year old" reads the kids' size
    10-11Y, which the kids' T-shirts are sold in, and they must not rise above the bikes.
    Exact title or SKU matches keep their places.
    """
    groups: dict[object, list[tuple[int, float]]] = {}
    keys = []
    for item in ordered:
        key = ("exact", item[0]) if rankings.exact.get(item[0]) else rankings.categories.get(item[0])
        keys.append(key)
        groups.setdefault(key, []).append(item)
    queues = {key: iter(sorted(items, key=lambda item: item[0] not in rankings.sized)) for key, items in groups.items()}
    return [next(queues[key]) for key in keys]


def search_result_build(
    *,
    query: str,
    prepared: PreparedQuery,
    ranked: list[tuple[int, float, tuple[str, ...]]] | None,
    sort: str,
    page_number: int,
    page_size: int,
    facts: dict[int, tuple] | None = None,
) -> SearchResult:
    """The one way a search result is put together, from what was asked and what was ranked.

    Without a ranking (`ranked` None: no words to rank by) the filtered catalog is browsed, paged and
    counted by the database, so browsing never lists every product id. `facts`: the ranked products'
    facet columns when the ranking already read them.
    """
    suggestions: list[str] = []
    if ranked is None:
        ordering = ORDERINGS.get(sort, ("-review_count", "-created_at", "pk"))
        page = Paginator(prepared.base.select_related("category").order_by(*ordering), page_size).get_page(page_number)
        hits = [SearchHit(product=product, score=0.0) for product in page.object_list]
        facets = facets_count(products=prepared.base)
    else:
        page, hits = _ordered_page(ranked=ranked, sort=sort, page_number=page_number, page_size=page_size)
        ids = [pk for pk, _, _ in ranked]
        known = facts if facts is not None else facet_rows(product_ids=ids)
        facets = facets_of(rows=[known[pk] for pk in ids if pk in known])
        # Words that found nothing point to the nearest categories; a photo has no words.
        if not ranked and prepared.ranked_text:
            suggestions = [category.name for category in category_suggestions(text=prepared.ranked_text)]
    return SearchResult(
        query=query,
        text=prepared.text,
        filters=prepared.filters,
        parsed_filters=prepared.parsed_filters,
        page=page,
        hits=hits,
        facets=facets,
        terms=query_terms(text=prepared.ranked_text),
        corrected=prepared.corrected,
        suggestions=suggestions,
        exclusions=prepared.exclusions,
        did_you_mean=prepared.suggestion,
    )


@timed(SEARCH_SECONDS)
def product_search(
    *,
    query: str,
    filters: dict | None = None,
    sort: str = "relevance",
    page_number: int = 1,
    page_size: int = settings.SEARCH["PAGE_SIZE"],
    parse: bool = True,
    exclusions: dict | None = None,
    signals: tuple[str, ...] = ("lexical", "semantic", "picture"),
) -> SearchResult:
    """Rank active products for a text query; filters and exclusions written in the query are applied too."""
    prepared = query_prepare(query=query, filters=filters, exclusions=exclusions, parse=parse)
    ranked, facts = None, None
    if query_terms(text=prepared.ranked_text):
        rankings = search_rankings(prepared=prepared, signals=signals)
        ranked, facts = rankings_combine(rankings=rankings, weights=settings.SEARCH["WEIGHTS"]), rankings.facts
    return search_result_build(
        query=query,
        prepared=prepared,
        ranked=ranked,
        sort=sort,
        page_number=page_number,
        page_size=page_size,
        facts=facts,
    )


def product_image_search(
    *, image, filters: dict | None = None, sort: str = "relevance", page_number: int = 1, page_size: int = 24
) -> SearchResult:
    """Products whose pictures are nearest to a (validated) photo. Raises EncoderUnavailable without an encoder."""
    encoder = live_image_encoder_get()
    effective = filters or {}
    base = products_filter(
        products=Product.objects.filter(is_active=True, image_encoder=encoder.name), filters=effective
    )
    vector = encoder.encode_images([image])[0]
    rows = vector_nearest(
        queryset=base,
        field=image_vector_field(encoder=encoder),
        vector=vector,
        k=settings.SEARCH["CANDIDATES"],
        filtered=bool(effective),
        also=("picture_colour",),
    )
    # A photo has no words: nothing is parsed, corrected or highlighted.
    prepared = PreparedQuery(text="", parsed_filters={}, filters=effective, base=base, corrected=None)
    return search_result_build(
        query="",
        prepared=prepared,
        ranked=[
            (pk, score, ("photo",)) for pk, score in colour_rerank(rows=rows, colour=colour_signature(image=image))
        ],
        sort=sort,
        page_number=page_number,
        page_size=page_size,
    )


def _money(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def filter_chips(*, result: SearchResult) -> list[dict]:
    """The applied filters as labels, each with the query string that removes it."""
    labels = {
        "category": lambda v: v.name,
        "brand": lambda v: v,
        "min_price": lambda v: f"Over ${_money(v)}",
        "max_price": lambda v: f"Under ${_money(v)}",
        "min_rating": lambda v: f"{_stars(v)}★ & up",
        "in_stock": lambda v: "In stock",
        "age_group": lambda v: dict(Product.AgeGroup.choices)[v],
        "colour": lambda v: dict(Product.Colour.choices)[v],
    }
    chips = []
    for name, value in result.filters.items():
        remaining = {k: v for k, v in result.filters.items() if k != name}
        chips.append(
            {
                "name": name,
                "label": labels[name](value),
                "params": filter_params(text=result.text, filters=remaining, exclusions=result.exclusions),
            }
        )
    return chips


def exclusion_chips(*, result: SearchResult) -> list[dict]:
    """The excluded colours and materials ("Not red"), each with the query string that brings them back."""
    chips = []
    for name, values in result.exclusions.items():
        for value in values:
            remaining = {**result.exclusions, name: [v for v in values if v != value]}
            chips.append(
                {
                    "name": name,
                    "label": f"Not {value}",
                    "params": filter_params(text=result.text, filters=result.filters, exclusions=remaining),
                }
            )
    return chips


def _stars(value: Decimal | int) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def filter_params(*, text: str, filters: dict, exclusions: dict | None = None) -> dict:
    """Query-string parameters for a search; filters travel as explicit fields, so they are not parsed again."""
    params = {"q": text, "parse": "0"}
    for name, values in (exclusions or {}).items():
        if values:
            params[f"not_{name}"] = ",".join(values)
    for name, value in filters.items():
        if name == "category":
            params[name] = value.slug
        elif name == "in_stock":
            params[name] = "on"
        else:
            params[name] = str(value)
    return params
