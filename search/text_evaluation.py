"""Text search quality on labelled queries: nDCG@10, Recall@10 and MRR@10, overall and per kind.

Two sets: the development set (`evaluation_queries.json`, tuned on) and the held-out set
(`evaluation_heldout.json`, written before tuning, never used to choose weights or thresholds).
Five rankings are measured in one run: `naive` (the raw query through the text encoder, nearest
product vectors, nothing parsed, corrected or filtered: the peer baseline), `lexical`, `semantic`,
`hybrid` (their fusion, on the parsed query) and `service` (`product_search`, what /api/search/ calls);
with a live image encoder, also `pictures` (the query's words ranked by product pictures alone).
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from ml.vectors import vector_nearest
from search.ranking import text_encoder_available_get
from search.selectors import Rankings, product_search, query_prepare, rankings_combine, search_rankings
from shop.models import Category, Product
from shop.selectors import category_subtree_q, product_size_q

SETS = {
    "development": Path(__file__).with_name("evaluation_queries.json"),
    "heldout": Path(__file__).with_name("evaluation_heldout.json"),
}
CUTOFF = 10
RANKINGS = ("naive", "lexical", "semantic", "hybrid", "service")


@dataclass
class Metrics:
    ndcg: float = 0.0
    recall: float = 0.0
    mrr: float = 0.0
    queries: int = 0
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    """{kind: {"ndcg@10", "recall@10", "mrr@10", "queries"}}."""

    def as_dict(self) -> dict:
        return {
            "ndcg@10": round(self.ndcg, 4),
            "recall@10": round(self.recall, 4),
            "mrr@10": round(self.mrr, 4),
            "queries": self.queries,
            "by_kind": {kind: {k: round(v, 4) for k, v in values.items()} for kind, values in self.per_kind.items()},
        }


@dataclass
class Judged:
    """One labelled query with what every ranking put first."""

    item: dict
    relevant: set[int]
    ranked: dict[str, list[int]]
    rankings: Rankings


def evaluation_queries(*, name: str = "development") -> list[dict]:
    """The labelled queries of a set: `development`, `heldout` or `all`."""
    if name == "all":
        return [item for set_name in SETS for item in evaluation_queries(name=set_name)]
    if name not in SETS:
        raise ValueError(f"Unknown query set {name!r}: choose one of {', '.join([*SETS, 'all'])}.")
    return json.loads(SETS[name].read_text())["queries"]


def _condition(*, spec: dict) -> Q | None:
    """The products a label spec names; None when it names a category that does not exist."""
    condition = Q()
    for name, value in spec.items():
        if name == "any_of":
            options = [_condition(spec=option) for option in value]
            options = [option for option in options if option is not None]
            if not options:
                return None
            either = Q(pk__in=[])
            for option in options:
                either |= option
            condition &= either
        elif name == "exclude":
            excluded = _condition(spec=value)
            if excluded is not None:
                condition &= ~excluded
        elif name == "category":
            category = Category.objects.filter(slug=value).first()
            if category is None:
                return None
            condition &= category_subtree_q(category=category)
        elif name == "title_contains":
            for words in value:
                condition &= Q(title__icontains=words)
        elif name == "min_price":
            condition &= Q(price__gte=value)
        elif name == "max_price":
            condition &= Q(price__lte=value)
        elif name == "min_rating":
            condition &= Q(rating_average__gte=value)
        elif name == "brand":
            condition &= Q(brand__iexact=value)
        elif name == "size":
            condition &= product_size_q(size=value)
        else:
            condition &= Q(**{name: value})
    return condition


def relevant_ids(*, spec: dict) -> set[int]:
    condition = _condition(spec=spec)
    if condition is None:
        return set()
    return set(Product.objects.filter(condition, is_active=True).values_list("pk", flat=True))


def scores(*, ranked: list[int], relevant: set[int]) -> tuple[float, float, float]:
    """(nDCG@10, Recall@10, reciprocal rank of the first relevant product within 10) with binary gains."""
    top = ranked[:CUTOFF]
    ideal = sum(1 / math.log2(i + 2) for i in range(min(CUTOFF, len(relevant))))
    dcg = sum(1 / math.log2(i + 2) for i, pk in enumerate(top) if pk in relevant)
    hits = sum(1 for pk in top if pk in relevant)
    first = next((i for i, pk in enumerate(top, start=1) if pk in relevant), None)
    return (
        (dcg / ideal if ideal else 0.0),
        (hits / min(CUTOFF, len(relevant)) if relevant else 0.0),
        (1 / first if first else 0.0),
    )


def naive_rank(*, query: str) -> list[int]:
    """The peer baseline: the raw query's text vector against every active product's, nothing else."""
    encoder = text_encoder_available_get()
    if encoder is None:
        return []
    vector = encoder.encode([query], queries=True)[0]
    products = Product.objects.filter(is_active=True, text_encoder=encoder.name)
    return [pk for pk, _ in vector_nearest(queryset=products, field="text_embedding", vector=vector, k=CUTOFF)]


def configurations(*, weights: dict[str, float], signals: tuple[str, ...]) -> dict[str, dict]:
    """How `lexical`, `semantic` and `hybrid` fuse the collected rankings."""
    return {
        "lexical": {"signals": ("lexical",), "weights": {"lexical": 1.0}, "exact_first": True, "boosts": False},
        "semantic": {"signals": ("semantic",), "weights": {"semantic": 1.0}, "exact_first": False, "boosts": False},
        "hybrid": {"signals": signals, "weights": weights, "exact_first": True, "boosts": True},
        # Words ranked by product pictures alone (the live image encoder), to show what the picture signal adds.
        **(
            {"pictures": {"signals": ("picture",), "weights": {"picture": 1.0}, "exact_first": False, "boosts": False}}
            if "picture" in signals
            else {}
        ),
    }


def fused_ids(*, rankings: Rankings, configuration: dict) -> list[int]:
    subset = Rankings(
        by_signal={name: ids for name, ids in rankings.by_signal.items() if name in configuration["signals"]},
        exact=rankings.exact if configuration["exact_first"] else {},
        coverage=rankings.coverage,
        category_rank=rankings.category_rank if configuration["boosts"] else {},
        sized=rankings.sized if configuration["boosts"] else frozenset(),
        facts=rankings.facts,
    )
    return [pk for pk, _, _ in rankings_combine(rankings=subset, weights=configuration["weights"])]


def queries_judge(*, items: list[dict], signals: tuple[str, ...], service: bool = True) -> list[Judged]:
    """Every query's rankings, computed once (fusions are recomputed cheaply by `metrics_compute`)."""
    judged = []
    for item in items:
        prepared = query_prepare(query=item["query"])
        rankings = search_rankings(prepared=prepared, signals=signals)
        ranked = {"naive": naive_rank(query=item["query"])}
        if service:
            ranked["service"] = [hit.product.pk for hit in product_search(query=item["query"]).hits]
        judged.append(Judged(item=item, relevant=relevant_ids(spec=item["relevant"]), ranked=ranked, rankings=rankings))
    return judged


def metrics_compute(*, judged: list[Judged], ranking: str, configuration: dict | None = None) -> Metrics:
    """One ranking's metrics: a stored one (`naive`, `service`) or a fusion given by `configuration`."""
    totals = [0.0, 0.0, 0.0]
    kinds: dict[str, list[tuple[float, float, float]]] = {}
    for entry in judged:
        ranked = (
            fused_ids(rankings=entry.rankings, configuration=configuration) if configuration else entry.ranked[ranking]
        )
        values = scores(ranked=ranked, relevant=entry.relevant)
        totals = [total + value for total, value in zip(totals, values)]
        kinds.setdefault(entry.item["kind"], []).append(values)
    count = len(judged) or 1
    return Metrics(
        ndcg=totals[0] / count,
        recall=totals[1] / count,
        mrr=totals[2] / count,
        queries=len(judged),
        per_kind={
            kind: {
                "ndcg@10": sum(v[0] for v in values) / len(values),
                "recall@10": sum(v[1] for v in values) / len(values),
                "mrr@10": sum(v[2] for v in values) / len(values),
                "queries": len(values),
            }
            for kind, values in sorted(kinds.items())
        },
    )


def text_search_evaluate(*, set_name: str, signals: tuple[str, ...]) -> dict[str, Metrics]:
    """Every ranking's metrics on one query set, in one run."""
    judged = queries_judge(items=evaluation_queries(name=set_name), signals=signals)
    fusions = configurations(weights=settings.SEARCH["WEIGHTS"], signals=signals)
    names = RANKINGS + (("pictures",) if "pictures" in fusions else ())
    return {name: metrics_compute(judged=judged, ranking=name, configuration=fusions.get(name)) for name in names}


def weights_tune(*, signals: tuple[str, ...]) -> tuple[dict[str, float], Metrics]:
    """The fusion weights with the best hybrid nDCG@10 on the development set only (semantic fixed at 1)."""
    judged = queries_judge(items=evaluation_queries(name="development"), signals=signals, service=False)
    best: tuple[dict[str, float], Metrics] | None = None
    picture_grid = (0.0, 0.1, 0.25, 0.5, 1.0) if "picture" in signals else (0.0,)
    for lexical in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        for category in (0.0, 0.25, 0.5, 1.0, 2.0):
            for picture in picture_grid:
                weights = {"lexical": lexical, "semantic": 1.0, "picture": picture, "category": category}
                metrics = metrics_compute(
                    judged=judged,
                    ranking="hybrid",
                    configuration={"signals": signals, "weights": weights, "exact_first": True, "boosts": True},
                )
                if best is None or metrics.ndcg > best[1].ndcg + 1e-9:
                    best = (weights, metrics)
    return best
