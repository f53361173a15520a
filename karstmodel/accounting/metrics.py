"""Goodness-of-fit metrics for simulated vs observed series (NaN pairs are skipped, never filled).

* NSE: Nash & Sutcliffe (1970), J. Hydrol. 10:282.
* KGE: Gupta et al. (2009), J. Hydrol. 377:80, eq. 9: 1 - sqrt((r-1)^2 + (alpha-1)^2 + (beta-1)^2),
  alpha = sigma_s/sigma_o, beta = mu_s/mu_o.
* KGE': Kling, Fuchs & Paulin (2012), J. Hydrol. 424:264: gamma = CV_s/CV_o instead of alpha.
* scaled KGE: Gupta et al. (2009) eq. 10, 1 - sqrt((s_r (r-1))^2 + (s_a (alpha-1))^2 + (s_b (beta-1))^2): the
  scaling factors weight the three criteria (e.g. s_b = 5 for a quantity whose level matters most, such as DIC for
  a sink that is linear in it: a 5 % bias then costs as much as a correlation 0.25 lower).
* log-NSE: NSE of log(Q + eps), eps = 1 % of the mean observation (Pushpalatha et al. 2012, J. Hydrol. 420:171).
* PBIAS: 100 sum(s - o) / sum(o) (Moriasi et al. 2007, Trans. ASABE 50:885).
"""
from __future__ import annotations

import numpy as np


def _pairs(sim, obs):
    s = np.asarray(sim, dtype=float)
    o = np.asarray(obs, dtype=float)
    ok = np.isfinite(s) & np.isfinite(o)
    if ok.all():  # no copy when nothing is skipped (a calibration scores thousands of runs)
        return s, o
    return s[ok], o[ok]


def _moments(s, o):
    """(mean_s, mean_o, std_s, std_o, r): the means, the population standard deviations and Pearson's r of the
    pairs, from the centred sums of squares and products (r = 0 when s is constant). The same statistics as
    ``np.std`` and ``np.corrcoef`` to rounding, without their overhead: a calibration scores thousands of runs."""
    s_mean, o_mean = s.mean(), o.mean()
    sm, om = s - s_mean, o - o_mean
    sss, soo = float(sm @ sm), float(om @ om)
    n = o.size
    r = float(sm @ om) / np.sqrt(sss * soo) if sss > 0 and soo > 0 else 0.0
    r = min(max(r, -1.0), 1.0)  # rounding can carry |r| past 1 by an ulp
    return s_mean, o_mean, np.sqrt(sss / n), np.sqrt(soo / n), r


def nse(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    if o.size < 2 or np.var(o) == 0:
        return float("nan")
    return float(1.0 - np.sum((s - o) ** 2) / np.sum((o - o.mean()) ** 2))


def kge(sim, obs) -> float:
    """KGE (Gupta et al. 2009, eq. 9): the scaled KGE with all three factors 1."""
    return kge_scaled(sim, obs, (1.0, 1.0, 1.0))


def kge_scaled(sim, obs, scale=(1.0, 1.0, 1.0)) -> float:
    """KGE with scaling factors (s_r, s_alpha, s_beta) of its three criteria (Gupta et al. 2009, eq. 10)."""
    s, o = _pairs(sim, obs)
    if o.size < 2:
        return float("nan")
    s_mean, o_mean, s_std, o_std, r = _moments(s, o)
    if o_std == 0 or o_mean == 0:
        return float("nan")
    alpha = s_std / o_std
    beta = s_mean / o_mean
    sr, sa, sb = scale
    return float(1.0 - np.sqrt((sr * (r - 1)) ** 2 + (sa * (alpha - 1)) ** 2 + (sb * (beta - 1)) ** 2))


def kge_prime(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    if o.size < 2:
        return float("nan")
    s_mean, o_mean, s_std, o_std, r = _moments(s, o)
    if o_std == 0 or o_mean == 0 or s_mean == 0:
        return float("nan")
    gamma = (s_std / s_mean) / (o_std / o_mean)
    beta = s_mean / o_mean
    return float(1.0 - np.sqrt((r - 1) ** 2 + (gamma - 1) ** 2 + (beta - 1) ** 2))


def log_nse(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    if o.size < 2:
        return float("nan")
    eps = 0.01 * np.mean(o)
    if eps <= 0 or np.any(o + eps <= 0):  # a log of a quantity that is not positive (log pCO2, SI): undefined
        return float("nan")
    return nse(np.log(np.maximum(s, 0) + eps), np.log(np.maximum(o, 0) + eps))


def pbias(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    if o.size == 0 or o.sum() == 0:
        return float("nan")
    return float(100.0 * np.sum(s - o) / np.sum(o))


def rmse(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    return float(np.sqrt(np.mean((s - o) ** 2))) if o.size else float("nan")


def mae(sim, obs) -> float:
    s, o = _pairs(sim, obs)
    return float(np.mean(np.abs(s - o))) if o.size else float("nan")


def all_metrics(sim, obs) -> dict:
    s, o = _pairs(sim, obs)
    return {"kge": kge(sim, obs), "kge_prime": kge_prime(sim, obs), "nse": nse(sim, obs), "log_nse": log_nse(sim, obs),
            "pbias": pbias(sim, obs), "rmse": rmse(sim, obs), "mae": mae(sim, obs), "n": int(o.size)}


def flow_duration(q) -> tuple[np.ndarray, np.ndarray]:
    """Flow duration curve: the finite values of ``q`` sorted from high to low and their exceedance probabilities
    by the Weibull plotting position i / (n + 1), i = 1..n (Vogel & Fennessey 1994, J. Water Resour. Plan. Manag.
    120:485). Returns (exceedance, q_sorted)."""
    v = np.asarray(q, dtype=float)
    v = np.sort(v[np.isfinite(v)])[::-1]
    return np.arange(1, v.size + 1) / (v.size + 1.0), v


def autocorrelation(x, max_lag: int) -> np.ndarray:
    """Sample autocorrelation r_k = sum (x_t - m)(x_{t+k} - m) / sum (x_t - m)^2 for k = 0..max_lag (Box & Jenkins
    1976, eq. 2.1.12), over consecutive pairs that are both finite (gaps are skipped, not filled)."""
    v = np.asarray(x, dtype=float)
    ok = np.isfinite(v)
    m = v[ok].mean()
    d = np.where(ok, v - m, 0.0)
    den = float(d @ d)
    out = np.empty(max_lag + 1)
    for k in range(max_lag + 1):
        both = ok[: v.size - k] & ok[k:]
        out[k] = float(np.sum(d[: v.size - k][both] * d[k:][both])) / den if den > 0 else np.nan
    return out
