"""Validation and calibration reports: metrics blocks, figures and a Markdown report (no science here)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..accounting import metrics as M
from ..reporting import html, html_sections, plots
from . import chemistry_validation as CV
from .calibration import (CalibrationSetup, calibrate, check_observed_periods, load_station_observations,
                          period_mask, simulated_column)
from ..config.catchment import Catchment, write_catchment
from ..io.drivers import MIN_RECORD_DAYS, Drivers, load_drivers
from ..io.files import _atomic_write, write_csv_atomic, write_json_atomic
from ..io.observations import m3_s_to_mm_d
from ..reporting.figure_jobs import FigureJobs, draw
from ..reporting.outputs import write_run
from ..config.parameters import apply_parameters
from ..config.period import named_periods, period_to_text
from ..model.simulate import outputs_subdaily, simulate
from .calibration import setup_from_catchment
from .sensitivity import sensitivity
from .uncertainty import glue
from .mcmc import mcmc

VARIABLE_LABELS = {"q": "discharge (mm/d)", "dic_mmol_l": "DIC (mmol/L)", "ca_mmol_l": "Ca (mmol/L)",
                   "mg_mmol_l": "Mg (mmol/L)", "hco3_mmol_l": "HCO3- (mmol/L)", "alk_meq_l": "alkalinity (meq/L)",
                   "ph": "pH", "si_calcite": "SI calcite",
                   "log_pco2": "log pCO2 (atm)", "ec_us_cm_est": "EC (uS/cm)"}


def _metrics_table(mets: dict) -> str:
    lines = ["| period | variable | n | KGE | KGE' | NSE | log-NSE | PBIAS % | RMSE |", "|---|---|---|---|---|---|---|---|---|"]
    for period, block in mets.items():
        for var, m in block.items():
            lines.append(f"| {period} | {var} | {m['n']} | {m['kge']:.3f} | {m['kge_prime']:.3f} | {m['nse']:.3f} | "
                         f"{m['log_nse']:.3f} | {m['pbias']:+.1f} | {m['rmse']:.3g} |")
    return "\n".join(lines)


def _simulated_variables(c: Catchment, ts: pd.DataFrame) -> dict:
    sim = {"q": (ts["spring_mm"] if c.observations.discharge == "spring" else ts["outlet_runoff_mm"]).to_numpy()}
    for v in VARIABLE_LABELS:
        col = simulated_column(c, v)
        if v != "q" and col in ts.columns:
            sim[v] = ts[col].to_numpy()
    return sim


def _observed_variables(c: Catchment, obs: pd.DataFrame) -> dict:
    out = {}
    if "q_obs_mm" in obs.columns:
        if obs.attrs.get("q_unit") == "m3_s":
            out["q"] = m3_s_to_mm_d(obs["q_obs_m3_s"].to_numpy(), c.area_km2)
        else:
            out["q"] = obs["q_obs_mm"].to_numpy()
    for v in VARIABLE_LABELS:
        if v != "q" and v in obs.columns and obs[v].notna().any():
            out[v] = obs[v].to_numpy()
    return out


def metrics_block(c: Catchment, ts: pd.DataFrame, obs: pd.DataFrame, periods: dict) -> dict:
    """``metrics`` (docs/interface.md): {period: {variable: {kge, nse, log_nse, pbias, ...}}} for every observed
    variable the model simulates, on the model's daily time base (days with observations only)."""
    sim = _simulated_variables(c, ts)
    ob = _observed_variables(c, obs)
    out = {}
    for name, period in periods.items():
        mask = period_mask(ts.index, period)
        block = {}
        for v, o in ob.items():
            if v in sim and np.isfinite(o[mask]).any():
                block[v] = M.all_metrics(sim[v][mask], o[mask])
        out[name] = block
    return out


def chemistry_blocks(c: Catchment, ts: pd.DataFrame, obs: pd.DataFrame, periods: dict) -> dict:
    """For observed chemistry: the C-Q rating benchmark on the same samples (``benchmark``), C-Q slopes and seasonal
    cycles (``chemistry_behaviour``) and the samples' strong-acid stoichiometry next to the model's carbonic share
    (``strong_acids``); karstmodel.workflows.chemistry_validation. Empty without chemistry observations."""
    sim = _simulated_variables(c, ts)
    ob = {k: v for k, v in _observed_variables(c, obs).items() if k != "q" and k in sim}
    if not ob or "q_obs_m3_s" not in obs.columns:
        return {}
    q_obs = obs["q_obs_m3_s"].to_numpy()
    q_sim = (ts["spring_q_m3_s"] if c.observations.discharge == "spring" else ts["outlet_q_m3_s"]).to_numpy()
    pers = {k: v for k, v in periods.items()}
    out = {"benchmark": CV.rating_benchmark(ts.index, q_obs, ob, pers),
           "chemistry_behaviour": CV.behaviour(ts.index, q_obs, q_sim, sim, ob, pers)}
    acids = CV.acid_stoichiometry(obs)
    if acids is not None:
        gauge = c.observations.discharge == "outlet"
        out["strong_acids"] = {"samples": acids,
                               "model_carbonic_share_of_dic": (ts["outlet_dic_carbonic_mmol_l"] / ts["outlet_dic_mmol_l"]
                                                               if gauge else ts["dic_carbonic_mmol_l"] / ts["dic_mmol_l"]
                                                               ).median()}
    return out


def _figures(c, ts, obs, periods, outdir: Path, bands=None, chem: dict | None = None, jobs=None) -> dict:
    sim = _simulated_variables(c, ts)
    ob = _observed_variables(c, obs)
    figs = {}
    if chem is None:
        chem = chemistry_blocks(c, ts, obs, periods)
    for v, o in ob.items():
        if v not in sim or not np.isfinite(o).any():
            continue
        if v != "q" and v in chem.get("benchmark", {}).get("rating", {}):
            pred = CV.rating_prediction(chem["benchmark"]["rating"][v], obs["q_obs_m3_s"].to_numpy())
            p = outdir / f"chemistry_{v}.png"
            draw(jobs, plots.chemistry_panels, ts.index, sim["q"], ob.get("q", obs["q_obs_mm"].to_numpy()), sim[v],
                 o, pred, {k: v_ for k, v_ in periods.items() if v_ is not None}, VARIABLE_LABELS[v],
                 f"{c.name}: {VARIABLE_LABELS[v]}", path=p)
            figs[f"chemistry_{v}"] = p
        p = outdir / f"obs_vs_sim_{v}.png"
        b = None
        if v == "q" and bands is not None:
            b = (bands["q_p05_mm"].to_numpy(), None, bands["q_p95_mm"].to_numpy())
        draw(jobs, plots.observed_vs_simulated, ts.index, sim[v], o, f"{c.name}: {VARIABLE_LABELS[v]}", path=p,
             ylabel=VARIABLE_LABELS[v], bands=b, periods={k: v_ for k, v_ in periods.items() if v_ is not None})
        figs[f"obs_vs_sim_{v}"] = p
        masks = {k: period_mask(ts.index, per) for k, per in periods.items()}
        if v == "q":
            p3 = outdir / "discharge_diagnostics.png"
            draw(jobs, plots.discharge_diagnostics, ts.index, sim[v], o, masks, f"{c.name}: discharge diagnostics",
                 path=p3, unit="mm/d", flow_duration=M.flow_duration, autocorrelation=M.autocorrelation)
            figs["discharge_diagnostics"] = p3
        p2 = outdir / f"scatter_{v}.png"
        draw(jobs, plots.scatter_one_to_one, sim[v], o, masks, f"{c.name}", path=p2, label=VARIABLE_LABELS[v])
        figs[f"scatter_{v}"] = p2
    return figs


def _write_report(path: Path, title: str, c: Catchment, summary: dict, figs: dict, extra: list[str]):
    lines = [f"# {title}", "", *_warning_lines(summary), f"Catchment `{c.name}` ({c.source}), area {c.area_km2:g} km2, "
             f"period {summary['period']['start']} .. {summary['period']['end']}.", "",
             "## Metrics (daily, days with observations)", "", _metrics_table(summary["metrics"]), "",
             "## Carbon sink and balances", "",
             f"- karst carbon sink {summary['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1 "
             f"({summary['carbon_sink_t_co2_yr']:.1f} t CO2/yr for the catchment), carbonic acid, outlet based",
             f"- runoff {summary['runoff_mm_yr']:.0f} mm/yr, flow-weighted DIC {summary['dic_mmol_l_flow_weighted']:.3f} mmol/L",
             f"- water balance error {summary['water_balance_error']:.1e}, carbon balance error "
             f"{summary['carbon_balance_error']:.1e}"]
    if "flux_mode" in summary:
        fm = summary["flux_mode"]
        lines.append(f"- observation-based sink (observed discharge x modelled DIC, Zeng et al. 2019): "
                     f"{fm['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1")
    if "benchmark" in summary:
        lines += ["", "## Benchmark: concentration-discharge rating on the same samples", "",
                  summary["benchmark"]["form"] + ".", "",
                  "| period | variable | model KGE | rating KGE | model PBIAS % | rating PBIAS % |", "|---|---|---|---|---|---|"]
        for period, block in summary["benchmark"].items():
            if period in ("form", "rating"):
                continue
            for var, b in block.items():
                m = summary["metrics"].get(period, {}).get(var)
                if m is not None:
                    lines.append(f"| {period} | {var} | {m['kge']:.3f} | {b['kge']:.3f} | {m['pbias']:+.1f} | "
                                 f"{b['pbias']:+.1f} |")
    lines += [""] + extra + ["", "## Figures", ""]
    lines += [f"![{k}]({p.name})" for k, p in figs.items()]
    text = "\n".join(lines) + "\n"
    _atomic_write(path, lambda fh: fh.write(text))


FULL_RECORD = "full record (no split)"


def validate_catchment(c: Catchment, outdir, periods: tuple = (None, None), figures: bool = True,
                       warnings: tuple = (), figure_workers: int = 0) -> dict:
    """Metrics and figures for the catchment as it stands; writes summary.json (with ``metrics``), run outputs,
    figures, report.md and report.html into ``outdir``. Returns the summary. Without a calibration or validation
    period the metrics are labelled ``FULL_RECORD`` ("full record (no split)": not a split-sample validation) and cover the
    days after the first ``warmup_days`` (the spin-up, whose states are not yet independent of the start state).

    Parameters
    ----------
    c : Catchment
        The catchment with its observations.
    outdir : str or path
        Output folder (summary.json, run outputs, figures, report.md, report.html).
    periods : tuple, default (None, None)
        Calibration and validation periods (``"YYYY-MM-DD:YYYY-MM-DD"``) overriding the catchment file's
        ``[calibration]`` periods; None keeps the file's.
    figures : bool, default True
        Draw the figures (PNG).
    warnings : tuple of str, default ()
        Warnings for the reader (e.g. the file was never calibrated): in summary.json (``warnings``) and at the top
        of report.md and report.html.
    figure_workers : int, default 0
        Processes that draw the figures while the validation goes on (:mod:`karstmodel.reporting.figure_jobs`;
        0: drawn here, one after the other). The files are the same either way.

    Returns
    -------
    dict
        The run summary (docs/interface.md) with ``metrics`` per period and variable, the chemistry blocks,
        ``metrics_periods``, ``warnings`` (when given) and ``outputs`` (the files written).
    """
    outdir = Path(outdir)
    setup = setup_from_catchment(c, c.calibration, {"calibration": periods[0], "validation": periods[1]})
    # the figure server starts now and loads matplotlib while the catchment runs
    with FigureJobs(figure_workers if figures else 0) as jobs:
        summary, paths, figs = _validate(c, outdir, setup, figures, warnings, jobs)
    paths["report"] = outdir / "report.html"
    summary["outputs"] = {k: Path(v).name for k, v in {**paths, **figs}.items()}
    write_json_atomic(summary, outdir / "summary.json")
    _write_report(outdir / "report.md", f"Validation of {c.name}", c, summary, figs, [])
    _write_html(paths["report"], f"Validation of {c.name}", c, summary, {**figs, **paths})
    return summary


def _validate(c: Catchment, outdir: Path, setup: CalibrationSetup, figures: bool, warnings: tuple, jobs):
    """The run, its metrics and chemistry blocks, its files and figures (drawn through ``jobs``): (summary, paths
    of the run's files, paths of the validation figures)."""
    # the reaches' bar, only when they run long; their sub-daily rows that the outputs write
    result = simulate(c, progress=True, reach_subdaily=outputs_subdaily(c))
    obs = load_station_observations(c, result.timeseries.index)
    pers = named_periods(setup.calibration_period, setup.validation_period)
    if pers == {"validation": None}:  # no split: score the record after the spin-up, and say so
        idx = result.timeseries.index
        pers = {FULL_RECORD: (idx[c.warmup_days], None) if c.warmup_days < len(idx) else None}
    if np.isfinite(obs["q_obs_mm"].to_numpy(dtype=float)).any():
        check_observed_periods(c, result.timeseries.index, obs, pers, ("q",))
    summary = dict(result.summary)
    summary["metrics"] = metrics_block(c, result.timeseries, obs, pers)
    summary.update(chemistry_blocks(c, result.timeseries, obs, pers))
    summary["metrics_periods"] = {k: [str(a.date()) if a is not None else None for a in v] if v else None
                                  for k, v in pers.items()}
    if warnings:
        summary["warnings"] = list(warnings)
    result.summary = summary
    paths = write_run(result, outdir, figures=figures, report=False, jobs=jobs)
    figs = _figures(c, result.timeseries, obs, dict(pers), outdir, chem=summary, jobs=jobs) if figures else {}
    return summary, paths, figs


def _warning_lines(summary: dict) -> list:
    """report.md lines of the summary's ``warnings`` (none: no lines)."""
    return [f"**Warning:** {w}" for w in summary.get("warnings", [])] + ([""] if summary.get("warnings") else [])


def _write_html(path: Path, title: str, c: Catchment, summary: dict, figs: dict, extra=()):
    """report.html (karstmodel.reporting.html): metrics, ``extra`` sections, sink and balances, figures,
    provenance."""
    warn = (html.Section("Warnings", tuple(summary["warnings"])),) if summary.get("warnings") else ()
    sections = [*warn, html_sections.metrics_section(summary), *extra, html_sections.sink_section(summary),
                html_sections.figures_section(figs)]
    html.write_report_html(path, title, [x for x in sections if x is not None],
                           html.provenance(html.catchment_inputs(c), c.chemistry.database), subtitle=str(c.source or ""))


def _with_prior(posterior: pd.DataFrame, parameters, seed: int, n: int = 2000) -> pd.DataFrame:
    """MCMC draws (``behavioural`` True) stacked on a Latin-hypercube sample of the uniform prior (``prior`` True,
    weight 0) in the frame :func:`karstmodel.reporting.plots.parameter_posteriors` draws."""
    lo = np.array([p.search_bounds[0] for p in parameters])
    hi = np.array([p.search_bounds[1] for p in parameters])
    u = lo + qmc.LatinHypercube(d=len(lo), seed=seed).random(n) * (hi - lo)
    prior = pd.DataFrame({p.name: [p.from_search(v) for v in u[:, i]] for i, p in enumerate(parameters)})
    prior["weight"], prior["behavioural"], prior["prior"] = 0.0, False, True
    post = posterior[[p.name for p in parameters] + ["weight"]].copy()
    post["behavioural"], post["prior"] = True, False
    return pd.concat([prior, post], ignore_index=True)


def identifiability_lines(ident: dict) -> list:
    """Markdown lines naming the parameters the observations did not pin down (GLUE posterior as wide as the prior,
    or at a bound of the search range) and the pairs that trade off
    (:func:`karstmodel.workflows.uncertainty.identifiability`)."""
    pars = ident["parameters"]
    flat = [k for k, v in pars.items() if not v["identified"]]
    bound = [f"{k} ({v['at_bound']})" for k, v in pars.items() if v["at_bound"]]
    lines = ["Identifiability (" + ident["rule"] + "):",
             f"- not identified: {', '.join(flat) if flat else 'none'}",
             f"- at a bound of the search range: {', '.join(bound) if bound else 'none'}",
             "- correlated pairs: " + (", ".join(f"{a} ~ {b} (r = {r:+.2f})" for a, b, r in ident["correlated_pairs"])
                                       if ident["correlated_pairs"] else "none")]
    if ident.get("note"):
        lines.append(f"- note: {ident['note']}")
    return lines


def calibrate_catchment(c: Catchment, setup: CalibrationSetup, outdir, uncertainty: str = "glue",
                        glue_samples: int = 2000, glue_threshold: float | None = None, sensitivity_method: str = "none",
                        sensitivity_n: int = 10, figures: bool = True, progress: bool = True,
                        mcmc_steps: int = 1500, figure_workers: int = 0) -> dict:
    """Calibrate, validate on the split-sample period, quantify uncertainty (GLUE, or MCMC with a formal likelihood:
    ``uncertainty="mcmc"``, :mod:`karstmodel.workflows.mcmc`) and sensitivity (SALib), and
    write ``summary.json`` (``metrics`` block), ``catchment.toml`` (the calibrated catchment, runnable),
    ``parameters.csv``, run outputs, figures, ``report.md`` and ``report.html`` into ``outdir``.

    Parameters
    ----------
    c : Catchment
        The catchment with its observations.
    setup : CalibrationSetup
        Parameters, objective, periods and search settings
        (:func:`karstmodel.workflows.calibration_setup.setup_from_catchment`).
    outdir : str or path
        Output folder.
    uncertainty : {"glue", "mcmc", "none"}, default "glue"
        GLUE (Beven & Binley 1992) bands and sink interval after the search, MCMC with a formal likelihood
        (:mod:`karstmodel.workflows.mcmc`), or none.
    glue_samples : int, default 2000
        Parameter sets sampled (Latin hypercube) for GLUE.
    glue_threshold : float, optional
        Objective value (e.g. KGE) at or above which a set is behavioural; default ``setup.glue_threshold``
        (``[calibration] glue_threshold``, else 0.5).
    sensitivity_method : {"none", "morris", "sobol"}, default "none"
        SALib sensitivity analysis of the calibrated catchment.
    sensitivity_n : int, default 10
        SALib base sample size (trajectories for Morris).
    figures : bool, default True
        Draw the figures (PNG).
    progress : bool, default True
        Progress bars with ETA on stderr.
    mcmc_steps : int, default 1500
        Steps of each MCMC walker (``uncertainty="mcmc"``).
    figure_workers : int, default 0
        Processes that draw the figures (:mod:`karstmodel.reporting.figure_jobs`; 0: drawn here). The files are the
        same either way.

    Returns
    -------
    dict
        The calibrated run's summary with ``metrics`` (calibration and validation periods), ``calibration``
        (parameters, bounds, loss, runs), ``uncertainty`` and ``sensitivity`` blocks where computed.
    """
    outdir = Path(outdir)
    data = load_drivers(c.drivers, c.latitude, c.start, c.end, min_days=MIN_RECORD_DAYS).data
    obs = load_station_observations(c, data.index)
    cal = calibrate(c, setup, data=data, observations=obs, progress=progress)
    best = cal.catchment
    drivers = Drivers(data=data, filled={}, source=str(c.drivers.file))
    # the reaches' bar only when they run long; their sub-daily rows that the outputs write
    result = simulate(best, drivers=drivers, progress=progress, reach_subdaily=outputs_subdaily(best))
    pers = named_periods(setup.calibration_period, setup.validation_period)
    if "calibration" not in pers:
        pers = {"calibration": None, **{k: v for k, v in pers.items() if k != "validation" or v is not None}}
    summary = dict(result.summary)
    summary["metrics"] = metrics_block(best, result.timeseries, obs, pers)
    summary.update(chemistry_blocks(best, result.timeseries, obs, pers))
    summary["calibration"] = {
        "objective": setup.objective, "weights": setup.weights, "optimiser": "scipy.optimize.differential_evolution",
        "seed": setup.seed, "maxiter": setup.maxiter, "popsize": setup.popsize, "workers": setup.workers,
        "evaluations": cal.n_evaluations, "seconds": cal.seconds, "best_loss": cal.loss,
        "time_budget_s": setup.time_budget_s, "stopped_by_time_budget": cal.stopped_by_budget,
        "parameters": cal.parameters,
        "bounds": {p.name: [p.lower, p.upper, p.transform] for p in setup.parameters + setup.chemistry_parameters},
        "periods": {k: [str(a.date()) if a is not None else None for a in v] if v else None for k, v in pers.items()},
    }
    if cal.pareto_front:
        summary["calibration"]["pareto_front"] = cal.pareto_front
    if cal.stages:
        summary["calibration"]["stages"] = cal.stages
    outdir.mkdir(parents=True, exist_ok=True)
    bands = None
    extra = ["## Calibration", "", f"Differential evolution (scipy), objective {setup.objective}, "
             f"{cal.n_evaluations} model runs in {cal.seconds:.0f} s, seed {setup.seed}.", "",
             "| parameter | value | bounds |", "|---|---|---|"]
    extra += [f"| {k} | {v:.5g} | {summary['calibration']['bounds'][k][0]:.3g} .. "
              f"{summary['calibration']['bounds'][k][1]:.3g} ({summary['calibration']['bounds'][k][2]}) |"
              for k, v in cal.parameters.items()]
    figs = {}
    glue_thr = setup.glue_threshold if glue_threshold is None else float(glue_threshold)
    # figures drawn in worker processes; their server loads matplotlib while the uncertainty runs
    with FigureJobs(figure_workers if figures else 0) as jobs:
        if uncertainty == "glue":
            # a staged calibration: GLUE over the hydrological parameters with the calibrated chemistry parameters
            chem = {p.name: cal.parameters[p.name] for p in setup.chemistry_parameters if p.name in cal.parameters}
            g = glue(apply_parameters(c, chem) if chem else c, setup, data, obs, n_samples=glue_samples,
                     threshold=glue_thr, seed=setup.seed, workers=setup.workers, progress=progress)
            summary["uncertainty"] = {"method": "GLUE (Beven & Binley 1992), Latin hypercube sampling", **g.summary}
            bands = g.q_bands
            write_csv_atomic(g.samples, outdir / "glue_samples.csv", float_format="%.6g")
            extra += ["", "## Uncertainty (GLUE)", "",
                      f"{g.summary['n_behavioural']} behavioural of {g.summary['n_samples']} sets "
                      f"({setup.objective} >= {g.summary['threshold_used']:.3f}"
                      f"{', fallback to the best sets' if g.fallback else ''}).",
                      f"Carbon sink median {g.summary['carbon_sink_tc_km2_yr']['median']:.2f} t C km-2 yr-1, 90 % interval "
                      f"{g.summary['carbon_sink_tc_km2_yr']['p05']:.2f} .. {g.summary['carbon_sink_tc_km2_yr']['p95']:.2f} "
                      f"({g.summary['n_full_runs']} full runs).", "", *identifiability_lines(g.summary["identifiability"])]
            if figures:
                p = outdir / "parameter_posteriors.png"
                draw(jobs, plots.parameter_posteriors, g.samples, [q.name for q in setup.parameters],
                     f"{c.name}: GLUE posteriors", path=p, log_names={q.name for q in setup.parameters
                                                                      if q.transform == "log"})
                figs["parameter_posteriors"] = p
        elif uncertainty == "mcmc":
            chem = {p.name: cal.parameters[p.name] for p in setup.chemistry_parameters if p.name in cal.parameters}
            m = mcmc(apply_parameters(c, chem) if chem else c, setup, data, obs,
                     {p.name: cal.parameters[p.name] for p in setup.parameters}, n_steps=mcmc_steps, seed=setup.seed,
                     validation_period=setup.validation_period, progress=progress)
            summary["uncertainty"] = {"method": "Bayesian, formal likelihood (Box-Cox AR(1) residuals), emcee ensemble "
                                                "sampler (Foreman-Mackey et al. 2013)", **m.summary}
            bands = m.q_bands
            write_csv_atomic(m.samples, outdir / "mcmc_samples.csv", float_format="%.6g")
            ms = m.summary
            cov = ", ".join(f"{k} {v:.0%}" for k, v in ms["coverage_90"].items())
            extra += ["", "## Uncertainty (MCMC, formal likelihood)", "",
                      f"{ms['n_walkers']} walkers x {ms['n_steps']} steps (first {ms['burn_in']} discarded), acceptance "
                      f"{ms['acceptance_fraction']:.2f}; largest autocorrelation time {ms['autocorr_time_max_steps']:.0f} "
                      f"steps: the kept chain is {ms['kept_steps_per_tau']:.0f} of them long, "
                      + ("converged" if ms["converged"] else "NOT converged: run more steps (--mcmc-steps)")
                      + f" ({ms['convergence_rule']}).",
                      f"Error model: Box-Cox lambda {ms['error_model']['box_cox_lambda']}, AR(1) phi "
                      f"{ms['error_model']['phi']['median']:.3f}, sigma {ms['error_model']['sigma']['median']:.4f}. "
                      f"Observed days inside the 90 % predictive band: {cov} (about 90 % when the error model fits).",
                      f"Carbon sink median {ms['carbon_sink_tc_km2_yr']['median']:.2f} t C km-2 yr-1, 90 % interval "
                      f"{ms['carbon_sink_tc_km2_yr']['p05']:.2f} .. {ms['carbon_sink_tc_km2_yr']['p95']:.2f} "
                      f"({ms['n_full_runs']} full runs).", "", *identifiability_lines(ms["identifiability"])]
            if figures:
                p = outdir / "parameter_posteriors.png"
                draw(jobs, plots.parameter_posteriors, _with_prior(m.samples, setup.parameters, setup.seed),
                     [q.name for q in setup.parameters], f"{c.name}: MCMC posteriors", path=p,
                     posterior_label="posterior (MCMC)",
                     log_names={q.name for q in setup.parameters if q.transform == "log"})
                figs["parameter_posteriors"] = p
        if sensitivity_method != "none":
            sres = sensitivity(best, setup.parameters, data, method=sensitivity_method, n=sensitivity_n, seed=setup.seed,
                               workers=setup.workers, progress=progress)
            summary["sensitivity"] = {k: v for k, v in sres.items() if k not in ("samples", "outputs")}
            extra += ["", f"## Sensitivity ({sensitivity_method}, SALib, {sres['n_runs']} runs)", ""]
            if figures:
                p = outdir / "sensitivity.png"
                draw(jobs, plots.sensitivity_bars, sres, f"{c.name}: sensitivity ({sensitivity_method})", path=p)
                figs["sensitivity"] = p
        result.summary = summary
        paths = write_run(result, outdir, figures=figures, report=False, jobs=jobs)
        if figures:
            figs.update(_figures(best, result.timeseries, obs, pers, outdir, bands, chem=summary, jobs=jobs))
    # the calibrated file records how it was calibrated: the periods, objective and search settings actually used
    # (command-line options included), so that `validate` on it scores the same split
    used = {"objective": setup.objective, "seed": setup.seed, "maxiter": setup.maxiter, "popsize": setup.popsize}
    if uncertainty == "glue":
        used["glue_threshold"] = glue_thr
    for key, period in (("calibration_period", setup.calibration_period),
                        ("validation_period", setup.validation_period)):
        if period is not None:
            used[key] = period_to_text(period)
    write_catchment(replace(best, calibration={**best.calibration, **used}), outdir / "catchment.toml")
    pd_params = pd.DataFrame([{"parameter": k, "value": v} for k, v in cal.parameters.items()])
    write_csv_atomic(pd_params, outdir / "parameters.csv")
    paths["report"] = outdir / "report.html"
    summary["outputs"] = {k: Path(v).name for k, v in {**paths, **figs}.items()}
    summary["outputs"]["catchment"] = "catchment.toml"
    write_json_atomic(summary, outdir / "summary.json")
    _write_report(outdir / "report.md", f"Calibration and validation of {c.name}", best, summary, figs, extra)
    more = [html_sections.calibration_section(summary["calibration"])]
    if "uncertainty" in summary:
        more.append(html_sections.uncertainty_section(summary["uncertainty"]))
    _write_html(paths["report"], f"Calibration and validation of {c.name}", c, summary, {**figs, **paths}, more)
    return summary


def write_scenario(result: dict, outdir, figures: bool = True) -> dict:
    """Write ``summary.json`` (baseline / scenario / delta blocks; ``provenance``: every input file, the catchment's
    and the scenario's, and the PHREEQC database with size and SHA-256, :func:`karstmodel.reporting.html.provenance`),
    ``annual_sink.csv``, ``carbon_balance.csv``
    (baseline, scenario and change of every carbon-balance term and the soil DIC leaching, t C km-2 yr-1),
    ``ensemble.csv``, the runs' ``timeseries_*.csv`` and the figures (sink with bands, decomposition, scorecard),
    report.md and the self-contained report.html (karstmodel.reporting.html)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    s = result["summary"]
    c = result["catchment"]
    paths = {"summary": outdir / "summary.json", "annual": outdir / "annual_sink.csv"}
    ann = result["annual"].reset_index().rename(columns={"date": "year", "index": "year"})
    write_csv_atomic(ann, paths["annual"], float_format="%.6g")
    if len(result["ensemble"]):
        paths["ensemble"] = outdir / "ensemble.csv"
        write_csv_atomic(result["ensemble"], paths["ensemble"], float_format="%.6g")
    for key in ("baseline", "scenario"):
        ts = result[key].timeseries.reset_index()
        ts["date"] = ts["date"].dt.strftime("%Y-%m-%d")
        p = outdir / f"timeseries_{key}.csv"
        write_csv_atomic(ts, p, float_format="%.8g")
        paths[f"timeseries_{key}"] = p
    d, u, ind = s["delta"], s["uncertainty"], s["indicators"]
    b, sc = s["baseline"], s["scenario"]
    if "carbon_balance_tc_km2_yr" in b and "carbon_balance_tc_km2_yr" in sc:
        terms = {"soil_dic_leaching_tc_km2_yr": (b["soil_dic_leaching_tc_km2_yr"], sc["soil_dic_leaching_tc_km2_yr"])}
        terms.update({k: (v, sc["carbon_balance_tc_km2_yr"][k]) for k, v in b["carbon_balance_tc_km2_yr"].items()})
        cbt = pd.DataFrame([{"term": k, "baseline": x, "scenario": y, "change": y - x} for k, (x, y) in terms.items()])
        paths["carbon_balance"] = outdir / "carbon_balance.csv"
        write_csv_atomic(cbt, paths["carbon_balance"], float_format="%.8g")

    def iv(key, unit_fmt="{:+.2f}"):
        q = u.get(key)
        if not q:
            return ""
        return f"[{unit_fmt.format(q['lo'])}, {unit_fmt.format(q['hi'])}]"

    q_sink = u.get("delta_carbon_sink_tc_km2_yr")
    iv_head = "interval of the change" + (f" ({q_sink['kind']})" if q_sink else "")
    zeng = f"{ind['zeng_index']:.2f}" if ind["zeng_index"] is not None else "not defined"
    settle = ind["new_state"]
    rows = [["indicator", "baseline", "scenario", "change", iv_head],
            ["sink (t C km-2 yr-1)", f"{b['carbon_sink_tc_km2_yr']:.2f}", f"{sc['carbon_sink_tc_km2_yr']:.2f}",
             f"{d['delta_carbon_sink_tc_km2_yr']:+.3f} ({ind['change_label']})", iv("delta_carbon_sink_tc_km2_yr", "{:+.3f}")],
            ["sink (t CO2/yr, catchment)", f"{b['carbon_sink_t_co2_yr']:.1f}", f"{sc['carbon_sink_t_co2_yr']:.1f}",
             f"{d['delta_carbon_sink_t_co2_yr']:+.1f}", iv("delta_carbon_sink_t_co2_yr", "{:+.1f}")],
            ["runoff (mm/yr)", f"{b['runoff_mm_yr']:.0f}", f"{sc['runoff_mm_yr']:.0f}", f"{d['delta_runoff_mm_yr']:+.1f}",
             iv("delta_runoff_mm_yr", "{:+.1f}")],
            ["DIC (mmol/L, flow-weighted)", f"{b['dic_mmol_l_flow_weighted']:.3f}",
             f"{sc['dic_mmol_l_flow_weighted']:.3f}", f"{d['delta_dic_mmol_l']:+.4f}", iv("delta_dic_mmol_l", "{:+.4f}")],
            ["Zeng index I; exact (1+a)(1-b)", "", "", f"{zeng}; {ind['exact_criterion_product']:.4f}",
             f"P(sink increases) = {u.get('probability_sink_increases', float('nan')):.2f}"],
            ["time to 90 % of new level (yr)", "", "", f"{ind['time_to_90pct_years']}", ""],
            ["new state reached (year)", "", "", f"{settle['year'] if settle['reached'] else 'not shown'}", ""]]
    if "soil_dic_leaching_tc_km2_yr" in b:
        rows.insert(4, ["soil DIC leaching (t C km-2 yr-1)", f"{b['soil_dic_leaching_tc_km2_yr']:.2f}",
                        f"{sc['soil_dic_leaching_tc_km2_yr']:.2f}", f"{d['delta_soil_dic_leaching_tc_km2_yr']:+.3f}",
                        iv("delta_soil_dic_leaching_tc_km2_yr", "{:+.3f}")])
        rows.insert(5, ["carbon balance error (share of inputs)", f"{b['carbon_balance_error']:.1e}",
                        f"{sc['carbon_balance_error']:.1e}", "", ""])
    if "fate_change" in d:
        rows.append(["stability (share not degassed)", f"{b['fate']['stability']:.3f}", f"{sc['fate']['stability']:.3f}",
                     f"{d['fate_change']['stability']:+.4f}", ""])
        rows.append(["aquatic organic carbon share", f"{b['fate']['aquatic_organic_carbon']:.4f}",
                     f"{sc['fate']['aquatic_organic_carbon']:.4f}", f"{d['fate_change']['aquatic_organic_carbon']:+.4f}", ""])
    figs = {}
    if figures:
        figs = {"sink": outdir / "scenario_sink.png", "decomposition": outdir / "scenario_decomposition.png",
                "scorecard": outdir / "scorecard.png"}
        plots.scenario_sink(result["annual"], result["bands"], f"{c.name}: {s['scenario']['name']}", figs["sink"],
                            ind["change_start_year"])  # bands: 5-95 % from >= 20 members, else min-max
        plots.scenario_decomposition(ind["decomposition"], d.get("fate_change"),
                                     f"{c.name}: {s['scenario']['name']}: decomposition of the change",
                                     figs["decomposition"])
        plots.scorecard(rows, f"{c.name}: {s['scenario']['name']}", figs["scorecard"])
        paths.update(figs)
    paths["report"] = outdir / "report.html"
    s["outputs"] = {k: Path(v).name for k, v in paths.items()}
    # every input with its SHA-256: the catchment's files (as for run and calibrate) and the scenario's own
    inputs = html.catchment_inputs(c) + list(result.get("scenario_files")
                                             or [("scenario file", s["scenario"].get("file") or None)])
    prov = html.provenance(inputs, c.chemistry.database)
    s["provenance"] = {"inputs": prov["inputs"], "database": prov["database"]}
    write_json_atomic(s, paths["summary"])
    table = "\n".join("| " + " | ".join(r) + " |" for r in [rows[0], ["---"] * len(rows[0])] + rows[1:])
    side = s["side_effects"]
    text = "\n".join([f"# Scenario {s['scenario']['name']} for {c.name}", "", s["scenario"].get("description", ""), "",
                      table, "", "## Side effects", "",
                      f"- runoff change {side['runoff_change_mm_yr']:+.1f} mm/yr "
                      f"({side['runoff_change_m3_yr']:+.3g} m3/yr for the catchment)",
                      f"- change of the carbonic share of DIC {side['carbonic_share_change']:+.4f}",
                      f"- ET change {side['aet_change_mm_yr']:+.1f} mm/yr; irrigation {side['irrigation_mm_yr']:.1f} mm/yr",
                      "", f"Uncertainty: {u['members']} ensemble members ({u['source']}); intervals: "
                      f"{u.get('interval_rule', '')}.", "",
                      f"Zeng's index: {ind.get('zeng_index_note') or zeng}. New state: {settle['note']}.", ""]
                     + [f"**Warning:** {w}" for w in s.get("warnings", [])] + ["",
                      "## Figures", ""] + [f"![{k}]({Path(p).name})" for k, p in figs.items()]) + "\n"
    _atomic_write(outdir / "report.md", lambda fh: fh.write(text))
    notes = [f"Runoff change {side['runoff_change_mm_yr']:+.1f} mm/yr ({side['runoff_change_m3_yr']:+.3g} m3/yr for the "
             f"catchment); change of the carbonic share of DIC {side['carbonic_share_change']:+.4f}; ET change "
             f"{side['aet_change_mm_yr']:+.1f} mm/yr; irrigation {side['irrigation_mm_yr']:.1f} mm/yr.",
             f"Uncertainty: {u['members']} ensemble members ({u['source']}); intervals: {u.get('interval_rule', '')}.",
             f"Zeng's index: {ind.get('zeng_index_note') or zeng}. New state: {settle['note']}."]
    notes += [f"Warning: {w}" for w in s.get("warnings", [])]
    html.write_report_html(paths["report"], f"Scenario {s['scenario']['name']} for {c.name}",
                           html_sections.scenario_sections(s, rows, notes) + [html_sections.figures_section(figs)],
                           prov, subtitle=str(c.source or ""))
    return paths
