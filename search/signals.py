from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ml.encoders import image_encoder_name, text_encoder_name
from search.embedding import product_image_hash, product_text_hash
from shop.models import Product


@receiver(post_save, sender=Product)
def product_saved(*, instance: Product, raw: bool = False, **_) -> None:
    """After the write commits, embed a product whose text or image is new to its vectors."""
    if raw:
        return
    text_changed = (
        product_text_hash(product=instance) != instance.text_hash or instance.text_encoder != text_encoder_name()
    )
    image_changed = bool(instance.image) and (
        product_image_hash(product=instance) != instance.image_hash or instance.image_encoder != image_encoder_name()
    )
    if text_changed or image_changed:
        from search.tasks import products_embed_task

        product_id = instance.pk
        transaction.on_commit(lambda: products_embed_task.delay([product_id]))
