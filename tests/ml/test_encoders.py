import numpy as np
import pytest

from ml.encoders import ONNX_MAX_TEXTS, image_encoder_get, text_encoder_get

pytestmark = pytest.mark.django_db


def test_text_vectors_are_normalised_float32_and_mean_something():
    encoder = text_encoder_get()
    vectors = encoder.encode(["slim remote control", "thin remote", "blender"], queries=True)
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_the_tiny_clip_model_embeds_pictures_and_words(tiny_clip):
    from PIL import Image

    encoder = image_encoder_get()
    images = encoder.encode_images([Image.new("RGB", (300, 200), "red"), Image.new("RGB", (50, 50), "blue")])
    texts = encoder.encode_texts(["a striped shirt", "floral dress"])
    assert images.shape == (2, 512) and texts.shape == (2, 512)
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)


SENTENCES = ["red boots", "a warm jumper for someone who is always cold", "x", "toys for kids " * 60]


def _pytorch_vectors(encoder, texts: list[str]) -> np.ndarray:
    return encoder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def test_on_a_cpu_the_text_encoder_runs_as_onnx_and_makes_pytorchs_vectors(settings):
    settings.ML_DEVICE = "cpu"
    encoder = text_encoder_get()
    assert encoder.onnx is not None
    # Padded batches, a lone letter and a text past the model's 256 tokens, in the caller's order.
    vectors = encoder.encode(SENTENCES, batch_size=3)
    assert len(SENTENCES) <= ONNX_MAX_TEXTS
    assert np.all(np.sum(vectors * _pytorch_vectors(encoder, SENTENCES), axis=1) > 0.9999)
