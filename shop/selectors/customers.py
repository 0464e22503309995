"""What other shoppers may see of a shopper: a public name, never the email address or the username.

Shoppers sign up with their email as username, so neither may appear next to a review; the one
name shown anywhere public (review lists, the reviews API) comes from `user_public_name`.
"""

from django.contrib.auth.models import AbstractBaseUser

FALLBACK_PUBLIC_NAME = "Shopper"


def public_name_derive(*, first_name: str, last_name: str) -> str:
    """ "Anna K." from the account's names; "" when there is no first name fit to show."""
    first, last = first_name.strip(), last_name.strip()
    if not first or "@" in first:
        return ""
    return f"{first} {last[0].upper()}." if last and "@" not in last else first


def user_public_name(*, user: AbstractBaseUser) -> str:
    """The name chosen on the profile, else "Anna K.", else a neutral label.

    Reads `user.profile` as loaded: list selectors fetch it with `select_related("author__profile")`.
    """
    profile = getattr(user, "profile", None)
    chosen = profile.public_name.strip() if profile is not None else ""
    if chosen and "@" not in chosen:
        return chosen
    return public_name_derive(first_name=user.first_name, last_name=user.last_name) or FALLBACK_PUBLIC_NAME
