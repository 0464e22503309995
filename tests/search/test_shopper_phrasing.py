"""Shoppers' phrasing through the page: exclusions as chips, "did you mean", no empty pages, review words."""

import pytest
from django.urls import reverse

from search.embedding import products_embed
from search.models import ProductReviewText
from search.selectors import product_search
from tests.factories import ProductFactory, ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog(demo_catalog):
    return demo_catalog


def test_a_negated_colour_is_an_exclusion_chip_that_can_be_removed(client):
    page = client.get(reverse("search:page"), {"q": "mug any colour except white"})
    result = page.context["result"]
    assert result.hits and all(hit.product.colour != "white" for hit in result.hits)
    assert "colour" not in result.filters
    chip = page.context["exclusion_chips"][0]
    assert chip["label"] == "Not white" and "Not white" in page.content.decode()
    again = client.get(reverse("search:page"), chip["params"]).context["result"]
    assert again.exclusions == {}
    assert any(hit.product.colour == "white" for hit in again.hits)


def test_a_negated_word_leaves_the_lexical_ranking_and_sinks_in_the_semantic_one():
    hits = product_search(query="headphones but not over-ear", page_size=10).hits
    assert hits and not any("Over-Ear" in hit.product.title for hit in hits)


def test_an_unconfident_correction_searches_the_words_and_offers_did_you_mean(client):
    # One edit from both "speaker" and "speakers": a guess, not a correction.
    page = client.get(reverse("search:page"), {"q": "speakerz"})
    result = page.context["result"]
    assert result.corrected is None and result.did_you_mean in {"speaker", "speakers"}
    assert "Did you mean" in page.content.decode()


def test_casual_phrasing_still_fills_a_page():
    result = product_search(query="i keep losing the clicker for the telly")
    assert len(result.hits) == 24


def test_review_words_are_searched_and_refreshed_when_reviews_change():
    product = ProductFactory(title="Plain Top Zeta", description="A top.")
    for _ in range(3):
        ReviewFactory(product=product, body="My favourite jammies, so snuggly")
    products_embed(product_ids=[product.pk])
    assert "jammies" in ProductReviewText.objects.get(product=product).phrases

    # Within the product's own category, so that where the other products rank does not matter: what is asserted
    # is that the shoppers' words, found only in its reviews, match it lexically.
    def lexical_match() -> bool:
        hits = product_search(query="snuggly jammies", filters={"category": product.category}, page_size=24).hits
        return any(hit.product == product and "lexical" in hit.signals for hit in hits)

    assert lexical_match()
    product.reviews.update(is_published=False)
    products_embed(product_ids=[product.pk])
    assert not ProductReviewText.objects.filter(product=product).exists()
    assert not lexical_match(), "unpublished reviews' words are no longer searched"
