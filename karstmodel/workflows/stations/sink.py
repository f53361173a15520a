"""The observation-based carbon sink of a station from its samples (flux mode).

Zeng, Liu & Kaufmann (2019), Nat. Commun. 10:5749, eq. 1: CSF = 0.5 x 12 x R x DIC, here as a mass flux. From the
samples alone the sink is the discharge-weighted DIC at sample times times the mean sample discharge, i.e. the mean
of the instantaneous loads Q_i DIC_i. This is biased towards the sampled flow conditions (storms are often
over-sampled, floods under-sampled); the bias is reported, not corrected. Uncertainty: a non-parametric bootstrap
over the samples, 90 % percentile interval.

Carbonic-acid share: sulfuric (and nitric) acid dissolve carbonate without consuming CO2, so removing 2 SO4 (+ NO3)
from DIC is an upper bound of that correction (SO4 may also come from gypsum or deposition); the carbonic-only sink
is reported as a range [DIC - 2 SO4 - NO3, DIC]. A year is 365.25 days.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...accounting.sink import CO2_PER_C, ZENG_C_G_MOL, sink_flux


SECONDS_PER_YEAR = 86400.0 * 365.25


def carbon_flux_t_c_yr(q_m3_s, dic_mmol_l, fraction: float = 0.5):
    """Carbon flux (t C/yr) of ``fraction`` x DIC carried by discharge: fraction x DIC [mol/m3] x Q [m3/s]
    x 365.25 x 86400 s x 12 g/mol x 1e-6 t/g (Zeng et al. 2019, eq. 1, as a mass flux)."""
    return fraction * np.asarray(dic_mmol_l, float) * np.asarray(q_m3_s, float) * SECONDS_PER_YEAR * ZENG_C_G_MOL * 1e-6


def _flux_block(t_c_yr: float, area_km2, mean_q: float, dic_fw: float, fraction: float) -> dict:
    out = {"carbon_sink_t_c_yr": float(t_c_yr), "carbon_sink_t_co2_yr": float(t_c_yr * CO2_PER_C),
           "dic_export_t_c_yr": float(t_c_yr / fraction) if fraction > 0 else float("nan"),
           "mean_q_m3_s": float(mean_q), "dic_mmol_l_flow_weighted": float(dic_fw)}
    if area_km2:
        r_m_yr = mean_q * SECONDS_PER_YEAR / (area_km2 * 1e6)
        out["runoff_mm_yr"] = float(r_m_yr * 1000.0)
        out["carbon_sink_tc_km2_yr"] = float(sink_flux(r_m_yr, dic_fw) * fraction / 0.5)
        out["carbon_sink_t_co2_km2_yr"] = out["carbon_sink_tc_km2_yr"] * CO2_PER_C
    return out


def flux_from_samples(q_m3_s, dic_mmol_l, area_km2=None, fraction: float = 0.5) -> dict:
    """Flux mode from samples: mean sample discharge x discharge-weighted DIC (= the mean instantaneous load)."""
    q = np.asarray(q_m3_s, float)
    d = np.asarray(dic_mmol_l, float)
    ok = np.isfinite(q) & np.isfinite(d)
    if ok.sum() < 1:
        raise ValueError("no sample with both discharge and DIC")
    q, d = q[ok], d[ok]
    dic_fw = float(np.sum(q * d) / np.sum(q))
    mean_q = float(np.mean(q))
    out = _flux_block(float(carbon_flux_t_c_yr(mean_q, dic_fw, fraction)), area_km2, mean_q, dic_fw, fraction)
    out["n"] = int(ok.sum())
    return out


def bootstrap_samples_flux(q, d, n_boot: int, rng, fraction=0.5) -> np.ndarray:
    q = np.asarray(q, float)
    d = np.asarray(d, float)
    ok = np.isfinite(q) & np.isfinite(d)
    q, d = q[ok], d[ok]
    if n_boot <= 0 or q.size < 2:
        return np.array([])
    idx = rng.integers(0, q.size, size=(n_boot, q.size))
    load = np.mean(q[idx] * d[idx], axis=1)  # mean of Q_i DIC_i = mean Q x flow-weighted DIC
    return carbon_flux_t_c_yr(1.0, load, fraction)


def _interval(boots: np.ndarray, point: float, per_km2_factor=None) -> dict:
    b = np.asarray(boots, float)
    b = b[np.isfinite(b)]
    if b.size < 10:
        return {"method": "none (too few bootstrap replicates)"}
    lo, med, hi = np.percentile(b, [5, 50, 95])
    out = {"method": "bootstrap over samples, 5-95 % percentiles", "n_boot": int(b.size),
           "t_c_yr": [float(lo), float(hi)], "t_c_yr_median": float(med),
           "t_co2_yr": [float(lo * CO2_PER_C), float(hi * CO2_PER_C)],
           "contains_point_estimate": bool(lo <= point <= hi)}
    if per_km2_factor:
        out["tc_km2_yr"] = [float(lo / per_km2_factor), float(hi / per_km2_factor)]
    return out


def carbonic_dic(samples: pd.DataFrame, dic: np.ndarray) -> tuple[np.ndarray | None, str]:
    """DIC minus the strong-acid share: 2 SO4 (+ NO3 where measured), mmol/L; None without SO4."""
    if "so4_mg_l" not in samples.columns or not np.isfinite(samples["so4_mg_l"]).any():
        return None, "SO4 not measured: the sink is an upper bound with respect to sulfuric-acid weathering"
    so4 = samples["so4_mg_l"].to_numpy(float) / 96.064
    corr = 2.0 * so4
    what = "2 SO4"
    if "no3_mg_l" in samples.columns:
        corr = corr + np.nan_to_num(samples["no3_mg_l"].to_numpy(float) / 62.0067)
        what = "2 SO4 + NO3"
    return dic - corr, f"DIC - {what} (all SO4 from sulfide oxidation, all NO3 from nitrification: upper bound)"
