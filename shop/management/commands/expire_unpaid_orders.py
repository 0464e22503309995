from django.conf import settings
from django.core.management.base import BaseCommand

from shop.services.orders import orders_unpaid_expire


class Command(BaseCommand):
    help = (
        "Cancel the orders to be paid on delivery placed more than CHECKOUT_UNPAID_EXPIRY_HOURS ago "
        "and return their stock (Celery beat does this hourly)."
    )

    def handle(self, *args, **options) -> None:
        cancelled = orders_unpaid_expire()
        self.stdout.write(
            f"{cancelled} unpaid order(s) older than {settings.CHECKOUT_UNPAID_EXPIRY_HOURS} hours cancelled."
        )
