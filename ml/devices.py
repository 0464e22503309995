from django.conf import settings


def device_get() -> str:
    """The torch device for models in this process: the setting, else CUDA when present, else CPU."""
    if settings.ML_DEVICE:
        return settings.ML_DEVICE
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def inference_threads_set(*, threads: int) -> None:
    """How many CPU threads torch gives one inference in this process (a web worker's ML_WEB_THREADS)."""
    import torch

    torch.set_num_threads(threads)


def bfloat16_native(*, device: str) -> bool:
    """Whether `device` computes bfloat16 in hardware (a CUDA GPU that supports it; a CPU with AVX-512 BF16).

    Elsewhere autocast to bfloat16 is emulated and slower than float32, so training keeps float32.
    """
    import torch

    if device.startswith("cuda"):
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return device == "cpu" and torch.cpu._is_avx512_bf16_supported()
