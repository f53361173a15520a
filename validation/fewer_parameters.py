"""Would fewer calibrated parameters make karstmodel's discharge fit as fast as GR4J's without losing accuracy?

Differential evolution with scipy's settings runs popsize x (number of parameters) members per generation, so with
the same settings (maxiter 60, popsize 15) karstmodel's 19 default parameters make 3.8 times as many runs as GR4J's
five (X1-X4 and the melt factor; ``validation/compare_peers.py``). This script measures the other side of that
trade for the two sites where karstmodel's fit took longer than GR4J's (issue 13):

1. screens the default calibration parameters by their effect on the calibration loss (Morris elementary effects,
   Morris 1991, Technometrics 33:161, with the mu* of Campolongo et al. 2007; SALib's sampling and analysis,
   ``--trajectories`` trajectories of 4 levels over the search ranges);
2. removes the fitted values from the bundled catchment file, so that every parameter that is not calibrated takes
   its default (the land-use table and the schema defaults), as it would for a user's new catchment: the
   ``[reservoirs]`` and ``[land_use_parameters]`` tables, the melt factor and the allogenic share;
3. fits the k most influential parameters for each ``--k``, and all of them, from that catchment with the optimiser
   settings, ranges, seed and periods of compare_peers, and prints fit seconds, runs and calibration / validation
   KGE, NSE and log-NSE on compare_peers' periods and units. The fit of all of them is not compare_peers' own: the
   root-zone and preferential-flow parameters are searched as scales of the file's values, here the land-use
   table's defaults, there the bundled fitted values.

    python validation/fewer_parameters.py [--sites coln_bibury,sitter_appenzell] [--k 6,8,10] [--trajectories 60]
                                          [--maxiter 60] [--seed 1] [-o validation/output/fewer_parameters.md]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import compare_peers as cp  # noqa: E402

#: catchment-file keys that hold fitted values of the default calibration parameters (section, key; "*": every
#: land-use table): removed so that the parameters a reduced fit leaves out take their defaults
FITTED_KEYS = (("reservoirs", None), ("land_use_parameters", None), ("snow", "melt_factor_mm_c_d"),
               ("lithology", "allogenic_to_karst"))


def default_valued(c):
    """The catchment ``c`` read again from its file without the values of :data:`FITTED_KEYS`."""
    from karstmodel.config.catchment import catchment_from_dict

    path = Path(c.source)
    doc = tomllib.loads(path.read_text())
    for section, key in FITTED_KEYS:
        if key is None:
            doc.pop(section, None)
        else:
            doc.get(section, {}).pop(key, None)
    return catchment_from_dict(doc, path)


def objective_of(site, c, setup):
    from karstmodel.workflows.calibration import Objective, load_station_observations, period_mask

    obs = load_station_observations(c, site.data.index)
    return Objective(c, site.data, setup, obs, period_mask(site.data.index, setup.calibration_period))


def screen(site, setup, trajectories: int, seed: int) -> list:
    """(name, mu*) of every parameter of ``setup``, most influential first (Morris on the calibration loss)."""
    from SALib.analyze import morris as morris_a
    from SALib.sample import morris as morris_s

    obj = objective_of(site, site.catchment, setup)
    problem = {"num_vars": len(setup.parameters), "names": [p.name for p in setup.parameters],
               "bounds": [list(p.search_bounds) for p in setup.parameters]}
    x = morris_s.sample(problem, N=trajectories, num_levels=4, seed=seed)
    y = np.array([obj(u) for u in x])
    r = morris_a.analyze(problem, x, y, num_levels=4, seed=seed, print_to_console=False)
    return sorted(zip(problem["names"], map(float, r["mu_star"])), key=lambda t: -t[1])


def fit(site, c, setup) -> dict:
    from karstmodel.workflows.calibration import calibrate

    t0 = time.perf_counter()
    res = calibrate(c, setup, data=site.data, progress=False)
    seconds = time.perf_counter() - t0
    sc = cp.scores(site, cp.to_unit(res.simulated["q"], res.catchment.area_km2, site.unit))
    return {"seconds": seconds, "runs": int(res.n_evaluations), "scores": sc}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", default="coln_bibury,sitter_appenzell")
    ap.add_argument("--k", default="6,8,10", help="numbers of parameters to fit (the most influential first)")
    ap.add_argument("--trajectories", type=int, default=60)
    ap.add_argument("--maxiter", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default=os.path.join(os.path.dirname(__file__), "output", "fewer_parameters.md"))
    a = ap.parse_args(argv)
    from karstmodel.workflows.calibration import setup_from_catchment

    lines = ["| site | parameters fitted | fit s | runs | calibration KGE / NSE / log-NSE | "
             "validation KGE / NSE / log-NSE |", "|---|---|---|---|---|---|"]
    for name in a.sites.split(","):
        site = cp.load_site(name)
        c = site.catchment
        over = {"maxiter": a.maxiter, "seed": a.seed, "workers": 1}
        if not (c.calibration or {}).get("calibration_period"):
            over.update({"calibration": site.cal_text, "validation": site.val_text})
        setup = setup_from_catchment(c, c.calibration, over)
        ranked = screen(site, setup, a.trajectories, a.seed)
        print(f"{name}: Morris mu* of the calibration loss: "
              + ", ".join(f"{n} {m:.3f}" for n, m in ranked), flush=True)
        base = dataclasses.replace(site, catchment=default_valued(c))
        ks = sorted({int(k) for k in a.k.split(",") if 0 < int(k) < len(ranked)}) + [len(ranked)]
        for k in ks:
            keep = {n for n, _ in ranked[:k]}
            sub = dataclasses.replace(setup, parameters=tuple(p for p in setup.parameters if p.name in keep))
            r = fit(base, base.catchment, sub)
            cal, val = (" / ".join(f"{r['scores'][p][m]:.4f}" for m in ("kge", "nse", "log_nse"))
                        for p in ("calibration", "validation"))
            what = f"all {k}" if k == len(ranked) else f"{k} most influential"
            line = f"| {name} | {what} | {r['seconds']:.1f} | {r['runs']} | {cal} | {val} |"
            print(line, flush=True)
            lines.append(line)
    out = Path(a.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
