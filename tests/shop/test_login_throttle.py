"""Nobody can lock a shopper out: guesses shut out the guesser's address, and only slow the account down."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from shop.services.accounts import login_delay_get
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = {"username": "owner@example.com", "password": "a-good-password-1"}
WRONG = {"username": "owner@example.com", "password": "wrong"}


@pytest.fixture
def throttle(settings):
    settings.LOGIN_THROTTLE = {
        "ACCOUNT_ADDRESS_FAILURES": 3,
        "ADDRESS_FAILURES": 100,
        "WINDOW_SECONDS": 600,
        "ACCOUNT_FREE_FAILURES": 2,
        "DELAY_SECONDS": 0.25,
        "DELAY_MAX_SECONDS": 1.0,
    }
    return settings.LOGIN_THROTTLE


@pytest.fixture
def owner():
    return UserFactory(username="owner@example.com", email="owner@example.com")


def _timed_login(client, data: dict, *, address: str):
    started = time.monotonic()
    response = client.post(reverse("login"), data, REMOTE_ADDR=address)
    return response, time.monotonic() - started


def test_guesses_from_many_addresses_slow_the_account_down_but_never_lock_the_owner_out(client, throttle, owner):
    for attacker in range(5):
        for _ in range(3):
            client.post(reverse("login"), WRONG, REMOTE_ADDR=f"10.0.0.{attacker}")
    refused, _ = _timed_login(client, RIGHT, address="10.0.0.1")
    assert "Too many failed log-in attempts for this account from your network address" in refused.content.decode()

    response, seconds = _timed_login(client, RIGHT, address="192.0.2.7")
    assert response.status_code == 302, "the owner's right password from their own address works"
    assert throttle["DELAY_MAX_SECONDS"] <= seconds < 4, "but only after the account's capped wait"


def test_the_wait_grows_with_the_accounts_failures(client, throttle, owner):
    waits = [_timed_login(client, WRONG, address=f"10.0.1.{attempt}")[1] for attempt in range(6)]
    assert max(waits[:2]) < 0.25, "the first failures cost nothing"
    assert waits[2] >= 0.25 and waits[3] >= 0.5, "then each attempt waits twice as long as the one before"
    assert all(1.0 <= wait < 4 for wait in waits[4:]), "up to the cap"


def test_a_password_reset_clears_the_accounts_failed_logins(client, throttle, owner):
    for _ in range(3):
        client.post(reverse("login"), WRONG, REMOTE_ADDR="198.51.100.4")
    assert "Too many failed" in client.post(reverse("login"), RIGHT, REMOTE_ADDR="198.51.100.4").content.decode()

    client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "fresh-walnut-42", "new_password2": "fresh-walnut-42"})

    assert login_delay_get(username=owner.email) == 0, "the account's slow-down is gone"
    response = client.post(
        reverse("login"), {"username": owner.email, "password": "fresh-walnut-42"}, REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 302, "the owner logs in at once from the address the guesses came from"
