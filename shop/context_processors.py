from django.http import HttpRequest

from shop.selectors import department_list
from shop.selectors.cart import CART_SESSION_KEY, cart_find, cart_item_count


def navigation(request: HttpRequest) -> dict:
    return {"departments": department_list}


def cart(request: HttpRequest) -> dict:
    """The header's cart count, counted only when a page shows it."""

    def count() -> int:
        session = getattr(request, "session", None)
        cart_id = session.get(CART_SESSION_KEY) if session is not None else None
        return cart_item_count(cart=cart_find(user=getattr(request, "user", None), cart_id=cart_id))

    return {"cart_count": count}
