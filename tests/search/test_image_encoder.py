"""The image encoder the shop trains: training, going live, photo search and words-to-pictures through it."""

import dataclasses
import io
import json
import random
import re

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from ml.image_tower import image_tower_encode, image_tower_from_payload, image_tower_payload, image_tower_train
from ml.loading import loaded_reset
from search.evaluation_images import (
    COLOUR_WEIGHTS,
    CatalogPictures,
    catalog_pictures_load,
    colour_weight_tune,
    photo_distort,
)
from search.image_encoders import live_image_encoder_get
from search.image_training import image_tower_config
from search.models import ImageEncoderVersion
from search.ranking import picture_rank
from shop.models import Product
from tests.factories import ProductFactory
from tests.search.towers import (
    KINDS,
    TINY,
    loss_fell,
    picture_draw,
    pictured_products_make,
    product_images,
    tiny_tower_go_live,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictured():
    return pictured_products_make()


@pytest.fixture
def live_tower(pictured):
    yield tiny_tower_go_live(products=pictured)
    loaded_reset()


def test_training_pulls_pictures_towards_their_products_text(live_tower):
    _, result = live_tower
    assert loss_fell(result.losses), result.losses


def test_a_tower_trained_in_bfloat16_learns_as_the_float32_one_does(pictured):
    text_vectors = np.stack([np.asarray(p.text_embedding, dtype=np.float32) for p in pictured])
    images = product_images(pictured)
    losses = {
        precision: image_tower_train(
            images=images,
            text_vectors=text_vectors,
            config=dataclasses.replace(TINY, precision=precision),
            device="cpu",
        ).losses
        for precision in ("float32", "bfloat16")
    }
    # Same seed, same weights, same first batch: the bfloat16 forward pass computes float32's loss, to rounding.
    assert losses["bfloat16"][0] == pytest.approx(losses["float32"][0], rel=0.01)
    assert loss_fell(losses["bfloat16"]), losses["bfloat16"]


def test_training_precision_is_a_setting_and_a_wrong_value_is_a_clear_error(settings):
    settings.IMAGE_ENCODER_TRAINING = {**settings.IMAGE_ENCODER_TRAINING, "PRECISION": "float32"}
    assert image_tower_config(device="cpu").precision == "float32"
    settings.IMAGE_ENCODER_TRAINING = {**settings.IMAGE_ENCODER_TRAINING, "PRECISION": "half"}
    with pytest.raises(ImproperlyConfigured, match="auto, bfloat16 or float32"):
        image_tower_config(device="cpu")


def test_the_architecture_trained_is_the_setting_and_a_wrong_name_is_a_clear_error(settings):
    settings.IMAGE_ENCODER_TRAINING = {**settings.IMAGE_ENCODER_TRAINING, "START": "shufflenet_v2_x0_5"}
    assert image_tower_config(device="cpu").architecture == "shufflenet_v2_x0_5"
    settings.IMAGE_ENCODER_TRAINING = {**settings.IMAGE_ENCODER_TRAINING, "START": "resnet-18"}
    with pytest.raises(ImproperlyConfigured, match="clip or a torchvision classifier"):
        image_tower_config(device="cpu")


def test_a_lighter_architecture_trains_serves_and_reloads_from_its_artifact(pictured):
    text_vectors = np.stack([np.asarray(p.text_embedding, dtype=np.float32) for p in pictured])
    images = product_images(pictured)
    config = dataclasses.replace(TINY, architecture="mobilenet_v3_small")
    result = image_tower_train(images=images, text_vectors=text_vectors, config=config, device="cpu")
    assert len(result.losses) == config.epochs and np.isfinite(result.losses).all()
    payload = image_tower_payload(tower=result.tower, text_encoder="test")
    assert payload["config"]["architecture"] == "mobilenet_v3_small"
    reloaded = image_tower_from_payload(payload=payload, device="cpu")
    vectors = image_tower_encode(tower=reloaded, images=images, device="cpu")
    assert vectors.shape == (len(images), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors, image_tower_encode(tower=result.tower, images=images, device="cpu"), atol=1e-5)


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
        product.image.save("own-new.png", ContentFile(picture_draw(shape="plant", colour="green", seed=99)))
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
    picture = Image.open(io.BytesIO(picture_draw(shape="mug", colour="red", seed=3))).convert("RGB")
    photo = photo_distort(image=picture, rng=random.Random(1))
    assert photo.size == picture.size
    assert not np.array_equal(np.asarray(photo), np.asarray(picture))
    pixels = np.asarray(photo, dtype=np.int16).reshape(-1, 3)
    reddish = (pixels[:, 0] > pixels[:, 1] + 60) & (pixels[:, 0] > pixels[:, 2] + 60)
    assert reddish.mean() > 0.05


def test_evaluate_search_measures_the_live_trained_encoder_beside_the_baseline(live_tower, settings):
    version, _ = live_tower
    out = io.StringIO()
    call_command("evaluate_search", "--json", "--photos", "4", stdout=out)
    report = json.loads(out.getvalue())
    photos = report["photos"]
    assert photos["live"]["encoder"] == version.name
    assert set(photos) == {"live", "baseline (colour histogram + thumbnail)"}
    for figures in photos.values():
        assert figures["trained"]["photos"] > 0 and 0 <= figures["trained"]["recall@10"] <= 1
    # The live encoder is also measured as photo search serves it: re-ranked with colour, at the setting's weight.
    assert photos["live"]["trained, with colour"]["photos"] == photos["live"]["trained"]["photos"]
    assert photos["live"]["colour weight"] == settings.SEARCH["PHOTO_COLOUR_WEIGHT"]
    # The words-to-pictures ranking is measured beside the others, because the live encoder can rank words.
    assert "pictures" in report["sets"]["development"]["rankings"]


def _section_links(html: str, section_id: str) -> list[str]:
    match = re.search(rf'<section class="product-row" id="{section_id}">(.*?)</section>', html, re.S)
    return re.findall(r'href="([^"?]+)', match.group(1)) if match else []


def test_a_product_page_shows_the_products_that_look_like_it(live_tower, pictured, client):
    red_boot, its_twin = pictured[0], pictured[len(KINDS)]  # both red boots, drawn from different seeds
    Product.objects.filter(pk=pictured[1].pk).update(stock=0)  # a black boot no one can buy
    links = _section_links(client.get(red_boot.get_absolute_url()).content.decode(), "visually-similar")
    assert links[0] == its_twin.get_absolute_url()
    assert red_boot.get_absolute_url() not in links and pictured[1].get_absolute_url() not in links
    assert len(links) == 6


def test_a_product_page_has_no_visually_similar_row_before_an_encoder_is_live(pictured, client):
    html = client.get(pictured[0].get_absolute_url()).content.decode()
    assert 'id="visually-similar"' not in html
    assert _section_links(html, "visually-similar") == []


def test_a_phone_photo_of_a_red_boot_shows_the_red_boots_first(live_tower, pictured, client):
    """A boot the shop does not sell, photographed on a table: the shop's red boots come before its black ones."""
    picture = Image.open(io.BytesIO(picture_draw(shape="boot", colour="red", seed=50))).convert("RGB")
    buffer = io.BytesIO()
    photo_distort(image=picture, rng=random.Random(5)).save(buffer, format="JPEG")
    response = client.post("/api/search/image/", {"photo": SimpleUploadedFile("boot.jpg", buffer.getvalue())})
    assert response.status_code == 200
    by_id = {p.pk: p for p in pictured}
    first_two = [by_id[hit["id"]] for hit in response.json()["results"][:2]]
    assert [(p.title.split()[2], p.colour) for p in first_two] == [("boot", "red")] * 2


def test_the_colour_weight_is_the_best_on_development_photos_of_trained_products(live_tower, pictured):
    everything = catalog_pictures_load()
    ours = [i for i, pk in enumerate(everything.ids) if pk in {p.pk for p in pictured}]
    fields = ("ids", "skus", "categories", "colours", "texts", "images")
    pictures = CatalogPictures(*([getattr(everything, name)[i] for i in ours] for name in fields))
    held_out = {pictures.ids[i] for i in np.flatnonzero(pictures.held_out_mask())}
    tuning = colour_weight_tune(pictures=pictures, encode_images=live_image_encoder_get().encode_images)
    assert set(tuning.scores) == set(COLOUR_WEIGHTS) and tuning.scores[tuning.weight] == max(tuning.scores.values())
    assert sorted(tuning.product_ids) == sorted(set(pictures.ids) - held_out), "every trained product, no held-out one"
