"""Deterministic product specs for the demo catalog: product i of seed S is always the same."""

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify

from shop.demo.catalog_spec import ADJECTIVES, DEPARTMENTS, Department, Leaf, leaf_size_run, leaves_iter

TIERS = ("budget", "mid", "premium")
TIER_SENTENCES = {
    "budget": "A dependable choice that keeps the price down.",
    "mid": "A balanced pick of quality and price, with a one-year warranty.",
    "premium": "Built from premium components and backed by a two-year warranty.",
}
AGE_SENTENCES = {
    "kids": "Sized and made for children.",
    "baby": "Gentle and safe for babies.",
    "teen": "Popular with teenagers.",
    "all": "Suitable for all ages.",
    "adult": "",
}


@dataclass(frozen=True)
class ProductSpec:
    """What seeding writes for one product, plus the hidden facts the shopper simulation uses."""

    sku: str
    title: str
    description: str
    leaf_key: str
    brand: str
    tier: str
    price: Decimal
    stock: int
    colour: str
    material: str
    size: str
    age_group: str
    shape: str
    days_old: float
    appeal: float
    """Hidden quality/popularity of the product: shoppers see it only through its sales."""

    @property
    def slug(self) -> str:
        return f"{slugify(self.title)[:190]}-{self.sku.lower()}"


def brand_tier(*, brand: str, brands: tuple[str, ...]) -> str:
    return TIERS[brands.index(brand) % len(TIERS)]


def leaf_key(*, department: str, group: str, leaf: str) -> str:
    return "/".join(slugify(part) for part in (department, group, leaf) if part)


def price_draw(*, rng: random.Random, low: float, high: float, tier: str) -> Decimal:
    """Log-uniform inside the tier's third of the leaf's range, ending in .99 or .49 as shops price."""
    third = TIERS.index(tier)
    log_low, log_high = math.log(low), math.log(high)
    span = (log_high - log_low) / 3
    value = math.exp(rng.uniform(log_low + third * span, log_low + (third + 1) * span))
    whole = max(1, int(value))
    return Decimal(whole) + (Decimal("0.99") if rng.random() < 0.8 else Decimal("0.49"))


def product_spec_build(*, seed: int, index: int, leaves: list[tuple[Department, str, Leaf]]) -> ProductSpec:
    rng = random.Random(f"{seed}:product:{index}")
    department, group, leaf = leaves[rng.randrange(len(leaves))]
    brand = rng.choice(department.brands)
    tier = brand_tier(brand=brand, brands=department.brands)
    adjective = rng.choice(ADJECTIVES[tier])
    noun = rng.choice(leaf.nouns)
    colour = rng.choice(leaf.colours)
    material = rng.choice(leaf.materials)
    size = rng.choice(leaf.sizes) if leaf.sizes else ""
    # Clothing and shoes are sold in every size of their run (variants): the product's size is the range.
    if run := leaf_size_run(leaf=leaf):
        size = f"{run[0]}–{run[-1]}"
    age_group = rng.choice(leaf.age_groups)

    title = f"{brand} {adjective} {noun}"
    if size and (" " in size or size.endswith(("-inch", "-person")) or size in ("paperback", "hardcover")):
        title += f", {size}"
    if colour != "multicolour" or leaf.colours != ("multicolour",):
        title += f" – {colour.title()}"

    features = rng.sample(leaf.features, k=min(3, len(leaf.features)))
    uses = rng.sample(leaf.uses, k=min(2, len(leaf.uses)))
    sentences = [
        f"The {brand} {adjective} {noun} comes with {features[0]} and {features[1]}.",
        f"Made of {material} in {colour}" + (f", {'sizes' if run else 'size'} {size}" if size else "") + ".",
        f"It also offers {features[2]}." if len(features) > 2 else "",
        f"Great for {uses[0]}" + (f" and {uses[1]}." if len(uses) > 1 else "."),
        TIER_SENTENCES[tier],
        AGE_SENTENCES[age_group],
    ]
    stock = 0 if rng.random() < 0.05 else rng.randint(1, 150)
    return ProductSpec(
        sku=f"{department.code}-{index:06d}",
        title=title,
        description=" ".join(sentence for sentence in sentences if sentence),
        leaf_key=leaf_key(department=department.name, group=group, leaf=leaf.name),
        brand=brand,
        tier=tier,
        price=price_draw(rng=rng, low=leaf.price[0], high=leaf.price[1], tier=tier),
        stock=stock,
        colour=colour,
        material=material,
        size=size,
        age_group=age_group,
        shape=leaf.shape,
        days_old=rng.uniform(0, 400),
        appeal=rng.gauss(0.0, 1.0),
    )


def catalog_specs_build(*, seed: int, count: int) -> list[ProductSpec]:
    leaves = leaves_iter()
    return [product_spec_build(seed=seed, index=index, leaves=leaves) for index in range(count)]


def category_tree_spec() -> list[tuple[str, str, str | None]]:
    """(key, name, parent key) for every synthetic category, parents before children."""
    nodes: list[tuple[str, str, str | None]] = []
    for department in DEPARTMENTS:
        department_key = leaf_key(department=department.name, group="", leaf="")
        nodes.append((department_key, department.name, None))
        for group, leaves in department.groups.items():
            parent_key = department_key
            if group:
                parent_key = leaf_key(department=department.name, group=group, leaf="")
                nodes.append((parent_key, group, department_key))
            for leaf in leaves:
                nodes.append((leaf_key(department=department.name, group=group, leaf=leaf.name), leaf.name, parent_key))
    return nodes
