import pytest

from shop.demo.seed import demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shopper_browses_home_to_category_to_product(live_server, page, screenshots):
    demo_seed(products=150, users=5, seed=11, with_clothing=False)

    page.goto(live_server.url)
    assert page.locator("h2", has_text="New arrivals").is_visible()
    first_card_image = page.locator(".card img").first
    first_card_image.wait_for()
    assert page.evaluate("img => img.naturalWidth", first_card_image.element_handle()) == 256, "pictures load"
    page.screenshot(path=screenshots / "01-home.png", full_page=False)

    page.locator(".departments a", has_text="Electronics").click()
    page.wait_for_url("**/c/electronics/")
    assert page.locator("h1", has_text="Electronics").is_visible()
    assert page.locator(".subcategories a").count() >= 3
    page.screenshot(path=screenshots / "02-category.png", full_page=False)

    title = page.locator(".card h3").first.inner_text()
    page.locator(".card h3").first.click()
    page.wait_for_url("**/p/**")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".product .price").inner_text().startswith("$")
    assert page.locator(".attributes").is_visible()
    page.screenshot(path=screenshots / "03-product.png", full_page=True)
