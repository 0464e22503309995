"""Choosing the image tower's training settings without the held-out products: a validation tenth of the others.

    python bench/image_tower_settings.py [--settings 96x12 64x24 48x40 64x48 64x48bf16 mobilenet_v3_small:64x48] [--threads 2]

Each setting (an optional torchvision architecture and a colon, resnet18 by default; picture size in
px × epochs; and "bf16" for bfloat16 autocast) trains the shop's image tower
(`ml.image_tower.image_tower_train`, the pipeline's own training) on the products that train it in
`manage.py train_image_encoder`, less one in ten of them (the next remainder of the held-out rule's
SKU hash), and is measured on distorted photos of that tenth as the pipeline's evaluation measures
the held-out products (`search.evaluation_images`), alone and re-ranked with colour as photo search
serves it (`search.ranking.photo_scores`), with the colour-histogram baseline on the same photos.
The held-out products of the evaluation are neither trained on nor looked at here, so the settings
this picks leave them a fair test. Seconds are per setting, training only; run it on an
otherwise idle machine for comparable times.
"""

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def validation_product(*, sku: str) -> bool:
    """The next tenth by the held-out rule's own hash (held out: remainder 0; validation: remainder 1)."""
    return int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16) % 10 == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=["96x12", "64x24", "48x40", "64x48"])
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()

    from config.environment import django_environment_prepare

    django_environment_prepare()
    import django

    django.setup()
    import numpy as np
    import torch
    from django.conf import settings

    from ml.encoders import text_encoder_get
    from ml.image_tower import ImageTowerConfig, image_tower_encode, image_tower_train
    from search.evaluation_images import (
        EvaluationPhotos,
        baseline_figures,
        catalog_pictures_load,
        image_search_figures,
        photo_distort,
        product_held_out,
    )
    from shop.models import Product

    torch.set_num_threads(options.threads)
    pictures = catalog_pictures_load()
    vectors = dict(
        Product.objects.filter(pk__in=pictures.ids).exclude(text_embedding=None).values_list("pk", "text_embedding")
    )
    usable = [i for i, (pk, sku) in enumerate(zip(pictures.ids, pictures.skus)) if pk in vectors]
    usable = [i for i in usable if not product_held_out(sku=pictures.skus[i])]
    validation = [i for i in usable if validation_product(sku=pictures.skus[i])]
    training = [i for i in usable if not validation_product(sku=pictures.skus[i])]
    if len(validation) < 10:
        sys.exit("Too few products with pictures and text vectors: run `manage.py seed_demo` first.")
    rng = random.Random(11)
    validation = sorted(rng.sample(validation, min(300, len(validation))))
    photos = EvaluationPhotos(
        held_out=validation,
        trained=[],
        photos={row: photo_distort(image=pictures.images[row], rng=rng) for row in validation},
    )
    print(f"{len(training):,} pictures train, {len(validation):,} validate (held-out products left out)")
    print(
        f"{'setting':<40} {'R@1':>6} {'R@10':>6} {'P@5':>6} {'words':>6} {'seconds':>8}   "
        f"with colour at {settings.SEARCH['PHOTO_COLOUR_WEIGHT']}: R@1, R@10, P@5"
    )

    def row(label: str, figures: dict, seconds: str) -> None:
        part = figures["held out"]
        served = figures.get("held out, with colour")
        print(
            f"{label:<40} {part['recall@1']:>6.3f} {part['recall@10']:>6.3f} "
            f"{part['same category and colour p@5']:>6.3f} {figures['words ndcg@10']:>6.3f} {seconds:>8}"
            + (
                f"   {served['recall@1']:.3f} {served['recall@10']:.3f} {served['same category and colour p@5']:.3f}"
                if served
                else ""
            )
        )

    row("colour histogram baseline", baseline_figures(pictures=pictures, photos=photos), "-")
    text_vectors = np.stack([np.asarray(vectors[pictures.ids[i]], dtype=np.float32) for i in training])
    for setting in options.settings:
        architecture, _, shape = setting.lower().rpartition(":")
        architecture = architecture or ImageTowerConfig.architecture
        precision = "bfloat16" if shape.endswith("bf16") else "float32"
        size, epochs = (int(part) for part in shape.removesuffix("bf16").split("x"))
        started = time.perf_counter()
        tower = image_tower_train(
            images=[pictures.images[i] for i in training],
            text_vectors=text_vectors,
            config=ImageTowerConfig(architecture=architecture, image_size=size, epochs=epochs, precision=precision),
            device="cpu",
        ).tower
        seconds = f"{time.perf_counter() - started:.0f}"
        figures = image_search_figures(
            pictures=pictures,
            photos=photos,
            encode_images=lambda images, tower=tower: image_tower_encode(tower=tower, images=images, device="cpu"),
            encode_texts=lambda texts: text_encoder_get().encode(list(texts), queries=True),
            colour_weight=settings.SEARCH["PHOTO_COLOUR_WEIGHT"],
        )
        row(f"{architecture} {size}px×{epochs} {precision}", figures, seconds)


if __name__ == "__main__":
    main()
