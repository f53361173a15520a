"""Large arrays without numpy's huge-page advice, for computations that fill hundreds of MB once.

On Linux numpy marks every array of 4 MB or more with ``madvise(MADV_HUGEPAGE)`` (numpy's "global state"
documentation, section "madvise hugepage on Linux": the documented switch is ``NUMPY_MADVISE_HUGEPAGE``, read at
import; ``numpy._core.multiarray._set_madvise_hugepage`` sets it at run time and is what this module calls).
Where the kernel's transparent-huge-page ``defrag`` setting is ``madvise`` (or ``defer+madvise``), a page fault in
such an array, when no free huge page is at hand, makes the kernel reclaim and compact memory synchronously before
it continues (Linux admin guide, ``admin-guide/mm/transhuge``, "defrag"; the effect on numpy's arrays is numpy
issue 31590). The reaches' sub-daily run writes about 0.5 GB of step outputs once
(:func:`karstmodel.processes.reaches.simulate_reaches`). Measured on this project's 2-core machine (THP
``enabled=always``, ``defrag=madvise``) on the default catchment's reaches, six alternating pairs in one process:
3.15 +- 0.12 s wall and 0.45 s system time without the advice, 3.45 +- 0.22 s and 1.18 s with it (user time
4.76 and 4.59 s). Without the advice the kernel still gives huge pages where it has them free, and ordinary pages
otherwise.

:func:`no_hugepage_advice` turns numpy's advice off for the duration of a call and restores it afterwards (nested
and concurrent calls share one switch, restored when the last one returns). It changes only how memory is mapped,
never a number. With a numpy that has no such switch it does nothing.
"""
from __future__ import annotations

import threading
from functools import wraps

import numpy as np


def _switch():
    """numpy's run-time switch of the advice: ``numpy._core.multiarray`` (numpy 2), ``numpy.core.multiarray`` (1.x,
    from 1.19); None when neither has it."""
    core = getattr(np, "_core", None)
    if core is None:  # numpy 1.x (numpy 2 warns on ``np.core``, so it is asked only here)
        core = getattr(np, "core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


_SET = _switch()
_LOCK = threading.Lock()
_DEPTH = 0
_SAVED = True


def hugepage_advice_enabled() -> bool | None:
    """Whether numpy currently advises huge pages for large arrays (None: this numpy has no switch)."""
    if _SET is None:
        return None
    with _LOCK:
        prev = _SET(False)
        _SET(prev)
    return bool(prev)


def no_hugepage_advice(func):
    """Run ``func`` with numpy's huge-page advice off (module docstring)."""
    @wraps(func)
    def wrapper(*args, **kwargs):
        global _DEPTH, _SAVED
        if _SET is None:
            return func(*args, **kwargs)
        with _LOCK:
            if _DEPTH == 0:
                _SAVED = bool(_SET(False))
            _DEPTH += 1
        try:
            return func(*args, **kwargs)
        finally:
            with _LOCK:
                _DEPTH -= 1
                if _DEPTH == 0:
                    _SET(_SAVED)
    return wrapper
