"""Benchmark: run time per simulated catchment-year for the bundled default catchment (kerschbaum).

The 16 years of Kerschbaum drivers are repeated to a 30-year record. Prints the one-time costs of a fresh process
(numba compilation or cache load, chemistry tables) and then the steady-state time of a full run (hydrology, soil
CO2, chemistry, accounting) and of the water-only path used by discharge calibration, per run and per
catchment-year. Goal of the issue: 30 years in under 0.1 s.

    python validation/bench_catchment.py [--years 30] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _bench import load_average  # noqa: E402

from karstmodel.config.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.io.drivers import Drivers, load_drivers  # noqa: E402
from karstmodel.model.simulate import simulate, simulate_water  # noqa: E402


def long_drivers(c, years: int) -> Drivers:
    d = load_drivers(c.drivers, c.latitude)
    data = d.data
    reps = years // max(1, len(data) // 365) + 1
    tiled = pd.concat([data] * reps, ignore_index=True).iloc[: int(round(years * 365.25))]
    tiled.index = pd.date_range("1991-01-01", periods=len(tiled), freq="D", name="date")
    return Drivers(data=tiled, filled={}, source=d.source + f" (repeated to {years} years)")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--catchment", default="kerschbaum")
    args = ap.parse_args(argv)
    c = load_catchment(resolve_catchment(args.catchment))
    drv = long_drivers(c, args.years)
    t0 = time.perf_counter()
    simulate(c, drivers=drv, observations=None, with_reaches=False)
    first = time.perf_counter() - t0
    load_before = load_average()
    times, cpus = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        simulate(c, drivers=drv, observations=None, with_reaches=False)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    full = min(times)
    full_cpu = cpus[times.index(full)]
    reach_t = None
    if c.reaches:
        t0 = time.perf_counter()
        simulate(c, drivers=drv, observations=None, with_reaches=True)
        reach_t = time.perf_counter() - t0
    wtimes = []
    for _ in range(args.repeat * 4):
        t0 = time.perf_counter()
        simulate_water(c, drv.data)
        wtimes.append(time.perf_counter() - t0)
    water = min(wtimes)
    n_years = len(drv.data) / 365.25
    print(f"karstmodel catchment benchmark: {c.name}, {n_years:.1f} simulated years "
          f"({load_before} before the timed runs; other jobs slow every number)")
    print(f"first run in a fresh process (compile/cache load + chemistry tables + run): {first:.2f} s")
    print(f"catchment chain (water, soil CO2, chemistry, accounting; no reaches): {full:.3f} s = {full / n_years * 1000:.2f} ms per "
          f"catchment-year; {args.years}-year goal 0.1 s -> ratio {full / 0.1:.2f} (best of {args.repeat}; CPU time of "
          f"that run, all threads: {full_cpu:.3f} s)")
    print(f"water-only run (calibration path): {water * 1000:.2f} ms = {water / n_years * 1000:.3f} ms per "
          f"catchment-year")
    if reach_t is not None:
        print(f"with the {len(c.reaches)} reaches below the spring (15-min steps): {reach_t:.2f} s "
              f"= {reach_t / n_years * 1000:.1f} ms per catchment-year")
    print(f"after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
