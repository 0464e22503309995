"""Aspects of a product that its reviews talk about, computed without the LLM, so they never invent.

Candidate phrases (content words and two-word phrases that several reviews use) are grouped
by meaning with the shop's text encoder; each group is an aspect, named by its most used
phrase. Its sentiment comes from the ratings of the reviews that mention it and the opinion
words of the sentences that do; its quote is one of those sentences, verbatim.
"""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ml.encoders import text_encoder_get

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_CANDIDATES = 40
MAX_ASPECTS = 6
SAME_MEANING = 0.72
MIN_SHARE = 0.08
QUOTE_MAX_CHARS = 180

# Function words, opinion words (they carry sentiment, not aspects) and the generic names shoppers
# give the product itself ("this top"): none of them is an aspect.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am an and another any anyone anything are aren't
    around as at away back be became because become been before being below between both but by came can can't cannot
    come comes could couldn't did didn't do does doesn't doing don't done down during each either else enough even ever
    every everything few first for found from further get gets getting give given go goes going got had hadn't has
    hasn't have haven't having he her here hers herself him himself his how however i i'd i'll i'm i've if in into is
    isn't it it's its itself just keep kind last least less let like liked likes lot lots made make makes many may me
    might mine more most much must my myself need needed needs never new next no nor not now of off often on once one
    ones only onto or other others otherwise our ours out over own per perhaps put quite rather re really right said
    same saw say says see seem seemed seems seen several she should shouldn't since so some someone something sometimes
    somewhat still such sure take than that that's the their theirs them themselves then there there's these they
    they're thing things think this those though thought through thru to too took toward try tried two under until up
    upon us use used using usually very via want wanted wants was wasn't way we well went were weren't what when where
    whether which while who whom whose why will with within without won't would wouldn't yet you you'd you'll you're
    you've your yours yourself ordered order ordering bought buy buying purchase purchased wear wearing wore worn tried
    try trying received arrived return returned returning returns item items product products piece pieces store
    online retailer review reviews reviewer reviewers time times day days year years week weeks month months today
    bit usual definitely absolutely especially actually probably totally pretty super extremely highly slightly
    overall anyway already though yes able unless fact reason reasons decided recommend recommended wish hope glad
    happy sad disappointed love loved loves lovely great good nice perfect perfectly beautiful beautifully gorgeous
    cute pretty excellent amazing awesome fantastic wonderful fine ok okay bad poor terrible awful horrible worst best
    better worse comfortable comfy uncomfortable flattering unflattering soft cheap expensive big small little large
    huge tiny long short high low wide narrow tight loose heavy light thin thick looks look looked looking feel feels
    felt feeling fits fitting fitted run runs ran true usually normally typically regular normal sized ordered
    top tops shirt shirts tee tees blouse blouses dress dresses sweater sweaters pants jeans skirt skirts jacket
    jackets coat coats garment outfit outfits clothes clothing
    """.split()
)
POSITIVE = frozenset(
    """
    love loved loves lovely great good nice perfect perfectly beautiful beautifully gorgeous cute excellent amazing
    awesome fantastic wonderful comfortable comfy soft flattering flatters elegant classy stylish quality sturdy
    durable well-made recommend recommended happy glad pleased favorite favourite best better compliments versatile
    easy works worked fits flattering warm cozy breathable fun pretty stunning adorable gorgeous impressed
    """.split()
)
NEGATIVE = frozenset(
    """
    bad poor terrible awful horrible worst worse cheap cheaply disappointed disappointing disappointment returned
    return returning unflattering uncomfortable itchy scratchy tight boxy baggy sheer see-through thin flimsy broke
    broken ripped tore torn faded shrank shrunk pilled pilling wrinkles wrinkled frumpy odd weird awkward unfortunately
    sadly huge tiny short too problem problems issue issues defective smell smells snagged unraveled stiff
    """.split()
)
NEGATIONS = frozenset(
    {"not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "aren't", "weren't", "hardly"}
)


@dataclass(frozen=True)
class ReviewText:
    id: int
    rating: int
    text: str


@dataclass(frozen=True)
class Aspect:
    name: str
    sentiment: str
    """"positive", "mixed" or "negative"."""
    share: float
    """Share of the reviews that mention it."""
    mentions: int
    mean_rating: float
    quote: str
    review_ids: list[int]

    def as_dict(self) -> dict:
        return asdict(self)


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE.split(text) if sentence.strip()]


def opinion_score(*, words: Sequence[str]) -> int:
    """Positive minus negative opinion words, a negation flipping the word after it."""
    score = 0
    for index, word in enumerate(words):
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if sign and any(previous in NEGATIONS for previous in words[max(0, index - 2) : index]):
            sign = -sign
        score += sign
    return score


def sentiment_label(*, mean_rating: float, opinion: float) -> str:
    """Ratings weigh most; the words of the mentioning sentences move a borderline aspect.

    `opinion` is in [-1, 1]: the share of opinion words that are positive, minus the negative share.
    """
    score = 0.6 * (mean_rating - 3) / 2 + 0.4 * opinion
    if score >= 0.3:
        return "positive"
    if score <= -0.1:
        return "negative"
    return "mixed"


def rating_label(*, mean_rating: float) -> str:
    """What the ratings alone say; the evaluation checks aspects' sentiment against it."""
    if mean_rating >= 3.75:
        return "positive"
    if mean_rating <= 2.5:
        return "negative"
    return "mixed"


def _candidates(*, reviews: Sequence[ReviewText], excluded: set[str]) -> list[tuple[str, set[int]]]:
    """Content words and two-word phrases, each with the reviews that use it, most used first."""
    users: dict[str, set[int]] = {}
    for review in reviews:
        words = _words(review.text)
        content = [
            word if word not in STOP_WORDS and word not in excluded and len(word) > 2 else None for word in words
        ]
        terms = {word for word in content if word}
        terms |= {f"{a} {b}" for a, b in zip(content, content[1:]) if a and b and a != b}
        for term in terms:
            users.setdefault(term, set()).add(review.id)
    minimum = max(2, round(MIN_SHARE * len(reviews)))
    ranked = sorted(
        ((term, ids) for term, ids in users.items() if len(ids) >= minimum), key=lambda item: (-len(item[1]), item[0])
    )
    return ranked[:MAX_CANDIDATES]


def _quote(*, terms: set[str], reviews: Sequence[ReviewText], label: str) -> str:
    """A verbatim sentence that mentions the aspect and leans the aspect's way; short ones preferred."""
    wanted = {"positive": 1, "negative": -1, "mixed": 0}[label]
    best: tuple | None = None
    for review in reviews:
        for sentence in _sentences(review.text):
            words = _words(sentence)
            joined = " ".join(words)
            if not any(term in words or (" " in term and term in joined) for term in terms):
                continue
            lean = opinion_score(words=words) + (review.rating - 3)
            agrees = (lean > 0) - (lean < 0) == wanted
            fits = 20 <= len(sentence) <= QUOTE_MAX_CHARS
            key = (not agrees, not fits, abs(len(sentence) - 90), review.id)
            if best is None or key < best[0]:
                best = (key, sentence)
    if best is None:
        return ""
    sentence = best[1]
    return sentence if len(sentence) <= QUOTE_MAX_CHARS else sentence[: QUOTE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def aspects_compute(*, reviews: Sequence[ReviewText], excluded_words: Sequence[str] = ()) -> list[Aspect]:
    """The aspects most reviews talk about, most mentioned first.

    `excluded_words` (the product's own name, its category) are not aspects of it.
    """
    if not reviews:
        return []
    excluded = {word for text in excluded_words for word in _words(text)}
    candidates = _candidates(reviews=reviews, excluded=excluded)
    if not candidates:
        return []
    vectors = text_encoder_get().encode([term for term, _ in candidates])
    groups: list[tuple[int, list[int]]] = []
    for index in range(len(candidates)):
        for head, members in groups:
            if float(np.dot(vectors[head], vectors[index])) >= SAME_MEANING:
                members.append(index)
                break
        else:
            groups.append((index, [index]))

    by_id = {review.id: review for review in reviews}
    aspects: list[Aspect] = []
    for head, members in groups:
        terms = {candidates[index][0] for index in members}
        ids = sorted(set().union(*(candidates[index][1] for index in members)))
        mentioning = [by_id[review_id] for review_id in ids]
        mean_rating = sum(review.rating for review in mentioning) / len(mentioning)
        positive = negative = 0
        for review in mentioning:
            for sentence in _sentences(review.text):
                words = _words(sentence)
                joined = " ".join(words)
                if any(term in words or (" " in term and term in joined) for term in terms):
                    score = opinion_score(words=words)
                    positive, negative = positive + max(score, 0), negative + max(-score, 0)
        opinion = (positive - negative) / (positive + negative) if positive + negative else 0.0
        label = sentiment_label(mean_rating=mean_rating, opinion=opinion)
        aspects.append(
            Aspect(
                name=candidates[head][0],
                sentiment=label,
                share=round(len(ids) / len(reviews), 3),
                mentions=len(ids),
                mean_rating=round(mean_rating, 2),
                quote=_quote(terms=terms, reviews=mentioning, label=label),
                review_ids=ids,
            )
        )
    aspects.sort(key=lambda aspect: (-aspect.mentions, aspect.name))
    return _distinct(aspects)[:MAX_ASPECTS]


def _distinct(aspects: list[Aspect]) -> list[Aspect]:
    """Drop a phrase whose words another, more mentioned aspect already names ("true size" after "size")."""
    kept: list[Aspect] = []
    for aspect in aspects:
        words = set(aspect.name.split())
        if not any(words & set(other.name.split()) for other in kept):
            kept.append(aspect)
    return kept
