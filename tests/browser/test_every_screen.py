"""Every page type a shopper meets, at a desktop width and a 390 px phone: no sideways scroll, the phone layout's
drawer and above-the-fold results, and axe-core's accessibility rules (serious and critical violations fail)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from shop.demo.seed import demo_seed
from shop.models import Category, Product
from tests.factories import CartFactory, CartLineFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
FAILING_IMPACTS = {"serious", "critical"}


def _serious_violations(page) -> list[str]:
    response = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def _overflow(page) -> int:
    """How many pixels the document is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def shop_pages():
    demo_seed(products=60, users=3, seed=11, with_clothing=False)
    product = Product.objects.filter(is_active=True, stock__gte=2).exclude(image="").order_by("-review_count").first()
    department = Category.objects.filter(parent=None).order_by("name").first()
    shopper = UserFactory(username="screens", first_name="Robin")
    CartLineFactory(cart=CartFactory(user=shopper), product=product, quantity=1)
    word = product.title.split()[-1].lower()
    return {
        "home": "/",
        "category": f"/c/{department.slug}/",
        "search": f"/search/?q={word}",
        "product": product.get_absolute_url(),
        "login": "/accounts/login/",
        "not-found": "/no-such-page/",
        "cart": "/cart/",
        "checkout": "/checkout/",
        "account": "/account/",
    }


SIGNED_IN = ("cart", "checkout", "account")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_type_fits_the_screen_and_passes_axe(live_server, browser, shop_pages, screenshots, viewport):
    folder = screenshots / "screens"
    folder.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = {}
    try:
        for name, path in shop_pages.items():
            if name == SIGNED_IN[0]:
                page.goto(f"{live_server.url}/accounts/login/")
                page.fill("#id_username", "screens")
                page.fill("#id_password", "a-good-password-1")
                page.locator("main button", has_text="Log in").click()
                page.wait_for_url(f"{live_server.url}/**")
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == (404 if name == "not-found" else 200), name
            page.screenshot(path=folder / f"{viewport}-{name}.png", full_page=False)
            assert _overflow(page) <= 0, f"{name} scrolls sideways at {viewport} width"
            if violations := _serious_violations(page):
                problems[name] = violations
    finally:
        context.close()
    if problems:
        pytest.fail("\n".join(f"{name}: {violation}" for name, found in problems.items() for violation in found))


def test_on_a_phone_the_header_fits_results_come_first_and_filters_open_from_a_button(
    live_server, browser, shop_pages, screenshots
):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}{shop_pages['search']}")
        for control in ("#header-q", ".header-search button", "#cart-count", "a[href='/accounts/login/']"):
            box = page.locator(control).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{control} is on screen"
        first = page.locator("#search-body .card").first
        box = first.bounding_box()
        assert box["y"] < 844, f"the first result starts at {box['y']:.0f} px, below the fold"
        assert not page.locator(".facets").is_visible(), "filters wait behind their button"
        page.locator(".filters-drawer summary").click()
        page.locator(".facets h2").first.wait_for(state="visible")
        page.screenshot(path=screenshots / "screens" / "phone-search-filters-open.png")
        assert _overflow(page) <= 0

        page.goto(f"{live_server.url}{shop_pages['category']}")
        assert not page.locator(".facets").is_visible()
        page.locator(".filters-drawer summary").click()
        brand = page.locator(".facets h2", has_text="Brand").locator("xpath=following-sibling::ul[1]//a").first
        chosen = brand.inner_text()
        brand.click()
        page.wait_for_url("**brand=**")
        brands = {text.strip() for text in page.locator(".card .brand").all_inner_texts()}
        assert brands == {chosen}, "the category page narrows by the facet it offered"
        assert page.locator(".chip", has_text=chosen).is_visible()
    finally:
        context.close()


def test_category_filters_and_numbered_pages_on_the_desktop(live_server, page, shop_pages):
    page.goto(f"{live_server.url}/")
    departments = page.locator(".departments a")
    for index in range(departments.count()):
        box = departments.nth(index).bounding_box()
        assert box["x"] + box["width"] <= 1280, "every department is on screen at 1280 px"
    page.goto(f"{live_server.url}{shop_pages['category']}")
    assert page.locator(".facets").is_visible(), "on a desktop the filters are open beside the results"
    assert not page.locator(".filters-drawer summary").is_visible()
    if page.locator(".pagination").count():
        page.locator(".pagination a[aria-label='Page 2']").click()
        assert page.locator(".pagination [aria-current=page]").inner_text() == "2"
    price = page.locator(".facets h2", has_text="Price").locator("xpath=following-sibling::ul[1]//a").first
    expected = int(price.locator("xpath=following-sibling::span").inner_text())
    price.click()
    page.wait_for_url("**_price=**")
    assert page.locator(".card").count() == min(expected, 24), "the facet's count is what the page lists"
