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

    def njit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return _njit(*args, **kwargs)
except Exception:  # pragma: no cover
    prange = range

    def njit(*args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f
