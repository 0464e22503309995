"""A tiny image tower trained on a dozen products of our own and put live: shared by the photo-search tests."""

import random

import numpy as np
from django.core.files.base import ContentFile
from PIL import Image

from ml.artifacts import artifact_save
from ml.image_tower import ImageTowerConfig, TrainingResult, image_tower_payload, image_tower_train
from search.embedding import products_embed
from search.image_training import image_encoder_version_activate
from search.models import ImageEncoderRun, ImageEncoderVersion
from shop.demo.images import product_image_draw
from shop.models import Product
from tests.factories import ProductFactory

KINDS = [("boot", "red"), ("boot", "black"), ("mug", "blue"), ("mug", "yellow"), ("plant", "green"), ("tv", "black")]
# Twelve pictures make one batch, so an epoch is a single augmented step and its loss is noisy: 16
# epochs let the trend show through (loss_fell), 8 did not on every CPU; and at 16 the product page's
# nearest picture to a red boot was another kind of thing once in 36 trainings (other seeds and thread
# counts), where 32 epochs put the other red boot first in all 48 tried.
TINY = ImageTowerConfig(image_size=32, epochs=32, batch_size=12, learning_rate=3e-3)


def loss_fell(losses: list[float]) -> bool:
    """The last quarter of the epochs' losses is clearly below the first quarter's, whatever one noisy step did."""
    quarter = max(len(losses) // 4, 1)
    return float(np.mean(losses[-quarter:])) < float(np.mean(losses[:quarter])) - 0.2


def picture_draw(*, shape: str, colour: str, seed: int) -> bytes:
    return product_image_draw(shape=shape, colour=colour, rng=random.Random(seed))


def pictured_products_make() -> list[Product]:
    """Twelve products, two of each kind, with pictures and text vectors."""
    products = []
    for index, (shape, colour) in enumerate(KINDS * 2):
        product = ProductFactory(title=f"Own {colour} {shape} {index}", colour=colour)
        product.image.save(f"own-{index}.png", ContentFile(picture_draw(shape=shape, colour=colour, seed=index)))
        products.append(product)
    products_embed(product_ids=[p.pk for p in products])
    return list(Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk"))


def product_images(products: list[Product]) -> list[Image.Image]:
    rows = []
    for product in products:
        with product.image.open("rb") as handle, Image.open(handle) as image:
            rows.append(image.convert("RGB"))
    return rows


def tiny_tower_go_live(*, products: list[Product]) -> tuple[ImageEncoderVersion, TrainingResult]:
    """Train the tiny tower on `products`, register it, and put it live through the pipeline's service."""
    result = image_tower_train(
        images=product_images(products),
        text_vectors=np.stack([np.asarray(p.text_embedding, dtype=np.float32) for p in products]),
        config=TINY,
        device="cpu",
    )
    run = ImageEncoderRun.objects.create(starting_point="resnet18", losses=result.losses)
    stored = artifact_save(name=run.model_artifact, payload=image_tower_payload(tower=result.tower, text_encoder="x"))
    version = ImageEncoderVersion.objects.create(
        run=run, name=f"test-tower/run-{run.pk}", artifact=stored.name, artifact_sha256=stored.sha256, text_encoder="x"
    )
    image_encoder_version_activate(version=version, product_ids=[p.pk for p in products])
    return version, result
