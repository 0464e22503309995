"""The catalog's own words: spelling correction for the lexical leg and "did you mean"."""

import difflib
import re

from django.core.cache import cache

from shop.models import Category, Product

VOCABULARY_CACHE_KEY = "search:vocabulary:v1"
BRANDS_CACHE_KEY = "search:brands:v1"
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def catalog_vocabulary() -> frozenset[str]:
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        texts = list(Product.objects.filter(is_active=True).values_list("title", flat=True).distinct())
        texts += list(Category.objects.values_list("name", flat=True))
        words = frozenset(word.lower() for text in texts for word in WORD.findall(text))
        cache.set(VOCABULARY_CACHE_KEY, words, timeout=60 * 30)
    return words


def catalog_brands() -> frozenset[str]:
    brands = cache.get(BRANDS_CACHE_KEY)
    if brands is None:
        brands = frozenset(brand.lower() for brand in Product.objects.values_list("brand", flat=True).distinct())
        cache.set(BRANDS_CACHE_KEY, brands, timeout=60 * 30)
    return brands


def spelling_correct(*, text: str) -> str | None:
    """The text with unknown words replaced by the closest catalog word, or None when nothing changed."""
    vocabulary = catalog_vocabulary()
    changed = False
    words = []
    for word in text.split():
        lowered = word.lower().strip(",.!?")
        if len(lowered) >= 4 and lowered.isalpha() and lowered not in vocabulary:
            # A typo rarely changes the first letter or the length by more than two.
            near = [w for w in vocabulary if w[0] == lowered[0] and abs(len(w) - len(lowered)) <= 2]
            match = difflib.get_close_matches(lowered, near, n=1, cutoff=0.8)
            if match:
                words.append(match[0])
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None
