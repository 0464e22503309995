"""Photo search quality: Recall@1 of distorted product photos (text search is measured in search/text_evaluation.py)."""

import random

from PIL import Image, ImageEnhance

from ml.encoders import EncoderUnavailable, image_encoder_get, image_encoder_name
from ml.vectors import vector_nearest
from shop.models import Product


def photo_variants(*, image: Image.Image, rng: random.Random) -> list[Image.Image]:
    """The same object in other light and from another angle: rotated, cropped, re-lit."""
    width, height = image.size
    crop = image.crop((int(width * 0.08), int(height * 0.08), int(width * 0.92), int(height * 0.92)))
    return [
        image.rotate(rng.uniform(10, 25), expand=False, fillcolor=image.getpixel((0, 0))),
        crop.resize(image.size),
        ImageEnhance.Brightness(image).enhance(rng.uniform(0.6, 0.8)),
        ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(1.25)).enhance(0.8),
    ]


def photo_recall_at_1(*, sample: int = 100, seed: int = 7) -> tuple[float | None, str]:
    """Share of distorted product photos whose nearest product is the product itself; None without an encoder."""
    try:
        encoder = image_encoder_get()
    except EncoderUnavailable as error:
        return None, str(error)
    products = Product.objects.filter(is_active=True, image_encoder=image_encoder_name())
    ids = sorted(products.values_list("pk", flat=True))
    if not ids:
        return None, "no product has an image vector from this encoder (run manage.py embed_products)"
    rng = random.Random(seed)
    chosen = rng.sample(ids, k=min(sample, len(ids)))
    hits = total = 0
    for product in Product.objects.filter(pk__in=chosen):
        with product.image.open("rb") as image_file, Image.open(image_file) as image:
            variants = photo_variants(image=image.convert("RGB"), rng=rng)
        for vector in encoder.encode_images(variants):
            nearest = vector_nearest(queryset=products, field="image_embedding", vector=vector, k=1)
            hits += bool(nearest) and nearest[0][0] == product.pk
            total += 1
    return hits / total, f"{total} distorted photos of {len(chosen)} products, encoder {encoder.name}"
