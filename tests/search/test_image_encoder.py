"""The image encoder the shop trains: training, going live, photo search and words-to-pictures through it."""

import io
import random

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ml.artifacts import artifact_save
from ml.image_tower import ImageTowerConfig, image_tower_payload, image_tower_train
from ml.loading import loaded_reset
from search.embedding import products_embed
from search.evaluation_images import photo_distort
from search.image_encoders import live_image_encoder_get
from search.image_training import image_encoder_version_activate
from search.models import ImageEncoderRun, ImageEncoderVersion
from search.ranking import picture_rank
from shop.demo.images import product_image_draw
from shop.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

KINDS = [("boot", "red"), ("boot", "black"), ("mug", "blue"), ("mug", "yellow"), ("plant", "green"), ("tv", "black")]
TINY = ImageTowerConfig(image_size=32, epochs=8, batch_size=12, learning_rate=3e-3)


def _picture(*, shape: str, colour: str, seed: int) -> bytes:
    return product_image_draw(shape=shape, colour=colour, rng=random.Random(seed))


@pytest.fixture
def pictured():
    """Twelve products of our own, two of each kind, with pictures and text vectors."""
    products = []
    for index, (shape, colour) in enumerate(KINDS * 2):
        product = ProductFactory(title=f"Own {colour} {shape} {index}", colour=colour)
        product.image.save(f"own-{index}.png", ContentFile(_picture(shape=shape, colour=colour, seed=index)))
        products.append(product)
    products_embed(product_ids=[p.pk for p in products])
    return list(Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk"))


def _images(products):
    rows = []
    for product in products:
        with product.image.open("rb") as handle, Image.open(handle) as image:
            rows.append(image.convert("RGB"))
    return rows


@pytest.fixture
def live_tower(pictured):
    """A tiny tower trained on the own products, registered and put live through the pipeline's service."""
    result = image_tower_train(
        images=_images(pictured),
        text_vectors=np.stack([np.asarray(p.text_embedding, dtype=np.float32) for p in pictured]),
        config=TINY,
        device="cpu",
    )
    run = ImageEncoderRun.objects.create(starting_point="resnet18", losses=result.losses)
    stored = artifact_save(name=run.model_artifact, payload=image_tower_payload(tower=result.tower, text_encoder="x"))
    version = ImageEncoderVersion.objects.create(
        run=run, name=f"test-tower/run-{run.pk}", artifact=stored.name, artifact_sha256=stored.sha256, text_encoder="x"
    )
    image_encoder_version_activate(version=version, product_ids=[p.pk for p in pictured])
    yield version, result
    loaded_reset()


def test_training_pulls_pictures_towards_their_products_text(live_tower):
    _, result = live_tower
    assert result.losses[-1] < result.losses[0]


def test_going_live_embeds_every_picture_with_the_new_encoder(live_tower, pictured):
    version, _ = live_tower
    for product in Product.objects.filter(pk__in=[p.pk for p in pictured]):
        assert product.image_encoder == version.name
        assert product.image_aligned_embedding is not None and len(product.image_aligned_embedding) == 384
    assert live_image_encoder_get().name == version.name


def test_a_product_photo_finds_that_product_first_with_the_trained_encoder(live_tower, pictured, client):
    target = pictured[4]
    with target.image.open("rb") as handle:
        photo = handle.read()
    response = client.post("/api/search/image/", {"photo": SimpleUploadedFile("mine.png", photo)})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == target.pk
    assert {hit["id"] for hit in results} <= {p.pk for p in pictured}


def test_words_search_pictures_directly_in_the_text_space(live_tower, pictured):
    ranked = picture_rank(base=Product.objects.all(), text="red boot", limit=5, filtered=False)
    assert ranked and {pk for pk, _ in ranked} <= {p.pk for p in pictured}


def test_a_new_picture_is_embedded_by_the_live_encoder_on_commit(live_tower, django_capture_on_commit_callbacks):
    version, _ = live_tower
    product = ProductFactory(title="Own green plant new", colour="green")
    with django_capture_on_commit_callbacks(execute=True):
        product.image.save("own-new.png", ContentFile(_picture(shape="plant", colour="green", seed=99)))
    product.refresh_from_db()
    assert product.image_encoder == version.name and product.image_aligned_embedding is not None


def test_a_trained_encoder_that_cannot_load_is_a_clear_503(live_tower, client, settings):
    version, _ = live_tower
    ImageEncoderVersion.objects.filter(pk=version.pk).update(artifact_sha256="0" * 64)
    loaded_reset()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, format="PNG")
    response = client.post("/api/search/image/", {"photo": SimpleUploadedFile("x.png", buffer.getvalue())})
    assert response.status_code == 503
    assert "cannot load" in response.json()["errors"]["photo"][0]


def test_evaluation_photos_are_distorted_but_keep_the_products_colour():
    picture = Image.open(io.BytesIO(_picture(shape="mug", colour="red", seed=3))).convert("RGB")
    photo = photo_distort(image=picture, rng=random.Random(1))
    assert photo.size == picture.size
    assert not np.array_equal(np.asarray(photo), np.asarray(picture))
    pixels = np.asarray(photo, dtype=np.int16).reshape(-1, 3)
    reddish = (pixels[:, 0] > pixels[:, 1] + 60) & (pixels[:, 0] > pixels[:, 2] + 60)
    assert reddish.mean() > 0.05
