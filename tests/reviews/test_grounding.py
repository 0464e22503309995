"""Planted-fact probes: the extractive mode and the grounding check on products whose reviews agree on known facts."""

import pytest

from reviews.aspects import aspects_compute
from reviews.extractive import extractive_summary_build
from reviews.grounding import summary_ground, summary_sentences_split
from reviews.probes import PROBES, probes_run
from reviews.sentiment import polarity_source

pytestmark = pytest.mark.django_db


def test_the_sentiment_model_beats_the_majority_class_on_held_out_products(review_sentiment):
    metrics = review_sentiment.metrics
    assert polarity_source() == "classifier"
    assert metrics["held_out_texts"] > 100
    assert metrics["balanced_accuracy"] > metrics["majority_balanced_accuracy"] + 0.2


KNOWN_GAP = (
    "Issue 13 is open: grounding catches the flipped fact on 21 of 22 probes; on the kitchen knife VADER's lexicon "
    "reads 'Sharp blade, cuts cleanly' as negative ('cuts'), the blade comes out mixed, and 'the blade is terrible "
    "and broke quickly' passes; strict, so the test fails once it is caught."
)


def test_the_extractive_summary_states_the_planted_facts_with_their_polarity_and_nothing_else(review_sentiment):
    def summarise(probe, reviews, aspects):
        return summary_sentences_split(extractive_summary_build(reviews=reviews, aspects=aspects).text)

    results = probes_run(summarise=summarise, aspects_of=aspects_compute)
    assert len(results) >= 20
    assert [r for r in results if r.contradictions] == []
    assert [r for r in results if r.invented] == []
    coverage = sum(min(r.covered, 3) for r in results) / (3 * len(results))
    assert coverage >= 0.8, [(r.probe, r.covered) for r in results]


def test_the_extractive_summary_quotes_reviews_verbatim_and_is_the_same_every_time(review_sentiment):
    probe = PROBES[4]
    reviews = probe.reviews()
    aspects = aspects_compute(reviews=reviews, excluded_words=[probe.name])
    first = extractive_summary_build(reviews=reviews, aspects=aspects)
    again = extractive_summary_build(
        reviews=reviews, aspects=aspects_compute(reviews=reviews, excluded_words=[probe.name])
    )
    assert first.text == again.text and "waistband" in first.text
    corpus = " ".join(review.text for review in reviews)
    for quote in [q for aspect in aspects for q in aspect.quotes]:
        assert quote.rstrip("…") in corpus
    assert all(entry["supports"] for entry in first.evidence[1:])


@pytest.mark.parametrize(
    ("sentence", "passes", "reason"),
    [
        ("Customers say the waistband has no elastic and slides down.", True, ""),
        ("Customers say the waistband has plenty of elastic and stays up perfectly.", False, ""),
        ("Customers love the soft fabric.", True, ""),
        ("I bought these for my daughter and she loves the fabric.", False, "first-person"),
        ("The reviews say the fabric is soft.", False, "the reviews"),
        ("Customers say the trousers are made in Italy.", False, ""),
        ("Customers say the battery lasts two days.", False, ""),
        ("Customers say the pockets are worth $40.", False, "price"),
        ("Customers say Maria recommends the pockets.", False, "name"),
        ("* Great pockets\n* Soft fabric", False, "list"),
    ],
)
def test_grounding_keeps_what_the_reviews_say_and_drops_the_rest(review_sentiment, sentence, passes, reason):
    probe = PROBES[4]  # waistband without elastic (bad), soft fabric (good), pockets (good)
    reviews = probe.reviews()
    aspects = aspects_compute(reviews=reviews, excluded_words=[probe.name])
    verdicts = summary_ground(text=sentence, reviews=reviews, aspects=aspects)
    assert verdicts
    assert all(v.passed for v in verdicts) is passes, [(v.sentence, v.reason) for v in verdicts]
    if not passes:
        assert reason in " ".join(v.reason for v in verdicts)
    else:
        assert all(v.supports for v in verdicts)


@pytest.mark.xfail(strict=True, reason=KNOWN_GAP)
def test_grounding_drops_the_contradicted_and_invented_sentences_of_every_probe(review_sentiment):
    caught = 0
    for probe in PROBES:
        reviews = probe.reviews()
        aspects = aspects_compute(reviews=reviews, excluded_words=[probe.name])
        fact = probe.facts[0]
        flipped = "excellent and well made" if fact.polarity < 0 else "terrible and broke quickly"
        text = f"Customers say the {fact.keyword} is {flipped}. Customers say the charger melted in the sun."
        caught += not any(v.passed for v in summary_ground(text=text, reviews=reviews, aspects=aspects))
    assert caught == len(PROBES)
