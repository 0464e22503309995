from django.contrib.auth.signals import user_logged_in
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shop.models import Cart, Category
from shop.payments import payment_methods
from shop.selectors import category_tree_forget
from shop.selectors.cart import CART_SESSION_KEY
from shop.selectors.orders import session_order_numbers
from shop.services.cart import cart_merge
from shop.services.guests import orders_guest_claim


@receiver([post_save, post_delete], sender=Category)
def category_tree_changed(**_) -> None:
    category_tree_forget()


@receiver(user_logged_in)
def cart_merge_at_login(request, user, **_) -> None:
    """A visitor's cart joins the account's cart when they log in or sign up."""
    session = getattr(request, "session", None)
    cart_id = session.pop(CART_SESSION_KEY, None) if session is not None else None
    source = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if source is not None:
        cart_merge(source=source, user=user)


@receiver(user_logged_in)
def guest_orders_claim_at_login(request, user, **_) -> None:
    """Guest orders this session placed or looked up join the account when they were sent to its email."""
    session = getattr(request, "session", None)
    if session is not None:
        orders_guest_claim(user=user, numbers=session_order_numbers(session=session))


@receiver(setting_changed)
def payment_methods_changed(*, setting: str, **_) -> None:
    """The methods are built once per process from PAYMENT_METHODS; a test that changes it gets its own."""
    if setting == "PAYMENT_METHODS":
        payment_methods.cache_clear()
