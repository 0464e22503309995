"""ml/ is the runtime the apps call; it must not call them back, or every app would depend on every other."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = frozenset({"shop", "search", "recommender", "reviews"})
FORBIDDEN = APPS | {"config"}


def ml_modules() -> list[Path]:
    return sorted((ROOT / "ml").rglob("*.py"))


def module_imports(*, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, also those inside functions."""
    imports = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            imports += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports.append((node.lineno, node.module))
    return imports


@pytest.mark.parametrize("path", ml_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_ml_module_imports_an_app(path):
    offending = [f"line {line}: {name}" for line, name in module_imports(path=path) if name.split(".")[0] in FORBIDDEN]
    assert not offending, f"{path.relative_to(ROOT)} imports {', '.join(offending)}"


def test_importing_every_ml_module_loads_no_app():
    # A fresh interpreter, so the apps Django has loaded for the tests do not count. config is not
    # checked here: reading a setting imports config.settings, which is Django's doing, not ml's.
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for path in ml_modules()
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(APPS)!r})))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
