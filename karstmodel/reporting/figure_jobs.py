"""Figures drawn in worker processes while the command goes on.

The figures of a validation or a calibration are independent PNG files, and matplotlib draws one at a time, on
one core, holding the interpreter lock: a validation with chemistry draws up to 30 figures one after the other
(about 0.2-0.3 s each) while the other core idles. :class:`FigureJobs` hands each figure (a plotting function and
its data) to a small pool of processes instead, and waits for all of them before the command's output folder is
committed. ``validate`` and ``calibrate`` use 2 workers (:func:`default_workers`); ``run`` draws its daily figures
beside its reaches' two threads and uses workers only when ``KARSTMODEL_FIGURE_WORKERS`` asks for them.

The workers are forked from a server process (Python's ``forkserver`` start method: a fresh interpreter, started
before any figure is needed, that imports matplotlib with the Agg backend and the plotting modules once,
:mod:`karstmodel.reporting._figure_server`), so a figure starts in milliseconds and the imports run on the other
core while the command computes. The server is a new process, not a fork of the command (which may have run
threads and thread pools), and its libraries run one thread each. Jobs are handed to the pool by a background
thread, so the command never waits for the server to start.

Without the ``forkserver`` start method (Windows) or with ``workers=0``, every figure is drawn in the calling
process when it is submitted, exactly as before; the PNG files are the same bytes either way
(``tests/test_karstmodel/reporting/test_figure_jobs.py``). If the pool cannot start or a worker dies, the figures
not yet drawn are drawn in the calling process. A figure that fails raises its error from :meth:`finish`, naming
the figure.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from .._parallel import single_threaded_children

#: modules the server imports once for every worker it forks
PRELOAD = ["karstmodel.reporting._figure_server"]

_STOP = object()


def workers_from_environment() -> int | None:
    """``KARSTMODEL_FIGURE_WORKERS`` as a number of figure processes (0 = draw in the command's process), or None
    when it is not set."""
    env = os.environ.get("KARSTMODEL_FIGURE_WORKERS")
    if env is None or not env.strip():
        return None
    try:
        return max(0, int(env))
    except ValueError:
        raise ValueError(f"KARSTMODEL_FIGURE_WORKERS must be a whole number, got {env!r}") from None


def default_workers() -> int:
    """Figure processes for a command that draws its figures after its computation (``validate``, ``calibrate``):
    2 on a machine with at least 2 cores, otherwise 0 (drawn inline); ``KARSTMODEL_FIGURE_WORKERS`` overrides.
    ``karstmodel run`` draws its daily figures while its reaches keep two cores busy, so it uses worker processes
    only when that variable asks for them (on 2 cores they made it 3 % slower: the server's imports compete with the
    reaches)."""
    env = workers_from_environment()
    if env is not None:
        return env
    return 2 if (os.cpu_count() or 1) >= 2 else 0


@contextmanager
def _server_environment():
    """The server's environment: as a Python child of this process (:func:`chemistry._numba_cache.child_environment`:
    without the numba cache folder this process configured, which the server configures for itself) -- while it
    is started; this process's environment is restored after."""
    from chemistry._numba_cache import child_environment
    saved = dict(os.environ)
    wanted = child_environment()
    try:
        for k in set(saved) - set(wanted):
            del os.environ[k]
        yield
    finally:
        for k, v in saved.items():
            if os.environ.get(k) != v:
                os.environ[k] = v


def _describe(fn, kwargs: dict) -> str:
    path = kwargs.get("path")
    return f"{fn.__name__}" + (f" ({path})" if path is not None else "")


class FigureJobs:
    """Figures to draw: :meth:`submit` one plotting call (a module-level function and picklable arguments; give
    the output file as ``path=`` so that an error names it), :meth:`finish` to wait for all of them. As a context
    manager the block's end finishes them (and on an error in the block stops the pool without waiting for
    figures not yet started).

    ``workers``: processes (0: draw each figure in the calling process when it is submitted)."""

    def __init__(self, workers: int = 0):
        self.workers = int(workers) if workers else 0
        self._jobs: list = []  # (fn, args, kwargs, future or None)
        self._pool = None
        self._queue = None
        self._thread = None
        if self.workers > 0 and "forkserver" in mp.get_all_start_methods():
            ctx = mp.get_context("forkserver")
            try:
                ctx.set_forkserver_preload(PRELOAD)
                with single_threaded_children(), _server_environment():
                    from multiprocessing import forkserver
                    forkserver.ensure_running()  # spawns the server and returns; it imports in the background
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
            except (OSError, ValueError, RuntimeError):
                self._pool = None
        if self._pool is not None:
            self._queue = queue.Queue()
            self._thread = threading.Thread(target=self._hand_over, name="karstmodel-figures", daemon=True)
            self._thread.start()

    @property
    def parallel(self) -> bool:
        """True when figures go to worker processes."""
        return self._pool is not None

    def _hand_over(self):
        """Background thread: give each queued job to the pool (the first one waits for the server to start)."""
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                try:
                    item[3] = self._pool.submit(item[0], *item[1], **item[2])
                except (BrokenProcessPool, RuntimeError, OSError):
                    item[3] = None  # drawn in the calling process by wait()
            finally:
                self._queue.task_done()

    def submit(self, fn, *args, **kwargs) -> None:
        """Draw ``fn(*args, **kwargs)``: now (inline) or in a worker process."""
        if self._pool is None:
            fn(*args, **kwargs)
            return
        job = [fn, args, kwargs, None]
        self._jobs.append(job)
        self._queue.put(job)

    def wait(self) -> None:
        """Wait for every figure submitted so far (e.g. before a report embeds them); draw inline those the pool
        could not take; raise the first error, naming the figure. The pool stays open for more."""
        if self._pool is None:
            return
        self._queue.join()
        jobs, self._jobs = self._jobs, []
        first = None
        for fn, args, kwargs, fut in jobs:
            try:
                if fut is None:
                    fn(*args, **kwargs)
                    continue
                try:
                    fut.result()
                except BrokenProcessPool:
                    fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - re-raised below with the figure named
                if first is None:
                    first = (fn, kwargs, exc)
        if first is not None:
            fn, kwargs, exc = first
            raise RuntimeError(f"figure {_describe(fn, kwargs)} failed: {type(exc).__name__}: {exc}") from exc

    def finish(self) -> None:
        """:meth:`wait`, then shut the pool down."""
        if self._pool is None:
            return
        try:
            self.wait()
        finally:
            self._stop(cancel=False)

    def _stop(self, cancel: bool) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=cancel)
        self._pool = None
        self._jobs = []

    def cancel(self) -> None:
        """Stop the pool without waiting for figures not yet started (after an error in the command)."""
        if self._pool is not None:
            self._stop(cancel=True)

    def __enter__(self) -> "FigureJobs":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.cancel()


def draw(jobs: FigureJobs | None, fn, *args, **kwargs) -> None:
    """``fn(*args, **kwargs)`` through ``jobs`` when given, else at once."""
    if jobs is None:
        fn(*args, **kwargs)
    else:
        jobs.submit(fn, *args, **kwargs)
