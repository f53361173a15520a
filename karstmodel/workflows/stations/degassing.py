"""CO2 exchange of the recharge water with the cave air before the outlet (``[model] degassing = "cave_air"``).

The recharge water predicted by :mod:`karstmodel.workflows.stations.equilibrium` exchanges CO2 with the cave air at
fixed Ca (:mod:`karstmodel.processes.cave_degassing`), which sets pH, pCO2 and SI but leaves nearly all of the DIC to
the recharge stage. The exchange number is therefore fitted on the pH of the calibration samples, and the metrics of
the stage are reported before and after it on the same samples.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from ...accounting import metrics as M
from ...processes.cave_degassing import exchange_with_cave_air
from .schema import Station
from .scores import _metrics
from .speciation import describe


def predict_degassed(stage1: pd.DataFrame, cave_ppmv, exchange_number: float, p_atm: float = 1.0,
                     database="phreeqc.dat") -> pd.DataFrame:
    """The recharge water of :func:`predict_equilibrium` after CO2 exchange with the cave air (CO2 in ppmv x 1e-6 x
    P atm) over ``exchange_number`` before the outlet, Ca unchanged (:func:`karstmodel.processes.
    cave_degassing.exchange_with_cave_air`); rows without cave-air CO2 or without a recharge water are NaN."""
    return exchange_with_cave_air(stage1, np.asarray(cave_ppmv, float) * 1e-6 * p_atm, exchange_number, database)


def fit_exchange_number(st: Station, stage1: pd.DataFrame, cave_ppmv, ph_obs, p_atm: float = 1.0):
    """The exchange number that minimises the RMSE of the outlet pH (degassing sets pH, pCO2 and SI but leaves Ca
    and the alkalinity, hence nearly all of the DIC, to the recharge stage, so pH is the observable that constrains
    it) with the recharge water ``stage1`` fixed; bounded scalar search in log10 N (Brent's method, scipy
    ``minimize_scalar``) within ``[calibration.parameters] exchange_number``. Returns (N, RMSE of pH, evaluations)."""
    lo, hi, tr = st.bounds["exchange_number"]
    obs = np.asarray(ph_obs, float)
    cave = np.asarray(cave_ppmv, float) * 1e-6 * p_atm
    to_n = (lambda u: 10.0 ** u) if tr == "log" else (lambda u: u)
    a, b = (math.log10(lo), math.log10(hi)) if tr == "log" else (lo, hi)
    count = [0]

    def loss(u):
        count[0] += 1
        ph = exchange_with_cave_air(stage1, cave, to_n(u), st.database)["ph"].to_numpy(float)
        m = M.rmse(ph, obs)
        return m if np.isfinite(m) else 1e3

    res = minimize_scalar(loss, bounds=(a, b), method="bounded", options={"xatol": 1e-4})
    return float(to_n(res.x)), float(res.fun), count[0]


def degassing_block(stage1: pd.DataFrame, out: pd.DataFrame, samples: pd.DataFrame, speciated: pd.DataFrame,
                    dic_obs, masks: dict, base_mask) -> dict:
    """Before/after metrics of the degassing stage on the same samples (those with soil and cave-air CO2): DIC,
    pH and SI calcite of the recharge water (``*_no_degassing``) and of the outlet water, Ca (unchanged by the
    exchange), with the mean error ``me`` (prediction - observation) for pH and SI; the exchange and the CO2
    degassed per sample described."""
    have = np.isfinite(out["dic_mmol_kgw"].to_numpy(float)) & np.isfinite(np.asarray(dic_obs, float))
    obs = {"dic_mmol_l": np.asarray(dic_obs, float), "ph": samples["ph"].to_numpy(float),
           "si_calcite": speciated["si_calcite"].to_numpy(float)}
    if "ca_mg_l" in samples.columns:
        obs["ca_mmol_l"] = samples["ca_mg_l"].to_numpy(float) / 40.078
    col = {"dic_mmol_l": "dic_mmol_kgw", "ph": "ph", "si_calcite": "si_calcite", "ca_mmol_l": "ca_mmol_kgw"}

    def one(pred, o, m):
        with np.errstate(invalid="ignore", divide="ignore"):  # log-NSE of a signed SI is undefined (NaN)
            r = _metrics(pred, o, m)
        p = np.asarray(pred, float)[m]
        if np.isfinite(p).sum() > 1 and np.nanstd(p) < 1e-9:  # SI of the recharge water: 0 by construction
            r["r"] = r["kge"] = float("nan")
        d = p - o[m]
        r["me"] = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
        return r

    met = {}
    for k, m in {**masks, "all": np.ones(len(samples), bool)}.items():
        blk = {}
        for var, o in obs.items():
            after = out[col[var]].to_numpy(float)
            before = stage1[col[var]].to_numpy(float)
            blk[var] = one(after, o, m & have)
            if var != "ca_mmol_l":
                blk[f"{var}_no_degassing"] = one(before, o, m & have)
        if base_mask is not None:
            blk["dic_mmol_l_baseflow"] = one(out["dic_mmol_kgw"].to_numpy(float), obs["dic_mmol_l"],
                                             m & have & base_mask)
            blk["dic_mmol_l_baseflow_no_degassing"] = one(stage1["dic_mmol_kgw"].to_numpy(float),
                                                          obs["dic_mmol_l"], m & have & base_mask)
        met[k] = blk
    return {"n_with_cave_air_co2": int(have.sum()), "metrics": met,
            "co2_degassed_mmol_kgw": describe(out["co2_degassed_mmol_kgw"].to_numpy(float)[have]),
            "equilibration_fraction": describe(out["equilibration_fraction"].to_numpy(float)[have]),
            "co2_degassed_share_of_dic": describe((out["co2_degassed_mmol_kgw"]
                                                   / out["dic_initial_mmol_kgw"]).to_numpy(float)[have])}
