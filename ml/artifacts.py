"""Model artifacts in the storage backend named "artifacts" (var/artifacts/ by default, S3 in production)."""

import io
from typing import Any

import torch
from django.core.files.base import ContentFile
from django.core.files.storage import storages


class ArtifactMissing(Exception):
    pass


def artifact_save(*, name: str, payload: Any) -> str:
    """Store `payload` (tensors, numpy arrays, dataclasses) under `name`, replacing any earlier one."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    storage = storages["artifacts"]
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(buffer.getvalue()))


def artifact_load(*, name: str) -> Any:
    storage = storages["artifacts"]
    if not name or not storage.exists(name):
        raise ArtifactMissing(f"The artifact {name!r} is not in the artifact storage.")
    with storage.open(name, "rb") as handle:
        # Our own artifacts hold dataclasses and numpy arrays besides tensors; they are never user uploads.
        return torch.load(io.BytesIO(handle.read()), map_location="cpu", weights_only=False)


def artifact_delete(*, name: str) -> None:
    storage = storages["artifacts"]
    if storage.exists(name):
        storage.delete(name)
