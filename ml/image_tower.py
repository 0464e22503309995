"""An image tower aligned to the frozen text encoder: LiT ("locked-image tuning", Zhai et al. 2022) inverted.

The text side is locked: each product's stored text vector is the target. The image tower (a
torchvision ResNet-18, randomly initialised, at low resolution so that it trains in minutes on
a CPU; or CLIP's image tower when its weights are there) learns, with CLIP's symmetric InfoNCE
loss over the products of a batch, to put each product's picture next to its product's text
vector. Its vectors then live in the text encoder's space: a text query vector searches
pictures directly, with no second text model.

Augmentation is torchvision's (crops, rotations, scale, backgrounds, blur, JPEG quality) and
leaves hue alone: shoppers search by colour.
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional
from torchvision.transforms import v2

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# RandomResizedCrop's smallest share of the picture's area and narrowest aspect ratio in training.
CROP_SCALE, CROP_RATIO = (0.45, 1.0), (0.8, 1.25)


@dataclass
class ImageTowerConfig:
    """What an artifact needs to rebuild the tower; `architecture`: a torchvision model name, or "clip:<open_clip model>"."""

    architecture: str = "resnet18"
    image_size: int = 64
    dimensions: int = 384
    epochs: int = 48
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 7
    # "bfloat16": the forward pass under autocast (weights and optimiser stay float32), where the
    # device computes it natively (ml.devices.bfloat16_native); serving always runs in float32.
    precision: str = "float32"
    # CLIP's checkpoint when fine-tuning its image tower (IMAGE_ENCODER_PRETRAINED); unused for resnet18.
    pretrained: str = ""


def torchvision_classifiers() -> list[str]:
    """The torchvision architectures a tower can start from (image classifiers, not detectors or video models)."""
    from torchvision import models

    return models.list_models(module=models)


class ImageTower(nn.Module):
    def __init__(self, config: ImageTowerConfig):
        super().__init__()
        self.config = config
        if config.architecture.startswith("clip:"):
            import open_clip

            weights = config.pretrained if config.pretrained and config.pretrained != "random" else None
            clip, _, _ = open_clip.create_model_and_transforms(config.architecture[5:], pretrained=weights)
            self.backbone = clip.visual
            width = clip.visual.output_dim
        else:
            from torchvision import models

            # Any torchvision classifier by name, its last layer the 512-wide features the head projects.
            self.backbone = models.get_model(config.architecture, weights=None, num_classes=512)
            width = 512
        self.head = nn.Linear(width, config.dimensions)
        # CLIP's learnable temperature, started at 1/0.07.
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return functional.normalize(self.head(self.backbone(images)), dim=-1)


def _image_mean_std(config: ImageTowerConfig) -> tuple[tuple, tuple]:
    if config.architecture.startswith("clip:"):
        from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

        return OPENAI_DATASET_MEAN, OPENAI_DATASET_STD
    return MEAN, STD


def preprocess_build(config: ImageTowerConfig) -> v2.Compose:
    """Serving: the whole picture, squared, at the tower's resolution."""
    mean, std = _image_mean_std(config)
    return v2.Compose(
        [
            v2.PILToTensor(),
            v2.Resize((config.image_size, config.image_size), antialias=True),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean, std),
        ]
    )


class _RandomBackground(nn.Module):
    """Replaces the picture's plain backdrop (the colour of its corners) with a random colour."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, image: torch.Tensor) -> torch.Tensor:  # uint8 CHW
        if torch.rand(()) >= self.p:
            return image
        corners = torch.stack([image[:, 0, 0], image[:, 0, -1], image[:, -1, 0], image[:, -1, -1]]).float()
        backdrop = corners.median(dim=0).values[:, None, None]
        mask = (image.float() - backdrop).abs().amax(dim=0, keepdim=True) <= 12
        colour = torch.randint(0, 256, (3, 1, 1), dtype=torch.uint8).expand_as(image)
        return torch.where(mask, colour, image)


def augmentation_build(config: ImageTowerConfig) -> v2.Compose:
    """Training: what a shopper's photo does to a product picture, hue left alone."""
    mean, std = _image_mean_std(config)
    size = config.image_size
    return v2.Compose(
        [
            v2.PILToTensor(),
            _RandomBackground(p=0.5),
            v2.RandomApply([v2.RandomRotation(22, fill=tuple(int(255 * m) for m in mean))], p=0.6),
            v2.RandomResizedCrop((size, size), scale=CROP_SCALE, ratio=CROP_RATIO, antialias=True),
            v2.RandomApply([v2.RandomZoomOut(fill=tuple(int(255 * m) for m in mean), side_range=(1.0, 1.6))], p=0.25),
            v2.Resize((size, size), antialias=True),
            v2.RandomApply([v2.JPEG((15, 75))], p=0.4),
            v2.ColorJitter(brightness=0.35, contrast=0.35, saturation=0.15),
            v2.RandomApply([v2.GaussianBlur(5, sigma=(0.1, 1.8))], p=0.4),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean, std),
        ]
    )


def augmentation_sources(*, images: Sequence[Image.Image], config: ImageTowerConfig) -> list[Image.Image]:
    """Each picture shrunk once to the smallest short side at which the tightest training crop still fills the tower's input.

    Augmenting (backgrounds, rotation) at the catalog's 160 px cost about as much as the tower's own
    step at 64 px; below this side the crops lose nothing they would show the tower. Never enlarged.
    """
    side = math.ceil(config.image_size / math.sqrt(CROP_SCALE[0] * CROP_RATIO[0]))
    sources = []
    for image in images:
        scale = side / min(image.size)
        sources.append(
            image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
            if scale < 1
            else image
        )
    return sources


def info_nce_loss(
    *, image_vectors: torch.Tensor, text_vectors: torch.Tensor, logit_scale: torch.Tensor
) -> torch.Tensor:
    """open_clip's ClipLoss: cross-entropy both ways over the batch, each picture's own product the positive."""
    from open_clip.loss import ClipLoss

    return ClipLoss()(image_vectors, text_vectors, logit_scale.exp().clamp(max=100))


@dataclass
class TrainingResult:
    tower: ImageTower
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def image_tower_epoch(
    *,
    tower: ImageTower,
    optimizer: torch.optim.Optimizer,
    images: Sequence[Image.Image],
    text_vectors: np.ndarray,
    device: str,
    generator: torch.Generator,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> float:
    """One pass over the pictures in shuffled batches; the mean loss. bench/gpu_check.py times this on each device."""
    augment = augmentation_build(tower.config)
    # Channels-last is the layout oneDNN and cuDNN convolve fastest, in float32 and bfloat16 alike.
    tower.to(memory_format=torch.channels_last)
    mixed = tower.config.precision == "bfloat16"
    targets = torch.as_tensor(text_vectors, dtype=torch.float32)
    order = torch.randperm(len(images), generator=generator)
    tower.train()
    total, batches = 0.0, 0
    batch_size = tower.config.batch_size
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        if len(index) < 2:
            continue
        batch = torch.stack([augment(images[i]) for i in index.tolist()]).to(device)
        loss = image_tower_step(
            tower=tower, optimizer=optimizer, pictures=batch, text_vectors=targets[index].to(device), mixed=mixed
        )
        if scheduler is not None:
            scheduler.step()
        total, batches = total + loss, batches + 1
    return total / max(batches, 1)


def image_tower_step(
    *,
    tower: ImageTower,
    optimizer: torch.optim.Optimizer,
    pictures: torch.Tensor,
    text_vectors: torch.Tensor,
    mixed: bool,
) -> float:
    """One optimiser step on a batch of pictures against their products' text vectors; the loss.

    bench/image_tower_speed.py times this alone, without the augmentation.
    """
    device_type = pictures.device.type
    with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=mixed):
        image_vectors = tower(pictures.contiguous(memory_format=torch.channels_last))
    loss = info_nce_loss(image_vectors=image_vectors.float(), text_vectors=text_vectors, logit_scale=tower.logit_scale)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def image_tower_train(
    *,
    images: Sequence[Image.Image],
    text_vectors: np.ndarray,
    config: ImageTowerConfig,
    device: str,
    on_epoch: Callable[[int, float], None] = lambda epoch, loss: None,
) -> TrainingResult:
    """Train a tower from `config`'s starting point towards `text_vectors` (row i is picture i's product)."""
    if len(images) != len(text_vectors) or len(images) < 2:
        raise ValueError("Training needs at least two pictures, each with its product's text vector.")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    started = time.perf_counter()
    tower = ImageTower(config).to(device)
    optimizer = torch.optim.AdamW(tower.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(images) / config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.learning_rate, total_steps=steps, pct_start=0.15
    )
    result = TrainingResult(tower=tower)
    sources = augmentation_sources(images=images, config=config)
    for epoch in range(1, config.epochs + 1):
        loss = image_tower_epoch(
            tower=tower,
            optimizer=optimizer,
            images=sources,
            text_vectors=text_vectors,
            device=device,
            generator=generator,
            scheduler=scheduler,
        )
        result.losses.append(loss)
        on_epoch(epoch, loss)
    tower.eval()
    result.seconds = time.perf_counter() - started
    return result


def image_tower_payload(*, tower: ImageTower, text_encoder: str) -> dict:
    """The artifact: plain data and tensors (ml.artifacts), and the text encoder whose space it was trained into."""
    return {
        "config": asdict(tower.config),
        "state": {key: value.cpu() for key, value in tower.state_dict().items()},
        "text_encoder": text_encoder,
    }


def image_tower_from_payload(*, payload: dict, device: str) -> ImageTower:
    config = ImageTowerConfig(**{**payload["config"], "pretrained": ""})
    tower = ImageTower(config)
    tower.load_state_dict(payload["state"])
    return tower.to(device).eval()


def image_tower_encode(
    *, tower: ImageTower, images: Sequence[Image.Image], device: str, batch_size: int = 64
) -> np.ndarray:
    """L2-normalised float32 rows, one per picture, in the text encoder's space."""
    preprocess = preprocess_build(tower.config)
    rows = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.stack([preprocess(image.convert("RGB")) for image in images[start : start + batch_size]])
            rows.append(tower(batch.to(device)).float().cpu().numpy())
    if not rows:
        return np.zeros((0, tower.config.dimensions), dtype=np.float32)
    return np.concatenate(rows).astype(np.float32)


@dataclass
class AlignedImageEncoder:
    """A trained tower served like `ml.encoders.ImageEncoder`; its text side is the text encoder itself."""

    name: str
    tower: ImageTower
    device: str
    dimensions: int
    text_encode: Callable[[list[str]], np.ndarray]

    def encode_images(self, images: Sequence[Image.Image], *, batch_size: int = 64) -> np.ndarray:
        return image_tower_encode(tower=self.tower, images=images, device=self.device, batch_size=batch_size)

    def encode_texts(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        return self.text_encode(list(texts))
