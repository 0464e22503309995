"""Simulated shoppers: the demo's shoppers, with the hidden tastes `seed_demo` drew for them, meet live recommendations.

Each simulated day a sample of shoppers opens the home page and sees "Recommended for you" as
the real page serves it (their A/B arm when a test runs; otherwise half of them, by a stable
hash, see trending items instead of the live model). A tile is clicked with a probability that
falls with its slot and rises with how well the product fits the shopper's tastes (the same
appeal, brand, price tier and category fit `seed_demo`'s sessions use); a click is a view, and
may lead to a cart and a purchase as in `seed_demo`. Everything goes through the shop's own
records: impressions are logged by `impressions_log`, and carts and purchases reach them
through the same attribution that real shoppers' events take.
"""

import hashlib
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from ml.datasets import DatasetUnavailable
from recommender.experiments import VisitorArm, impressions_log, visitor_arm_get
from recommender.models import Impression
from recommender.selectors import Recommendation, Recommendations, trending_products, user_recommendations
from shop.demo.catalog import TIERS, ProductSpec, catalog_specs_build
from shop.demo.clothing import clothing_dataset_path, clothing_items_build
from shop.demo.shoppers import ShopperTaste, shopper_tastes_build
from shop.models import Interaction

TILES = 12
TRENDING_ARM = "trending"
MODEL_ARM = "model"


@dataclass
class ArmOutcome:
    impressions: int = 0
    clicks: int = 0
    carts: int = 0
    purchases: int = 0

    def rate(self, count: int) -> float:
        return count / self.impressions if self.impressions else 0.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def demo_population_build(*, products: int, users: int, seed: int) -> tuple[list[ShopperTaste], list[ProductSpec]]:
    """The tastes and product specs `seed_demo` drew with the same arguments (women's clothing included when its
    data set is at hand, as it was when seeding)."""
    specs = catalog_specs_build(seed=seed, count=products)
    try:
        path = clothing_dataset_path(
            datasets_dir=settings.DEMO_DATASETS_DIR, wheel_requirement=settings.DEMO_CLOTHING_WHEEL
        )
        specs += [item.spec for item in clothing_items_build(dataset_path=path, seed=seed)]
    except (DatasetUnavailable, OSError):
        pass
    return shopper_tastes_build(seed=seed, count=users, specs=specs), specs


def product_fit(*, spec: ProductSpec, taste: ShopperTaste) -> float:
    """How much the shopper likes the product: `seed_demo`'s fit, plus whether it is in a category they like."""
    fit = spec.appeal - 0.8 * abs(TIERS.index(spec.tier) - TIERS.index(taste.tier))
    fit += 1.5 * (spec.brand in taste.brands)
    if spec.leaf_key in taste.leaf_keys:
        return fit + 2.0
    departments = {key.split("/", 1)[0] for key in taste.leaf_keys}
    return fit + (0.5 if spec.leaf_key.split("/", 1)[0] in departments else -1.5)


def _trending_arm(*, user_id: int, salt: int) -> bool:
    digest = hashlib.sha256(f"simulation:{salt}:user:{user_id}".encode()).digest()
    return digest[0] % 2 == 1


def _shown(*, user_id: int, at: datetime, salt: int) -> tuple[Recommendations, VisitorArm]:
    """What the shopper's home page shows, and the arm it belongs to."""
    arm = visitor_arm_get(user_id=user_id)
    if arm is not None:
        return user_recommendations(user_id=user_id, k=TILES, at=at, version_id=arm.version_id), arm
    if _trending_arm(user_id=user_id, salt=salt):
        items = [Recommendation(product=p, score=0.0) for p in trending_products(k=TILES)]
        return Recommendations(items=items, source="trending"), VisitorArm(experiment_id=None, arm=TRENDING_ARM)
    shown = user_recommendations(user_id=user_id, k=TILES, at=at)
    return shown, VisitorArm(experiment_id=None, arm=MODEL_ARM, version_id=shown.version_id)


def _react(
    *,
    shown: Recommendations,
    taste: ShopperTaste,
    specs: dict[str, ProductSpec],
    user_id: int,
    at: datetime,
    rng: np.random.Generator,
) -> None:
    """Click, cart and buy as the shopper's tastes say; carts and purchases reach the impressions by attribution."""
    for slot, item in enumerate(shown.items):
        spec = specs.get(item.product.sku)
        if spec is None:
            continue
        fit = product_fit(spec=spec, taste=taste)
        if rng.random() >= _sigmoid(fit - 2.5) / (1.0 + 0.15 * slot):
            continue
        moment = at + timedelta(minutes=1 + slot)
        if item.impression_id is not None:
            Impression.objects.filter(pk=item.impression_id).update(clicked_at=moment)
        Interaction.objects.create(user_id=user_id, product=item.product, kind=Interaction.Kind.VIEW, created_at=moment)
        if rng.random() >= _sigmoid(fit - 0.5) * 0.6:
            continue
        Interaction.objects.create(
            user_id=user_id, product=item.product, kind=Interaction.Kind.CART, created_at=moment + timedelta(minutes=1)
        )
        if item.product.stock > 0 and rng.random() < 0.55:
            Interaction.objects.create(
                user_id=user_id,
                product=item.product,
                kind=Interaction.Kind.PURCHASE,
                created_at=moment + timedelta(minutes=5),
            )


def shoppers_simulate(
    *,
    days: int,
    shoppers_per_day: int,
    products: int = 2000,
    users: int = 1000,
    seed: int = 7,
    progress: Callable[[Iterable], Iterable] = lambda iterable: iterable,
) -> dict[str, ArmOutcome]:
    """Simulate `days` days ending now; the outcome per arm of this simulation's impressions."""
    tastes, spec_list = demo_population_build(products=products, users=users, seed=seed)
    specs = {spec.sku: spec for spec in spec_list}
    user_ids = dict(
        get_user_model().objects.filter(username__in=[t.username for t in tastes]).values_list("username", "pk")
    )
    population = [taste for taste in tastes if taste.username in user_ids]
    if not population:
        raise DatasetUnavailable("No demo shoppers in the database: run manage.py seed_demo first.")
    started = timezone.now()
    first_day = started - timedelta(days=days)
    chooser = random.Random(f"{seed}:simulation")
    for day in progress(range(days)):
        at = first_day + timedelta(days=day)
        for taste in chooser.sample(population, k=min(shoppers_per_day, len(population))):
            user_id = user_ids[taste.username]
            shown, arm = _shown(user_id=user_id, at=at, salt=seed)
            impressions_log(
                recommendations=shown,
                surface=Impression.Surface.SIMULATED,
                user_id=user_id,
                session_key=None,
                arm=arm,
                at=at,
            )
            rng = np.random.default_rng([seed, day, user_id])
            _react(shown=shown, taste=taste, specs=specs, user_id=user_id, at=at, rng=rng)
    return simulation_outcomes(since=first_day - timedelta(seconds=1), until=started)


def simulation_outcomes(*, since: datetime, until: datetime) -> dict[str, ArmOutcome]:
    rows = (
        Impression.objects.filter(surface=Impression.Surface.SIMULATED, created_at__gte=since, created_at__lte=until)
        .values("arm")
        .annotate(
            shown=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            carted=Count("pk", filter=Q(carted_at__isnull=False)),
            bought=Count("pk", filter=Q(purchased_at__isnull=False)),
        )
        .order_by("arm")
    )
    return {
        row["arm"]: ArmOutcome(
            impressions=row["shown"], clicks=row["clicked"], carts=row["carted"], purchases=row["bought"]
        )
        for row in rows
    }
