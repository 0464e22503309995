import re
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shop.models import CartLine, Interaction, Order, OrderLine, Product
from shop.services.stock import variant_stock_set
from tests.factories import ProductFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db

ADDRESS = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "address_line1": "12 Analytical Street",
    "address_line2": "",
    "city": "London",
    "postal_code": "NW1 2AB",
    "country": "GB",
    "phone": "+44 20 7946 0000",
    "payment_method": "manual",
}


@pytest.fixture
def shopper(client):
    user = UserFactory(username="ada", email="ada@example.com", first_name="Ada")
    client.force_login(user)
    return user


def form_values(client) -> dict:
    """What the checkout page puts in its hidden fields."""
    page = client.get(reverse("shop:checkout")).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', page).group(1)
    return {**ADDRESS, "idempotency_key": key, "signature": signature}


def fill_cart(client, *products_and_quantities, size=""):
    for product, quantity in products_and_quantities:
        data = {"quantity": quantity} | ({"variant": variant_of(product, size).pk} if size else {})
        client.post(reverse("shop:cart-add", args=[product.pk]), data)


def test_checkout_places_a_whole_order_and_shows_it(client, shopper, django_capture_on_commit_callbacks):
    stove = ProductFactory(title="Camping Stove", price=Decimal("42.50"), stock=5)
    mug = ProductFactory(title="Enamel Mug", price=Decimal("8.00"), stock=10)
    fill_cart(client, (stove, 2), (mug, 3))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop:checkout"), form_values(client))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{order.get_absolute_url()}?placed=1"
    assert re.fullmatch(r"NW-[A-Z2-9]{4}-[A-Z2-9]{4}", order.number)
    assert order.total == Decimal("109.00") and order.status == "placed" and order.city == "London"
    assert [(line.title, line.unit_price, line.quantity) for line in order.lines.order_by("title")] == [
        ("Camping Stove", Decimal("42.50"), 2),
        ("Enamel Mug", Decimal("8.00"), 3),
    ]
    assert list(order.history.values_list("to_status", flat=True)) == ["placed"]
    stove.refresh_from_db(), mug.refresh_from_db()
    assert (stove.stock, mug.stock) == (3, 7)
    assert not CartLine.objects.exists()
    assert Interaction.objects.filter(user=shopper, kind="purchase").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "Thank you! Your order is placed." in page and order.number in page and "$109.00" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"] and order.number in mail.outbox[0].subject
    assert "2 × Camping Stove" in mail.outbox[0].body and "Total: $109.00" in mail.outbox[0].body


def test_prices_are_copied_so_later_catalog_changes_leave_the_order_alone(client, shopper):
    product = ProductFactory(price=Decimal("30.00"), title="Old Name")
    fill_cart(client, (product, 1))
    client.post(reverse("shop:checkout"), form_values(client))
    Product.objects.filter(pk=product.pk).update(price=Decimal("99.00"), title="New Name")
    line = OrderLine.objects.get()
    assert (line.unit_price, line.title) == (Decimal("30.00"), "Old Name")


def test_a_double_submitted_checkout_makes_one_order_and_both_responses_show_it(client, shopper):
    product = ProductFactory(sizes={"M": 5, "L": 4})
    fill_cart(client, (product, 2), size="M")
    values = form_values(client)
    first = client.post(reverse("shop:checkout"), values)
    second = client.post(reverse("shop:checkout"), values)
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == f"{Order.objects.get().get_absolute_url()}?placed=1"
    product.refresh_from_db()
    assert (variant_of(product, "M").stock, variant_of(product, "L").stock, product.stock) == (3, 4, 7)


def test_a_price_changed_since_the_cart_is_shown_and_must_be_confirmed_again(client, shopper):
    product = ProductFactory(title="Tent", price=Decimal("100.00"), stock=5)
    fill_cart(client, (product, 1))
    values = form_values(client)
    Product.objects.filter(pk=product.pk).update(price=Decimal("120.00"))
    response = client.post(reverse("shop:checkout"), values)
    page = response.content.decode()
    assert response.status_code == 409 and not Order.objects.exists()
    assert "Tent: now $120.00, was $100.00." in page and "Confirm and place order" in page and "$120.00" in page
    confirmed = {**values, **{k: v for k, v in form_values(client).items() if k in ("idempotency_key", "signature")}}
    response = client.post(reverse("shop:checkout"), confirmed)
    assert response.status_code == 302
    assert Order.objects.get().total == Decimal("120.00")


def test_stock_gone_between_cart_and_checkout_is_explained_and_nothing_is_written(client, shopper):
    plenty = ProductFactory(title="Plenty", stock=10)
    scarce = ProductFactory(title="Scarce Lantern", stock=5)
    fill_cart(client, (plenty, 2), (scarce, 4))
    values = form_values(client)
    variant_stock_set(variant=variant_of(scarce), stock=1)
    response = client.post(reverse("shop:checkout"), values)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Scarce Lantern: only 1 left, you asked for 4." in page and "updated your cart" in page
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    plenty.refresh_from_db()
    assert plenty.stock == 10, "the first line's stock was not taken: all or nothing"
    assert CartLine.objects.get(product=scarce).quantity == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "Narnia", "Choose a country from the list."),
        ("full_name", "", "This field is required."),
        ("postal_code", "<script>", "Enter a valid postal code."),
        ("phone", "call me", "Enter a phone number"),
        ("payment_method", "bitcoin", "Select a valid choice."),
        ("address_line1", "x" * 500, "at most 200 characters"),
    ],
)
def test_bad_checkout_fields_are_refused_with_a_message(client, shopper, field, value, message):
    product = ProductFactory(stock=5)
    fill_cart(client, (product, 1))
    response = client.post(reverse("shop:checkout"), {**form_values(client), field: value})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Order.objects.exists()


def test_a_tampered_idempotency_key_is_a_clear_error(client, shopper):
    fill_cart(client, (ProductFactory(), 1))
    response = client.post(reverse("shop:checkout"), {**form_values(client), "idempotency_key": "nope"})
    assert response.status_code == 400 and "reload the page" in response.content.decode()


def test_checkout_needs_a_cart(client):
    response = client.get(reverse("shop:checkout"), follow=True)
    assert "Your cart is empty" in response.content.decode()
    client.force_login(UserFactory())
    response = client.get(reverse("shop:checkout"), follow=True)
    assert "Your cart is empty" in response.content.decode()
    response = client.post(
        reverse("shop:checkout"), {**ADDRESS, "idempotency_key": str(uuid.uuid4()), "signature": "x"}, follow=True
    )
    assert "Your cart is empty" in response.content.decode() and not Order.objects.exists()


def test_shoppers_see_their_orders_and_nobody_elses(client, shopper):
    fill_cart(client, (ProductFactory(title="Mine"), 1))
    client.post(reverse("shop:checkout"), form_values(client))
    mine = Order.objects.get()
    other_client = client.__class__()
    other_client.force_login(UserFactory(username="eve"))
    fill_cart(other_client, (ProductFactory(title="Hers"), 1))
    other_client.post(reverse("shop:checkout"), form_values(other_client))
    theirs = Order.objects.exclude(pk=mine.pk).get()
    history = client.get(reverse("shop:orders")).content.decode()
    assert mine.number in history and theirs.number not in history
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(mine.get_absolute_url()).status_code == 200


def test_the_checkout_form_is_prefilled_from_the_last_order(client, shopper):
    fill_cart(client, (ProductFactory(), 1))
    client.post(reverse("shop:checkout"), form_values(client))
    fill_cart(client, (ProductFactory(), 1))
    page = client.get(reverse("shop:checkout")).content.decode()
    assert 'value="12 Analytical Street"' in page
