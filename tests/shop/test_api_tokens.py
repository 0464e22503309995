from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = {"username": "tokenuser", "password": "a-good-password-1"}


def _token_ask(api) -> str:
    response = api.post("/api/auth/token/", LOGIN, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def test_an_expired_token_is_refused_and_the_token_endpoint_issues_a_new_one(settings):
    settings.API_TOKEN_TTL_HOURS = 24
    UserFactory(username="tokenuser")
    api = APIClient()
    old = _token_ask(api)
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=25))

    holder = APIClient()
    holder.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    refused = holder.get("/api/orders/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert "expired" in refused.json()["detail"]

    new = _token_ask(api)
    assert new != old
    holder.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert holder.get("/api/orders/").status_code == 200
    assert _token_ask(api) == new, "a valid token is handed out again, not replaced"
