import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviews.models import ReviewSummary
from reviews.summaries import summaries_stale_ids
from tests.factories import CategoryFactory
from tests.reviews.test_summaries import CLOTHING_REVIEWS, _product_with_reviews

pytestmark = pytest.mark.django_db


def _call(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_summarize_reviews_prints_summary_and_aspects_and_skips_unchanged_products(local_llm):
    product = _product_with_reviews()
    out, err = _call("summarize_reviews", "--product", str(product.pk), "--json")
    [printed] = json.loads(out)
    assert printed["product_id"] == product.pk and printed["review_count"] == len(CLOTHING_REVIEWS)
    assert printed["summary"] or "failed its checks" in printed["note"]
    assert "zipper" in {aspect["name"] for aspect in printed["aspects"]}
    assert "product/s" in err or "100%" in err, "a progress bar"
    stored = ReviewSummary.objects.get(product=product)
    assert stored.text == printed["summary"]

    assert product.pk not in summaries_stale_ids(), "a current summary is not stale"
    _, again = _call("summarize_reviews", "--product", str(product.pk))
    assert "Summarised 0" in again and "unchanged 1" in again


def test_summarize_reviews_refuses_bad_arguments_clearly():
    with pytest.raises(CommandError, match="No product with id 999999"):
        _call("summarize_reviews", "--product", "999999")
    with pytest.raises(CommandError, match="No worker to queue on"):
        _call("summarize_reviews", "--queue")
    with pytest.raises(CommandError, match="not allowed with argument"):
        _call("summarize_reviews", "--stale", "--all")


def test_evaluate_summaries_prints_its_figures(local_llm):
    product = _product_with_reviews()
    out, _ = _call("evaluate_summaries", "--product", str(product.pk), "--json")
    figures = json.loads(out)
    assert figures["aspects"] >= 2 and 0 <= figures["aspects_agreeing_with_stars"] <= 1
    (extractive,) = figures["modes"]
    assert extractive["mode"] == "extractive" and extractive["products"] == 1 and extractive["llm_errors"] == 0
    assert extractive["seconds_per_summary"] > 0
    assert extractive["sentences"] >= 2 and 0 <= extractive["sentences_grounded"] <= 1
    assert "faithfulness" in figures
    assert not ReviewSummary.objects.exists(), "the evaluation stores nothing"
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        _call("evaluate_summaries", "--limit", "0")


def test_dump_summary_sentences_writes_the_reviews_aspects_and_sentences_to_label_without_verdicts(local_llm, tmp_path):
    product = _product_with_reviews(category=CategoryFactory(name="Women's Clothing"))
    out, _ = _call(
        "dump_summary_sentences",
        "--product",
        str(product.pk),
        "--limit",
        "1",
        "--out",
        str(tmp_path / "candidates.json"),
    )
    [dumped] = json.loads((tmp_path / "candidates.json").read_text())
    assert dumped["sku"] == product.sku and len(dumped["reviews"]) == len(CLOTHING_REVIEWS)
    assert {sentence["source"] for sentence in dumped["sentences"]} >= {"extractive"}
    assert all(set(sentence) == {"source", "text"} for sentence in dumped["sentences"]), (
        "no verdicts to bias the reader"
    )
    reading = (tmp_path / "candidates.txt").read_text()
    assert product.sku in reading and "--- sentences" in reading and "1 products" in out
