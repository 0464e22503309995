"""Artifacts hold plain data only and are verified before they are unpickled."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from ml.artifacts import ArtifactCorrupt, artifact_delete, artifact_load, artifact_save

ran: list[str] = []


def _ran(what: str) -> None:
    ran.append(what)


class _Payload:
    """What a tampered pickle can hold: an object whose unpickling calls a function."""

    def __reduce__(self):
        return (_ran, ("code ran while loading",))


@pytest.fixture
def artifact_name():
    yield "tests/ml-artifact.pt"
    artifact_delete(name="tests/ml-artifact.pt")


def test_plain_data_and_tensors_come_back_as_saved(artifact_name):
    import torch

    stored = artifact_save(name=artifact_name, payload={"state": torch.arange(3), "seen": [{1, 2}], "name": "x"})
    payload = artifact_load(name=artifact_name, sha256=stored.sha256)
    assert payload["state"].tolist() == [0, 1, 2] and payload["seen"] == [{1, 2}] and payload["name"] == "x"


def test_an_artifact_that_would_run_code_when_loaded_is_refused_without_running_it(artifact_name):
    ran.clear()
    stored = artifact_save(name=artifact_name, payload={"state": _Payload()})
    with pytest.raises(ArtifactCorrupt, match="not plain tensors and data"):
        artifact_load(name=artifact_name, sha256=stored.sha256)
    assert ran == []


def test_bytes_other_than_the_saved_ones_are_refused_before_they_are_unpickled(artifact_name):
    ran.clear()
    stored = artifact_save(name=artifact_name, payload={"state": 1})
    tampered = artifact_save(name="tests/tampered.pt", payload={"state": _Payload()})
    storage = storages["artifacts"]
    with storage.open(tampered.name, "rb") as handle:
        content = handle.read()
    artifact_delete(name=tampered.name)
    storage.delete(artifact_name)
    storage.save(artifact_name, ContentFile(content))
    with pytest.raises(ArtifactCorrupt, match="changed since it was saved"):
        artifact_load(name=artifact_name, sha256=stored.sha256)
    with pytest.raises(ArtifactCorrupt, match="no recorded SHA-256"):
        artifact_load(name=artifact_name, sha256="")
    assert ran == []
