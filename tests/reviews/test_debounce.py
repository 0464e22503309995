import json
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.cache import cache

from config.celery import app
from reviews.models import ReviewSummary
from reviews.services import review_create
from tests.factories import ProductFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_many_reviews_in_a_minute_queue_one_regeneration_that_a_real_worker_runs(settings, local_llm):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REVIEW_SUMMARIES = {**settings.REVIEW_SUMMARIES, "DEBOUNCE_SECONDS": 2}
    app.conf.task_always_eager = False
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    app.control.purge()
    cache.clear()
    try:
        product = ProductFactory()
        for rating in (5, 4, 2, 5, 3):
            review_create(
                product=product, user=UserFactory(), rating=rating, body="The fabric is soft but the zipper is stiff."
            )
        queued = [json.loads(message)["headers"]["task"] for message in broker.lrange("ml", 0, -1)]
        assert queued.count("reviews.tasks.review_summary_task") == 1, "five reviews in a row queue one summary task"

        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            deadline = time.monotonic() + 180
            while not ReviewSummary.objects.filter(product=product, generated_at__isnull=False).exists():
                assert time.monotonic() < deadline, "the worker did not summarise within 180 s"
                time.sleep(0.5)
            summary = ReviewSummary.objects.get(product=product)
            assert summary.review_count == 5 and not summary.is_stale

            review_create(product=product, user=UserFactory(), rating=1, body="The zipper broke.")
            assert ReviewSummary.objects.get(product=product).is_stale
            deadline = time.monotonic() + 180
            while ReviewSummary.objects.get(product=product).review_count != 6:
                assert time.monotonic() < deadline, "a later review queues a new regeneration"
                time.sleep(0.5)
    finally:
        app.conf.task_always_eager = True
