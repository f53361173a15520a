"""Process pools that are safe next to numba's threaded kernels.

numba's parallel chemistry kernel may start an OpenMP thread pool; forking a process after that is unsafe (GNU
OpenMP aborts the child). Pools here therefore use the "spawn" start method: children import karstmodel afresh
(about a second each), then run any number of tasks.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor


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
