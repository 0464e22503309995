"""Building and storing review summaries.

Aspects come from the reviews (no LLM). The text comes from the mode (`summary_mode`):
extractive (counts and verbatim quotes, `reviews.extractive`), or grounded-llm: the LLM writes
from a brief of the aspects (`reviews.prompt.brief_prompt_build`), each sentence of its answer
is grounded against the review sentences (`reviews.grounding`), and fewer than two surviving
sentences fall back to the extractive summary. The supporting review sentences of each stored
sentence are kept as the summary's evidence.
"""

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ml.llm import Completion, LLMUnavailable, llm_get
from ml.tasks import task_enqueue
from reviews.aspects import Aspect, ReviewText, aspects_compute
from reviews.extractive import MODEL_NAME as EXTRACTIVE
from reviews.extractive import extractive_summary_build
from reviews.grounding import MIN_SENTENCES, SentenceVerdict, summary_ground
from reviews.models import Review, ReviewSummary
from reviews.prompt import brief_prompt_build, summary_clean
from shop.models import Product

logger = logging.getLogger(__name__)
QUEUED_KEY = "reviews:summary-queued:{product_id}"
MODES = ("auto", "grounded-llm", "extractive")
CAPABLE_BACKENDS = ("openai", "vllm")


def summary_mode() -> str:
    """The mode in force: settings.REVIEW_SUMMARY_MODE, with auto resolved by the LLM backend."""
    mode = settings.REVIEW_SUMMARY_MODE
    if mode not in MODES:
        raise ValueError(f"REVIEW_SUMMARY_MODE must be one of {', '.join(MODES)}; got {mode!r}.")
    if mode == "auto":
        return "grounded-llm" if settings.LLM["BACKEND"] in CAPABLE_BACKENDS else "extractive"
    return mode


@dataclass
class SummaryWork:
    """One product's published reviews, newest first, and what is computed from them."""

    product: Product
    reviews: list[Review]
    review_hash: str
    aspects: list[Aspect] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)

    @property
    def texts(self) -> list[ReviewText]:
        return [
            ReviewText(
                id=review.pk,
                rating=review.rating,
                text=f"{review.title}. {review.body}" if review.title else review.body,
            )
            for review in self.reviews
        ]


@dataclass
class SummaryDraft:
    """What a mode made of one product: the text to store, its evidence, and what was dropped on the way."""

    text: str = ""
    evidence: list[dict] = field(default_factory=list)
    model_name: str = ""
    verdicts: list[SentenceVerdict] = field(default_factory=list)
    """The grounding verdict of each sentence the LLM wrote (grounded mode only)."""
    fell_back: str = ""
    """Why the grounded mode's answer was replaced by the extractive summary."""
    completions: list[Completion] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.text)


@dataclass
class SummaryReport:
    generated: int = 0
    aspects_only: int = 0
    fell_back: int = 0
    """Grounded-mode answers replaced by the extractive summary."""
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


def summary_work_build(*, product: Product) -> SummaryWork:
    reviews = list(Review.objects.filter(product=product, is_published=True).order_by("-created_at", "-pk"))
    return SummaryWork(product=product, reviews=reviews, review_hash=review_set_hash(reviews=reviews))


def summary_work_prepare(work: SummaryWork) -> None:
    """Aspects from the reviews (no LLM) and the brief for the LLM."""
    work.aspects = aspects_compute(reviews=work.texts, excluded_words=[work.product.title, work.product.category_names])
    work.messages = brief_prompt_build(ratings=[review.rating for review in work.reviews], aspects=work.aspects)


def _extractive_draft(*, work: SummaryWork, fell_back: str = "", draft: SummaryDraft | None = None) -> SummaryDraft:
    built = extractive_summary_build(reviews=work.texts, aspects=work.aspects)
    draft = draft or SummaryDraft()
    draft.text, draft.evidence, draft.model_name, draft.fell_back = built.text, built.evidence, EXTRACTIVE, fell_back
    return draft


def brief_numbers_list(*, work: SummaryWork) -> list[str]:
    """The counts the brief gives the LLM: a summary may repeat them."""
    return re.findall(r"\d+(?:\.\d+)?", work.messages[-1]["content"]) if work.messages else []


def summary_drafts_make(*, works: Sequence[SummaryWork], mode: str | None = None) -> list[SummaryDraft]:
    """Each work's summary in the mode in force (or `mode`); the LLM is asked once per batch, grounded, and
    replaced by the extractive summary when fewer than two of its sentences survive."""
    mode = mode or summary_mode()
    if mode == "extractive":
        return [_extractive_draft(work=work) for work in works]
    config = settings.REVIEW_SUMMARIES
    results = llm_get().complete_batch(
        conversations=[work.messages for work in works],
        max_tokens=config["MAX_OUTPUT_TOKENS"],
        temperature=config["TEMPERATURE"],
        seed=0,
    )
    drafts = []
    for work, result in zip(works, results):
        if isinstance(result, LLMUnavailable):
            drafts.append(SummaryDraft(error=str(result)))
            continue
        draft = SummaryDraft(completions=[result], model_name=result.model)
        draft.verdicts = summary_ground(
            text=summary_clean(text=result.text),
            reviews=work.texts,
            aspects=work.aspects,
            allowed_numbers=brief_numbers_list(work=work),
        )
        kept = [verdict for verdict in draft.verdicts if verdict.passed]
        if len(kept) < MIN_SENTENCES:
            reasons = "; ".join(sorted({verdict.reason for verdict in draft.verdicts if not verdict.passed}))
            drafts.append(
                _extractive_draft(
                    work=work,
                    draft=draft,
                    fell_back=f"{len(kept)} of {len(draft.verdicts)} sentences grounded ({reasons})",
                )
            )
            continue
        draft.text = " ".join(verdict.sentence for verdict in kept)
        draft.evidence = [verdict.as_evidence() for verdict in kept]
        drafts.append(draft)
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
                report.fell_back += bool(draft.fell_back)
            else:
                report.aspects_only += 1
        progress(len(products))
    return report


def _summary_store(*, work: SummaryWork, draft: SummaryDraft) -> ReviewSummary:
    completions = draft.completions
    summary, _ = ReviewSummary.objects.update_or_create(
        product=work.product,
        defaults={
            "text": draft.text,
            "evidence": draft.evidence,
            "aspects": [aspect.as_dict() for aspect in work.aspects],
            "review_count": len(work.reviews),
            "review_hash": work.review_hash,
            "model_name": draft.model_name,
            "note": _note(draft),
            "is_stale": False,
            "error": "",
            "error_at": None,
            "generated_at": timezone.now(),
            "generation_seconds": round(sum(completion.seconds for completion in completions), 3),
            "completion_tokens": sum(completion.completion_tokens for completion in completions),
        },
    )
    return summary


def _note(draft: SummaryDraft) -> str:
    if draft.fell_back:
        return f"The LLM's summary was replaced by the extractive one: {draft.fell_back}"[:300]
    if not draft.text:
        return "Too little to summarise: aspects only."
    return ""


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
