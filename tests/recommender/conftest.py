import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from recommender import registry


@pytest.fixture
def live_artifact_kept(trained_recommender):
    """The live model's artifact is shared by the whole session: put it back after a test damages it."""
    storage = storages["artifacts"]
    with storage.open(trained_recommender.artifact, "rb") as handle:
        kept = handle.read()
    registry.live_model_reset()
    yield trained_recommender
    if storage.exists(trained_recommender.artifact):
        storage.delete(trained_recommender.artifact)
    storage.save(trained_recommender.artifact, ContentFile(kept))
    registry.live_model_reset()
