from django.conf import settings


def device_get() -> str:
    """The torch device for models in this process: the setting, else CUDA when present, else CPU."""
    if settings.ML_DEVICE:
        return settings.ML_DEVICE
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
