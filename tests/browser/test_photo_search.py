import io
import random

import pytest
from PIL import Image

from ml.loading import loaded_reset
from search.evaluation_images import photo_distort
from tests.search.towers import picture_draw, pictured_products_make, tiny_tower_go_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone_photo(*, shape: str, colour: str) -> bytes:
    """Another drawing of a product kind than any in the catalog, photographed: background, angle, blur, JPEG."""
    drawing = Image.open(io.BytesIO(picture_draw(shape=shape, colour=colour, seed=50))).convert("RGB")
    buffer = io.BytesIO()
    photo_distort(image=drawing, rng=random.Random(3)).save(buffer, format="JPEG", quality=80)
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
            files=[
                {"name": "my-boots.jpg", "mimeType": "image/jpeg", "buffer": _phone_photo(shape="boot", colour="red")}
            ]
        )
        page.get_by_role("button", name="Find similar products").click()
        first = page.locator("#search-body .card h3").first
        first.wait_for()
        assert "red boot" in first.inner_text().lower()
        page.screenshot(path=screenshots / "06-photo-search.png", full_page=False)
    finally:
        loaded_reset()
