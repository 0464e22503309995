"""Model artifacts of the recommender: what a trained model is saved as, and the live one loaded once per process."""

from dataclasses import asdict, dataclass

import torch

from ml.artifacts import ArtifactMissing, artifact_load, artifact_save
from ml.devices import device_get
from ml.loading import loaded_get, loaded_reset
from recommender.features import FEATURE_SCHEMA_HASH, FeatureSchemaMismatch, ItemRow, Vocabulary, schema_check
from recommender.model import TwoTower, TwoTowerConfig, item_tensors
from recommender.models import ModelVersion


class ModelUnavailable(Exception):
    """No model can serve: none is live, or its artifact is missing or was made for other features."""


@dataclass
class LoadedModel:
    version_id: int | None
    model: TwoTower
    vocabulary: Vocabulary
    popularity: dict[int, int]

    def item_tensors(self, *, items: list[ItemRow]) -> dict[str, torch.Tensor]:
        return item_tensors(items=items, vocabulary=self.vocabulary, popularity=self.popularity)


def model_artifact_save(*, name: str, model: TwoTower, vocabulary: Vocabulary, popularity: dict[int, int]) -> str:
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


def model_artifact_load(*, name: str, version_id: int | None = None, device: str | None = None) -> LoadedModel:
    payload = artifact_load(name=name)
    schema_check(artifact_hash=payload.get("feature_schema_hash", "none"))
    try:
        model = TwoTower(TwoTowerConfig(**payload["config"]))
        model.load_state_dict(payload["state"])
    except (TypeError, KeyError, RuntimeError) as error:
        raise ModelUnavailable(
            f"The artifact {name!r} was saved by another version of the model code ({str(error).splitlines()[0]}); "
            "train a new model."
        ) from error
    model.to(device or device_get()).eval()
    return LoadedModel(
        version_id=version_id,
        model=model,
        vocabulary=Vocabulary(values=payload["vocabulary"]),
        popularity=payload["popularity"],
    )


LIVE_MODEL_KEY = "recommender.live_model"


def live_model_get() -> LoadedModel:
    """The live version's model, loaded on first use and again only when another version goes live."""
    live = ModelVersion.objects.filter(is_live=True).values_list("pk", "artifact").first()
    if live is None:
        raise ModelUnavailable("No recommender model is live yet: staff can train one in admin (Training runs).")
    version_id, artifact = live
    try:
        return loaded_get(
            key=LIVE_MODEL_KEY,
            version=version_id,
            load=lambda: model_artifact_load(name=artifact, version_id=version_id),
        )
    except (ArtifactMissing, FeatureSchemaMismatch, ModelUnavailable) as error:
        raise ModelUnavailable(f"Model v{version_id} cannot serve: {error}") from error


def live_model_reset() -> None:
    """Forget the loaded live model, so the next `live_model_get` reads its artifact again (it was replaced in place)."""
    loaded_reset(key=LIVE_MODEL_KEY)
