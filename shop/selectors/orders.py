from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse

from shop.models import Order


def order_list(*, user: AbstractBaseUser) -> QuerySet[Order]:
    """The shopper's own orders, newest first."""
    return (
        Order.objects.filter(user=user)
        .annotate(items=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-created_at", "-id")
    )


def order_get(*, user: AbstractBaseUser, number: str) -> Order:
    """One of the shopper's own orders; anyone else's is a 404, the same as no order at all."""
    return get_object_or_404(Order.objects.prefetch_related("lines", "history"), user=user, number=number)


# The numbers of the orders this browser session placed as a guest or looked up: what it may see without an account.
GUEST_ORDERS_SESSION_KEY = "guest_orders"


def session_order_numbers(*, session: SessionBase) -> list[str]:
    return list(session.get(GUEST_ORDERS_SESSION_KEY, []))


def session_order_get(*, session: SessionBase, number: str) -> Order | None:
    """An order this session placed or looked up; None for any other, existing or not."""
    if number not in session_order_numbers(session=session):
        return None
    return Order.objects.prefetch_related("lines", "history").filter(number=number).first()


def order_find(*, number: str, email: str) -> Order | None:
    """The order with this number if it was sent to this email (any case); None whether the number exists or not."""
    return Order.objects.filter(number=number.strip().upper(), email__iexact=email.strip()).first()


def order_public_path(*, order: Order) -> str:
    """Where the order's page is: in the account for an account's order, else the guest's order page."""
    return order.get_absolute_url() if order.user_id else reverse("shop:order-guest", kwargs={"number": order.number})
