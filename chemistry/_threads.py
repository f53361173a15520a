"""One BLAS thread inside this package's computations.

The solver's numpy side does many products of tall, thin arrays (samples x species times species x masters) and
small vector products between short compiled kernels. Multi-threaded OpenBLAS gains nothing on such shapes and,
when the cores are busy (the kernel's own threads, other processes), each call can cost milliseconds instead of
microseconds: measured on this project's 2-core machine, ``(10^6 x 14) @ (14 x 4)`` took 0.36 s with 2 BLAS
threads and 0.016 s with one. :func:`single_blas_thread` limits BLAS to one thread for the duration of a call
(threadpoolctl, which restores the previous setting on return; calls from several threads at once share one
limit, set by the first in and restored by the last out) and is applied to the public entry points.
Without threadpoolctl it does nothing.
"""
from __future__ import annotations

import threading
from functools import wraps

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl is a dependency; tolerate its absence
    ThreadpoolController = None

_CONTROLLER = None
_DEPTH = 0
_LIMITER = None  # the limit in force while any call is inside (threadpoolctl restores the setting it replaced)
_LOCK = threading.Lock()


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None and ThreadpoolController is not None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def single_blas_thread(func):
    """Run ``func`` with one BLAS thread. Nested calls, and calls from other threads while one is inside, do not
    touch the setting again; the last one out restores it."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        global _DEPTH, _LIMITER
        with _LOCK:
            ctl = _controller() if _DEPTH == 0 else None
            if _DEPTH == 0 and ctl is None:
                limited = False
            else:
                if ctl is not None:
                    _LIMITER = ctl.limit(limits=1, user_api="blas")
                _DEPTH += 1
                limited = True
        if not limited:
            return func(*args, **kwargs)
        try:
            return func(*args, **kwargs)
        finally:
            with _LOCK:
                _DEPTH -= 1
                if _DEPTH == 0 and _LIMITER is not None:
                    _LIMITER.restore_original_limits()
                    _LIMITER = None
    return wrapper
