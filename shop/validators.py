"""Checkout field rules, shared by the checkout page's form and the order API so that both accept the same addresses."""

from django.core.validators import RegexValidator
from django_countries import countries

postal_code_validate = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,18}$", message="Enter a valid postal code.")
phone_validate = RegexValidator(r"^\+?[0-9 ()\-]{6,30}$", message="Enter a phone number: digits, spaces, +, ( ) and -.")


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as (alpha-2 code, English name), sorted by name: django-countries keeps the list
    current with the standard (a hand-kept list goes stale), and the code is what couriers and payment providers
    ask for. Called per form, not at import, because the names go through Django's translation machinery."""
    return list(countries)
