"""The labelled faithfulness set: summary sentences and aspects judged by reading, and the grounding check on them.

`reviews/evaluation_faithfulness.json` holds, per demo clothing product (by SKU, stable across
seeds, with the hash of the review set the labels were read against):
- sentences of its summaries (the local LLM's raw answer to the brief before grounding, and the
  extractive summary), each labelled supported / partly / unsupported / contradicted / nonsense;
- its aspects as `reviews.aspects` produced them, each labelled useful or not, with the polarity
  the mentioning reviews actually state.
The check should catch unsupported, contradicted and nonsense sentences ("bad"); supported ones
should pass; "partly" (a stretch) counts as neither and is left out of precision and recall.
Products fall into a development or held-out half by a hash of their SKU, fixed before any
threshold was tuned: thresholds are tuned on development only, and both halves are reported.

`faithfulness_candidates_build` writes what a person reads to label: the product's reviews, its
aspects with their mentioning sentences, and the candidate sentences, without the check's verdicts.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ml.encoders import text_encoder_get
from reviews.aspects import Aspect, aspects_compute, sentences_split, words_split
from reviews.extractive import extractive_summary_build
from reviews.grounding import review_sentences_build, summary_ground, summary_sentences_split
from reviews.summaries import (
    SummaryWork,
    brief_numbers_list,
    summary_drafts_make,
    summary_work_build,
    summary_work_prepare,
)
from shop.models import Product

LABELLED_SET = Path(__file__).with_name("evaluation_faithfulness.json")
SENTENCE_LABELS = ("supported", "partly", "unsupported", "contradicted", "nonsense")
BAD = frozenset({"unsupported", "contradicted", "nonsense"})
# The naive peer's thresholds tried on the development half: flag when the best cosine is below t.
BASELINE_THRESHOLDS = tuple(round(0.30 + 0.025 * step, 3) for step in range(21))


def faithfulness_half(*, sku: str) -> str:
    """ "dev" or "held-out" by a hash of the SKU: half the products each, the same on every machine."""
    return "held-out" if hashlib.sha256(f"faithfulness:{sku}".encode()).digest()[0] % 2 else "dev"


def _aspect_mentions(*, aspect: Aspect, work: SummaryWork) -> list[str]:
    """The review sentences that name one of the aspect's terms, for the reader to judge its polarity."""
    by_id = {review.id: review for review in work.texts}
    found = []
    for review_id in aspect.review_ids:
        for sentence in sentences_split(by_id[review_id].text):
            joined = f" {' '.join(words_split(sentence))} "
            if any(f" {term} " in joined for term in aspect.terms):
                found.append(f"[r{review_id}] {sentence}")
    return found


def faithfulness_candidates_build(*, products: Sequence[Product]) -> list[dict]:
    """Per product: its reviews, aspects with their mentions, and the sentences to label (LLM raw and extractive)."""
    candidates = []
    for product in products:
        work = summary_work_build(product=product)
        summary_work_prepare(work)
        draft = summary_drafts_make(works=[work], mode="grounded-llm")[0]
        extractive = extractive_summary_build(reviews=work.texts, aspects=work.aspects).text
        sentences = [{"source": "llm", "text": verdict.sentence} for verdict in draft.verdicts]
        sentences += [{"source": "extractive", "text": text} for text in summary_sentences_split(extractive)]
        candidates.append(
            {
                "sku": product.sku,
                "product_id": product.pk,
                "title": product.title,
                "review_hash": work.review_hash,
                "llm_raw": draft.completions[0].text if draft.completions else draft.error,
                "reviews": [{"id": r.id, "rating": r.rating, "text": r.text} for r in work.texts],
                "aspects": [
                    {
                        "name": aspect.name,
                        "sentiment": aspect.sentiment,
                        "mentions": aspect.mentions,
                        "positive": aspect.positive,
                        "negative": aspect.negative,
                        "terms": aspect.terms,
                        "quotes": aspect.quotes,
                        "mentioning_sentences": _aspect_mentions(aspect=aspect, work=work),
                    }
                    for aspect in work.aspects
                ],
                "sentences": sentences,
            }
        )
    return candidates


def faithfulness_candidates_text(*, candidates: Sequence[dict]) -> str:
    """The candidates as plain text to read: reviews first, then aspects, then the numbered sentences."""
    lines = []
    for product in candidates:
        lines.append(f"\n##### {product['sku']} (id {product['product_id']}) {product['title']}")
        for review in product["reviews"]:
            lines.append(f"[r{review['id']}] ★{review['rating']} {review['text']}")
        lines.append("--- aspects")
        for aspect in product["aspects"]:
            lines.append(
                f"* {aspect['name']} → {aspect['sentiment']} ({aspect['mentions']} reviews, +{aspect['positive']} "
                f"-{aspect['negative']}; terms {', '.join(aspect['terms'])})"
            )
            lines += [f"    {mention}" for mention in aspect["mentioning_sentences"]]
        lines.append("--- sentences")
        for index, sentence in enumerate(product["sentences"]):
            lines.append(f"S{index} [{sentence['source']}] {sentence['text']}")
    return "\n".join(lines) + "\n"


@dataclass
class DetectionFigures:
    """How well a check catches bad sentences: flagged bad ones over all flagged, and over all bad ones."""

    bad: int = 0
    supported: int = 0
    caught: int = 0
    false_alarms: int = 0
    precision: float = 0.0
    recall: float = 0.0
    partly_flagged: str = "0 of 0"

    @classmethod
    def of(cls, *, labels: Sequence[str], flagged: Sequence[bool]) -> "DetectionFigures":
        pairs = list(zip(labels, flagged))
        caught = sum(flag for label, flag in pairs if label in BAD)
        false_alarms = sum(flag for label, flag in pairs if label == "supported")
        bad = sum(label in BAD for label in labels)
        partly = [flag for label, flag in pairs if label == "partly"]
        return cls(
            bad=bad,
            supported=sum(label == "supported" for label in labels),
            caught=caught,
            false_alarms=false_alarms,
            precision=round(caught / (caught + false_alarms), 4) if caught + false_alarms else 0.0,
            recall=round(caught / bad, 4) if bad else 0.0,
            partly_flagged=f"{sum(partly)} of {len(partly)}",
        )


@dataclass
class AspectFigures:
    labelled: int = 0
    useful: float = 0.0
    polarity_agrees: float = 0.0
    """Of the useful labelled aspects, the share whose computed polarity is the one the mentions state."""
    unlabelled: int = 0
    """Aspects the extraction produces now that no one labelled (a changed extraction)."""


@dataclass
class FaithfulnessHalf:
    half: str
    products: int
    sentences: int
    grounding: DetectionFigures
    baseline: DetectionFigures
    baseline_threshold: float
    aspects: AspectFigures
    by_source: dict[str, DetectionFigures] = field(default_factory=dict)


@dataclass
class FaithfulnessEvaluation:
    labelled_at: str
    products_skipped: list[str]
    """SKUs whose review set changed since labelling, or that are not in this database."""
    halves: list[FaithfulnessHalf]
    label_counts: dict[str, int]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Judged:
    half: str
    source: str
    label: str
    grounded: bool
    best_similarity: float


def faithfulness_set_load(*, path: Path = LABELLED_SET) -> dict:
    labelled = json.loads(path.read_text())
    for product in labelled["products"]:
        for sentence in product["sentences"]:
            if sentence["label"] not in SENTENCE_LABELS:
                raise ValueError(f"{product['sku']}: unknown label {sentence['label']!r}")
    return labelled


def _best_similarity(*, sentence: str, vectors: np.ndarray) -> float:
    if not len(vectors):
        return 0.0
    return float(np.max(vectors @ text_encoder_get().encode([sentence])[0]))


def faithfulness_evaluate(
    *, labelled: dict, aspects_of: Callable = aspects_compute, progress: Callable[[int], None] = lambda done: None
) -> FaithfulnessEvaluation:
    """The grounding check and the naive cosine peer on the labelled sentences; the aspects against their labels."""
    judged: list[_Judged] = []
    aspect_rows: dict[str, list[tuple[bool, bool | None]]] = {"dev": [], "held-out": []}
    unlabelled = {"dev": 0, "held-out": 0}
    evaluated = {"dev": 0, "held-out": 0}
    skipped = []
    for entry in labelled["products"]:
        progress(1)
        product = Product.objects.filter(sku=entry["sku"]).select_related("category").first()
        work = summary_work_build(product=product) if product is not None else None
        if work is None or work.review_hash != entry["review_hash"]:
            skipped.append(entry["sku"])
            continue
        half = faithfulness_half(sku=entry["sku"])
        evaluated[half] += 1
        summary_work_prepare(work)
        source = review_sentences_build(reviews=work.texts)
        numbers = brief_numbers_list(work=work)
        for sentence in entry["sentences"]:
            verdicts = summary_ground(
                text=sentence["text"], reviews=work.texts, aspects=work.aspects, source=source, allowed_numbers=numbers
            )
            judged.append(
                _Judged(
                    half=half,
                    source=sentence["source"],
                    label=sentence["label"],
                    grounded=bool(verdicts) and all(verdict.passed for verdict in verdicts),
                    best_similarity=_best_similarity(sentence=sentence["text"], vectors=source.vectors),
                )
            )
        labels = {aspect["name"]: aspect for aspect in entry["aspects"]}
        computed = aspects_of(reviews=work.texts, excluded_words=[product.title, product.category_names])
        for aspect in computed:
            label = labels.get(aspect.name)
            if label is None:
                unlabelled[half] += 1
                continue
            right = aspect.sentiment == label["polarity"] if label["useful"] else None
            aspect_rows[half].append((label["useful"], right))
    threshold = _baseline_threshold(rows=[row for row in judged if row.half == "dev"])
    halves = []
    for half in ("dev", "held-out"):
        rows = [row for row in judged if row.half == half]
        labels = [row.label for row in rows]
        by_source = {
            source: DetectionFigures.of(
                labels=[row.label for row in rows if row.source == source],
                flagged=[not row.grounded for row in rows if row.source == source],
            )
            for source in sorted({row.source for row in rows})
        }
        useful = [is_useful for is_useful, _ in aspect_rows[half]]
        rights = [right for _, right in aspect_rows[half] if right is not None]
        halves.append(
            FaithfulnessHalf(
                half=half,
                products=evaluated[half],
                sentences=len(rows),
                grounding=DetectionFigures.of(labels=labels, flagged=[not row.grounded for row in rows]),
                baseline=DetectionFigures.of(labels=labels, flagged=[row.best_similarity < threshold for row in rows]),
                baseline_threshold=threshold,
                aspects=AspectFigures(
                    labelled=len(useful),
                    useful=round(sum(useful) / len(useful), 4) if useful else 0.0,
                    polarity_agrees=round(sum(rights) / len(rights), 4) if rights else 0.0,
                    unlabelled=unlabelled[half],
                ),
                by_source=by_source,
            )
        )
    counts = {label: sum(row.label == label for row in judged) for label in SENTENCE_LABELS}
    return FaithfulnessEvaluation(
        labelled_at=labelled.get("labelled", ""), products_skipped=skipped, halves=halves, label_counts=counts
    )


def _baseline_threshold(*, rows: Sequence[_Judged]) -> float:
    """The naive peer's best threshold on the development half: highest recall among those at precision ≥ 0.8,
    else the best F1."""
    labels = [row.label for row in rows]

    def figures(threshold: float) -> DetectionFigures:
        return DetectionFigures.of(labels=labels, flagged=[row.best_similarity < threshold for row in rows])

    scored = [(threshold, figures(threshold)) for threshold in BASELINE_THRESHOLDS]
    precise = [(f.recall, t) for t, f in scored if f.precision >= 0.8 and f.caught]
    if precise:
        return max(precise)[1]
    f1 = [(2 * f.precision * f.recall / (f.precision + f.recall) if f.caught else 0.0, t) for t, f in scored]
    return max(f1)[1]
