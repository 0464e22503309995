"""The text encoder's ONNX graph corrupt or out of reach: the same vectors, from a graph exported again or from PyTorch."""

import numpy as np
import pytest

from ml.encoders import text_encoder_get
from ml.onnx_text import onnx_text_session_get

pytestmark = pytest.mark.django_db

SENTENCES = ["red boots", "a warm jumper for someone who is always cold", "x", "toys for kids " * 60]


def _pytorch_vectors(texts: list[str]) -> np.ndarray:
    model = text_encoder_get().model
    return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def test_a_corrupt_onnx_file_is_exported_again(settings, tmp_path, caplog):
    settings.ML_DEVICE = "cpu"
    model = text_encoder_get().model
    path = tmp_path / "encoder.onnx"
    path.write_bytes(b"not a graph")
    session = onnx_text_session_get(model=model, path=path, threads=1)
    assert session is not None and "cannot be used" in caplog.text
    assert np.all(np.sum(session.encode(SENTENCES, batch_size=2) * _pytorch_vectors(SENTENCES), axis=1) > 0.9999)


def test_without_a_usable_onnx_graph_the_text_encoder_stays_on_pytorch(settings, tmp_path, caplog):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    settings.ML_DEVICE = "cpu"
    settings.TEXT_ENCODER = {**settings.TEXT_ENCODER, "ONNX_DIR": str(blocked)}
    encoder = text_encoder_get()
    assert encoder.onnx is None and "stays on PyTorch" in caplog.text
    vectors = encoder.encode(SENTENCES)
    assert np.all(np.sum(vectors * _pytorch_vectors(SENTENCES), axis=1) > 0.9999)
