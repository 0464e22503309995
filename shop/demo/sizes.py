"""Size runs for the demo's clothing and shoes: each such product becomes one variant per size.

A leaf of wearables sells in its own run (XS–XL, shoe sizes 38–45, trouser waists, kids' ages,
babies' months); women's clothing from the reviews data set in XS–XL. Stock is split unevenly:
middle sizes carry most, and a size or two is often sold out, as in a real shop. Every other
product has one default variant carrying its SKU and stock.
"""

import math
import random
from collections.abc import Callable, Iterable
from functools import cache

from django.db.models import Case, CharField, Value, When

from shop.demo.catalog import ProductSpec, leaf_key
from shop.demo.catalog_spec import CLOTHING_SIZES, WOMENS_CLOTHING, leaf_size_run, leaves_iter
from shop.models import Product, ProductVariant
from shop.services.stock import product_stock_refresh

SOLD_OUT_CHANCE = 0.25
BATCH = 2000

Progress = Callable[..., Iterable]


@cache
def _runs_by_leaf_key() -> dict[str, tuple[str, ...]]:
    runs = {
        leaf_key(department=department.name, group=group, leaf=leaf.name): leaf_size_run(leaf=leaf)
        for department, group, leaf in leaves_iter()
    }
    return {key: run for key, run in runs.items() if run}


def size_run(*, spec: ProductSpec) -> tuple[str, ...]:
    """The sizes a demo product is sold in, smallest first; empty for a product sold in one version."""
    if spec.leaf_key in _runs_by_leaf_key():
        return _runs_by_leaf_key()[spec.leaf_key]
    if spec.leaf_key.startswith(leaf_key(department=WOMENS_CLOTHING.name, group="", leaf="") + "/"):
        return CLOTHING_SIZES
    return ()


def size_range(*, sizes: tuple[str, ...]) -> str:
    """ "XS–XL": the product's size attribute, which search reads."""
    return f"{sizes[0]}–{sizes[-1]}" if len(sizes) > 1 else sizes[0]


def size_stock_split(*, total: int, sizes: tuple[str, ...], rng: random.Random) -> list[int]:
    """`total` units over the sizes, unevenly: a bell around the middle sizes, jittered, some sold out."""
    centre, spread = (len(sizes) - 1) / 2, max(1.0, len(sizes) / 3)
    weights = [math.exp(-(((i - centre) / spread) ** 2)) * rng.uniform(0.4, 1.6) for i in range(len(sizes))]
    for i in range(len(sizes)):
        if rng.random() < SOLD_OUT_CHANCE:
            weights[i] = 0.0
    if not any(weights):
        weights[len(sizes) // 2] = 1.0
    scale = total / sum(weights)
    units = [math.floor(weight * scale) for weight in weights]
    # Largest remainders take the units rounding left over, so the sizes add up to the product's stock.
    by_remainder = sorted(range(len(sizes)), key=lambda i: weights[i] * scale - units[i], reverse=True)
    for i in by_remainder[: total - sum(units)]:
        units[i] += 1
    return units


def variants_ensure(*, specs: list[ProductSpec], product_ids: dict[str, int], created_skus: set[str]) -> int:
    """Variants for the products seeded in this run: a size run with uneven stock for clothing and shoes,
    one default variant for the rest; the sized products' size attribute becomes their range. How many
    products were given sizes."""
    variants: list[ProductVariant] = []
    ranges: dict[int, str] = {}
    for spec in specs:
        if spec.sku not in created_skus:
            continue
        product_id = product_ids[spec.sku]
        sizes = size_run(spec=spec)
        if not sizes:
            variants.append(ProductVariant(product_id=product_id, sku=spec.sku, stock=spec.stock))
            continue
        ranges[product_id] = size_range(sizes=sizes)
        split = size_stock_split(total=spec.stock, sizes=sizes, rng=random.Random(f"sizes:{spec.sku}"))
        variants += [
            ProductVariant(product_id=product_id, sku=f"{spec.sku}-{size}", size=size, stock=units, position=position)
            for position, (size, units) in enumerate(zip(sizes, split))
        ]
    ProductVariant.objects.bulk_create(variants, batch_size=BATCH)
    sized = sorted(ranges)
    for start in range(0, len(sized), BATCH):
        chunk = sized[start : start + BATCH]
        Product.objects.filter(pk__in=chunk).update(
            size=Case(*(When(pk=pk, then=Value(ranges[pk])) for pk in chunk), output_field=CharField())
        )
        product_stock_refresh(product_ids=chunk)
    return len(sized)
