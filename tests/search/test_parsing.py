from decimal import Decimal

import pytest

from search.parsing import query_parse


@pytest.mark.parametrize(
    "query, text, filters",
    [
        (
            "red running shoes under $80 for kids",
            "running shoes",
            {"max_price": Decimal(80), "age_group": "kids", "colour": "red"},
        ),
        ("headphones between 20 and 50", "headphones", {"min_price": Decimal(20), "max_price": Decimal(50)}),
        ("laptop $300-$600", "laptop", {"min_price": Decimal(300), "max_price": Decimal(600)}),
        ("tent over $200", "tent", {"min_price": Decimal(200)}),
        ("dress 4 stars and up", "dress", {"min_rating": 4}),
        ("bluetooth speaker in stock", "bluetooth speaker", {"in_stock": True}),
        ("thin remote control", "thin remote control", {}),
        ("black and white sneakers", "black and white sneakers", {}),
    ],
)
def test_unambiguous_phrases_become_filters(query, text, filters):
    parsed = query_parse(query=query)
    assert parsed.text == text
    assert parsed.filters == filters


def test_a_colour_inside_a_brand_name_stays_in_the_query():
    parsed = query_parse(query="Willow Grey lace top", brands=frozenset({"willow grey"}))
    assert parsed.filters == {}
    assert parsed.text == "Willow Grey lace top"
