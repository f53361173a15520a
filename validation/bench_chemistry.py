"""Benchmark: native carbonate solver vs PHREEQC (IPhreeqc via phreeqpy, same pinned database).

Prints, in one run: native throughput (solves per second for N points, default 10^6), PHREEQC throughput
(2000 points, one simulation per point, as a PHREEQC script user would run them), their ratio, and the accuracy of
the native solver against PHREEQC on the 2000 common points (max |dpH|, max relative dCa and dDIC).

Pure water in the open and closed systems goes through the fused compiled solve (chemistry._fused); the general path (chemistry.water.solve, used for every other problem) is
timed on the same points as well (``general``), so the gain of the fused path is measured on the same run.

    python validation/bench_chemistry.py [--points 1000000] [--phreeqc-points 2000] [--system open|closed] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _bench import load_average  # noqa: E402

import chemistry  # noqa: E402
from chemistry import phreeqc  # noqa: E402


def phreeqc_one_by_one(temp_c, log_pco2, mineral, system):
    """One PHREEQC simulation (one run_string) per point."""
    minerals = {"calcite": ["Calcite"], "dolomite": ["Dolomite"], "both": ["Calcite", "Dolomite"]}[mineral]
    ip = phreeqc.instance("phreeqc.dat")
    ip.run_string("SELECTED_OUTPUT 1\n -reset false\n -pH true\n -totals Ca C(4)\nEND\n")
    out = np.empty((temp_c.size, 3))
    for i, (t, lp) in enumerate(zip(temp_c, log_pco2)):
        if system == "open":
            deck = (f"SOLUTION 1\n temp {t:.10g}\n pH 7 charge\nEQUILIBRIUM_PHASES 1\n CO2(g) {lp:.10g} 10\n"
                    + "".join(f" {m} 0 10\n" for m in minerals) + "END\n")
        else:
            deck = (f"SOLUTION 1\n temp {t:.10g}\n pH 7 charge\nEQUILIBRIUM_PHASES 1\n CO2(g) {lp:.10g} 10\n"
                    "SAVE solution 1\nEND\nUSE solution 1\nEQUILIBRIUM_PHASES 2\n"
                    + "".join(f" {m} 0 10\n" for m in minerals) + "END\n")
        ip.run_string(deck)
        row = ip.get_selected_output_array()[-1]
        out[i] = row[:3]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--phreeqc-points", type=int, default=2000)
    ap.add_argument("--mineral", default="calcite", choices=["calcite", "dolomite", "both"])
    ap.add_argument("--system", default="open", choices=["open", "closed"])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each; the best is reported (shared machines)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n = args.points
    temp = rng.uniform(0.0, 40.0, n)
    logp = rng.uniform(-3.5, -0.5, n)
    pco2 = 10.0**logp  # the inputs are prepared before the clock starts, as for PHREEQC

    # warm up with enough points for the compiled engine (numba import, cache load), as a long-running user session
    chemistry.equilibrate(temp[:5000], pco2[:5000], mineral=args.mineral, system=args.system)
    t_nat = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        nat = None  # the previous result is freed first, as in a loop of a user's script
        nat = chemistry.equilibrate(temp, pco2, mineral=args.mineral, system=args.system)
        t_nat = min(t_nat, time.perf_counter() - t0)
    rate_nat = n / t_nat
    # the general path (chemistry.water.solve) on the same points
    chemistry.equilibrate(temp[:5000], pco2[:5000], mineral=args.mineral, system=args.system, _fused=False)
    t_gen = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        chemistry.equilibrate(temp, pco2, mineral=args.mineral, system=args.system, _fused=False)
        t_gen = min(t_gen, time.perf_counter() - t0)

    k = min(args.phreeqc_points, n)
    t_ph = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        ref = phreeqc_one_by_one(temp[:k], logp[:k], args.mineral, args.system)
        t_ph = min(t_ph, time.perf_counter() - t0)
    rate_ph = k / t_ph

    sub = nat.iloc[:k]
    dph = np.max(np.abs(sub["ph"].to_numpy() - ref[:, 0]))
    dca = np.max(np.abs(sub["ca_mmol_kgw"].to_numpy() / (ref[:, 1] * 1000) - 1))
    ddic = np.max(np.abs(sub["dic_mmol_kgw"].to_numpy() / (ref[:, 2] * 1000) - 1))
    print(f"karstmodel chemistry benchmark ({args.mineral}, {args.system} system, T 0-40 C, log pCO2 -3.5..-0.5, "
          f"{load_average()}; best of {args.repeat} timed runs each)")
    print(f"native : {n:>9d} points in {t_nat:8.3f} s = {rate_nat:12.0f} solves/s "
          f"(all converged: {bool(nat['converged'].all())}; fused compiled path)")
    print(f"general: {n:>8d} points in {t_gen:8.3f} s = {n / t_gen:12.0f} solves/s (chemistry.water.solve path)")
    print(f"PHREEQC: {k:>9d} points in {t_ph:8.3f} s = {rate_ph:12.0f} solves/s (one simulation per point)")
    print(f"ratio native/PHREEQC: {rate_nat / rate_ph:8.1f} x   (general path {n / t_gen / rate_ph:.1f} x; fused / "
          f"general {t_gen / t_nat:.2f} x)")
    print(f"accuracy on the {k} common points: max |dpH| {dph:.2e}, max rel dCa {dca:.2e}, max rel dDIC {ddic:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
