"""One log line per request with its request id, user, status, path and latency; JSON in production."""

import json
import logging
import re

import pytest
from django.urls import reverse

from ops.logging import json_formatter
from tests.factories import UserFactory


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "shop.request"]


@pytest.mark.django_db
def test_a_signed_in_request_is_one_json_line_with_the_clients_request_id(client, settings, caplog):
    settings.REQUEST_LOG = True
    user = UserFactory()
    client.force_login(user)
    caplog.set_level(logging.INFO, logger="shop.request")

    response = client.get(reverse("shop:home"), HTTP_X_REQUEST_ID="lb-7f3a.91")

    assert response["X-Request-ID"] == "lb-7f3a.91"
    [record] = request_records(caplog)
    line = json_formatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "lb-7f3a.91"
    assert entry["user_id"] == user.pk
    assert entry["status"] == 200
    assert entry["path"] == "/"
    assert entry["method"] == "GET"
    assert entry["view"] == "shop:home"
    assert entry["level"] == "INFO" and entry["logger"] == "shop.request"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] > 0
    assert "time" in entry


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced_and_a_visitor_has_no_user_id(client, settings, caplog):
    settings.REQUEST_LOG = True
    caplog.set_level(logging.INFO, logger="shop.request")

    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID='x" injected\nline')

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    [record] = request_records(caplog)
    assert record.request_id == response["X-Request-ID"]
    assert record.user_id is None


@pytest.mark.django_db
def test_development_writes_no_request_lines_but_still_answers_a_request_id(client, settings, caplog):
    settings.REQUEST_LOG = False
    caplog.set_level(logging.INFO, logger="shop.request")

    response = client.get(reverse("healthz"))

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert request_records(caplog) == []


def test_production_settings_log_json_and_development_plain():
    from config.settings.base import logging_config

    production = logging_config(log_format="json")
    development = logging_config(log_format="plain")
    assert production["formatters"]["default"] == {"()": "ops.logging.json_formatter"}
    assert "()" not in development["formatters"]["default"]
