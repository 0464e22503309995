"""The costly pages answer 429 past their limit (settings.RATE_LIMITS), and not before."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# A day's window: django-ratelimit's windows are fixed, and a test must not straddle the end of one.
TWO = "2/d"


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, TWO)
    return settings.RATE_LIMITS


def _statuses(send, times: int = 3) -> list[int]:
    return [send().status_code for _ in range(times)]


def test_search_is_limited_with_a_page_that_says_when_to_come_back(client, limits, settings):
    codes = _statuses(lambda: client.get(reverse("search:page")))
    assert codes[:2] == [200, 200] and codes[2] == 429
    page = client.get(reverse("search:page"))
    body = page.content.decode()
    assert page.status_code == 429 and "Too many requests" in body and "Please try again in" in body
    assert 0 < int(page["Retry-After"]) <= 24 * 3600
    assert 'class="site-header"' in body, "the shop's own page, not a bare error"

    other = client.get(reverse("search:page"), REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 200, "another visitor has a budget of their own"
    spoofed = client.get(reverse("search:page"), HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert spoofed.status_code == 429, "a forwarded-for header the shop does not trust changes nothing"

    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    settings.RATELIMIT_USE_CACHE = "unreachable"
    assert client.get(reverse("search:page")).status_code == 200, "without a cache to count in, search still answers"


def test_over_htmx_the_limit_is_a_short_notice_above_the_page(client, limits):
    for _ in range(2):
        client.get(reverse("search:page"), {"q": ""}, **HTMX)
    response = client.get(reverse("search:page"), {"q": ""}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 429 and "Please try again in" in body and "<html" not in body
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#notices", "innerHTML")


def test_photo_search_page_and_api_share_one_limit(client, limits):
    page = client.post(reverse("search:image"), {"q": ""})
    assert page.status_code == 400, "no photo: refused, but counted"
    api = APIClient()
    assert api.post("/api/search/image/", {"category": ""}).status_code == 400
    limited = api.post("/api/search/image/", {"photo": io.BytesIO(b"not a picture")})
    assert limited.status_code == 429 and "throttled" in limited.json()["detail"].lower()
    assert int(limited["Retry-After"]) > 0
    assert client.post(reverse("search:image"), {"q": ""}).status_code == 429


def test_review_writing_is_limited_per_shopper(client, limits):
    product, shopper = ProductFactory(), UserFactory()
    client.force_login(shopper)
    url = reverse("reviews:write", args=[product.pk])
    codes = _statuses(lambda: client.post(url, {"rating": "4", "title": "Nice", "body": "Fine."}))
    assert codes == [302, 302, 429]
    client.force_login(UserFactory())
    assert client.post(url, {"rating": "5", "body": "Mine."}).status_code == 302, "another shopper, same address"
    api = APIClient()
    api.force_authenticate(shopper)
    review_api = api.post(f"/api/products/{ProductFactory().pk}/reviews/", {"rating": 3}, format="json")
    assert review_api.status_code == 429, "the API spends the same budget"
    assert api.get(f"/api/products/{product.pk}/reviews/").status_code == 200, "reading is not limited"


def test_helpful_votes_are_limited(client, limits):
    review = ReviewFactory()
    client.force_login(UserFactory())
    url = reverse("reviews:helpful", args=[review.pk])
    assert _statuses(lambda: client.post(url, **HTMX)) == [200, 200, 429]


def test_sign_up_is_limited_but_looking_at_the_form_is_not(client, limits):
    for _ in range(3):
        assert client.get(reverse("signup")).status_code == 200
    bad = {"email": "a@example.com", "password1": "plum-kayak-77", "password2": "other-77"}
    assert _statuses(lambda: client.post(reverse("signup"), bad)) == [200, 200, 429]


def test_password_reset_mails_are_limited(client, limits):
    UserFactory(username="forgetful", email="forgetful@example.com")
    codes = _statuses(lambda: client.post(reverse("password_reset"), {"email": "forgetful@example.com"}))
    assert codes == [302, 302, 429]
    assert len(mail.outbox) == 2
