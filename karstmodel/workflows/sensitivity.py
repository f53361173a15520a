"""Global sensitivity of model outputs (carbon sink, flow-weighted DIC, runoff) to parameters, with SALib.

Morris elementary effects (Morris 1991, Technometrics 33:161; Campolongo et al. 2007) as the default screening, or
Sobol' indices (Sobol' 2001; Saltelli et al. 2010, Comput. Phys. Commun. 181:259) with Saltelli sampling. Sampling
and analysis are SALib's (Herman & Usher 2017, JOSS 2:97); karstmodel only runs the model on the samples.
Parameters and bounds are those of the calibration setup (log-transformed ones are sampled in log10 space).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._parallel import map_chunks
from ..config.parameters import apply_parameters
from ..io.drivers import Drivers
from ..model.simulate import simulate

OUTPUTS = ("carbon_sink_tc_km2_yr", "dic_mmol_l_flow_weighted", "runoff_mm_yr")


def _run_chunk(args):
    c0, data, specs, xs = args
    rows = []
    for x in xs:
        values = {p.name: p.from_search(u) for p, u in zip(specs, x)}
        s = simulate(apply_parameters(c0, values), drivers=Drivers(data=data, filled={}, source="sensitivity"),
                     observations=None, with_reaches=False).summary
        rows.append([s[o] for o in OUTPUTS])
    return rows


def sensitivity(catchment, parameters, data: pd.DataFrame, method: str = "morris", n: int = 10, seed: int = 1,
                workers: int = 1, progress: bool = True) -> dict:
    """Run SALib's Morris (``n`` trajectories) or Sobol' (``n`` base samples) analysis; returns indices per
    output as plain dicts, plus the samples and model outputs."""
    from SALib.analyze import morris as morris_a  # deferred: SALib is heavy, needed only here
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s
    t0 = time.perf_counter()
    problem = {"num_vars": len(parameters), "names": [p.name for p in parameters],
               "bounds": [list(p.search_bounds) for p in parameters]}
    if method == "morris":
        x = morris_s.sample(problem, N=n, num_levels=4, seed=seed)
    elif method == "sobol":
        x = sobol_s.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        raise ValueError(f"method must be 'morris' or 'sobol', got {method!r}")
    per = max(1, int(np.ceil(len(x) / max(workers * 4, 1))))
    chunks = [(catchment, data, tuple(parameters), x[i:i + per]) for i in range(0, len(x), per)]
    rows = map_chunks(_run_chunk, chunks, workers, "sensitivity runs", len(x), progress)
    y = np.array(rows, dtype=float)
    out = {"method": method, "n_runs": int(len(x)), "parameters": problem["names"], "indices": {}}
    for k, name in enumerate(OUTPUTS):
        yk = y[:, k]
        if method == "morris":
            r = morris_a.analyze(problem, x, yk, num_levels=4, seed=seed, print_to_console=False)
            out["indices"][name] = {"mu_star": list(map(float, r["mu_star"])), "sigma": list(map(float, r["sigma"])),
                                    "mu_star_conf": list(map(float, r["mu_star_conf"]))}
        else:
            r = sobol_a.analyze(problem, yk, calc_second_order=False, seed=seed, print_to_console=False)
            out["indices"][name] = {"S1": list(map(float, r["S1"])), "ST": list(map(float, r["ST"])),
                                    "S1_conf": list(map(float, r["S1_conf"])), "ST_conf": list(map(float, r["ST_conf"]))}
    out["seconds"] = time.perf_counter() - t0
    out["samples"] = pd.DataFrame(x, columns=problem["names"])
    out["outputs"] = pd.DataFrame(y, columns=list(OUTPUTS))
    return out
