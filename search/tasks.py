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


# Training on a CPU worker takes minutes; a stage's soft limit ends the run as failed with its message.
@shared_task(queue="ml", soft_time_limit=2 * 60 * 60, time_limit=2 * 60 * 60 + 5 * 60)
def image_encoder_stage_task(run_id: int, stage: str) -> str | None:
    from search.image_training import image_encoder_stage_enqueue, image_encoder_stage_run

    following = image_encoder_stage_run(run_id=run_id, stage=stage)
    if following is not None:
        image_encoder_stage_enqueue(run_id=run_id, stage=following)
    return following
