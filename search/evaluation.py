"""Search quality on the labelled queries: nDCG@10, Recall@10 and MRR for each ranking, and photo Recall@1."""

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q
from PIL import Image, ImageEnhance

from ml.encoders import EncoderUnavailable, image_encoder_get, image_encoder_name
from ml.vectors import vector_nearest
from search.selectors import Rankings, query_prepare, rankings_combine, search_rankings
from shop.models import Category, Product
from shop.selectors import category_subtree_q

QUERIES_PATH = Path(__file__).with_name("evaluation_queries.json")
CUTOFF = 10


@dataclass
class Metrics:
    ndcg: float = 0.0
    recall: float = 0.0
    mrr: float = 0.0
    per_kind: dict[str, float] = field(default_factory=dict)
    """nDCG@10 by query kind."""


def evaluation_queries() -> list[dict]:
    return json.loads(QUERIES_PATH.read_text())["queries"]


def relevant_ids(*, spec: dict) -> set[int]:
    condition = Q(is_active=True)
    for name, value in spec.items():
        if name == "category":
            category = Category.objects.filter(slug=value).first()
            if category is None:
                return set()
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
        else:
            condition &= Q(**{name: value})
    return set(Product.objects.filter(condition).values_list("pk", flat=True))


def _scores(*, ranked: list[int], relevant: set[int]) -> tuple[float, float, float]:
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


def configurations(*, weights: dict[str, float], signals: tuple[str, ...]) -> dict[str, dict]:
    return {
        "lexical": {"signals": ("lexical",), "weights": {"lexical": 1.0}, "exact_first": True},
        "semantic": {"signals": ("semantic",), "weights": {"semantic": 1.0}, "exact_first": False},
        "hybrid": {"signals": signals, "weights": weights, "exact_first": True},
    }


def rankings_collect(*, signals: tuple[str, ...]) -> list[tuple[dict, Rankings, set[int]]]:
    """Every labelled query's rankings, computed once and fused many times by `search_evaluate`."""
    collected = []
    for item in evaluation_queries():
        prepared = query_prepare(query=item["query"])
        rankings = search_rankings(
            base=prepared.base, text=prepared.ranked_text, filtered=bool(prepared.filters), signals=signals
        )
        collected.append((item, rankings, relevant_ids(spec=item["relevant"])))
    return collected


def search_evaluate(*, collected: list[tuple[dict, Rankings, set[int]]], configuration: dict) -> Metrics:
    metrics = Metrics()
    kinds: dict[str, list[float]] = {}
    for item, rankings, relevant in collected:
        subset = Rankings(
            by_signal={name: ids for name, ids in rankings.by_signal.items() if name in configuration["signals"]},
            exact=rankings.exact if configuration["exact_first"] else {},
        )
        ranked = [pk for pk, _, _ in rankings_combine(rankings=subset, weights=configuration["weights"])]
        ndcg, recall, mrr = _scores(ranked=ranked, relevant=relevant)
        metrics.ndcg += ndcg
        metrics.recall += recall
        metrics.mrr += mrr
        kinds.setdefault(item["kind"], []).append(ndcg)
    count = len(collected) or 1
    metrics.ndcg, metrics.recall, metrics.mrr = metrics.ndcg / count, metrics.recall / count, metrics.mrr / count
    metrics.per_kind = {kind: sum(values) / len(values) for kind, values in sorted(kinds.items())}
    return metrics


def weights_tune(
    *, collected: list[tuple[dict, Rankings, set[int]]], signals: tuple[str, ...]
) -> tuple[dict[str, float], Metrics]:
    """The fusion weights with the best hybrid nDCG@10 on a small grid (semantic fixed at 1)."""
    best: tuple[dict[str, float], Metrics] | None = None
    picture_grid = (0.0, 0.3, 1.0) if "picture" in signals else (0.0,)
    for lexical in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        for picture in picture_grid:
            weights = {"lexical": lexical, "semantic": 1.0, "picture": picture}
            metrics = search_evaluate(
                collected=collected, configuration={"signals": signals, "weights": weights, "exact_first": True}
            )
            if best is None or metrics.ndcg > best[1].ndcg + 1e-9:
                best = (weights, metrics)
    return best


def photo_variants(*, image: Image.Image, rng: random.Random) -> list[Image.Image]:
    """The same object in other light and from another angle: rotated, cropped, re-lit."""
    width, height = image.size
    crop = image.crop((int(width * 0.08), int(height * 0.08), int(width * 0.92), int(height * 0.92)))
    return [
        image.rotate(rng.uniform(10, 25), expand=False, fillcolor=image.getpixel((0, 0))),
        crop.resize(image.size),
        ImageEnhance.Brightness(image).enhance(rng.uniform(0.6, 0.8)),
        ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(1.25)).enhance(0.8),
    ]


def photo_recall_at_1(*, sample: int = 100, seed: int = 7) -> tuple[float | None, str]:
    """Share of distorted product photos whose nearest product is the product itself; None without an encoder."""
    try:
        encoder = image_encoder_get()
    except EncoderUnavailable as error:
        return None, str(error)
    products = Product.objects.filter(is_active=True, image_encoder=image_encoder_name())
    ids = sorted(products.values_list("pk", flat=True))
    if not ids:
        return None, "no product has an image vector from this encoder (run manage.py embed_products)"
    rng = random.Random(seed)
    chosen = rng.sample(ids, k=min(sample, len(ids)))
    hits = total = 0
    for product in Product.objects.filter(pk__in=chosen):
        with product.image.open("rb") as image_file, Image.open(image_file) as image:
            variants = photo_variants(image=image.convert("RGB"), rng=rng)
        for vector in encoder.encode_images(variants):
            nearest = vector_nearest(queryset=products, field="image_embedding", vector=vector, k=1)
            hits += bool(nearest) and nearest[0][0] == product.pk
            total += 1
    return hits / total, f"{total} distorted photos of {len(chosen)} products, encoder {encoder.name}"
