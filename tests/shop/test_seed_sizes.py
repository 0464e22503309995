"""The demo's clothing and shoes come in size runs with uneven stock; everything else in one version."""

import random

import pytest
from django.db.models import Count, OuterRef, Subquery, Sum

from shop.demo.catalog import catalog_specs_build
from shop.demo.catalog_spec import CLOTHING_SIZES, KIDS_SIZES, SHOE_SIZES
from shop.demo.sizes import size_run, size_stock_split
from shop.models import Product, ProductVariant


def test_a_size_split_adds_up_to_the_stock_and_is_uneven():
    rng = random.Random(3)
    splits = [size_stock_split(total=total, sizes=CLOTHING_SIZES, rng=rng) for total in range(0, 150, 7)]
    assert all(sum(split) == total for split, total in zip(splits, range(0, 150, 7)))
    assert all(len(split) == len(CLOTHING_SIZES) for split in splits), "every size is offered, sold out or not"
    stocked = [split for split in splits if sum(split) >= 40]
    assert all(max(split) > 2 * min(split) for split in stocked)
    assert any(0 in split for split in stocked), "some sizes sell out while others are stocked"


def test_runs_fit_the_category():
    runs = {}
    for spec in catalog_specs_build(seed=7, count=600):
        runs.setdefault(spec.leaf_key.rsplit("/", 1)[-1], size_run(spec=spec))
    assert runs["sneakers"] == runs["boots"] == SHOE_SIZES
    assert runs["t-shirts"] == runs["jackets"] == CLOTHING_SIZES
    assert runs["kids-clothing"] == KIDS_SIZES
    assert runs["balls"] == runs["headphones"] == (), "a ball's size is the product, headphones have none"


@pytest.mark.django_db
def test_the_seeded_shop_sells_clothing_and_shoes_by_size(demo_catalog):
    sized = Product.objects.annotate(n=Count("variants")).filter(n__gt=1)
    single = Product.objects.annotate(n=Count("variants")).filter(n=1)
    assert sized.filter(category__path__startswith="womens-clothing/").count() >= 300
    assert sized.filter(category__slug__in=["sneakers", "boots"]).exists()
    assert not sized.filter(category__slug__in=["headphones", "balls"]).exists()
    assert not Product.objects.annotate(n=Count("variants")).filter(n=0).exists()
    dress = sized.filter(category__path__startswith="womens-clothing/").order_by("pk").first()
    assert list(dress.variants.values_list("size", flat=True)) == list(CLOTHING_SIZES) and dress.size == "XS–XL"
    assert single.exclude(variants__size="").count() == 0, "a one-version product's variant has no size"
    units = ProductVariant.objects.filter(product=OuterRef("pk")).values("product").annotate(u=Sum("stock"))
    assert not Product.objects.exclude(stock=Subquery(units.values("u"))).exists(), "totals are the sizes' sums"
    partly = sized.filter(stock__gt=0, variants__stock=0).distinct().count()
    assert partly >= 0.2 * sized.filter(stock__gt=0).count(), "many in-stock products have a size sold out"
    synthetic = sized.exclude(category__path__startswith="womens-clothing/").order_by("pk").first()
    assert f"sizes {synthetic.size}" in synthetic.description
