"""Prometheus metrics that the ML runtime records: encoder and LLM timings, search and recommendation latency.

Plain prometheus-client metrics. Under gunicorn or Celery with PROMETHEUS_MULTIPROC_DIR set, the
client writes them to files in that folder and the /metrics page (ops/views.py) adds every
process's files up; without it they live in this process's registry.
"""

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from prometheus_client import Histogram

P = ParamSpec("P")
R = TypeVar("R")

# Seconds: from a cached query vector (a few ms) to a cold model on a busy CPU (tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

ENCODER_SECONDS = Histogram(
    "shop_encoder_seconds", "Time to encode one batch.", ["encoder", "kind"], buckets=LATENCY_BUCKETS
)
LLM_SECONDS = Histogram(
    "shop_llm_seconds",
    "Time of one LLM call (a batch for vLLM in-process).",
    ["backend", "outcome"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_SECONDS = Histogram("shop_search_seconds", "Time to answer one product search.", buckets=LATENCY_BUCKETS)
RECOMMENDATION_SECONDS = Histogram(
    "shop_recommendation_seconds", "Time to compute one shopper's recommendations.", buckets=LATENCY_BUCKETS
)


def timed(histogram: Histogram, **labels: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Observe how long each call of the decorated function takes, failed calls included."""
    observed = histogram.labels(**labels) if labels else histogram

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                observed.observe(time.perf_counter() - started)

        return wrapper

    return decorate


def llm_timed(function: Callable[P, R]) -> Callable[P, R]:
    """Observe an LLM backend's call, labelled by the backend's class and whether it answered."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        backend = type(args[0]).__name__ if args else "unknown"
        started = time.perf_counter()
        outcome = "error"
        try:
            result = function(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            LLM_SECONDS.labels(backend=backend, outcome=outcome).observe(time.perf_counter() - started)

    return wrapper
