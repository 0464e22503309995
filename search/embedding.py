"""Embedding products: the text and image vectors that search (and the recommender) read."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from PIL import Image, UnidentifiedImageError

from ml.colour import colour_signature
from ml.encoders import EncoderUnavailable, text_encoder_get, text_encoder_name
from search.image_encoders import (
    image_vector_field,
    live_image_encoder_get,
    live_image_encoder_name,
    live_image_encoder_status,
    live_image_vector_field,
)
from search.review_text import review_texts_refresh
from shop.models import TEXT_VECTOR_DIMENSIONS, Product

REVIEW_WORDS_EMBEDDED = 15


@dataclass
class EmbedReport:
    text_embedded: int = 0
    image_embedded: int = 0
    colours_signed: int = 0
    unchanged: int = 0
    image_note: str = ""


def product_embedding_text(*, product: Product) -> str:
    """What the text vector describes: title, category, brand, typed attributes, description, review words."""
    attributes = ", ".join(
        f"{label} {value}"
        for label, value in (
            ("colour", product.colour),
            ("material", product.material),
            ("size", product.size),
            ("for", product.get_age_group_display()),
        )
        if value
    )
    text = f"{product.title}. {product.category_names}. Brand {product.brand}. {attributes}. {product.description}"
    try:
        phrases = product.review_text.phrases
    except ObjectDoesNotExist:
        return text
    # Shoppers' own words ("cardi", "jammies") make the vector findable by how shoppers describe it.
    return f"{text} Shoppers say: {', '.join(phrases.split()[:REVIEW_WORDS_EMBEDDED])}."


def product_text_hash(*, product: Product) -> str:
    return hashlib.sha256(product_embedding_text(product=product).encode()).hexdigest()


def product_image_hash(*, product: Product) -> str:
    if not product.image:
        return ""
    try:
        with product.image.open("rb") as image_file:
            return hashlib.sha256(image_file.read()).hexdigest()
    except (OSError, ValueError):
        return ""


def products_stale(*, queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Products whose vectors are missing or were made by another encoder than the configured one.

    Content changes are caught on save (see search.signals); this catches encoder changes and
    products written in bulk. Image vectors count only where an image encoder can embed them; a
    picture's colour signature needs no model.
    """
    products = Product.objects.all() if queryset is None else queryset
    stale = Q(text_embedding__isnull=True) | ~Q(text_encoder=text_encoder_name())
    stale |= ~Q(image="") & Q(picture_colour__isnull=True)
    if live_image_encoder_status() is None:
        missing = Q(**{f"{live_image_vector_field()}__isnull": True})
        stale |= ~Q(image="") & (missing | ~Q(image_encoder=live_image_encoder_name()))
    return products.filter(stale)


def products_embed(
    *,
    product_ids: Iterable[int],
    batch_size: int = 64,
    force: bool = False,
    progress: Callable[[int], None] = lambda done: None,
) -> EmbedReport:
    """Embed the products' text and images where content or encoder changed (or all, with `force`), and give
    every picture its colour signature."""
    report = EmbedReport()
    ids = sorted(set(product_ids))
    text_encoder = text_encoder_get()
    if text_encoder.dimensions != TEXT_VECTOR_DIMENSIONS:
        raise EncoderUnavailable(
            f"Text encoder {text_encoder.name} makes {text_encoder.dimensions}-d vectors; the catalog stores {TEXT_VECTOR_DIMENSIONS}-d."
        )
    try:
        image_encoder = live_image_encoder_get()
    except EncoderUnavailable as error:
        image_encoder, report.image_note = None, str(error)
    image_field = image_vector_field(encoder=image_encoder) if image_encoder is not None else ""
    if image_encoder is not None and image_encoder.dimensions != Product._meta.get_field(image_field).dimensions:
        raise EncoderUnavailable(
            f"Image encoder {image_encoder.name} makes {image_encoder.dimensions}-d vectors; "
            f"the catalog stores {Product._meta.get_field(image_field).dimensions}-d in {image_field}."
        )

    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        review_texts_refresh(product_ids=batch)
        products = list(Product.objects.filter(pk__in=batch).select_related("review_text").order_by("pk"))
        text_todo, image_todo, colour_todo, images = [], [], [], []
        for product in products:
            text_hash = product_text_hash(product=product)
            if (
                force
                or text_hash != product.text_hash
                or product.text_encoder != text_encoder.name
                or product.text_embedding is None
            ):
                product.text_hash = text_hash
                text_todo.append(product)
            image_hash = product_image_hash(product=product)
            if not image_hash:
                if product.picture_colour is not None:  # the picture was removed: so is its colour
                    product.picture_colour, product.picture_colour_hash = None, ""
                    colour_todo.append(product)
                continue
            embed_image = image_encoder is not None and (
                force or image_hash != product.image_hash or product.image_encoder != image_encoder.name
            )
            sign_colour = force or image_hash != product.picture_colour_hash or product.picture_colour is None
            if not (embed_image or sign_colour):
                continue
            try:
                with product.image.open("rb") as image_file, Image.open(image_file) as image:
                    picture = image.convert("RGB")
            except (OSError, UnidentifiedImageError):
                continue
            if sign_colour:
                product.picture_colour, product.picture_colour_hash = colour_signature(image=picture), image_hash
                colour_todo.append(product)
            if embed_image:
                product.image_hash = image_hash
                image_todo.append(product)
                images.append(picture)

        if text_todo:
            vectors = text_encoder.encode([product_embedding_text(product=p) for p in text_todo], batch_size=batch_size)
            for product, vector in zip(text_todo, vectors):
                product.text_embedding, product.text_encoder = vector, text_encoder.name
            Product.objects.bulk_update(text_todo, ["text_embedding", "text_encoder", "text_hash"])
        if image_todo:
            vectors = image_encoder.encode_images(images, batch_size=batch_size)
            for product, vector in zip(image_todo, vectors):
                setattr(product, image_field, vector)
                product.image_encoder = image_encoder.name
            Product.objects.bulk_update(image_todo, [image_field, "image_encoder", "image_hash"])
        if colour_todo:
            Product.objects.bulk_update(colour_todo, ["picture_colour", "picture_colour_hash"])
        report.text_embedded += len(text_todo)
        report.image_embedded += len(image_todo)
        report.colours_signed += len(colour_todo)
        report.unchanged += sum(1 for p in products if p not in text_todo + image_todo + colour_todo)
        progress(len(products))
    return report
