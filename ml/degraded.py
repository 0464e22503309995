"""Degraded operation: a helper service failed and the shop carried on without it.

Redis (cache and broker) and the encoders help the shop but hold none of its records: when one
fails, a page computes what it would have read, an enqueue is left for a command to catch up, a
search ranks by words only. Each such fallback calls `degradation_record`. Operators get one
WARNING a minute per kind of failure on the "shop.degraded" logger, not one per request, and
code reads the process's counts from `degradation_counts` (for health and metrics pages).
"""

import logging
import threading
import time
from collections import Counter

logger = logging.getLogger("shop.degraded")
WARNING_INTERVAL_SECONDS = 60.0

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_warned_at: dict[tuple[str, str], float] = {}


def degradation_record(*, part: str, message: str, detail: str = "") -> None:
    """Count one degraded operation of `part` ("cache", "broker", "text encoder"...).

    `message` says what the shop does instead and is fixed per call site: the same message warns at
    most once per WARNING_INTERVAL_SECONDS; `detail` (the error) is only shown in that warning.
    """
    now = time.monotonic()
    with _lock:
        _counts[part] += 1
        count = _counts[part]
        warned = _warned_at.get((part, message))
        if warned is not None and now - warned < WARNING_INTERVAL_SECONDS:
            return
        _warned_at[(part, message)] = now
    logger.warning(
        "Degraded %s: %s%s [%d degraded %s operations in this process so far; this warning repeats at most once a minute]",
        part,
        message,
        f" ({detail})" if detail else "",
        count,
        part,
    )


def degradation_counts() -> dict[str, int]:
    """Degraded operations per part since the process started."""
    with _lock:
        return dict(_counts)


def degradation_reset() -> None:
    """Forget the counts and when each warning was last given (tests)."""
    with _lock:
        _counts.clear()
        _warned_at.clear()


class CacheErrorFilter(logging.Filter):
    """Installed on django-redis's logger of ignored exceptions (settings.LOGGING, DJANGO_REDIS_LOGGER).

    Each record there is one cache call that failed and was answered as a miss; it is counted and
    reported through `degradation_record` instead of logging a traceback per call.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        degradation_record(
            part="cache",
            message="Redis does not answer the cache; every read is a miss and pages compute what they would have read",
            detail=f"{type(error).__name__}: {error}" if error else record.getMessage(),
        )
        return False
