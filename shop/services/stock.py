"""Stock: the one writer of variants' stock and of the product totals kept beside it.

A product's `stock` is the sum of its variants' stock, stored on the product row so that every
product-level filter (listings, search facets, recommendations, admin) reads "in stock" without a
join. Every change goes through here and moves both rows in the same transaction.

Lock order, everywhere: the products' rows in id order, then the variants' rows in id order.
Checkouts, cancellations and admin edits that follow it queue instead of deadlocking; the
CHECK constraints stock >= 0 on both tables back it up.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from shop.models import Product, ProductVariant


def stock_lock(*, variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the variants' products, then the variants, each in id order; the variants by id, each with its
    locked product. Call inside a transaction."""
    ids = sorted(set(variant_ids))
    product_ids = sorted(set(ProductVariant.objects.filter(pk__in=ids).values_list("product_id", flat=True)))
    # NO KEY: the rows are updated, never their keys, so inserts that refer to them (events, cart lines) need not wait.
    products = {
        product.pk: product
        for product in Product.objects.select_for_update(no_key=True).filter(pk__in=product_ids).order_by("pk")
    }
    variants = {
        variant.pk: variant
        for variant in ProductVariant.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    }
    for variant in variants.values():
        variant.product = products[variant.product_id]
    return variants


def stock_adjust(*, changes: dict[int, int]) -> None:
    """Add units to variants (negative: take them), and the same to their products' totals, under the locks.

    Deltas, not absolute values: an update re-reads the row it waited for, so concurrent changes add up.
    """
    with transaction.atomic():
        variants = stock_lock(variant_ids=changes)
        per_product: dict[int, int] = defaultdict(int)
        for variant_id in sorted(changes):
            ProductVariant.objects.filter(pk=variant_id).update(stock=F("stock") + changes[variant_id])
            per_product[variants[variant_id].product_id] += changes[variant_id]
        for product_id in sorted(per_product):
            Product.objects.filter(pk=product_id).update(stock=F("stock") + per_product[product_id])


def variant_stock_set(*, variant: ProductVariant, stock: int) -> None:
    """Set a variant's stock to a count (a restock, a stock take), keeping its product's total."""
    with transaction.atomic():
        locked = stock_lock(variant_ids=[variant.pk])[variant.pk]
        stock_adjust(changes={variant.pk: stock - locked.stock})
    variant.stock = stock


def product_stock_refresh(*, product_ids: Iterable[int]) -> None:
    """Recount products' totals from their variants, after variant rows were written in bulk (admin, seeding)."""
    ids = sorted(set(product_ids))
    with transaction.atomic():
        list(Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
        units = (
            ProductVariant.objects.filter(product_id=OuterRef("pk"))
            .values("product_id")
            .annotate(units=Sum("stock"))
            .values("units")[:1]
        )
        Product.objects.filter(pk__in=ids).update(stock=Coalesce(Subquery(units), 0))
