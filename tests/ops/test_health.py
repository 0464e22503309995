"""/healthz and /readyz: what a load balancer and compose's healthchecks read."""

import pytest
from django.db import connection
from django.urls import reverse


def test_healthz_answers_without_asking_anything(client):
    # No django_db mark: a query here would raise, so the answer asks nothing of the database.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_check_and_the_degradation_counts(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "text_encoder", "image_encoder", "recommender"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["text_encoder"] == {**body["checks"]["text_encoder"], "status": "ok"}
    assert isinstance(body["degradations"], dict)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_with_redis_stopped_readyz_says_degraded_but_keeps_the_replica_in_the_pool(client, redis_down):
    client.get(reverse("shop:home"))  # a page that reads the cache, so a degradation is counted

    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "degraded"
    assert "Connection" in body["checks"]["redis"]["detail"]
    assert body["degradations"].get("cache", 0) >= 1


@pytest.fixture
def database_down():
    """The database server refuses connections (nothing listens on port 1), as when it is stopped."""
    before = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(before)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_readyz_is_503_and_names_it(client, database_down):
    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "failed"
    assert "OperationalError" in body["checks"]["database"]["detail"]
    assert body["checks"]["recommender"] == {"status": "failed", "detail": "database unavailable"}
    # Liveness stays up: restarting the web process would not bring the database back.
    assert client.get(reverse("healthz")).status_code == 200
