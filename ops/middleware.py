"""One request id per request (the client's X-Request-ID when it is sane, else a new one), sent back in the
response, put on every log record written during the request, and one log line per request."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ops.logging import request_id_var

logger = logging.getLogger("shop.request")
REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or client's id is kept only when it cannot forge log content (no spaces, quotes, newlines).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_get(*, request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_get(request=request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if settings.REQUEST_LOG:
                self.log(request=request, response=response, seconds=time.perf_counter() - started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def log(*, request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        logger.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            seconds * 1000,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "view": match.view_name if match else None,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
