from celery import shared_task

from shop.services.orders import orders_unpaid_expire


@shared_task
def orders_unpaid_expire_task() -> int:
    """Hourly (Celery beat): orders to be paid on delivery that stayed unpaid too long give their stock back."""
    return orders_unpaid_expire()
