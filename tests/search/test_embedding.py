import numpy as np
import pytest

from ml.encoders import text_encoder_get
from search.embedding import products_embed, products_stale
from shop.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_new_or_changed_product_is_embedded_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product = ProductFactory(title="Walnut Desk Lamp")
    assert len(callbacks) == 1
    product.refresh_from_db()
    assert product.text_embedding is not None and product.text_encoder == text_encoder_get().name
    first = np.array(product.text_embedding)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product.stock = 3
        product.save()
    assert callbacks == [], "a stock change does not touch the vectors"

    with django_capture_on_commit_callbacks(execute=True):
        product.title = "Brass Floor Lamp"
        product.save()
    product.refresh_from_db()
    assert not np.allclose(np.array(product.text_embedding), first)


def test_unchanged_products_are_skipped_and_force_redoes_them():
    product = ProductFactory.build(category=ProductFactory().category)
    Product.objects.bulk_create([product])
    assert products_embed(product_ids=[product.pk]).text_embedded == 1
    assert products_embed(product_ids=[product.pk]).text_embedded == 0
    assert products_embed(product_ids=[product.pk], force=True).text_embedded == 1


def test_changing_the_encoder_setting_marks_vectors_stale(settings):
    product = ProductFactory.build(category=ProductFactory().category)
    Product.objects.bulk_create([product])
    products_embed(product_ids=[product.pk])
    assert not products_stale(queryset=Product.objects.filter(pk=product.pk)).exists()
    settings.TEXT_ENCODER = {**settings.TEXT_ENCODER, "NAME": "BAAI/bge-small-en-v1.5"}
    assert products_stale(queryset=Product.objects.filter(pk=product.pk)).exists()


def test_every_picture_gets_its_colour_signature_even_before_an_image_encoder_is_live():
    from django.core.files.base import ContentFile

    from tests.search.towers import picture_draw

    product = ProductFactory(title="Own red mug", colour="red")
    Product.objects.filter(pk=product.pk).update(picture_colour=None)
    product.image.save("own-red-mug.png", ContentFile(picture_draw(shape="mug", colour="red", seed=1)), save=False)
    Product.objects.filter(pk=product.pk).update(image=product.image.name, picture_colour=None)
    assert products_stale().filter(pk=product.pk).exists(), "a picture without its colour is work to do"

    products_embed(product_ids=[product.pk])
    product.refresh_from_db()
    assert product.picture_colour is not None and np.isclose(np.linalg.norm(product.picture_colour), 1, atol=1e-4)
    assert product.image_aligned_embedding is None, "no image encoder is live: no image vector"
    assert not products_stale().filter(pk=product.pk).exists()

    red = np.array(product.picture_colour)
    product.image.save("own-blue-mug.png", ContentFile(picture_draw(shape="mug", colour="blue", seed=1)))
    products_embed(product_ids=[product.pk])
    product.refresh_from_db()
    assert float(np.dot(product.picture_colour, red)) < 0.5, "a new picture is signed anew"
