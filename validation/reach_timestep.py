"""Time-step convergence of the reaches on the default catchment: what a coarser ``[surface_water] dt_minutes`` costs
in accuracy and saves in time.

The reaches integrate each tank over a step with the rates of its start (light at its middle) and every state
variable exactly along a linear ODE (``karstmodel.processes.reaches.kernel``), so their error is of first order in
the step. This script runs the kerschbaum run's reaches (what ``karstmodel run`` computes: the same daily chain,
then :func:`karstmodel.model.simulate.run_reaches`) at several steps and prints, against the finest step, the
fate of the karst DIC (shares of the carbon through the reaches), the period means of daily GPP, ER and degassing
of each reach, and the CPU time of each run (this process, both reach threads).

    python validation/reach_timestep.py [--catchment kerschbaum] [--steps 5,15,30,60]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from karstmodel.config.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.io.drivers import load_drivers  # noqa: E402
from karstmodel.model import simulate as S  # noqa: E402
from karstmodel.model.stages import run_chain  # noqa: E402

FATES = ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")
DAILY = ("gpp_g_c_m2_d", "er_g_c_m2_d", "degassing_g_c_m2_d")


def reach_run(c, data, run, dt_minutes: float):
    """The catchment's reaches at ``dt_minutes``: (ReachResult, CPU seconds of this process)."""
    cs = replace(c, surface_water=replace(c.surface_water, dt_minutes=float(dt_minutes)))
    t0 = time.process_time()
    rr = S.run_reaches(cs, data, run)
    return rr, time.process_time() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catchment", default="kerschbaum")
    ap.add_argument("--steps", default="5,15,30,60", help="reach steps in minutes (each must divide a day)")
    a = ap.parse_args(argv)
    steps = sorted(float(s) for s in a.steps.split(","))
    c = load_catchment(resolve_catchment(a.catchment))
    if not c.reaches:
        raise SystemExit(f"{a.catchment} has no reaches")
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    state = S.initial_state(c, data)
    if c.warmup_days > 0:
        _, state = run_chain(c, data.iloc[: min(c.warmup_days, len(data))], state, stop_after="storage")
    run, _ = run_chain(c, data, state)
    reach_run(c, data, run, steps[-1])  # loads the compiled kernel before the clock matters
    res = {dt: reach_run(c, data, run, dt) for dt in steps}
    ref, _ = res[steps[0]]
    names = [r.name for r in c.reaches]
    print(f"{a.catchment}: reaches {', '.join(names)}, {len(data)} days; reference step {steps[0]:g} min "
          f"(default {c.surface_water.dt_minutes:g} min)")
    head = ["step (min)", "CPU s"] + [f"{k} (diff)" for k in FATES] + \
           [f"{n} {k} (rel. diff)" for n in names for k in DAILY]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for dt in steps:
        rr, cpu = res[dt]
        row = [f"{dt:g}", f"{cpu:.2f}"]
        for k in FATES:
            row.append(f"{rr.fate[k]:.5f} ({rr.fate[k] - ref.fate[k]:+.1e})")
        for n in names:
            for k in DAILY:
                v = float(np.mean(rr.daily[(n, k)].to_numpy()))
                r0 = float(np.mean(ref.daily[(n, k)].to_numpy()))
                row.append(f"{v:.4g} ({(v - r0) / abs(r0) if r0 else 0.0:+.1e})")
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
