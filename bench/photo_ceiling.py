"""What photo search can reach on the demo catalog: an encoder that reads a picture's silhouette and colour perfectly.

    python bench/photo_ceiling.py

The demo's pictures (shop/demo/images.py) are one silhouette per kind of product, filled with the
product's colour, each moved, scaled and tinted a little by its own random draw. Several categories
share a silhouette (eight categories are drawn as the same top: six of women's clothing, men's
T-shirts and kids' clothing; five book categories as the same book), and nothing in a picture tells
them apart. So an encoder that recognises silhouette and colour without error, and ranks the
photographed product itself first, still cannot know which of the other
pictures of that silhouette and colour share its category: its expected "same category and colour"
precision@5 is the ceiling of every image encoder on this catalog, whatever its training. Its
exact-product Recall@10, picking at random among pictures of the same silhouette and colour, is what
silhouette and colour alone give (an encoder that also reads the small tint and position differences
can do better). Printed for the held-out products of `manage.py evaluate_search`
(search.evaluation_images.product_held_out) and for all products, on the demo catalog in the database.
"""

import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _shapes_by_category() -> dict[str, set[str]]:
    from shop.demo.catalog_spec import CLOTHING_CLASSES, leaves_iter

    shapes: dict[str, set[str]] = defaultdict(set)
    for _, _, leaf in leaves_iter():
        shapes[leaf.name].add(leaf.shape)
    for leaf_name, shape, _ in CLOTHING_CLASSES.values():
        shapes[leaf_name].add(shape)
    return shapes


def _product_shape(*, product, candidates: set[str]) -> str | None:
    """The silhouette the seed drew: the only one of its category, or the one whose drawing is the stored picture."""
    from shop.demo.images import product_image_draw

    if len(candidates) == 1:
        return next(iter(candidates))
    with product.image.open("rb") as handle:
        stored = handle.read()
    for shape in sorted(candidates):
        if product_image_draw(shape=shape, colour=product.colour, rng=random.Random(product.sku)) == stored:
            return shape
    return None


def main() -> None:
    from config.environment import django_environment_prepare

    django_environment_prepare()
    import django

    django.setup()
    from search.evaluation_images import product_held_out
    from shop.models import Product

    shapes = _shapes_by_category()
    products, unknown = [], 0
    for product in Product.objects.filter(is_active=True).exclude(image="").select_related("category").order_by("pk"):
        shape = _product_shape(product=product, candidates=shapes.get(product.category.name, set()))
        if shape is None:
            unknown += 1
            continue
        products.append((product.sku, product.category_id, product.colour, shape))
    if not products:
        sys.exit("No demo product pictures: run `manage.py seed_demo` first.")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    categories: dict[str, set[int]] = defaultdict(set)
    for _, category, colour, shape in products:
        groups[(shape, colour)].append(category)
        categories[shape].add(category)
    shared = {shape: len(members) for shape, members in categories.items()}
    print(
        f"{len(products):,} demo pictures ({unknown} not drawn by the demo seed, left out); "
        f"silhouettes shared by several categories: "
        + ", ".join(f"{shape} {count}" for shape, count in sorted(shared.items()) if count > 1)
    )
    for part, keep in (("held out", True), ("all", None)):
        rows = [p for p in products if keep is None or product_held_out(sku=p[0]) == keep]
        precision = recall = 0.0
        for _, category, colour, shape in rows:
            group = groups[(shape, colour)]
            same = sum(other == category for other in group) - 1
            # Itself first, then four of the group's other pictures at random (or all of them, and wrong ones after).
            others = len(group) - 1
            precision += (1 + (4 * same / others if others >= 4 else same)) / 5
            recall += min(1.0, 10 / len(group))
        count = len(rows)
        print(
            f"{part} ({count} products): same category and colour P@5 ceiling {precision / count:.3f}; "
            f"exact Recall@10 from silhouette and colour alone {recall / count:.3f}"
        )


if __name__ == "__main__":
    main()
