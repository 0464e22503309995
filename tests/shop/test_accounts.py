import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from shop.models import CustomerProfile
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "New.Shopper@Example.com",
    "first_name": "Nora",
    "last_name": "",
    "password1": "plum-kayak-77",
    "password2": "plum-kayak-77",
}


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()
    yield
    cache.clear()


def test_sign_up_logs_in_and_goes_to_the_signup_redirect(client, settings):
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302 and response["Location"] == reverse("onboarding")
    user = get_user_model().objects.get(email="new.shopper@example.com")
    assert (user.username, user.email, user.first_name) == (
        "new.shopper@example.com",
        "new.shopper@example.com",
        "Nora",
    )
    assert CustomerProfile.objects.filter(user=user).exists()
    page = client.get(reverse("shop:home")).content.decode()
    assert "Hi, </span>Nora" in page and "Welcome to Northwind Market" in page
    client.logout()
    settings.SIGNUP_REDIRECT_URL = "/somewhere/"
    response = client.post(reverse("signup"), {**SIGNUP, "email": "second@example.com"})
    assert response["Location"] == "/somewhere/"


def test_signing_up_on_the_way_to_checkout_goes_back_there_but_never_off_site(client):
    response = client.post(f"{reverse('signup')}?next=/checkout/", SIGNUP)
    assert response["Location"] == "/checkout/"
    client.logout()
    response = client.post(reverse("signup"), {**SIGNUP, "email": "x@example.com", "next": "https://evil.example/"})
    assert response["Location"] == reverse("onboarding")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "nope"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"password2": "different-77"}, "The two passwords differ."),
        ({"password1": "123", "password2": "123"}, "too short"),
        ({"password1": "password", "password2": "password"}, "too common"),
    ],
)
def test_sign_up_refuses_bad_input_clearly(client, change, message):
    response = client.post(reverse("signup"), {**SIGNUP, **change})
    assert response.status_code == 200 and message in response.content.decode()
    assert not get_user_model().objects.filter(first_name="Nora").exists()


def test_one_account_per_email_whatever_the_case(client):
    UserFactory(username="taken", email="taken@example.com")
    response = client.post(reverse("signup"), {**SIGNUP, "email": "TAKEN@example.com"})
    assert "An account with this email already exists" in response.content.decode()


def test_log_in_with_email_and_log_out(client):
    client.post(reverse("signup"), SIGNUP)
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "NEW.SHOPPER@example.com", "password": "plum-kayak-77"})
    assert response.status_code == 302
    assert "Hi, </span>Nora" in client.get(reverse("shop:home")).content.decode()


def test_failed_logins_are_throttled_per_account_and_address_with_a_clear_message(client, settings):
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "ACCOUNT_ADDRESS_FAILURES": 3, "ADDRESS_FAILURES": 100}
    UserFactory(username="target")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "target", "password": "wrong"})
        assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(reverse("login"), {"username": "target", "password": "a-good-password-1"})
    page = response.content.decode()
    assert response.status_code == 200, "even the right password waits until the window passes, from this address"
    assert "Too many failed log-in attempts for this account from your network address. Please wait 15 minutes" in page
    other = client.post(
        reverse("login"), {"username": UserFactory(username="bystander").username, "password": "a-good-password-1"}
    )
    assert other.status_code == 302, "other accounts from the same address still log in"


def test_failed_logins_are_throttled_per_address(client, settings):
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "ACCOUNT_ADDRESS_FAILURES": 100, "ADDRESS_FAILURES": 4}
    for n in range(4):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"})
    UserFactory(username="real")
    response = client.post(reverse("login"), {"username": "real", "password": "a-good-password-1"})
    assert "Too many failed log-in attempts from your network address" in response.content.decode()
    elsewhere = client.post(
        reverse("login"), {"username": "real", "password": "a-good-password-1"}, REMOTE_ADDR="10.1.2.3"
    )
    assert elsewhere.status_code == 302


def test_password_reset_mails_a_working_link(client):
    UserFactory(username="forgetful", email="forgetful@example.com")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Reset your Northwind Market password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "fresh-walnut-42", "new_password2": "fresh-walnut-42"})
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="forgetful", password="fresh-walnut-42")


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done") and not mail.outbox


def test_password_change(client):
    user = UserFactory(username="changer")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "a-good-password-1", "new_password1": "brand-new-pass-9", "new_password2": "brand-new-pass-9"},
    )
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-9")


def test_account_page_edits_profile_and_preferred_departments(client):
    user = UserFactory(username="prefs")
    garden = CategoryFactory(name="Garden")
    CategoryFactory(name="Toys")
    client.force_login(user)
    response = client.post(
        reverse("shop:account"),
        {
            "first_name": "Pat",
            "last_name": "Lee",
            "email": "pat@example.com",
            "current_password": "a-good-password-1",
            "preferred_categories": [garden.pk],
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Pat", "pat@example.com")
    assert list(user.profile.preferred_categories.all()) == [garden]
    page = client.get(reverse("shop:account")).content.decode()
    assert "No orders yet" in page and 'value="Pat"' in page
    bad = client.post(reverse("shop:account"), {"email": "bad", "preferred_categories": [999999]})
    assert "Enter a valid email address." in bad.content.decode() and "Select a valid choice" in bad.content.decode()
    assert list(user.profile.preferred_categories.all()) == [garden], "a refused form changes nothing"


def test_changing_the_email_needs_the_current_password(client):
    user = UserFactory(username="careful", email="careful@example.com", first_name="Kim")
    client.force_login(user)
    change = {"first_name": "Kim", "last_name": "", "email": "thief@example.com"}
    missing = client.post(reverse("shop:account"), change)
    assert "Enter your current password to change your email." in missing.content.decode()
    wrong = client.post(reverse("shop:account"), {**change, "current_password": "guess"})
    assert "That is not your current password." in wrong.content.decode()
    user.refresh_from_db()
    assert user.email == "careful@example.com"

    renamed = client.post(reverse("shop:account"), {"first_name": "Kimberly", "email": "careful@example.com"})
    assert renamed.status_code == 302, "other fields change without the password"
    moved = client.post(reverse("shop:account"), {**change, "current_password": "a-good-password-1"})
    assert moved.status_code == 302
    user.refresh_from_db()
    assert user.email == "thief@example.com"


def test_account_pages_need_a_log_in(client):
    for name in ("shop:account", "shop:orders"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
