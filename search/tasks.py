from celery import shared_task

from search.embedding import products_embed


# Admin may queue the whole catalog in one task (about 70 s for 2,000 products on 2 CPU cores).
@shared_task(
    queue="ml",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=30 * 60,
    time_limit=32 * 60,
)
def products_embed_task(product_ids: list[int]) -> dict:
    """Idempotent: products whose content and encoder did not change are skipped."""
    report = products_embed(product_ids=product_ids)
    return {"text_embedded": report.text_embedded, "image_embedded": report.image_embedded}
