import pytest

from tests.factories import ReviewFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_past_the_limit_an_htmx_click_shows_a_notice_and_keeps_the_page(live_server, page, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "helpful_vote": "1/d"}
    review = ReviewFactory(body="Warm and light.")
    UserFactory(username="voter")
    page.goto(f"{live_server.url}/accounts/login/?next={review.product.get_absolute_url()}")
    page.fill("#id_username", "voter")
    page.fill("#id_password", "a-good-password-1")
    page.locator("button", has_text="Log in").click()
    page.wait_for_url(f"**{review.product.get_absolute_url()}")

    page.locator(".helpful button").click()
    page.locator(".helpful-count", has_text="1 found this helpful").wait_for()
    page.locator(".helpful button").click()
    notice = page.locator("#notices .notice")
    notice.wait_for()
    assert "Please try again in" in notice.inner_text()
    assert page.locator(".helpful-count", has_text="1 found this helpful").count() == 1, "the vote stays as it was"
    assert page.locator(".helpful button").count() == 1
