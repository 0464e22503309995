from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from shop.models import Order


def order_list(*, user: AbstractBaseUser) -> QuerySet[Order]:
    """The shopper's own orders, newest first."""
    return (
        Order.objects.filter(user=user)
        .annotate(items=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-created_at", "-id")
    )


def order_get(*, user: AbstractBaseUser, number: str) -> Order:
    """One of the shopper's own orders; anyone else's is a 404, the same as no order at all."""
    return get_object_or_404(Order.objects.prefetch_related("lines", "history"), user=user, number=number)
