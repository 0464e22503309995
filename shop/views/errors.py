from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop.ratelimits import RateLimited

# When the refusal does not say how long the limit lasts (django-ratelimit's own exception).
RETRY_AFTER_UNKNOWN_SECONDS = 60


def _wait_words(*, seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"{-(-seconds // 60)} minutes"
    return f"{-(-seconds // 3600)} hours"


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: the 429 page, or for htmx a short notice swapped into the page's notice area."""
    retry_after = exception.retry_after if isinstance(exception, RateLimited) else RETRY_AFTER_UNKNOWN_SECONDS
    context = {"retry_after": retry_after, "wait": _wait_words(seconds=retry_after)}
    if request.htmx:
        response = render(request, "_429.html", context, status=429)
        # The notice goes above the page rather than in place of the results or button that asked.
        response["HX-Retarget"] = "#notices"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
