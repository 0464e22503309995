"""Payment methods behind one interface.

Checkout calls `charge` inside the order's transaction: a method that raises `PaymentFailed`
leaves no order behind. `manual` ("pay on delivery") is the working default; a card provider
is a class with the same shape, added to `settings.PAYMENT_METHODS`.
"""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from shop.models import Order


class PaymentFailed(Exception):
    pass


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    reference: str = ""


class PaymentMethod(Protocol):
    code: str
    label: str
    description: str

    def charge(self, *, order: "Order") -> PaymentResult: ...


class ManualPayment:
    code = "manual"
    label = "Pay on delivery"
    description = "Pay the courier by card or cash when your order arrives."

    def charge(self, *, order: "Order") -> PaymentResult:
        return PaymentResult(paid=False)


@cache
def payment_methods() -> dict[str, PaymentMethod]:
    methods = [import_string(path)() for path in settings.PAYMENT_METHODS]
    return {method.code: method for method in methods}
