from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.models import Cart, CartLine, Interaction
from tests.factories import CartLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(client, product, quantity=1, **headers):
    return client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity}, **headers)


def test_a_visitor_adds_to_cart_and_sees_the_line_and_the_count(client):
    product = ProductFactory(title="Camping Stove", price=Decimal("42.50"), stock=10)
    response = add(client, product, 2)
    assert response.status_code == 302 and response["Location"] == reverse("shop:cart")
    page = client.get(reverse("shop:cart")).content.decode()
    assert "Camping Stove" in page and "$85.00" in page
    assert 'class="cart-badge">2<' in page
    assert (
        Interaction.objects.filter(product=product, kind="cart", quantity=2, user=None).exclude(session_key="").exists()
    )


def test_adding_with_htmx_returns_the_buy_box_and_the_new_header_count(client):
    product = ProductFactory(stock=10)
    response = add(client, product, 3, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="buy-box"' in body and "Added 3" in body
    assert 'id="cart-count" href="/cart/" hx-swap-oob="true"' in body and 'class="cart-badge">3<' in body


def test_quantities_are_bounded_by_stock_with_a_clear_message(client):
    product = ProductFactory(title="Rare Lamp", stock=3)
    add(client, product, 2)
    response = add(client, product, 5, follow=True)
    assert "Only 3 of Rare Lamp in stock: your cart holds 3." in response.content.decode()
    assert CartLine.objects.get(product=product).quantity == 3


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-2", "Choose at least 1."),
        ("0", "Choose at least 1."),
        ("100000000000", "at most 99"),
        ("two", "Enter a whole number."),
        ("", "Choose how many"),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(client, quantity, message):
    product = ProductFactory(stock=10)
    response = client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity}, follow=True)
    assert message in response.content.decode()
    assert not CartLine.objects.exists()


def test_unknown_or_hidden_products_are_404(client):
    assert client.post(reverse("shop:cart-add", args=[999999]), {"quantity": 1}).status_code == 404
    hidden = ProductFactory(is_active=False)
    assert add(client, hidden).status_code == 404


def test_an_out_of_stock_product_cannot_be_added(client):
    product = ProductFactory(title="Sold Out Thing", stock=0)
    response = add(client, product, 1, follow=True)
    assert "Sorry, Sold Out Thing is out of stock." in response.content.decode()
    assert not CartLine.objects.exists()


def test_change_quantity_and_remove_with_htmx_update_line_count_and_total(client):
    product = ProductFactory(price=Decimal("10.00"), stock=8)
    add(client, product, 1)
    line = CartLine.objects.get()
    response = client.post(reverse("shop:cart-line", args=[line.pk]), {"quantity": 4}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'id="line-{line.pk}"' in body and 'value="4"' in body
    assert 'class="cart-badge">4<' in body and "$40.00" in body
    response = client.post(reverse("shop:cart-line", args=[line.pk]), {"quantity": 20}, HTTP_HX_REQUEST="true")
    assert "only 8" in response.content.decode().lower() or "Only 8" in response.content.decode()
    assert CartLine.objects.get().quantity == 8
    response = client.post(reverse("shop:cart-line", args=[line.pk]), {"remove": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Removed" in body and 'class="cart-badge">0<' in body and "Your cart is empty" in body
    assert not CartLine.objects.exists()


def test_a_negative_quantity_on_a_line_is_refused(client):
    product = ProductFactory(stock=8)
    add(client, product, 2)
    line = CartLine.objects.get()
    response = client.post(reverse("shop:cart-line", args=[line.pk]), {"quantity": -1}, follow=True)
    assert "A quantity cannot be negative." in response.content.decode()
    assert CartLine.objects.get().quantity == 2


def test_someone_elses_cart_line_is_404(client):
    product = ProductFactory()
    other = Client()
    add(other, product)
    line = CartLine.objects.get()
    add(client, ProductFactory())
    assert client.post(reverse("shop:cart-line", args=[line.pk]), {"quantity": 5}).status_code == 404
    assert CartLine.objects.get(pk=line.pk).quantity == 1


def test_a_visitors_cart_merges_into_the_account_at_login(client):
    shopper = UserFactory(username="merger")
    kept = ProductFactory(title="Already There", stock=5)
    CartLineFactory(cart__user=shopper, product=kept, quantity=2)
    added = ProductFactory(title="Added Anonymously", stock=5)
    add(client, added, 1)
    add(client, kept, 4)
    response = client.post(reverse("login"), {"username": "merger", "password": "a-good-password-1"})
    assert response.status_code == 302
    cart = Cart.objects.get(user=shopper)
    assert {line.product.title: line.quantity for line in cart.lines.all()} == {
        "Already There": 5,
        "Added Anonymously": 1,
    }
    assert Cart.objects.count() == 1


def test_posting_without_a_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    product = ProductFactory()
    assert add(client, product).status_code == 403
    assert not CartLine.objects.exists()


def test_the_cart_shows_a_changed_price(client):
    product = ProductFactory(price=Decimal("20.00"), stock=5)
    add(client, product, 1)
    product.price = Decimal("25.00")
    product.save()
    page = client.get(reverse("shop:cart")).content.decode()
    assert "Price changed: was $20.00, now $25.00." in page


def test_an_empty_cart_says_so(client):
    page = client.get(reverse("shop:cart")).content.decode()
    assert "Nothing in your cart yet" in page and 'class="cart-badge">0<' in page
