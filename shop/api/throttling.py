"""DRF's throttles with the shop's one answer to "who is this client?" (`shop.http.client_address_get`),
and the shop's per-group rate limits (shop/ratelimits.py) for API views.

DRF's own `get_ident` trusts X-Forwarded-For unless NUM_PROXIES is set in REST_FRAMEWORK, so a
client could reset its limit by writing any value into that header. These read the address as
every other limit in the shop does, and read their rates when a request comes in, so that a
changed setting applies without a restart.
"""

from django_ratelimit import ALL
from rest_framework import throttling
from rest_framework.settings import api_settings

from shop.http import client_address_get
from shop.ratelimits import rate_limit_usage


class _ClientAddressMixin:
    def get_ident(self, request) -> str:
        return client_address_get(request=request)

    @property
    def THROTTLE_RATES(self) -> dict[str, str]:  # DRF's name for it
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonRateThrottle(_ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientAddressMixin, throttling.ScopedRateThrottle):
    pass


class RateLimitThrottle(throttling.BaseThrottle):
    """A view that names a group in `rate_limit_group` (and the methods counted in `rate_limit_methods`)
    is counted against settings.RATE_LIMITS[group], the budget its page spends too; past it DRF answers 429
    with Retry-After. Views without a group pass."""

    retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        group = getattr(view, "rate_limit_group", None)
        if group is None:
            return True
        methods = getattr(view, "rate_limit_methods", ALL)
        usage = rate_limit_usage(request=request, group=group, methods=methods)
        if usage is None or not usage["should_limit"]:
            return True
        self.retry_after = max(1, usage["time_left"])
        return False

    def wait(self) -> int | None:
        return self.retry_after
