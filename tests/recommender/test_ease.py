"""EASE, the strongest simple baseline, on a catalog larger than it can invert."""

from types import SimpleNamespace

import numpy as np

from recommender.evaluation import ease_evaluate


def _dataset(*, users: int, items: int, seed: int = 3) -> SimpleNamespace:
    """Two tastes: even users buy from the first half of the popular items, odd users from the second."""
    rng = np.random.default_rng(seed)
    interactions, relevant, seen = [], [], []
    for user in range(users):
        taste = range(0, 20) if user % 2 == 0 else range(20, 40)
        bought = rng.choice(list(taste), size=8, replace=False)
        interactions += [(user, int(row), 1.0) for row in bought[:6]]
        relevant.append({int(row) for row in bought[6:]})
        seen.append({int(row) for row in bought[:6]})
    # A long tail bought once each, by users outside the evaluated ones.
    interactions += [(users + row, row, 1.0) for row in range(40, items)]
    return SimpleNamespace(items=list(range(items)), relevant=relevant, seen=seen, interactions=interactions)


def test_ease_on_a_catalog_above_its_size_limit_models_the_most_bought_items_and_still_finds_tastes():
    capped = ease_evaluate(dataset=_dataset(users=60, items=400), max_items=50)
    assert capped.notes["items"] == 50
    # The held-out purchases are among the popular items it models, and each user's taste is learnt.
    assert capped.ndcg > 0.3
