"""Catchment-model commands for the CLI (argument handling and printing only).

Each command imports its workflow when it runs: the model and the workflows load about a second of scipy and
numba-compiled modules that ``karstmodel --help`` and ``karstmodel speciate`` do not need."""
from __future__ import annotations

import time
from pathlib import Path

from . import grid_cli  # regional runs: karstmodel grid
from .errors import UserError
from ..config.catchment import load_catchment, resolve_catchment
from ..config.period import parse_period
from ..io.files import atomic_output_dir, default_output_dir


def _count(value, option: str, lo: int = 1, allow=()):
    """A whole-number option: ``None`` (not given) passes; below ``lo`` (and not in ``allow``) is refused."""
    if value is None or value in allow:
        return value
    if value < lo:
        extra = f" (or {', '.join(str(a) for a in allow)})" if allow else ""
        raise UserError(f"{option} must be >= {lo}{extra}, got {value}")
    return value


def cmd_run(args) -> int:
    from ..reporting.outputs import catchment_inputs, write_run  # deferred: heavy (module docstring)
    from ..model.simulate import simulate  # deferred: heavy (module docstring)
    t0 = time.perf_counter()
    path = resolve_catchment(args.catchment)
    c = load_catchment(path)
    outdir = Path(args.output) if args.output else default_output_dir(c.name)
    with atomic_output_dir(outdir, protect=catchment_inputs(c)) as tmp:
        result = simulate(c)
        paths = write_run(result, tmp, figures=not args.no_figures)
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


def _print_metrics(summary: dict):
    bench = summary.get("benchmark", {})
    for period, block in summary.get("metrics", {}).items():
        for var, m in block.items():
            line = (f"  {period:<11s} {var:<12s} n={m['n']:<5d} KGE {m['kge']:.3f}  NSE {m['nse']:.3f}  "
                    f"log-NSE {m['log_nse']:.3f}  PBIAS {m['pbias']:+.1f} %")
            b = bench.get(period, {}).get(var)
            if b is not None:
                line += f"   | C-Q rating: KGE {b['kge']:.3f}  NSE {b['nse']:.3f}  PBIAS {b['pbias']:+.1f} %"
            print(line)
    sink = summary.get("carbon_sink_tc_km2_yr")
    if sink is not None and "outlet" in summary and summary.get("accounting", "").startswith("outlet based (gauge"):
        o = summary["outlet"]
        print(f"  sink at the gauge (best fit) {sink:.2f} t C km-2 yr-1; carbonic-acid share of DIC "
              f"{o['carbonic_share_of_dic']:.3f}")


def cmd_validate(args) -> int:
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (module docstring)
    from ..workflows.report import validate_catchment  # deferred: heavy (module docstring)
    from ..workflows.stations.summary import resolve_station_group, summarise_station_group  # deferred: heavy (module docstring)
    from ..workflows.stations import is_station, validate_station  # deferred: heavy (module docstring)
    group = resolve_station_group(args.catchment)
    if group is not None:  # a folder of stations (e.g. thames_tributaries): every station and one table
        res = summarise_station_group(group, Path(args.output) if args.output else None,
                                      figures=not args.no_figures, calibration=args.calibration,
                                      validation=args.validation)
        print(f"karstmodel validate: {len(res['table'])} stations in {group}")
        print(Path(res["files"]["md"]).read_text(encoding="utf-8"))
        print(f"  wrote {res['output_dir']}/ (stations_summary.csv, stations_summary.md, one folder per station)")
        return 0
    path = resolve_catchment(args.catchment)
    if is_station(path):
        summary = validate_station(path, Path(args.output) if args.output else None, figures=not args.no_figures,
                                   calibration=args.calibration, validation=args.validation)
        _print_station(summary, "validate")
        return 0
    c = load_catchment(path)
    outdir = Path(args.output) if args.output else default_output_dir(c.name, "-validate")
    periods = (parse_period(args.calibration, "--calibration"), parse_period(args.validation, "--validation"))
    with atomic_output_dir(outdir, protect=catchment_inputs(c)) as tmp:
        s = validate_catchment(c, tmp, periods, figures=not args.no_figures)
    print(f"karstmodel validate: {c.name}: sink {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1, "
          f"water balance {s['water_balance_error']:.1e}, carbon balance {s['carbon_balance_error']:.1e}")
    _print_metrics(s)
    print(f"  wrote {outdir}/ (summary.json, report.md, figures)")
    return 0


def _print_station(s: dict, verb: str):
    print(f"karstmodel {verb}: station {s['station']} ({s['kind']})")
    for line in s.get("lines", []):
        print("  " + line)
    if "output_dir" in s:
        print(f"  wrote {s['output_dir']}/ (summary.json, report.md, figures)")


def cmd_calibrate(args) -> int:
    from ..workflows.calibration import setup_from_catchment  # deferred: heavy (module docstring)
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (module docstring)
    from ..workflows.report import calibrate_catchment  # deferred: heavy (module docstring)
    from ..workflows.stations import calibrate_station, is_station  # deferred: heavy (module docstring)
    _count(args.maxiter, "--maxiter")
    _count(args.popsize, "--popsize")
    _count(args.workers, "--workers", allow=(-1,))
    _count(args.seed, "--seed", lo=0)
    _count(args.glue_samples, "--glue-samples", lo=10)
    _count(args.sensitivity_n, "--sensitivity-n")
    path = resolve_catchment(args.catchment)
    if is_station(path):
        summary = calibrate_station(path, Path(args.output) if args.output else None, calibration=args.calibration,
                                    validation=args.validation, seed=args.seed, figures=not args.no_figures)
        _print_station(summary, "calibrate")
        return 0
    c = load_catchment(path)
    setup = setup_from_catchment(c, c.calibration, {"objective": args.objective, "calibration": args.calibration,
                                                   "validation": args.validation, "seed": args.seed,
                                                   "maxiter": args.maxiter, "popsize": args.popsize,
                                                   "workers": args.workers})
    outdir = Path(args.output) if args.output else default_output_dir(c.name, "-calibrate")
    with atomic_output_dir(outdir, protect=catchment_inputs(c)) as tmp:
        s = calibrate_catchment(c, setup, tmp, uncertainty=args.uncertainty, glue_samples=args.glue_samples,
                                sensitivity_method=args.sensitivity, sensitivity_n=args.sensitivity_n,
                                figures=not args.no_figures, progress=not args.quiet)
    cal = s["calibration"]
    print(f"karstmodel calibrate: {c.name}: {cal['evaluations']} runs in {cal['seconds']:.0f} s "
          f"(objective {cal['objective']}, seed {cal['seed']})")
    for k, v in cal["parameters"].items():
        print(f"  {k} = {v:.5g}")
    _print_metrics(s)
    if "uncertainty" in s:
        u = s["uncertainty"]["carbon_sink_tc_km2_yr"]
        print(f"  carbon sink {u['median']:.2f} t C km-2 yr-1 (90 % interval {u['p05']:.2f} .. {u['p95']:.2f}, GLUE)")
    print(f"  wrote {outdir}/ (catchment.toml, summary.json, report.md, figures)")
    return 0


def cmd_init(args) -> int:
    from ..workflows.init import init_catchment  # deferred: heavy (module docstring)
    path = init_catchment(args.dir, args.drivers, args.lat, args.lon, args.area_km2, args.observations,
                          args.land_use, args.lithology, args.elevation_m, args.name, args.discharge)
    print(f"karstmodel init: wrote {path} (+ drivers.csv{', observations.csv' if args.observations else ''}); "
          f"next: karstmodel run {args.dir} / karstmodel calibrate {args.dir}")
    return 0


def cmd_scenario(args) -> int:
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (module docstring)
    from ..workflows.report import write_scenario  # deferred: heavy (module docstring)
    from ..workflows.scenarios import load_scenario, run_scenario, scenario_inputs  # deferred: heavy (module docstring)
    _count(args.ensemble, "--ensemble", lo=0)
    _count(args.workers, "--workers", allow=(-1,))
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


def register(sub) -> None:
    r = sub.add_parser("run", help="simulate a catchment (default: the bundled default catchment)",
                       description="Simulate a catchment day by day: discharge, soil CO2, spring chemistry, the karst "
                       "carbon sink with closed water and carbon balances. CATCHMENT is a catchment.toml, a folder "
                       "holding one, or the name of a bundled catchment.")
    r.add_argument("catchment", nargs="?", default=None, help="catchment file, folder or bundled name")
    r.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>)")
    r.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("validate", help="metrics and figures for a catchment or station as it stands",
                       description="Simulate the catchment and compare with its observations (discharge and any "
                       "chemistry columns): KGE, NSE, log-NSE, PBIAS per variable and period, figures, report.md.")
    v.add_argument("catchment", nargs="?", default=None)
    v.add_argument("--calibration", help="calibration period START:END (default: from the catchment file)")
    v.add_argument("--validation", help="validation period START:END (default: from the catchment file)")
    v.add_argument("-o", "--output")
    v.add_argument("--no-figures", action="store_true")
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser("calibrate", help="calibrate parameters against observations (split sample, GLUE bands)",
                       description="Calibrate the parameters declared in [calibration] (or a default set) with "
                       "differential evolution, validate on the validation period, estimate uncertainty (GLUE) and "
                       "optionally sensitivity (SALib). Writes OUTDIR/catchment.toml (runnable) and summary.json.")
    c.add_argument("catchment", nargs="?", default=None)
    c.add_argument("--calibration", help="calibration period START:END")
    c.add_argument("--validation", help="validation period START:END")
    c.add_argument("--objective", choices=["kge", "kge_prime", "nse", "log_nse", "kge_scaled"],
                   help="goodness of fit maximised for every weighted variable (default: the file's [calibration] objective, else kge); kge_scaled weights KGE's bias term by [calibration] kge_scaling")
    c.add_argument("--maxiter", type=int)
    c.add_argument("--popsize", type=int)
    c.add_argument("--seed", type=int)
    c.add_argument("--workers", type=int, help="processes (default 1; -1 = all cores)")
    c.add_argument("--uncertainty", choices=["glue", "none"], default="glue")
    c.add_argument("--glue-samples", type=int, default=2000)
    c.add_argument("--sensitivity", choices=["none", "morris", "sobol"], default="none")
    c.add_argument("--sensitivity-n", type=int, default=10)
    c.add_argument("-o", "--output")
    c.add_argument("--no-figures", action="store_true")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=cmd_calibrate)

    i = sub.add_parser("init", help="scaffold a new catchment folder from your drivers and observations",
                       description="Create DIR with catchment.toml (documented defaults) and copies of the CSVs. "
                       "Drivers CSV: date, precip_mm, temp_c [, pet_mm]; observations CSV: date and q_m3_s or q_mm_d "
                       "and any unit-named chemistry columns.")
    i.add_argument("dir")
    i.add_argument("--drivers", required=True)
    i.add_argument("--observations")
    i.add_argument("--lat", type=float, required=True)
    i.add_argument("--lon", type=float, required=True)
    i.add_argument("--area-km2", type=float, required=True)
    i.add_argument("--elevation-m", type=float, default=0.0)
    i.add_argument("--land-use", help="e.g. forest=0.6,grassland=0.4")
    i.add_argument("--lithology", help="e.g. limestone=0.8,non_carbonate=0.2")
    i.add_argument("--name")
    i.add_argument("--discharge", choices=["spring", "outlet"], default="spring")
    i.set_defaults(func=cmd_init)

    sc = sub.add_parser("scenario", help="baseline vs land-use/management/climate scenario, with uncertainty",
                        description="Run the catchment with and without the changes of SCENARIO (a scenario TOML: "
                        "land-use conversion, soil improvement, irrigation with exogenous water, aquatic plant "
                        "cultivation, carbonate powder, acid inputs, climate deltas) over the same drivers and a "
                        "parameter ensemble; writes baseline, scenario and delta blocks to summary.json.")
    sc.add_argument("catchment")
    sc.add_argument("scenario")
    sc.add_argument("--ensemble", type=int, help="ensemble members (default: the scenario file's, else 8)")
    sc.add_argument("--workers", type=int, default=1)
    sc.add_argument("-o", "--output")
    sc.add_argument("--no-figures", action="store_true")
    sc.add_argument("--quiet", action="store_true")
    sc.set_defaults(func=cmd_scenario)

    grid_cli.register(sub)
