"""The demo shop's interactions as a data set: the training pipeline's snapshot and the demo evaluation.

Split by time: the model trains on the events before the last `holdout_days` and is judged
on the purchases and carts in them. Every feature comes from `recommender.features`, the
functions serving calls.
"""

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np
import torch

from ml.datasets import DatasetUnavailable
from recommender.features import (
    KIND_WEIGHTS,
    POSITIVE_KINDS,
    Event,
    ItemRow,
    UserFeatures,
    Vocabulary,
    item_rows_load,
    user_arrays,
    user_features,
)
from recommender.model import TrainingData, item_tensors

HOLDOUT_DAYS = 14
TRAINING_KINDS = ("view", "cart", "purchase", "rating")


@dataclass
class EvaluationSet:
    """Everything a recommender needs to be trained and judged on one split."""

    name: str
    items: list[ItemRow]
    train: TrainingData
    user_history: np.ndarray
    """(users, L) item rows each evaluated user's tower reads at the split."""
    user_weights: np.ndarray
    user_preferred: np.ndarray
    user_profile: np.ndarray
    seen: list[set[int]]
    """Item rows removed from each user's candidates (already bought / rated)."""
    relevant: list[set[int]]
    interactions: list[tuple[int, int, float]]
    """(user, item row, weight) of the training side, for the baselines: user `i < len(relevant)` is evaluated user
    `i`; later users are shoppers who are not evaluated but whose history the baselines learn from, as the
    two-tower model does."""
    vocabulary: Vocabulary | None = None
    popularity: dict[int, int] = field(default_factory=dict)
    data_start: datetime | None = None
    split: datetime | None = None
    user_ids: list[int] = field(default_factory=list)
    """The shop's user id of each evaluated user (demo only)."""
    user_preferred_ids: list[list[int]] = field(default_factory=list)
    """Their onboarding category ids, for scoring a model with another vocabulary."""


USER_ARRAYS = ("user_history", "user_weights", "user_preferred", "user_profile")
TRAINING_ARRAYS = ("example_items", "history", "weights", "preferred", "profile")


def evaluation_set_pack(*, dataset: EvaluationSet) -> dict:
    """The set as plain data (dicts, lists, sets, strings, numbers, tensors): the snapshot artifact.

    Artifacts load with `torch.load(weights_only=True)`, which builds no dataclass, numpy array
    or datetime; `evaluation_set_unpack` turns this back into the set.
    """
    return {
        "name": dataset.name,
        "items": [
            {
                **asdict(item),
                "text_vector": None
                if item.text_vector is None
                else torch.from_numpy(np.asarray(item.text_vector, dtype=np.float32)),
            }
            for item in dataset.items
        ],
        "train": {
            "items": dataset.train.items,
            **{name: torch.from_numpy(getattr(dataset.train, name)) for name in TRAINING_ARRAYS},
        },
        **{name: torch.from_numpy(getattr(dataset, name)) for name in USER_ARRAYS},
        "seen": dataset.seen,
        "relevant": dataset.relevant,
        "interactions": dataset.interactions,
        "vocabulary": None if dataset.vocabulary is None else dataset.vocabulary.values,
        "popularity": dataset.popularity,
        "data_start": None if dataset.data_start is None else dataset.data_start.isoformat(),
        "split": None if dataset.split is None else dataset.split.isoformat(),
        "user_ids": dataset.user_ids,
        "user_preferred_ids": dataset.user_preferred_ids,
    }


def evaluation_set_unpack(*, payload: dict) -> EvaluationSet:
    return EvaluationSet(
        name=payload["name"],
        items=[
            ItemRow(
                **{name: value for name, value in row.items() if name != "text_vector"},
                text_vector=None if row["text_vector"] is None else row["text_vector"].numpy(),
            )
            for row in payload["items"]
        ],
        train=TrainingData(
            items=payload["train"]["items"],
            **{name: payload["train"][name].numpy() for name in TRAINING_ARRAYS},
        ),
        **{name: payload[name].numpy() for name in USER_ARRAYS},
        seen=payload["seen"],
        relevant=payload["relevant"],
        interactions=payload["interactions"],
        vocabulary=None if payload["vocabulary"] is None else Vocabulary(values=payload["vocabulary"]),
        popularity=payload["popularity"],
        data_start=None if payload["data_start"] is None else datetime.fromisoformat(payload["data_start"]),
        split=None if payload["split"] is None else datetime.fromisoformat(payload["split"]),
        user_ids=payload["user_ids"],
        user_preferred_ids=payload["user_preferred_ids"],
    )


@dataclass(frozen=True)
class _Shopper:
    """A user's events (oldest first) and onboarding answers, as the database has them."""

    user_id: int
    events: list[Event]
    preferred_category_ids: list[int]
    onboarding_completed: bool

    def features(
        self, *, events: list[Event], at: datetime, vocabulary: Vocabulary, target: int | None = None
    ) -> UserFeatures:
        return user_features(
            events=events,
            at=at,
            preferred_category_ids=self.preferred_category_ids,
            onboarding_completed=self.onboarding_completed,
            vocabulary=vocabulary,
            target_product_id=target,
        )


@dataclass(frozen=True)
class _HeldOutUser:
    """A user judged on the held-out days: their features at the split and what they chose in the days after."""

    shopper: _Shopper
    features: UserFeatures
    seen: set[int]
    """Item rows they had bought before the split."""
    relevant: set[int]
    """Item rows they bought or carted after it, less those."""


def demo_evaluation_set(
    *, now: datetime | None = None, holdout_days: int = HOLDOUT_DAYS, validation: bool = False
) -> EvaluationSet:
    """The shop's own interactions: train before the last `holdout_days`, judge purchases and carts in them.

    `validation` carves the same split out of the training side (judged on the `holdout_days` before the held-out
    ones, trained on what came before them), for choosing settings without looking at the held-out days.
    """
    items = item_rows_load()
    if not items:
        raise DatasetUnavailable("The shop has no products; run manage.py seed_demo first.")
    first, last = _interaction_window()
    end = (now or last) - timedelta(days=holdout_days if validation else 0)
    split = end - timedelta(days=holdout_days)
    if split <= first:
        raise DatasetUnavailable(
            f"All interactions fall in the last {holdout_days} days: there is nothing to train on before the held-out window."
        )
    row_of = {item.product_id: row for row, item in enumerate(items)}
    shoppers = _shoppers_load(product_ids=row_of, until=end if validation else None)
    vocabulary = Vocabulary.build(items=items)
    popularity = _popularity(shoppers=shoppers, split=split)
    held_out = [
        user
        for shopper in shoppers
        if (user := _held_out_user(shopper=shopper, split=split, vocabulary=vocabulary, row_of=row_of)) is not None
    ]
    evaluated = user_arrays(users=[user.features for user in held_out], item_rows=row_of)
    return EvaluationSet(
        name="demo",
        items=items,
        train=_training_data(
            shoppers=shoppers, split=split, items=items, row_of=row_of, vocabulary=vocabulary, popularity=popularity
        ),
        user_history=evaluated.history,
        user_weights=evaluated.weights,
        user_preferred=evaluated.preferred,
        user_profile=evaluated.profile,
        seen=[user.seen for user in held_out],
        relevant=[user.relevant for user in held_out],
        interactions=_training_interactions(held_out=held_out, shoppers=shoppers, split=split, row_of=row_of),
        vocabulary=vocabulary,
        popularity=popularity,
        data_start=first,
        split=split,
        user_ids=[user.shopper.user_id for user in held_out],
        user_preferred_ids=[user.shopper.preferred_category_ids for user in held_out],
    )


def _training_interactions(
    *, held_out: list[_HeldOutUser], shoppers: list[_Shopper], split: datetime, row_of: dict[int, int]
) -> list[tuple[int, int, float]]:
    """Every shopper's events before the split, the evaluated shoppers first (see `EvaluationSet.interactions`)."""
    evaluated = {user.shopper.user_id for user in held_out}
    ordered = [user.shopper for user in held_out] + [s for s in shoppers if s.user_id not in evaluated]
    return [
        (index, row_of[event.product_id], KIND_WEIGHTS.get(event.kind, 0.0))
        for index, shopper in enumerate(ordered)
        for event in shopper.events
        if event.at < split
    ]


def _interaction_window() -> tuple[datetime, datetime]:
    from django.db.models import Max, Min

    from shop.models import Interaction

    window = Interaction.objects.filter(user__isnull=False).aggregate(first=Min("created_at"), last=Max("created_at"))
    if window["last"] is None:
        raise DatasetUnavailable("The shop has no interactions yet; run manage.py seed_demo first.")
    return window["first"], window["last"]


def _shoppers_load(*, product_ids: Collection[int], until: datetime | None = None) -> list[_Shopper]:
    """Every user with events on `product_ids` (before `until`), in the order of their first event, with their
    onboarding answers."""
    from shop.models import CustomerProfile, Interaction

    events = Interaction.objects.filter(user__isnull=False, product_id__in=product_ids)
    if until is not None:
        events = events.filter(created_at__lt=until)
    events_by_user: dict[int, list[Event]] = {}
    for user_id, product_id, kind, at in (
        events.order_by("created_at")
        .values_list("user_id", "product_id", "kind", "created_at")
        .iterator(chunk_size=20_000)
    ):
        events_by_user.setdefault(user_id, []).append(Event(product_id=product_id, kind=kind, at=at))
    profiles = {
        profile.user_id: profile
        for profile in CustomerProfile.objects.prefetch_related("preferred_categories").filter(
            user_id__in=events_by_user
        )
    }
    return [
        _Shopper(
            user_id=user_id,
            events=events,
            preferred_category_ids=[c.pk for c in profiles[user_id].preferred_categories.all()]
            if user_id in profiles
            else [],
            onboarding_completed=bool(user_id in profiles and profiles[user_id].onboarding_completed),
        )
        for user_id, events in events_by_user.items()
    ]


def _popularity(*, shoppers: list[_Shopper], split: datetime) -> dict[int, int]:
    """Positive events per product before the split: the item tower's popularity feature."""
    popularity: dict[int, int] = {}
    for shopper in shoppers:
        for event in shopper.events:
            if event.at < split and event.kind in POSITIVE_KINDS:
                popularity[event.product_id] = popularity.get(event.product_id, 0) + 1
    return popularity


def _training_data(
    *,
    shoppers: list[_Shopper],
    split: datetime,
    items: list[ItemRow],
    row_of: dict[int, int],
    vocabulary: Vocabulary,
    popularity: dict[int, int],
) -> TrainingData:
    """One example per event before the split, with the shopper's features just before it."""
    targets: list[int] = []
    # Padded shopper by shopper, so that one shopper's features at a time are held as Python objects;
    # the empty first part lets a shop without shoppers concatenate too.
    parts = [user_arrays(users=[], item_rows=row_of)]
    for shopper in shoppers:
        train = [event for event in shopper.events if event.at < split]
        examples = [event for event in train if event.kind in TRAINING_KINDS]
        targets += [row_of[event.product_id] for event in examples]
        features = [
            shopper.features(events=train, at=event.at, vocabulary=vocabulary, target=event.product_id)
            for event in examples
        ]
        parts.append(user_arrays(users=features, item_rows=row_of))
    return TrainingData(
        items=item_tensors(items=items, vocabulary=vocabulary, popularity=popularity),
        example_items=np.array(targets, dtype=np.int64),
        history=np.concatenate([part.history for part in parts]),
        weights=np.concatenate([part.weights for part in parts]),
        preferred=np.concatenate([part.preferred for part in parts]),
        profile=np.concatenate([part.profile for part in parts]),
    )


def _held_out_user(
    *, shopper: _Shopper, split: datetime, vocabulary: Vocabulary, row_of: dict[int, int]
) -> _HeldOutUser | None:
    """The shopper as judged after the split, or None when they chose nothing new in the held-out days."""
    train = [event for event in shopper.events if event.at < split]
    truth = {row_of[e.product_id] for e in shopper.events if e.at >= split and e.kind in POSITIVE_KINDS}
    bought = {row_of[e.product_id] for e in train if e.kind == "purchase"}
    if not (truth - bought and train):
        return None
    features = shopper.features(events=train, at=split, vocabulary=vocabulary)
    return _HeldOutUser(shopper=shopper, features=features, seen=bought, relevant=truth - bought)
