"""Checkout field rules, shared by the checkout page's form and the order API so that both accept the same addresses."""

from django.core.validators import RegexValidator

postal_code_validate = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,18}$", message="Enter a valid postal code.")
phone_validate = RegexValidator(r"^\+?[0-9 ()\-]{6,30}$", message="Enter a phone number: digits, spaces, +, ( ) and -.")
