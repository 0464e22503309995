"""Fault injection on the live model's artifact: whatever is wrong with it, pages serve trending items.

The artifact is read once per process, not once per request, and the reason is logged once.
"""

import hashlib
import logging
import os
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from ml.artifacts import artifact_delete, artifact_load, artifact_save
from recommender import registry
from recommender.features import FEATURE_SCHEMA_HASH, Vocabulary, item_rows_load
from recommender.model import TwoTower, TwoTowerConfig
from recommender.models import ModelVersion, TrainingRun
from shop.models import Interaction
from tests.factories import InteractionFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUESTS = 4
BROKEN_NOTE = "Personal picks are unavailable for the moment."


@pytest.fixture
def live_version():
    """A small model, live, saved through the registry as a training run saves it."""
    ModelVersion.objects.filter(is_live=True).update(is_live=None)
    products = [ProductFactory(stock=5) for _ in range(6)]
    vocabulary = Vocabulary.build(items=item_rows_load())
    model = TwoTower(
        TwoTowerConfig(categorical_sizes=vocabulary.sizes(), dimensions=8, hidden=16, feature_dimensions=8)
    )
    name = f"tests/{uuid.uuid4().hex}/model.pt"
    stored = registry.model_artifact_save(name=name, model=model, vocabulary=vocabulary, popularity={})
    version = ModelVersion.objects.create(
        run=TrainingRun.objects.create(status=TrainingRun.Status.SUCCEEDED, in_progress=None),
        artifact=stored.name,
        artifact_sha256=stored.sha256,
        feature_schema_hash=FEATURE_SCHEMA_HASH,
        data_end=timezone.now(),
        is_live=True,
    )
    registry.live_model_reset()
    yield version, products
    registry.live_model_reset()
    artifact_delete(name=name)


@pytest.fixture
def shopper(client, live_version):
    """Signed in, with a history the model would read."""
    user = UserFactory()
    _, products = live_version
    for product, kind in zip(products, (Interaction.Kind.VIEW, Interaction.Kind.CART, Interaction.Kind.PURCHASE)):
        InteractionFactory(user=user, product=product, kind=kind)
    client.force_login(user)
    return user


def _random_bytes(version: ModelVersion) -> None:
    """A file of noise, recorded as such: its checksum matches, its contents are no model."""
    noise = os.urandom(4096)
    storage = storages["artifacts"]
    storage.delete(version.artifact)
    storage.save(version.artifact, ContentFile(noise))
    ModelVersion.objects.filter(pk=version.pk).update(artifact_sha256=hashlib.sha256(noise).hexdigest())


def _missing(version: ModelVersion) -> None:
    artifact_delete(name=version.artifact)


def _changed(version: ModelVersion) -> None:
    """A well-formed model, but not the bytes that were saved and recorded."""
    payload = artifact_load(name=version.artifact, sha256=version.artifact_sha256)
    payload["popularity"] = {1: 1}
    artifact_save(name=version.artifact, payload=payload)


def _opens_recorded(monkeypatch) -> list[str]:
    """The names the artifact storage is asked to open from now on."""
    storage = storages["artifacts"]
    opened: list[str] = []
    original = storage.open

    def recorded(name, *args, **kwargs):
        opened.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(storage, "open", recorded)
    return opened


def test_the_live_model_serves_when_its_artifact_is_intact(live_version, shopper, client):
    version, _ = live_version
    assert registry.live_model_get().version_id == version.pk
    assert client.get("/api/recommendations/").json()["source"] == "model"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_random_bytes, "is not plain tensors and data"),
        (_missing, "is not in the artifact storage"),
        (_changed, "changed since it was saved"),
    ],
    ids=["random-bytes", "missing", "bytes-changed"],
)
def test_a_live_model_that_cannot_load_serves_trending_reads_its_artifact_once_and_logs_why_once(
    live_version, shopper, client, caplog, monkeypatch, damage, reason
):
    version, _ = live_version
    damage(version)
    opened = _opens_recorded(monkeypatch)

    with caplog.at_level(logging.ERROR, logger="recommender.registry"):
        for _ in range(REQUESTS):
            page = client.get("/")
            assert page.status_code == 200
            html = page.content.decode()
            assert "Trending now" in html and "Recommended for you" not in html and BROKEN_NOTE in html
            api = client.get("/api/recommendations/")
            assert api.status_code == 200
            assert api.json()["source"] == "trending" and api.json()["note"].endswith(BROKEN_NOTE)
            assert len(api.json()["results"]) > 0

    assert opened == [version.artifact], "the artifact is read once, not once per request"
    logged = [record.getMessage() for record in caplog.records if "cannot serve" in record.getMessage()]
    assert len(logged) == 1 and f"Model v{version.pk}" in logged[0] and reason in logged[0]
