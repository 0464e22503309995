"""Models loaded once per process: the one keyed, versioned cache every loader in the shop goes through.

A loader names what it loads (`key`) and the version it wants (a model version id, an encoder
name, a tuple of category names...). The first call loads; later calls with the same version
return the same object; a call with another version loads again and replaces it.

A loader may also name the failures to remember (`failures`): a load that raises one of them is
not tried again for that version, and every later call raises it again at once. A broken model
asked for on every request then costs one attempt per process, not one per request.
"""

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class _Failed:
    """A remembered failure, told apart from a loaded value that happens to be an exception."""

    def __init__(self, error: Exception):
        self.error = error


# Re-entrant: a loader may itself load another model (a category-vector cache needs the text encoder).
_lock = threading.RLock()
_loaded: dict[str, tuple[Hashable, object]] = {}


def loaded_get(*, key: str, version: Hashable, load: Callable[[], T], failures: tuple[type[Exception], ...] = ()) -> T:
    """What `load()` returns for (`key`, `version`), loaded once per process.

    When `load()` raises one of `failures`, that exception is remembered for this version and
    raised again by every later call for it, without calling `load()`; another version, or
    `loaded_reset`, tries again. Other exceptions are not remembered.
    """
    with _lock:
        cached = _loaded.get(key)
        if cached is not None and cached[0] == version:
            value = cached[1]
            if isinstance(value, _Failed):
                # Without its old traceback: raising the same object again would grow it by one call per request.
                raise value.error.with_traceback(None)
            return value  # type: ignore[return-value]
        try:
            value = load()
        except failures as error:
            _loaded[key] = (version, _Failed(error))
            raise
        _loaded[key] = (version, value)
        return value


def loaded_reset(*, key: str | None = None) -> None:
    """Forget one loaded model (or all): the next `loaded_get` loads again. Tests and admin reloads call this."""
    with _lock:
        if key is None:
            _loaded.clear()
        else:
            _loaded.pop(key, None)
