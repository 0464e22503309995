"""Search on the demo catalog, through the page, as a shopper would use it."""

import pytest
from django.urls import reverse

from ml.vectors import vector_nearest
from search.selectors import product_search
from shop.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog(demo_catalog):
    return demo_catalog


def categories_of(result) -> list[str]:
    return [hit.product.category.slug for hit in result.hits]


def test_paraphrases_find_what_shoppers_mean():
    assert set(categories_of(product_search(query="thin remote control", page_size=5))) == {"remote-controls"}
    assert set(categories_of(product_search(query="couch", page_size=5))) == {"sofas"}


def test_filters_written_in_the_query_are_applied_in_sql_and_shown_as_chips(client):
    result = product_search(query="red running shoes under $80 for kids")
    assert result.hits
    for hit in result.hits:
        assert hit.product.colour == "red" and hit.product.price <= 80 and hit.product.age_group == "kids"
    page = client.get(reverse("search:page"), {"q": "red running shoes under $80 for kids"}).content.decode()
    assert "Under $80" in page and "Kids" in page and "Red" in page
    assert 'class="chip"' in page


def test_removing_a_chip_keeps_the_other_filters(client):
    page = client.get(
        reverse("search:page"), {"q": "running shoes", "parse": "0", "colour": "red", "age_group": "kids"}
    )
    assert page.status_code == 200
    chips = page.context["chips"]
    colour_chip = next(chip for chip in chips if chip["name"] == "colour")
    without_colour = client.get(reverse("search:page"), colour_chip["params"])
    assert without_colour.context["result"].filters == {"age_group": "kids"}
    assert any(hit.product.colour != "red" for hit in without_colour.context["result"].hits)


def test_exact_titles_and_skus_come_first():
    product = Product.objects.get(sku="MF-000033")
    assert product_search(query=product.title).hits[0].product == product
    assert product_search(query="mf-000033").hits[0].product == product


def test_misspellings_are_corrected_from_the_catalog_vocabulary(client):
    result = product_search(query="hedphones")
    assert result.corrected == "headphones"
    assert set(categories_of(result)[:10]) == {"headphones"}
    assert "Showing results for" in client.get(reverse("search:page"), {"q": "hedphones"}).content.decode()


def test_matched_words_are_highlighted_and_escaped(client):
    page = client.get(reverse("search:page"), {"q": "remote <b>x</b>"}).content.decode()
    assert "<mark>Remote</mark>" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_facets_count_the_result_set_and_sorting_orders_it():
    result = product_search(query="headphones", sort="price")
    prices = [hit.product.price for hit in result.hits]
    assert prices == sorted(prices)
    assert sum(facet["count"] for facet in result.facets["categories"]) == result.total


def test_category_filter_covers_the_subtree(client):
    response = client.get(reverse("search:page"), {"q": "speaker", "category": "electronics"})
    assert response.status_code == 200
    assert all(hit.product.category.path.startswith("electronics/") for hit in response.context["result"].hits)


def test_a_narrow_filter_still_fills_the_page():
    remotes = Product.objects.filter(category__slug="remote-controls", is_active=True)
    vector = Product.objects.filter(category__slug="laptops").first().text_embedding
    rows = vector_nearest(queryset=remotes, field="text_embedding", vector=vector, k=24, filtered=True)
    assert len(rows) == min(24, remotes.count())


def test_an_empty_query_browses_with_filters(client):
    response = client.get(reverse("search:page"), {"category": "tents", "sort": "price"})
    result = response.context["result"]
    assert result.total == Product.objects.filter(category__slug="tents", is_active=True).count()
    prices = [hit.product.price for hit in result.hits]
    assert prices == sorted(prices)


def test_no_results_suggest_categories(client):
    response = client.get(reverse("search:page"), {"q": "zqxv wkpf", "max_price": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "No products match" in page and "Perhaps you are looking for" in page


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 10_000,
        "'; DROP TABLE shop_product; --",
        "<script>alert(1)</script>",
        "耳机",
        "наушники",
        "!!! ??? :: & | ! (",
        "\x00",
    ],
)
def test_odd_queries_get_a_normal_page(client, query):
    response = client.get(reverse("search:page"), {"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "could not be used" in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert Product.objects.exists()


def test_a_long_query_is_shortened_with_a_notice(client):
    response = client.get(reverse("search:page"), {"q": "remote " * 2000})
    assert response.status_code == 200
    assert "only its first 256 characters" in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"min_price": "cheap"}, "Enter a number"),
        ({"min_price": "50", "max_price": "10"}, "must not be below the minimum"),
        ({"category": "no-such-thing"}, "There is no category"),
        ({"min_rating": "9"}, "less than or equal to 5"),
        ({"colour": "plaid"}, "Select a valid choice"),
    ],
)
def test_bad_filter_values_get_a_clear_message(client, params, message):
    response = client.get(reverse("search:page"), {"q": "lamp", **params})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_typing_updates_results_through_htmx(client):
    response = client.get(reverse("search:page"), {"q": "kettle"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "Kettle" in body


def test_websearch_syntax_excludes_and_quotes():
    excluded = product_search(query="headphones -wireless", page_size=50)
    assert excluded.hits and not any("wireless" in hit.product.title.lower() for hit in excluded.hits)
    quoted = product_search(query='"noise cancelling" headphones', page_size=5)
    assert all("Noise Cancelling" in hit.product.title for hit in quoted.hits)


def test_a_product_still_waiting_for_its_text_vector_is_found_by_its_exact_words():
    """Saved while Redis or the worker was down: no vector yet, and the catalog's stovetop kettles are near in meaning."""
    from tests.factories import CategoryFactory, ProductFactory

    stove = ProductFactory.build(title="Trail Camping Stove", category=CategoryFactory(name="Camping Stoves"))
    Product.objects.bulk_create([stove])
    assert Product.objects.get(pk=stove.pk).text_embedding is None
    assert product_search(query="camping stove").hits[0].product.pk == stove.pk


def test_the_ranking_leaves_out_exactly_the_words_postgresql_does_not_index():
    """A pair holding a word PostgreSQL drops would match as the other word alone."""
    from django.db import connection

    from search.ranking import STOP_WORDS

    words = sorted(STOP_WORDS) + ["someone", "gift", "hiking", "loves", "kids", "warm", "red"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS t(w) WHERE numnode(plainto_tsquery('english', w)) > 0", [words]
        )
        indexed = {row[0] for row in cursor.fetchall()}
    assert indexed == {"someone", "gift", "hiking", "loves", "kids", "warm", "red"}


def test_some_of_a_long_querys_words_means_two_of_its_content_words_not_one():
    from search.ranking import lexical_rank
    from tests.factories import ProductFactory

    both = ProductFactory(title="Hiking Boots Gift Box", description="Waterproof leather boots.")
    one = ProductFactory(title="Love Heart Cushion", description="A cushion for the sofa.")
    ranked = [
        match.pk
        for match in lexical_rank(
            base=Product.objects.filter(pk__in=[both.pk, one.pk]), text="a gift for someone who loves hiking", limit=200
        )
    ]
    assert both.pk in ranked and one.pk not in ranked


def test_stray_letters_and_repeated_words_do_not_hide_the_words_that_match():
    """Pasted markup ("remote <b>x</b>") leaves lone letters; the remote is still found by its word."""
    from search.ranking import lexical_rank
    from tests.factories import ProductFactory

    remote = ProductFactory(title="Slim TV Remote", description="Controls the television from the sofa.")
    ranked = [
        match.pk
        for match in lexical_rank(base=Product.objects.filter(pk=remote.pk), text="remote <b>x</b> remote", limit=10)
    ]
    assert ranked == [remote.pk]
