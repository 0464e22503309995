"""Log formats: one JSON object a line in production (python-json-logger), plain text in development.

Every record written while a request is served carries its request id (RequestIdFilter), so a
request's log line and any warning it caused can be joined.
"""

import contextvars
import logging

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def json_formatter() -> JsonFormatter:
    """The production formatter: time, level, logger, message and whatever `extra` the call gave."""
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )
