"""The /metrics page's content and who may read it.

Request latency by view comes from django-prometheus' middleware; encoder, LLM, search and
recommendation timings from ml/metrics.py. Read at scrape time, because they live outside any
one process: the depth of each Celery queue (Redis LLEN, a short timeout; a Redis that does not
answer reports shop_broker_up 0 instead of failing the scrape), and the outcomes of review
summaries and training runs, counted from their rows (the system of record, the same for every
replica and worker).
"""

import hmac
import ipaddress
import os

import redis
from django.conf import settings
from django.db.models import Count, Q
from django.db.utils import DatabaseError
from django.http import HttpRequest
from prometheus_client import generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from recommender.models import TrainingRun
from reviews.models import ReviewSummary
from shop.http import client_address_get

# Kombu's Redis transport keeps a queue's messages of priority 0 under the queue's name and
# those of higher priorities under "<queue>\x06\x16<priority>".
PRIORITY_STEPS = (0, 3, 6, 9)


def queue_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}\x06\x16{step}" for step in PRIORITY_STEPS]


class QueueDepthCollector(Collector):
    def collect(self):
        up = GaugeMetricFamily("shop_broker_up", "1 when the Celery broker (Redis) answered this scrape.")
        depth = GaugeMetricFamily("shop_celery_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"])
        if not settings.REDIS_AVAILABLE:
            yield up
            return
        timeout = settings.METRICS["REDIS_TIMEOUT_SECONDS"]
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            with client.pipeline(transaction=False) as pipe:
                queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
                for queue in queues:
                    for key in queue_keys(queue):
                        pipe.llen(key)
                lengths = pipe.execute()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        finally:
            client.close()
        up.add_metric([], 1)
        steps = len(PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            depth.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield up
        yield depth


class OutcomesCollector(Collector):
    def collect(self):
        training = GaugeMetricFamily("shop_training_runs", "Recommender training runs by status.", labels=["status"])
        summaries = GaugeMetricFamily(
            "shop_review_summaries",
            "Review summaries by state (ok, stale, failed: the last LLM call failed).",
            labels=["state"],
        )
        try:
            by_status = dict(TrainingRun.objects.values_list("status").annotate(count=Count("pk")))
            states = ReviewSummary.objects.aggregate(
                ok=Count("pk", filter=Q(is_stale=False, error="")),
                stale=Count("pk", filter=Q(is_stale=True, error="")),
                failed=Count("pk", filter=~Q(error="")),
            )
        except DatabaseError:
            return
        for status in TrainingRun.Status.values:
            training.add_metric([status], by_status.get(status, 0))
        for state, count in states.items():
            summaries.add_metric([state], count)
        yield training
        yield summaries


def metrics_render() -> bytes:
    """The text exposition of every metric: all processes' files in multi-process mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        recorded: Collector = multiprocess.MultiProcessCollector(registry=None)
    else:
        recorded = REGISTRY
    return generate_latest(_Scrape(collectors=[recorded, QueueDepthCollector(), OutcomesCollector()]))


class _Scrape:
    """The collectors of one scrape; generate_latest only asks for collect(), so no registry (which would
    call each collector once more at registration) is needed."""

    def __init__(self, *, collectors: list):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def metrics_access_allowed(*, request: HttpRequest) -> bool:
    """From an allowed address (METRICS_ALLOWED_NETWORKS, read through client_address_get) or with the bearer token."""
    token = settings.METRICS["TOKEN"]
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address_get(request=request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS["ALLOWED_NETWORKS"]
    )
