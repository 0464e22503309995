"""No text encoder on this machine: search still answers, ranked by its words, and the log says so."""

import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ml.degraded import degradation_reset
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_without_a_text_encoder_search_ranks_by_words_on_the_page_and_the_api(client, settings, tmp_path, caplog):
    settings.TEXT_ENCODER = {**settings.TEXT_ENCODER, "NAME": "missing/encoder", "PATH": str(tmp_path / "no-weights")}
    degradation_reset()
    stove = ProductFactory(title="Trail Camping Stove", category=CategoryFactory(name="Stoves"))
    ProductFactory(title="Enamel Mug")

    page = client.get(reverse("search:page"), {"q": "camping stove"})
    hits = page.context["result"].hits
    # First, above products holding only some of the words (the demo catalog's, when an earlier test loaded it).
    assert page.status_code == 200 and hits[0].product == stove
    assert all(hit.reasons == ["Matches your words"] for hit in hits)
    assert hits[0].reasons == ["Matches your words"]
    found = APIClient().get("/api/search/", {"q": "camping stove"})
    assert found.status_code == 200 and found.json()["results"][0]["id"] == stove.pk
    nothing = client.get(reverse("search:page"), {"q": "xylophone"})
    assert nothing.status_code == 200 and nothing.context["result"].total == 0

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name == "shop.degraded" and record.levelno == logging.WARNING
    ]
    assert len(warnings) == 1 and "search ranks by words only" in warnings[0] and "missing/encoder" in warnings[0]
