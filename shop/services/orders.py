"""Checkout and order status changes.

Checkout is three short transactions, so that no product row stays locked while a payment
provider answers:

1. reserve: the products' rows, then their variants' rows, locked in id order
   (`shop.services.stock`: concurrent checkouts queue instead of deadlocking, and no unit of a
   size is sold twice; the CHECK constraints stock >= 0 back this up), the stock and price
   checks, the order created as placed, its variants' stock taken, the cart emptied;
2. charge: the payment method is called with the order's idempotency key, outside any lock;
3. paid (or placed, for pay on delivery): the status, the purchase events, the receipt. A
   payment that fails instead cancels the order through `order_status_change`, which returns
   the stock, and puts the lines back in the cart.

The buyer is an account (the order carries the account's email) or a guest, known by the email
they gave: a guest's order has no user, its idempotency key is matched with that email, and the
unpaid cap counts the orders sent to that email. An account claims guest orders later
(`shop.services.guests.orders_guest_claim`) only for the orders its owner has shown to be theirs.

Orders paid on delivery hold stock unpaid: a shopper may have CHECKOUT_MAX_UNPAID_ORDERS of
them, and `orders_unpaid_expire` cancels those older than CHECKOUT_UNPAID_EXPIRY_HOURS.
"""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.models import Cart, CartLine, Interaction, Order, OrderLine, OrderStatusChange
from shop.payments import PaymentFailed, PaymentMethod, PaymentResult, deferred_payment_codes, payment_methods
from shop.services import interaction_record
from shop.services.order_mail import order_confirmation_send
from shop.services.stock import stock_adjust, stock_lock

logger = logging.getLogger(__name__)

ORDER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ADDRESS_FIELDS = ("full_name", "address_line1", "address_line2", "city", "postal_code", "country", "phone")


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


class UnpaidOrdersLimit(CheckoutError):
    pass


class CheckoutFormUsed(CheckoutError):
    """A guest's form was submitted again with another email: its key belongs to the order the first one made."""


class PaymentNotTaken(CheckoutError):
    """The payment method refused or failed: the order was cancelled, its stock returned, the cart put back."""

    def __init__(self, problems: list[str], *, order: Order):
        super().__init__(problems)
        self.order = order


class TransitionNotAllowed(Exception):
    pass


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool


def cart_signature(*, lines: list[CartLine]) -> str:
    """A digest of what the shopper is shown at checkout: variants, quantities and current prices."""
    text = "|".join(
        f"{line.variant_id}:{line.quantity}:{line.product.price}"
        for line in sorted(lines, key=lambda line: line.variant_id)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _order_number() -> str:
    while True:
        code = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
        number = f"NW-{code[:4]}-{code[4:]}"
        if not Order.objects.filter(number=number).exists():
            return number


def _account(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def _order_email(*, user: AbstractBaseUser | None, address: dict[str, str]) -> str:
    """Where the receipt goes: the account's email, or (a guest, or an account without one) the one given."""
    email = (user.email if user is not None else "") or address.get("email", "")
    if not email:
        raise CheckoutError(["Enter your email address: we send your order confirmation there."])
    return email.strip()


def _order_for_key(*, user: AbstractBaseUser | None, email: str, idempotency_key: uuid.UUID) -> Order | None:
    if user is not None:
        return Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
    # A guest's key is matched with their email too, so that a key alone never shows someone's order.
    return Order.objects.filter(user__isnull=True, email__iexact=email, idempotency_key=idempotency_key).first()


def _cart_lines_lock(*, cart: Cart) -> list[CartLine]:
    """The cart's lines with their products' and variants' rows locked in id order (`stock_lock`), so that
    concurrent checkouts queue, not deadlock."""
    lines = list(cart.lines.all())
    if not lines:
        raise CartEmpty(["Your cart is empty."])
    variants = stock_lock(variant_ids=[line.variant_id for line in lines])
    for line in lines:
        line.variant = variants[line.variant_id]
        line.product = line.variant.product
    return lines


def _stock_check(*, lines: list[CartLine]) -> None:
    short = [
        f"{line.variant.display_name}: only {line.variant.stock if line.product.is_active else 0} left, "
        f"you asked for {line.quantity}."
        for line in lines
        if not line.product.is_active or line.variant.stock < line.quantity
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
    user: AbstractBaseUser | None,
    email: str,
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
        email=email,
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
            variant=line.variant,
            title=line.product.title,
            sku=line.variant.sku,
            size=line.variant.size,
            colour=line.variant.colour,
            unit_price=line.product.price,
            quantity=line.quantity,
            line_total=line.product.price * line.quantity,
        )
        for line in lines
    )
    OrderStatusChange.objects.create(order=order, to_status=Order.Status.PLACED, changed_by=user)
    return order


def _unpaid_orders_check(*, user: AbstractBaseUser | None, email: str, method: PaymentMethod) -> None:
    """Pay on delivery reserves stock without money: a shopper may hold only so many such orders at once.
    A guest is counted by email, over every order sent there (an account's too); the checkout page also
    limits a client address's guest orders (RATE_LIMITS["guest_order"]), as emails cost nothing to vary."""
    if not method.deferred:
        return
    buyer = {"user": user} if user is not None else {"email__iexact": email}
    unpaid = Order.objects.filter(
        **buyer, status=Order.Status.PLACED, payment_method__in=deferred_payment_codes()
    ).count()
    if unpaid >= settings.CHECKOUT_MAX_UNPAID_ORDERS:
        raise UnpaidOrdersLimit(
            [
                f"You already have {unpaid} orders waiting to be paid on delivery, the most we can hold for you "
                "at once. Please choose another payment method, or order again once you have paid for one of them."
            ]
        )


def _stock_take(*, lines: list[CartLine]) -> None:
    stock_adjust(changes={line.variant_id: -line.quantity for line in lines})


def _order_reserve(
    *,
    user: AbstractBaseUser | None,
    email: str,
    cart: Cart,
    address: dict[str, str],
    method: PaymentMethod,
    idempotency_key: uuid.UUID,
    signature: str,
) -> CheckoutResult:
    """The order placed and its stock taken, in one transaction; the key's earlier order if there is one."""
    with transaction.atomic():
        # The cart row lock makes a resubmission wait for the first one, then find its order.
        Cart.objects.select_for_update().get(pk=cart.pk)
        existing = _order_for_key(user=user, email=email, idempotency_key=idempotency_key)
        if existing is not None:
            return CheckoutResult(order=existing, created=False)
        lines = _cart_lines_lock(cart=cart)
        _stock_check(lines=lines)
        _prices_check(lines=lines, signature=signature)
        _unpaid_orders_check(user=user, email=email, method=method)
        order = _order_create(
            user=user,
            email=email,
            lines=lines,
            address=address,
            idempotency_key=idempotency_key,
            method_code=method.code,
        )
        _stock_take(lines=lines)
        # Emptied now, so that a second checkout of the same cart cannot start while this one is being paid.
        cart.lines.all().delete()
    return CheckoutResult(order=order, created=True)


def _order_charge(*, order: Order, method: PaymentMethod, cart: Cart) -> PaymentResult:
    """The method's answer, called with no transaction of ours open; PaymentNotTaken, the order undone, if it fails."""
    try:
        return method.charge(order=order, idempotency_key=order.idempotency_key)
    except PaymentFailed as error:
        reason = str(error) or "the payment was declined"
    except Exception:  # noqa: BLE001 - a provider's outage or bug must not hold the stock or answer 500
        logger.exception("Payment by %s for order %s failed", method.code, order.number)
        reason = "the payment service did not answer"
    _order_unreserve(order=order, cart=cart, reason=reason)
    raise PaymentNotTaken(
        [
            f"Your payment did not go through ({reason}), so your order was not placed. "
            "Your cart is as it was: try again, or choose another payment method."
        ],
        order=order,
    )


def _order_unreserve(*, order: Order, cart: Cart, reason: str) -> None:
    """Cancel an order whose payment failed, returning its stock, and put its lines back in the shopper's cart."""
    with transaction.atomic():
        order_status_change(
            order=order, to_status=Order.Status.CANCELLED, by=None, note=f"Payment failed: {reason}"[:200]
        )
        for line in order.lines.all():
            # Whatever the shopper put in the cart meanwhile stays; an order line never shrinks a cart line.
            cart_line, created = CartLine.objects.get_or_create(
                cart=cart,
                variant_id=line.variant_id,
                defaults={"product_id": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price},
            )
            if not created and cart_line.quantity < line.quantity:
                CartLine.objects.filter(pk=cart_line.pk).update(quantity=line.quantity)


def _order_complete(*, order: Order, method: PaymentMethod, payment: PaymentResult, session_key: str) -> None:
    """Paid now, or placed until paid on delivery: record the purchases and send the receipt."""
    with transaction.atomic():
        if payment.paid:
            Order.objects.filter(pk=order.pk).update(payment_reference=payment.reference)
            order_status_change(order=order, to_status=Order.Status.PAID, by=None, note=f"Paid by {method.label}")
        # Each purchase is also an interaction for the recommender, once it is certain.
        for line in order.lines.select_related("product"):
            interaction_record(
                product=line.product,
                kind=Interaction.Kind.PURCHASE,
                user=order.user,
                session_key=session_key,
                quantity=line.quantity,
            )
        # The order stands whatever happens to its receipt: a failure is logged, never shown as a failed checkout.
        transaction.on_commit(lambda: order_confirmation_send(order=order), robust=True)


def order_place(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    cart: Cart,
    address: dict[str, str],
    payment_method: str,
    idempotency_key: uuid.UUID,
    signature: str,
    session_key: str = "",
) -> CheckoutResult:
    """Buy the cart: one whole order (lines, stock, history, payment) or nothing the shopper would miss.

    `signature` is the `cart_signature` of what the shopper confirmed; a different one (a price
    or quantity changed since) is refused with PricesChanged so that they confirm again.
    Submitting the same `idempotency_key` again returns the order it made. A payment that
    fails raises PaymentNotTaken after cancelling the order and putting the cart back.

    A visitor (`user` None or anonymous) buys as a guest with `address["email"]`; `session_key`
    is their session's, for the purchase events. An account's order goes to the account's email.

    Called outside any transaction: each step commits on its own, so that the payment
    provider is called with no row locked (see the module's docstring).
    """
    method = payment_methods()[payment_method]
    user = _account(user)
    email = _order_email(user=user, address=address)
    existing = _order_for_key(user=user, email=email, idempotency_key=idempotency_key)
    if existing is not None:
        return CheckoutResult(order=existing, created=False)
    try:
        reserved = _order_reserve(
            user=user,
            email=email,
            cart=cart,
            address=address,
            method=method,
            idempotency_key=idempotency_key,
            signature=signature,
        )
    except IntegrityError:
        # Another submission with the same key won the race; show its order.
        existing = _order_for_key(user=user, email=email, idempotency_key=idempotency_key)
        if existing is not None:
            return CheckoutResult(order=existing, created=False)
        if user is None and Order.objects.filter(user__isnull=True, idempotency_key=idempotency_key).exists():
            raise CheckoutFormUsed(
                ["This checkout form was already used to place an order. Please check your details and confirm again."]
            ) from None
        raise
    if not reserved.created:
        return reserved
    payment = _order_charge(order=reserved.order, method=method, cart=cart)
    _order_complete(order=reserved.order, method=method, payment=payment, session_key=session_key)
    reserved.order.refresh_from_db()
    return reserved


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
            returned: dict[int, int] = {}
            for variant_id, quantity in order.lines.values_list("variant_id", "quantity"):
                returned[variant_id] = returned.get(variant_id, 0) + quantity
            stock_adjust(changes=returned)
        _status_set(order=order, to_status=to_status, by=by, note=note)
    return order


def orders_unpaid_expire(*, now: datetime | None = None) -> int:
    """Cancel the orders to be paid on delivery that were placed more than CHECKOUT_UNPAID_EXPIRY_HOURS ago,
    returning their stock; how many were cancelled. Celery beat runs it hourly (`shop.tasks`), and so does
    `manage.py expire_unpaid_orders` on demand."""
    hours = settings.CHECKOUT_UNPAID_EXPIRY_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    expired = Order.objects.filter(
        status=Order.Status.PLACED, payment_method__in=deferred_payment_codes(), created_at__lt=cutoff
    ).order_by("pk")
    cancelled = 0
    for order in expired.iterator():
        try:
            order_status_change(
                order=order, to_status=Order.Status.CANCELLED, by=None, note=f"Not paid within {hours} hours"
            )
        except TransitionNotAllowed:
            continue  # staff moved it on meanwhile
        cancelled += 1
    return cancelled
