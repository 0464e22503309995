from django import template
from django.core.paginator import Page

register = template.Library()


@register.simple_tag
def page_numbers(page: Page) -> list[int | str]:
    """Page numbers around the current one, with the first and last, elided by Django's paginator."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
