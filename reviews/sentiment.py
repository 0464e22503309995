"""Sentence polarity: a logistic regression on the text encoder's sentence vectors, trained on rated reviews,
read together with the clause's opinion cues.

The shop trains it on its own rated reviews (the CC0 women's clothing reviews: 4-5 stars positive,
1-2 stars negative, 3 stars left out) and applies it to single sentences and clauses, so an
aspect's polarity comes from what is said about it, not from the review's overall stars
("stays wet for hours" in a 4-star review is still negative).

Trained on whole reviews, the classifier has never seen a neutral text: it reads plain statements
("I ordered my usual size medium", "the fabric is so soft" beside complaints) as opinions, mostly
negative, because sizes and fabrics are what unhappy reviews talk about. So a clause's polarity is
the mean of the classifier's and its opinion cues' (`opinion_cues_score`: VADER's rule-based
lexicon, the shop's opinion words, and how shoppers state fit and looks: "runs small", "true to
size", "darker than the photo"), and a clause with no cue at all is neutral. A plain complaint
without opinion words ("the lining stays wet for hours") is then neutral too: on the labelled
aspects' development half, letting the classifier speak for such clauses at a third, half or full
weight agreed on 44, 42 and 42 of 63 aspects against 45 without. On the labelled aspects' development half (`reviews/evaluation_faithfulness.json`) this,
with `reviews.aspects.sentiment_label` counting only the reviews that take a side, moved polarity
agreement from 41% to 70%. Until a model is trained the cues alone stand in, and say so
(`polarity_source`).
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from django.db import transaction

from ml.artifacts import ArtifactError, artifact_load, artifact_save
from ml.encoders import text_encoder_get, text_encoder_name
from ml.loading import loaded_get
from reviews.models import SentimentModel

# A sentence is positive above this probability, negative below 1 - it, neutral between.
POSITIVE_ABOVE = 0.65
# VADER's compound score below this size is no opinion.
VADER_NEUTRAL = 0.05
# How shoppers say that a garment fits or looks other than it should, or as it should: facts to VADER, verdicts here.
FIT_COMPLAINT = re.compile(
    r"\b(?:runs?|ran|running|fits?|is|are|was|were)\s+(?:very\s+|really\s+|way\s+|so\s+|slightly\s+|extremely\s+|"
    r"a\s+(?:little|bit|tad|touch)\s+)?(?:small|large|big|huge|short|long|tight|loose|snug|baggy|boxy|wide)\b"
    r"|\bsize[ds]?\s+(?:up|down)\b|\b(?:too|so)\s+(?:small|large|big|tight|loose|short|long|wide|thin|sheer|boxy|baggy|"
    r"heavy|stiff)\b|\bsee[- ]?(?:through|thru)\b|\bno\s+(?:elastic|stretch|shape|support|lining)\b"
    r"|\b(?:darker|lighter|paler|duller)\s+than\b|\bnot\s+(?:the\s+same\s+as|like|as\s+\w+\s+as)\b|\bnothing\s+like\b"
    r"|\bfall(?:s|ing)?\s+(?:down|off)\b|\bpill(?:s|ed|ing)\b|\bitch(?:y)?\b|\bshr[au]nk\b|\bunflattering\b",
    re.IGNORECASE,
)
FIT_PRAISE = re.compile(
    r"\btrue\s+to\s+size\b|\btts\b|\bfits?\s+(?:perfectly|perfect|great|well|nicely|like\s+a\s+glove)\b"
    r"|\b(?:perfect|great)\s+fit\b",
    re.IGNORECASE,
)
ARTIFACT_NAME = "reviews/sentiment-{pk}.pt"


@dataclass(frozen=True)
class RatedText:
    text: str
    rating: int
    group: int
    """Texts of one group (a product) all fall on the same side of the held-out split."""


@dataclass(frozen=True)
class SentimentClassifier:
    coef: np.ndarray
    intercept: float
    encoder_name: str

    def positive_probability(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(vectors @ self.coef + self.intercept)))


def _held_out(group: int) -> bool:
    """One product in five, fixed by its id: the same split on every machine and every run."""
    return hashlib.sha256(f"sentiment:{group}".encode()).digest()[0] % 5 == 0


def _accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    return round(float((predicted == truth).mean()), 4) if len(truth) else 0.0


def _balanced_accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    recalls = [float((predicted[truth == label] == label).mean()) for label in (0, 1) if (truth == label).any()]
    return round(sum(recalls) / len(recalls), 4) if recalls else 0.0


def sentiment_model_train(*, texts: Sequence[RatedText], seed: int = 0) -> SentimentModel:
    """Fit, measure on held-out products beside two naive baselines, store the artifact and its row."""
    from sklearn.linear_model import LogisticRegression

    from reviews.aspects import opinion_score, words_split

    rated = [text for text in texts if text.rating != 3 and text.text.strip()]
    if len(rated) < 20:
        raise ValueError(f"At least 20 rated texts (1, 2, 4 or 5 stars) are needed to train; got {len(rated)}.")
    labels = np.array([int(text.rating >= 4) for text in rated])
    test = np.array([_held_out(text.group) for text in rated])
    if test.all() or not test.any() or len(set(labels[~test])) < 2:
        raise ValueError("The texts need several products and both polarities to train and hold out.")
    vectors = text_encoder_get().encode([text.text for text in rated], batch_size=64)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=seed)
    model.fit(vectors[~test], labels[~test])
    predicted = model.predict(vectors[test])
    truth = labels[test]
    majority = np.full_like(truth, int(labels[~test].mean() >= 0.5))
    lexicon = np.array([int(opinion_score(words=words_split(text.text)) >= 0) for text, t in zip(rated, test) if t])
    metrics = {
        "train_texts": int((~test).sum()),
        "held_out_texts": int(test.sum()),
        "held_out_positive_share": round(float(truth.mean()), 4),
        "accuracy": _accuracy(predicted, truth),
        "balanced_accuracy": _balanced_accuracy(predicted, truth),
        "majority_accuracy": _accuracy(majority, truth),
        "majority_balanced_accuracy": _balanced_accuracy(majority, truth),
        "lexicon_accuracy": _accuracy(lexicon, truth),
        "lexicon_balanced_accuracy": _balanced_accuracy(lexicon, truth),
    }
    payload = {
        "coef": torch.from_numpy(model.coef_[0].astype(np.float32)),
        "intercept": float(model.intercept_[0]),
        "encoder_name": text_encoder_name(),
    }
    with transaction.atomic():
        row = SentimentModel.objects.create(encoder_name=text_encoder_name(), artifact_name="", artifact_sha256="")
        stored = artifact_save(name=ARTIFACT_NAME.format(pk=row.pk), payload=payload)
        row.artifact_name, row.artifact_sha256, row.metrics = stored.name, stored.sha256, metrics
        row.save(update_fields=["artifact_name", "artifact_sha256", "metrics"])
    return row


def sentiment_classifier_get() -> SentimentClassifier | None:
    """The newest trained classifier made with the current text encoder, loaded once per process; None if none."""
    row = SentimentModel.objects.filter(encoder_name=text_encoder_name()).exclude(artifact_sha256="").first()
    if row is None:
        return None

    def load() -> SentimentClassifier:
        payload = artifact_load(name=row.artifact_name, sha256=row.artifact_sha256)
        return SentimentClassifier(
            coef=payload["coef"].numpy(), intercept=float(payload["intercept"]), encoder_name=payload["encoder_name"]
        )

    try:
        return loaded_get(key="reviews.sentiment", version=row.artifact_sha256, load=load, failures=(ArtifactError,))
    except ArtifactError:
        return None


def polarity_source() -> str:
    """What gives sentences their polarity here: the trained classifier or the lexicon."""
    return "classifier" if sentiment_classifier_get() is not None else "lexicon"


def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return loaded_get(key="reviews.vader", version="3.3.2", load=SentimentIntensityAnalyzer)


def vader_lexicon() -> dict[str, float]:
    """VADER's word valences (−4 to 4)."""
    return _vader().lexicon


def opinion_cues_score(*, text: str) -> float | None:
    """The opinion a clause states by its words, in [-1, 1]; None when it states none (a plain statement)."""
    from reviews.aspects import opinion_score, words_split

    vader = float(_vader().polarity_scores(text)["compound"])
    lexicon = opinion_score(words=words_split(text)) / 2
    praise, complaint = bool(FIT_PRAISE.search(text)), bool(FIT_COMPLAINT.search(text))
    if abs(vader) < VADER_NEUTRAL and not lexicon and not praise and not complaint:
        return None
    return float(np.clip(vader + lexicon + praise - complaint, -1, 1))


def polarities_score(*, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
    """Each text's polarity in [-1, 1]: the mean of the classifier's (2 × P(positive) − 1) and the opinion cues';
    0 for a text without opinion cues; the cues alone without a classifier.

    `vectors` are the texts' encoder vectors when the caller has them already.
    """
    if not texts:
        return np.zeros(0, dtype=np.float32)
    cues = [opinion_cues_score(text=text) for text in texts]
    classifier = sentiment_classifier_get()
    if classifier is None:
        return np.array([cue or 0.0 for cue in cues], dtype=np.float32)
    if vectors is None:
        vectors = text_encoder_get().encode(list(texts))
    model = 2 * classifier.positive_probability(vectors) - 1
    return np.array(
        [0.0 if cue is None else (float(score) + cue) / 2 for cue, score in zip(cues, model)], dtype=np.float32
    )


def polarity_label(score: float) -> int:
    """1 positive, -1 negative, 0 neither."""
    threshold = 2 * POSITIVE_ABOVE - 1
    return 1 if score >= threshold else -1 if score <= -threshold else 0
