"""Query → filters, remaining text, exclusions, size; and the spelling corrector, case by case."""

from decimal import Decimal

import pytest

from search.parsing import query_parse

D = Decimal
SIZES = frozenset(
    {
        "3-person",
        "2-person",
        "55-inch",
        "14-inch",
        "500 ml",
        "1 L",
        "2-3Y",
        "4-5Y",
        "10-11Y",
        "3-6M",
        "size 5",
        "42",
        "1000 pieces",
        "M",
    }
)
BRANDS = frozenset({"willow grey"})


def case(query, text, filters=None, exclusions=None, words=None, size=""):
    return pytest.param(query, text, filters or {}, exclusions or {}, words or [], size, id=query)


PRICES = [
    case("headphones at most $50", "headphones", {"max_price": D(50)}),
    case("laptop under 600 dollars", "laptop", {"max_price": D(600)}),
    case("mug up to $15", "mug", {"max_price": D(15)}),
    case("kettle max $40", "kettle", {"max_price": D(40)}),
    case("kettle $30 tops", "kettle", {"max_price": D(30)}),
    case("running shoes not over $60", "running shoes", {"max_price": D(60)}),
    case("smartwatch cheaper than 100 bucks", "smartwatch", {"max_price": D(100)}),
    case("lamp 25 dollars or less", "lamp", {"max_price": D(25)}),
    case("perfume at least $80", "perfume", {"min_price": D(80)}),
    case("tv from $500", "tv", {"min_price": D(500)}),
    case("office chair more than $200", "office chair", {"min_price": D(200)}),
    case("sofa over 900 dollars", "sofa", {"min_price": D(900)}),
    case("tent between 100 and 200 dollars", "tent", {"min_price": D(100), "max_price": D(200)}),
    case("headphones between 20 and 50", "headphones", {"min_price": D(20), "max_price": D(50)}),
    case("speaker 50-100 dollars", "speaker", {"min_price": D(50), "max_price": D(100)}),
    case("laptop $300-$600", "laptop", {"min_price": D(300), "max_price": D(600)}),
    case("mug under 12.50", "mug", {"max_price": D("12.50")}),
]
NOT_PRICES = [
    case("3-person tent", "tent", size="3-person"),
    case("500 ml water bottle", "water bottle", size="500 ml"),
    case("14-inch laptop", "laptop", size="14-inch"),
    case("55 inch tv", "tv", size="55-inch"),
    case("size 4-5 years hoodie", "hoodie", size="4-5Y"),
    case("romper 3-6 months", "romper", size="3-6M"),
    case("size 5 football", "football", size="size 5"),
    case("trainers size 42", "trainers", size="42"),
    case("1000 piece jigsaw", "jigsaw", size="1000 pieces"),
    case("size 4-5", "size 4-5"),
    case("puzzle over 500 pieces", "puzzle over 500 pieces"),
    case("thin remote control", "thin remote control"),
]
RATINGS = [
    case("dress 4 stars and up", "dress", {"min_rating": D(4)}),
    case("dress 4.5 stars and up", "dress", {"min_rating": D("4.5")}),
    case("jeans 3.5 stars and up", "jeans", {"min_rating": D("3.5")}),
    case("four stars sweater", "sweater", {"min_rating": D(4)}),
    case("jeans with at least 4 stars", "jeans", {"min_rating": D(4)}),
    case("blouse three and a half stars or more", "blouse", {"min_rating": D("3.5")}),
    case("coat 4+ stars under $150", "coat", {"min_rating": D(4), "max_price": D(150)}),
]
AGES = [
    case("pyjamas for a 3 year old", "pyjamas", {"age_group": "kids"}, size="2-3Y"),
    case("bike for a 10 year old", "bike", {"age_group": "kids"}, size="10-11Y"),
    case("lego for age 4", "lego", {"age_group": "kids"}, size="4-5Y"),
    case("shoes for a toddler", "shoes", {"age_group": "kids"}),
    case("backpack for a teen", "backpack", {"age_group": "teen"}),
    case("gift for a 15 year old", "gift", {"age_group": "teen"}),
    case("blanket for a newborn", "blanket", {"age_group": "baby"}),
    case(
        "red running shoes under $80 for kids",
        "running shoes",
        {"max_price": D(80), "age_group": "kids", "colour": "red"},
    ),
]
NEGATIONS = [
    case("kettle not plastic", "kettle", exclusions={"material": ["plastic"]}),
    case("mug any colour except white", "mug", exclusions={"colour": ["white"]}),
    case("sofa without leather", "sofa", exclusions={"material": ["leather"]}),
    case("t-shirt that isn't cotton", "t-shirt", exclusions={"material": ["cotton"]}),
    case("tent not red", "tent", exclusions={"colour": ["red"]}),
    case("lamp but not glass", "lamp", exclusions={"material": ["glass"]}),
    case("jacket not black or grey", "jacket", exclusions={"colour": ["black", "grey"]}),
    case("kettle not stainless steel", "kettle", exclusions={"material": ["stainless steel"]}),
    case("headphones but not over-ear", "headphones", words=["over-ear"]),
    case("torch no batteries", "torch", words=["batteries"]),
    case("toy car without remote control", "toy car", words=["remote control"]),
    case("red dress not silk", "dress", {"colour": "red"}, exclusions={"material": ["silk"]}),
    case("non-stick skillet", "non-stick skillet"),
]
COLOURS = [
    case("black and white sneakers", "black and white sneakers"),
    case("bluetooth speaker in stock", "bluetooth speaker", {"in_stock": True}),
    case("Willow Grey lace top", "Willow Grey lace top"),
    case("grey hoodie", "hoodie", {"colour": "grey"}),
    case("gray hoodie", "hoodie", {"colour": "grey"}),
]


@pytest.mark.parametrize(
    "query, text, filters, exclusions, words, size", PRICES + NOT_PRICES + RATINGS + AGES + NEGATIONS + COLOURS
)
def test_query_parse(query, text, filters, exclusions, words, size):
    parsed = query_parse(query=query, brands=BRANDS, sizes=SIZES)
    assert (parsed.text, parsed.filters, parsed.exclusions, parsed.excluded_words, parsed.size) == (
        text,
        filters,
        exclusions,
        words,
        size,
    )


def test_a_negated_value_is_never_a_filter():
    for query in ("shoes not red", "any colour except blue", "not grey", "sofa without leather"):
        parsed = query_parse(query=query)
        assert "colour" not in parsed.filters
        assert "material" not in parsed.filters


@pytest.mark.parametrize(
    "text, corrected, suggestion",
    [
        ("hedphones", "headphones", None),
        ("bluetooth speakr", "bluetooth speaker", None),
        ("electirc kettle", "electric kettle", None),
        ("wirless headphnes", "wireless headphones", None),
        ("tennisracket", "tennis racket", None),
        ("walkingboots", "walking boots", None),
        ("yogamat", "yoga mat", None),
        ("sofabed", "sofa bed", None),
        ("hairdryer", "hair dryer", None),
        # English words absent from the catalog are left alone.
        ("i keep losing the clicker for the telly", None, None),
        ("grow basil on my windowsill", None, None),
        ("cosy jumper", None, None),
        ("moisturizer", None, None),
        ("bodycon dress", None, None),
        # Shoppers' own words from the reviews ("cardi" for cardigan) are words, not typos.
        ("cardi", None, None),
    ],
)
def test_spelling_corrects_only_words_that_are_not_english(demo_catalog, db, text, corrected, suggestion):
    from search.spelling import spelling_check

    result = spelling_check(text=text)
    assert (result.corrected, result.suggestion) == (corrected, suggestion)
