"""Building and storing review summaries: aspects from the reviews, text from the LLM, checked before it is kept."""

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ml.llm import Completion, LLMUnavailable, llm_get
from ml.tasks import task_enqueue
from reviews.aspects import Aspect, ReviewText, aspects_compute
from reviews.models import Review, ReviewSummary
from reviews.prompt import PromptReview, prompt_build, summary_clean, summary_problems
from shop.models import Product

logger = logging.getLogger(__name__)
QUEUED_KEY = "reviews:summary-queued:{product_id}"


@dataclass
class SummaryWork:
    """One product's published reviews, newest first, and what is computed from them."""

    product: Product
    reviews: list[Review]
    review_hash: str
    aspects: list[Aspect] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SummaryDraft:
    text: str
    first_problems: list[str]
    problems: list[str]
    completions: list[Completion]
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and not self.problems


@dataclass
class SummaryReport:
    generated: int = 0
    aspects_only: int = 0
    unchanged: int = 0
    too_few_reviews: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    summaries: list[ReviewSummary] = field(default_factory=list)


def review_set_hash(*, reviews: Sequence[Review]) -> str:
    """Changes when a published review is added, edited, or taken down."""
    digest = hashlib.sha256()
    for review in sorted(reviews, key=lambda review: review.pk):
        digest.update(f"{review.pk}:{review.rating}:{review.title}\x1f{review.body}\x1e".encode())
    return digest.hexdigest()


def _prompt_reviews(reviews: Sequence[Review]) -> list[PromptReview]:
    return [PromptReview(rating=review.rating, title=review.title, body=review.body) for review in reviews]


def summary_work_build(*, product: Product) -> SummaryWork:
    reviews = list(Review.objects.filter(product=product, is_published=True).order_by("-created_at", "-pk"))
    return SummaryWork(product=product, reviews=reviews, review_hash=review_set_hash(reviews=reviews))


def summary_work_prepare(work: SummaryWork) -> None:
    """Aspects from the reviews (no LLM) and the prompt for the LLM."""
    work.aspects = aspects_compute(
        reviews=[
            ReviewText(id=review.pk, rating=review.rating, text=f"{review.title}. {review.body}")
            for review in work.reviews
        ],
        excluded_words=[work.product.title, work.product.category_names],
    )
    work.messages = prompt_build(reviews=_prompt_reviews(work.reviews))


def _forbidden_names(*, product: Product) -> list[str]:
    return [product.title, *Product.objects.order_by().values_list("brand", flat=True).distinct()]


def summary_drafts_make(*, works: Sequence[SummaryWork]) -> list[SummaryDraft]:
    """Ask the LLM for every work's summary in one batch, and once more for those that fail their checks."""
    config = settings.REVIEW_SUMMARIES
    llm = llm_get()
    forbidden = {work.product.pk: _forbidden_names(product=work.product) for work in works}
    drafts: list[SummaryDraft] = [SummaryDraft(text="", first_problems=[], problems=[], completions=[]) for _ in works]
    todo = list(range(len(works)))
    for attempt in range(2):
        results = llm.complete_batch(
            conversations=[works[index].messages for index in todo],
            max_tokens=config["MAX_OUTPUT_TOKENS"],
            temperature=config["TEMPERATURE"] if attempt == 0 else 0.0,
            seed=attempt,
        )
        retry = []
        for index, result in zip(todo, results):
            draft = drafts[index]
            if isinstance(result, LLMUnavailable):
                draft.error = str(result)
                continue
            draft.completions.append(result)
            draft.text = summary_clean(text=result.text)
            draft.problems = summary_problems(
                text=draft.text,
                reviews=_prompt_reviews(works[index].reviews),
                forbidden_names=forbidden[works[index].product.pk],
            )
            if attempt == 0:
                draft.first_problems = list(draft.problems)
            if draft.problems:
                retry.append(index)
        todo = retry
        if not todo:
            break
    return drafts


def summaries_generate(
    *, product_ids: Iterable[int], progress: Callable[[int], None] = lambda done: None
) -> SummaryReport:
    """Summarise each product whose published review set changed since its stored summary.

    An unchanged set is never summarised again. When the LLM gives no answer, the stored
    summary stays as it was and the error is recorded on it for staff (the caller retries).
    """
    config = settings.REVIEW_SUMMARIES
    report = SummaryReport()
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), config["BATCH_SIZE"]):
        products = Product.objects.filter(pk__in=ids[start : start + config["BATCH_SIZE"]]).select_related("category")
        works = []
        for product in products:
            work = summary_work_build(product=product)
            existing = ReviewSummary.objects.filter(product=product).first()
            if len(work.reviews) < config["MIN_REVIEWS"]:
                ReviewSummary.objects.filter(product=product).delete()
                report.too_few_reviews += 1
            elif existing is not None and existing.review_hash == work.review_hash:
                if existing.is_stale:
                    ReviewSummary.objects.filter(pk=existing.pk).update(is_stale=False)
                report.unchanged += 1
            else:
                summary_work_prepare(work)
                works.append(work)
        drafts = summary_drafts_make(works=works) if works else []
        for work, draft in zip(works, drafts):
            if draft.error:
                ReviewSummary.objects.update_or_create(
                    product=work.product, defaults={"error": draft.error, "error_at": timezone.now(), "is_stale": True}
                )
                report.failed[work.product.pk] = draft.error
                continue
            report.summaries.append(_summary_store(work=work, draft=draft))
            if draft.passed:
                report.generated += 1
            else:
                report.aspects_only += 1
        progress(len(products))
    return report


def _summary_store(*, work: SummaryWork, draft: SummaryDraft) -> ReviewSummary:
    completions = draft.completions
    summary, _ = ReviewSummary.objects.update_or_create(
        product=work.product,
        defaults={
            "text": draft.text if draft.passed else "",
            "aspects": [aspect.as_dict() for aspect in work.aspects],
            "review_count": len(work.reviews),
            "review_hash": work.review_hash,
            "model_name": completions[-1].model if completions else "",
            "note": ""
            if draft.passed
            else f"The AI summary failed its checks ({'; '.join(draft.problems)[:200]}): aspects only.",
            "is_stale": False,
            "error": "",
            "error_at": None,
            "generated_at": timezone.now(),
            "generation_seconds": round(sum(completion.seconds for completion in completions), 3),
            "completion_tokens": sum(completion.completion_tokens for completion in completions),
        },
    )
    return summary


def summary_mark_stale(*, product_id: int) -> None:
    """The product's reviews changed: its summary is out of date until the debounced task rebuilds it."""
    ReviewSummary.objects.filter(product_id=product_id).update(is_stale=True)
    summary_enqueue(product_id=product_id)


def summary_enqueue(*, product_id: int) -> bool:
    """Queue one rebuild per product and debounce window; True when this call asked for it.

    The first change in a window sets a Redis key and schedules the task DEBOUNCE_SECONDS
    later; changes inside the window find the key and add nothing, and the task (which
    clears the key first) sees all of them. Without a broker (tasks would run inside the
    request) nothing is queued: `manage.py summarize_reviews --stale` picks the product up.
    The task is published when the transaction commits; a broker that does not take it is
    logged (ml.tasks) and the product's next change tries again.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        logger.info("Review summary of product %s is stale; no worker to queue it on.", product_id)
        return False
    delay = settings.REVIEW_SUMMARIES["DEBOUNCE_SECONDS"]
    if not cache.add(QUEUED_KEY.format(product_id=product_id), 1, timeout=delay + 600):
        return False
    transaction.on_commit(lambda: _summary_task_enqueue(product_id=product_id, delay=delay), robust=True)
    return True


def _summary_task_enqueue(*, product_id: int, delay: int) -> None:
    from reviews.tasks import review_summary_task

    queued = task_enqueue(
        task=review_summary_task,
        args=[product_id],
        countdown=delay,
        catch_up="the summary stays stale until `manage.py summarize_reviews --stale` or its next review queues it",
    )
    if not queued:
        # Not queued: the product's next review change tries again instead of waiting for the key to expire.
        summary_dequeue(product_id=product_id)


def summary_dequeue(*, product_id: int) -> None:
    """The task has started, or was not queued: later changes need a run of their own."""
    cache.delete(QUEUED_KEY.format(product_id=product_id))


def summaries_stale_ids() -> list[int]:
    """Products that have enough published reviews and no current summary."""
    enough = Product.objects.filter(review_count__gte=settings.REVIEW_SUMMARIES["MIN_REVIEWS"])
    current = ReviewSummary.objects.filter(is_stale=False).values("product_id")
    return list(enough.exclude(pk__in=current).order_by("pk").values_list("pk", flat=True))
