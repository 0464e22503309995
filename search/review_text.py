"""Review-derived text: the words shoppers use for a product, taken from its published reviews.

A product's phrases are the words most reviews use (at least two reviews, no stop words), most
frequent first. They are read through the catalog's reverse relation (`Product.reviews`), so
search imports nothing from the reviews app; the review-change path queues the product's
embedding task, which refreshes them before embedding.
"""

import collections
import re
from collections.abc import Iterable

from django.db.models import Q

from search.models import ProductReviewText
from shop.models import Product

WORD = re.compile(r"[a-z][a-z']{2,}")
PHRASES = 30
MIN_REVIEWS = 2
STOP_WORDS = frozenset(
    """about above after again all also and any are aren't around back bad because been before being below
    but can can't could did didn't does doesn't doing don't down each even ever every few for from get
    gets getting got great had hadn't has hasn't have haven't having her here hers herself him his how
    i'm i've its it's itself just like little look looked looks lot love loved made make many more most
    much must myself not now off once one only other our ours out over own per perfect pretty quite
    really same see she should shouldn't since some still such than that that's the their theirs them
    then there these they they're thing think this those though through too under until very was wasn't
    way wear wearing well were weren't what when where which while who why will with won't would
    wouldn't you you're your yours also bit bought buy can't fit fits fabric size small large medium
    ordered order usually wore nice good cute beautiful""".split()
)


def review_phrases(*, texts: Iterable[str]) -> str:
    """The words that at least two of these reviews use, most reviews first (then alphabetically)."""
    counts: collections.Counter[str] = collections.Counter()
    for text in texts:
        counts.update({word.strip("'") for word in WORD.findall(text.lower())} - STOP_WORDS)
    # Ties go alphabetically: a set's order changes from one process to the next, and the same reviews must
    # give the same words, or every embedding pass would see the product's text as changed.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    frequent = [word for word, count in ranked if count >= MIN_REVIEWS and len(word) >= 3]
    return " ".join(frequent[:PHRASES])


def review_texts_refresh(*, product_ids: Iterable[int]) -> None:
    """Store (or drop) the review words of these products from their published reviews."""
    ids = sorted(set(product_ids))
    texts: dict[int, list[str]] = collections.defaultdict(list)
    rows = (
        Product.objects.filter(pk__in=ids)
        .filter(Q(reviews__is_published=True))
        .values_list("pk", "reviews__title", "reviews__body")
    )
    for pk, title, body in rows:
        texts[pk].append(f"{title or ''} {body or ''}")
    phrases = {pk: review_phrases(texts=reviews) for pk, reviews in texts.items()}
    phrases = {pk: words for pk, words in phrases.items() if words}
    ProductReviewText.objects.filter(product_id__in=ids).exclude(product_id__in=list(phrases)).delete()
    existing = dict(ProductReviewText.objects.filter(product_id__in=list(phrases)).values_list("product_id", "phrases"))
    changed = [
        ProductReviewText(product_id=pk, phrases=words) for pk, words in phrases.items() if existing.get(pk) != words
    ]
    ProductReviewText.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["product"], update_fields=["phrases", "updated_at"]
    )
