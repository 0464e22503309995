from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from reviews.forms import ReviewForm
from reviews.models import Review
from reviews.selectors import own_review_get, review_list, reviews_section_get
from reviews.services import review_create, review_update, review_vote_toggle
from shop.models import Product
from shop.ratelimits import rate_limit_enforce


def _product(product_id: int) -> Product:
    return get_object_or_404(Product.objects.select_related("category"), pk=product_id, is_active=True)


def _section_context(request: HttpRequest, product: Product) -> dict:
    return {
        "product": product,
        "section": reviews_section_get(product_id=product.pk, query=request.GET, viewer=request.user),
    }


@require_GET
def review_list_fragment(request: HttpRequest, product_id: int) -> HttpResponse:
    """The sorted, filtered, paginated list (htmx swaps it in); a plain visit lands on the product page."""
    product = _product(product_id)
    if not request.htmx:
        query = urlencode({key: value for key, value in request.GET.items() if key.startswith("review_")})
        return HttpResponseRedirect(f"{product.get_absolute_url()}{'?' + query if query else ''}#reviews")
    return render(request, "reviews/_review_list.html", _section_context(request, product))


@require_POST
@rate_limit_enforce(group="review_write", methods=["POST"])
def review_write(request: HttpRequest, product_id: int) -> HttpResponse:
    """Create the shopper's review of the product, or update it when they wrote one already."""
    product = _product(product_id)
    form = ReviewForm(request.POST)
    if not request.user.is_authenticated:
        form.add_error(None, "Sign in to write a review.")
        return _form_response(request, product, form, status=403)
    if form.is_valid():
        review = own_review_get(product_id=product.pk, user=request.user)
        fields = {
            "rating": form.cleaned_data["rating"],
            "title": form.cleaned_data["title"],
            "body": form.cleaned_data["body"],
        }
        try:
            if review is None:
                review = review_create(product=product, user=request.user, **fields)
            else:
                review = review_update(review=review, user=request.user, **fields)
        except ValidationError as error:
            _errors_add(form, error)
        else:
            note = (
                "Thank you: your review is published."
                if review.is_published
                else "Thank you: your review appears once it is approved."
            )
            if request.htmx:
                context = _section_context(request, product)
                context["notice"] = note
                return render(request, "reviews/_product_reviews.html", context)
            messages.success(request, note)
            return HttpResponseRedirect(f"{product.get_absolute_url()}#reviews")
    return _form_response(request, product, form, status=400)


def _errors_add(form: ReviewForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def _form_response(request: HttpRequest, product: Product, form: ReviewForm, *, status: int) -> HttpResponse:
    """The form with its errors and the shopper's text kept: in place for htmx, as its own page otherwise."""
    context = {"product": product, "form": form, "own_review": own_review_get(product_id=product.pk, user=request.user)}
    if request.htmx:
        # htmx swaps 2xx answers only; the status code still tells API-minded clients what happened.
        response = render(request, "reviews/_review_form.html", context)
        response["HX-Retarget"] = "#review-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "reviews/review_form_page.html", context, status=status)


@require_POST
@rate_limit_enforce(group="helpful_vote", methods=["POST"])
def review_helpful(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("product"), pk=review_id, is_published=True)
    error = ""
    try:
        review_vote_toggle(review=review, user=request.user)
    except ValidationError as problem:
        error = " ".join(problem.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return HttpResponseRedirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
    counted = review_list(product_id=review.product_id, viewer=request.user).get(pk=review.pk)
    return render(request, "reviews/_helpful.html", {"review": counted, "error": error})
