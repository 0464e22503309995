"""The extractive summary: sentences composed from the aspects' counts and verbatim quotes, so it cannot invent.

Deterministic for a review set: the rating balance, then the most mentioned aspects with how
many of the reviews that mention each praise or criticise it and one or two short clauses
copied from them. Every word outside the fixed frame is a count or a review's own words; the
evidence of each sentence is the clauses it quotes.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reviews.aspects import Aspect, ReviewText, clauses_split, sentences_split

MAX_ASPECT_SENTENCES = 3
MIN_MENTIONS = 2
MODEL_NAME = "extractive"


@dataclass(frozen=True)
class ExtractiveSummary:
    text: str
    evidence: list[dict]


def _quoted(quotes: Sequence[str]) -> str:
    return "; ".join(f"“{quote.rstrip('.!?')}”" for quote in quotes)


def _rating_sentence(*, reviews: Sequence[ReviewText]) -> str:
    stars = Counter(review.rating for review in reviews)
    high, low = stars[4] + stars[5], stars[1] + stars[2]
    mean = sum(review.rating for review in reviews) / len(reviews)
    parts = [f"{high} of {len(reviews)} customers give it 4 or 5 stars"]
    if low:
        parts.append(f"{low} give 1 or 2")
    return f"Customers rate it {mean:.1f} of 5 on average: " + ", ".join(parts) + "."


def _aspect_sentence(aspect: Aspect) -> str:
    who = f"{aspect.mentions} customers who mention it"
    if aspect.sentiment == "positive":
        return f"Customers praise the {aspect.name}: {aspect.positive} of {who} speak well of it ({_quoted(aspect.quotes)})."
    if aspect.sentiment == "negative":
        return f"Customers criticise the {aspect.name}: {aspect.negative} of {who} complain ({_quoted(aspect.quotes)})."
    return (
        f"Customers are divided on the {aspect.name}: of {who}, {aspect.positive} praise it and "
        f"{aspect.negative} complain ({_quoted(aspect.quotes)})."
    )


def _quote_sources(*, aspect: Aspect, reviews: Sequence[ReviewText]) -> list[dict]:
    """The review sentences each quote was copied from."""
    by_id = {review.id: review for review in reviews}
    found = []
    for quote in aspect.quotes:
        bare = quote.rstrip("…")
        for review_id in aspect.review_ids:
            sentence = next(
                (s for s in sentences_split(by_id[review_id].text) if any(bare in c for c in clauses_split(s))), None
            )
            if sentence is not None:
                found.append({"review_id": review_id, "text": sentence, "similarity": 1.0})
                break
    return found


def extractive_summary_build(*, reviews: Sequence[ReviewText], aspects: Sequence[Aspect]) -> ExtractiveSummary:
    """The rating balance and the most mentioned aspects that customers clearly praise, criticise or dispute."""
    if not reviews:
        return ExtractiveSummary(text="", evidence=[])
    sentences = [_rating_sentence(reviews=reviews)]
    evidence: list[dict] = [{"sentence": sentences[0], "supports": [], "basis": "the star ratings"}]
    for aspect in aspects:
        if len(sentences) > MAX_ASPECT_SENTENCES:
            break
        if aspect.mentions < MIN_MENTIONS or not aspect.quotes or aspect.positive + aspect.negative == 0:
            continue
        if aspect.sentiment == "mixed" and min(aspect.positive, aspect.negative) == 0:
            continue
        sentence = _aspect_sentence(aspect)
        sentences.append(sentence)
        evidence.append({"sentence": sentence, "supports": _quote_sources(aspect=aspect, reviews=reviews)})
    return ExtractiveSummary(text=" ".join(sentences), evidence=evidence)
