"""Every input of the two-tower model, defined once: training and serving call these functions.

Items: a hashed id, category and department, brand, price bucket, colour, material, age
group, popularity bucket and the product's text vector. Users: their recent history
(kind-weighted, time-decayed), the categories they picked at onboarding, and whether they
did. `FEATURE_SCHEMA_HASH` changes whenever any of this does; a model artifact records it
and serving refuses an artifact made for another schema.
"""

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from shop.models import TEXT_VECTOR_DIMENSIONS

HISTORY_LENGTH = 50
PREFERRED_CATEGORIES = 8
ID_BUCKETS = 1 << 17
HALF_LIFE_DAYS = 14.0
KIND_WEIGHTS = {"view": 0.5, "cart": 1.5, "purchase": 3.0, "rating": 2.0}
POSITIVE_KINDS = ("cart", "purchase")
PRICE_EDGES = (5, 10, 20, 35, 50, 75, 100, 150, 250, 400, 700, 1200)
POPULARITY_EDGES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
CATEGORICAL_ITEM_FEATURES = ("category", "department", "brand", "colour", "material", "age_group")

FEATURE_SCHEMA = {
    "version": 1,
    "item": {
        "id_buckets": ID_BUCKETS,
        "categorical": CATEGORICAL_ITEM_FEATURES,
        "price_edges": PRICE_EDGES,
        "popularity_edges": POPULARITY_EDGES,
        "text_dimensions": TEXT_VECTOR_DIMENSIONS,
    },
    "user": {
        "history_length": HISTORY_LENGTH,
        "kind_weights": KIND_WEIGHTS,
        "half_life_days": HALF_LIFE_DAYS,
        "preferred_categories": PREFERRED_CATEGORIES,
        "profile": ("onboarding_completed",),
    },
}
FEATURE_SCHEMA_HASH = hashlib.sha256(json.dumps(FEATURE_SCHEMA, sort_keys=True).encode()).hexdigest()[:16]


class FeatureSchemaMismatch(Exception):
    pass


def schema_check(*, artifact_hash: str) -> None:
    if artifact_hash != FEATURE_SCHEMA_HASH:
        raise FeatureSchemaMismatch(
            f"The model was trained on feature schema {artifact_hash}, the code defines {FEATURE_SCHEMA_HASH}: "
            "retrain before serving it."
        )


@dataclass(frozen=True)
class ItemRow:
    """What the item features are computed from: one product as the database has it."""

    product_id: int
    category_id: int
    department_id: int
    brand: str
    price: float
    colour: str
    material: str
    age_group: str
    text_vector: Sequence[float] | None


@dataclass
class Vocabulary:
    """Index of each categorical value seen in training; 0 stands for unseen values."""

    values: dict[str, dict[str, int]]

    @classmethod
    def build(cls, *, items: Iterable[ItemRow]) -> "Vocabulary":
        values: dict[str, dict[str, int]] = {name: {} for name in CATEGORICAL_ITEM_FEATURES}
        for item in items:
            for name in CATEGORICAL_ITEM_FEATURES:
                key = str(
                    getattr(item, f"{name}_id", None) if name in ("category", "department") else getattr(item, name)
                )
                values[name].setdefault(key, len(values[name]) + 1)
        return cls(values=values)

    def index(self, *, feature: str, value: object) -> int:
        return self.values[feature].get(str(value), 0)

    def sizes(self) -> dict[str, int]:
        return {name: len(mapping) + 1 for name, mapping in self.values.items()}


def _bucket(value: float, edges: Sequence[float]) -> int:
    return int(np.searchsorted(edges, value, side="right"))


def id_bucket(*, product_id: int) -> int:
    """Hashing keeps unseen products inside the embedding table (they share rows, not crash)."""
    return (product_id * 2654435761) % ID_BUCKETS


@dataclass
class ItemFeatures:
    ids: np.ndarray
    categorical: np.ndarray
    """(items, len(CATEGORICAL_ITEM_FEATURES)) vocabulary indices."""
    price: np.ndarray
    popularity: np.ndarray
    text: np.ndarray
    has_text: np.ndarray


def item_features(*, items: Sequence[ItemRow], vocabulary: Vocabulary, popularity: dict[int, int]) -> ItemFeatures:
    text = np.zeros((len(items), TEXT_VECTOR_DIMENSIONS), dtype=np.float32)
    has_text = np.zeros(len(items), dtype=np.float32)
    categorical = np.zeros((len(items), len(CATEGORICAL_ITEM_FEATURES)), dtype=np.int64)
    for row, item in enumerate(items):
        values = {
            "category": item.category_id,
            "department": item.department_id,
            "brand": item.brand,
            "colour": item.colour,
            "material": item.material,
            "age_group": item.age_group,
        }
        categorical[row] = [vocabulary.index(feature=name, value=values[name]) for name in CATEGORICAL_ITEM_FEATURES]
        if item.text_vector is not None and len(item.text_vector) == TEXT_VECTOR_DIMENSIONS:
            text[row] = np.asarray(item.text_vector, dtype=np.float32)
            has_text[row] = 1.0
    return ItemFeatures(
        ids=np.array([id_bucket(product_id=item.product_id) for item in items], dtype=np.int64),
        categorical=categorical,
        price=np.array([_bucket(item.price, PRICE_EDGES) for item in items], dtype=np.int64),
        popularity=np.array(
            [_bucket(popularity.get(item.product_id, 0), POPULARITY_EDGES) for item in items], dtype=np.int64
        ),
        text=text,
        has_text=has_text,
    )


@dataclass(frozen=True)
class Event:
    product_id: int
    kind: str
    at: datetime


@dataclass
class UserFeatures:
    history: list[int]
    """Product ids, newest first, at most HISTORY_LENGTH."""
    kinds: list[str]
    hours_ago: list[float]
    weights: list[float]
    preferred_categories: list[int]
    """Vocabulary indices of onboarding categories, at most PREFERRED_CATEGORIES."""
    onboarding_completed: float
    preferred_category_ids: list[int] = field(default_factory=list)
    """The onboarding categories themselves, for explaining picks (not a model input)."""


def user_features(
    *,
    events: Sequence[Event],
    at: datetime,
    preferred_category_ids: Sequence[int],
    onboarding_completed: bool,
    vocabulary: Vocabulary,
    target_product_id: int | None = None,
) -> UserFeatures:
    """A user's features at time `at`, from the events before it (newest first).

    Training passes the product the example predicts: its own earlier events (the view
    before the cart) are left out, or the model would learn to repeat the last click.
    """
    recent = sorted(
        (event for event in events if event.at < at and event.product_id != target_product_id),
        key=lambda event: event.at,
        reverse=True,
    )[:HISTORY_LENGTH]
    weights = [
        KIND_WEIGHTS.get(event.kind, 0.0) * math.pow(0.5, (at - event.at).total_seconds() / 86400 / HALF_LIFE_DAYS)
        for event in recent
    ]
    preferred = [vocabulary.index(feature="category", value=c) for c in sorted(preferred_category_ids)][
        :PREFERRED_CATEGORIES
    ]
    return UserFeatures(
        history=[event.product_id for event in recent],
        kinds=[event.kind for event in recent],
        hours_ago=[(at - event.at).total_seconds() / 3600 for event in recent],
        weights=weights,
        preferred_categories=[index for index in preferred if index],
        onboarding_completed=1.0 if onboarding_completed else 0.0,
        preferred_category_ids=sorted(preferred_category_ids),
    )


@dataclass
class UserArrays:
    """Users' features padded into the user tower's input: what training data stores and serving builds per request."""

    history: np.ndarray
    """(users, HISTORY_LENGTH) rows of the item table the tower reads, −1 padding."""
    weights: np.ndarray
    """(users, HISTORY_LENGTH), 0 padding."""
    preferred: np.ndarray
    """(users, PREFERRED_CATEGORIES) category vocabulary indices, 0 padding."""
    profile: np.ndarray
    """(users,) 1 when onboarding is completed."""


def user_arrays(*, users: Sequence[UserFeatures], item_rows: Mapping[int, int]) -> UserArrays:
    """The user tower's input for `users`, with each history product at its row of the item table (`item_rows`).

    Products the table lacks are left out: serving's table holds only the history products that have an item vector.
    """
    history = np.full((len(users), HISTORY_LENGTH), -1, dtype=np.int64)
    weights = np.zeros((len(users), HISTORY_LENGTH), dtype=np.float32)
    preferred = np.zeros((len(users), PREFERRED_CATEGORIES), dtype=np.int64)
    for index, user in enumerate(users):
        kept = [(item_rows[pk], weight) for pk, weight in zip(user.history, user.weights) if pk in item_rows]
        history[index, : len(kept)] = [row for row, _ in kept]
        weights[index, : len(kept)] = [weight for _, weight in kept]
        preferred[index, : len(user.preferred_categories)] = user.preferred_categories
    profile = np.array([user.onboarding_completed for user in users], dtype=np.float32)
    return UserArrays(history=history, weights=weights, preferred=preferred, profile=profile)


def item_rows_load(*, product_ids: Iterable[int] | None = None) -> list[ItemRow]:
    """The item-feature inputs of active products as the database has them now (all of them, or `product_ids`)."""
    from shop.models import Category, Product

    root_ids = dict(Category.objects.filter(parent__isnull=True).values_list("slug", "pk"))
    products = Product.objects.filter(is_active=True)
    if product_ids is not None:
        products = products.filter(pk__in=list(product_ids))
    rows = products.order_by("pk").values_list(
        "pk", "category_id", "category__path", "brand", "price", "colour", "material", "age_group", "text_embedding"
    )
    return [
        ItemRow(
            product_id=pk,
            category_id=category_id,
            department_id=root_ids.get(path.split("/", 1)[0], 0),
            brand=brand,
            price=float(price),
            colour=colour,
            material=material,
            age_group=age_group,
            text_vector=text_vector,
        )
        for pk, category_id, path, brand, price, colour, material, age_group, text_vector in rows.iterator(
            chunk_size=5000
        )
    ]


def user_features_load(*, user_id: int, at: datetime, vocabulary: Vocabulary) -> UserFeatures:
    """Serving's side of `user_features`: the same function over the user's events and profile read now."""
    from shop.models import CustomerProfile, Interaction

    events = [
        Event(product_id=product_id, kind=kind, at=created_at)
        for product_id, kind, created_at in Interaction.objects.filter(
            user_id=user_id, created_at__lt=at, product__is_active=True
        )
        .order_by("-created_at")
        .values_list("product_id", "kind", "created_at")[:HISTORY_LENGTH]
    ]
    # One row per picked category (one with None when there are none): the profile in one query.
    profile = list(
        CustomerProfile.objects.filter(user_id=user_id).values_list("onboarding_completed", "preferred_categories")
    )
    return user_features(
        events=events,
        at=at,
        preferred_category_ids=[category for _, category in profile if category is not None],
        onboarding_completed=bool(profile and profile[0][0]),
        vocabulary=vocabulary,
    )
