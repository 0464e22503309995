"""Filters a shopper writes into the query ("under $80", "for kids", "red", "in stock").

Only unambiguous phrases become filters; they are taken out of the text that is ranked
and shown back as chips the shopper can remove.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from shop.models import Product

MONEY = r"\$?\s*(\d{1,6}(?:\.\d{1,2})?)\s*(?:dollars|usd|\$)?"
PRICE_PATTERNS = (
    (re.compile(rf"\b(?:between|from)\s+{MONEY}\s+(?:and|to)\s+{MONEY}", re.I), ("min_price", "max_price")),
    (re.compile(rf"(?<![\w$]){MONEY}\s*(?:-|–|to)\s*{MONEY}(?!\w)", re.I), ("min_price", "max_price")),
    (re.compile(rf"\b(?:under|below|less than|cheaper than|up to|max|at most)\s+{MONEY}", re.I), ("max_price",)),
    (re.compile(rf"(?:<|<=)\s*{MONEY}", re.I), ("max_price",)),
    (re.compile(rf"\b(?:over|above|more than|at least|min)\s+{MONEY}", re.I), ("min_price",)),
    (re.compile(rf"(?:>|>=)\s*{MONEY}", re.I), ("min_price",)),
)
AGE_PATTERNS = (
    (re.compile(r"\bfor\s+(?:kids|children|a child|boys|girls|toddlers)\b|\bkids'?\b|\bchildren'?s\b", re.I), "kids"),
    (re.compile(r"\bfor\s+(?:babies|a baby|newborns|infants)\b|\bbaby\b", re.I), "baby"),
    (re.compile(r"\bfor\s+(?:teens|teenagers)\b", re.I), "teen"),
    (re.compile(r"\bfor\s+(?:adults|grown-ups)\b", re.I), "adult"),
)
IN_STOCK = re.compile(r"\b(?:in stock|available now)\b", re.I)
RATING = re.compile(r"\b([1-5])\s*(?:\+?\s*stars?(?:\s+and\s+up)?|or more stars|\+)(?!\w)", re.I)
COLOURS = {value for value in Product.Colour.values if value != "multicolour"} | {"gray"}


@dataclass
class ParsedQuery:
    text: str
    filters: dict = field(default_factory=dict)


def _clean(text: str) -> str:
    return re.sub(r"\s{2,}", " ", text).strip(" ,.;")


def query_parse(*, query: str, brands: frozenset[str] = frozenset()) -> ParsedQuery:
    """`brands` (lower case) protect their words: "Willow Grey" is a brand, not a colour filter."""
    text = query
    filters: dict = {}
    for pattern, names in PRICE_PATTERNS:
        match = pattern.search(text)
        if match and not any(name in filters for name in names):
            for name, value in zip(names, match.groups()):
                filters[name] = Decimal(value)
            text = text[: match.start()] + " " + text[match.end() :]
    for pattern, age_group in AGE_PATTERNS:
        match = pattern.search(text)
        if match:
            filters["age_group"] = age_group
            text = text[: match.start()] + " " + text[match.end() :]
            break
    match = RATING.search(text)
    if match:
        filters["min_rating"] = int(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    match = IN_STOCK.search(text)
    if match:
        filters["in_stock"] = True
        text = text[: match.start()] + " " + text[match.end() :]
    lowered = text.lower()
    protected = {word for brand in brands if brand in lowered for word in brand.split()}
    words = text.split()
    colours = [
        word for word in words if word.lower().strip(",.") in COLOURS and word.lower().strip(",.") not in protected
    ]
    if len(colours) == 1:
        colour = colours[0].lower().strip(",.")
        filters["colour"] = "grey" if colour == "gray" else colour
        words.remove(colours[0])
        text = " ".join(words)
    return ParsedQuery(text=_clean(text), filters=filters)
