"""``karstmodel calibrate``: calibrate a catchment's or a station's parameters against its observations, with
uncertainty and sensitivity (argument handling and printing only)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..config.catchment import load_catchment, resolve_catchment
from ..io.files import atomic_output_dir, default_output_dir
from .errors import UserError
from ..io.files import owning
from .options import add_overwrite, add_reading, count, no_reading_for_stations, owner, with_reading
from .printing import print_metrics, print_station
from .process import imports_done


def register(sub) -> None:
    """The ``calibrate`` command and its options."""
    c = sub.add_parser("calibrate", help="calibrate parameters against observations (split sample, GLUE bands)",
                       description="Calibrate the parameters declared in [calibration] (or a default set) with "
                       "differential evolution, validate on the validation period, estimate uncertainty (GLUE) and "
                       "optionally sensitivity (SALib). Writes OUTDIR/catchment.toml (runnable) and summary.json.")
    c.add_argument("catchment", nargs="?", default=None,
                   help="catchment or station file, folder or bundled name (default: the bundled default catchment)")
    c.add_argument("--calibration", help="calibration period START:END")
    c.add_argument("--validation", help="validation period START:END")
    c.add_argument("--objective", choices=["kge", "kge_prime", "nse", "log_nse", "kge_scaled"],
                   help="goodness of fit maximised for every weighted variable (default: the file's [calibration] objective, else kge); kge_scaled weights KGE's bias term by [calibration] kge_scaling")
    c.add_argument("--maxiter", type=int,
                   help="differential-evolution generations (default: [calibration] maxiter, else 60)")
    c.add_argument("--popsize", type=int,
                   help="population per parameter (default: [calibration] popsize, else 15)")
    c.add_argument("--seed", type=int, help="random seed, >= 0 (default: [calibration] seed, else 1)")
    c.add_argument("--workers", type=int,
                   help="runs of a generation side by side: threads when only discharge is scored, processes with "
                        "chemistry (default 1; -1 = all cores); more than 1 updates the population once per "
                        "generation, so the search takes another path than with 1")
    c.add_argument("--uncertainty", choices=["glue", "mcmc", "none"], default="glue",
                   help="after the fit: GLUE bands and behavioural parameter sets (informal likelihood), mcmc "
                        "(Bayesian posteriors with a formal likelihood: Box-Cox AR(1) discharge errors, emcee "
                        "sampler, started at the best fit), or none (default glue)")
    c.add_argument("--mcmc-steps", type=int, default=1500,
                   help="MCMC steps per walker, the first half discarded as burn-in (default 1500; the report says "
                        "whether the chain is long enough)")
    c.add_argument("--glue-samples", type=int, help="GLUE Latin-hypercube samples (default 2000)")
    c.add_argument("--glue-threshold", type=float,
                   help="objective value (e.g. KGE) from which a GLUE sample is behavioural (default: [calibration] "
                        "glue_threshold, else 0.5); the report says when it keeps so many samples that it pins "
                        "little down, and which value the best tenth reach")
    c.add_argument("--sensitivity", choices=["none", "morris", "sobol"], default="none",
                   help="global sensitivity analysis with SALib after the fit (default none)")
    c.add_argument("--sensitivity-n", type=int, default=10,
                   help="SALib base sample size: Morris trajectories or Sobol N (default 10)")
    c.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>-calibrate)")
    c.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    c.add_argument("--minutes", type=float,
                   help="wall-clock budget of the parameter search: it stops after the generation in which the "
                        "budget is used up (a staged calibration gives each stage half; GLUE comes on top)")
    c.add_argument("--quick", action="store_true",
                   help="a first look in a minute or two: population 8 per parameter and 20 generations instead of "
                        "15 and 60 (about a fifth of the runs), all cores, GLUE from 300 samples instead of 2000; "
                        "may stop short of the best fit; --maxiter, --popsize, --workers and --glue-samples given "
                        "explicitly win")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    add_overwrite(c)
    add_reading(c)
    c.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    """Calibrate a station or a catchment, write the calibrated catchment and report; print the fit."""
    from ..workflows.calibration import QUICK_PRESET, setup_from_catchment  # deferred: heavy (karstmodel.cli)
    from ..reporting.figure_jobs import default_workers  # deferred: heavy (karstmodel.cli)
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (karstmodel.cli)
    from ..workflows.report import calibrate_catchment, identifiability_lines  # deferred: heavy (karstmodel.cli)
    from ..workflows.stations import calibrate_station, is_station  # deferred: heavy (karstmodel.cli)
    imports_done()
    count(args.maxiter, "--maxiter")
    count(args.popsize, "--popsize")
    count(args.workers, "--workers", allow=(-1,))
    count(args.seed, "--seed", lo=0)
    count(args.glue_samples, "--glue-samples", lo=10)
    count(args.sensitivity_n, "--sensitivity-n")
    count(args.mcmc_steps, "--mcmc-steps", lo=20)
    if args.quick:  # the preset fills what was not given explicitly
        for key, value in QUICK_PRESET.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
    if args.glue_samples is None:
        args.glue_samples = 2000
    path = resolve_catchment(args.catchment)
    if is_station(path):
        no_reading_for_stations(args)
        with owning(owner(args, "calibrate", path)):
            summary = calibrate_station(path, Path(args.output) if args.output else None,
                                        calibration=args.calibration, validation=args.validation, seed=args.seed,
                                        figures=not args.no_figures)
        print_station(summary, "calibrate")
        return 0
    c = with_reading(args, load_catchment(path))
    setup = setup_from_catchment(c, c.calibration, {"objective": args.objective, "calibration": args.calibration,
                                                   "validation": args.validation, "seed": args.seed,
                                                   "maxiter": args.maxiter, "popsize": args.popsize,
                                                   "workers": args.workers,
                                                   "glue_threshold": args.glue_threshold})
    if args.minutes is not None:
        if not args.minutes > 0:
            raise UserError(f"--minutes: must be a number > 0, got {args.minutes:g}")
        setup = replace(setup, time_budget_s=60.0 * args.minutes)
    outdir = Path(args.output) if args.output else default_output_dir(c.name, "-calibrate")
    with atomic_output_dir(outdir, protect=catchment_inputs(c), owner=owner(args, "calibrate", path)) as tmp:
        s = calibrate_catchment(c, setup, tmp, uncertainty=args.uncertainty, glue_samples=args.glue_samples,
                                sensitivity_method=args.sensitivity, sensitivity_n=args.sensitivity_n,
                                figures=not args.no_figures, progress=not args.quiet, mcmc_steps=args.mcmc_steps,
                                figure_workers=0 if args.no_figures else default_workers())
    cal = s["calibration"]
    print(f"karstmodel calibrate: {c.name}: {cal['evaluations']} runs in {cal['seconds']:.0f} s "
          f"(objective {cal['objective']}, seed {cal['seed']})")
    if cal.get("stopped_by_time_budget"):
        print(f"  the search stopped at the time budget ({args.minutes:g} min) before {cal['maxiter']} generations: "
              "a longer budget may find a better fit")
    for k, v in cal["parameters"].items():
        print(f"  {k} = {v:.5g}")
    print_metrics(s)
    print(f"  carbon sink of the best fit {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1")
    if "uncertainty" in s:
        u = s["uncertainty"]["carbon_sink_tc_km2_yr"]
        label = "MCMC posterior median" if args.uncertainty == "mcmc" else "GLUE median"
        print(f"  carbon sink, {label} {u['median']:.2f} t C km-2 yr-1 (90 % interval {u['p05']:.2f} .. "
              f"{u['p95']:.2f})")
        if args.uncertainty == "mcmc":
            m = s["uncertainty"]
            print(f"  MCMC: acceptance {m['acceptance_fraction']:.2f}, chain {m['kept_steps_per_tau']:.0f} "
                  f"autocorrelation times long: {'converged' if m['converged'] else 'NOT converged (more --mcmc-steps)'}"
                  "; observed days in the 90 % band: " + ", ".join(f"{k} {v:.0%}" for k, v in m["coverage_90"].items()))
        for line in identifiability_lines(s["uncertainty"]["identifiability"])[1:]:
            print("  identifiability: " + line[2:])
    print(f"  wrote {outdir}/ (catchment.toml, summary.json, report.html, report.md, figures)")
    print(f"  next: karstmodel validate {outdir / 'catchment.toml'}   (the calibrated catchment, same periods)")
    return 0
