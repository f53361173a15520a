"""single_blas_thread: one BLAS thread inside the package's entry points, shared by calls from several threads
and restored by the last one out (scenario runs call simulate from several threads at once)."""
from __future__ import annotations

import threading

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

from chemistry import _threads  # noqa: E402


def _blas_threads():
    info = [m["num_threads"] for m in threadpoolctl.threadpool_info() if m["user_api"] == "blas"]
    if not info:
        pytest.skip("numpy has no BLAS that threadpoolctl can see")
    return max(info)


def test_overlapping_calls_from_threads_keep_the_count_and_restore_the_setting():
    """Two threads inside decorated functions at once (the first leaves while the second is still inside): the
    count of calls inside returns to 0 and the setting of before is back. (Which BLAS setting a thread sees while
    it runs is OpenBLAS's business; the decorator only decides who sets and who restores.)"""
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        inside_a, release_a, inside_b, release_b = (threading.Event() for _ in range(4))
        depth = {}

        @_threads.single_blas_thread
        def a():
            inside_a.set()
            assert release_a.wait(10.0)

        @_threads.single_blas_thread
        def b():
            inside_b.set()
            assert release_b.wait(10.0)

        ta = threading.Thread(target=a)
        ta.start()
        assert inside_a.wait(10.0)
        tb = threading.Thread(target=b)
        tb.start()
        assert inside_b.wait(10.0)
        depth["both"] = _threads._DEPTH
        release_a.set()
        ta.join(10.0)
        depth["b only"] = _threads._DEPTH
        limiter_between = _threads._LIMITER
        release_b.set()
        tb.join(10.0)
        after = _blas_threads()
    assert depth == {"both": 2, "b only": 1} and limiter_between is not None
    assert _threads._DEPTH == 0 and _threads._LIMITER is None
    assert after == before


def test_nested_calls_and_errors_restore_the_setting():
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()

        @_threads.single_blas_thread
        def inner():
            return _blas_threads()

        @_threads.single_blas_thread
        def outer():
            return inner(), _blas_threads()

        assert outer() == (1, 1)
        assert _blas_threads() == before

        @_threads.single_blas_thread
        def fails():
            raise RuntimeError("x")

        with pytest.raises(RuntimeError):
            fails()
        assert _blas_threads() == before and _threads._DEPTH == 0
