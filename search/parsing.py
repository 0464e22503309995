"""Filters a shopper writes into the query ("under $80", "4.5 stars and up", "for a 10 year old", "not red").

Only unambiguous phrases become filters; they are taken out of the text that is ranked and shown
back as chips the shopper can remove. A number is a price only where money is meant (a currency
sign or word, or a price bound such as "under"); "size 4-5", "3-person", "500 ml" and "14-inch"
are sizes. A negated colour or material is an exclusion (its own chip), never a filter; any other
negated word is excluded from the lexical ranking and lowers semantic matches that contain it.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from shop.models import Product

NUMBER = r"(\d{1,6}(?:\.\d{1,2})?)"
CURRENCY_WORDS = r"(?:dollars?|bucks|usd|\$)"
# A number followed by one of these is a size, an age or an amount of something, never a price.
UNIT = r"(?:\s*-?\s*(?:ml|l\b|litres?|liters?|inch|inches|in\b|\"|cm|mm|person|people|man|pieces?|pcs|years?|yrs?|y\b|months?|m\b|kg|g\b|gb|tb|mah|w\b|stars?))"
MONEY = rf"(?:\$\s*{NUMBER}(?:\s*{CURRENCY_WORDS})?|{NUMBER}\s*{CURRENCY_WORDS}|{NUMBER}(?!{UNIT})(?![\d.\-]))"
STRICT_MONEY = rf"(?:\$\s*{NUMBER}|{NUMBER}\s*{CURRENCY_WORDS})"
UPPER_WORDS = (
    r"under|below|less than|cheaper than|up to|max|maximum|at most|no more than|not more than|not over|"
    r"no higher than|within|<=?"
)
LOWER_WORDS = r"over|above|more than|at least|from|min|minimum|starting at|no less than|>=?"


def _money(match: re.Match, first_group: int) -> Decimal:
    value = next(group for group in match.groups()[first_group : first_group + 3] if group is not None)
    return Decimal(value)


PRICE_RANGES = (
    re.compile(rf"\b(?:between|from)\s+{MONEY}\s+(?:and|to|-)\s+{MONEY}", re.I),
    re.compile(rf"(?<![\w$.]){STRICT_MONEY}\s*(?:-|–|to)\s*{MONEY}", re.I),
    re.compile(rf"(?<![\w$.]){NUMBER}\s*(?:-|–|to)\s*{STRICT_MONEY}", re.I),
)
PRICE_UPPER = (
    re.compile(rf"(?<![\w-])(?:{UPPER_WORDS})\s*{MONEY}", re.I),
    re.compile(
        rf"(?<![\w$.]){STRICT_MONEY}\s*(?:tops|max|maximum|or less|or under|or cheaper|and under|at most)\b", re.I
    ),
)
PRICE_LOWER = (
    re.compile(rf"(?<![\w-])(?:{LOWER_WORDS})\s*{MONEY}", re.I),
    re.compile(rf"(?<![\w$.]){STRICT_MONEY}\s*(?:\+|or more|and up|and over|and above|minimum|min)(?!\w)", re.I),
)
STAR_NUMBER = r"(\d(?:\.5)?|one|two|three|four|five)(\s+and\s+a\s+half)?"
RATING = re.compile(
    rf"(?:\b(?:at least|min(?:imum)?|rated)\s+)?\b{STAR_NUMBER}\s*(?:\+\s*)?(?:-\s*)?stars?"
    r"(?:\s*(?:\+|and up|& up|and above|or more|or better|or higher|minimum|at least))?"
    rf"|\brated\s+(?:at least\s+)?{STAR_NUMBER}\b(?:\s*(?:\+|and up|or more|or better))?",
    re.I,
)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
AGE_NUMBER = re.compile(
    r"\b(?:for\s+(?:a|an|my)\s+)?(\d{1,2})[\s-]*(?:years?|yrs?|yo)(?:[\s-]*old)?s?\b|\b(?:age|aged)\s+(\d{1,2})\b", re.I
)
AGE_WORDS = (
    (
        re.compile(
            r"\b(?:for\s+)?(?:a\s+|my\s+)?(?:toddlers?|kids?'?|children'?s?|a child|boys|girls|little ones)\b", re.I
        ),
        "kids",
    ),
    (re.compile(r"\b(?:for\s+)?(?:a\s+|my\s+)?(?:babies|baby|newborns?|infants?)\b", re.I), "baby"),
    (re.compile(r"\b(?:for\s+)?(?:a\s+|my\s+)?(?:teens?|teenagers?|teenage)\b", re.I), "teen"),
    (re.compile(r"\bfor\s+(?:adults|grown-ups)\b", re.I), "adult"),
)
IN_STOCK = re.compile(r"\b(?:in stock|available now)\b", re.I)
NEGATION = re.compile(
    r"(?:\b(?:but|and)\s+)?\b(?:not|no|without|except|excluding|isn't|is not|aren't|are not|anything but|other than)"
    r"(?:\s+|-)(?:(?:any|a|an|made of|made from|in|for)\s+)?([\w'-]+(?:\s+[\w'-]+)?)",
    re.I,
)
LISTED = re.compile(r"\s*(?:,|or|nor|and)?\s*\b([a-z]+)\b", re.I)
ANY_COLOUR = re.compile(r"\bany\s+colou?r\b", re.I)
COLOURS = {value for value in Product.Colour.values if value != "multicolour"} | {"gray"}
MATERIALS = frozenset(
    "aluminium aluminum bamboo ceramic cotton denim glass leather linen metal nylon paper plastic polyester "
    "rubber silk steel wood wooden wool".split()
)
MATERIAL_ALIASES = {"aluminum": "aluminium", "wooden": "wood", "steel": "stainless steel"}
STOP = frozenset("a an and the for of to with in on or that is it".split())
SIZE_PATTERNS = (
    (re.compile(r"(?:\bsize\s+)?\b(\d{1,2})\s*(?:-|to)\s*(\d{1,2})\s*(?:years?|yrs?|y)\b", re.I), "{0}-{1}Y"),
    (re.compile(r"(?:\bsize\s+)?\b(\d{1,2})\s*(?:-|to)\s*(\d{1,2})\s*(?:months?|m)\b", re.I), "{0}-{1}M"),
    (re.compile(r"\b(\d{2})\s*(?:-\s*)?(?:inch|inches|in\b|\")", re.I), "{0}-inch"),
    (re.compile(r"\b(\d)\s*-?\s*(?:person|people|man)\b", re.I), "{0}-person"),
    (re.compile(r"\b(\d{2,4})\s*-?\s*ml\b", re.I), "{0} ml"),
    (re.compile(r"\b(\d{1,2})\s*-?\s*(?:l|litres?|liters?)\b", re.I), "{0} L"),
    (re.compile(r"\b(\d{2,4})\s*-?\s*(?:pieces?|pcs|piece)\b", re.I), "{0} pieces"),
    (re.compile(r"\b(\d{2})\s*-?\s*cm\b", re.I), "{0} cm"),
    (re.compile(r"\bsize\s+(\d{1,2}|xs|s|m|l|xl)\b", re.I), "{0}"),
)
KIDS_SIZES = ("2-3Y", "4-5Y", "6-7Y", "8-9Y", "10-11Y")


@dataclass
class ParsedQuery:
    text: str
    filters: dict = field(default_factory=dict)
    exclusions: dict = field(default_factory=dict)
    """Negated colours and materials, {"colour": [...], "material": [...]}: chips that take products out."""
    excluded_words: list[str] = field(default_factory=list)
    """Other negated words: out of the lexical ranking, lower in the semantic one."""
    size: str = ""
    """A size read from the words ("3-person", "4-5Y"): products of that size rank first (nothing is removed)."""


DANGLING = re.compile(
    r"^(?:(?:with|that|and|but|or|in|for|at)\b\s*)+|(?:\s*\b(?:with|that|and|but|or|in|for|at))+$", re.I
)


def _clean(text: str) -> str:
    """The words left once the phrases were taken out, without a dangling "with" or "that"."""
    text = re.sub(r"\s{2,}", " ", text).strip(" ,.;-")
    return DANGLING.sub("", text).strip(" ,.;-")


def _cut(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _prices(text: str, filters: dict) -> str:
    for pattern in PRICE_RANGES:
        match = pattern.search(text)
        if match:
            values = [Decimal(group) for group in match.groups() if group is not None]
            if len(values) == 2 and values[0] <= values[1]:
                filters["min_price"], filters["max_price"] = values
                return _cut(text, match)
    for patterns, name in ((PRICE_UPPER, "max_price"), (PRICE_LOWER, "min_price")):
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                filters[name] = _money(match, 0)
                text = _cut(text, match)
                break
    return text


def _star_value(number: str, half: str | None) -> Decimal:
    value = Decimal(NUMBER_WORDS.get(number.lower(), 0)) or Decimal(number)
    return value + (Decimal("0.5") if half else 0)


def _rating(text: str, filters: dict) -> str:
    match = RATING.search(text)
    if match:
        number, half = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        value = _star_value(number, half)
        if 0 < value <= 5:
            filters["min_rating"] = value
        return _cut(text, match)
    return text


def _negated_value(word: str) -> tuple[str, str] | None:
    """("colour" | "material", value) for a negated colour or material word, else None."""
    if word in COLOURS:
        return "colour", "grey" if word == "gray" else word
    if word in MATERIALS or word == "stainless":
        return "material", "stainless steel" if word == "stainless" else MATERIAL_ALIASES.get(word, word)
    return None


def _negations(text: str, parsed: ParsedQuery) -> str:
    for match in reversed(list(NEGATION.finditer(text))):
        words = match.group(1).lower().split()
        # "not red and warm": only the first word is negated when the second is a stop word.
        if len(words) == 2 and (words[1] in STOP or words[1] == "steel"):
            words = words[:1]
        end = match.end()
        value = _negated_value(words[0].strip("'"))
        if value is None:
            parsed.excluded_words.append(" ".join(words))
        else:
            parsed.exclusions.setdefault(value[0], []).append(value[1])
            # "not black or grey": every colour or material in the list is left out.
            if len(words) == 2 and (listed := _negated_value(words[1])):
                parsed.exclusions.setdefault(listed[0], []).append(listed[1])
            while more := LISTED.match(text, end):
                listed = _negated_value(more.group(1).lower())
                if listed is None:
                    break
                parsed.exclusions.setdefault(listed[0], []).append(listed[1])
                end = more.end()
        text = text[: match.start()] + " " + text[end:]
    return ANY_COLOUR.sub(" ", text)


def _years(size: str) -> range:
    low, high = size.rstrip("Y").split("-")
    return range(int(low), int(high) + 1)


def _age(text: str, parsed: ParsedQuery) -> str:
    match = AGE_NUMBER.search(text)
    if match:
        age = int(match.group(1) or match.group(2))
        if age <= 1:
            parsed.filters["age_group"] = "baby"
        elif age <= 12:
            parsed.filters["age_group"] = "kids"
            parsed.size = parsed.size or next((size for size in KIDS_SIZES if age in _years(size)), "")
        elif age <= 17:
            parsed.filters["age_group"] = "teen"
        return _cut(text, match)
    for pattern, age_group in AGE_WORDS:
        match = pattern.search(text)
        if match:
            parsed.filters["age_group"] = age_group
            return _cut(text, match)
    return text


def _size(text: str, parsed: ParsedQuery, sizes: frozenset[str]) -> str:
    for pattern, form in SIZE_PATTERNS:
        match = pattern.search(text)
        if match:
            value = form.format(*(group.upper() if group.isalpha() else group for group in match.groups()))
            if value not in sizes and f"size {value}" in sizes:
                value = f"size {value}"
            if value in sizes:
                parsed.size = value
                return _cut(text, match)
    return text


def query_parse(
    *, query: str, brands: frozenset[str] = frozenset(), sizes: frozenset[str] = frozenset()
) -> ParsedQuery:
    """`brands` (lower case) protect their words: "Willow Grey" is a brand, not a colour filter.

    `sizes` are the catalog's size values: a size phrase counts only when the catalog sells that size.
    """
    parsed = ParsedQuery(text=query)
    text = _prices(query, parsed.filters)
    text = _rating(text, parsed.filters)
    lowered = text.lower()
    protected = {word for brand in brands if brand in lowered for word in brand.split()}
    text = _negations(text, parsed)
    parsed.exclusions = {
        name: [value for value in values if value not in protected] for name, values in parsed.exclusions.items()
    }
    parsed.exclusions = {name: values for name, values in parsed.exclusions.items() if values}
    text = _size(text, parsed, sizes)
    text = _age(text, parsed)
    match = IN_STOCK.search(text)
    if match:
        parsed.filters["in_stock"] = True
        text = _cut(text, match)
    words = text.split()
    colours = [
        word for word in words if word.lower().strip(",.") in COLOURS and word.lower().strip(",.") not in protected
    ]
    if len(colours) == 1:
        colour = colours[0].lower().strip(",.")
        parsed.filters["colour"] = "grey" if colour == "gray" else colour
        words.remove(colours[0])
        text = " ".join(words)
    parsed.text = _clean(text)
    return parsed
