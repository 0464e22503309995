"""`manage.py evaluate_summaries`: each summary mode on the shop's products and on the planted-fact probes.

Per mode: seconds per summary (aspects included), the share of its sentences that pass the
grounding check (the LLM's raw sentences in the grounded mode; the extractive summary's own
sentences in the extractive mode, checked only to be measured), how often the grounded mode fell
back, and the probes' coverage, contradictions and inventions. Aspects: how often their polarity
(from the classifier's reading of the mentions) agrees with the naive star-rating label. The
labelled faithfulness set (`reviews.faithfulness`): the grounding check's precision and recall
beside a naive cosine peer, and the aspects' usefulness and polarity against the labels, on its
development and held-out halves. Nothing is stored.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from reviews.aspects import aspects_compute, rating_label
from reviews.extractive import extractive_summary_build
from reviews.faithfulness import FaithfulnessEvaluation, faithfulness_evaluate, faithfulness_set_load
from reviews.grounding import MIN_SENTENCES, summary_ground, summary_sentences_split
from reviews.probes import probes_run
from reviews.prompt import brief_prompt_build, summary_clean
from reviews.sentiment import polarity_source
from reviews.summaries import brief_numbers_list, summary_drafts_make, summary_work_build, summary_work_prepare
from shop.models import Product


@dataclass
class ModeEvaluation:
    mode: str
    backend: str
    products: int
    seconds_per_summary: float = 0.0
    llm_sentences: int = 0
    llm_sentences_grounded: float = 0.0
    sentences: int = 0
    """The sentences the mode writes before any filter: the LLM's in the grounded mode, the extractive text's."""
    sentences_grounded: float = 0.0
    fell_back: float = 0.0
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    probes: int = 0
    probe_coverage: float = 0.0
    probe_contradictions: int = 0
    probe_invented: int = 0
    llm_errors: int = 0


@dataclass
class SummaryEvaluation:
    polarity_source: str
    aspects: int
    aspects_agreeing_with_stars: float
    modes: list[ModeEvaluation]
    faithfulness: FaithfulnessEvaluation | None = None

    def as_dict(self) -> dict:
        return asdict(self)


CLOTHING = "women's clothing"


def evaluation_products(
    *, limit: int | None, product_ids: list[int] | None = None, clothing: bool = False
) -> QuerySet[Product]:
    """Products with enough reviews to summarise (of `product_ids` when given; of the demo's women's clothing, whose
    reviews are real, with `clothing`); with `limit`, spread evenly (deterministic)."""
    products = Product.objects.filter(review_count__gte=settings.REVIEW_SUMMARIES["MIN_REVIEWS"]).order_by("pk")
    if product_ids:
        products = products.filter(pk__in=product_ids)
    if clothing:
        products = products.filter(category_names__icontains=CLOTHING)
    ids = list(products.values_list("pk", flat=True))
    if limit is not None and len(ids) > limit:
        step = len(ids) / limit
        ids = [ids[int(index * step)] for index in range(limit)]
    return Product.objects.filter(pk__in=ids).select_related("category").order_by("pk")


def _reason(text: str) -> str:
    return text.split(" (")[0]


def _mode_on_products(*, mode: str, products: list[Product], progress: Callable[[int], None]) -> ModeEvaluation:
    result = ModeEvaluation(mode=mode, backend=settings.LLM["BACKEND"] if mode != "extractive" else "-", products=0)
    seconds = 0.0
    grounded = fell_back = written_grounded = 0
    for product in products:
        started = time.perf_counter()
        work = summary_work_build(product=product)
        summary_work_prepare(work)
        draft = summary_drafts_make(works=[work], mode=mode)[0]
        seconds += time.perf_counter() - started
        progress(1)
        if draft.error:
            result.llm_errors += 1
            continue
        result.products += 1
        fell_back += bool(draft.fell_back)
        verdicts = draft.verdicts or summary_ground(
            text=draft.text, reviews=work.texts, aspects=work.aspects, allowed_numbers=brief_numbers_list(work=work)
        )
        result.sentences += len(verdicts)
        written_grounded += sum(verdict.passed for verdict in verdicts)
        for verdict in draft.verdicts:
            result.llm_sentences += 1
            grounded += verdict.passed
            if not verdict.passed:
                reason = _reason(verdict.reason)
                result.rejection_reasons[reason] = result.rejection_reasons.get(reason, 0) + 1
    answered = max(1, result.products)
    result.seconds_per_summary = round(seconds / max(1, len(products)), 3)
    result.llm_sentences_grounded = round(grounded / result.llm_sentences, 4) if result.llm_sentences else 0.0
    result.sentences_grounded = round(written_grounded / result.sentences, 4) if result.sentences else 0.0
    result.fell_back = round(fell_back / answered, 4)
    result.rejection_reasons = dict(sorted(result.rejection_reasons.items(), key=lambda item: -item[1]))
    return result


def _probe_summariser(mode: str) -> Callable:
    def extractive(probe, reviews, aspects) -> list[str]:
        return summary_sentences_split(extractive_summary_build(reviews=reviews, aspects=aspects).text)

    def grounded(probe, reviews, aspects) -> list[str]:
        from ml.llm import llm_get

        config = settings.REVIEW_SUMMARIES
        messages = brief_prompt_build(ratings=[review.rating for review in reviews], aspects=aspects)
        answer = llm_get().complete(messages=messages, max_tokens=config["MAX_OUTPUT_TOKENS"], temperature=0.0)
        verdicts = summary_ground(text=summary_clean(text=answer.text), reviews=reviews, aspects=aspects)
        kept = [verdict.sentence for verdict in verdicts if verdict.passed]
        return kept if len(kept) >= MIN_SENTENCES else extractive(probe, reviews, aspects)

    return extractive if mode == "extractive" else grounded


def summaries_evaluate(
    *,
    products: QuerySet[Product],
    modes: list[str],
    faithfulness: bool = True,
    progress: Callable[[int], None] = lambda done: None,
) -> SummaryEvaluation:
    products = list(products)
    aspects = agreeing = 0
    for product in products:
        work = summary_work_build(product=product)
        for aspect in aspects_compute(reviews=work.texts, excluded_words=[product.title, product.category_names]):
            aspects += 1
            agreeing += aspect.sentiment == rating_label(mean_rating=aspect.mean_rating)
    evaluations = []
    for mode in modes:
        evaluation = _mode_on_products(mode=mode, products=products, progress=progress)
        results = probes_run(summarise=_probe_summariser(mode), aspects_of=aspects_compute)
        evaluation.probes = len(results)
        evaluation.probe_coverage = round(sum(min(r.covered, 3) for r in results) / (3 * len(results)), 4)
        evaluation.probe_contradictions = sum(len(r.contradictions) for r in results)
        evaluation.probe_invented = sum(len(r.invented) for r in results)
        evaluations.append(evaluation)
    return SummaryEvaluation(
        polarity_source=polarity_source(),
        aspects=aspects,
        aspects_agreeing_with_stars=round(agreeing / aspects, 4) if aspects else 0.0,
        modes=evaluations,
        faithfulness=faithfulness_evaluate(labelled=faithfulness_set_load(), progress=progress)
        if faithfulness
        else None,
    )
