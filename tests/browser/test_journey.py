import re

import pytest

from shop.demo.seed import demo_seed
from shop.models import Order, ProductVariant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey_shots(screenshots):
    folder = screenshots / "journey"
    folder.mkdir(exist_ok=True)
    return folder


def test_a_new_shopper_signs_up_searches_buys_and_finds_the_order(live_server, page, journey_shots):
    demo_seed(products=200, users=5, seed=11, with_clothing=False)
    # Something sold in sizes, so that the journey picks one.
    size = (
        ProductVariant.objects.filter(product__is_active=True, stock__gte=5)
        .exclude(size="")
        .exclude(product__image="")
        .select_related("product")
        .order_by("product_id", "position")
        .first()
    )
    wanted = size.product

    # Sign up, then the taste onboarding: categories, then a round of likes.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_email", "journey@example.com")
    page.fill("#id_first_name", "Jules")
    page.fill("#id_password1", "quiet-harbour-58")
    page.fill("#id_password2", "quiet-harbour-58")
    page.screenshot(path=journey_shots / "01-sign-up.png")
    page.locator("button", has_text="Create account").click()
    page.wait_for_url(f"{live_server.url}/onboarding/")
    page.locator(f"input[name=categories][value='{wanted.category_id}']").check()
    page.screenshot(path=journey_shots / "01b-onboarding-categories.png")
    page.locator("button", has_text="Next: like a few products").click()
    page.wait_for_url("**/onboarding/round/1/")
    cards = page.locator(".like-card")
    cards.first.wait_for()
    assert cards.count() > 0, "products of the picked category to like"
    cards.nth(0).locator("input").check()
    page.screenshot(path=journey_shots / "01c-onboarding-likes.png")
    page.locator("button", has_text="Done: show my picks").click()
    page.wait_for_url(f"{live_server.url}/")

    # Home
    assert page.locator(".greeting", has_text="Hi, Jules").is_visible()
    assert page.locator("#cart-count .cart-badge").inner_text() == "0"
    page.locator(".card img").first.wait_for()
    page.screenshot(path=journey_shots / "02-home.png")

    # Search
    page.fill("#header-q", wanted.title)
    page.locator(".header-search button").click()
    page.wait_for_url("**/search/**")
    result = page.locator("#search-body .card h3", has_text=wanted.title).first
    result.wait_for()
    page.screenshot(path=journey_shots / "03-search.png")

    # Product
    result.click()
    page.wait_for_url(f"**{wanted.get_absolute_url()}")
    assert page.locator("h1").inner_text() == wanted.title
    assert page.evaluate("img => img.naturalWidth", page.locator(".product-image img").element_handle()) > 0, (
        "the picture loads"
    )
    page.screenshot(path=journey_shots / "04-product.png")

    # Pick a size, add to cart (htmx: the buy box and the header count change in place)
    page.locator(f".size-picker input[value='{size.pk}']").check()
    page.screenshot(path=journey_shots / "04b-size-picked.png")
    page.locator("#buy-box button", has_text="Add to cart").click()
    page.locator(".cart-message.ok", has_text="Added 1").wait_for()
    assert page.locator("#cart-count .cart-badge").inner_text() == "1"
    page.screenshot(path=journey_shots / "05-added-to-cart.png")

    # Change quantity in the cart
    page.locator("#cart-count").click()
    page.wait_for_url("**/cart/")
    line = page.locator(".cart-line").first
    assert line.locator(".cart-line-variant").inner_text() == f"Size: {size.size}"
    line.locator("input[name=quantity]").fill("2")
    line.locator("button", has_text="Update").click()
    page.locator(".cart-message", has_text="Quantity updated").wait_for()
    assert page.locator("#cart-count .cart-badge").inner_text() == "2"
    expected_total = f"${wanted.price * 2:,}"
    assert page.locator("#cart-total").inner_text() == expected_total
    page.screenshot(path=journey_shots / "06-cart.png")

    # Checkout
    page.locator("a", has_text="Go to checkout").click()
    page.wait_for_url("**/checkout/")
    page.fill("#id_full_name", "Jules Verne")
    page.fill("#id_address_line1", "20 Rue des Voyages")
    page.fill("#id_postal_code", "44000")
    page.fill("#id_city", "Nantes")
    page.select_option("#id_country", "FR")
    assert page.locator("input[name=payment_method][value=manual]").is_checked()
    page.screenshot(path=journey_shots / "07-checkout.png", full_page=True)
    page.locator("#place-order").click()

    # Confirmation
    page.wait_for_url(re.compile(r".*/account/orders/NW-[A-Z0-9-]+/\?placed=1$"))
    order = Order.objects.get(user__email="journey@example.com")
    assert page.locator("h1", has_text="Thank you").is_visible()
    assert page.locator(".confirmation .order-number").inner_text() == order.number
    assert page.locator("#cart-count .cart-badge").inner_text() == "0"
    page.screenshot(path=journey_shots / "08-confirmation.png")

    # Order history
    page.locator("a", has_text="All your orders").click()
    page.wait_for_url("**/account/orders/")
    assert page.locator(".orders-table a", has_text=order.number).is_visible()
    page.screenshot(path=journey_shots / "09-order-history.png")
    wanted.refresh_from_db()
    assert order.total == wanted.price * 2 and order.lines.get().quantity == 2
    assert (order.lines.get().size, order.lines.get().sku) == (size.size, size.sku)

    # The account page: profile, liked departments, recent orders
    page.locator(".greeting").click()
    page.wait_for_url("**/account/")
    assert page.locator(".orders-table a", has_text=order.number).is_visible()
    page.screenshot(path=journey_shots / "10-account.png", full_page=True)
