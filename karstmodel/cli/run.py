"""``karstmodel run``: simulate a catchment and write its outputs (argument handling and printing only)."""
from __future__ import annotations

import time
from pathlib import Path

from ..config.catchment import load_catchment, resolve_catchment
from ..io.files import atomic_output_dir, default_output_dir
from .options import add_overwrite, add_reading, owner, with_reading
from .process import imports_done


def register(sub) -> None:
    """The ``run`` command and its options."""
    r = sub.add_parser("run", help="simulate a catchment (default: the bundled default catchment)",
                       description="Simulate a catchment day by day: discharge, soil CO2, spring chemistry, the karst "
                       "carbon sink with closed water and carbon balances. CATCHMENT is a catchment.toml, a folder "
                       "holding one, or the name of a bundled catchment.")
    r.add_argument("catchment", nargs="?", default=None, help="catchment file, folder or bundled name")
    r.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>)")
    r.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    r.add_argument("--no-reaches", action="store_true",
                   help="skip the reaches below the spring (their sub-daily run, tables, figures and the fate of "
                   "the karst DIC): the catchment, its spring and its sink only, in a fraction of the time")
    add_overwrite(r)
    add_reading(r)
    r.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    """Simulate the catchment, write the run's files into the output folder and print the summary."""
    from ..reporting.figure_jobs import FigureJobs, workers_from_environment  # deferred: heavy (karstmodel.cli)
    from ..reporting.outputs import catchment_inputs, write_daily, write_run  # deferred: heavy (karstmodel.cli)
    from ..model.simulate import outputs_subdaily, simulate  # deferred: heavy (karstmodel.cli)
    imports_done()
    t0 = time.perf_counter()
    path = resolve_catchment(args.catchment)
    c = with_reading(args, load_catchment(path))
    outdir = Path(args.output) if args.output else default_output_dir(c.name)
    figures = not args.no_figures
    with atomic_output_dir(outdir, protect=catchment_inputs(c), owner=owner(args, "run", path)) as tmp, \
            FigureJobs((workers_from_environment() or 0) if figures else 0) as jobs:  # inline unless asked
        daily = {}  # the daily outputs, written while the reaches run (or their kernel compiles on a first run)
        result = simulate(c, with_reaches=not args.no_reaches, progress=True, reach_subdaily=outputs_subdaily(c),
                          on_daily=lambda d: daily.update(write_daily(d, tmp, figures=figures, jobs=jobs)))
        paths = write_run(result, tmp, figures=figures, daily=daily or None, jobs=jobs)
    s = result.summary
    dt = time.perf_counter() - t0
    lines = [
        f"karstmodel run: {c.name} ({path})",
        f"  period {s['period']['start']} .. {s['period']['end']} ({s['period']['days']} days), area {c.area_km2:g} km2",
        f"  precipitation {s['precip_mm_yr']:.0f} mm/yr, ET {s['aet_mm_yr']:.0f} mm/yr, spring runoff "
        f"{s['runoff_mm_yr']:.0f} mm/yr",
        f"  spring DIC {s['dic_mmol_l_flow_weighted']:.2f} mmol/L (flow-weighted), pH {s['spring_ph_median']:.2f}, "
        f"SI calcite {s['spring_si_calcite_median']:+.2f}, log pCO2 {s['spring_log_pco2_median']:.2f}",
        f"  karst carbon sink {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1 = {s['carbon_sink_t_co2_yr']:.1f} t CO2/yr "
        f"(carbonic acid, outlet based)",
        f"  balances: water {s['water_balance_error']:.1e}, carbon {s['carbon_balance_error']:.1e} (relative error)",
    ]
    if s.get("spin_up_days", c.warmup_days) < c.warmup_days:
        lines.append(f"  note: the record is shorter than warmup_days = {c.warmup_days}; the spin-up used all "
                     f"{s['spin_up_days']} days")
    if "metrics" in s:
        m = s["metrics"]["q"]
        lines.append(f"  discharge vs observed ({m['n']} days): KGE {m['kge']:.2f}, NSE {m['nse']:.2f}, "
                     f"log-NSE {m['log_nse']:.2f}, PBIAS {m['pbias']:+.1f} %")
    lines.append(f"  wrote {outdir}/ ({', '.join(p.name for p in paths.values())}) in {dt:.1f} s")
    print("\n".join(lines))
    return 0
