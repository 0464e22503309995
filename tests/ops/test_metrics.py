"""/metrics: readable by the monitoring network or with the token only, and holding what operators watch."""

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from recommender.models import TrainingRun


def samples(response) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.mark.django_db
def test_metrics_are_refused_to_the_public_and_served_to_the_monitoring_network(client, settings):
    settings.METRICS = {**settings.METRICS, "ALLOWED_NETWORKS": ["10.0.0.0/8"], "TOKEN": ""}

    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.7").status_code == 403
    inside = client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3")
    assert inside.status_code == 200
    assert inside["Content-Type"].startswith("text/plain; version=")


@pytest.mark.django_db
def test_a_forged_forwarded_address_does_not_open_the_metrics(client, settings):
    # One proxy in front: the client is the address the proxy appended, not what the client wrote.
    settings.NUM_PROXIES = 1
    settings.METRICS = {**settings.METRICS, "ALLOWED_NETWORKS": ["10.0.0.0/8"], "TOKEN": ""}

    forged = client.get(reverse("metrics"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert forged.status_code == 403
    real = client.get(reverse("metrics"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert real.status_code == 200


@pytest.mark.django_db
def test_the_bearer_token_opens_the_metrics_from_anywhere(client, settings):
    settings.METRICS = {**settings.METRICS, "ALLOWED_NETWORKS": [], "TOKEN": "s3cret-scrape-token"}

    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(reverse("metrics")).status_code == 403
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200


@pytest.fixture
def queued_default_messages():
    """Three messages waiting in the test broker's "default" queue, as when no worker keeps up."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("default")
    broker.rpush("default", "a", "b", "c")
    yield 3
    broker.delete("default")
    broker.close()


@pytest.mark.django_db
def test_metrics_hold_latency_by_view_search_timings_queue_depth_and_training_outcomes(client, queued_default_messages):
    before = samples(client.get(reverse("metrics")))
    TrainingRun.objects.create(status=TrainingRun.Status.FAILED, in_progress=None, error="out of memory")
    assert client.get(reverse("search:page"), {"q": "warm socks"}).status_code == 200

    after = samples(client.get(reverse("metrics")))

    assert after[("shop_celery_queue_depth", (("queue", "default"),))] == queued_default_messages
    assert after[("shop_broker_up", ())] == 1
    failed = ("shop_training_runs", (("status", "failed"),))
    assert after[failed] == before.get(failed, 0) + 1
    assert after[("shop_search_seconds_count", ())] == before.get(("shop_search_seconds_count", ()), 0) + 1
    assert after[("shop_encoder_seconds_count", (("encoder", "text"), ("kind", "text")))] >= 1
    by_view = [
        value
        for (name, labels), value in after.items()
        if name == "django_http_requests_latency_seconds_by_view_method_count" and ("view", "search:page") in labels
    ]
    assert by_view and by_view[0] >= 1
    assert any(name == "shop_review_summaries" for name, _ in after)


@pytest.mark.django_db
def test_with_redis_stopped_metrics_still_answer_and_say_the_broker_is_down(client, redis_down):
    response = client.get(reverse("metrics"))

    assert response.status_code == 200
    values = samples(response)
    assert values[("shop_broker_up", ())] == 0
    assert not any(name == "shop_celery_queue_depth" for name, _ in values)
