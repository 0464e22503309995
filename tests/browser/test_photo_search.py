import io

import pytest
from PIL import Image

from ml.loading import loaded_reset
from tests.search.towers import pictured_products_make, tiny_tower_go_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone_photo(*, product) -> bytes:
    """A photo of the product's picture: cropped a little off centre and saved as a JPEG."""
    with product.image.open("rb") as handle, Image.open(handle) as picture:
        width, height = picture.size
        photo = picture.convert("RGB").crop((width // 20, height // 12, width - width // 12, height - width // 20))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def test_a_shopper_uploads_a_photo_and_sees_that_kind_of_product_first(live_server, page, screenshots):
    products = pictured_products_make()
    page.goto(f"{live_server.url}/search/")
    page.get_by_text("Search with a photo").click()
    assert page.get_by_text("Photo search isn't ready in this shop yet").is_visible(), "before any encoder is trained"

    tiny_tower_go_live(products=products)
    try:
        page.goto(f"{live_server.url}/search/")
        page.get_by_text("Search with a photo").click()
        page.locator("input[name=photo]").set_input_files(
            files=[{"name": "my-boots.jpg", "mimeType": "image/jpeg", "buffer": _phone_photo(product=products[0])}]
        )
        page.get_by_role("button", name="Find similar products").click()
        first = page.locator("#search-body .card h3").first
        first.wait_for()
        assert "red boot" in first.inner_text().lower(), "the product photographed, or the other red boot"
        page.screenshot(path=screenshots / "06-photo-search.png", full_page=False)
    finally:
        loaded_reset()
