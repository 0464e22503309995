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
