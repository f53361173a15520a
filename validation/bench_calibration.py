"""Benchmark: model runs per second during calibration (10-year daily catchment, discharge objective).

Runs ``--runs`` (default 10,000) parameter sets of the kerschbaum catchment over 10 years (2001-2010) through the
calibration objective (water-only fast path + KGE), first in one process, then on ``--workers`` processes (default 2,
the CI machine's cores), then on as many threads (the compiled water pass releases the GIL), and prints runs per
second and the time for 10,000 runs. Goal of the issue: 10,000 runs of a 10-year daily catchment in under 2 minutes
on 2 cores. Also times a short differential-evolution calibration (``--de-maxiter``) with workers, the way
``karstmodel calibrate`` runs (threads on the water-only path).

    python validation/bench_calibration.py [--runs 10000] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.workflows.calibration import (Objective, calibrate, period_mask, setup_from_catchment,  # noqa: E402
                                    load_station_observations)
from karstmodel.config.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.io.drivers import load_drivers  # noqa: E402


def _chunk(args):
    obj, xs = args
    return [obj(x) for x in xs]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--de-maxiter", type=int, default=20)
    args = ap.parse_args(argv)
    c = load_catchment(resolve_catchment("kerschbaum"))
    data = load_drivers(c.drivers, c.latitude, "2001-01-01", "2010-12-31").data
    obs = load_station_observations(c, data.index)
    setup = setup_from_catchment(c, {}, {"calibration": "2002-01-01:2009-12-31"})
    mask = period_mask(data.index, setup.calibration_period)
    obj = Objective(c, data, setup, obs, mask)
    lo = np.array([p.search_bounds[0] for p in setup.parameters])
    hi = np.array([p.search_bounds[1] for p in setup.parameters])
    rng = np.random.default_rng(1)
    xs = lo + rng.random((args.runs, lo.size)) * (hi - lo)
    obj(xs[0])  # compile / load the numba cache
    n1 = min(args.runs, 2000)
    t0 = time.perf_counter()
    for x in xs[:n1]:
        obj(x)
    t1 = time.perf_counter() - t0
    chunks = [(obj, xs[i:i + 250]) for i in range(0, args.runs, 250)]
    from karstmodel._parallel import process_pool, single_threaded_children
    with single_threaded_children(), process_pool(args.workers) as ex:
        list(ex.map(_chunk, chunks[:args.workers]))  # warm the workers
        t0 = time.perf_counter()
        list(ex.map(_chunk, chunks))
        tw = time.perf_counter() - t0
    from karstmodel.workflows.calibration import ThreadMap
    pool = ThreadMap(args.workers)
    pool(_chunk, chunks[:args.workers])  # warm
    t0 = time.perf_counter()
    pool(_chunk, chunks)
    tt = time.perf_counter() - t0
    pool.close()
    years = len(data) / 365.25
    print(f"karstmodel calibration benchmark: kerschbaum, {years:.1f} years daily, {len(setup.parameters)} parameters, "
          f"KGE objective (water-only path), {os.cpu_count()} cores")
    print(f"1 process : {n1} runs in {t1:.2f} s = {n1 / t1:8.0f} runs/s")
    print(f"{args.workers} processes: {args.runs} runs in {tw:.2f} s = {args.runs / tw:8.0f} runs/s "
          f"-> 10,000 runs in {10_000 / (args.runs / tw):.1f} s (goal < 120 s)")
    print(f"{args.workers} threads  : {args.runs} runs in {tt:.2f} s = {args.runs / tt:8.0f} runs/s "
          f"-> 10,000 runs in {10_000 / (args.runs / tt):.1f} s (goal < 120 s)")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    setup_de = setup_from_catchment(c, {}, {"calibration": "2002-01-01:2009-12-31", "maxiter": args.de_maxiter,
                                           "workers": args.workers, "seed": 1})
    t0 = time.perf_counter()
    res = calibrate(c, setup_de, data=data, observations=obs, progress=False)
    td = time.perf_counter() - t0
    print(f"differential evolution, maxiter {args.de_maxiter}, {args.workers} workers (threads on the water-only "
          f"path): {res.n_evaluations} runs in "
          f"{td:.1f} s = {res.n_evaluations / td:.0f} runs/s; calibration KGE {res.metrics['calibration']['q']['kge']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
