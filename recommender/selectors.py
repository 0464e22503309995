"""Serving: what a shopper is recommended, trending items, similar items and co-purchases.

A user's recommendations are computed at request time: the user tower runs on the features
`recommender.features` computes from the current history, and the nearest item vectors of
the live version come from the HNSW index, so the next page reflects the last click.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import zip_longest

import numpy as np
import torch
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Q, Subquery
from django.utils import timezone

from ml.metrics import RECOMMENDATION_SECONDS, timed
from ml.vectors import vector_nearest
from recommender.features import KIND_WEIGHTS, id_bucket, item_rows_load, user_arrays, user_features_load
from recommender.model import item_table, user_tensors
from recommender.models import ItemVector, ModelVersion
from recommender.registry import ModelLoadFailed, ModelUnavailable, live_model_get, model_version_get
from shop.models import CustomerProfile, Interaction, Product
from shop.selectors import PRODUCT_CARD_DEFERRED

TRENDING_CACHE_KEY = "recommender:trending:v1"
TRENDING_POOL = 200
TRENDING_RECENCY = ((1, 1.0), (3, 0.6), (7, 0.35))
"""(younger than this many days, weight): how much a day's visitors count; older ones TRENDING_RECENCY_OLDER."""
TRENDING_RECENCY_OLDER = 0.15
CANDIDATE_WIDENING = 4
REASON_VERBS = {"view": "viewed", "cart": "added", "purchase": "bought", "rating": "liked"}


@dataclass
class Recommendation:
    product: Product
    score: float
    reason: str = ""
    impression_id: int | None = None
    """Set once the tile is logged (recommender.experiments.impressions_log): its link reports the click."""


@dataclass
class Recommendations:
    items: list[Recommendation] = field(default_factory=list)
    source: str = "trending"
    """"model" (the two-tower model) or "trending"."""
    note: str = ""
    """Why the shopper sees trending items instead, when they do."""
    version_id: int | None = None


def _available_products():
    return Product.objects.filter(is_active=True, stock__gt=0).defer(*PRODUCT_CARD_DEFERRED)


def trending_product_ids() -> list[int]:
    """Products ranked by recent interest: kind-weighted events of the last days, newer ones counting more."""
    cached = cache.get(TRENDING_CACHE_KEY)
    if cached is not None:
        return cached
    ranked = trending_product_ids_compute()
    cache.set(TRENDING_CACHE_KEY, ranked, settings.RECOMMENDER["TRENDING_CACHE_SECONDS"])
    return ranked


def trending_product_ids_compute(*, now: datetime | None = None) -> list[int]:
    """Products ranked by how many people showed interest lately, not by how many events they made.

    Each visitor (a shopper, or an anonymous session) counts once per product and day, with the
    kind weight of the strongest thing they did there that day (a view, a rating, a cart, a
    purchase); recent days count more (TRENDING_RECENCY). A script replaying one page all day,
    or a shopper re-adding an item, is one visitor.
    """
    now = now or timezone.now()
    table = connection.ops.quote_name(Interaction._meta.db_table)
    kind_weight = " ".join("WHEN %s THEN %s" for _ in KIND_WEIGHTS)
    recency = " ".join("WHEN days_ago < %s THEN %s" for _ in TRENDING_RECENCY)
    sql = f"""
        SELECT product_id
        FROM (
            SELECT
                product_id,
                COALESCE('u' || user_id::text, 's' || session_key) AS visitor,
                FLOOR(EXTRACT(EPOCH FROM (%s - created_at)) / 86400) AS days_ago,
                MAX(CASE kind {kind_weight} ELSE 0.0 END) AS weight
            FROM {table}
            WHERE created_at >= %s
            GROUP BY 1, 2, 3
        ) AS visits
        GROUP BY product_id
        ORDER BY SUM(weight * CASE {recency} ELSE %s END) DESC, product_id
        LIMIT %s
    """
    params = [
        now,
        *(value for pair in KIND_WEIGHTS.items() for value in pair),
        now - timedelta(days=settings.RECOMMENDER["TRENDING_DAYS"]),
        *(value for pair in TRENDING_RECENCY for value in pair),
        TRENDING_RECENCY_OLDER,
        TRENDING_POOL,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [product_id for (product_id,) in cursor.fetchall()]


def trending_products(
    *, k: int, exclude_ids: set[int] = frozenset(), category_ids: list[int] | None = None
) -> list[Product]:
    """The top of the trending list still for sale; when it runs short (a quiet shop), the newest products fill in."""
    ranked = [pk for pk in trending_product_ids() if pk not in exclude_ids]
    available = _available_products().select_related("category")
    if category_ids:
        available = available.filter(category_id__in=category_ids)
    by_id = available.in_bulk(ranked)
    products = [by_id[pk] for pk in ranked if pk in by_id][:k]
    if len(products) < k:
        taken = {p.pk for p in products} | set(exclude_ids)
        products += list(available.exclude(pk__in=taken).order_by("-created_at", "pk")[: k - len(products)])
    return products


def _trending(*, k: int, note: str) -> Recommendations:
    return Recommendations(items=[Recommendation(product=p, score=0.0) for p in trending_products(k=k)], note=note)


def live_version_id() -> int | None:
    return ModelVersion.objects.filter(is_live=True).values_list("pk", flat=True).first()


@timed(RECOMMENDATION_SECONDS)
def user_recommendations(
    *, user_id: int | None, k: int = 12, at: datetime | None = None, version_id: int | None = None
) -> Recommendations:
    """What the shopper sees under "Recommended for you": the model's picks, or trending items with the reason why.

    `version_id` serves another registered version than the live one (an A/B test's arm).
    """
    if user_id is None:
        return _trending(k=k, note="Sign in and browse a little: recommendations follow what you look at.")
    try:
        live = live_model_get() if version_id is None else model_version_get(version_id=version_id)
    except ModelLoadFailed:
        # The reason (which artifact, what is wrong with it) is for staff: the registry logged it once.
        return _trending(k=k, note="Popular right now. Personal picks are unavailable for the moment.")
    except ModelUnavailable:
        return _trending(k=k, note="Popular right now. Personal picks appear once the recommender has been trained.")
    at = at or timezone.now()
    features = user_features_load(user_id=user_id, at=at, vocabulary=live.vocabulary)
    if not features.history and not features.preferred_categories:
        return _trending(
            k=k, note="Popular right now. Browse, buy or pick favourite categories to get picks of your own."
        )

    vectors, titles = _history_vectors(live=live, product_ids=features.history)
    kept = [
        (pk, kind, weight, hours)
        for pk, kind, weight, hours in zip(features.history, features.kinds, features.weights, features.hours_ago)
        if pk in vectors
    ]
    history_table = (
        np.stack([vectors[pk] for pk, *_ in kept]) if kept else np.zeros((0, live.model.config.dimensions), np.float32)
    )
    user = _user_vector(live=live, history=kept, history_table=history_table, features=features)
    user = _session_steered(user=user, history_table=history_table, hours_ago=[hours for *_, hours in kept])
    bought = set(
        Interaction.objects.filter(user_id=user_id, kind=Interaction.Kind.PURCHASE).values_list("product_id", flat=True)
    )
    available = ItemVector.objects.filter(version_id=live.version_id, product__is_active=True, product__stock__gt=0)
    candidates = vector_nearest(
        queryset=available.exclude(product_id__in=bought | set(features.history)),
        field="vector",
        vector=user,
        k=k * CANDIDATE_WIDENING,
        filtered=True,
        at_least=k,
        key="product_id",
        also=("product__category_id", "vector"),
    )
    scored = [(pk, category_id, 1.0 - distance) for pk, distance, category_id, _ in candidates]
    scored += _seen_allowed(
        available=available.exclude(product_id__in=bought),
        user=user,
        history=kept,
        history_table=history_table,
        beat=scored[k - 1][2] if len(scored) >= k else -1.0,
    )
    scored.sort(key=lambda row: -row[2])
    chosen = _diversified(scored, k=k)
    products = _available_products().select_related("category").in_bulk([pk for pk, _ in chosen])
    picked = [Recommendation(product=products[pk], score=score) for pk, score in chosen if pk in products]
    _reasons_add(
        picked=picked,
        picked_vectors={pk: vector for pk, _, _, vector in candidates},
        history=kept,
        history_table=history_table,
        titles=titles,
        preferred_category_ids=set(features.preferred_category_ids),
    )
    return Recommendations(items=picked, source="model", version_id=live.version_id)


def _seen_allowed(
    *, available, user: np.ndarray, history: list, history_table: np.ndarray, beat: float
) -> list[tuple[int, int, float]]:
    """(product id, category id, score) of the few products from the shopper's own history that may join their picks:
    at most SEEN_ALLOWANCE, still for sale, and only those the model ranks above the last new pick (`beat`)."""
    allowance = settings.RECOMMENDER["SEEN_ALLOWANCE"]
    if not allowance or not history:
        return []
    scores = history_table @ user
    ranked = sorted(
        ((pk, float(score)) for (pk, *_), score in zip(history, scores) if score > beat), key=lambda row: -row[1]
    )
    categories = dict(
        available.filter(product_id__in=[pk for pk, _ in ranked]).values_list("product_id", "product__category_id")
    )
    return [(pk, categories[pk], score) for pk, score in ranked if pk in categories][:allowance]


def recently_engaged_products(*, user_id: int | None, session_key: str | None = None, k: int = 12) -> list[Product]:
    """ "Pick up where you left off": products the visitor viewed or carted lately, most recent first, still for
    sale and not bought since."""
    if user_id is None and not session_key:
        return []
    visitor = Q(user_id=user_id) if user_id is not None else Q(session_key=session_key, user__isnull=True)
    events = Interaction.objects.filter(
        visitor, created_at__gte=timezone.now() - timedelta(days=settings.RECOMMENDER["RECENT_DAYS"])
    )
    bought = events.filter(kind=Interaction.Kind.PURCHASE).values("product_id").annotate(last=Max("created_at"))
    bought_at = {row["product_id"]: row["last"] for row in bought}
    recent = (
        events.filter(kind__in=[Interaction.Kind.VIEW, Interaction.Kind.CART])
        .values("product_id")
        .annotate(last=Max("created_at"))
        .order_by("-last", "product_id")[: k * 3]
    )
    ranked = [
        row["product_id"]
        for row in recent
        if row["product_id"] not in bought_at or row["last"] > bought_at[row["product_id"]]
    ]
    by_id = _available_products().select_related("category").in_bulk(ranked)
    return [by_id[pk] for pk in ranked if pk in by_id][:k]


def _history_vectors(*, live, product_ids: list[int]) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """The item tower's vector and the title of each history product.

    The live version stored the tower's vector of every product when it was published;
    reading those is the same function's output without running the tower per request
    (edits to a product since then reach the vectors with the next training run). Only
    products added since then go through the tower here.
    """
    vectors, titles = {}, {}
    for pk, vector, title in ItemVector.objects.filter(
        version_id=live.version_id, product_id__in=product_ids
    ).values_list("product_id", "vector", "product__title"):
        vectors[pk], titles[pk] = np.asarray(vector, dtype=np.float32), title
    missing = [pk for pk in product_ids if pk not in vectors]
    if missing:
        rows = item_rows_load(product_ids=missing)
        if rows:
            table = item_table(model=live.model, items=live.item_tensors(items=rows)).cpu().numpy()
            vectors.update({row.product_id: table[index] for index, row in enumerate(rows)})
            titles.update(Product.objects.filter(pk__in=[row.product_id for row in rows]).values_list("pk", "title"))
    return vectors, titles


def _user_vector(*, live, history: list, history_table: np.ndarray, features) -> np.ndarray:
    """The user tower on one shopper's features and the item vectors of their history."""
    model = live.model
    device = next(model.parameters()).device
    arrays = user_arrays(users=[features], item_rows={pk: row for row, (pk, *_) in enumerate(history)})
    # Without a history the tower still reads a table: one zero row, which the padding's zero weight leaves out.
    table = torch.from_numpy(history_table) if history else torch.zeros((1, model.config.dimensions))
    inputs = user_tensors(
        history=arrays.history,
        weights=arrays.weights,
        preferred=arrays.preferred,
        profile=arrays.profile,
        item_ids=torch.tensor([id_bucket(product_id=pk) for pk, *_ in history] or [0]),
    )
    with torch.inference_mode():
        user = model.user_vectors(
            **{name: tensor.to(device) for name, tensor in inputs.items()}, item_table=table.to(device)
        )
    return user[0].cpu().numpy()


def _session_steered(*, user: np.ndarray, history_table: np.ndarray, hours_ago: list[float]) -> np.ndarray:
    """Lean the query toward what the shopper looked at in the last hours.

    A long history outweighs a handful of new events in the tower's weighted mean; shoppers
    expect the next page to follow what they are doing now, so the item tower's vectors of
    this session's items are added to the user vector before the nearest-item search.
    """
    window = settings.RECOMMENDER["SESSION_HOURS"]
    recent = [row for row, hours in enumerate(hours_ago) if hours <= window]
    if not recent:
        return user
    steered = user + settings.RECOMMENDER["SESSION_WEIGHT"] * history_table[recent].mean(axis=0)
    return steered / max(float(np.linalg.norm(steered)), 1e-6)


def _diversified(scored: list[tuple[int, int, float]], *, k: int) -> list[tuple[int, float]]:
    """(product id, score) best first from (product id, category id, score), at most PER_CATEGORY
    from one category unless too few categories are left to fill k."""
    per_category = settings.RECOMMENDER["PER_CATEGORY"]
    picked, held_back, counts = [], [], {}
    for pk, category_id, score in scored:
        if counts.get(category_id, 0) < per_category:
            picked.append((pk, score))
            counts[category_id] = counts.get(category_id, 0) + 1
        else:
            held_back.append((pk, score))
        if len(picked) == k:
            return picked
    return (picked + held_back)[:k]


def _reasons_add(
    *,
    picked: list[Recommendation],
    picked_vectors: dict[int, object],
    history: list,
    history_table: np.ndarray,
    titles: dict[int, str],
    preferred_category_ids: set[int],
) -> None:
    """ "Because you viewed …" where an item of the history is close to the pick in the item tower's space."""
    if picked and history:
        positions: dict[int, int] = {}
        for index, (pk, *_) in enumerate(history):
            positions.setdefault(pk, index)
        for recommendation in picked:
            own = positions.get(recommendation.product.pk)
            if own is not None:
                recommendation.reason = f"You {REASON_VERBS.get(history[own][1], 'viewed')} this recently"
                continue
            vector = picked_vectors.get(recommendation.product.pk)
            if vector is None:
                continue
            similarity = history_table @ np.asarray(vector, dtype=np.float32)
            best = int(np.argmax(similarity))
            if similarity[best] >= settings.RECOMMENDER["REASON_MIN_SIMILARITY"]:
                pk, kind, *_ = history[best]
                recommendation.reason = (
                    f"Because you {REASON_VERBS.get(kind, 'viewed')} {titles.get(pk, 'a similar item')}"
                )
    for recommendation in picked:
        if not recommendation.reason and recommendation.product.category_id in preferred_category_ids:
            recommendation.reason = f"From {recommendation.product.category.name}, one of your picks"


@dataclass
class SimilarItems:
    products: list[Product]
    source: str
    """"model" (item tower), "text" (description vectors) or "" when there are none."""


def product_similar(*, product: Product, k: int = 6) -> SimilarItems:
    """Nearest products to this one in the live item tower's space; by description when it has no item vector yet."""
    version_id = live_version_id()
    vector = (
        ItemVector.objects.filter(version_id=version_id, product=product).values_list("vector", flat=True).first()
        if version_id
        else None
    )
    if vector is not None:
        queryset = ItemVector.objects.filter(
            version_id=version_id, product__is_active=True, product__stock__gt=0
        ).exclude(product=product)
        nearest = vector_nearest(queryset=queryset, field="vector", vector=vector, k=k, filtered=True, key="product_id")
        source = "model"
    elif product.text_embedding is not None:
        queryset = _available_products().exclude(pk=product.pk).exclude(text_embedding=None)
        nearest = vector_nearest(
            queryset=queryset, field="text_embedding", vector=product.text_embedding, k=k, filtered=True
        )
        source = "text"
    else:
        return SimilarItems(products=[], source="")
    by_id = _available_products().select_related("category").in_bulk([pk for pk, _ in nearest])
    return SimilarItems(products=[by_id[pk] for pk, _ in nearest if pk in by_id], source=source)


def product_also_bought(*, product: Product, k: int = 6) -> list[Product]:
    """Other products bought by the shoppers who bought this one, most shared buyers first."""
    buyers = Interaction.objects.filter(product=product, kind=Interaction.Kind.PURCHASE, user__isnull=False).values(
        "user_id"
    )
    return list(
        _available_products()
        .exclude(pk=product.pk)
        .filter(Q(interactions__kind=Interaction.Kind.PURCHASE) & Q(interactions__user_id__in=Subquery(buyers)))
        .annotate(buyers=Count("interactions__user", distinct=True))
        .order_by("-buyers", F("rating_average").desc(nulls_last=True), "pk")[:k]
    )


def onboarding_round_products(*, user_id: int, exclude_ids: set[int], k: int) -> list[Product]:
    """Products to like in an onboarding round: the model's picks once there are likes, else trending in the chosen categories."""
    liked = set(
        Interaction.objects.filter(user_id=user_id, kind=Interaction.Kind.RATING).values_list("product_id", flat=True)
    )
    excluded = set(exclude_ids) | liked
    if liked:
        result = user_recommendations(user_id=user_id, k=k * 3)
        if result.source == "model":
            picks = [item.product for item in result.items if item.product.pk not in excluded][:k]
            if len(picks) == k:
                return picks
            excluded |= {product.pk for product in picks}
            return picks + trending_products(k=k - len(picks), exclude_ids=excluded)
    chosen = list(
        CustomerProfile.objects.filter(user_id=user_id)
        .exclude(preferred_categories=None)
        .values_list("preferred_categories", flat=True)
    )
    per_category = [trending_products(k=k, exclude_ids=excluded, category_ids=[category]) for category in chosen]
    interleaved = [product for row in zip_longest(*per_category) for product in row if product is not None]
    picks = list({product.pk: product for product in interleaved}.values())[:k]
    if len(picks) < k:
        picks += trending_products(k=k - len(picks), exclude_ids=excluded | {product.pk for product in picks})
    return picks
