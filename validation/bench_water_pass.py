"""Benchmark: the cost of one discharge-calibration run, this checkout's water pass against an earlier revision's.

For each site (default coln_bibury and sitter_appenzell) the calibration objective of ``karstmodel calibrate``
(``karstmodel.workflows.calibration.Objective``: parameters applied, the compiled water pass
``karstmodel.model.water_pass.discharge``, KGE on the calibration period) is evaluated on ``--sets`` parameter
vectors drawn uniformly inside the search bounds of the catchment's ``[calibration]`` parameters, once with this
checkout's ``water_pass`` and once with the ``water_pass.py`` of revision ``--before`` (git, default ``main``),
alternating in one process, ``--repeats`` times each; the best total of each is printed as ms per run (wall clock,
and this process's CPU time, which other jobs on a shared machine disturb less) with the load average, and the losses of the two versions are compared set by set (largest relative difference; it fails with
exit code 1 above ``--rtol``). Only ``water_pass.py`` is swapped: both versions call the same process modules.

    nice -n 10 python validation/bench_water_pass.py [--sites coln_bibury,sitter_appenzell] [--sets 200]
        [--repeats 3] [--before main]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

import karstmodel.workflows.calibration as cal  # noqa: E402
from karstmodel.config.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.io.drivers import load_drivers  # noqa: E402
from karstmodel.model import water_pass as new  # noqa: E402


def load_before(rev: str, folder: str):
    """``karstmodel/model/water_pass.py`` of git revision ``rev`` as module ``karstmodel.model._water_pass_before``
    (its relative imports resolve inside this checkout's package)."""
    src = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:karstmodel/model/water_pass.py"], check=True,
                         capture_output=True, text=True).stdout
    path = os.path.join(folder, "_water_pass_before.py")
    with open(path, "w") as f:
        f.write(src)
    name = "karstmodel.model._water_pass_before"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def objective(name: str):
    c = load_catchment(resolve_catchment(name))
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    obs = cal.load_station_observations(c, data.index)
    setup = cal.setup_from_catchment(c, c.calibration)
    mask = cal.period_mask(data.index, setup.calibration_period)
    return cal.Objective(c, data, setup, obs, mask), setup


def timed(obj, xs, discharge) -> tuple[float, float, np.ndarray]:
    """Wall-clock and CPU seconds (this process) of the runs, and their losses."""
    cal.discharge = discharge
    t0, c0 = time.perf_counter(), time.process_time()
    loss = np.array([obj(x) for x in xs])
    return time.perf_counter() - t0, time.process_time() - c0, loss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", default="coln_bibury,sitter_appenzell")
    ap.add_argument("--sets", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--before", default="main", help="git revision of the water pass to compare against")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rtol", type=float, default=1e-10)
    args = ap.parse_args(argv)
    worst_all = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        old = load_before(args.before, tmp)
        for name in args.sites.split(","):
            obj, setup = objective(name)
            lo = np.array([p.search_bounds[0] for p in setup.parameters])
            hi = np.array([p.search_bounds[1] for p in setup.parameters])
            xs = lo + np.random.default_rng(args.seed).random((args.sets, lo.size)) * (hi - lo)
            for d in (old.discharge, new.discharge):  # compile or load the numba cache outside the timing
                timed(obj, xs[:2], d)
            best = {"before": np.inf, "now": np.inf}
            cpu = dict(best)
            losses = {}
            load0 = os.getloadavg()
            for _ in range(args.repeats):
                for label, d in (("before", old.discharge), ("now", new.discharge)):
                    s, c, losses[label] = timed(obj, xs, d)
                    best[label] = min(best[label], s)
                    cpu[label] = min(cpu[label], c)
            load1 = os.getloadavg()
            cal.discharge = new.discharge
            a, b = losses["before"], losses["now"]
            rel = np.abs(b - a) / np.maximum(np.abs(a), 1e-300)
            worst = float(np.max(rel)) if rel.size else 0.0
            worst_all = max(worst_all, worst)
            ms = {k: 1000.0 * v / args.sets for k, v in best.items()}
            ms_cpu = {k: 1000.0 * v / args.sets for k, v in cpu.items()}
            print(f"{name}: {len(setup.parameters)} parameters, {args.sets} sets, best of {args.repeats}: "
                  f"before ({args.before}) {ms['before']:.3f} ms/run, now {ms['now']:.3f} ms/run, "
                  f"ratio {ms['before'] / ms['now']:.2f}x (CPU time: {ms_cpu['before']:.3f} / {ms_cpu['now']:.3f} "
                  f"ms/run, {ms_cpu['before'] / ms_cpu['now']:.2f}x); losses: {int(np.sum(a == b))}/{a.size} identical, "
                  f"largest relative difference {worst:.1e}; load average {load0[0]:.2f} -> {load1[0]:.2f}")
    return 0 if worst_all <= args.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
