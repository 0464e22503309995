import io

import pytest
from django.utils.html import escape
from PIL import Image

from search.image_encoders import PHOTO_SEARCH_UNAVAILABLE
from search.selectors import product_search

pytestmark = pytest.mark.django_db


def png_bytes(size=(64, 64), colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_api_returns_the_ranking_the_page_shows(demo_catalog, client):
    response = client.get("/api/search/", {"q": "thin remote control", "max_price": "60"})
    data = response.json()
    assert response.status_code == 200
    expected = [hit.product.pk for hit in product_search(query="thin remote control", filters={"max_price": 60}).hits]
    assert [row["id"] for row in data["results"]] == expected
    assert data["count"] >= len(data["results"]) > 0
    assert data["filters"] == {"max_price": "60"}
    assert {"id", "sku", "title", "category", "price", "score", "matched_by", "url"} <= set(data["results"][0])
    assert data["facets"]["categories"]


def test_the_api_paginates_with_links(demo_catalog, client):
    first = client.get("/api/search/", {"q": "headphones"}).json()
    assert first["pages"] >= 2 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert second["page"] == 2
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}


def test_the_api_reads_filters_from_the_query(demo_catalog, client):
    data = client.get("/api/search/", {"q": "red running shoes under $80 for kids"}).json()
    assert data["filters_from_query"] == {"max_price": "80", "age_group": "kids", "colour": "red"}
    assert data["ranked_text"] == "running shoes"


@pytest.mark.parametrize(
    "params", [{"min_price": "-4"}, {"page": "zero"}, {"sort": "sideways"}, {"in_stock": "x", "category": "?"}]
)
def test_bad_api_parameters_are_a_400_with_field_errors(client, params):
    response = client.get("/api/search/", {"q": "lamp", **params})
    assert response.status_code == 400
    assert response.json()["errors"]


def test_photo_search_says_clearly_when_no_image_encoder_is_installed(client, settings):
    settings.IMAGE_ENCODER = {"MODEL": "ViT-B-32", "PRETRAINED": "/nonexistent/clip-checkpoint.pt"}
    response = client.post("/api/search/image/", {"photo": io.BytesIO(png_bytes())})
    assert response.status_code == 503
    assert "Photo search is unavailable" in response.json()["errors"]["photo"][0]
    page = client.get("/search/").content.decode()
    assert escape(PHOTO_SEARCH_UNAVAILABLE) in page
    assert "train_image_encoder" in response.json()["errors"]["photo"][0]


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"this is not an image at all", "not an image we can read"),
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 20, "not an image we can read"),
    ],
)
def test_uploads_that_are_not_images_are_a_400(client, payload, message):
    upload = io.BytesIO(payload)
    upload.name = "photo.png"
    response = client.post("/api/search/image/", {"photo": upload})
    assert response.status_code == 400
    assert message in response.json()["errors"]["photo"][0]


def test_an_upload_without_a_photo_is_a_400(client):
    response = client.post("/api/search/image/", {"category": "tents"})
    assert response.status_code == 400
    assert "Choose a photo" in response.json()["errors"]["photo"][0]
