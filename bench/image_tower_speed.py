"""Seconds per training step of the image tower, by torchvision architecture and picture size, on this CPU.

    python bench/image_tower_speed.py [resnet18@64 mobilenet_v3_small@64 shufflenet_v2_x1_0@64 ...] [--threads 2]

One step is `ml.image_tower.image_tower_step`, what `image_tower_epoch` does per batch less the
augmentation: the tower's forward pass on a batch of random pictures in channels-last layout, the InfoNCE loss
against random unit text vectors, backward and an AdamW step, in float32. The median of five
steps after one warm-up. It needs no database. Step time decides how long `make setup` trains
(48 epochs of 17 batches of 128 on the demo catalog); whether an architecture is good enough is
`bench/image_tower_settings.py`'s question.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def step_seconds(*, architecture: str, image_size: int, batch_size: int, steps: int = 6) -> float:
    import torch

    from ml.image_tower import ImageTower, ImageTowerConfig, image_tower_step

    torch.manual_seed(0)
    tower = ImageTower(ImageTowerConfig(architecture=architecture, image_size=image_size))
    tower.to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(tower.parameters(), lr=1e-3)
    pictures = torch.randn(batch_size, 3, image_size, image_size).contiguous(memory_format=torch.channels_last)
    texts = torch.nn.functional.normalize(torch.randn(batch_size, tower.config.dimensions), dim=-1)
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        image_tower_step(tower=tower, optimizer=optimizer, pictures=pictures, text_vectors=texts, mixed=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("towers", nargs="*", default=["resnet18@64", "mobilenet_v3_small@64", "shufflenet_v2_x1_0@64"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    options = parser.parse_args()
    import torch

    torch.set_num_threads(options.threads)
    print(
        f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, {options.threads} threads"
    )
    for tower in options.towers:
        architecture, _, size = tower.partition("@")
        seconds = step_seconds(architecture=architecture, image_size=int(size or 64), batch_size=options.batch_size)
        print(f"{tower:<28} {seconds:6.3f} s per batch of {options.batch_size}", flush=True)


if __name__ == "__main__":
    main()
