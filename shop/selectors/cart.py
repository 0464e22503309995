from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Sum

from shop.models import Cart, CartLine

CART_SESSION_KEY = "cart_id"


def cart_find(*, user: AbstractBaseUser | AnonymousUser | None, cart_id: int | None) -> Cart | None:
    """The shopper's cart if they have one: the account's, else the visitor's by the id in their session."""
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    if cart_id is None:
        return None
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first()


def shopper_cart_find(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> Cart | None:
    """The cart of whoever sends a request, page or API: `cart_find` with the id the visitor's session holds."""
    return cart_find(user=user, cart_id=session.get(CART_SESSION_KEY))


def cart_line_find(*, cart: Cart | None, line_id: int) -> CartLine | None:
    """A line of this cart, with its product; another cart's line is not found, the same as none at all."""
    if cart is None:
        return None
    return cart.lines.select_related("product", "variant__product").filter(pk=line_id).first()


def cart_lines(*, cart: Cart | None) -> list[CartLine]:
    if cart is None:
        return []
    return list(
        cart.lines.select_related("product", "product__category", "variant__product").order_by("added_at", "id")
    )


def cart_item_count(*, cart: Cart | None) -> int:
    if cart is None:
        return 0
    return cart.lines.aggregate(total=Sum("quantity"))["total"] or 0


def cart_total(*, lines: list[CartLine]) -> Decimal:
    return sum((line.line_total for line in lines), Decimal("0.00"))
