"""Sign-up, profiles, API tokens and the log-in throttle.

The throttle counts failed log-ins in the cache (Redis), each count in a fixed window that
starts at its first failure and is never extended:

- per account from one client address, and per client address: past their limits, attempts
  from that address are refused unchecked until the window ends. Whoever guesses from one
  address shuts out that address only, never the account's owner elsewhere.
- per account across all addresses: never a block. Past a few failures every attempt on the
  account waits before its password is checked, longer with each failure up to a cap of a
  few seconds, so that guessing from many addresses stays slow while the owner still gets in.

A success clears the count of its account and address; a password reset clears all the
account's counts. The client address is `shop.http.client_address_get`'s. While Redis does not
answer, the counts live in process memory instead (`throttle_cache_get`): the throttle never
fails open, and log-ins keep working.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import BaseCache, caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.authtoken.models import Token

from ml.degraded import degradation_record
from shop.http import client_address_get
from shop.models import Category, CustomerProfile

THROTTLE_PROBE_KEY = "login-fail:probe"

# Doubling the delay past this many excess failures already exceeds any sensible cap.
_DELAY_DOUBLINGS_MAX = 16


@dataclass(frozen=True)
class LoginBlock:
    scope: str  # "account" (this account from this address) or "address" (any account from this address)
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        what = "for this account from your network address" if self.scope == "account" else "from your network address"
        return (
            f"Too many failed log-in attempts {what}. Please wait {minutes} minute{'s' if minutes != 1 else ''} "
            "and try again, or reset your password."
        )


def throttle_cache_get() -> BaseCache:
    """Where failed log-ins are counted: the "throttle" cache (Redis), or "throttle-fallback" while it fails.

    The "throttle" cache raises rather than ignoring Redis errors, so an outage is seen here instead
    of every count reading as zero (which would let guessing run unbounded). The fallback is process
    memory: each web process then allows the limits on its own, until Redis answers again.
    """
    throttle = caches["throttle"]
    try:
        throttle.get(THROTTLE_PROBE_KEY)
    except (RedisError, OSError) as error:
        degradation_record(
            part="throttle",
            message="Redis does not answer the log-in throttle; failed log-ins are counted in process memory",
            detail=f"{type(error).__name__}: {error}",
        )
        return caches["throttle-fallback"]
    return throttle


# Where the counts live: every read and write of the throttle goes through these four.


def _count_get(*, key: str) -> int:
    return throttle_cache_get().get(key) or 0


def _count_increment(*, key: str, window: int) -> None:
    cache = throttle_cache_get()
    if cache.add(key, 1, timeout=window):
        cache.set(f"{key}:start", time.time(), timeout=window)
        return
    try:
        cache.incr(key)
    except ValueError:
        # The count expired between add and incr: this failure starts a new window.
        cache.set(key, 1, timeout=window)
        cache.set(f"{key}:start", time.time(), timeout=window)


def _window_start_get(*, key: str) -> float | None:
    return throttle_cache_get().get(f"{key}:start")


def _counts_delete(*, keys: Iterable[str]) -> None:
    keys = list(keys)
    throttle_cache_get().delete_many(keys + [f"{key}:start" for key in keys])


def _account_id(*, username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:24]


def _generation_key(*, account: str) -> str:
    return f"login-fail:generation:{account}"


def _account_key(*, account: str) -> str:
    return f"login-fail:account:{account}"


def _throttle_keys(*, username: str, address: str) -> dict[str, str]:
    """The counts an attempt touches. The per-address counts of an account carry its generation, which a
    password reset advances: that drops them all without having to find them."""
    account = _account_id(username=username)
    generation = _count_get(key=_generation_key(account=account))
    return {
        "account": f"login-fail:account-address:{account}:{generation}:{address}",
        "address": f"login-fail:address:{address}",
        "account_all": _account_key(account=account),
    }


def login_throttle_check(*, username: str, address: str) -> LoginBlock | None:
    """Whether a log-in attempt from `address` may go ahead; a block says for how long it may not."""
    throttle = settings.LOGIN_THROTTLE
    limits = {"account": throttle["ACCOUNT_ADDRESS_FAILURES"], "address": throttle["ADDRESS_FAILURES"]}
    keys = _throttle_keys(username=username, address=address)
    for scope, limit in limits.items():
        if _count_get(key=keys[scope]) >= limit:
            started = _window_start_get(key=keys[scope]) or time.time()
            window = throttle["WINDOW_SECONDS"]
            return LoginBlock(scope=scope, retry_after=max(1, int(window - (time.time() - started))))
    return None


def login_delay_get(*, username: str) -> float:
    """Seconds an attempt on the account waits before its password is checked: none for the first few
    failures (from anywhere), then doubling with each one up to the cap."""
    throttle = settings.LOGIN_THROTTLE
    failures = _count_get(key=_account_key(account=_account_id(username=username)))
    excess = failures - throttle["ACCOUNT_FREE_FAILURES"]
    if excess < 0:
        return 0.0
    return min(throttle["DELAY_MAX_SECONDS"], throttle["DELAY_SECONDS"] * 2 ** min(excess, _DELAY_DOUBLINGS_MAX))


def login_failure_record(*, username: str, address: str) -> None:
    window = settings.LOGIN_THROTTLE["WINDOW_SECONDS"]
    for key in _throttle_keys(username=username, address=address).values():
        _count_increment(key=key, window=window)


def login_success_record(*, username: str, address: str) -> None:
    """Forget the owner's own typos from this address. The per-address count stays (or a guesser with an
    account of their own could clear it between guesses), and so does the account's slow-down."""
    _counts_delete(keys=[_throttle_keys(username=username, address=address)["account"]])


def login_throttle_clear(*, username: str) -> None:
    """The owner proved they hold the mailbox (a password reset): every count against the account goes."""
    account = _account_id(username=username)
    # Old per-address counts live one window at most, so the generation need not outlive it.
    _count_increment(key=_generation_key(account=account), window=settings.LOGIN_THROTTLE["WINDOW_SECONDS"])
    _counts_delete(keys=[_account_key(account=account)])


def user_authenticate(*, request: HttpRequest | None, username: str, password: str) -> AbstractBaseUser:
    """A log-in, from the page or for an API token, behind the throttle: a blocked attempt is refused unchecked,
    an attempt on an account under attack waits first, and a failed one counts. Raises ValidationError (code
    "throttled" or "invalid_login") worded for the shopper."""
    if "@" in username:
        # Shoppers sign up with their email as username, stored lower-case.
        username = username.lower()
    address = client_address_get(request=request) if request is not None else ""
    block = login_throttle_check(username=username, address=address)
    if block is not None:
        raise ValidationError(block.message, code="throttled")
    # Every attempt waits, not only the failed ones: a guesser who could tell a quick answer from a slow
    # one would give up on the slow ones and lose nothing.
    delay = login_delay_get(username=username)
    if delay:
        time.sleep(delay)
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_failure_record(username=username, address=address)
        raise ValidationError(
            "Please enter a correct username and password. Note that both fields may be case-sensitive.",
            code="invalid_login",
        )
    login_success_record(username=username, address=address)
    return user


def api_token_expired(*, token: Token) -> bool:
    return token.created <= timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def api_token_get_or_create(*, user: AbstractBaseUser) -> Token:
    """The user's API token; an expired one is replaced by a new key (a token's key is its primary key)."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and api_token_expired(token=token):
            token.delete()
            token = Token.objects.create(user=user)
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
