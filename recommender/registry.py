"""Model artifacts of the recommender: what a trained model is saved as, and the live one loaded once per process.

A live model that cannot load (its artifact missing, unreadable, changed since it was saved,
or made for other features or code) is logged once and remembered as broken for this process:
serving then shows trending items, and the artifact is not read again until another version
goes live or `live_model_reset` is called.
"""

import logging
from dataclasses import asdict, dataclass

import torch

from ml.artifacts import ArtifactError, StoredArtifact, artifact_load, artifact_save
from ml.devices import device_get
from ml.loading import loaded_get, loaded_reset
from recommender.features import FEATURE_SCHEMA_HASH, FeatureSchemaMismatch, ItemRow, Vocabulary, schema_check
from recommender.model import TwoTower, TwoTowerConfig, item_tensors
from recommender.models import ModelVersion

logger = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """No model can serve: none is live, or its artifact is missing or was made for other features."""


class ModelLoadFailed(ModelUnavailable):
    """The live version's artifact cannot be loaded; remembered per process, see the module's docstring."""


@dataclass
class LoadedModel:
    version_id: int | None
    model: TwoTower
    vocabulary: Vocabulary
    popularity: dict[int, int]

    def item_tensors(self, *, items: list[ItemRow]) -> dict[str, torch.Tensor]:
        return item_tensors(items=items, vocabulary=self.vocabulary, popularity=self.popularity)


def model_artifact_save(
    *, name: str, model: TwoTower, vocabulary: Vocabulary, popularity: dict[int, int]
) -> StoredArtifact:
    return artifact_save(
        name=name,
        payload={
            "feature_schema_hash": FEATURE_SCHEMA_HASH,
            "config": asdict(model.config),
            "state": {key: value.cpu() for key, value in model.state_dict().items()},
            "vocabulary": vocabulary.values,
            "popularity": popularity,
        },
    )


def model_artifact_load(
    *, name: str, sha256: str, version_id: int | None = None, device: str | None = None
) -> LoadedModel:
    """The model saved under `name` with the SHA-256 `sha256`; ModelUnavailable, saying why, when it cannot be."""
    try:
        payload = artifact_load(name=name, sha256=sha256)
        if not isinstance(payload, dict):
            raise ModelUnavailable(f"The artifact {name!r} holds no model.")
        schema_check(artifact_hash=payload.get("feature_schema_hash", "none"))
    except (ArtifactError, FeatureSchemaMismatch) as error:
        raise ModelUnavailable(str(error)) from error
    try:
        model = TwoTower(TwoTowerConfig(**payload["config"]))
        model.load_state_dict(payload["state"])
        vocabulary, popularity = Vocabulary(values=payload["vocabulary"]), payload["popularity"]
    except (TypeError, KeyError, RuntimeError, AttributeError) as error:
        raise ModelUnavailable(
            f"The artifact {name!r} was saved by another version of the model code "
            f"({next(iter(str(error).splitlines()), type(error).__name__)}); "
            "train a new model."
        ) from error
    model.to(device or device_get()).eval()
    return LoadedModel(version_id=version_id, model=model, vocabulary=vocabulary, popularity=popularity)


LIVE_MODEL_KEY = "recommender.live_model"


def live_model_get() -> LoadedModel:
    """The live version's model, loaded on first use and again only when another version goes live.

    ModelLoadFailed when it cannot load; later calls for the same version raise it again at once.
    """
    live = ModelVersion.objects.filter(is_live=True).values_list("pk", "artifact", "artifact_sha256").first()
    if live is None:
        raise ModelUnavailable("No recommender model is live yet: staff can train one in admin (Training runs).")
    version_id, artifact, sha256 = live
    return loaded_get(
        key=LIVE_MODEL_KEY,
        version=live,
        load=lambda: _live_model_load(version_id=version_id, artifact=artifact, sha256=sha256),
        failures=(ModelLoadFailed,),
    )


def model_version_get(*, version_id: int) -> LoadedModel:
    """Any registered version's model (an A/B test's candidate), loaded once per process like the live one."""
    row = ModelVersion.objects.filter(pk=version_id).values_list("pk", "artifact", "artifact_sha256").first()
    if row is None:
        raise ModelUnavailable(f"Model v{version_id} does not exist.")
    _, artifact, sha256 = row
    return loaded_get(
        key=f"recommender.model_version.{version_id}",
        version=row,
        load=lambda: _live_model_load(version_id=version_id, artifact=artifact, sha256=sha256),
        failures=(ModelLoadFailed,),
    )


def _live_model_load(*, version_id: int, artifact: str, sha256: str) -> LoadedModel:
    try:
        return model_artifact_load(name=artifact, sha256=sha256, version_id=version_id)
    except Exception as error:  # noqa: BLE001 - whatever stops the live model loading, pages serve trending instead
        failed = ModelLoadFailed(f"Model v{version_id} cannot serve: {error}")
        logger.error("%s Serving trending items until another version goes live.", failed, exc_info=error)
        raise failed from error


def live_model_reset() -> None:
    """Forget the loaded live model, so the next `live_model_get` reads its artifact again (it was replaced in place)."""
    loaded_reset(key=LIVE_MODEL_KEY)
