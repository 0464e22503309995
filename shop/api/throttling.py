"""DRF's throttles with the shop's one answer to "who is this client?" (`shop.http.client_address_get`).

DRF's own `get_ident` trusts X-Forwarded-For unless NUM_PROXIES is set in REST_FRAMEWORK, so a
client could reset its limit by writing any value into that header. These read the address as
every other limit in the shop does, and read their rates when a request comes in, so that a
changed setting applies without a restart.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings

from shop.http import client_address_get


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
