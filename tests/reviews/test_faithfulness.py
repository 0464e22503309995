"""The labelled faithfulness set: its shape, the scoring of a check against it, and an evaluation on a product."""

import pytest

from reviews.faithfulness import (
    SENTENCE_LABELS,
    DetectionFigures,
    faithfulness_evaluate,
    faithfulness_half,
    faithfulness_set_load,
)
from reviews.summaries import summary_work_build
from tests.reviews.test_summaries import _product_with_reviews


def test_the_labelled_set_has_enough_sentences_and_aspects_labelled_by_reading():
    labelled = faithfulness_set_load()
    products = labelled["products"]
    sentences = [sentence for product in products for sentence in product["sentences"]]
    aspects = [aspect for product in products for aspect in product["aspects"]]
    assert len(sentences) >= 150 and len(aspects) >= 100
    assert {sentence["source"] for sentence in sentences} == {"llm", "extractive"}
    assert all(sentence["label"] in SENTENCE_LABELS and sentence["reason"] for sentence in sentences)
    assert all(aspect["reason"] and (aspect["polarity"] is None) is (not aspect["useful"]) for aspect in aspects)
    assert "labelled" in labelled and "halves" in labelled
    assert all(product["half"] == faithfulness_half(sku=product["sku"]) for product in products)
    assert {product["half"] for product in products} == {"dev", "held-out"}


def test_detection_figures_count_bad_sentences_caught_and_leave_partly_out():
    figures = DetectionFigures.of(
        labels=["nonsense", "contradicted", "unsupported", "supported", "supported", "partly"],
        flagged=[True, True, False, True, False, True],
    )
    assert (figures.bad, figures.supported, figures.caught, figures.false_alarms) == (3, 2, 2, 1)
    assert figures.precision == pytest.approx(2 / 3, abs=1e-4) and figures.recall == pytest.approx(2 / 3, abs=1e-4)
    assert figures.partly_flagged == "1 of 1"


@pytest.mark.django_db
def test_the_evaluation_scores_the_check_and_the_aspects_on_labelled_products_and_skips_changed_ones(
    review_sentiment,
):
    product = _product_with_reviews(sku="LABELLED-1")
    work = summary_work_build(product=product)
    labelled = {
        "labelled": "in a test",
        "products": [
            {
                "sku": "LABELLED-1",
                "review_hash": work.review_hash,
                "sentences": [
                    {"source": "llm", "text": "Customers say the zipper broke and got stuck.", "label": "supported"},
                    {"source": "llm", "text": "I wear it every day to my office in Paris.", "label": "nonsense"},
                    {"source": "llm", "text": "Customers say the battery lasts two days.", "label": "unsupported"},
                ],
                "aspects": [{"name": "zipper", "useful": True, "polarity": "negative"}],
            },
            {"sku": "LABELLED-2", "review_hash": "changed", "sentences": [], "aspects": []},
        ],
    }
    evaluation = faithfulness_evaluate(labelled=labelled)
    assert evaluation.products_skipped == ["LABELLED-2"]
    half = next(h for h in evaluation.halves if h.half == faithfulness_half(sku="LABELLED-1"))
    assert half.sentences == 3 and half.grounding.bad == 2
    assert half.grounding.recall == 1.0 and half.grounding.precision == 1.0
    assert half.aspects.labelled == 1 and half.aspects.useful == 1.0 and half.aspects.polarity_agrees == 1.0
