"""Workers load the encoders and the live recommender when they start (ML_PRELOAD), not on a shopper's request."""

import pytest
from prometheus_client import REGISTRY

from config import gunicorn
from ml.loading import loaded_reset


def text_encodes() -> float:
    return REGISTRY.get_sample_value("shop_encoder_seconds_count", {"encoder": "text", "kind": "text"}) or 0.0


@pytest.mark.django_db(transaction=True)
def test_a_gunicorn_worker_loads_and_runs_the_text_encoder_before_its_first_request(settings):
    settings.ML_PRELOAD = True
    loaded_reset(key="ml.text_encoder")
    before = text_encodes()

    gunicorn.post_worker_init(worker=None)

    assert text_encodes() == before + 1


@pytest.mark.django_db(transaction=True)
def test_with_preload_off_a_worker_starts_without_loading_models(settings):
    settings.ML_PRELOAD = False
    before = text_encodes()

    gunicorn.post_worker_init(worker=None)

    assert text_encodes() == before


@pytest.mark.django_db
def test_preload_says_what_it_loaded_and_what_the_shop_serves_without():
    from ops.preload import models_preload

    loaded = models_preload()

    assert loaded["text_encoder"] == "loaded"
    # The test database has no live model: the preload reports it instead of failing the worker.
    assert loaded["recommender"].startswith("unavailable: No recommender model is live")
    assert set(loaded) == {"text_encoder", "image_encoder", "recommender"}
