"""Faults injected into the shop's helper services: Redis (cache, broker, log-in throttle) at a dead port."""

import pytest
from django.core.cache import caches

from config.celery import app
from ml.degraded import degradation_reset

# Nothing listens on port 1: every connection is refused at once, as when Redis is stopped.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def celery_broker_set(*, url: str, eager: bool) -> None:
    """Point the Celery app at another broker from the next publish on.

    The app keeps a connection pool and a producer pool made from the URL it first used. Its public
    `close()` drops them but also unregisters the app, so that tasks imported later would never be
    registered; so the app's reference to its pool is dropped as Celery does after a fork, and the
    cached `amqp` with its producer pool is deleted. kombu keeps one pool per URL for the process,
    so switching back finds the working pool as it was.
    """
    app.conf.update(broker_url=url, task_always_eager=eager)
    app._pool = None
    del app.amqp


@pytest.fixture
def broker_down(settings):
    """The Celery broker does not answer and tasks are really published (not run eagerly)."""
    before = app.conf.broker_url, app.conf.task_always_eager
    settings.CELERY_BROKER_URL = DEAD_REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_broker_set(url=DEAD_REDIS, eager=False)
    degradation_reset()
    yield
    celery_broker_set(url=before[0], eager=before[1])


@pytest.fixture
def redis_down(settings, broker_down):
    """Redis is stopped: every cache alias that lives in Redis, and the broker, point at a dead port.

    Overriding CACHES makes Django close and recreate its cache connections (the setting_changed
    signal), so `django.core.cache.cache` and `caches[...]` use the dead Redis within the test.
    """
    settings.CACHES = {
        alias: {**config, "LOCATION": DEAD_REDIS} if "redis" in config["BACKEND"].lower() else config
        for alias, config in settings.CACHES.items()
    }
    for alias, config in settings.CACHES.items():
        if "locmem" in config["BACKEND"]:
            caches[alias].clear()
    yield
