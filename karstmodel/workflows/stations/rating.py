"""The concentration-discharge (C-Q) rating of DIC and the rating-curve load on a daily discharge record.

ln DIC = a + b ln Q (+ c sin 2 pi d/365.25 + e cos 2 pi d/365.25 when the seasonal terms lower the AIC by more than
2), fitted by ordinary least squares on the samples, back-transformed with Duan's smearing estimator (Duan 1983,
J. Am. Stat. Assoc. 78:605, eq. 2: E[DIC] = exp(X b) x mean(exp(residuals))) and applied to the daily discharge
(the rating-curve load method, e.g. Cohn et al. 1989, Water Resour. Res. 25:937). Uncertainty: a non-parametric
bootstrap over the samples (refit, re-smear, re-apply).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...accounting.sink import M_C
from .sink import _flux_block, carbon_flux_t_c_yr


@dataclass
class Rating:
    """ln DIC = X b, X = [1, ln Q (, sin 2 pi d/365.25, cos 2 pi d/365.25)], OLS; Duan (1983) smearing."""

    coef: np.ndarray
    seasonal: bool
    n: int
    r2: float
    adj_r2: float
    residual_se: float
    smearing: float
    aic: float
    aic_alternative: float | None = None
    q_range: tuple = (float("nan"), float("nan"))

    def as_dict(self) -> dict:
        names = ["a", "b_lnq"] + (["c_sin", "d_cos"] if self.seasonal else [])
        return {"form": "ln(DIC mmol/L) = a + b ln(Q m3/s)" + (" + c sin(2 pi doy/365.25) + d cos(2 pi doy/365.25)"
                                                               if self.seasonal else ""),
                "coefficients": {k: float(v) for k, v in zip(names, self.coef)}, "seasonal": self.seasonal,
                "n": self.n, "r2": self.r2, "adj_r2": self.adj_r2, "residual_se": self.residual_se,
                "smearing_factor": self.smearing, "aic": self.aic, "aic_other_form": self.aic_alternative,
                "q_range_m3_s": list(self.q_range)}


def _season_angle(times) -> np.ndarray:
    t = pd.DatetimeIndex(times)
    return 2.0 * np.pi * (t.day_of_year.to_numpy(float) - 1.0 + t.hour.to_numpy(float) / 24.0) / 365.25


def rating_design(q, times, seasonal: bool) -> np.ndarray:
    q = np.asarray(q, float)
    cols = [np.ones_like(q), np.log(q)]
    if seasonal:
        a = _season_angle(times)
        cols += [np.sin(a), np.cos(a)]
    return np.column_stack(cols)


def _ols(X, y):
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return coef, resid


def fit_rating(q, dic, times, seasonal="auto") -> Rating:
    """Fit the C-Q rating by ordinary least squares on ln DIC. ``seasonal``: True, False or "auto" (the seasonal
    terms are kept when they lower the AIC, n ln(SSE/n) + 2p, by more than 2)."""
    q = np.asarray(q, float)
    d = np.asarray(dic, float)
    t = pd.DatetimeIndex(times)
    ok = np.isfinite(q) & np.isfinite(d) & (q > 0) & (d > 0)
    q, d, t = q[ok], d[ok], t[ok]
    n = int(q.size)
    if n < 3:
        raise ValueError(f"a C-Q rating needs at least 3 samples with discharge and DIC, got {n}")
    y = np.log(d)

    def one(seas):
        X = rating_design(q, t, seas)
        p = X.shape[1]
        if n <= p:
            return None
        coef, resid = _ols(X, y)
        sse = float(resid @ resid)
        sst = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - sse / sst if sst > 0 else float("nan")
        adj = 1.0 - (1.0 - r2) * (n - 1) / (n - p) if sst > 0 else float("nan")
        aic = n * math.log(max(sse, 1e-300) / n) + 2 * p
        return Rating(coef=coef, seasonal=seas, n=n, r2=r2, adj_r2=adj, residual_se=math.sqrt(sse / (n - p)),
                      smearing=float(np.mean(np.exp(resid))), aic=aic, q_range=(float(q.min()), float(q.max())))

    base = one(False)
    seas = one(True) if n > 4 else None
    if seasonal in (True, "true"):
        if seas is None:
            raise ValueError("too few samples for the seasonal rating")
        chosen, other = seas, base
    elif seasonal in (False, "false") or seas is None:
        chosen, other = base, seas
    else:
        chosen, other = (seas, base) if seas.aic < base.aic - 2.0 else (base, seas)
    chosen.aic_alternative = other.aic if other is not None else None
    return chosen


def predict_rating(r: Rating, q, times) -> np.ndarray:
    """Mean DIC (mmol/L) from the rating, bias-corrected with the smearing factor (Duan 1983)."""
    q = np.asarray(q, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        X = rating_design(np.where(q > 0, q, np.nan), times, r.seasonal)
    return np.exp(X @ r.coef) * r.smearing


def rating_load(q_s, dic_s, t_s, q_daily: pd.Series, seasonal, n_boot: int, rng, fraction=0.5,
                area_km2=None) -> dict:
    """Rating-curve load: the rating fitted on the samples applied to the daily discharge, mean over the days;
    bootstrap over the samples (rating form fixed to the one chosen on all samples)."""
    r = fit_rating(q_s, dic_s, t_s, seasonal)
    qd = q_daily.to_numpy(float)
    td = q_daily.index
    dic_d = predict_rating(r, qd, td)
    mean_q = float(np.mean(qd))
    mean_load = float(np.mean(qd * dic_d))
    out = _flux_block(float(carbon_flux_t_c_yr(1.0, mean_load, fraction)), area_km2, mean_q,
                      mean_load / mean_q, fraction)
    out["rating"] = r.as_dict()
    out["n_days"] = int(qd.size)
    out["period"] = {"start": str(td[0].date()), "end": str(td[-1].date())}
    lo, hi = r.q_range
    out["share_days_outside_sampled_q"] = float(np.mean((qd < lo) | (qd > hi)))
    out["share_load_outside_sampled_q"] = float(np.sum((qd * dic_d)[(qd < lo) | (qd > hi)]) / np.sum(qd * dic_d))
    boots = []
    q_s, dic_s = np.asarray(q_s, float), np.asarray(dic_s, float)
    t_s = pd.DatetimeIndex(t_s)
    ok = np.isfinite(q_s) & np.isfinite(dic_s) & (q_s > 0) & (dic_s > 0)
    qs, ds, ts = q_s[ok], dic_s[ok], t_s[ok]
    Xd = rating_design(qd, td, r.seasonal)
    Xs = rating_design(qs, ts, r.seasonal)
    ys = np.log(ds)
    for _ in range(max(int(n_boot), 0)):
        idx = rng.integers(0, qs.size, qs.size)
        X, y = Xs[idx], ys[idx]
        if np.linalg.matrix_rank(X) < X.shape[1]:
            continue
        coef, resid = _ols(X, y)
        boots.append(float(np.mean(qd * np.exp(Xd @ coef) * np.mean(np.exp(resid)))))
    boots = carbon_flux_t_c_yr(1.0, np.array(boots), fraction)
    out["daily"] = pd.DataFrame({"q_m3_s": qd, "dic_mmol_l": dic_d,
                                 "carbon_sink_kg_c_d": fraction * qd * dic_d * 86400 * M_C * 1e-3}, index=td)
    return out, boots
