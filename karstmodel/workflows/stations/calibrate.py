"""``karstmodel calibrate`` on a station: split-sample calibration of the chemistry model and the C-Q rating.

The chemistry-model parameters (``pco2_factor`` per system and the ``gas_water_ratio`` of the mixed system) are
fitted on the calibration period with ``scipy.optimize.differential_evolution`` (seeded, vectorised; Storn & Price
1997), with degassing then the ``exchange_number`` on the pH of the calibration samples (:func:`karstmodel.workflows.
stations.degassing.fit_exchange_number`), and the rating on the calibration samples; metrics are reported for both
periods and the calibrated ``station.toml`` (runnable by ``validate``) is written with the other outputs.
"""
from __future__ import annotations

import copy
import math
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from ...io.files import _atomic_write, atomic_output_dir, write_csv_atomic, write_json_atomic
from .data import StationData, load_station_data
from .degassing import fit_exchange_number
from .equilibrium import co2_at_samples, fit_equilibrium, predict_equilibrium, pressure_atm
from .evaluate import evaluate_station
from .periods import _period_masks, _periods
from .report import _report, result_lines
from .run import _outdir, _write_outputs, station_inputs, write_station_html
from .schema import CO2_SOURCES, SYSTEMS, Station, StationError, load_station
from .speciation import observed_dic, speciate_samples


def calibrate_chemistry(st: Station, data: StationData, periods: dict, seed: int) -> dict:
    """Fit the equilibrium parameters per CO2 source and system on the calibration samples. Returns
    {source: {system: {"parameters", "loss", "evaluations", "n"}}, "best": {source: system}}."""
    s = data.samples
    sp = speciate_samples(s, st.database)
    dic = observed_dic(s, sp)
    masks = _period_masks(s["datetime"], periods)
    cal = masks.get("calibration", np.ones(len(s), bool))
    if st.fit_samples == "baseflow" and "flow_condition" in s.columns:
        cal = cal & (s["flow_condition"].to_numpy(str) == st.baseflow_label.lower())
    temp = s["temp_c"].to_numpy(float)
    temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
    cave = co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy(float)
    p_atm = pressure_atm(st.elevation_m)
    out = {}
    for src in CO2_SOURCES:
        c = co2_at_samples(st, data, src)["co2_ppmv"].to_numpy(float)
        use = cal & np.isfinite(c) & np.isfinite(dic)
        if use.sum() < 3:
            if np.isfinite(c).sum() >= 3:
                out[src] = {"note": f"only {int(use.sum())} calibration samples with {src} CO2: not calibrated"}
            continue
        res = {}
        for system in SYSTEMS:
            prm, loss, nfev = fit_equilibrium(st, temp[use], c[use], dic[use], system, seed)
            res[system] = {"parameters": prm, "loss": loss, "evaluations": nfev, "n": int(use.sum())}
            if st.degasses(src):  # then the exchange number on pH, the recharge water fixed (fit_exchange_number)
                use_n = use & np.isfinite(cave) & np.isfinite(s["ph"].to_numpy(float))
                if use_n.sum() < 3:
                    prm = replace(prm, exchange_number=st.params(src, system).exchange_number)
                    res[system]["note"] = (f"only {int(use_n.sum())} calibration samples with cave-air CO2 and pH: "
                                           "exchange_number not calibrated")
                else:
                    w = predict_equilibrium(temp[use_n], c[use_n], system, prm, st.mineral, p_atm, st.database)
                    xn, ph_rmse, ne = fit_exchange_number(st, w, cave[use_n], s["ph"].to_numpy(float)[use_n], p_atm)
                    prm = replace(prm, exchange_number=xn)
                    res[system].update(ph_rmse=ph_rmse, n_exchange=int(use_n.sum()), evaluations=nfev + ne)
                res[system]["parameters"] = prm
        res["best"] = min(SYSTEMS, key=lambda k: res[k]["loss"])
        out[src] = res
    return out


def _at_bound(v: float, bound: tuple, rel: float = 0.01) -> bool:
    """Within ``rel`` of the search range (in log10 for log-transformed parameters) from either bound."""
    lo, hi, tr = bound
    if tr == "log":
        v, lo, hi = math.log10(v), math.log10(lo), math.log10(hi)
    return min(v - lo, hi - v) <= rel * (hi - lo)


def _relpath(p: Path, base: Path) -> str:
    """``p`` relative to ``base`` when they share more than the file-system root, else absolute."""
    p, base = Path(p).resolve(), Path(base).resolve()
    try:
        common = Path(os.path.commonpath([p, base]))
        if common == Path(common.anchor):
            return str(p)
        return os.path.relpath(p, base)
    except ValueError:
        return str(p)


def station_document(st: Station, where: Path, updates: dict | None = None) -> dict:
    """The station as a TOML-ready dict with data paths relative to ``where`` (the folder the file goes to)."""
    doc = copy.deepcopy(st.raw)
    where = Path(where).resolve()
    doc["samples"]["file"] = _relpath(st.samples_file, where)
    if st.discharge_file is not None:
        doc["discharge"]["file"] = _relpath(st.discharge_file, where)
    if st.soil_co2_file is not None:
        doc["soil_co2"]["file"] = _relpath(st.soil_co2_file, where)
    for k, v in (updates or {}).items():
        doc[k] = v
    return doc


def calibrate_station(path, outdir: Path | None = None, calibration=None, validation=None, seed=None,
                      figures: bool = True) -> dict:
    """Split-sample calibration (module docstring): equilibrium parameters per CO2 source and system fitted on the
    calibration period with scipy's differential evolution (seeded), the C-Q rating fitted on the calibration
    samples, metrics for both periods. Writes the calibrated ``station.toml`` (runnable by ``validate``),
    ``parameters.csv``, ``summary.json``, ``report.md`` and figures into ``outdir`` (default
    ``karstmodel-output/<name>-calibrate``)."""

    t0 = time.perf_counter()
    st = load_station(path)
    data = load_station_data(st)
    periods = _periods(st, calibration, validation)
    if "calibration" not in periods:
        raise StationError("no calibration period: set [calibration] calibration_period or --calibration START:END",
                           file=str(st.source))
    seed = st.calibration_seed if seed is None else int(seed)
    out = _outdir(st, outdir, "calibrate")
    with atomic_output_dir(out, protect=station_inputs(st)) as tmp:
        fits = calibrate_chemistry(st, data, periods, seed)

        # the calibrated station: parameters of every calibrated source/system, the primary system = best on calibration
        params = dict(st.parameters)
        model = dict(st.raw.get("model", {}))
        for src, res in fits.items():
            if "best" not in res:
                continue
            tbl = {}
            for system in SYSTEMS:
                prm = res[system]["parameters"]
                params[(src, system)] = prm
                tbl[system] = {"pco2_factor": float(prm.pco2_factor)}
                if system == "mixed":
                    tbl[system]["gas_water_ratio"] = float(prm.gas_water_ratio)
                if prm.exchange_number is not None:
                    tbl[system]["exchange_number"] = float(prm.exchange_number)
            model[src] = tbl
        system = fits.get(st.co2_source, {}).get("best", st.system)
        model["system"] = system
        cal_tbl = dict(st.raw.get("calibration", {}))
        for k, p in (("calibration_period", periods.get("calibration")), ("validation_period", periods.get("validation"))):
            if p is not None and not (isinstance(p, tuple) and p and p[0] == "rest"):
                cal_tbl[k] = ":".join(str(a.date()) if a is not None else "" for a in p)
        cal_tbl["seed"] = seed
        st_cal = replace(st, parameters=params, system=system)
        s = evaluate_station(st_cal, data, periods)  # bootstrap with [model] seed: validate reproduces it exactly
        calib = {"optimiser": "scipy.optimize.differential_evolution (vectorised, L-BFGS-B polish)", "seed": seed,
                 "objective": st.objective, "fit_samples": st.fit_samples, "maxiter": st.maxiter, "popsize": st.popsize,
                 "bounds": {k: list(v) for k, v in st.bounds.items()}, "primary_co2_source": st.co2_source,
                 "primary_system": system, "sources": {}}
        rows = []
        for src, res in fits.items():
            if "best" not in res:
                calib["sources"][src] = res
                continue
            blk = {"best_system": res["best"], "systems": {}}
            for sysname in SYSTEMS:
                r = res[sysname]
                pv = {"pco2_factor": r["parameters"].pco2_factor}
                if sysname == "mixed":
                    pv["gas_water_ratio"] = r["parameters"].gas_water_ratio
                if r["parameters"].exchange_number is not None:
                    pv["exchange_number"] = r["parameters"].exchange_number
                at = [k for k, v in pv.items() if _at_bound(v, st.bounds[k])]
                blk["systems"][sysname] = {"parameters": pv, "loss": r["loss"], "evaluations": r["evaluations"],
                                           "n_calibration_samples": r["n"], "at_bound": at}
                for k in ("ph_rmse", "n_exchange", "note"):
                    if k in r:
                        name = {"ph_rmse": "exchange_ph_rmse", "n_exchange": "n_calibration_samples_exchange",
                                "note": "exchange_note"}[k]
                        blk["systems"][sysname][name] = r[k]
                if sysname == "mixed" and "gas_water_ratio" in at:
                    lo_hi = "lower" if pv["gas_water_ratio"] < np.sqrt(st.bounds["gas_water_ratio"][0]
                                                                       * st.bounds["gas_water_ratio"][1]) else "upper"
                    blk["systems"][sysname]["note"] = (f"gas_water_ratio at its {lo_hi} bound: the mixed system collapses "
                                                       f"to the {'closed' if lo_hi == 'lower' else 'open'} system")
                for k, v in pv.items():
                    rows.append({"co2_source": src, "system": sysname, "parameter": k, "value": v, "loss": r["loss"]})
            calib["sources"][src] = blk
        calib["evaluations"] = int(sum(b["systems"][x]["evaluations"] for b in calib["sources"].values()
                                       if "systems" in b for x in b["systems"]))
        s["calibration"] = calib
        doc = station_document(st, out, {"model": model, "calibration": cal_tbl})
        text = tomli_w.dumps(doc)
        extra = ["", "## Calibration", "",
                 f"scipy.optimize.differential_evolution, seed {seed}, objective {st.objective} on "
                 f"{st.fit_samples} calibration samples, {calib['evaluations']} parameter sets evaluated (each one "
                 "equilibrium per sample). The primary "
                 f"system ({st.co2_source} CO2) is the one with the lowest calibration loss: **{system}**. The C-Q "
                 "rating is fitted on the calibration samples for the split-sample metrics (form by AIC there) and on "
                 "all samples for the load.", "", "| CO2 source | system | parameter | value | calibration loss |",
                 "|---|---|---|---|---|"]
        def _bound(r):
            return r["parameter"] in calib["sources"][r["co2_source"]]["systems"][r["system"]]["at_bound"]

        extra += [f"| {r['co2_source']} | {r['system']} | {r['parameter']} | {r['value']:.5g}"
                  f"{' (at bound)' if _bound(r) else ''} | {r['loss']:.4f} |" for r in rows]
        extra += [f"- {src} {k}: {b['note']}" for src, blk in calib["sources"].items() if "systems" in blk
                  for k, b in blk["systems"].items() if "note" in b]
        if not calib["sources"]:
            extra += ["", "No CO2 measurements: there are no equilibrium parameters to calibrate; the C-Q rating is fitted "
                      "on the calibration samples (ordinary least squares, closed form) and validated on the rest."]
        clean, figs, _ = _write_outputs(s, st_cal, tmp, f"Calibration of station {st.name}", figures)
        calib["seconds"] = time.perf_counter() - t0
        clean["calibration"] = calib
        _atomic_write(tmp / "station.toml", lambda fh: fh.write(text))
        write_csv_atomic(pd.DataFrame(rows, columns=["co2_source", "system", "parameter", "value", "loss"]),
                         tmp / "parameters.csv")
        clean["outputs"]["station"] = "station.toml"
        clean["outputs"]["parameters"] = "parameters.csv"
        lines = result_lines(clean)
        if not calib["sources"]:
            lines.append("no CO2 measurements: only the C-Q rating is calibrated (ordinary least squares on the "
                         "calibration samples, validated on the rest)")
        for src, blk in calib["sources"].items():
            if "systems" not in blk:
                lines.append(f"{src}: {blk.get('note', 'not calibrated')}")
                continue
            lines.append(f"calibrated ({src.replace('_', '-')} CO2): " + "; ".join(
                f"{k} " + ", ".join(f"{n} {v:.3g}" + (" (at bound)" if n in b["at_bound"] else "")
                                    for n, v in b["parameters"].items())
                for k, b in blk["systems"].items()) + f"; best {blk['best_system']}")
        clean["lines"] = lines
        clean["output_dir"] = str(out)
        write_json_atomic({k: v for k, v in clean.items() if k != "lines"}, tmp / "summary.json")
        rep = _report(clean, f"Calibration and validation of station {st.name}", figs, extra)
        _atomic_write(tmp / "report.md", lambda fh: fh.write(rep))
        write_station_html(tmp, f"Calibration and validation of station {st.name}", st, clean, figs)
    return clean
