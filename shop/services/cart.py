"""Cart writes. Quantities are kept within stock and MAX_LINE_QUANTITY; every clamp is reported."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from shop.models import MAX_LINE_QUANTITY, Cart, CartLine, Interaction, ProductVariant
from shop.selectors.cart import CART_SESSION_KEY
from shop.services import interaction_record


@dataclass(frozen=True)
class CartChange:
    line: CartLine | None
    quantity: int
    message: str
    clamped: bool = False


def _quantity_fit(*, variant: ProductVariant, wanted: int) -> tuple[int, str]:
    """The quantity of a variant that can go in the cart, and why it is less than wanted (empty when it is not)."""
    limit = min(variant.stock, MAX_LINE_QUANTITY)
    if wanted <= limit:
        return wanted, ""
    name = variant.display_name
    if variant.stock == 0:
        return 0, f"Sorry, {name} is out of stock."
    if limit == MAX_LINE_QUANTITY and variant.stock > MAX_LINE_QUANTITY:
        return limit, f"You can buy at most {MAX_LINE_QUANTITY} of one product in an order."
    return limit, f"Only {variant.stock} of {name} in stock: your cart holds {limit}."


def cart_get_or_create(*, user: AbstractBaseUser | AnonymousUser | None, cart_id: int | None) -> Cart:
    """The account's cart for a signed-in shopper; otherwise the visitor's cart by id (or a new one)."""
    if user is not None and user.is_authenticated:
        cart, _ = Cart.objects.get_or_create(user=user)
        return cart
    if cart_id is not None:
        cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
        if cart is not None:
            return cart
    return Cart.objects.create()


def shopper_cart_get_or_create(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> Cart:
    """The cart of whoever sends a request, made on first use; a visitor's cart id is kept in their session."""
    cart = cart_get_or_create(user=user, cart_id=session.get(CART_SESSION_KEY))
    if not user.is_authenticated:
        session[CART_SESSION_KEY] = cart.pk
    return cart


def cart_line_add(
    *,
    cart: Cart,
    variant: ProductVariant,
    quantity: int,
    user: AbstractBaseUser | AnonymousUser | None,
    session_key: str,
) -> CartChange:
    """Add `quantity` of a variant (on top of what the cart holds), within its stock."""
    product = variant.product
    with transaction.atomic():
        # The cart's row lock queues two adds of the same variant, which would both create the line.
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        held = line.quantity if line else 0
        fitted, message = _quantity_fit(variant=variant, wanted=held + quantity)
        if fitted == 0:
            return CartChange(line=line, quantity=held, message=message, clamped=True)
        if line is None:
            line = CartLine.objects.create(
                cart=cart, product=product, variant=variant, quantity=fitted, unit_price=product.price
            )
        else:
            line.quantity, line.unit_price = fitted, product.price
            line.save(update_fields=["quantity", "unit_price"])
        added = fitted - held
        if added > 0:
            interaction_record(
                product=product, kind=Interaction.Kind.CART, user=user, session_key=session_key, quantity=added
            )
        cart.save(update_fields=["updated_at"])
    clamped = fitted < held + quantity
    if not clamped:
        message = f"Added {added} × {variant.display_name} to your cart."
    return CartChange(line=line, quantity=fitted, message=message, clamped=clamped)


def cart_line_set_quantity(*, line: CartLine, quantity: int) -> CartChange:
    """Set a line's quantity; 0 removes it."""
    if quantity <= 0:
        cart_line_remove(line=line)
        return CartChange(line=None, quantity=0, message=f"Removed {line.variant.display_name} from your cart.")
    fitted, message = _quantity_fit(variant=line.variant, wanted=quantity)
    if fitted == 0:
        cart_line_remove(line=line)
        return CartChange(line=None, quantity=0, message=message, clamped=True)
    line.quantity, line.unit_price = fitted, line.product.price
    line.save(update_fields=["quantity", "unit_price"])
    return CartChange(line=line, quantity=fitted, message=message or "Quantity updated.", clamped=bool(message))


def cart_line_remove(*, line: CartLine) -> None:
    line.delete()


def cart_merge(*, source: Cart, user: AbstractBaseUser) -> Cart:
    """Move a visitor's cart into the account's at log-in; quantities add up, within stock."""
    with transaction.atomic():
        target, _ = Cart.objects.get_or_create(user=user)
        if source.pk == target.pk:
            return target
        for line in source.lines.select_related("product", "variant__product"):
            existing = target.lines.filter(variant=line.variant).first()
            wanted = line.quantity + (existing.quantity if existing else 0)
            fitted, _ = _quantity_fit(variant=line.variant, wanted=wanted)
            if fitted == 0:
                continue
            CartLine.objects.update_or_create(
                cart=target,
                variant=line.variant,
                defaults={"product": line.product, "quantity": fitted, "unit_price": line.product.price},
            )
        source.delete()
    return target


def cart_prices_accept(*, cart: Cart) -> None:
    """The shopper has seen the current prices: record them as the ones they agreed to."""
    for line in cart.lines.select_related("product"):
        if line.unit_price != line.product.price:
            line.unit_price = line.product.price
            line.save(update_fields=["unit_price"])


def cart_fit_stock(*, cart: Cart) -> list[str]:
    """After stock ran short at checkout: lower lines to what is left, drop what is gone; say what changed."""
    messages = []
    for line in cart.lines.select_related("product", "variant__product"):
        fitted, message = _quantity_fit(variant=line.variant, wanted=line.quantity)
        if not line.product.is_active:
            fitted, message = 0, f"{line.product.title} is no longer sold."
        if fitted == 0:
            line.delete()
        elif fitted != line.quantity:
            line.quantity = fitted
            line.save(update_fields=["quantity"])
        if message:
            messages.append(message)
    return messages
