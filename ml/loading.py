"""Models loaded once per process: the one keyed, versioned cache every loader in the shop goes through.

A loader names what it loads (`key`) and the version it wants (a model version id, an encoder
name, a tuple of category names...). The first call loads; later calls with the same version
return the same object; a call with another version loads again and replaces it.
"""

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

# Re-entrant: a loader may itself load another model (a category-vector cache needs the text encoder).
_lock = threading.RLock()
_loaded: dict[str, tuple[Hashable, object]] = {}


def loaded_get(*, key: str, version: Hashable, load: Callable[[], T]) -> T:
    """What `load()` returns for (`key`, `version`), loaded once per process."""
    with _lock:
        cached = _loaded.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]  # type: ignore[return-value]
        value = load()
        _loaded[key] = (version, value)
        return value


def loaded_reset(*, key: str | None = None) -> None:
    """Forget one loaded model (or all): the next `loaded_get` loads again. Tests and admin reloads call this."""
    with _lock:
        if key is None:
            _loaded.clear()
        else:
            _loaded.pop(key, None)
