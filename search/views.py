import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ml.encoders import EncoderUnavailable
from search.forms import SORTS, SearchForm
from search.image_encoders import PHOTO_SEARCH_UNAVAILABLE, live_image_encoder_status
from search.photos import PhotoRejected, photo_open
from search.selectors import exclusion_chips, filter_chips, filter_params, product_image_search, product_search
from shop.ratelimits import rate_limit_enforce

logger = logging.getLogger(__name__)


def _context(*, form: SearchForm, result=None, error: str = "", photo: bool = False) -> dict:
    context = {"form": form, "result": result, "error": error, "sorts": SORTS, "photo_search": photo}
    # Shoppers read shop words; what staff should do is in the API's 503 and on the run pages.
    context["image_search_unavailable"] = PHOTO_SEARCH_UNAVAILABLE if live_image_encoder_status() else ""
    if result is not None:
        context["chips"] = filter_chips(result=result)
        context["exclusion_chips"] = exclusion_chips(result=result)
        context["params"] = {
            **filter_params(text=result.text, filters=result.filters, exclusions=result.exclusions),
            "sort": form.cleaned_data.get("sort") or "",
        }
    return context


@require_GET
@rate_limit_enforce(group="search")
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    template = "search/_results.html" if request.htmx else "search/search.html"
    if not form.is_valid():
        return render(request, template, _context(form=form), status=400)
    result = product_search(**form.search_arguments())
    return render(request, template, _context(form=form, result=result))


@require_POST
@rate_limit_enforce(group="photo_search")
def image_search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST)
    if not form.is_valid():
        return render(request, "search/search.html", _context(form=form, photo=True), status=400)
    try:
        photo = photo_open(upload=request.FILES.get("photo"))
        result = product_image_search(
            image=photo, filters=form.explicit_filters(), sort=form.cleaned_data.get("sort") or "relevance"
        )
    except PhotoRejected as error:
        return render(request, "search/search.html", _context(form=form, error=str(error), photo=True), status=400)
    except EncoderUnavailable as error:
        # Shoppers read a plain sentence; what staff should do is in the log, the API's 503 and the run pages.
        logger.warning("Photo search unavailable: %s", error)
        return render(
            request, "search/search.html", _context(form=form, error=PHOTO_SEARCH_UNAVAILABLE, photo=True), status=503
        )
    return render(request, "search/search.html", _context(form=form, result=result, photo=True))
