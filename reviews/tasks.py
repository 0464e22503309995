from celery import shared_task

from ml.llm import LLMUnavailable
from reviews.summaries import summaries_generate, summary_dequeue


@shared_task(
    bind=True,
    queue="ml",
    acks_late=True,
    autoretry_for=(LLMUnavailable,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
    # One product, but the LLM client may wait its timeout on each of its retries, twice (reviews/summaries.py).
    soft_time_limit=15 * 60,
    time_limit=17 * 60,
)
def review_summary_task(self, product_id: int) -> dict:
    """Idempotent: a product whose published review set is unchanged since its summary is skipped.

    When the LLM gives no answer the stored summary stays, the error is recorded on it for
    staff, and the task retries with backoff.
    """
    summary_dequeue(product_id=product_id)
    report = summaries_generate(product_ids=[product_id])
    if report.failed:
        raise LLMUnavailable(report.failed[product_id])
    return {"generated": report.generated, "aspects_only": report.aspects_only, "unchanged": report.unchanged}
