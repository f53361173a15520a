"""``karstmodel scenario``: a catchment with and without the changes of a scenario file, over a parameter ensemble
(argument handling and printing only)."""
from __future__ import annotations

from pathlib import Path

from ..config.catchment import load_catchment, resolve_catchment
from ..io.files import atomic_output_dir, default_output_dir
from .options import count


def register(sub) -> None:
    """The ``scenario`` command and its options."""
    sc = sub.add_parser("scenario", help="baseline vs land-use/management/climate scenario, with uncertainty",
                        description="Run the catchment with and without the changes of SCENARIO (a scenario TOML: "
                        "land-use conversion, soil improvement, irrigation with exogenous water, aquatic plant "
                        "cultivation, carbonate powder, acid inputs, climate deltas) over the same drivers and a "
                        "parameter ensemble; writes baseline, scenario and delta blocks to summary.json.")
    sc.add_argument("catchment", help="catchment file, folder or bundled name")
    sc.add_argument("scenario", help="scenario file (TOML: land-use, management or climate changes)")
    sc.add_argument("--ensemble", type=int, help="ensemble members (default: the scenario file's, else 8)")
    sc.add_argument("--workers", type=int, default=1, help="processes for the ensemble (default 1; -1 = all cores)")
    sc.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>-<scenario>)")
    sc.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    sc.add_argument("--quiet", action="store_true", help="no progress bar")
    sc.set_defaults(func=cmd_scenario)


def cmd_scenario(args) -> int:
    """Run the baseline and the scenario over the ensemble, write the report and print the changes."""
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (karstmodel.cli)
    from ..workflows.report import write_scenario  # deferred: heavy (karstmodel.cli)
    from ..workflows.scenarios import load_scenario, run_scenario, scenario_inputs  # deferred: heavy (karstmodel.cli)
    count(args.ensemble, "--ensemble", lo=0)
    count(args.workers, "--workers", allow=(-1,))
    c = load_catchment(resolve_catchment(args.catchment))
    sc = load_scenario(args.scenario)
    outdir = Path(args.output) if args.output else default_output_dir(f"{c.name}-{sc['name']}")
    with atomic_output_dir(outdir, protect=catchment_inputs(c) + scenario_inputs(sc)) as tmp:
        res = run_scenario(c, sc, ensemble=args.ensemble, workers=args.workers or 1, progress=not args.quiet)
        write_scenario(res, tmp, figures=not args.no_figures)
    s = res["summary"]
    d, u, ind = s["delta"], s["uncertainty"], s["indicators"]
    q = u.get("delta_carbon_sink_tc_km2_yr")
    interval = f" (90 % {q['p05']:+.3f} .. {q['p95']:+.3f}, {u['members']} members)" if q else ""
    print(f"karstmodel scenario: {c.name} / {sc['name']}")
    print(f"  sink {s['baseline']['carbon_sink_tc_km2_yr']:.2f} -> {s['scenario']['carbon_sink_tc_km2_yr']:.2f} "
          f"t C km-2 yr-1: change {d['delta_carbon_sink_tc_km2_yr']:+.3f}{interval}; "
          f"{d['delta_carbon_sink_t_co2_yr']:+.1f} t CO2/yr")
    print(f"  runoff {d['delta_runoff_mm_yr']:+.1f} mm/yr, DIC {d['delta_dic_mmol_l']:+.4f} mmol/L; Zeng index "
          f"{ind['zeng_index']:.2f}, exact criterion {ind['exact_criterion_product']:.4f} "
          f"({'larger' if ind['sink_increases'] else 'smaller'} sink); 90 % of the new level after "
          f"{ind['time_to_90pct_years']} years")
    print(f"  wrote {outdir}/ (summary.json, report.md, figures)")
    return 0
