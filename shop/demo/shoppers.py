"""Synthetic shoppers with hidden tastes, and the interactions those tastes produce over time.

Each shopper prefers a few leaf categories (mostly within one or two departments), a few
brands, and a price tier. Sessions pick a category from those tastes (or, sometimes, the
whole shop), then products by appeal, brand and price fit; views lead to carts, carts to
purchases, purchases to ratings. A recommender can learn this signal; a random one cannot.
"""

import math
import random
from dataclasses import dataclass

import numpy as np

from shop.demo.catalog import TIERS, ProductSpec

FIRST_NAMES = (
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bruno",
    "Carmen",
    "Dev",
    "Emil",
    "Fatima",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Lena",
)
LAST_NAMES = (
    "Smith",
    "Garcia",
    "Nguyen",
    "Müller",
    "Rossi",
    "Kowalski",
    "Okafor",
    "Silva",
    "Tanaka",
    "Dubois",
    "Larsen",
    "Haddad",
    "Petrov",
    "Jensen",
    "Novak",
    "Costa",
    "Ahmed",
    "Brown",
    "Kim",
    "Fischer",
    "Moreau",
    "Singh",
    "Lopez",
)
KIDS_DEPARTMENT_SLUGS = ("kids-baby", "toys-games")
DEMO_USERNAME = "demo"


@dataclass(frozen=True)
class ShopperTaste:
    username: str
    first_name: str
    last_name: str
    leaf_keys: tuple[str, ...]
    brands: tuple[str, ...]
    tier: str
    sessions: int
    onboarding_leaf_keys: tuple[str, ...]
    """What the shopper told onboarding: a part of their real tastes, or nothing."""


@dataclass(frozen=True)
class SimulatedEvent:
    shopper: int
    product: int
    kind: str
    value: float
    quantity: int
    days_ago: float


def _department_of(key: str) -> str:
    return key.split("/", 1)[0]


def shopper_tastes_build(*, seed: int, count: int, specs: list[ProductSpec]) -> list[ShopperTaste]:
    leaves_by_department: dict[str, list[str]] = {}
    brands_by_department: dict[str, list[str]] = {}
    for spec in specs:
        department = _department_of(spec.leaf_key)
        if spec.leaf_key not in leaves_by_department.setdefault(department, []):
            leaves_by_department[department].append(spec.leaf_key)
        if spec.brand not in brands_by_department.setdefault(department, []):
            brands_by_department[department].append(spec.brand)
    departments = sorted(leaves_by_department)
    adult_departments = [d for d in departments if d not in KIDS_DEPARTMENT_SLUGS] or departments
    kids_departments = [d for d in departments if d in KIDS_DEPARTMENT_SLUGS]

    tastes = []
    for index in range(count):
        rng = random.Random(f"{seed}:shopper:{index}")
        chosen = rng.sample(adult_departments, k=min(len(adult_departments), rng.choice((1, 1, 2))))
        if kids_departments and rng.random() < 0.3:
            chosen.append(rng.choice(kids_departments))
        leaf_keys: list[str] = []
        for department in chosen:
            pool = sorted(leaves_by_department[department])
            leaf_keys += rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
        brands = tuple(sorted({rng.choice(sorted(brands_by_department[d])) for d in chosen for _ in range(2)}))
        onboarding = tuple(rng.sample(leaf_keys, k=min(3, len(leaf_keys)))) if index == 0 or rng.random() < 0.6 else ()
        tastes.append(
            ShopperTaste(
                username=DEMO_USERNAME if index == 0 else f"shopper{index:05d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                leaf_keys=tuple(sorted(leaf_keys)),
                brands=brands,
                tier=rng.choices(TIERS, weights=(0.35, 0.45, 0.2))[0],
                sessions=max(2, int(round(rng.lognormvariate(2.6, 0.6)))),
                onboarding_leaf_keys=tuple(sorted(onboarding)),
            )
        )
    return tastes


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def interactions_simulate(
    *, seed: int, tastes: list[ShopperTaste], specs: list[ProductSpec], shoppers: list[int], days: float = 180.0
) -> list[SimulatedEvent]:
    """Events for the shoppers whose indices are given, newest last within each shopper."""
    leaf_keys = sorted({spec.leaf_key for spec in specs})
    members: dict[str, np.ndarray] = {
        key: np.array([i for i, spec in enumerate(specs) if spec.leaf_key == key]) for key in leaf_keys
    }
    appeal = np.array([spec.appeal for spec in specs])
    tier_index = np.array([TIERS.index(spec.tier) for spec in specs])
    brand_of = np.array([spec.brand for spec in specs])
    in_stock = np.array([spec.stock > 0 for spec in specs])
    leaf_popularity = np.array([len(members[key]) for key in leaf_keys], dtype=float)
    leaf_popularity /= leaf_popularity.sum()

    events: list[SimulatedEvent] = []
    for shopper in shoppers:
        taste = tastes[shopper]
        rng = random.Random(f"{seed}:sessions:{shopper}")
        noise = np.random.default_rng([seed, shopper])
        preferred = [key for key in taste.leaf_keys if key in members]
        starts = sorted((rng.uniform(0.05, days) for _ in range(taste.sessions)), reverse=True)
        for start in starts:
            if preferred and rng.random() < 0.85:
                key = rng.choice(preferred)
            else:
                key = leaf_keys[int(noise.choice(len(leaf_keys), p=leaf_popularity))]
            candidates = members[key]
            fit = appeal[candidates] - 0.8 * np.abs(tier_index[candidates] - TIERS.index(taste.tier))
            fit = fit + 1.5 * np.isin(brand_of[candidates], taste.brands)
            scores = fit + noise.gumbel(size=len(candidates))
            views = min(len(candidates), 1 + int(rng.expovariate(0.5)))
            moment = start
            for position in np.argsort(-scores)[:views]:
                product = int(candidates[position])
                affinity = float(fit[position])
                moment -= rng.uniform(0.0005, 0.01)
                events.append(SimulatedEvent(shopper, product, "view", 1.0, 1, moment))
                if rng.random() >= _sigmoid(affinity - 0.5) * 0.6:
                    continue
                moment -= rng.uniform(0.0005, 0.005)
                events.append(SimulatedEvent(shopper, product, "cart", 1.0, 1, moment))
                if not in_stock[product] or rng.random() >= 0.55:
                    continue
                moment -= rng.uniform(0.001, 0.01)
                quantity = 2 if rng.random() < 0.1 else 1
                events.append(SimulatedEvent(shopper, product, "purchase", 1.0, quantity, moment))
                if rng.random() < 0.35:
                    stars = round(3.6 + 0.6 * appeal[product] + 0.3 * (affinity > 1) + rng.gauss(0, 0.8))
                    rating_moment = max(0.0, moment - rng.uniform(1, 14))
                    events.append(
                        SimulatedEvent(shopper, product, "rating", float(min(5, max(1, stars))), 1, rating_moment)
                    )
    return events


def preference_signal_measure(*, tastes: list[ShopperTaste], category_ids: dict[str, int]) -> tuple[float, float]:
    """(share of the shoppers' purchases in their preferred categories, the same share for random user–product pairs).

    Read from the database, so it measures what was written, not what was meant.
    """
    from django.db.models import Count

    from shop.models import Interaction, Product

    preferred = {t.username: {category_ids[k] for k in t.leaf_keys if k in category_ids} for t in tastes}
    purchases = Interaction.objects.filter(
        kind=Interaction.Kind.PURCHASE, user__username__in=list(preferred)
    ).values_list("user__username", "product__category_id")
    total = hits = 0
    for username, category_id in purchases.iterator(chunk_size=5000):
        total += 1
        hits += category_id in preferred[username]
    per_category = dict(
        Product.objects.values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n")
    )
    products = sum(per_category.values())
    if not total or not products:
        return 0.0, 0.0
    random_share = sum(sum(per_category.get(c, 0) for c in cats) for cats in preferred.values()) / (
        len(preferred) * products
    )
    return hits / total, random_share
