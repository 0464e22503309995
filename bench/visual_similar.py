""" "Visually similar" on product pages, counted: how many shown products share the product's category and colour.

    python bench/visual_similar.py [--count 100] [--seed 20261204] [--colour-weights 0]

For `count` active products with pictures, drawn at random, the six products
`search.visual.product_visually_similar` shows. With --colour-weights 0 0.3 it also re-ranks the
encoder's 48 nearest with the colour signatures as photo search does (`search.ranking.colour_rerank`
at that weight), to compare in the same run.
"""

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--colour-weights", type=float, nargs="+", default=[0.0])
    options = parser.parse_args()

    from config.environment import django_environment_prepare

    django_environment_prepare()
    import django

    django.setup()
    from django.conf import settings

    from ml.vectors import vector_nearest
    from search.image_encoders import live_image_vectors
    from search.ranking import colour_rerank
    from search.visual import product_visually_similar
    from shop.models import Product

    name, field = live_image_vectors()
    embedded = Product.objects.filter(is_active=True, image_encoder=name).exclude(**{f"{field}__isnull": True})
    ids = list(embedded.order_by("pk").values_list("pk", flat=True))
    sample = random.Random(options.seed).sample(ids, min(options.count, len(ids)))
    products = Product.objects.in_bulk(sample)

    def reranked(pk: int) -> list[Product]:
        vector, colour = Product.objects.filter(pk=pk).values_list(field, "picture_colour").get()
        candidates = Product.objects.filter(is_active=True, stock__gt=0, image_encoder=name).exclude(pk=pk)
        nearest = vector_nearest(
            queryset=candidates, field=field, vector=vector, k=48, filtered=True, also=("picture_colour",)
        )
        ranked = [row for row, _ in colour_rerank(rows=nearest, colour=colour)][:6]
        by_id = Product.objects.in_bulk(ranked)
        return [by_id[row] for row in ranked]

    for weight in options.colour_weights:
        settings.SEARCH["PHOTO_COLOUR_WEIGHT"] = weight
        shown = same = category = colour = 0
        for pk in sample:
            product = products[pk]
            for other in product_visually_similar(product_id=pk) if weight == 0 else reranked(pk):
                shown += 1
                category += other.category_id == product.category_id
                colour += other.colour == product.colour
                same += other.category_id == product.category_id and other.colour == product.colour
        label = "as served" if weight == 0 else f"colour re-ranked at {weight}"
        print(
            f"{label}: {shown} shown for {len(sample)} products; same category and colour {same / max(shown, 1):.3f}, "
            f"same category {category / max(shown, 1):.3f}, same colour {colour / max(shown, 1):.3f}"
        )


if __name__ == "__main__":
    main()
