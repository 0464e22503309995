"""The catalog's own words, brands and sizes (cached): what spelling and the query parser check against."""

import re

from django.core.cache import cache

from search.models import ProductReviewText
from shop.models import Category, Product, ProductVariant

VOCABULARY_CACHE_KEY = "search:vocabulary:v2"
BRANDS_CACHE_KEY = "search:brands:v1"
SIZES_CACHE_KEY = "search:sizes:v2"
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def catalog_vocabulary() -> frozenset[str]:
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        texts = list(Product.objects.filter(is_active=True).values_list("title", flat=True).distinct())
        texts += list(Category.objects.values_list("name", flat=True))
        # Shoppers' review words are words too: "cardi" is not a typo of "card".
        texts += list(ProductReviewText.objects.values_list("phrases", flat=True))
        words = frozenset(word.lower() for text in texts for word in WORD.findall(text))
        cache.set(VOCABULARY_CACHE_KEY, words, timeout=60 * 30)
    return words


def catalog_brands() -> frozenset[str]:
    brands = cache.get(BRANDS_CACHE_KEY)
    if brands is None:
        brands = frozenset(brand.lower() for brand in Product.objects.values_list("brand", flat=True).distinct())
        cache.set(BRANDS_CACHE_KEY, brands, timeout=60 * 30)
    return brands


def catalog_sizes() -> frozenset[str]:
    """The sizes the catalog sells ("3-person", "4-5Y", "size 5"): a size read from a query must be one of them."""
    sizes = cache.get(SIZES_CACHE_KEY)
    if sizes is None:
        # A product sold in sizes keeps each in a variant ("4-5Y"); its own size is the range ("2-3Y–10-11Y").
        sizes = frozenset(Product.objects.exclude(size="").values_list("size", flat=True).distinct()) | frozenset(
            ProductVariant.objects.exclude(size="").values_list("size", flat=True).distinct()
        )
        cache.set(SIZES_CACHE_KEY, sizes, timeout=60 * 30)
    return sizes
