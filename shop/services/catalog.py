"""Catalog tree writes.

A category's `path` and `depth`, and its products' `category_names`, are derived from the tree.
Moving or renaming a category rewrites its subtree with one UPDATE per table: every descendant's
path starts with the category's path, and every product's names start with its category's names.
"""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from shop.models import Category, Product
from shop.selectors import category_subtree_q


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Create or change a category; a new parent, slug or name carries down to its subcategories and products."""
    before = Category.objects.filter(pk=category.pk).first() if category.pk else None
    old_names = before.names_path if before else None
    category.save()
    if before is None:
        return category
    if category.path != before.path:
        Category.objects.filter(path__startswith=f"{before.path}/").update(
            path=Concat(Value(category.path), Substr("path", len(before.path) + 1)),
            depth=F("depth") + (category.depth - before.depth),
        )
    new_names = category.names_path
    if new_names != old_names:
        Product.objects.filter(category_subtree_q(category=category)).update(
            category_names=Concat(Value(new_names), Substr("category_names", len(old_names) + 1))
        )
    return category
