"""How the parameter set of the bundled default catchment (kerschbaum) was obtained.

Calibrates discharge-related parameters of catchments/kerschbaum/catchment.toml with scipy's differential
evolution (seeded, reproducible) on KGE of daily spring discharge, 2002-01-01..2009-12-31 (2001 is spin-up), and
reports the validation period 2014-01-01..2016-12-31 (2010-2013 have gaps). Prints the parameters to put into the
catchment file and the metrics. The general calibration command (``karstmodel calibrate``) is separate.

    python validation/calibrate_default.py [--maxiter 60] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from scipy.optimize import differential_evolution

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel import metrics  # noqa: E402
from karstmodel.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.drivers import load_drivers  # noqa: E402
from karstmodel.observations import load_discharge_observations  # noqa: E402
from karstmodel.parameters import apply_parameters  # noqa: E402
from karstmodel.simulate import simulate_water  # noqa: E402

PARAMS = {
    "area_km2": (0.8, 4.0),
    "reservoirs.epikarst_k_per_d": (0.005, 1.0),
    "reservoirs.epikarst_max_mm": (1.0, 300.0),
    "reservoirs.conduit_fraction": (0.0, 0.5),
    "reservoirs.overflow_outside_fraction": (0.0, 1.0),
    "reservoirs.matrix_k_per_d": (1e-5, 0.02),
    "reservoirs.epikarst_exponent": (0.5, 3.0),
    "reservoirs.conduit_k_per_d": (0.005, 2.0),
    "snow.melt_factor_mm_c_d": (1.5, 8.0),
    "hydrotopes.*.root_zone_storage_mm_scale": (0.5, 2.0),
    "hydrotopes.*.fast_flow_fraction_scale": (0.0, 1.0),
}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--maxiter", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--catchment", default="kerschbaum")
    ap.add_argument("--objective", default="kge", choices=["kge", "nse"])
    args = ap.parse_args(argv)
    c0 = load_catchment(resolve_catchment(args.catchment))
    data = load_drivers(c0.drivers, c0.latitude).data
    obs_file = c0.observations.file
    cal = (data.index >= "2002-01-01") & (data.index <= "2009-12-31")
    val = (data.index >= "2014-01-01") & (data.index <= "2016-12-31")
    names = list(PARAMS)

    def run(x):
        c = apply_parameters(c0, dict(zip(names, x)))
        sim = simulate_water(c, data)["spring_mm"]
        obs = load_discharge_observations(obs_file, c.area_km2, data.index)["q_obs_mm"].to_numpy()
        return sim, obs

    def loss(x):
        sim, obs = run(x)
        k = metrics.kge(sim[cal], obs[cal]) if args.objective == "kge" else metrics.nse(sim[cal], obs[cal])
        return 1.0 - k if np.isfinite(k) else 10.0

    res = differential_evolution(loss, [PARAMS[n] for n in names], seed=args.seed, maxiter=args.maxiter,
                                 popsize=15, tol=1e-6, polish=True)
    sim, obs = run(res.x)
    print("best parameters:")
    for n, v in zip(names, res.x):
        print(f"  {n} = {v:.6g}")
    for label, m in (("calibration 2002-2009", cal), ("validation 2014-2016", val)):
        mm = metrics.all_metrics(sim[m], obs[m])
        print(f"{label}: KGE {mm['kge']:.3f}  NSE {mm['nse']:.3f}  log-NSE {mm['log_nse']:.3f}  "
              f"PBIAS {mm['pbias']:.1f} %  (n={mm['n']})")
    print(f"evaluations: {res.nfev}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
