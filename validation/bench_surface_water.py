"""Benchmark: simulated days per second of the surface-water model (issue 4 goal: a 1-year, 15-minute run < 1 s).

A synthetic spring (daily discharge, temperature and charge-balanced karst water, Shawan-like latitude) feeds one
stream reach (default) or a stream and a pond (``--chain``). Prints the one-time cost of a fresh process (numba
compilation or cache load), then the best of ``--repeat`` runs of the whole call (forcing, light, compiled time
loop with the carbonate system re-speciated every step, result tables, balances) and the share spent in the
compiled loop.

    python validation/bench_surface_water.py [--days 365] [--dt-minutes 15] [--repeat 5] [--chain]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.processes import reaches as sw  # noqa: E402


def spring_inflow(days: int) -> pd.DataFrame:
    idx = pd.date_range("2021-01-01", periods=days, freq="D")
    doy = idx.day_of_year.to_numpy()
    season = np.sin(2 * np.pi * (doy - 100) / 365.0)
    return pd.DataFrame({"q_m3_s": 0.3 + 0.2 * np.clip(season, 0, None), "temp_c": 16.0 + 2.0 * season,
                         "ca": 2.1, "mg": 0.35, "na": 0.12, "k": 0.03, "cl": 0.1, "so4": 0.15, "no3": 0.12,
                         "dic": 4.75 + 0.2 * season}, index=idx)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--dt-minutes", type=float, default=15.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chain", action="store_true", help="a stream (2 segments) and a pond instead of one reach")
    args = ap.parse_args(argv)
    inflow = spring_inflow(args.days)
    reaches = [sw.ReachParameters(name="stream", length_m=1500.0)]
    if args.chain:
        reaches = [sw.ReachParameters(name="stream", length_m=1500.0, n_segments=2),
                   sw.ReachParameters(name="pond", kind="pond", area_m2=5000.0, depth_m=1.2, macrophyte_cover=0.6)]
    kw = dict(latitude_deg=26.25, longitude_deg=105.77, dt_minutes=args.dt_minutes, spinup_days=0)
    t0 = time.perf_counter()
    res = sw.simulate_reaches(inflow, reaches, **kw)
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = sw.simulate_reaches(inflow, reaches, **kw)
        times.append(time.perf_counter() - t0)
    best = min(times)
    steps = len(res.subdaily)
    tanks = res.settings["tanks"]
    print(f"surface water: {args.days} days at {args.dt_minutes:g} min = {steps} steps x {tanks} tank(s) "
          f"({', '.join(r.name for r in reaches)})")
    print(f"first call (compile or cache load + run): {first:.2f} s")
    print(f"run time (best of {args.repeat}): {best:.3f} s -> {args.days / best:,.0f} simulated days per second, "
          f"{best / (args.days / 365.0):.3f} s per simulated year")
    print(f"per tank-step: {best / (steps * tanks) * 1e6:.2f} us")
    cb, ob = res.balances["carbon"], res.balances["o2"]
    print(f"balances: carbon relative residual {cb['relative_residual']:.1e}, O2 {ob['relative_residual']:.1e}")
    print("fate:", {k: round(v, 4) for k, v in res.fate.items() if k != "definition"})
    goal = best / (args.days / 365.0) < 1.0
    print("goal (a year in under 1 s):", "met" if goal else "NOT met")


if __name__ == "__main__":
    main()
