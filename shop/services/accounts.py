"""Sign-up, profiles and the log-in throttle.

The throttle counts failed log-ins per account and per client address in the cache (Redis),
in a fixed window; a success clears the account's count.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from shop.models import Category, CustomerProfile


@dataclass(frozen=True)
class LoginBlock:
    scope: str  # "account" or "address"
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        what = "this account" if self.scope == "account" else "your network address"
        return (
            f"Too many failed log-in attempts for {what}. Please wait {minutes} minute{'s' if minutes != 1 else ''} "
            "and try again, or reset your password."
        )


def _throttle_keys(*, username: str, address: str) -> dict[str, str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:24]
    return {"account": f"login-fail:account:{account}", "address": f"login-fail:address:{address}"}


def _limits() -> dict[str, int]:
    throttle = settings.LOGIN_THROTTLE
    return {"account": throttle["ACCOUNT_FAILURES"], "address": throttle["ADDRESS_FAILURES"]}


def login_throttle_check(*, username: str, address: str) -> LoginBlock | None:
    """Whether a log-in attempt may go ahead; a block says for how long it may not."""
    limits = _limits()
    for scope, key in _throttle_keys(username=username, address=address).items():
        if (cache.get(key) or 0) >= limits[scope]:
            window = settings.LOGIN_THROTTLE["WINDOW_SECONDS"]
            started = cache.get(f"{key}:start") or time.time()
            return LoginBlock(scope=scope, retry_after=max(1, int(window - (time.time() - started))))
    return None


def login_failure_record(*, username: str, address: str) -> None:
    window = settings.LOGIN_THROTTLE["WINDOW_SECONDS"]
    for key in _throttle_keys(username=username, address=address).values():
        if cache.add(key, 1, timeout=window):
            cache.set(f"{key}:start", time.time(), timeout=window)
        else:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=window)


def login_success_record(*, username: str, address: str) -> None:
    key = _throttle_keys(username=username, address=address)["account"]
    cache.delete_many([key, f"{key}:start"])


def _client_address(*, request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def user_authenticate(*, request: HttpRequest | None, username: str, password: str) -> AbstractBaseUser:
    """A log-in, from the page or for an API token, behind the throttle: a blocked attempt is refused unchecked
    and a failed one counts. Raises ValidationError (code "throttled" or "invalid_login") worded for the shopper."""
    if "@" in username:
        # Shoppers sign up with their email as username, stored lower-case.
        username = username.lower()
    address = _client_address(request=request)
    block = login_throttle_check(username=username, address=address)
    if block is not None:
        raise ValidationError(block.message, code="throttled")
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_failure_record(username=username, address=address)
        raise ValidationError(
            "Please enter a correct username and password. Note that both fields may be case-sensitive.",
            code="invalid_login",
        )
    login_success_record(username=username, address=address)
    return user


def api_token_get_or_create(*, user: AbstractBaseUser) -> Token:
    token, _ = Token.objects.get_or_create(user=user)
    return token


def user_create(*, email: str, password: str, first_name: str = "", last_name: str = "") -> AbstractBaseUser:
    """A shopper signs up with an email address, which is also their username."""
    email = email.strip().lower()
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=email, email=email, password=password, first_name=first_name.strip(), last_name=last_name.strip()
        )
        CustomerProfile.objects.get_or_create(user=user)
    return user


def profile_update(
    *,
    user: AbstractBaseUser,
    first_name: str,
    last_name: str,
    email: str,
    public_name: str,
    preferred_categories: list[Category],
) -> CustomerProfile:
    """The account page's save; `public_name` is what other shoppers see (empty: shop.selectors.customers decides)."""
    with transaction.atomic():
        user.first_name, user.last_name, user.email = first_name.strip(), last_name.strip(), email.strip().lower()
        user.save(update_fields=["first_name", "last_name", "email"])
        profile = profile_preferred_categories_set(user=user, categories=preferred_categories)
        profile.public_name = public_name.strip()
        profile.save(update_fields=["public_name"])
    return profile


def profile_preferred_categories_set(*, user: AbstractBaseUser, categories: Iterable[Category]) -> CustomerProfile:
    """The categories a shopper likes: the recommender's user tower reads them from the next request on."""
    profile, _ = CustomerProfile.objects.get_or_create(user=user)
    profile.preferred_categories.set(categories)
    return profile


def profile_onboarding_finish(*, user: AbstractBaseUser) -> CustomerProfile:
    profile, _ = CustomerProfile.objects.get_or_create(user=user)
    profile.onboarding_completed = True
    profile.save(update_fields=["onboarding_completed"])
    return profile
