"""numba's ``njit`` when numba is installed, else a no-op decorator (the same code then runs as plain Python).

The sequential time loops (snow, soil water, reservoirs, solute transport) cannot be vectorised over time; they are
written once in a numba-compatible subset of Python and compiled when numba is available. Loops whose iterations
are independent (solute components, days of a table evaluation) use ``prange`` with ``parallel=True`` (plain
``range`` without numba).
"""
from __future__ import annotations

try:  # pragma: no cover - exercised implicitly
    from numba import njit as _njit
    from numba import prange

    from chemistry._numba_cache import register_locator

    register_locator()  # before the first cache=True kernel is declared (karstmodel/__init__ keyed the folder)

    def njit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return _njit(*args, **kwargs)
except Exception:  # pragma: no cover
    prange = range

    def njit(*args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f


def cache_is_cold(*dispatchers) -> bool:
    """True when numba will compile at least one of ``dispatchers`` on its first call in this process: it caches to
    disk and its cache index holds nothing for the current source (never compiled here, or the source file changed
    since: numba keys the index by the file's modification time and size). Unknown cache internals (another numba
    version) count as warm, so the answer errs towards silence."""
    for d in dispatchers:
        if getattr(d, "overloads", None):  # already compiled or loaded in this process
            continue
        load = getattr(getattr(getattr(d, "_cache", None), "_cache_file", None), "_load_index", None)
        if load is None:
            continue
        try:
            if not load():
                return True
        except Exception:  # pragma: no cover - a corrupt or foreign index: numba recompiles, we stay silent
            continue
    return False
