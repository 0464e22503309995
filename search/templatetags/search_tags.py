import re
from urllib.parse import urlencode

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from search.visual import product_visually_similar
from shop.models import Product

register = template.Library()
WORD = re.compile(r"(\w+)", re.UNICODE)


def _matches(word: str, terms: list[str]) -> bool:
    lowered = word.lower()
    return any(
        len(term) >= 2 and (lowered.startswith(term[: max(3, len(term) - 2)]) or lowered == term) for term in terms
    )


@register.simple_tag
def highlight(text: str, terms: list[str]) -> SafeString:
    """The text, escaped, with the words that match the query wrapped in <mark>."""
    if not terms:
        return conditional_escape(text)
    parts = []
    for piece in WORD.split(text):
        if piece and WORD.fullmatch(piece) and _matches(piece, terms):
            parts.append(format_html("<mark>{}</mark>", piece))
        else:
            parts.append(conditional_escape(piece))
    return mark_safe("".join(parts))  # every part above is escaped or built by format_html


@register.simple_tag
def query_string(params: dict | None = None, **changes) -> str:
    """A URL query string from a parameter dict, with some values replaced or removed (None)."""
    merged = {**(params or {}), **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@register.inclusion_tag("recommender/_product_row.html")
def visually_similar(product: Product, k: int = 6) -> dict:
    return {
        "title": "Visually similar",
        "products": product_visually_similar(product_id=product.pk, k=k),
        "note": "",
        "section_id": "visually-similar",
    }
