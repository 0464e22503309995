"""Checkout when the payment fails, with no product row locked while a provider answers, and the
reservations that pay on delivery holds: capped per shopper, and expiring."""

import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shop.models import Cart, CartLine, Interaction, Order
from shop.payments import PaymentFailed, PaymentResult
from shop.services.orders import cart_signature, order_place, order_status_change
from shop.tasks import orders_unpaid_expire_task
from tests.factories import CHECKOUT_ADDRESS, CartFactory, CartLineFactory, ProductFactory, UserFactory
from tests.shop.test_checkout import fill_cart, form_values
from tests.shop.test_orders import buy


class DecliningCard:
    code = "declining"
    label = "Card (declines)"
    description = "A card the bank refuses."
    deferred = False

    def charge(self, *, order, idempotency_key) -> PaymentResult:
        raise PaymentFailed("your bank declined the card")


class BrokenCard:
    code = "broken"
    label = "Card (provider down)"
    description = "A provider that fails."
    deferred = False

    def charge(self, *, order, idempotency_key) -> PaymentResult:
        raise ConnectionError("provider.example: connection reset")


class LockProbingCard:
    """Pays at once; while charging, checks from another database connection that no product row is locked."""

    code = "probing"
    label = "Card (probing)"
    description = "Records what it saw."
    deferred = False
    seen: list = []

    def charge(self, *, order, idempotency_key) -> PaymentResult:
        product_ids = list(order.lines.values_list("product_id", flat=True))
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT id FROM shop_product WHERE id = ANY(%s) FOR UPDATE NOWAIT", [product_ids])
                locked_elsewhere = False
        except Exception as error:  # psycopg's LockNotAvailable, wrapped by Django
            locked_elsewhere = repr(error)
        finally:
            other.close()
        self.seen.append({"idempotency_key": idempotency_key, "locked": locked_elsewhere})
        return PaymentResult(paid=True, reference=f"ch-{order.number}")


METHODS = [
    "shop.payments.ManualPayment",
    f"{__name__}.DecliningCard",
    f"{__name__}.BrokenCard",
    f"{__name__}.LockProbingCard",
]


@pytest.fixture(autouse=True)
def cards(settings):
    settings.PAYMENT_METHODS = METHODS


@pytest.fixture
def shopper(client):
    user = UserFactory(username="ada", email="ada@example.com")
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "reason"),
    [("declining", "your bank declined the card"), ("broken", "the payment service did not answer")],
)
def test_a_failed_payment_is_explained_on_the_checkout_page_and_leaves_stock_and_cart_as_they_were(
    client, shopper, django_capture_on_commit_callbacks, method, reason
):
    stove = ProductFactory(title="Camping Stove", price=Decimal("42.50"), stock=5)
    mug = ProductFactory(title="Enamel Mug", price=Decimal("8.00"), stock=10)
    fill_cart(client, (stove, 2), (mug, 3))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop:checkout"), {**form_values(client), "payment_method": method})

    page = response.content.decode()
    assert response.status_code == 402
    assert f"Your payment did not go through ({reason}), so your order was not placed." in page
    assert "Your cart is as it was" in page and "Confirm and place order" in page
    stove.refresh_from_db(), mug.refresh_from_db()
    assert (stove.stock, mug.stock) == (5, 10)
    assert sorted(CartLine.objects.filter(cart__user=shopper).values_list("product__title", "quantity")) == [
        ("Camping Stove", 2),
        ("Enamel Mug", 3),
    ]
    assert not Order.objects.exclude(status="cancelled").exists()
    assert Order.objects.get().history.last().note == f"Payment failed: {reason}"
    assert not Interaction.objects.filter(user=shopper, kind="purchase").exists()
    assert mail.outbox == []

    again = client.post(reverse("shop:checkout"), {**form_values(client), "payment_method": "manual"})
    assert again.status_code == 302 and Order.objects.filter(status="placed").count() == 1
    stove.refresh_from_db()
    assert stove.stock == 3


@pytest.mark.django_db
def test_a_failed_payment_through_the_api_is_a_402_problem_and_the_cart_stays():
    api = APIClient()
    api.force_authenticate(UserFactory(username="apibuyer"))
    product = ProductFactory(stock=4)
    api.post("/api/cart/lines/", {"product": product.pk, "quantity": 2}, format="json")
    signature = api.get("/api/cart/").json()["signature"]
    response = api.post(
        "/api/orders/",
        {
            **CHECKOUT_ADDRESS,
            "payment_method": "declining",
            "idempotency_key": str(uuid.uuid4()),
            "signature": signature,
        },
        format="json",
    )
    assert response.status_code == 402
    assert response.json()["problems"] == [
        "Your payment did not go through (your bank declined the card), so your order was not placed. "
        "Your cart is as it was: try again, or choose another payment method."
    ]
    assert api.get(f"/api/orders/{response.json()['order']}/").json()["status"] == "cancelled"
    assert api.get("/api/cart/").json()["item_count"] == 2
    product.refresh_from_db()
    assert product.stock == 4


@pytest.mark.django_db(transaction=True)
def test_the_payment_provider_is_called_with_the_order_key_and_no_product_row_locked():
    LockProbingCard.seen.clear()
    user = UserFactory()
    first, second = ProductFactory(stock=3), ProductFactory(stock=3)
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, product=first, quantity=1)
    CartLineFactory(cart=cart, product=second, quantity=2)
    key = uuid.uuid4()
    result = order_place(
        user=user,
        cart=cart,
        address=CHECKOUT_ADDRESS,
        payment_method="probing",
        idempotency_key=key,
        signature=cart_signature(lines=list(cart.lines.select_related("product"))),
    )
    assert LockProbingCard.seen == [{"idempotency_key": key, "locked": False}]
    assert result.order.status == "paid" and result.order.payment_reference == f"ch-{result.order.number}"
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.stock, second.stock) == (2, 1)
    assert not CartLine.objects.filter(cart=cart).exists()


def _buy_on_delivery(*, user, product, quantity: int = 1):
    cart, _ = Cart.objects.get_or_create(user=user)
    cart.lines.all().delete()
    CartLineFactory(cart=cart, product=product, quantity=quantity)
    return buy(user, cart)


@pytest.mark.django_db
def test_a_shopper_may_hold_only_so_many_orders_unpaid_until_delivery(client, shopper):
    assert settings.CHECKOUT_MAX_UNPAID_ORDERS == 3
    product = ProductFactory(title="Lantern", stock=10)
    for _ in range(3):
        _buy_on_delivery(user=shopper, product=product)
    fill_cart(client, (product, 1))
    response = client.post(reverse("shop:checkout"), form_values(client))
    page = response.content.decode()
    assert response.status_code == 409
    assert "You already have 3 orders waiting to be paid on delivery" in page
    assert Order.objects.filter(user=shopper).count() == 3
    product.refresh_from_db()
    assert product.stock == 7 and CartLine.objects.filter(cart__user=shopper).count() == 1

    staff = UserFactory(username="staffer", is_staff=True)
    order_status_change(order=Order.objects.filter(user=shopper).first(), to_status="paid", by=staff)
    response = client.post(reverse("shop:checkout"), form_values(client))
    assert response.status_code == 302, "once one is paid, the shopper may order on delivery again"
    assert Order.objects.filter(user=shopper, status="placed").count() == 3


@pytest.mark.django_db
def test_orders_unpaid_past_the_expiry_are_cancelled_and_their_stock_returned(settings):
    settings.CHECKOUT_UNPAID_EXPIRY_HOURS = 72
    product = ProductFactory(stock=10)
    old = _buy_on_delivery(user=UserFactory(), product=product, quantity=3)
    recent = _buy_on_delivery(user=UserFactory(), product=product, quantity=2)
    paid = _buy_on_delivery(user=UserFactory(), product=product, quantity=1)
    Order.objects.filter(pk__in=[old.pk, paid.pk]).update(created_at=timezone.now() - timedelta(hours=73))
    Order.objects.filter(pk=paid.pk).update(status="shipped")
    product.refresh_from_db()
    assert product.stock == 4

    out = StringIO()
    call_command("expire_unpaid_orders", stdout=out)
    assert "1 unpaid order(s) older than 72 hours cancelled." in out.getvalue()
    old.refresh_from_db(), recent.refresh_from_db(), paid.refresh_from_db(), product.refresh_from_db()
    assert (old.status, recent.status, paid.status) == ("cancelled", "placed", "shipped")
    assert old.history.last().note == "Not paid within 72 hours"
    assert product.stock == 7
    assert orders_unpaid_expire_task() == 0, "the beat task is the same service, and a second pass finds nothing"
    assert settings.CELERY_BEAT_SCHEDULE["shop-unpaid-orders-expiry"]["task"] == orders_unpaid_expire_task.name
