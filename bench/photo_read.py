"""Photo search results to read: distorted photos of held-out products, drawn at random, and what came back.

    python bench/photo_read.py [--count 20] [--seed 20261204] [--quiet]

Each photo is a held-out product's catalog picture (search.evaluation_images.product_held_out) put
through the evaluation's phone-photo distortion (search.evaluation_images.photo_distort) and searched
with the shop's own `product_image_search` on the live encoder. Prints the product and its top three
(title, colour), then how many first results share the photographed product's category and colour
and how many photos have the product itself in the top five. --quiet prints only those counts.
"""

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--quiet", action="store_true")
    options = parser.parse_args()

    from config.environment import django_environment_prepare

    django_environment_prepare()
    import django

    django.setup()
    from search.evaluation_images import catalog_pictures_load, photo_distort, product_held_out
    from search.selectors import product_image_search
    from shop.models import Product

    pictures = catalog_pictures_load()
    products = Product.objects.in_bulk(pictures.ids)
    held_out = [i for i, pk in enumerate(pictures.ids) if product_held_out(sku=products[pk].sku)]
    rng = random.Random(options.seed)
    same = exact = 0
    for index in rng.sample(held_out, options.count):
        product = products[pictures.ids[index]]
        result = product_image_search(image=photo_distort(image=pictures.images[index], rng=rng), page_size=5)
        found = Product.objects.in_bulk(list(result.page.object_list))
        top = [found[pk] for pk in result.page.object_list]
        same += (top[0].category_id, top[0].colour) == (product.category_id, product.colour)
        exact += product.pk in found
        if not options.quiet:
            print(f"{product.title} -> " + " | ".join(f"{hit.title}" for hit in top[:3]))
    print(f"first result of the same category and colour: {same}/{options.count}")
    print(f"the product itself in the top five: {exact}/{options.count}")


if __name__ == "__main__":
    main()
