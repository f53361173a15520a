"""Simulated vs observed water chemistry at a station: the concentration-discharge rating benchmark, C-Q slopes,
seasonal cycles and the strong-acid check of the samples.

* **Benchmark.** What a hydrochemist would use instead of a process model: the rating ln C = a + b ln Q fitted by
  ordinary least squares on the calibration-period samples (observed discharge of the sample day), back-transformed
  with Duan's (1983, J. Am. Stat. Assoc. 78:605) smearing factor (:func:`karstmodel.workflows.stations.rating.fit_rating`), and
  scored with the same metrics on the same samples of each period as the model.
* **C-Q slope.** b of ln C = a + b ln Q, observed (samples) and simulated (the model on the same days, and on every
  day of the period); carbonate catchments are near-chemostatic, |b| << 1 (Godsey, Kirchner & Clow 2009, Hydrol.
  Process. 23:1844).
* **Seasonal cycle.** Monthly medians of the observed samples and of the simulated daily series.
* **Strong acids.** The samples' stoichiometry: equivalents of Ca + Mg against HCO3- (alkalinity), SO4 and NO3, and
  the carbonic-acid share of DIC with SO4 and NO3 all from acid weathering of carbonate (Zeng's correction, the
  lower bound of the share; Zeng, Liu & Kaufmann 2019) against the model's share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..accounting import metrics as M
from .calibration import period_mask
from .stations.rating import fit_rating, predict_rating

#: molar masses (g/mol; IUPAC 2013 standard atomic weights): Ca, Mg, SO4, NO3
MOLAR_MASS = {"ca": 40.078, "mg": 24.305, "so4": 96.06, "no3": 62.004}


def _pairs(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x[ok], y[ok]


def cq_slope(q, conc) -> dict:
    """Slope b (and its standard error, n) of ln C = a + b ln Q by least squares."""
    q, c = _pairs(q, conc)
    n = q.size
    if n < 3:
        return {"b": float("nan"), "se": float("nan"), "n": int(n)}
    X = np.column_stack([np.ones(n), np.log(q)])
    coef, *_ = np.linalg.lstsq(X, np.log(c), rcond=None)
    resid = np.log(c) - X @ coef
    s2 = float(resid @ resid) / (n - 2)
    cov = s2 * np.linalg.inv(X.T @ X)
    return {"b": float(coef[1]), "se": float(np.sqrt(cov[1, 1])), "n": int(n)}


def rating_benchmark(index: pd.DatetimeIndex, q_obs_m3_s, observed: dict, periods: dict) -> dict:
    """The C-Q rating of every observed variable fitted on the ``calibration`` period's samples and scored on each
    period's samples: {"rating": {var: coefficients}, period: {var: metrics}}."""
    q = np.asarray(q_obs_m3_s, float)
    cal = periods.get("calibration")
    fit_mask = period_mask(index, cal)
    out = {"form": "ln C = a + b ln Q (Q observed, m3/s), OLS on the calibration samples, Duan smearing",
           "rating": {}}
    for name in periods:
        out[name] = {}
    for v, o in observed.items():
        o = np.asarray(o, float)
        if np.nanmin(o, initial=np.inf) <= 0:  # a rating in ln C needs a positive quantity (not pH, SI, log pCO2)
            continue
        m = fit_mask & np.isfinite(o) & np.isfinite(q) & (q > 0)
        if m.sum() < 3:
            continue
        r = fit_rating(q[m], o[m], index[m], seasonal=False)
        out["rating"][v] = {"a": float(r.coef[0]), "b": float(r.coef[1]), "n": r.n, "r2": r.r2,
                            "smearing": r.smearing}
        pred = predict_rating(r, q, index)
        for name, per in periods.items():
            pm = period_mask(index, per)
            if np.isfinite(o[pm]).any():
                out[name][v] = M.all_metrics(pred[pm], o[pm])
    return out


def rating_prediction(rating: dict, q_m3_s) -> np.ndarray:
    """Concentration from a rating of :func:`rating_benchmark` (``a``, ``b``, ``smearing``) at discharge ``q_m3_s``
    (NaN where Q <= 0)."""
    q = np.asarray(q_m3_s, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(rating["a"] + rating["b"] * np.log(np.where(q > 0, q, np.nan))) * rating["smearing"]


def behaviour(index: pd.DatetimeIndex, q_obs_m3_s, q_sim_m3_s, simulated: dict, observed: dict,
              periods: dict) -> dict:
    """C-Q slopes and monthly medians, observed vs simulated, per variable (and per period for the slopes)."""
    out = {}
    month = index.month
    for v, o in observed.items():
        if v not in simulated:
            continue
        o = np.asarray(o, float)
        s = np.asarray(simulated[v], float)
        sample = np.isfinite(o)
        blk = {"cq_slope": {}}
        for name, per in {"all": None, **periods}.items():
            pm = period_mask(index, per)
            blk["cq_slope"][name] = {
                "observed": cq_slope(np.asarray(q_obs_m3_s)[pm & sample], o[pm & sample]),
                "simulated_sample_days": cq_slope(np.asarray(q_sim_m3_s)[pm & sample], s[pm & sample]),
                "simulated_all_days": cq_slope(np.asarray(q_sim_m3_s)[pm], s[pm])}
        obs_m = pd.Series(o[sample]).groupby(month[sample]).median()
        sim_m = pd.Series(s).groupby(month).median()
        blk["monthly_median"] = {"month": list(range(1, 13)),
                                 "observed": [float(obs_m.get(k, np.nan)) for k in range(1, 13)],
                                 "simulated": [float(sim_m.get(k, np.nan)) for k in range(1, 13)]}
        ob, sm = np.array(blk["monthly_median"]["observed"]), np.array(blk["monthly_median"]["simulated"])
        ok = np.isfinite(ob) & np.isfinite(sm)
        blk["monthly_median"]["amplitude_observed"] = float(np.ptp(ob[ok])) if ok.any() else float("nan")
        blk["monthly_median"]["amplitude_simulated"] = float(np.ptp(sm[ok])) if ok.any() else float("nan")
        blk["monthly_median"]["r"] = float(np.corrcoef(ob[ok], sm[ok])[0, 1]) if ok.sum() > 2 else float("nan")
        out[v] = blk
    return out


def acid_stoichiometry(obs: pd.DataFrame, period=None) -> dict | None:
    """The samples' charge stoichiometry (meq/L medians): Ca + Mg against alkalinity + 2 SO4 + NO3, and the
    carbonic-acid share of DIC if all SO4 and NO3 came from acid weathering of carbonate, (DIC - 2 SO4 - NO3) / DIC
    (the lower bound; 1 if none did). Needs ``dic_mmol_l``, ``ca_mmol_l`` and the mg/L columns of SO4 and NO3."""
    need = {"dic_mmol_l", "ca_mg_l", "so4_mg_l", "no3_mg_l"}
    if not need <= set(obs.columns):
        return None
    d = obs.loc[period_mask(obs.index, period)] if period is not None else obs
    d = d[d["dic_mmol_l"].notna() & d["ca_mg_l"].notna()]
    if d.empty:
        return None
    ca = d["ca_mg_l"] / MOLAR_MASS["ca"]
    mg = d["mg_mg_l"] / MOLAR_MASS["mg"] if "mg_mg_l" in d else 0.0 * ca
    so4 = d["so4_mg_l"] / MOLAR_MASS["so4"]
    no3 = d["no3_mg_l"] / MOLAR_MASS["no3"]
    alk = d["alk_meq_l"] if "alk_meq_l" in d else d["hco3_mmol_l"]
    cations = 2 * (ca + mg)
    anions = alk + 2 * so4 + no3
    share = (d["dic_mmol_l"] - 2 * so4 - no3) / d["dic_mmol_l"]
    return {"n": int(len(d)), "ca_mg_meq_l": float(cations.median()), "alk_meq_l": float(alk.median()),
            "so4_meq_l": float((2 * so4).median()), "no3_meq_l": float(no3.median()),
            "alk_2so4_no3_meq_l": float(anions.median()),
            "ca_mg_over_alk_2so4_no3": float((cations / anions).median()),
            "ca_mg_over_hco3_molar": float(((ca + mg) / alk).median()),
            "carbonic_share_lower_bound": float(share.median()),
            "note": "(Ca+Mg)/HCO3 = 0.5 for carbonic-acid weathering alone; Ca+Mg = HCO3 + 2 SO4 + NO3 (meq) when "
                    "SO4 and NO3 are balanced by carbonate Ca and Mg (acid weathering or gypsum); the share's "
                    "lower bound takes every SO4 and NO3 as acid weathering of carbonate (Zeng et al. 2019)"}
