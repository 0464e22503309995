import pytest

from shop.demo.seed import demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_update_as_the_shopper_types(live_server, page, screenshots):
    demo_seed(products=300, users=5, seed=11, with_clothing=False)

    page.goto(f"{live_server.url}/search/")
    page.locator("#q").press_sequentially("thin remote", delay=40)
    page.wait_for_url(lambda url: "q=thin" in url and "remote" in url)
    first = page.locator("#search-body .card h3").first
    first.wait_for()
    assert "Remote" in first.inner_text()
    assert page.locator("#search-body mark").first.is_visible(), "matched words are highlighted"
    assert page.locator("#q").input_value() == "thin remote", "the box keeps what was typed"
    page.screenshot(path=screenshots / "04-search.png", full_page=False)

    page.locator("#q").fill("shoes under $60 for kids")
    page.locator("#q").press("Enter")
    page.locator(".chip", has_text="Under $60").wait_for()
    prices = [float(text.strip("$").replace(",", "")) for text in page.locator("#search-body .price").all_inner_texts()]
    assert prices and max(prices) <= 60
    page.screenshot(path=screenshots / "05-search-filters.png", full_page=False)
