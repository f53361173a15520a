"""Speciation of the station samples with the chemistry core, the observed DIC and the stoichiometry of weathering.

Every sample is speciated with :func:`chemistry.speciate` (pCO2, SI calcite/dolomite, DIC, charge balance). The
(Ca+Mg)/HCO3 molar ratio is 0.5 for carbonic-acid weathering of calcite or dolomite and larger where sulfuric or
nitric acid dissolves carbonate (2 CaCO3 + H2SO4 -> 2 Ca2+ + 2 HCO3- + SO4 2-; CaCO3 + HNO3 -> Ca2+ + HCO3- + NO3-).
Observed DIC in mmol/L = dic_mg_c_l / 12.0111, the formula weight of C in the pinned database, as
:func:`chemistry.speciate` uses.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import chemistry
from chemistry.constants import M_C_G_MOL

from .data import CARBON_COLUMNS, ION_COLUMNS


#: g/mol C as in the pinned database (SOLUTION_MASTER_SPECIES), the factor chemistry.speciate uses for dic_mg_c_l
GFW_C = M_C_G_MOL


def speciate_samples(samples: pd.DataFrame, database: str = "phreeqc.dat") -> pd.DataFrame:
    """:func:`chemistry.speciate` on every sample (temp_c, ph, the carbon column(s), the measured major ions)."""
    cols = ["temp_c", "ph"] + [c for c in CARBON_COLUMNS + ION_COLUMNS if c in samples.columns]
    return chemistry.speciate(samples[cols].reset_index(drop=True), database=database)


def observed_dic(samples: pd.DataFrame, speciated: pd.DataFrame) -> np.ndarray:
    """Observed DIC (mmol/L): measured DIC where given (dic_mg_c_l / 12.0111), otherwise DIC from the speciation
    (alkalinity or HCO3- with pH and temperature)."""
    sp = speciated["dic_mmol_l"].to_numpy(dtype=float)
    if "dic_mg_c_l" in samples.columns:
        meas = samples["dic_mg_c_l"].to_numpy(dtype=float) / GFW_C
        return np.where(np.isfinite(meas), meas, sp)
    return sp


def describe(values) -> dict:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0}
    q = np.percentile(v, [5, 25, 50, 75, 95])
    return {"n": int(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "min": float(v.min()), "p05": float(q[0]), "p25": float(q[1]), "median": float(q[2]),
            "p75": float(q[3]), "p95": float(q[4]), "max": float(v.max())}


def speciation_summary(samples: pd.DataFrame, sp: pd.DataFrame) -> dict:
    ok = sp["speciation_error"].fillna("") == ""
    out = {"n_samples": int(len(sp)), "n_speciated": int(ok.sum()),
           "errors": {str(k): int(v) for k, v in sp.loc[~ok, "speciation_error"].value_counts().items()},
           "carbon_input": {str(k): int(v) for k, v in sp.loc[ok, "carbon_input"].value_counts().items()}}
    for col in ("log_pco2", "si_calcite", "si_dolomite", "dic_mmol_l", "hco3_mmol_l", "ionic_strength",
                "charge_balance_pct"):
        if col in sp.columns:
            out[col] = describe(sp.loc[ok, col])
    out["pco2_ppm"] = describe(10.0 ** sp.loc[ok, "log_pco2"] * 1e6)
    ions = [c for c in ION_COLUMNS if c in samples.columns]
    out["ions_measured"] = ions
    complete = {"ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l"} <= set(ions)
    out["charge_balance_note"] = ("major ions measured: the charge balance checks the analyses" if complete else
                                  f"only {', '.join(ions) or 'no ions'} measured: the charge balance reflects the "
                                  "unmeasured ions, not the analytical quality")
    return out


def stoichiometry(samples: pd.DataFrame, sp: pd.DataFrame) -> tuple[dict, np.ndarray | None]:
    """(Ca+Mg)/HCO3 molar ratio (0.5 for carbonic-acid weathering of calcite/dolomite; larger with sulfuric or
    nitric acid). HCO3 = free HCO3- + CaHCO3+ + MgHCO3+ from the speciation; Ca, Mg analytical totals.
    Returns (summary, per-sample ratio)."""
    if "ca_mg_l" not in samples.columns:
        return {"note": "Ca not measured"}, None
    ca = samples["ca_mg_l"].to_numpy(float) / 40.078
    mg = samples["mg_mg_l"].to_numpy(float) / 24.305 if "mg_mg_l" in samples.columns else 0.0
    hco3 = sp["hco3_mmol_l"].to_numpy(float)
    for c in ("cahco3_mmol_l", "mghco3_mmol_l"):
        if c in sp.columns:
            hco3 = hco3 + np.nan_to_num(sp[c].to_numpy(float))
    ratio = (ca + mg) / hco3
    name = "ca_mg_over_hco3" if "mg_mg_l" in samples.columns else "ca_over_hco3"
    d = describe(ratio)
    v = ratio[np.isfinite(ratio)]
    d["share_above_0_55"] = float(np.mean(v > 0.55)) if v.size else float("nan")
    return {"ratio": name, **d, "reference": 0.5,
            "note": ("Mg not measured: Ca/HCO3 only (a lower bound of (Ca+Mg)/HCO3)" if name == "ca_over_hco3"
                     else "(Ca+Mg)/HCO3 = 0.5 for carbonic-acid weathering of calcite and dolomite")}, ratio
