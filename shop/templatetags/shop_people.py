from django import template
from django.contrib.auth.models import AbstractBaseUser

from shop.selectors.customers import user_public_name

register = template.Library()


@register.filter
def public_name(user: AbstractBaseUser) -> str:
    """`{{ review.author|public_name }}`: the one public name of a shopper (shop.selectors.customers)."""
    return user_public_name(user=user)
