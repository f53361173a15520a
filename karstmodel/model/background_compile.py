"""Compile the costly kernels in a second process during the first run after installing (or changing) karstmodel.

numba compiles a kernel on its first call. A first run compiles, one after the other on one core: the general
speciation core (:mod:`chemistry._kernel`, for the start tables), the fused equilibrium kernel
(:func:`chemistry._fused._fused_block`, for the recharge tables), the daily chain's loops and, with reaches, the
reach kernel (:func:`karstmodel.processes.reaches.kernel.advance_tanks`, with the lake layer and the fate sums).
When some of these are cold in the cache and a second core is there, :func:`start` launches
``python -m karstmodel.model.background_compile fused reaches``, which compiles the fused kernel (a call over zero
samples with the argument types of a real call: :func:`chemistry._fused_compile.compile_kernel`) and then the reach kernel
(the reaches run over two days of a synthetic inflow) into the same on-disk cache (:mod:`chemistry._numba_cache`),
while this process compiles the general core and the chain. The child prints ``ready <kernel>`` after each; this
process waits for that line before its first call of the fused kernel
(:func:`chemistry._numba_cache.await_compiled`) and for the child's end before the reaches (:func:`finish`), and
then loads them from the cache instead of compiling them again. Results do not depend on any of this: the same
compiled code runs either way. With one core, a warm cache or a child that fails, the run compiles what it needs
itself, as before."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd

from chemistry import _fused, _fused_compile
from chemistry._numba_cache import child_environment, expect

from .._compiled import cache_is_cold
from ..processes.reaches import ReachParameters, simulate_reaches
from ..processes.reaches.kernel import advance_tanks

#: seconds to wait for the child before compiling in this process instead (it takes ~10-20 s on an idle core)
TIMEOUT_S = 300.0
#: what the child can compile, in the order it does: name printed when ready -> kernel
KERNELS = {"fused": _fused.KERNEL_NAME, "reaches": "karstmodel.processes.reaches.kernel.advance_tanks"}

_LOCK = threading.Lock()
#: children still compiling -> what they compile: runs of this process started meanwhile (a scenario's baseline
#: and scenario runs, in two threads) wait for the same child instead of launching another
_RUNNING: dict = {}


def _cold(name: str) -> bool:
    if name == "fused":
        return _fused.AVAILABLE and cache_is_cold(_fused._fused_block)
    return cache_is_cold(advance_tanks)


def start(with_reaches: bool, with_fused: bool = True) -> subprocess.Popen | None:
    """Launch the child compiling the cold ones of the fused kernel (``with_fused``: a run whose recharge tables are
    all shipped, :func:`karstmodel.processes.recharge_tables.covers`, does not call it) and (``with_reaches``) the
    reach kernel when the machine has a second core; register the wait for the fused kernel; returns the child
    process or None. A child this process launched for another run and that is still compiling everything this
    run needs is returned instead of a new one."""
    if (os.cpu_count() or 1) < 2:
        return None
    todo = [k for k in KERNELS if (k != "reaches" or with_reaches) and (k != "fused" or with_fused) and _cold(k)]
    if not todo:
        return None
    with _LOCK:
        for running, names in list(_RUNNING.items()):
            if running.poll() is not None:
                del _RUNNING[running]
            elif set(todo) <= set(names):
                return running
        child = _launch(todo)
        if child is not None:
            _RUNNING[child] = tuple(todo)
    return child


def _launch(todo: list):
    try:
        child = subprocess.Popen([sys.executable, "-m", __name__, *todo], env=child_environment(),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
    except OSError:  # no child processes here: compile in this process
        return None
    ready = {k: threading.Event() for k in todo}

    def read():  # the child's "ready <kernel>" lines; at its end (or failure) nobody waits any longer
        for line in child.stdout:
            name = line.strip().removeprefix("ready ")
            if name in ready:
                ready[name].set()
        for ev in ready.values():
            ev.set()

    threading.Thread(target=read, daemon=True).start()
    if "fused" in ready:
        expect(KERNELS["fused"], lambda: ready["fused"].wait(TIMEOUT_S))
    return child


def finish(child: subprocess.Popen | None) -> None:
    """Wait for ``child`` (from :func:`start`) to finish; stop it after :data:`TIMEOUT_S` seconds (this process
    then compiles what is missing)."""
    if child is None:
        return
    try:
        child.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def compile_reach_kernel() -> None:
    """Run two reaches (a stream and a lake, so both branches of the kernel are compiled with their callees) over
    two days of a synthetic spring inflow, with the argument types of :func:`karstmodel.model.simulate.run_reaches`
    (daily air temperature series, scalar cloudiness, a one-day spin-up)."""
    days = pd.date_range("2001-07-01", periods=2, freq="D")
    inflow = pd.DataFrame({"q_m3_s": 0.05, "temp_c": 9.0, "ca": 2.0, "mg": 0.3, "na": 0.2, "k": 0.02, "cl": 0.2,
                           "so4": 0.1, "no3": 0.1, "dic": 4.5}, index=days)
    reaches = (ReachParameters(name="stream"), ReachParameters(name="lake", kind="lake", depth_m=10.0))
    simulate_reaches(inflow, reaches, 47.0, 14.0, dt_minutes=60.0, air_temp_c=pd.Series(np.full(2, 12.0), days),
                     cloudiness=0.5, spinup_days=1)


def main(names) -> None:
    """The child: compile ``names`` (keys of :data:`KERNELS`) in order, printing ``ready <name>`` after each."""
    for name in names:
        _fused_compile.compile_kernel() if name == "fused" else compile_reach_kernel()
        print(f"ready {name}", flush=True)


if __name__ == "__main__":  # pragma: no cover - the child of start(); tested through it
    main(sys.argv[1:])
