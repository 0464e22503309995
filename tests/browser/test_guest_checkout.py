"""A visitor checks out as a guest in the browser, on a desktop and on a 390 px phone: the choice between guest and
sign-in, the error summary, the confirmation, the mail, and an account made from the order."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from shop.models import Order
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def guest_shots(screenshots):
    folder = screenshots / "guest-checkout"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_a_visitor_checks_out_as_guest_and_makes_an_account(live_server, browser, guest_shots, screen):
    viewport = VIEWPORTS[screen]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    product = ProductFactory(title="Walnut Pepper Mill", price=Decimal("34.00"), stock=6)
    email = f"guest-{screen}@example.com"

    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.locator("#buy-box button", has_text="Add to cart").click()
    page.locator(".cart-message.ok", has_text="Added 1").wait_for()
    page.goto(f"{live_server.url}/cart/")
    page.locator("a", has_text="Go to checkout").click()
    page.wait_for_url("**/checkout/")

    # The choice: guest or sign in, side by side on a desktop, one above the other on a phone.
    guest_panel = page.locator("section", has=page.locator("h2", has_text="Check out as guest"))
    signin_panel = page.locator("section", has=page.locator("h2", has_text="Sign in"))
    guest_box, signin_box = guest_panel.bounding_box(), signin_panel.bounding_box()
    if screen == "desktop":
        assert guest_box["y"] == signin_box["y"] and guest_box["x"] < signin_box["x"], "side by side"
    else:
        assert guest_box["y"] < signin_box["y"], "stacked on a phone"
    for box in (guest_box, signin_box):
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "the panels fit the screen"
    assert signin_panel.locator("input[name=password]").is_visible()
    page.screenshot(path=guest_shots / f"{screen}-01-choice.png", full_page=True)

    # An empty form: the summary at the top names each problem and links to its field.
    page.locator("#guest-checkout").click()
    page.wait_for_url("**/checkout/?as=guest")
    page.locator("#place-order").click()
    summary = page.locator(".error-summary[role=alert]")
    summary.wait_for()
    assert summary.locator("a", has_text="Email").is_visible() and summary.locator("a", has_text="Country").is_visible()
    page.screenshot(path=guest_shots / f"{screen}-02-errors.png", full_page=True)
    summary.locator("a", has_text="Email").click()
    assert page.evaluate("document.activeElement.id") == "id_email", "the link takes the shopper to the field"

    page.fill("#id_full_name", "Marie Curie")
    page.fill("#id_email", email)
    page.fill("#id_address_line1", "11 Rue Pierre et Marie Curie")
    page.fill("#id_postal_code", "75005")
    page.fill("#id_city", "Paris")
    page.select_option("#id_country", "FR")
    page.screenshot(path=guest_shots / f"{screen}-03-form.png", full_page=True)
    page.locator("#place-order").click()
    # (The browser keeps the #id_email the summary's link added across the redirect.)
    page.wait_for_url(re.compile(r".*/order/NW-[A-Z0-9-]+/\?placed=1(#id_email)?$"))
    order = Order.objects.get(email=email)
    assert order.user is None and order.country == "FR"
    assert page.locator(".confirmation .order-number").inner_text() == order.number
    assert page.locator("#cart-count .cart-badge").inner_text() == "0"
    assert page.locator(".cart-summary address", has_text="France").is_visible()
    page.screenshot(path=guest_shots / f"{screen}-04-confirmation.png", full_page=True)
    assert any(order.number in message.subject and message.to == [email] for message in mail.outbox)

    page.fill("#id_password1", "radium-polonium-1898")
    page.fill("#id_password2", "radium-polonium-1898")
    page.locator("#create-account").click()
    page.wait_for_url(f"**/account/orders/{order.number}/")
    order.refresh_from_db()
    assert order.user is not None and order.user.email == email
    assert page.locator(".messages", has_text="Your account is ready").is_visible()
    page.screenshot(path=guest_shots / f"{screen}-05-account-order.png", full_page=True)
    context.close()
