from django import template

from recommender.selectors import product_also_bought, product_similar
from shop.models import Product

register = template.Library()


@register.inclusion_tag("recommender/_product_row.html")
def similar_items(product: Product, k: int = 6) -> dict:
    similar = product_similar(product=product, k=k)
    return {
        "title": "Similar items",
        "products": similar.products,
        "note": "Alike in what they're about: this item has no shopper data yet." if similar.source == "text" else "",
        "section_id": "similar",
    }


@register.inclusion_tag("recommender/_product_row.html")
def also_bought(product: Product, k: int = 6) -> dict:
    return {
        "title": "Customers also bought",
        "products": product_also_bought(product=product, k=k),
        "note": "",
        "section_id": "also-bought",
    }
