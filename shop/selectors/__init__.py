from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from shop.models import Category, Product, ProductVariant

CATEGORY_TREE_CACHE_KEY = "shop:category-tree:v1"
PRODUCT_SORTS = {
    "newest": ("-created_at", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "title": ("title", "id"),
    "rating": (F("rating_average").desc(nulls_last=True), "-review_count", "id"),
}


class ProductFilters(TypedDict, total=False):
    """What a product listing can be narrowed by; a missing, empty or false value does not narrow it."""

    category: Category
    brand: str
    min_price: Decimal
    max_price: Decimal
    min_rating: int
    in_stock: bool
    age_group: str
    colour: str


# No page or API shows these, and they are the bulk of a row: reading and parsing the vectors is
# most of a listing's database time.
PRODUCT_INTERNAL_COLUMNS = (
    "search_document",
    "text_embedding",
    "image_embedding",
    "image_aligned_embedding",
    "picture_colour",
)
# Product cards (search hits, recommendations) show no description either.
PRODUCT_CARD_DEFERRED = ("description", *PRODUCT_INTERNAL_COLUMNS)


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    path: str
    depth: int
    parent_id: int | None


def category_tree() -> list[CategoryNode]:
    """Every category in tree order, cached: the navigation reads it on every page."""
    nodes = cache.get(CATEGORY_TREE_CACHE_KEY)
    if nodes is None:
        nodes = [
            CategoryNode(*row)
            for row in Category.objects.order_by("path").values_list("id", "name", "slug", "path", "depth", "parent_id")
        ]
        cache.set(CATEGORY_TREE_CACHE_KEY, nodes, timeout=60 * 60)
    return nodes


def category_leaves() -> list[tuple[CategoryNode, str]]:
    """Each leaf category of the cached tree with its names from the department down ("Electronics › Audio › Headphones")."""
    nodes = category_tree()
    by_id = {node.id: node for node in nodes}
    parents = {node.parent_id for node in nodes}
    leaves = []
    for node in nodes:
        if node.id in parents:
            continue
        names, walk = [], node
        # Bounded by the tree's size: a saved tree has no loops (Category.clean), but a cache is not the database.
        for _ in range(len(nodes)):
            names.append(walk.name)
            walk = by_id.get(walk.parent_id)
            if walk is None:
                break
        leaves.append((node, " › ".join(reversed(names))))
    return leaves


def category_tree_forget() -> None:
    cache.delete(CATEGORY_TREE_CACHE_KEY)


def department_list() -> list[CategoryNode]:
    return sorted((node for node in category_tree() if node.parent_id is None), key=lambda node: node.name)


def category_children(*, category_id: int) -> list[CategoryNode]:
    return [node for node in category_tree() if node.parent_id == category_id]


def category_ancestors(*, category: Category) -> list[CategoryNode]:
    """From the department down to the category's parent."""
    by_path = {node.path: node for node in category_tree()}
    parts = category.path.split("/")[:-1]
    return [by_path["/".join(parts[: i + 1])] for i in range(len(parts)) if "/".join(parts[: i + 1]) in by_path]


def category_list() -> QuerySet[Category]:
    """Every category in tree order, each with its parent."""
    return Category.objects.select_related("parent").order_by("path")


def category_get(*, slug: str) -> Category:
    return get_object_or_404(Category, slug=slug)


def category_subtree_q(*, category: Category, prefix: str = "category__") -> Q:
    return Q(**{f"{prefix}path": category.path}) | Q(**{f"{prefix}path__startswith": f"{category.path}/"})


def product_size_q(*, size: str) -> Q:
    """Products sold in `size`: their own size, or one of their variants' ("4-5Y" of a kids' hoodie)."""
    return Q(size=size) | Q(pk__in=ProductVariant.objects.filter(size=size).values("product_id"))


def products_filter(*, products: QuerySet[Product], filters: ProductFilters) -> QuerySet[Product]:
    """Structured filters as SQL WHERE clauses: never guessed from meaning. A category includes its subcategories."""
    if category := filters.get("category"):
        products = products.filter(category_subtree_q(category=category))
    if brand := filters.get("brand"):
        products = products.filter(brand__iexact=brand)
    if (low := filters.get("min_price")) is not None:
        products = products.filter(price__gte=low)
    if (high := filters.get("max_price")) is not None:
        products = products.filter(price__lte=high)
    if rating := filters.get("min_rating"):
        products = products.filter(rating_average__gte=rating)
    if filters.get("in_stock"):
        products = products.filter(stock__gt=0)
    if age_group := filters.get("age_group"):
        products = products.filter(age_group=age_group)
    if colour := filters.get("colour"):
        products = products.filter(colour=colour)
    return products


def product_list(*, filters: ProductFilters | None = None, sort: str = "newest") -> QuerySet[Product]:
    """Active products, filtered and sorted: the category pages and the product API list through here."""
    products = Product.objects.filter(is_active=True).select_related("category").defer(*PRODUCT_INTERNAL_COLUMNS)
    products = products_filter(products=products, filters=filters or {})
    return products.order_by(*PRODUCT_SORTS.get(sort, PRODUCT_SORTS["newest"]))


def product_get(*, pk: int | None = None, slug: str | None = None) -> Product:
    """An active product by id or by slug; a hidden one is a 404, the same as none at all."""
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return get_object_or_404(Product.objects.select_related("category"), is_active=True, **lookup)


def product_variants(*, product: Product) -> list[ProductVariant]:
    """The product's variants in picker order (XS before S), each knowing its product."""
    variants = list(product.variants.order_by("position", "id"))
    for variant in variants:
        variant.product = product
    return variants


def variant_choice_prompt(*, variants: list[ProductVariant]) -> str:
    """What a shopper is asked to choose: a size, or a colour and size where variants differ in colour too."""
    return "Please choose a colour and size." if len({v.colour for v in variants}) > 1 else "Please choose a size."


def product_variant_pick(*, product: Product, variant_id: int | None) -> ProductVariant:
    """The variant a shopper chose of a product; a product sold in one version needs no choice.

    ValidationError, in words a shopper understands, when there is nothing to choose from, when a
    choice is needed and none was made, or when the id is not one of this product's variants.
    """
    variants = product_variants(product=product)
    if not variants:
        raise ValidationError(f"Sorry, {product.title} cannot be bought yet.", code="no_variants")
    if variant_id is None:
        if len(variants) > 1:
            raise ValidationError(variant_choice_prompt(variants=variants), code="variant_required")
        return variants[0]
    for variant in variants:
        if variant.pk == variant_id:
            return variant
    raise ValidationError(f"That size is not sold for {product.title}.", code="variant_unknown")
