"""The text encoder run by ONNX Runtime on a CPU for a query or a few texts: the same vectors, three times
faster, off the GIL (catalog batches stay on PyTorch: ml.encoders.TextEncoder.encode).

A search makes its query vector in a thread while PostgreSQL ranks its words (search.selectors).
PyTorch's eager modules hold the GIL for most of a short query's forward pass, so the vector and
the lexical ranking's Python took turns; ONNX Runtime runs the whole graph, pooling and
normalisation included, in C++ without it (3.2 ms against 10.5 ms for one query on one thread).

The graph is exported once per machine from the loaded sentence-transformers model with
`torch.onnx.export` (its dynamo exporter) and kept beside the other local models. optimum's
ONNX backend for sentence-transformers would do the export, but it pins transformers 4, which
the shop's encoders have left. Every session is checked against PyTorch on probe sentences when
it loads: a stale, corrupt or mismatched file is exported again, and when that fails too the
encoder stays on PyTorch (slower, same vectors).
"""

import contextlib
import hashlib
import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# Short and long, so that the check covers padding and more than one batch shape.
PROBES = ("red boots", "a warm jumper for someone who is always cold, under 40 dollars", "x")
AGREEMENT = 0.9999
# An export takes about 10 s on two busy cores; a worker waiting longer than this encodes with PyTorch.
EXPORT_WAIT_S = 120


class OnnxTextSession:
    """A sentence-transformers model's `encode` (normalised sentence embeddings) as an ONNX Runtime session."""

    def __init__(self, *, path: Path, model: "SentenceTransformer", threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: a Celery worker's torch and PostgreSQL share the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [node.name for node in self.session.get_inputs()]
        self.preprocess = model.preprocess

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        """Rows in the order of `texts`; batches of similar length, so padding stays short (as sentence-transformers does)."""
        order = sorted(range(len(texts)), key=lambda index: -len(texts[index]))
        batches = []
        for start in range(0, len(order), batch_size):
            features = self.preprocess([texts[index] for index in order[start : start + batch_size]])
            batches.append(self.session.run(None, {name: features[name].numpy() for name in self.inputs})[0])
        ordered = np.concatenate(batches)
        rows = np.empty_like(ordered)
        rows[order] = ordered
        return rows


def onnx_text_path(*, directory: Path, name: str, source: str) -> Path:
    """Where the graph of encoder `name` (weights at `source`) is kept: one file per encoder and weights."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    digest = hashlib.sha256(f"{name}\0{source}".encode()).hexdigest()[:12]
    return directory / f"{slug}-{digest}.onnx"


def onnx_text_export(*, model: "SentenceTransformer", path: Path) -> None:
    """Export `model`'s whole encode (transformer, pooling, normalisation) to `path`, atomically."""
    import torch

    features = {name: value for name, value in model.preprocess(list(PROBES[:2])).items() if torch.is_tensor(value)}
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
            # Normalised in the graph, as TextEncoder.encode's rows are, whether or not the model ends in Normalize.
            return torch.nn.functional.normalize(self.model(dict(inputs))["sentence_embedding"], dim=1)

    # One name, not one per process: the lock makes the export exclusive, and a process killed while
    # exporting (a Celery child that took too long to start) leaves a file the next export overwrites.
    partial = path.with_suffix(".partial")
    # The exporter reports each of its steps on stdout; the shop's own log says what happened.
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(
                SentenceEmbedding().eval(),
                (),
                str(partial),
                kwargs=features,
                input_names=list(features),
                output_names=["sentence_embedding"],
                dynamic_shapes={name: {0: batch, 1: sequence} for name in features},
                dynamo=True,
                external_data=False,
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def onnx_text_session_get(*, model: "SentenceTransformer", path: Path, threads: int) -> OnnxTextSession | None:
    """A checked session for `model`; the graph is exported when missing or failing the check. None if neither works.

    Web workers start together and share the folder: one exports while the others wait for its file.
    """
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=EXPORT_WAIT_S):
            return _session_get(model=model, path=path, threads=threads)
    except (OSError, Timeout) as error:
        logger.warning("The ONNX text encoder at %s is out of reach (%s: %s)", path, type(error).__name__, error)
        logger.warning("Text encoding stays on PyTorch: the same vectors, made more slowly")
        return None


def _session_get(*, model: "SentenceTransformer", path: Path, threads: int) -> OnnxTextSession | None:
    if path.exists():
        session = _session_checked(model=model, path=path, threads=threads)
        if session is not None:
            return session
    try:
        onnx_text_export(model=model, path=path)
    except Exception as error:  # the exporter raises its own types for graphs it cannot export
        logger.warning("Exporting the text encoder to %s failed (%s: %s)", path, type(error).__name__, error)
        session = None
    else:
        session = _session_checked(model=model, path=path, threads=threads)
    if session is None:
        logger.warning("Text encoding stays on PyTorch: the same vectors, made more slowly")
    return session


def _session_checked(*, model: "SentenceTransformer", path: Path, threads: int) -> OnnxTextSession | None:
    try:
        session = OnnxTextSession(path=path, model=model, threads=threads)
        expected = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        found = session.encode(list(PROBES), batch_size=2)
    except Exception as error:  # onnxruntime raises its own types for corrupt or foreign files
        logger.warning("The ONNX text encoder at %s cannot be used (%s: %s)", path, type(error).__name__, error)
        return None
    if not np.all(np.sum(expected * found, axis=1) >= AGREEMENT):
        logger.warning("The ONNX text encoder at %s disagrees with PyTorch", path)
        return None
    return session
