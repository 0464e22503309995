from django.db.models.signals import post_save
from django.dispatch import receiver

from ml.encoders import text_encoder_name
from ml.tasks import task_enqueue_on_commit
from search.embedding import product_image_hash, product_text_hash
from search.image_encoders import live_image_encoder_name
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
        product_image_hash(product=instance) != instance.image_hash
        or instance.image_encoder != live_image_encoder_name()
    )
    if text_changed or image_changed:
        from search.tasks import products_embed_task

        task_enqueue_on_commit(
            task=products_embed_task,
            args=[[instance.pk]],
            catch_up="`manage.py embed_products --stale` embeds the products it missed",
        )
