"""Grounding: each sentence of a summary is kept only when the reviews it summarises say it.

A sentence passes when
- its form is a summary's: no list in any markup, no first-person narration, no talk about
  "the reviews" or "reviewers" as texts, no price, no origin ("made in …"), no name and no
  number that neither the reviews nor the brief give, and anything it quotes is verbatim;
- it is supported: review sentences close to it in the text encoder's space, and those
  sentences share its key terms (most of its content words, stemmed);
- its polarity agrees: each clause that names an aspect leans the way that aspect's mentions
  do, and the sentence does not lean against its supporting sentences.
A sentence that quotes the reviews is supported by the review sentences it quotes (verbatim, so
no similarity is needed), and must still agree with them. A sentence with no key term at all
may only report the star ratings ("Customers rate it 4.2 of 5"): its numbers must be the brief's
and its lean that of the stars; one that does not name the ratings says nothing ("They praise it
for"). A sentence must be finished: an answer cut off by the token limit ends in a fragment.
Every backend's output goes through `summary_ground`; the supporting review sentences of each
kept sentence are stored with the summary (`ReviewSummary.evidence`) for staff.
"""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ml.encoders import text_encoder_get
from reviews.aspects import STOP_WORDS, Aspect, ReviewText, clauses_split, sentences_split, words_split
from reviews.sentiment import polarities_score, polarity_label

# A review sentence at least this close (cosine) may support a summary sentence.
SUPPORT_SIMILARITY = 0.45
# The best supporting sentence must be at least this close.
BEST_SIMILARITY = 0.55
SUPPORT_TOP = 8
# Share of a sentence's key terms that its supporting sentences must use.
KEY_TERMS_AGREE = 0.6
# Share of the labelled supporting sentences leaning the other way that makes a contradiction.
CONTRADICTION_SHARE = 0.6
MIN_SENTENCES = 2
# A sentence about the ratings alone may praise at this average or above, and complain at this or below.
RATINGS_POSITIVE = 3.5
RATINGS_NEGATIVE = 3.0

# Words a summary uses to report what customers say; they are no claim about the product.
SUMMARY_WORDS = frozenset(
    """
    customer customers shopper shoppers buyer buyers people say says said saying praise praised praises praising
    mention mentioned mentions mentioning note noted notes find finds found report reported reports describe
    described describes complain complained complaint complaints criticise criticised criticize criticized
    divided mixed agree agreed most many several some few others majority minority overall generally general
    opinion opinions positive negative feedback sentiment common commonly frequently often while whereas also
    well rate rated rating ratings average stars star give gives who speak spoke e.g example such as
    however although though overall product item it its
    """.split()
)
LIST_MARKUP = re.compile(r"(?:^|\n)\s*(?:[-*•+>#]|\d+[.)])\s|<[a-z/!][^>]*>|https?://|```|\|\s*-{3}", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|our|ours|us)\b", re.IGNORECASE)
META = re.compile(
    r"\b(?:the|these|those|this|all|other|many|most|some|several|each)\s+reviews?\b|\breviewers?\b|\breview(?:s|ed)?\s+"
    r"(?:say|says|mention|mentions|suggest|suggests|indicate|indicates|show|shows|note|notes)\b|\bsummar",
    re.IGNORECASE,
)
PRICE = re.compile(r"[$€£¥]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:dollars?|euros?|pounds?|usd)\b", re.IGNORECASE)
ORIGIN = re.compile(r"\b(?:made|manufactured|produced|sourced|designed)\s+in\b|\bimported\b", re.IGNORECASE)
QUOTED = re.compile(r"[“\"]([^”\"]{3,})[”\"]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
CAPITALISED = re.compile(r"[A-Z][a-z]+")
FINISHED = re.compile(r"[.!?…][”\"')]*\s*$|[”\")]\s*[.!?]?\s*$")
RATINGS = re.compile(r"\b(?:rate[ds]?|ratings?|stars?|average)\b", re.IGNORECASE)
SENTENCE_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"]))\s+(?=[“\"A-Z*•#>\d-])|\n+")


@dataclass(frozen=True)
class Support:
    review_id: int
    text: str
    similarity: float


@dataclass
class SentenceVerdict:
    sentence: str
    passed: bool
    reason: str = ""
    supports: list[Support] = field(default_factory=list)

    def as_evidence(self) -> dict:
        return {"sentence": self.sentence, "supports": [asdict(support) for support in self.supports]}


@dataclass(frozen=True)
class ReviewSentences:
    """A product's review sentences with their encoder vectors and polarity, computed once per summary."""

    review_ids: list[int]
    texts: list[str]
    vectors: np.ndarray
    polarities: np.ndarray
    corpus: str


def _stem(word: str) -> str:
    for suffix in ("ness", "ing", "ies", "ied", "ed", "es", "ly", "s", "y", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _key_terms(text: str) -> set[str]:
    return {
        _stem(word)
        for word in words_split(QUOTED.sub(" ", text))
        if len(word) > 2 and word not in SUMMARY_WORDS and (word not in STOP_WORDS or word in SIZE_WORDS)
    }


# Words of direction that a claim turns on ("runs small" is not "runs large") stay key terms.
SIZE_WORDS = frozenset(
    "small large big tight loose long short wide narrow thin thick heavy light soft itchy sheer".split()
)


def review_sentences_build(*, reviews: Sequence[ReviewText]) -> ReviewSentences:
    ids: list[int] = []
    texts: list[str] = []
    for review in reviews:
        for sentence in sentences_split(review.text):
            ids.append(review.id)
            texts.append(sentence)
    vectors = text_encoder_get().encode(texts)
    corpus = " ".join(" ".join(words_split(review.text)) for review in reviews)
    return ReviewSentences(
        review_ids=ids,
        texts=texts,
        vectors=vectors,
        polarities=polarities_score(texts=texts, vectors=vectors),
        corpus=f" {corpus} ",
    )


def _normalised(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("….")


def _quoted_sentences(*, sentence: str, source: ReviewSentences) -> list[int]:
    """The review sentences that the sentence's quotes copy."""
    quotes = [_normalised(quote) for quote in QUOTED.findall(sentence)]
    return [i for i, text in enumerate(source.texts) if any(quote in _normalised(text) for quote in quotes)]


def _ratings_problem(*, score: float, reviews: Sequence[ReviewText]) -> str:
    """A sentence about the ratings alone may lean only the way the stars do."""
    mean = sum(review.rating for review in reviews) / len(reviews) if reviews else 0.0
    own = polarity_label(score)
    if (own == 1 and mean < RATINGS_POSITIVE) or (own == -1 and mean > RATINGS_NEGATIVE):
        return f"leans {'positive' if own == 1 else 'negative'}; the stars average {mean:.1f}"
    return ""


def summary_sentences_split(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE_SPLIT.split(text.strip()) if sentence.strip()]


def _names(text: str) -> list[str]:
    """Capitalised words that do not begin a sentence: names of people, places, brands."""
    tokens = text.split()
    return [
        match.group(0)
        for index, token in enumerate(tokens)
        if index and not tokens[index - 1].endswith((".", "!", "?", ":")) and (match := CAPITALISED.match(token))
    ]


def _form_problem(*, sentence: str, source: ReviewSentences, raw_reviews: str, allowed_numbers: set[str]) -> str:
    if LIST_MARKUP.search(sentence):
        return "a list or markup"
    if not FINISHED.search(sentence):
        return "an unfinished sentence"
    for quoted in QUOTED.findall(sentence):
        if " ".join(quoted.lower().split()).rstrip("….") not in raw_reviews:
            return f"quotes words no review wrote ({quoted[:40]})"
    bare = QUOTED.sub(" ", sentence)
    if FIRST_PERSON.search(bare):
        return "first-person narration"
    if META.search(bare):
        return 'talks about "the reviews"'
    if PRICE.search(bare):
        return "a price"
    if ORIGIN.search(bare) and not ORIGIN.search(raw_reviews):
        return "an origin no review gives"
    numbers = {number for number in NUMBER.findall(bare) if number not in allowed_numbers}
    if numbers and not all(f" {number} " in f" {raw_reviews} " for number in numbers):
        return f"a number no review gives ({', '.join(sorted(numbers))})"
    for name in _names(bare):
        if f" {name.lower()} " not in source.corpus:
            return f"a name no review gives ({name})"
    return ""


def _polarity_problem(
    *, sentence: str, score: float, supports: list[int], source: ReviewSentences, aspects: Sequence[Aspect]
) -> str:
    own = polarity_label(score)
    if own:
        labels = [polarity_label(float(source.polarities[index])) for index in supports]
        labelled = [label for label in labels if label]
        if labelled and sum(label == -own for label in labelled) >= CONTRADICTION_SHARE * len(labelled):
            return "leans against the review sentences that support it"
    for clause in clauses_split(QUOTED.sub(" ", sentence)):
        words = words_split(clause)
        joined = f" {' '.join(words)} "
        named = [a for a in aspects if any(f" {term} " in joined for term in a.terms)]
        if not named:
            continue
        clause_label = polarity_label(float(polarities_score(texts=[clause])[0]))
        for aspect in named:
            if (clause_label == 1 and aspect.sentiment == "negative") or (
                clause_label == -1 and aspect.sentiment == "positive"
            ):
                return f"says the {aspect.name} is {'good' if clause_label == 1 else 'bad'}; its mentions say otherwise"
    return ""


def summary_ground(
    *,
    text: str,
    reviews: Sequence[ReviewText],
    aspects: Sequence[Aspect],
    source: ReviewSentences | None = None,
    allowed_numbers: Sequence[str] = (),
) -> list[SentenceVerdict]:
    """A verdict for each sentence of `text`; `allowed_numbers` are the counts the brief gave."""
    if source is None:
        source = review_sentences_build(reviews=reviews)
    sentences = summary_sentences_split(text)
    if not sentences:
        return []
    raw_reviews = " ".join(" ".join(review.text.lower().split()) for review in reviews)
    # What a sentence claims is read without its quotes: they are the reviews' words, checked as such.
    claims = [QUOTED.sub(" ", sentence) for sentence in sentences]
    vectors = text_encoder_get().encode(claims)
    scores = polarities_score(texts=claims, vectors=vectors)
    verdicts = []
    allowed = set(allowed_numbers)
    for sentence, vector, score in zip(sentences, vectors, scores.tolist()):
        problem = _form_problem(sentence=sentence, source=source, raw_reviews=raw_reviews, allowed_numbers=allowed)
        if problem:
            verdicts.append(SentenceVerdict(sentence=sentence, passed=False, reason=problem))
            continue
        terms = _key_terms(sentence)
        if not terms:
            problem = _ratings_problem(score=score, reviews=reviews) if RATINGS.search(sentence) else "says nothing"
            verdicts.append(SentenceVerdict(sentence=sentence, passed=not problem, reason=problem))
            continue
        similarities = source.vectors @ vector if len(source.texts) else np.zeros(0)
        order = _quoted_sentences(sentence=sentence, source=source)[:SUPPORT_TOP]
        if order:
            similarities = similarities.copy()
            similarities[order] = 1.0
        else:
            order = [int(i) for i in np.argsort(-similarities)[:SUPPORT_TOP] if similarities[i] >= SUPPORT_SIMILARITY]
        supports = [
            Support(review_id=source.review_ids[i], text=source.texts[i], similarity=round(float(similarities[i]), 3))
            for i in order
        ]
        if not order or similarities[order[0]] < BEST_SIMILARITY:
            verdicts.append(SentenceVerdict(sentence=sentence, passed=False, reason="no review sentence says it"))
            continue
        supported_terms = {_stem(word) for i in order for word in words_split(source.texts[i])}
        if terms and len(terms & supported_terms) < KEY_TERMS_AGREE * len(terms):
            missing = ", ".join(sorted(terms - supported_terms))
            verdicts.append(
                SentenceVerdict(
                    sentence=sentence, passed=False, reason=f"claims no review makes ({missing})", supports=supports
                )
            )
            continue
        problem = _polarity_problem(sentence=sentence, score=score, supports=order, source=source, aspects=aspects)
        verdicts.append(SentenceVerdict(sentence=sentence, passed=not problem, reason=problem, supports=supports))
    return verdicts
