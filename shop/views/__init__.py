from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recommender.selectors import user_recommendations
from reviews.selectors import reviews_section_get
from shop.models import Interaction
from shop.selectors import (
    PRODUCT_SORTS,
    category_ancestors,
    category_children,
    category_get,
    product_get,
    product_list,
)
from shop.services import interaction_record

PRODUCTS_PER_PAGE = 24
HOME_PICKS = 12


def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(product_list(sort="newest"), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    recommendations = user_recommendations(
        user_id=request.user.pk if request.user.is_authenticated else None, k=HOME_PICKS
    )
    return render(request, "shop/home.html", {"page": page, "recommendations": recommendations})


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = category_get(slug=slug)
    sort = request.GET.get("sort") if request.GET.get("sort") in PRODUCT_SORTS else "newest"
    page = Paginator(product_list(filters={"category": category}, sort=sort), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "category": category,
        "ancestors": category_ancestors(category=category),
        "children": category_children(category_id=category.pk),
        "page": page,
        "sort": sort,
        "sorts": [
            ("newest", "Newest"),
            ("price", "Price: low to high"),
            ("-price", "Price: high to low"),
            ("title", "Name"),
        ],
    }
    return render(request, "shop/category.html", context)


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_get(slug=slug)
    if not request.session.session_key:
        request.session.save()
    interaction_record(
        product=product, kind=Interaction.Kind.VIEW, user=request.user, session_key=request.session.session_key
    )
    context = {
        "product": product,
        "ancestors": [*category_ancestors(category=product.category), product.category],
        "reviews_section": reviews_section_get(product_id=product.pk, query=request.GET, viewer=request.user),
    }
    return render(request, "shop/product.html", context)
