"""The order page in admin: status, total and lines at a glance, and the status moved by `order_status_change`."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from shop.models import Order, OrderStatusChange
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _staff(*, username: str, codenames: list[str]):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="shop", codename__in=codenames))
    return user


@pytest.fixture
def order():
    order = OrderFactory(subtotal=Decimal("54.00"), shipping=Decimal("4.99"), full_name="Ada Lovelace")
    kettle = ProductFactory(title="Quiet Kettle", stock=3, price=Decimal("18.00"))
    OrderLineFactory(order=order, product=kettle, quantity=3, unit_price=Decimal("18.00"))
    return order


def _form_data(response) -> dict:
    """What the browser would post back: every field of the form and of its inlines as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()})
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def test_the_order_page_shows_status_total_and_lines(client, order):
    client.force_login(_staff(username="clerk", codenames=["view_order", "change_order"]))
    response = client.get(reverse("admin:shop_order_change", args=[order.pk]))
    page = response.content.decode()
    # The total, and the line: product, quantity, unit price and line total.
    assert "58.99" in page
    assert "Quiet Kettle" in page and "18.00" in page and "54.00" in page
    lines = response.context["inline_admin_formsets"][0]
    assert {"product", "quantity", "unit_price", "line_total"} <= set(lines.readonly_fields)
    status = response.context["adminform"].form.fields["status"]
    assert [value for value, _ in status.choices] == ["placed", "paid", "cancelled"], "only where it may go next"


def test_staff_cancel_on_the_order_page_through_the_service_and_the_stock_comes_back(client, order):
    clerk = _staff(username="clerk", codenames=["view_order", "change_order"])
    client.force_login(clerk)
    url = reverse("admin:shop_order_change", args=[order.pk])
    data = {**_form_data(client.get(url)), "status": "cancelled", "status_note": "Customer phoned to cancel"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.lines.get().product.stock == 6, "cancelling returned the three kettles"
    change = OrderStatusChange.objects.get(order=order)
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "placed",
        "cancelled",
        clerk,
        "Customer phoned to cancel",
    )
    # A cancelled order goes nowhere: the page shows its status and offers no field to change it.
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    assert "Cancelled" in page.content.decode()


def test_a_status_the_order_cannot_reach_is_refused_on_the_page(client, order):
    client.force_login(_staff(username="clerk", codenames=["view_order", "change_order"]))
    url = reverse("admin:shop_order_change", args=[order.pk])
    response = client.post(url, {**_form_data(client.get(url)), "status": "delivered"})
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED and not OrderStatusChange.objects.filter(order=order).exists()


def test_the_page_and_the_actions_move_orders_the_same_way(client, order):
    """Both write the history row and return stock through `order_status_change`."""
    client.force_login(_staff(username="clerk", codenames=["view_order", "change_order"]))
    other = OrderFactory()
    OrderLineFactory(order=other, product=order.lines.get().product, quantity=2)
    client.post(
        reverse("admin:shop_order_changelist"),
        {"action": "mark_cancelled", "_selected_action": [other.pk], "index": 0},
    )
    url = reverse("admin:shop_order_change", args=[order.pk])
    client.post(url, {**_form_data(client.get(url)), "status": "cancelled"})
    assert order.lines.get().product.stock == 3 + 2 + 3
    assert sorted(OrderStatusChange.objects.filter(to_status="cancelled").values_list("order_id", flat=True)) == sorted(
        [order.pk, other.pk]
    )


def test_view_only_staff_see_the_status_but_cannot_change_it(client, order):
    client.force_login(_staff(username="looker", codenames=["view_order"]))
    url = reverse("admin:shop_order_change", args=[order.pk])
    response = client.get(url)
    assert response.status_code == 200 and "Placed" in response.content.decode()
    assert "status" not in response.context["adminform"].form.fields
    client.post(url, {"status": "cancelled"})
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED and order.lines.get().product.stock == 3
