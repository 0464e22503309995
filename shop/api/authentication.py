from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from shop.services.accounts import api_token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than API_TOKEN_TTL_HOURS: a leaked token stops working
    on its own, and the token endpoint hands the owner a new one."""

    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token=token):
            raise AuthenticationFailed("The token has expired. POST your username and password to /api/auth/token/.")
        return user, token
