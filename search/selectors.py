"""Search reads: a text query or a photo → filtered, ranked, faceted, paginated products."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet

from ml.loading import loaded_get
from ml.metrics import SEARCH_SECONDS, timed
from ml.vectors import vector_nearest
from search.facets import facets_count, facets_of
from search.image_encoders import image_vector_field, live_image_encoder_get
from search.parsing import query_parse
from search.ranking import (
    exclusions_apply,
    lexical_rank,
    picture_rank,
    query_terms,
    rankings_fuse,
    semantic_rank,
    text_encoder_available_get,
)
from search.vocabulary import catalog_brands, spelling_correct
from shop.models import Category, Product
from shop.selectors import products_filter

SIGNAL_LABELS = {
    "lexical": "Matches your words",
    "semantic": "Similar in meaning",
    "picture": "Looks like it",
    "photo": "Looks like your photo",
}
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
    products = Product.objects.select_related("category").in_bulk(list(page.object_list))
    by_id = {pk: (score, signals) for pk, score, signals in ranked}
    hits = [
        SearchHit(product=products[pk], score=by_id[pk][0], signals=by_id[pk][1])
        for pk in page.object_list
        if pk in products
    ]
    return page, hits


def category_suggestions(*, text: str, limit: int = 3) -> list[Category]:
    """Leaf categories closest in meaning to a query that found nothing; none without a text encoder."""
    categories = list(Category.objects.filter(children__isnull=True).select_related("parent__parent"))
    if not categories or not text:
        return []
    encoder = text_encoder_available_get()
    if encoder is None:
        return []
    names = tuple(category.names_path for category in categories)
    vectors = loaded_get(
        key="search.category_vectors", version=(encoder.name, names), load=lambda: encoder.encode(list(names))
    )
    scores = vectors @ encoder.encode([text], queries=True)[0]
    return [categories[i] for i in scores.argsort()[::-1][:limit]]


@dataclass
class PreparedQuery:
    text: str
    """The query without the filter phrases read from it."""
    parsed_filters: dict
    filters: dict
    """Explicit filters over those read from the query."""
    base: QuerySet
    corrected: str | None

    @property
    def ranked_text(self) -> str:
        return self.corrected or self.text


def query_prepare(*, query: str, filters: dict | None = None, parse: bool = True) -> PreparedQuery:
    parsed = query_parse(query=query, brands=catalog_brands()) if parse else None
    text = parsed.text if parsed else query.strip()
    parsed_filters = {k: v for k, v in (parsed.filters if parsed else {}).items() if k not in (filters or {})}
    effective = {**parsed_filters, **(filters or {})}
    base = products_filter(products=Product.objects.filter(is_active=True), filters=effective)
    return PreparedQuery(
        text=text,
        parsed_filters=parsed_filters,
        filters=effective,
        base=exclusions_apply(base=base, text=text),
        corrected=spelling_correct(text=text) if text else None,
    )


@dataclass
class Rankings:
    """Each signal's ranked product ids, and the lexical exactness (2 exact, 1 prefix) of title or SKU matches."""

    by_signal: dict[str, list[int]]
    exact: dict[int, int]


def search_rankings(*, base: QuerySet, text: str, filtered: bool, signals: tuple[str, ...]) -> Rankings:
    limit, vector_limit = settings.SEARCH["CANDIDATES"], settings.SEARCH["VECTOR_CANDIDATES"]
    by_signal: dict[str, list[int]] = {}
    lexical = lexical_rank(base=base, text=text, limit=limit) if "lexical" in signals else []
    if "lexical" in signals:
        by_signal["lexical"] = [pk for pk, _ in lexical]
    if "semantic" in signals:
        by_signal["semantic"] = [
            pk for pk, _ in semantic_rank(base=base, text=text, limit=vector_limit, filtered=filtered)
        ]
    if "picture" in signals:
        by_signal["picture"] = [
            pk for pk, _ in picture_rank(base=base, text=text, limit=vector_limit, filtered=filtered)
        ]
    return Rankings(by_signal=by_signal, exact={pk: exactness for pk, exactness in lexical if exactness})


def rankings_combine(*, rankings: Rankings, weights: dict[str, float]) -> list[tuple[int, float, tuple[str, ...]]]:
    """(pk, score, signals that found it): fused order, with exact and prefix title/SKU matches first."""
    fused = rankings_fuse(rankings=rankings.by_signal, weights=weights)
    fused.sort(key=lambda item: -rankings.exact.get(item[0], 0))
    members = {name: set(ids) for name, ids in rankings.by_signal.items()}
    return [(pk, score, tuple(name for name in rankings.by_signal if pk in members[name])) for pk, score in fused]


def search_rank(
    *, base: QuerySet, text: str, filtered: bool, signals: tuple[str, ...]
) -> list[tuple[int, float, tuple[str, ...]]]:
    rankings = search_rankings(base=base, text=text, filtered=filtered, signals=signals)
    return rankings_combine(rankings=rankings, weights=settings.SEARCH["WEIGHTS"])


def search_result_build(
    *,
    query: str,
    prepared: PreparedQuery,
    ranked: list[tuple[int, float, tuple[str, ...]]] | None,
    sort: str,
    page_number: int,
    page_size: int,
) -> SearchResult:
    """The one way a search result is put together, from what was asked and what was ranked.

    Without a ranking (`ranked` None: no words to rank by) the filtered catalog is browsed, paged and
    counted by the database, so browsing never lists every product id.
    """
    suggestions: list[str] = []
    if ranked is None:
        ordering = ORDERINGS.get(sort, ("-review_count", "-created_at", "pk"))
        page = Paginator(prepared.base.select_related("category").order_by(*ordering), page_size).get_page(page_number)
        hits = [SearchHit(product=product, score=0.0) for product in page.object_list]
        facets = facets_count(products=prepared.base)
    else:
        page, hits = _ordered_page(ranked=ranked, sort=sort, page_number=page_number, page_size=page_size)
        facets = facets_of(product_ids=[pk for pk, _, _ in ranked])
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
    signals: tuple[str, ...] = ("lexical", "semantic", "picture"),
) -> SearchResult:
    """Rank active products for a text query; filters written in the query are applied too."""
    prepared = query_prepare(query=query, filters=filters, parse=parse)
    ranked = None
    if query_terms(text=prepared.ranked_text):
        ranked = search_rank(
            base=prepared.base, text=prepared.ranked_text, filtered=bool(prepared.filters), signals=signals
        )
    return search_result_build(
        query=query, prepared=prepared, ranked=ranked, sort=sort, page_number=page_number, page_size=page_size
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
    )
    # A photo has no words: nothing is parsed, corrected or highlighted.
    prepared = PreparedQuery(text="", parsed_filters={}, filters=effective, base=base, corrected=None)
    ranked = [(pk, 1 - distance, ("photo",)) for pk, distance in rows]
    return search_result_build(
        query="", prepared=prepared, ranked=ranked, sort=sort, page_number=page_number, page_size=page_size
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
        "min_rating": lambda v: f"{v}★ & up",
        "in_stock": lambda v: "In stock",
        "age_group": lambda v: dict(Product.AgeGroup.choices)[v],
        "colour": lambda v: dict(Product.Colour.choices)[v],
    }
    chips = []
    for name, value in result.filters.items():
        remaining = {k: v for k, v in result.filters.items() if k != name}
        chips.append(
            {"name": name, "label": labels[name](value), "params": filter_params(text=result.text, filters=remaining)}
        )
    return chips


def filter_params(*, text: str, filters: dict) -> dict:
    """Query-string parameters for a search; filters travel as explicit fields, so they are not parsed again."""
    params = {"q": text, "parse": "0"}
    for name, value in filters.items():
        if name == "category":
            params[name] = value.slug
        elif name == "in_stock":
            params[name] = "on"
        else:
            params[name] = str(value)
    return params
