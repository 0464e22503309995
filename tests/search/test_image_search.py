"""Photo search through the real open_clip code path, with a tiny randomly initialised model."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from search.embedding import products_embed
from search.selectors import product_search
from shop.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictured(demo_catalog, tiny_clip):
    products = list(Product.objects.filter(category__slug__in=["backpacks", "mugs-cups"]).order_by("pk")[:30])
    report = products_embed(product_ids=[p.pk for p in products])
    assert report.image_embedded == len(products)
    return products


def photo_of(product: Product):
    with product.image.open("rb") as image_file:
        return image_file.read()


def test_a_products_own_photo_finds_that_product_first(pictured, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    target = pictured[7]
    response = client.post("/api/search/image/", {"photo": SimpleUploadedFile("mine.png", photo_of(target))})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == target.pk
    assert results[0]["matched_by"] == ["photo"]
    assert response.json()["count"] == len(pictured)


def test_photo_search_keeps_the_filters(pictured, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    target = next(p for p in pictured if p.category.slug == "backpacks")
    response = client.post(
        reverse("search:image"), {"photo": SimpleUploadedFile("mine.png", photo_of(target)), "category": "mugs-cups"}
    )
    assert response.status_code == 200
    hits = response.context["result"].hits
    assert hits and all(hit.product.category.slug == "mugs-cups" for hit in hits)
    assert escape(hits[0].product.title) in response.content.decode()


def test_words_can_match_pictures_as_a_third_signal(pictured, settings):
    settings.SEARCH = {**settings.SEARCH, "WEIGHTS": {**settings.SEARCH["WEIGHTS"], "picture": 0.5}}
    result = product_search(query="backpack")
    assert any("picture" in hit.signals for hit in result.hits)
