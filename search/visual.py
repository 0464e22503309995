"""Products that look like a product: nearest by the live image encoder's picture vectors.

The product page shows them beside "Similar items" (the item tower's: what the same shoppers
choose): these are the same kind of thing in the same colour, what a shopper who likes the look
wants to compare. Nothing shows until an image encoder is live and has embedded this product's
picture; reading the vectors loads no model.
"""

from ml.vectors import vector_nearest
from search.image_encoders import live_image_vectors
from shop.models import Product
from shop.selectors import PRODUCT_CARD_DEFERRED


def product_visually_similar(*, product_id: int, k: int = 6) -> list[Product]:
    """Up to k other active, in-stock products whose pictures are nearest this product's, nearest first."""
    name, field = live_image_vectors()
    vector = Product.objects.filter(pk=product_id, image_encoder=name).values_list(field, flat=True).first()
    if vector is None:
        return []
    candidates = Product.objects.filter(is_active=True, stock__gt=0, image_encoder=name).exclude(pk=product_id)
    nearest = vector_nearest(queryset=candidates, field=field, vector=vector, k=k, filtered=True)
    by_id = Product.objects.defer(*PRODUCT_CARD_DEFERRED).select_related("category").in_bulk([pk for pk, _ in nearest])
    return [by_id[pk] for pk, _ in nearest if pk in by_id]
