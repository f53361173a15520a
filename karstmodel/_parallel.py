"""Process pools that are safe next to numba's threaded kernels.

numba's parallel chemistry kernel may start an OpenMP thread pool; forking a process after that is unsafe (GNU
OpenMP aborts the child). Pools here therefore use the "spawn" start method: children import karstmodel afresh
(about a second each), then run any number of tasks.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from ._progress import progress_bar

#: thread counts of the libraries a worker process uses: each worker runs one task at a time on one core (the
#: processes are the parallelism), so its BLAS, OpenMP and numba thread pools would only oversubscribe the cores
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                     "NUMBA_NUM_THREADS": "1"}


@contextmanager
def single_threaded_children():
    """Environment for worker processes started inside the block (spawned children read it when their libraries
    load): one thread per library, see :data:`SINGLE_THREAD_ENV`. Variables the user set are kept; the parent's
    environment is restored on exit."""
    saved = {k: os.environ.get(k) for k in SINGLE_THREAD_ENV}
    for k, v in SINGLE_THREAD_ENV.items():
        if saved[k] is None:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def n_workers(workers: int | None) -> int:
    """-1 or 0 = all cores; None = 1."""
    if workers is None:
        return 1
    if workers <= 0:
        return max(1, os.cpu_count() or 1)
    return int(workers)


def process_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=n_workers(workers), mp_context=mp.get_context("spawn"))


class SpawnMap:
    """A ``map``-like callable backed by a spawn-context pool, for scipy's ``workers=`` argument."""

    def __init__(self, workers: int):
        with single_threaded_children():  # mp.Pool starts its processes here
            self.pool = mp.get_context("spawn").Pool(n_workers(workers))

    def __call__(self, func, iterable):
        return self.pool.map(func, iterable)

    def close(self):
        self.pool.close()
        self.pool.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def map_chunks(func, chunks: list, workers: int = 1, label: str = "", total: int | None = None,
               progress: bool = True, unit: str = "run") -> list:
    """``[r for chunk in chunks for r in func(chunk)]`` on ``workers`` spawned processes (1 = in this process),
    with a progress bar with ETA on stderr (``label`` done/total items of ``unit``;
    :func:`karstmodel._progress.progress_bar`)."""
    out = []
    with progress_bar(total, label, show=progress, unit=unit) as bar:
        if n_workers(workers) > 1:
            with single_threaded_children(), process_pool(workers) as ex:  # the executor starts processes on demand
                for part in ex.map(func, chunks):
                    out += part
                    bar.update(len(part))
        else:
            for ch in chunks:
                part = func(ch)
                out += part
                bar.update(len(part))
    return out
