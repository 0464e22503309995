"""Model artifacts in the storage backend named "artifacts" (var/artifacts/ by default, S3 in production).

An artifact is plain data: dicts, lists, tuples, sets, strings, numbers and tensors, read back
with `torch.load(weights_only=True)`, which builds nothing else, so a file that was tampered
with cannot run code when it is loaded. Each save returns the SHA-256 of the stored bytes; the
caller records it, and a load verifies it before unpickling anything.
"""

import hashlib
import io
from dataclasses import dataclass
from typing import Any

import torch
from django.core.files.base import ContentFile
from django.core.files.storage import storages


class ArtifactError(Exception):
    """The artifact cannot be loaded."""


class ArtifactMissing(ArtifactError):
    pass


class ArtifactCorrupt(ArtifactError):
    """Its bytes are not the ones saved (or none were recorded), or they are not plain data."""


@dataclass(frozen=True)
class StoredArtifact:
    name: str
    sha256: str


def artifact_save(*, name: str, payload: Any) -> StoredArtifact:
    """Store `payload` (plain data and tensors) under `name`, replacing any earlier one."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    content = buffer.getvalue()
    storage = storages["artifacts"]
    if storage.exists(name):
        storage.delete(name)
    return StoredArtifact(name=storage.save(name, ContentFile(content)), sha256=hashlib.sha256(content).hexdigest())


def artifact_load(*, name: str, sha256: str) -> Any:
    """The payload saved under `name`, provided its bytes still have the SHA-256 recorded at save."""
    if not name:
        raise ArtifactMissing("No artifact is named.")
    if not sha256:
        raise ArtifactCorrupt(f"The artifact {name!r} has no recorded SHA-256, so it cannot be verified.")
    try:
        with storages["artifacts"].open(name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError as error:
        raise ArtifactMissing(f"The artifact {name!r} is not in the artifact storage.") from error
    except OSError as error:
        raise ArtifactError(f"The artifact {name!r} could not be read: {error}") from error
    found = hashlib.sha256(content).hexdigest()
    if found != sha256:
        raise ArtifactCorrupt(
            f"The artifact {name!r} changed since it was saved (SHA-256 {found[:12]}…, recorded {sha256[:12]}…)."
        )
    try:
        return torch.load(io.BytesIO(content), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises UnpicklingError, RuntimeError, EOFError... on bad bytes
        first_line = next(iter(str(error).splitlines()), "")[:200]
        raise ArtifactCorrupt(
            f"The artifact {name!r} is not plain tensors and data ({type(error).__name__}: {first_line})."
        ) from error


def artifact_delete(*, name: str) -> None:
    storage = storages["artifacts"]
    if storage.exists(name):
        storage.delete(name)
