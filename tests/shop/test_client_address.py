"""Every limit counts the client that shop.http.client_address_get names, whatever it writes into X-Forwarded-For."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


@pytest.fixture
def rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "100/minute", "token": "3/minute"},
    }


def _token_post(api, *, forwarded: str, remote: str = "127.0.0.1") -> int:
    return api.post(
        reverse("api-token"),
        {"username": "someone", "password": "wrong"},
        format="json",
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=remote,
    ).status_code


def test_a_spoofed_forwarded_for_resets_no_limit(rates, client, settings):
    api = APIClient()
    anon = [api.get("/api/categories/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert anon == [200, 200, 200, 429], "the anonymous API limit"
    tokens = [_token_post(api, forwarded=f"198.51.100.{n}") for n in range(4)]
    assert tokens == [400, 400, 400, 429], "the token endpoint's limit"

    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "ADDRESS_FAILURES": 3}
    for n in range(3):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    UserFactory(username="real")
    response = client.post(
        reverse("login"), {"username": "real", "password": "a-good-password-1"}, HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert "Too many failed log-in attempts from your network address" in response.content.decode(), "the log-in's"


def test_behind_one_proxy_each_client_has_its_own_limits(rates, client, settings):
    """The proxy appends the address it saw; whatever the client wrote before it is ignored."""
    settings.NUM_PROXIES = 1
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "ADDRESS_FAILURES": 3}
    api = APIClient()

    def forwarded(client_address: str, n: int) -> str:
        return f"198.51.100.{n}, {client_address}"

    anon = [
        api.get("/api/categories/", HTTP_X_FORWARDED_FOR=forwarded("203.0.113.5", n), REMOTE_ADDR=PROXY).status_code
        for n in range(4)
    ]
    assert anon == [200, 200, 200, 429]
    other = api.get("/api/categories/", HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR=PROXY)
    assert other.status_code == 200, "another shopper behind the same proxy is not limited"

    tokens = [_token_post(api, forwarded=forwarded("203.0.113.5", n), remote=PROXY) for n in range(4)]
    assert tokens == [400, 400, 400, 429]
    assert _token_post(api, forwarded="203.0.113.6", remote=PROXY) == 400

    UserFactory(username="real")
    right = {"username": "real", "password": "a-good-password-1"}
    for n in range(3):
        client.post(
            reverse("login"),
            {"username": f"guess{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=forwarded("203.0.113.5", n),
            REMOTE_ADDR=PROXY,
        )
    blocked = client.post(reverse("login"), right, HTTP_X_FORWARDED_FOR="203.0.113.5", REMOTE_ADDR=PROXY)
    assert "Too many failed log-in attempts from your network address" in blocked.content.decode()
    elsewhere = client.post(reverse("login"), right, HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR=PROXY)
    assert elsewhere.status_code == 302, "the shopper next door logs in"
