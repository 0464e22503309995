"""Guest orders: what a browser session may see without an account, and the account that later claims them."""

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from shop.models import Order
from shop.selectors.orders import GUEST_ORDERS_SESSION_KEY, session_order_numbers

SESSION_ORDERS_KEPT = 20


def session_order_remember(*, session: SessionBase, order: Order) -> None:
    """This session may see the order from now on (it placed it, or knew its number and email); the latest 20."""
    numbers = [number for number in session_order_numbers(session=session) if number != order.number]
    session[GUEST_ORDERS_SESSION_KEY] = [*numbers, order.number][-SESSION_ORDERS_KEPT:]


def orders_guest_claim(*, user: AbstractBaseUser, numbers: list[str]) -> int:
    """Give an account the guest orders its owner has shown to be theirs: the numbers their session placed or
    looked up, and only those sent to the account's email; how many it took.

    Other guest orders to that email are left alone: whoever types an address at checkout does not prove
    they own it, so claiming every order sent there would show a stranger's orders and addresses.
    """
    if not numbers or not user.email:
        return 0
    return Order.objects.filter(number__in=numbers, user__isnull=True, email__iexact=user.email).update(
        user=user, updated_at=timezone.now()
    )
