import numpy as np
import pytest

from ml.encoders import image_encoder_get, text_encoder_get
from ml.services import products_embed, products_stale
from shop.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_text_vectors_are_normalised_float32_and_mean_something():
    encoder = text_encoder_get()
    vectors = encoder.encode(["slim remote control", "thin remote", "blender"], queries=True)
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


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


def test_the_tiny_clip_model_embeds_pictures_and_words(tiny_clip):
    from PIL import Image

    encoder = image_encoder_get()
    images = encoder.encode_images([Image.new("RGB", (300, 200), "red"), Image.new("RGB", (50, 50), "blue")])
    texts = encoder.encode_texts(["a striped shirt", "floral dress"])
    assert images.shape == (2, 512) and texts.shape == (2, 512)
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
