"""Payment methods behind one interface.

Checkout (`shop.services.orders.order_place`) reserves the stock and creates the order first,
commits, and only then calls `charge` with the order's idempotency key, so no product row is
locked while a provider answers. A method that raises (`PaymentFailed` with a reason the shopper
may read, or anything else) has its order cancelled and the stock returned; the shopper's cart
is left as it was. A provider should treat a repeated idempotency key as the same charge.

`manual` ("pay on delivery") is the working default: it takes no money now (`deferred`), so its
orders hold stock unpaid; checkout caps how many a shopper may have, and unpaid ones expire. A
card provider is a class with the same shape, added to `settings.PAYMENT_METHODS`.
"""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from shop.models import Order


class PaymentFailed(Exception):
    """The payment was not taken; the message is shown to the shopper, so it says why in their words."""


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    reference: str = ""


class PaymentMethod(Protocol):
    code: str
    label: str
    description: str
    deferred: bool
    """True when the shopper pays later (on delivery): the order holds its stock unpaid until then."""

    def charge(self, *, order: "Order", idempotency_key: uuid.UUID) -> PaymentResult: ...


class ManualPayment:
    code = "manual"
    label = "Pay on delivery"
    description = "Pay the courier by card or cash when your order arrives."
    deferred = True

    def charge(self, *, order: "Order", idempotency_key: uuid.UUID) -> PaymentResult:
        return PaymentResult(paid=False)


@cache
def payment_methods() -> dict[str, PaymentMethod]:
    methods = [import_string(path)() for path in settings.PAYMENT_METHODS]
    return {method.code: method for method in methods}


def deferred_payment_codes() -> list[str]:
    """The codes of the methods paid on delivery, whose unpaid orders are capped and expire."""
    return [code for code, method in payment_methods().items() if method.deferred]
