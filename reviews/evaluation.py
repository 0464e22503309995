"""`manage.py evaluate_summaries`: how often summaries pass validation, how often aspects agree with
the ratings, and how fast the configured LLM backend writes them. Nothing is stored."""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import QuerySet

from reviews.aspects import rating_label
from reviews.summaries import summary_drafts_make, summary_work_build, summary_work_prepare
from shop.models import Product


@dataclass
class SummaryEvaluation:
    backend: str
    model: str
    products: int
    passed_first_try: float
    passed_after_retry: float
    aspects: int
    aspects_agreeing: float
    tokens_per_second: float
    seconds_per_summary: float
    wall_seconds: float
    llm_errors: int
    failure_reasons: dict[str, int]

    def as_dict(self) -> dict:
        return asdict(self)


def evaluation_products(*, limit: int | None, product_ids: list[int] | None = None) -> QuerySet[Product]:
    """Products with enough reviews to summarise (of `product_ids` when given); with `limit`, spread evenly (deterministic)."""
    products = Product.objects.filter(review_count__gte=settings.REVIEW_SUMMARIES["MIN_REVIEWS"]).order_by("pk")
    if product_ids:
        products = products.filter(pk__in=product_ids)
    ids = list(products.values_list("pk", flat=True))
    if limit is not None and len(ids) > limit:
        step = len(ids) / limit
        ids = [ids[int(index * step)] for index in range(limit)]
    return Product.objects.filter(pk__in=ids).select_related("category").order_by("pk")


def summaries_evaluate(
    *, products: QuerySet[Product], progress: Callable[[int], None] = lambda done: None
) -> SummaryEvaluation:
    started = time.perf_counter()
    batch = settings.REVIEW_SUMMARIES["BATCH_SIZE"]
    products = list(products)
    first = passed = errors = aspects = agreeing = tokens = 0
    seconds = 0.0
    reasons: dict[str, int] = {}
    model = ""
    for start in range(0, len(products), batch):
        works = [summary_work_build(product=product) for product in products[start : start + batch]]
        for work in works:
            summary_work_prepare(work)
            for aspect in work.aspects:
                aspects += 1
                agreeing += aspect.sentiment == rating_label(mean_rating=aspect.mean_rating)
        for draft in summary_drafts_make(works=works):
            if draft.error:
                errors += 1
                continue
            first += not draft.first_problems
            passed += draft.passed
            for problem in draft.first_problems:
                reason = problem.split(" (")[0].split(":")[0]
                reasons[reason] = reasons.get(reason, 0) + 1
            tokens += sum(completion.completion_tokens for completion in draft.completions)
            seconds += sum(completion.seconds for completion in draft.completions)
            model = draft.completions[-1].model
        progress(len(works))
    answered = max(1, len(products) - errors)
    return SummaryEvaluation(
        backend=settings.LLM["BACKEND"],
        model=model,
        products=len(products),
        passed_first_try=round(first / answered, 4),
        passed_after_retry=round(passed / answered, 4),
        aspects=aspects,
        aspects_agreeing=round(agreeing / aspects, 4) if aspects else 0.0,
        tokens_per_second=round(tokens / seconds, 2) if seconds else 0.0,
        seconds_per_summary=round(seconds / answered, 3),
        wall_seconds=round(time.perf_counter() - started, 1),
        llm_errors=errors,
        failure_reasons=dict(sorted(reasons.items(), key=lambda item: -item[1])),
    )
