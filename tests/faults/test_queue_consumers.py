"""No worker, or no broker, for the ml queue: `ml.workers.queue_consumers_check` and the admin pages that use it.

Run against the test run's real Redis with tasks published (not eager), a Celery worker thread
started and stopped by the test, and a broker at a dead port.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from ml.workers import queue_consumers_check, queue_consumers_reset
from recommender.features import FEATURE_SCHEMA_HASH
from recommender.models import ModelVersion, TrainingRun
from tests.factories import ReviewSummaryFactory
from tests.faults.conftest import DEAD_REDIS, celery_broker_set

NO_WORKER = "No worker is consuming the &#x27;ml&#x27; queue: start one with `make worker`"
REFRESHING = "the page refreshes every 5 seconds"


@pytest.fixture
def published():
    """Tasks are published to the test run's Redis, not run eagerly; no answer is remembered from before."""
    before = app.conf.broker_url, app.conf.task_always_eager
    celery_broker_set(url=settings.CELERY_BROKER_URL, eager=False)
    queue_consumers_reset()
    yield
    celery_broker_set(url=before[0], eager=before[1])
    queue_consumers_reset()


@pytest.fixture
def broker_gone(published):
    celery_broker_set(url=DEAD_REDIS, eager=False)


def _worker(*, queues: list[str]):
    # A worker thread in this process that answers the broadcast; stopped when the block ends.
    return start_worker(app, pool="solo", queues=queues, perform_ping_check=False, shutdown_timeout=10)


def _asked_until_answered(*, queue: str, wait: float = 30.0):
    """The check, asked afresh until the worker thread replies: on a loaded machine it may take seconds
    to join the broadcast (the CI run that found this had it miss a one-second wait)."""
    deadline = time.monotonic() + wait
    while True:
        queue_consumers_reset()
        answer = queue_consumers_check(queue=queue, timeout=1.0)
        if answer.state == "consumed" or time.monotonic() > deadline:
            return answer


@pytest.fixture
def pages(db):
    """A run in progress, a version and a stale summary: the three admin pages that wait on the ml queue."""
    TrainingRun.objects.filter(in_progress=True).update(in_progress=None, status="failed")
    run = TrainingRun.objects.create(status="running", stage="train")
    done = TrainingRun.objects.create(status="succeeded", in_progress=None, finished_at=timezone.now())
    version = ModelVersion.objects.create(
        run=done, artifact="runs/x/model.pt", feature_schema_hash=FEATURE_SCHEMA_HASH, data_end=timezone.now()
    )
    summary = ReviewSummaryFactory(is_stale=True)
    return {
        "run": reverse("admin:recommender_trainingrun_change", args=[run.pk]),
        "runs": reverse("admin:recommender_trainingrun_changelist"),
        "version": reverse("admin:recommender_modelversion_change", args=[version.pk]),
        "summary": reverse("admin:reviews_reviewsummary_change", args=[summary.pk]),
    }


def test_eager_mode_says_tasks_run_inline():
    assert app.conf.task_always_eager, "the test settings run tasks eagerly"
    answer = queue_consumers_check(queue="ml")
    assert answer.state == "eager" and answer.ok
    assert "inline" in answer.message


def test_no_worker_on_the_queue_says_how_to_start_one(published):
    answer = queue_consumers_check(queue="ml", timeout=0.5)
    assert answer.state == "no_worker" and not answer.ok
    assert answer.message.startswith("No worker is consuming the 'ml' queue: start one with `make worker`")


def test_a_worker_on_the_queue_is_found_and_the_answer_is_remembered(published):
    assert queue_consumers_check(queue="ml", timeout=0.5).state == "no_worker"
    with _worker(queues=["ml"]):
        # The answer of a moment ago stands for CACHE_SECONDS: pages do not broadcast on every request.
        assert queue_consumers_check(queue="ml", timeout=0.5).state == "no_worker"
        answer = _asked_until_answered(queue="ml")
    assert answer.state == "consumed" and answer.ok
    assert len(answer.workers) == 1 and "@" in answer.workers[0], "named as node@host"


def test_a_worker_on_another_queue_does_not_count(published):
    with _worker(queues=["default"]):
        assert _asked_until_answered(queue="default").state == "consumed"
        assert queue_consumers_check(queue="ml", timeout=1.0).state == "no_worker"


def test_a_dead_broker_is_reported_at_once(broker_gone):
    started = time.monotonic()
    answer = queue_consumers_check(queue="ml", timeout=0.5)
    # Bounded, generously: the check sits on admin pages, which must not hang on a stopped Redis.
    assert time.monotonic() - started < 5
    assert answer.state == "broker_unreachable" and not answer.ok
    assert "broker is unreachable" in answer.message


@pytest.mark.parametrize("name", ["run", "runs", "version", "summary"])
def test_without_a_worker_the_pages_say_so_instead_of_waiting(published, pages, admin_client, name):
    page = admin_client.get(pages[name]).content.decode()
    assert NO_WORKER in page
    assert REFRESHING not in page and 'http-equiv="refresh"' not in page


@pytest.mark.parametrize("name", ["run", "version", "summary"])
def test_without_a_broker_the_pages_say_it_is_unreachable(broker_gone, pages, admin_client, name):
    page = admin_client.get(pages[name]).content.decode()
    assert "The task broker is unreachable" in page
    assert REFRESHING not in page


@pytest.fixture
def ml_worker(published):
    # Started before the test's database transaction: a starting worker closes this thread's database
    # connections (Celery's Django fixup), which would end the transaction.
    with _worker(queues=["default", "ml"]):
        yield


def test_with_a_worker_the_run_page_follows_the_run(ml_worker, pages, admin_client):
    page = admin_client.get(pages["run"]).content.decode()
    assert REFRESHING in page and 'http-equiv="refresh"' in page
    assert "No worker" not in page and "unreachable" not in page


def test_in_eager_mode_the_pages_say_tasks_run_inline(pages, admin_client):
    page = admin_client.get(pages["summary"]).content.decode()
    assert "Tasks run inline in the web process" in page
