"""Sizes as a shopper meets them: the picker, the cart, the order, the API, and stock kept per size."""

import importlib
import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse

from shop.models import CartLine, Order, Product, ProductVariant
from shop.selectors import product_list
from shop.services.orders import OutOfStock, cart_signature, order_place, order_status_change
from shop.services.stock import variant_stock_set
from tests.factories import CHECKOUT_ADDRESS, CartFactory, CartLineFactory, ProductFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db


def dress(**kwargs) -> Product:
    return ProductFactory(
        title="Wrap Dress – Navy", price=Decimal("60.00"), sizes={"XS": 2, "S": 0, "M": 1, "L": 4}, **kwargs
    )


def add(client, product, variant=None, quantity=1, **headers):
    data = {"quantity": quantity} | ({"variant": variant.pk} if variant else {})
    return client.post(reverse("shop:cart-add", args=[product.pk]), data, **headers)


def test_the_product_page_offers_every_size_and_disables_the_sold_out_ones(client):
    product = dress()
    page = client.get(product.get_absolute_url()).content.decode()
    picker = re.search(r'<fieldset class="size-picker">.*?</fieldset>', page, re.S).group(0)
    assert "<legend>Size</legend>" in picker
    options = re.findall(r'<input type="radio" name="variant" value="(\d+)" required( disabled)?>', picker)
    labels = re.findall(r'<span class="size-label">([^<]+)</span>', picker)
    assert labels == ["XS", "S", "M", "L"], "every size, smallest first, sold-out ones included"
    disabled = {label for label, (_, off) in zip(labels, options) if off}
    assert disabled == {"S"}
    assert "sold out" in picker and "only 1 left" in picker


def test_a_product_sold_in_one_version_has_no_picker_and_adds_without_a_choice(client):
    product = ProductFactory(title="Enamel Mug", stock=5)
    assert "size-picker" not in client.get(product.get_absolute_url()).content.decode()
    assert add(client, product).status_code == 302
    assert CartLine.objects.get().variant == variant_of(product)


def test_pick_a_size_and_the_cart_checkout_order_and_receipt_show_it(client, django_capture_on_commit_callbacks):
    product = dress()
    client.force_login(UserFactory(username="sized", email="sized@example.com"))
    response = add(client, product, variant_of(product, "M"), follow=True)
    assert "Added 1 × Wrap Dress – Navy (size M) to your cart." in response.content.decode()
    cart_page = client.get(reverse("shop:cart")).content.decode()
    assert "Size: M" in cart_page
    checkout = client.get(reverse("shop:checkout")).content.decode()
    assert "1 × Wrap Dress – Navy (size M)" in checkout
    key = re.search(r'name="idempotency_key" value="([^"]+)"', checkout).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', checkout).group(1)
    values = {**CHECKOUT_ADDRESS, "payment_method": "manual", "idempotency_key": key, "signature": signature}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop:checkout"), values)
    assert response.status_code == 302
    line = Order.objects.get().lines.get()
    assert (line.size, line.sku, line.variant.size) == ("M", f"{product.sku}-M", "M")
    assert "Size: M" in client.get(response["Location"]).content.decode()
    assert "1 × Wrap Dress – Navy, size M (SKU" in mail.outbox[0].body
    product.refresh_from_db()
    assert variant_of(product, "M").stock == 0 and variant_of(product, "L").stock == 4 and product.stock == 6


def test_a_sold_out_size_cannot_be_added_and_says_so(client):
    product = dress()
    response = add(client, product, variant_of(product, "S"), follow=True)
    assert "Sorry, Wrap Dress – Navy (size S) is out of stock." in response.content.decode()
    assert not CartLine.objects.exists()


def test_adding_a_product_with_several_sizes_without_choosing_one_asks_for_a_size(client):
    product = dress()
    response = add(client, product, follow=True)
    assert "Please choose a size." in response.content.decode()
    response = add(client, product, HTTP_HX_REQUEST="true")
    assert "Please choose a size." in response.content.decode() and 'class="size-picker"' in response.content.decode()
    assert not CartLine.objects.exists()


def test_a_size_of_another_product_or_a_made_up_one_is_refused(client):
    product, other = dress(), ProductFactory(sizes={"42": 3})
    for variant_id in (variant_of(other, "42").pk, 999_999_999, "large"):
        response = client.post(reverse("shop:cart-add", args=[product.pk]), {"variant": variant_id}, follow=True)
        body = response.content.decode()
        assert "That size is not sold for Wrap Dress – Navy." in body or "Choose a size from the list." in body
    assert not CartLine.objects.exists()


def test_two_sizes_of_one_product_are_two_cart_lines_each_within_its_own_stock(client):
    product = dress()
    add(client, product, variant_of(product, "XS"), quantity=5)
    add(client, product, variant_of(product, "L"), quantity=1)
    assert sorted(CartLine.objects.values_list("variant__size", "quantity")) == [("L", 1), ("XS", 2)]


def test_in_stock_means_some_size_is_and_the_total_follows_every_change():
    product = dress()
    assert product.stock == 7 and product.in_stock
    in_stock = product_list(filters={"in_stock": True})
    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, product=product, size="L", quantity=4)
    order = _buy(buyer, cart)
    for size in ("XS", "M"):
        variant_stock_set(variant=variant_of(product, size), stock=0)
    product.refresh_from_db()
    assert product.stock == 0 and not in_stock.filter(pk=product.pk).exists()
    order_status_change(order=order, to_status="cancelled", by=None)
    product.refresh_from_db()
    assert product.stock == 4 and variant_of(product, "L").stock == 4 and in_stock.filter(pk=product.pk).exists()


def _buy(user, cart, key=None):
    return order_place(
        user=user,
        cart=cart,
        address=CHECKOUT_ADDRESS,
        payment_method="manual",
        idempotency_key=key or uuid.uuid4(),
        signature=cart_signature(lines=list(cart.lines.select_related("product"))),
    ).order


def test_a_resubmitted_checkout_of_a_size_takes_its_stock_once():
    product = dress()
    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, product=product, size="L", quantity=3)
    key = uuid.uuid4()
    signature = cart_signature(lines=list(cart.lines.select_related("product")))
    orders = [
        order_place(
            user=buyer,
            cart=cart,
            address=CHECKOUT_ADDRESS,
            payment_method="manual",
            idempotency_key=key,
            signature=signature,
        )
        for _ in range(2)
    ]
    assert [result.created for result in orders] == [True, False] and orders[0].order == orders[1].order
    assert variant_of(product, "L").stock == 1 and Product.objects.get(pk=product.pk).stock == 4


@pytest.mark.django_db(transaction=True)
def test_two_shoppers_race_for_the_last_of_one_size_and_the_other_size_is_unaffected():
    """Real threads with their own connections: two want the last M, a third buys an L at the same time."""
    product = ProductFactory(title="Chelsea Boots", sizes={"M": 1, "L": 5})
    shoppers = [UserFactory(username=f"sizeracer{n}") for n in range(3)]
    carts = []
    for user, size in zip(shoppers, ("M", "M", "L")):
        cart = CartFactory(user=user)
        CartLineFactory(cart=cart, product=product, size=size)
        carts.append(cart)
    start = threading.Barrier(len(shoppers))
    outcomes: dict[str, str] = {}

    def race(user, cart):
        try:
            start.wait()
            _buy(user, cart)
            outcomes[user.username] = "order"
        except OutOfStock as error:
            outcomes[user.username] = error.problems[0]
        except Exception as error:  # a deadlock or constraint error lands here and fails the test
            outcomes[user.username] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=pair) for pair in zip(shoppers, carts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes["sizeracer2"] == "order", "the L buyer never waits on, nor loses to, the M race"
    m_outcomes = sorted((outcomes["sizeracer0"], outcomes["sizeracer1"]))
    assert m_outcomes == ["Chelsea Boots (size M): only 0 left, you asked for 1.", "order"]
    assert (variant_of(product, "M").stock, variant_of(product, "L").stock) == (0, 4)
    assert Product.objects.get(pk=product.pk).stock == 4
    assert sorted(Order.objects.values_list("lines__size", flat=True)) == ["L", "M"]


@pytest.fixture
def api(client):
    client.force_login(UserFactory(username="apisizes"))
    return client


def test_the_product_api_lists_sizes_with_their_stock(api):
    product = dress()
    body = api.get(f"/api/products/{product.pk}/").json()
    assert body["in_stock"] is True and body["stock"] == 7
    assert [(v["size"], v["stock"], v["in_stock"], v["sku"]) for v in body["variants"]] == [
        ("XS", 2, True, f"{product.sku}-XS"),
        ("S", 0, False, f"{product.sku}-S"),
        ("M", 1, True, f"{product.sku}-M"),
        ("L", 4, True, f"{product.sku}-L"),
    ]


def test_the_cart_api_takes_a_size_and_asks_for_one_when_it_is_missing(api):
    product = dress()
    missing = api.post("/api/cart/lines/", {"product": product.pk}, content_type="application/json")
    assert missing.status_code == 400 and missing.json() == {"variant": ["Please choose a size."]}
    sold_out = api.post("/api/cart/lines/", {"variant": variant_of(product, "S").pk}, content_type="application/json")
    assert sold_out.status_code == 409 and "out of stock" in sold_out.json()["message"]
    other = ProductFactory()
    mixed = api.post(
        "/api/cart/lines/",
        {"product": other.pk, "variant": variant_of(product, "L").pk},
        content_type="application/json",
    )
    assert mixed.status_code == 400 and "variant" in mixed.json()
    added = api.post(
        "/api/cart/lines/", {"variant": variant_of(product, "L").pk, "quantity": 2}, content_type="application/json"
    )
    assert added.status_code == 201
    (line,) = added.json()["cart"]["lines"]
    assert (line["variant"]["size"], line["quantity"], line["product"]["id"]) == ("L", 2, product.pk)
    single = ProductFactory(stock=3)
    assert api.post("/api/cart/lines/", {"product": single.pk}, content_type="application/json").status_code == 201, (
        "a product sold in one version needs no size"
    )


def test_staff_edit_sizes_inline_and_the_list_shows_the_total(client):
    product = dress()
    client.force_login(UserFactory(username="sizeboss", is_staff=True, is_superuser=True))
    url = reverse("admin:shop_product_change", args=[product.pk])
    page = client.get(url).content.decode()
    assert "variants-TOTAL_FORMS" in page
    variants = list(product.variants.order_by("position"))
    data = {
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "category": product.category_id,
        "brand": product.brand,
        "description": product.description,
        "is_active": "on",
        "price": "60.00",
        "colour": product.colour,
        "material": "",
        "size": "XS–L",
        "age_group": "all",
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        "variants-TOTAL_FORMS": str(len(variants) + 1),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for n, variant in enumerate(variants):
        data |= {
            f"variants-{n}-id": variant.pk,
            f"variants-{n}-product": product.pk,
            f"variants-{n}-position": variant.position,
            f"variants-{n}-size": variant.size,
            f"variants-{n}-colour": "",
            f"variants-{n}-sku": variant.sku,
            f"variants-{n}-stock": 9 if variant.size == "S" else variant.stock,
        }
    n = len(variants)
    data |= {
        f"variants-{n}-product": product.pk,
        f"variants-{n}-position": n,
        f"variants-{n}-size": "XL",
        f"variants-{n}-colour": "",
        f"variants-{n}-sku": f"{product.sku}-XL",
        f"variants-{n}-stock": 3,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert variant_of(product, "S").stock == 9 and variant_of(product, "XL").stock == 3
    assert product.stock == 2 + 9 + 1 + 4 + 3
    listing = client.get(reverse("admin:shop_product_changelist"), {"q": product.sku}).content.decode()
    assert re.search(rf'<td class="field-stock">{product.stock}</td>', listing)


def test_existing_products_migrate_to_one_default_variant_with_their_sku_and_stock():
    migration = importlib.import_module("shop.migrations.0007_product_variants_default")
    product = ProductFactory(sku="OLD-000001", stock=17, size="44")
    product.variants.all().delete()
    migration.default_variants_create(apps, connection.schema_editor())
    (variant,) = ProductVariant.objects.filter(product=product)
    assert (variant.sku, variant.stock, variant.size) == ("OLD-000001", 17, "")
