"""Checkout and order status changes.

Stock is checked and decremented inside the order's transaction with the products' rows
locked in id order, so concurrent checkouts queue instead of deadlocking and no unit is sold
twice; the CHECK constraint stock >= 0 backs this up.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string

from shop.models import Cart, CartLine, Interaction, Order, OrderLine, OrderStatusChange, Product
from shop.payments import PaymentMethod, payment_methods
from shop.services import interaction_record

ORDER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ADDRESS_FIELDS = ("email", "full_name", "address_line1", "address_line2", "city", "postal_code", "country", "phone")


class CheckoutError(Exception):
    """The cart cannot be bought as it stands; `problems` says why, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class CartEmpty(CheckoutError):
    pass


class OutOfStock(CheckoutError):
    pass


class PricesChanged(CheckoutError):
    pass


class TransitionNotAllowed(Exception):
    pass


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool


def cart_signature(*, lines: list[CartLine]) -> str:
    """A digest of what the shopper is shown at checkout: products, quantities and current prices."""
    text = "|".join(
        f"{line.product_id}:{line.quantity}:{line.product.price}"
        for line in sorted(lines, key=lambda line: line.product_id)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _order_number() -> str:
    while True:
        code = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
        number = f"NW-{code[:4]}-{code[4:]}"
        if not Order.objects.filter(number=number).exists():
            return number


def _order_for_key(*, user: AbstractBaseUser, idempotency_key: uuid.UUID) -> Order | None:
    return Order.objects.filter(user=user, idempotency_key=idempotency_key).first()


def _cart_lines_lock(*, cart: Cart) -> list[CartLine]:
    """The cart's lines with their products' rows locked in id order, so that concurrent checkouts queue, not deadlock."""
    lines = list(cart.lines.all())
    if not lines:
        raise CartEmpty(["Your cart is empty."])
    products = {
        product.pk: product
        for product in Product.objects.select_for_update()
        .filter(pk__in=[line.product_id for line in lines])
        .order_by("pk")
    }
    for line in lines:
        line.product = products[line.product_id]
    return lines


def _stock_check(*, lines: list[CartLine]) -> None:
    short = [
        f"{line.product.title}: only {line.product.stock if line.product.is_active else 0} left, you asked for {line.quantity}."
        for line in lines
        if not line.product.is_active or line.product.stock < line.quantity
    ]
    if short:
        raise OutOfStock(short)


def _prices_check(*, lines: list[CartLine], signature: str) -> None:
    """The shopper confirmed exactly these products, quantities and prices; anything else they must see first."""
    if signature != cart_signature(lines=lines):
        raise PricesChanged(
            [
                f"{line.product.title}: now ${line.product.price}, was ${line.unit_price}."
                for line in lines
                if line.product.price != line.unit_price
            ]
            or ["Your cart changed since you opened checkout. Please check it and confirm again."]
        )


def _order_create(
    *,
    user: AbstractBaseUser,
    lines: list[CartLine],
    address: dict[str, str],
    idempotency_key: uuid.UUID,
    method_code: str,
) -> Order:
    """The placed order and its lines, at the current prices."""
    subtotal = sum((line.product.price * line.quantity for line in lines), Decimal("0.00"))
    order = Order.objects.create(
        number=_order_number(),
        user=user,
        idempotency_key=idempotency_key,
        payment_method=method_code,
        subtotal=subtotal,
        total=subtotal,
        **{field: address.get(field, "") for field in ADDRESS_FIELDS},
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            title=line.product.title,
            sku=line.product.sku,
            unit_price=line.product.price,
            quantity=line.quantity,
            line_total=line.product.price * line.quantity,
        )
        for line in lines
    )
    OrderStatusChange.objects.create(order=order, to_status=Order.Status.PLACED, changed_by=user)
    return order


def _stock_take(*, user: AbstractBaseUser, lines: list[CartLine]) -> None:
    """Take the bought units out of stock; each purchase is also an interaction for the recommender."""
    for line in lines:
        Product.objects.filter(pk=line.product_id).update(stock=F("stock") - line.quantity)
        interaction_record(product=line.product, kind=Interaction.Kind.PURCHASE, user=user, quantity=line.quantity)


def _order_pay(*, order: Order, method: PaymentMethod) -> None:
    """Charge the order; a method that pays at once moves it on to paid, pay on delivery leaves it placed."""
    payment = method.charge(order=order)
    if payment.paid:
        order.payment_reference = payment.reference
        _status_set(order=order, to_status=Order.Status.PAID, by=None, note=f"Paid by {method.label}")


def order_place(
    *,
    user: AbstractBaseUser,
    cart: Cart,
    address: dict[str, str],
    payment_method: str,
    idempotency_key: uuid.UUID,
    signature: str,
) -> CheckoutResult:
    """Buy the cart: one whole order (lines, stock, history, payment) or nothing.

    `signature` is the `cart_signature` of what the shopper confirmed; a different one (a price
    or quantity changed since) is refused with PricesChanged so that they confirm again.
    Submitting the same `idempotency_key` again returns the order it made.
    """
    method = payment_methods()[payment_method]
    existing = _order_for_key(user=user, idempotency_key=idempotency_key)
    if existing is not None:
        return CheckoutResult(order=existing, created=False)
    try:
        with transaction.atomic():
            # The cart row lock makes a resubmission wait for the first one, then find its order.
            Cart.objects.select_for_update().get(pk=cart.pk)
            existing = _order_for_key(user=user, idempotency_key=idempotency_key)
            if existing is not None:
                return CheckoutResult(order=existing, created=False)
            lines = _cart_lines_lock(cart=cart)
            _stock_check(lines=lines)
            _prices_check(lines=lines, signature=signature)
            order = _order_create(
                user=user, lines=lines, address=address, idempotency_key=idempotency_key, method_code=method.code
            )
            _stock_take(user=user, lines=lines)
            _order_pay(order=order, method=method)
            cart.lines.all().delete()
            # The order stands whatever happens to its receipt: a failure is logged, never shown as a failed checkout.
            transaction.on_commit(lambda: order_confirmation_send(order=order), robust=True)
    except IntegrityError:
        # Another submission with the same key won the race; show its order.
        existing = _order_for_key(user=user, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return CheckoutResult(order=existing, created=False)
    return CheckoutResult(order=order, created=True)


def order_confirmation_send(*, order: Order) -> None:
    """The shopper's receipt by email (Django's email backend: the console unless configured)."""
    body = render_to_string("shop/email/order_placed.txt", {"order": order, "lines": order.lines.all()})
    send_mail(f"Your Northwind Market order {order.number}", body, None, [order.email], fail_silently=True)


def _status_set(*, order: Order, to_status: str, by: AbstractBaseUser | None, note: str = "") -> None:
    OrderStatusChange.objects.create(
        order=order, from_status=order.status, to_status=to_status, changed_by=by, note=note
    )
    order.status = to_status
    order.save(update_fields=["status", "payment_reference", "updated_at"])


def order_status_change(*, order: Order, to_status: str, by: AbstractBaseUser | None, note: str = "") -> Order:
    """Move an order along placed → paid → shipped → delivered, or cancel it and return its stock."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if to_status not in order.next_statuses:
            raise TransitionNotAllowed(
                f"Order {order.number} is {order.get_status_display().lower()}; it cannot become {Order.Status(to_status).label.lower()}."
            )
        if to_status == Order.Status.CANCELLED:
            lines = list(order.lines.order_by("product_id"))
            list(Product.objects.select_for_update().filter(pk__in=[line.product_id for line in lines]).order_by("pk"))
            for line in lines:
                Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.quantity)
        _status_set(order=order, to_status=to_status, by=by, note=note)
    return order
