from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from ops.health import readiness_get
from ops.metrics import metrics_access_allowed, metrics_render


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is asked (a liveness probe must not restart a replica because Redis is down)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, report = readiness_get()
    return JsonResponse(report, status=200 if ready else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_access_allowed(request=request):
        return HttpResponse("Metrics are for the monitoring network only.\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
