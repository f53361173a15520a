"""Benchmark: the cost of one discharge-calibration run, this checkout against an earlier revision.

For each site (default coln_bibury and sitter_appenzell) the calibration objective of ``karstmodel calibrate``
(``karstmodel.workflows.calibration.Objective``: parameters applied, the compiled water pass
``karstmodel.model.water_pass.discharge``, KGE on the calibration period) is evaluated on ``--sets`` parameter
vectors drawn uniformly inside the search bounds of the catchment's ``[calibration]`` parameters, once as this
checkout runs it and once with the objective, water pass, parameter setter and metrics modules of revision
``--before`` (git, default ``main``; the process modules they call are this checkout's), alternating in one
process, ``--repeats`` times each. The best total of each is printed as ms per run (wall clock, and this process's
CPU time, which other jobs on a shared machine disturb less) with the load average, and the losses of the two
versions are compared set by set (largest relative difference; exit code 1 above ``--rtol``).

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


#: the modules of a calibration run that the comparison takes from the earlier revision (package, file)
SWAPPED = (("karstmodel.model", "karstmodel/model/water_pass.py"),
           ("karstmodel.config", "karstmodel/config/parameters.py"),
           ("karstmodel.accounting", "karstmodel/accounting/metrics.py"),
           ("karstmodel.workflows", "karstmodel/workflows/calibration.py"))


def load_before(rev: str, folder: str) -> dict:
    """The files of :data:`SWAPPED` at git revision ``rev``, as modules ``<package>._<name>_before`` (their relative
    imports resolve inside this checkout's package), keyed by file name without ``.py``."""
    mods = {}
    for package, path in SWAPPED:
        src = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:{path}"], check=True, capture_output=True,
                             text=True).stdout
        stem = os.path.basename(path)[:-3]
        file = os.path.join(folder, f"_{stem}_before.py")
        with open(file, "w") as f:
            f.write(src)
        name = f"{package}._{stem}_before"
        spec = importlib.util.spec_from_file_location(name, file)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        mods[stem] = mod
    return mods


def objectives(name: str, before: dict):
    """The calibration objective of catchment ``name`` (its ``[calibration]`` setup) as this checkout builds it and
    as revision ``before`` does (its objective class, water pass, parameter setter and metrics)."""
    c = load_catchment(resolve_catchment(name))
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    obs = cal.load_station_observations(c, data.index)
    setup = cal.setup_from_catchment(c, c.calibration)
    mask = cal.period_mask(data.index, setup.calibration_period)
    old_cal = before["calibration"]
    old_cal.discharge = before["water_pass"].discharge
    old_cal.apply_parameters = before["parameters"].apply_parameters
    old = old_cal.Objective(c, data, setup, obs, mask)
    if setup.objective != "kge_scaled":
        old.metric = getattr(before["metrics"], old.metric.__name__)
    return old, cal.Objective(c, data, setup, obs, mask), setup


def timed(obj, xs) -> tuple[float, float, np.ndarray]:
    """Wall-clock and CPU seconds (this process) of the runs, and their losses."""
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
        before = load_before(args.before, tmp)
        for name in args.sites.split(","):
            old, obj, setup = objectives(name, before)
            lo = np.array([p.search_bounds[0] for p in setup.parameters])
            hi = np.array([p.search_bounds[1] for p in setup.parameters])
            xs = lo + np.random.default_rng(args.seed).random((args.sets, lo.size)) * (hi - lo)
            for o in (old, obj):  # compile or load the numba cache outside the timing
                timed(o, xs[:2])
            best = {"before": np.inf, "now": np.inf}
            cpu = dict(best)
            losses = {}
            load0 = os.getloadavg()
            for _ in range(args.repeats):
                for label, o in (("before", old), ("now", obj)):
                    s, c, losses[label] = timed(o, xs)
                    best[label] = min(best[label], s)
                    cpu[label] = min(cpu[label], c)
            load1 = os.getloadavg()
            a, b = losses["before"], losses["now"]
            rel = np.abs(b - a) / np.maximum(np.abs(a), 1e-300)
            worst = float(np.max(rel)) if rel.size else 0.0
            worst_all = max(worst_all, worst)
            ms = {k: 1000.0 * v / args.sets for k, v in best.items()}
            ms_cpu = {k: 1000.0 * v / args.sets for k, v in cpu.items()}
            print(f"{name}: {len(setup.parameters)} parameters, {args.sets} sets, best of {args.repeats}: "
                  f"before ({args.before}) {ms['before']:.3f} ms/run, now {ms['now']:.3f} ms/run, "
                  f"ratio {ms['before'] / ms['now']:.2f}x (CPU time: {ms_cpu['before']:.3f} / {ms_cpu['now']:.3f} "
                  f"ms/run, {ms_cpu['before'] / ms_cpu['now']:.2f}x); "
                  f"losses: {int(np.sum(a == b))}/{a.size} identical, largest relative difference {worst:.1e}; "
                  f"load average {load0[0]:.2f} -> {load1[0]:.2f}")
    return 0 if worst_all <= args.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
