import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from shop.models import Cart, Order, OrderStatusChange, Product
from shop.services.orders import OutOfStock, TransitionNotAllowed, cart_signature, order_place, order_status_change
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory, variant_of

ADDRESS = {
    "email": "a@example.com",
    "full_name": "A B",
    "address_line1": "1 Road",
    "city": "Town",
    "postal_code": "12345",
    "country": "Nowhere",
}


def buy(user, cart):
    """Check out the cart as it stands, confirming the prices it shows."""
    return order_place(
        user=user,
        cart=cart,
        address=ADDRESS,
        payment_method="manual",
        idempotency_key=uuid.uuid4(),
        signature=cart_signature(lines=list(cart.lines.select_related("product"))),
    ).order


def place(user, product, quantity):
    cart, _ = Cart.objects.get_or_create(user=user)
    cart.lines.all().delete()
    CartLineFactory(cart=cart, product=product, quantity=quantity)
    return buy(user, cart)


@pytest.mark.django_db
def test_orders_move_along_and_a_cancellation_returns_the_stock():
    product = ProductFactory(stock=5)
    order = place(UserFactory(), product, 2)
    staff = UserFactory(username="staffer", is_staff=True)
    order_status_change(order=order, to_status="paid", by=staff)
    order_status_change(order=order, to_status="shipped", by=staff)
    with pytest.raises(TransitionNotAllowed, match="cannot become cancelled"):
        order_status_change(order=order, to_status="cancelled", by=staff)
    order_status_change(order=order, to_status="delivered", by=staff)
    assert list(order.history.values_list("from_status", "to_status")) == [
        ("", "placed"),
        ("placed", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
    ]
    second = place(UserFactory(), product, 3)
    product.refresh_from_db()
    assert product.stock == 0
    order_status_change(order=second, to_status="cancelled", by=staff)
    product.refresh_from_db()
    assert product.stock == 3
    with pytest.raises(TransitionNotAllowed):
        order_status_change(order=second, to_status="paid", by=staff)


@pytest.mark.django_db
def test_staff_move_orders_with_admin_actions_and_see_lines_and_history(client):
    product = ProductFactory(stock=4, title="Kayak Paddle")
    order = place(UserFactory(), product, 2)
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:shop_order_change", args=[order.pk])).content.decode()
    assert "Kayak Paddle" in page and "Status history" in page
    response = client.post(
        reverse("admin:shop_order_changelist"),
        {"action": "mark_cancelled", "_selected_action": [order.pk]},
        follow=True,
    )
    assert "1 order marked cancelled." in response.content.decode()
    order.refresh_from_db(), product.refresh_from_db()
    assert order.status == "cancelled" and product.stock == 4
    response = client.post(
        reverse("admin:shop_order_changelist"), {"action": "mark_shipped", "_selected_action": [order.pk]}, follow=True
    )
    assert "cannot become shipped" in response.content.decode()
    assert OrderStatusChange.objects.filter(order=order).count() == 2


@pytest.mark.django_db
def test_shoppers_do_not_reach_the_orders_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:shop_order_changelist")).status_code == 302


@pytest.mark.django_db
def test_the_database_refuses_negative_stock_whatever_the_code_does():
    from django.db import IntegrityError, transaction

    product = ProductFactory(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_sell_exactly_the_last_units_and_never_oversell():
    """Real threads, each with its own database connection, race to buy the 3 units of one size of a product
    and the 3 of another product; the product's other size is not touched."""
    first = ProductFactory(sizes={"S": 3, "M": 2}, price=Decimal("5.00"))
    second = ProductFactory(stock=3, price=Decimal("7.00"))
    shoppers = [UserFactory(username=f"racer{n}") for n in range(8)]
    carts = []
    for n, user in enumerate(shoppers):
        cart = CartFactory(user=user)
        # Half the carts list the products one way round, half the other: locks by id keep them from deadlocking.
        for product in (first, second) if n % 2 else (second, first):
            CartLineFactory(cart=cart, product=product, size="S" if product == first else "")
        carts.append(cart)
    start = threading.Barrier(len(shoppers))
    outcomes: list[str] = []

    def race(user, cart):
        try:
            start.wait()
            buy(user, cart)
            outcomes.append("order")
        except OutOfStock:
            outcomes.append("out of stock")
        except Exception as error:  # a deadlock or constraint error would land here and fail the test
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(user, cart)) for user, cart in zip(shoppers, carts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["order"] * 3 + ["out of stock"] * 5
    assert Order.objects.count() == 3
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.stock, second.stock) == (2, 0), "product totals: the sizes' sum"
    assert (variant_of(first, "S").stock, variant_of(first, "M").stock) == (0, 2)
    assert sum(line.quantity for order in Order.objects.all() for line in order.lines.all()) == 6
