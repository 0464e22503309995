"""Photo search, measured: distorted photos of catalog products, and words ranked by pictures alone.

Query photos are catalog pictures put through what a phone does to them (crop, rotation
±20°, scale, brightness and contrast, another background, blur, low JPEG quality), drawn
with Pillow here and not with the training augmentation's code. Products held out of the
encoder's training (`product_held_out`, a fixed rule on the SKU, chosen before any training)
are reported apart from trained ones.

Figures, per part (held out / trained):
- exact product Recall@1 and Recall@10 among every catalog picture;
- same category and colour precision@5 (what a shopper who photographs red boots expects);
and, over the whole catalog, words-to-pictures nDCG@10 of the attribute queries in
`evaluation_image_queries.json` ranked by picture vectors alone.

The baseline in the same run is what a shop without machine learning would do: a colour
histogram and a 16×16 thumbnail, nearest by cosine; words rank by how much of a picture
is the named colour (a query without a colour word finds nothing).
"""

import hashlib
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageEnhance, ImageFilter

from ml.colour import colour_signatures
from shop.models import Product

QUERIES_PATH = Path(__file__).with_name("evaluation_image_queries.json")
HELD_OUT_SHARE = 10
"""One product in ten (by SKU hash) never trains an image encoder."""
PICTURE_SIZE = 160
FIGURE_PARTS = ("held out", "trained", "held out, with colour", "trained, with colour")
"""The photo figures' parts, in reading order; runs measured before the colour re-ranking lack the last two."""


def product_held_out(*, sku: str) -> bool:
    return int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16) % HELD_OUT_SHARE == 0


@dataclass
class CatalogPictures:
    ids: list[int]
    skus: list[str]
    categories: list[int]
    colours: list[str]
    texts: list[str]
    images: list[Image.Image]

    def held_out_mask(self) -> np.ndarray:
        return np.array([product_held_out(sku=sku) for sku in self.skus])


def catalog_pictures_load(*, size: int = PICTURE_SIZE, limit: int | None = None) -> CatalogPictures:
    """Every active product with a picture (or the first `limit`), the picture shrunk to `size` (training crops from it)."""
    rows = CatalogPictures([], [], [], [], [], [])
    products = Product.objects.filter(is_active=True).exclude(image="").order_by("pk")[:limit]
    for product in products.only("pk", "sku", "category_id", "colour", "title", "category_names", "image"):
        try:
            with product.image.open("rb") as handle, Image.open(handle) as image:
                picture = image.convert("RGB")
        except OSError:
            continue
        picture.thumbnail((size, size))
        rows.ids.append(product.pk)
        rows.skus.append(product.sku)
        rows.categories.append(product.category_id)
        rows.colours.append(product.colour)
        rows.texts.append(f"{product.title} {product.category_names}".lower())
        rows.images.append(picture)
    return rows


def _background(*, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A two-colour gradient with noise: a table, a wall, a floor."""
    first, second = (np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32) for _ in range(2))
    ramp = np.linspace(0, 1, size[1], dtype=np.float32)[:, None, None]
    pixels = (
        first * (1 - ramp)
        + second * ramp
        + np.random.default_rng(rng.randint(0, 2**31)).normal(0, 12, (*size[::-1], 3))
    )
    return Image.fromarray(np.clip(np.broadcast_to(pixels, (size[1], size[0], 3)), 0, 255).astype(np.uint8))


def photo_distort(*, image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a product picture: another background, rotated, cropped, rescaled, lit, blurred, JPEG'd."""
    picture = image.convert("RGB")
    pixels = np.asarray(picture).astype(np.int16)
    corners = np.median(np.stack([pixels[0, 0], pixels[0, -1], pixels[-1, 0], pixels[-1, -1]]), axis=0)
    backdrop = np.abs(pixels - corners).max(axis=2) <= 12
    mask = Image.fromarray((~backdrop * 255).astype(np.uint8))
    photo = _background(size=picture.size, rng=rng)
    photo.paste(picture, (0, 0), mask)
    photo = photo.rotate(
        rng.uniform(-20, 20), resample=Image.Resampling.BILINEAR, fillcolor=tuple(int(c) for c in corners)
    )
    width, height = photo.size
    share = rng.uniform(0.7, 0.95)
    left, top = rng.uniform(0, 1 - share) * width, rng.uniform(0, 1 - share) * height
    photo = photo.crop((int(left), int(top), int(left + share * width), int(top + share * height)))
    scale = rng.uniform(0.35, 1.0)
    small = photo.resize((max(16, int(photo.width * scale)), max(16, int(photo.height * scale))))
    photo = small.resize((width, height), Image.Resampling.BICUBIC)
    photo = ImageEnhance.Brightness(photo).enhance(rng.uniform(0.65, 1.35))
    photo = ImageEnhance.Contrast(photo).enhance(rng.uniform(0.65, 1.35))
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    buffer = BytesIO()
    photo.save(buffer, format="JPEG", quality=rng.randint(10, 35))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def baseline_features(*, images: list[Image.Image]) -> np.ndarray:
    """Colour histogram (8 levels a channel) beside a 16×16 thumbnail, each L2-normalised."""
    rows = []
    for image in images:
        small = np.asarray(image.convert("RGB").resize((64, 64))).reshape(-1, 3) // 32
        histogram = np.bincount(small[:, 0] * 64 + small[:, 1] * 8 + small[:, 2], minlength=512).astype(np.float32)
        thumbnail = np.asarray(image.convert("RGB").resize((16, 16)), dtype=np.float32).ravel() / 255
        thumbnail -= thumbnail.mean()
        rows.append(np.concatenate([_unit(histogram), _unit(thumbnail)]))
    return np.stack(rows) / math.sqrt(2)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _colour_share(*, images: list[Image.Image], rgb: tuple[int, int, int]) -> np.ndarray:
    target = np.array(rgb, dtype=np.float32)
    return np.array(
        [
            float((np.linalg.norm(np.asarray(i.resize((48, 48)), dtype=np.float32) - target, axis=2) < 60).mean())
            for i in images
        ]
    )


def image_queries_load() -> list[dict]:
    return json.loads(QUERIES_PATH.read_text())


def _relevant(*, query: dict, pictures: CatalogPictures) -> np.ndarray:
    colour_ok = np.array([query.get("colour") in (None, colour) for colour in pictures.colours])
    words = query.get("words", [])
    words_ok = np.array([all(word in text for word in words) for text in pictures.texts])
    return colour_ok & words_ok


def _ndcg_at_10(*, scores: np.ndarray, relevant: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")[:10]
    gains = sum(1 / math.log2(rank + 2) for rank, index in enumerate(order) if relevant[index])
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, int(relevant.sum()))))
    return gains / ideal if ideal else 0.0


def _photo_figures(*, similarities: np.ndarray, query_rows: list[int], pictures: CatalogPictures) -> dict:
    top = np.argsort(-similarities, axis=1, kind="stable")[:, :10]
    hit_1 = hit_10 = same = 0
    for query_index, row in enumerate(query_rows):
        ranked = top[query_index]
        hit_1 += ranked[0] == row
        hit_10 += row in ranked
        same += sum(
            pictures.categories[i] == pictures.categories[row] and pictures.colours[i] == pictures.colours[row]
            for i in ranked[:5]
        )
    count = max(len(query_rows), 1)
    return {
        "recall@1": round(hit_1 / count, 4),
        "recall@10": round(hit_10 / count, 4),
        "same category and colour p@5": round(same / (5 * count), 4),
        "photos": len(query_rows),
    }


def colour_reranked(
    *, similarities: np.ndarray, catalog_colours: np.ndarray, photo_colours: np.ndarray, weight: float
) -> np.ndarray:
    """What photo search serves: each photo's nearest candidates by the encoder, re-scored with colour
    (`search.ranking.photo_scores`); the rest of the catalog ranks below them."""
    from search.ranking import photo_scores  # search.ranking reads the live encoders; this module loads none

    candidates = np.argsort(-similarities, axis=1, kind="stable")[:, : settings.SEARCH["CANDIDATES"]]
    scores = np.full_like(similarities, -np.inf)
    for index, columns in enumerate(candidates):
        scores[index, columns] = photo_scores(
            similarities=similarities[index, columns],
            colour_similarities=catalog_colours[columns] @ photo_colours[index],
            weight=weight,
        )
    return scores


@dataclass
class EvaluationPhotos:
    """The distorted photos, drawn once per run, so every encoder and the baseline see the same ones."""

    held_out: list[int]
    trained: list[int]
    photos: dict[int, Image.Image]


def evaluation_photos_draw(*, pictures: CatalogPictures, per_part: int = 300, seed: int = 11) -> EvaluationPhotos:
    rng = random.Random(seed)
    held = pictures.held_out_mask()
    held_rows = [i for i in range(len(pictures.ids)) if held[i]]
    trained_rows = [i for i in range(len(pictures.ids)) if not held[i]]
    held_rows = sorted(rng.sample(held_rows, min(per_part, len(held_rows))))
    trained_rows = sorted(rng.sample(trained_rows, min(per_part, len(trained_rows))))
    photos = {row: photo_distort(image=pictures.images[row], rng=rng) for row in held_rows + trained_rows}
    return EvaluationPhotos(held_out=held_rows, trained=trained_rows, photos=photos)


def image_search_figures(
    *,
    pictures: CatalogPictures,
    photos: EvaluationPhotos,
    encode_images: Callable[[list[Image.Image]], np.ndarray],
    encode_texts: Callable[[list[str]], np.ndarray] | None,
    colour_weight: float | None = None,
) -> dict:
    """One encoder's figures: per part the photo figures (and, given `colour_weight`, those of its ranking
    re-scored with colour, as photo search serves it), and words-to-pictures nDCG@10 (None without words)."""
    catalog = encode_images(pictures.images)
    catalog_colours = colour_signatures(images=pictures.images) if colour_weight is not None else None
    figures = {}
    for part, rows in (("held out", photos.held_out), ("trained", photos.trained)):
        if not rows:  # a small catalog may hold no product of one part
            figures[part] = {"recall@1": 0.0, "recall@10": 0.0, "same category and colour p@5": 0.0, "photos": 0}
            continue
        images = [photos.photos[row] for row in rows]
        similarities = encode_images(images) @ catalog.T
        figures[part] = _photo_figures(similarities=similarities, query_rows=rows, pictures=pictures)
        if catalog_colours is not None:
            reranked = colour_reranked(
                similarities=similarities,
                catalog_colours=catalog_colours,
                photo_colours=colour_signatures(images=images),
                weight=colour_weight,
            )
            figures[f"{part}, with colour"] = _photo_figures(similarities=reranked, query_rows=rows, pictures=pictures)
    if encode_texts is not None:
        queries = image_queries_load()
        vectors = encode_texts([query["text"] for query in queries])
        scores = [
            _ndcg_at_10(scores=catalog @ vector, relevant=relevant)
            for query, vector in zip(queries, vectors)
            if (relevant := _relevant(query=query, pictures=pictures)).any()
        ]
        figures["words ndcg@10"] = round(float(np.mean(scores)), 4)
    if colour_weight is not None:
        figures["colour weight"] = colour_weight
    return figures


COLOUR_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
DEVELOPMENT_SEED = 23
"""The development photos' draw: other distortions than the evaluation's (seed 11), of trained products only."""


@dataclass
class ColourWeightTuning:
    weight: float
    scores: dict[float, float]
    """Each weight's mean of R@10 and same category and colour P@5 on the development photos."""
    product_ids: list[int]
    """The photographed products: trained ones only."""


def colour_weight_tune(
    *, pictures: CatalogPictures, encode_images: Callable[[list[Image.Image]], np.ndarray], count: int = 300
) -> ColourWeightTuning:
    """The colour weight that maximises the promotion score's two figures (R@10 and same category and colour
    P@5, averaged) on development photos: distorted photos of trained products, never of held-out ones."""
    rng = random.Random(DEVELOPMENT_SEED)
    held = pictures.held_out_mask()
    rows = sorted(rng.sample([i for i in range(len(pictures.ids)) if not held[i]], min(count, int((~held).sum()))))
    images = [photo_distort(image=pictures.images[row], rng=rng) for row in rows]
    similarities = encode_images(images) @ encode_images(pictures.images).T
    catalog_colours, photo_colours = colour_signatures(images=pictures.images), colour_signatures(images=images)
    scores = {}
    for weight in COLOUR_WEIGHTS:
        reranked = colour_reranked(
            similarities=similarities, catalog_colours=catalog_colours, photo_colours=photo_colours, weight=weight
        )
        figures = _photo_figures(similarities=reranked, query_rows=rows, pictures=pictures)
        scores[weight] = round((figures["recall@10"] + figures["same category and colour p@5"]) / 2, 4)
    best = max(scores, key=lambda weight: (scores[weight], -weight))
    return ColourWeightTuning(weight=best, scores=scores, product_ids=[pictures.ids[row] for row in rows])


def baseline_figures(*, pictures: CatalogPictures, photos: EvaluationPhotos) -> dict:
    from shop.demo.images import COLOUR_RGB

    figures = image_search_figures(
        pictures=pictures,
        photos=photos,
        encode_images=lambda images: baseline_features(images=images),
        encode_texts=None,
    )
    scores = []
    for query in image_queries_load():
        colour = query.get("colour")
        shares = (
            _colour_share(images=pictures.images, rgb=COLOUR_RGB[colour])
            if colour in COLOUR_RGB
            else np.zeros(len(pictures.ids))
        )
        relevant = _relevant(query=query, pictures=pictures)
        if relevant.any():
            scores.append(_ndcg_at_10(scores=shares, relevant=relevant))
    figures["words ndcg@10"] = round(float(np.mean(scores)), 4)
    return figures


def promotion_score(figures: dict) -> float:
    """The one figure a new encoder must beat the live one on: the held-out photos' R@10 and P@5, averaged."""
    held = figures["held out"]
    return round((held["recall@10"] + held["same category and colour p@5"]) / 2, 4)


def figures_lines(*, name: str, figures: dict) -> list[str]:
    lines = []
    for part in FIGURE_PARTS:
        if part not in figures:
            continue
        row = figures[part]
        lines.append(
            f"{name:<28} {part:<21} R@1 {row['recall@1']:.3f}  R@10 {row['recall@10']:.3f}  "
            f"same cat+colour P@5 {row['same category and colour p@5']:.3f}  ({row['photos']} photos)"
        )
    if "colour weight" in figures:
        lines.append(f"{name:<28} colour weight {figures['colour weight']} (SEARCH_WEIGHT_PHOTO_COLOUR)")
    lines.append(f"{name:<28} words-to-pictures nDCG@10 {figures.get('words ndcg@10', 0):.3f}")
    return lines
