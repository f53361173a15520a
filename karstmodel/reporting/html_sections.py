"""The sections of the HTML reports (:mod:`karstmodel.reporting.html`), made from a run's, validation's,
calibration's or scenario's ``summary.json`` dict: carbon sink and balances, metrics, benchmark, calibrated
parameters, GLUE and identifiability, scenario scorecard, figures. Formatting only, no science."""
from __future__ import annotations

import math
from pathlib import Path

from .html import Section, Table

#: figure captions by output key (other keys are shown with their own name)
CAPTIONS = {"hydrograph": "precipitation and discharge (mm/d; m3/s on the right axis)",
            "chemograph": "simulated water chemistry with the observed samples (points, same units)",
            "soil_pco2": "soil-air pCO2 by hydrotope", "sink_monthly": "monthly karst carbon sink by source",
            "reaches_diel": "diel cycle in the reaches", "fate": "fate of the karst DIC below the spring",
            "reaches_metabolism": "daily metabolism of the reaches",
            "discharge_diagnostics": "discharge diagnostics: flow duration curves, log-Q, residuals",
            "parameter_posteriors": "GLUE: behavioural parameter sets over the prior sample",
            "sensitivity": "global sensitivity (SALib)", "sink": "annual carbon sink, baseline and scenario",
            "decomposition": "decomposition of the sink change", "scorecard": "scenario scorecard"}


def _num(v, fmt: str = "{:.3g}") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return fmt.format(v)


def figures_section(figs: dict, title: str = "Figures") -> Section | None:
    """Every PNG of ``figs`` (output key -> path) with its caption, in the order given; None without figures."""
    items = tuple((CAPTIONS.get(k, k.replace("_", " ")), Path(p)) for k, p in figs.items()
                  if str(p).endswith(".png"))
    return Section(title, figures=items) if items else None


def sink_section(s: dict) -> Section:
    """The karst carbon sink, water budget terms, spring or gauge chemistry and the balance errors of a run."""
    rows = [("karst carbon sink (carbonic acid)", _num(s["carbon_sink_tc_km2_yr"], "{:.2f}"), "t C km-2 yr-1"),
            ("karst carbon sink, whole catchment", _num(s["carbon_sink_t_co2_yr"], "{:.1f}"), "t CO2 yr-1")]
    if "flux_mode" in s:
        rows.append(("observation-based sink (observed discharge x modelled DIC)",
                     _num(s["flux_mode"]["carbon_sink_tc_km2_yr"], "{:.2f}"), "t C km-2 yr-1"))
    for k, v in (s.get("carbon_sink_by_source_tc_km2_yr") or {}).items():
        rows.append((f"sink from {k}", _num(v, "{:.2f}"), "t C km-2 yr-1"))
    rows += [("precipitation", _num(s.get("precip_mm_yr"), "{:.0f}"), "mm yr-1"),
             ("actual evapotranspiration", _num(s.get("aet_mm_yr"), "{:.0f}"), "mm yr-1"),
             ("spring runoff", _num(s.get("runoff_mm_yr"), "{:.0f}"), "mm yr-1"),
             ("spring DIC, flow-weighted", _num(s.get("dic_mmol_l_flow_weighted"), "{:.3f}"), "mmol L-1")]
    if "outlet_runoff_mm_yr" in s:
        rows += [("runoff at the outlet (spring + other water)", _num(s["outlet_runoff_mm_yr"], "{:.0f}"), "mm yr-1"),
                 ("outlet DIC, flow-weighted", _num(s.get("outlet_dic_mmol_l_flow_weighted"), "{:.3f}"), "mmol L-1")]
    for key, label, fmt in (("spring_ph_median", "spring pH, median", "{:.2f}"),
                            ("spring_si_calcite_median", "spring SI calcite, median", "{:+.3f}"),
                            ("spring_log_pco2_median", "spring log pCO2, median", "{:.2f}"),
                            ("groundwater_temp_c", "groundwater temperature", "{:.1f}"),
                            ("soil_respiration_gc_m2_yr", "soil respiration", "{:.0f}")):
        if key in s:
            rows.append((label, _num(s[key], fmt), {"groundwater_temp_c": "C", "soil_respiration_gc_m2_yr":
                                                     "g C m-2 yr-1", "spring_log_pco2_median": "log10 atm"}.get(key, "")))
    rows += [("water balance error", _num(s.get("water_balance_error"), "{:.1e}"), "share of inputs"),
             ("carbon balance error", _num(s.get("carbon_balance_error"), "{:.1e}"), "share of inputs")]
    if "fate" in s:
        for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed"):
            if k in s["fate"]:
                rows.append((f"reaches: fate of karst DIC, {k.replace('_', ' ')}", _num(100 * s["fate"][k], "{:.1f}"),
                             "%"))
    paras = []
    if "carbon_sink_definition" in s:
        paras.append(str(s["carbon_sink_definition"]))
    per = s.get("period", {})
    if per:
        paras.append(f"Period {per.get('start')} .. {per.get('end')} ({per.get('days')} days), area "
                     f"{_num(s.get('area_km2'), '{:g}')} km2; chemistry {s.get('chemistry_backend', '')} with "
                     f"{s.get('database', '')}.")
    return Section("Carbon sink and balances", tuple(paras), (Table(("quantity", "value", "unit"), tuple(rows)),))


def metrics_section(s: dict) -> Section | None:
    """Goodness of fit per period and variable (``metrics``; a run's has one unnamed block for discharge)."""
    mets = s.get("metrics")
    if not mets:
        return None
    if all(isinstance(v, dict) and "kge" in v for v in mets.values()):
        mets = {"all days with observations": mets}
    rows = []
    for period, block in mets.items():
        for var, m in block.items():
            rows.append((period, var, str(m["n"]), _num(m["kge"], "{:.3f}"), _num(m.get("kge_prime"), "{:.3f}"),
                         _num(m["nse"], "{:.3f}"), _num(m["log_nse"], "{:.3f}"), _num(m["pbias"], "{:+.1f}"),
                         _num(m.get("rmse"))))
    has_q = any("q" in block for block in mets.values())
    paras = ["Daily values on the days with observations" + ("; discharge q in mm/d" if has_q else "")
             + " (RMSE in the variable's unit)."]
    if s.get("metrics_periods"):
        paras.append("Periods: " + "; ".join(f"{k} {v[0]} .. {v[1] or 'end'}" if isinstance(v, (list, tuple))
                                             else f"{k}: {v or 'none'}"
                                             for k, v in s["metrics_periods"].items()) + ".")
    table = Table(("period", "variable", "n", "KGE", "KGE'", "NSE", "log-NSE", "PBIAS %", "RMSE"), tuple(rows))
    extra = []
    bench = s.get("benchmark")
    if bench:
        brows = []
        for period, block in bench.items():
            if period in ("form", "rating"):
                continue
            for var, b in block.items():
                m = mets.get(period, {}).get(var)
                if m is not None:
                    brows.append((period, var, _num(m["kge"], "{:.3f}"), _num(b["kge"], "{:.3f}"),
                                  _num(m["pbias"], "{:+.1f}"), _num(b["pbias"], "{:+.1f}")))
        extra.append(Table(("period", "variable", "model KGE", "rating KGE", "model PBIAS %", "rating PBIAS %"),
                           tuple(brows), "benchmark: concentration-discharge rating on the same samples ("
                           + str(bench.get("form", "")) + ")"))
    return Section("Metrics", tuple(paras), (table, *extra))


def calibration_section(cal: dict) -> Section:
    """The search (optimiser, objective, runs, time) and the calibrated parameters with their search ranges."""
    bounds = cal.get("bounds", {})
    rows = []
    for k, v in cal["parameters"].items():
        lo, hi, transform = (list(bounds.get(k) or []) + [None, None, None])[:3]
        rows.append((k, _num(v, "{:.5g}"), _num(lo), _num(hi), transform or "none"))
    rows = tuple(rows)
    para = (f"{cal.get('optimiser', '')}, objective {cal.get('objective')}, {cal.get('evaluations')} model runs in "
            f"{_num(cal.get('seconds'), '{:.0f}')} s, seed {cal.get('seed')}"
            + (", stopped by the time budget" if cal.get("stopped_by_time_budget") else "") + ".")
    periods = cal.get("periods") or {}
    if periods:
        para += " Periods: " + "; ".join(f"{k} {v[0]} .. {v[1] or 'end'}" if v else f"{k}: whole record"
                                         for k, v in periods.items()) + "."
    return Section("Calibration", (para,), (Table(("parameter", "best fit", "lower", "upper", "search transform"),
                                                  rows, "calibrated parameters"),))


def uncertainty_section(u: dict) -> Section:
    """GLUE (behavioural sets) or MCMC (chain, convergence, predictive coverage): the sink's interval and the
    identifiability of each parameter."""
    sink = u["carbon_sink_tc_km2_yr"]
    if "n_walkers" in u:  # MCMC (karstmodel.workflows.mcmc)
        cover = ", ".join(f"{k} {_num(100 * v, '{:.0f}')} %" for k, v in (u.get("coverage_90") or {}).items())
        what = (f"{u['n_walkers']} walkers x {u['n_steps']} steps (first {u['burn_in']} discarded), acceptance "
                f"{_num(u.get('acceptance_fraction'), '{:.2f}')}, "
                + ("converged" if u.get("converged") else "NOT converged: run more steps")
                + (f"; observed days inside the 90 % predictive band: {cover}" if cover else ""))
        title = "Uncertainty (MCMC) and identifiability"
    else:
        what = (f"{u['n_behavioural']} behavioural of {u['n_samples']} parameter sets (threshold "
                f"{_num(u.get('threshold_used'), '{:.3f}')})")
        title = "Uncertainty (GLUE) and identifiability"
    paras = [f"{u.get('method', '')}: {what}. Carbon sink median {_num(sink['median'], '{:.2f}')} t C km-2 yr-1, "
             f"90 % interval {_num(sink['p05'], '{:.2f}')} .. {_num(sink['p95'], '{:.2f}')}."]
    tables = []
    ident = u.get("identifiability")
    if ident:
        paras.append("Identifiability rule: " + ident["rule"] + ".")
        if ident.get("note"):
            paras.append("Note: " + ident["note"] + ".")
        tables.append(Table(("parameter", "behavioural 5-95 % range / prior range", "identified", "at a bound"),
                            tuple((k, _num(v["range_share"], "{:.2f}"), "yes" if v["identified"] else "no",
                                   v["at_bound"] or "no") for k, v in ident["parameters"].items()),
                            "identifiability"))
        if ident["correlated_pairs"]:
            tables.append(Table(("parameter", "parameter", "weighted r"),
                                tuple((a, b, _num(r, "{:+.2f}")) for a, b, r in ident["correlated_pairs"]),
                                "correlated pairs"))
    return Section(title, tuple(paras), tuple(tables))


def scenario_sections(s: dict, rows: list, side_lines: list) -> list:
    """The scenario scorecard (``rows``: header row first) and its notes (``side_lines``: side effects,
    uncertainty, warnings)."""
    desc = (s.get("scenario", {}).get("description") or "").strip()
    card = Section("Scorecard", (desc,) if desc else (),
                   (Table(tuple(rows[0]), tuple(tuple(str(c) for c in r) for r in rows[1:])),))
    return [card, Section("Side effects, uncertainty and warnings", tuple(side_lines))]
