from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render

from recommender.experiments import impression_click_record, impressions_log, recommendations_for_visitor
from recommender.models import Impression
from recommender.selectors import recently_engaged_products
from reviews.selectors import reviews_section_get
from search.facets import facets_count
from search.forms import SearchForm
from search.selectors import filter_chips, filter_params
from shop.http import visitor_session_key_get
from shop.models import Interaction, Product
from shop.ratelimits import client_rate_limited
from shop.selectors import (
    PRODUCT_SORTS,
    category_ancestors,
    category_children,
    category_get,
    product_get,
    product_list,
    product_variants,
)
from shop.services import interaction_record

PRODUCTS_PER_PAGE = 24
HOME_PICKS = 12


def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(product_list(sort="newest"), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    user_id = request.user.pk if request.user.is_authenticated else None
    session_key = request.session.session_key
    recommendations, arm = recommendations_for_visitor(user_id=user_id, k=HOME_PICKS)
    impressions_log(
        recommendations=recommendations,
        surface=Impression.Surface.HOME,
        user_id=user_id,
        session_key=session_key,
        arm=arm,
    )
    context = {
        "page": page,
        "recommendations": recommendations,
        "recent": recently_engaged_products(user_id=user_id, session_key=session_key, k=HOME_PICKS),
    }
    return render(request, "shop/home.html", context)


CATEGORY_SORTS = (
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("rating", "Top rated"),
    ("title", "Name"),
)


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A department or category with the same filters and facet counts as search, through the one product filter."""
    category = category_get(slug=slug)
    sort = request.GET.get("sort") if request.GET.get("sort") in PRODUCT_SORTS else "newest"
    # Search's form checks the filter fields, so both pages accept and refuse the same values.
    form = SearchForm(request.GET)
    filters = {}
    if form.is_valid():
        filters = {name: value for name, value in form.explicit_filters().items() if name != "category"}
    products = product_list(filters={**filters, "category": category}, sort=sort)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    params = _listing_params(filters=filters, sort=sort)
    chips = [
        {**chip, "params": _listing_params(filters=_without(filters, chip["name"]), sort=sort)}
        for chip in filter_chips(result=_Applied(filters=filters))
    ]
    context = {
        "category": category,
        "ancestors": category_ancestors(category=category),
        "children": category_children(category_id=category.pk),
        "page": page,
        "sort": sort,
        "sorts": CATEGORY_SORTS,
        "facets": facets_count(products=products),
        "params": params,
        "chips": chips,
        "filter_errors": form.errors,
    }
    return render(request, "shop/category.html", context)


class _Applied:
    """The attributes `filter_chips` reads from a search result; a category page has no query text or exclusions."""

    text = ""
    exclusions: dict = {}

    def __init__(self, *, filters: dict) -> None:
        self.filters = filters


def _without(filters: dict, name: str) -> dict:
    return {key: value for key, value in filters.items() if key != name}


def _listing_params(*, filters: dict, sort: str) -> dict:
    params = filter_params(text="", filters=filters)
    params.pop("parse")
    return {**params, "sort": sort if sort != "newest" else ""}


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_get(slug=slug)
    _product_view_record(request=request, product=product)
    if request.GET.get("ri", "").isdigit():
        impression_click_record(
            impression_id=int(request.GET["ri"]),
            product_id=product.pk,
            user_id=request.user.pk if request.user.is_authenticated else None,
            session_key=request.session.session_key,
        )
    context = {
        "product": product,
        "variants": product_variants(product=product),
        "ancestors": [*category_ancestors(category=product.category), product.category],
        "reviews_section": reviews_section_get(product_id=product.pk, query=request.GET, viewer=request.user),
    }
    return render(request, "shop/product.html", context)


def _product_view_record(*, request: HttpRequest, product: Product) -> None:
    """A view event for a shopper, or for a visitor whose browser keeps cookies, within the address's rate.

    A client that sent neither a session nor the CSRF cookie (a first visit, a script) gets no
    session and no event: the page sets the CSRF cookie, and the visitor's next view, carrying it,
    starts their session. Past the rates the page renders all the same, without an event.
    """
    known = request.user.is_authenticated or bool(visitor_session_key_get(request=request))
    if not known and settings.CSRF_COOKIE_NAME not in request.COOKIES:
        get_token(request)
        return
    if client_rate_limited(request=request, group="shop:view-event", rate=settings.EVENT_RATES["VIEWS"]):
        return
    if not known:
        if client_rate_limited(request=request, group="shop:new-visitor", rate=settings.EVENT_RATES["NEW_VISITORS"]):
            return
        request.session.create()
    interaction_record(
        product=product, kind=Interaction.Kind.VIEW, user=request.user, session_key=request.session.session_key or ""
    )
