"""The order confirmation mail: text and HTML, sent on commit by checkout (`shop.services.orders`)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from shop.models import Order
from shop.selectors.orders import order_public_path

logger = logging.getLogger(__name__)


def order_confirmation_send(*, order: Order) -> bool:
    """The shopper's receipt by email, as text and HTML (Django's email backend: the console in development,
    memory in tests, SMTP or a provider's backend in production); whether it went.

    Called on commit, after the order stands: a template or mail server failure is logged, never raised,
    so that no shopper is told their placed order failed.
    """
    try:
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "order_url": settings.SHOP_URL.rstrip("/") + order_public_path(order=order),
            "lookup_url": settings.SHOP_URL.rstrip("/") + reverse("shop:order-lookup"),
        }
        message = EmailMultiAlternatives(
            subject=f"Your Northwind Market order {order.number}",
            body=render_to_string("shop/email/order_placed.txt", context),
            to=[order.email],
        )
        message.attach_alternative(render_to_string("shop/email/order_placed.html", context), "text/html")
        message.send()
    except Exception:  # noqa: BLE001 - a mail outage must not turn a placed order into an error
        logger.exception("The confirmation of order %s could not be sent", order.number)
        return False
    return True
