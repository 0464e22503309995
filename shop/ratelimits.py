"""Per-client limits on the costly pages: search, photo search, review writing, helpful votes,
sign-up and password reset (mail sent on request), counted by django-ratelimit.

A signed-in shopper is counted by account, so that shoppers behind one office address do not share
a budget; anyone else by client address (`shop.http.client_address_get`). The rates live in
settings.RATE_LIMITS, one per group, read per request. Past a limit a page raises `RateLimited`,
which django-ratelimit's middleware hands to `shop.views.errors.rate_limited` (the 429 page); an
API view counts against the same group through `shop.api.throttling.RateLimitThrottle`, which
answers with DRF's 429. A cache that cannot be reached lets the request through
(RATELIMIT_FAIL_OPEN): an outage of Redis must not lock shoppers out of the shop.
"""

import logging
from collections.abc import Callable, Sequence
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit import ALL
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError

from shop.http import client_address_get

logger = logging.getLogger(__name__)


class RateLimited(Ratelimited):
    """django-ratelimit's refusal, carrying what the 429 page tells the shopper: how long to wait."""

    def __init__(self, *, group: str, retry_after: int):
        super().__init__(f"Rate limit {group!r} reached; retry after {retry_after} s.")
        self.group, self.retry_after = group, retry_after


# django-ratelimit calls the key and the rate as key(group, request) and rate(group, request).


def rate_limit_key(group: str, request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address_get(request=request)}"


def rate_limit_rate(group: str, request: HttpRequest) -> str | None:
    return settings.RATE_LIMITS.get(group)


def _address_key(group: str, request: HttpRequest) -> str:
    return f"address:{client_address_get(request=request)}"


def _usage_count(
    *, request: HttpRequest, group: str, key: Callable, rate: Callable | str, methods: Sequence[str | None]
) -> dict | None:
    try:
        return get_usage(request, group=group, key=key, rate=rate, method=methods, increment=True)
    except RedisError as error:
        # django-ratelimit fails open on a cache that answers "nothing", not on one that raises.
        if not settings.RATELIMIT_FAIL_OPEN:
            raise
        logger.warning("Rate limit %s not counted: the cache is unreachable (%s).", group, error)
        return None


def rate_limit_usage(*, request: HttpRequest, group: str, methods: Sequence[str | None] = ALL) -> dict | None:
    """Count the request against `group`: django-ratelimit's usage (count, limit, should_limit, time_left),
    or None when it is not counted (another method, no rate for the group, or no cache to count in)."""
    return _usage_count(request=request, group=group, key=rate_limit_key, rate=rate_limit_rate, methods=methods)


def client_rate_limited(*, request: HttpRequest, group: str, rate: str) -> bool:
    """Count the request against the client address's budget for `group` ("30/m"): for writes the shop makes
    on a visitor's behalf (view events, new sessions), which are skipped, not refused, once it is spent."""
    usage = _usage_count(request=request, group=group, key=_address_key, rate=rate, methods=ALL)
    return bool(usage and usage["should_limit"])


def rate_limit_enforce(*, group: str, methods: Sequence[str | None] = ALL) -> Callable:
    """A view decorator: past the group's limit the view does not run and the client gets the 429 page.

    django-ratelimit's own decorator raises without saying when the limit ends, which the page tells.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            usage = rate_limit_usage(request=request, group=group, methods=methods)
            if usage is not None and usage["should_limit"]:
                raise RateLimited(group=group, retry_after=max(1, usage["time_left"]))
            return view(request, *args, **kwargs)

        return limited_view

    return decorator
