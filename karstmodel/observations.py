"""Station observations: discharge now (chemistry columns follow the same unit-named convention).

Discharge columns, in order of preference: ``q_m3_s``, ``q_l_s``, ``q_mm_d`` (mm/d over the catchment area).
Empty values are gaps: they stay NaN and are skipped by the metrics, never filled or dropped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from .io import read_csv


def m3_s_to_mm_d(q_m3_s, area_km2: float):
    """Discharge (m3/s) to runoff depth (mm/d) over ``area_km2``: q x 86400 / (A x 1e6) x 1000."""
    return np.asarray(q_m3_s, dtype=float) * 86.4 / area_km2


def mm_d_to_m3_s(q_mm_d, area_km2: float):
    return np.asarray(q_mm_d, dtype=float) * area_km2 / 86.4


def load_discharge_observations(path, area_km2: float, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Observed discharge as ``q_obs_mm`` and ``q_obs_m3_s`` on the model's daily index (NaN where missing)."""
    df = read_csv(path)
    if "date" not in df.columns:
        raise InputError("missing required column", file=str(path), column="date")
    dates = pd.to_datetime(df["date"], errors="coerce")
    bad = dates.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"cannot parse date {df['date'].iloc[i]!r}", file=str(path), column="date", row=i + 2)
    if dates.duplicated().any():
        i = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
        raise InputError("duplicate date", file=str(path), column="date", row=i + 2)
    col = next((c for c in ("q_m3_s", "q_l_s", "q_mm_d") if c in df.columns), None)
    if col is None:
        raise InputError("no discharge column (q_m3_s, q_l_s or q_mm_d)", file=str(path))
    q = pd.to_numeric(df[col], errors="coerce")
    badv = q.isna() & df[col].notna()
    if badv.any():
        i = int(np.flatnonzero(badv.to_numpy())[0])
        raise InputError(f"not a number: {df[col].iloc[i]!r}", file=str(path), column=col, row=i + 2)
    if (q < 0).any():
        i = int(np.flatnonzero((q < 0).to_numpy())[0])
        raise InputError("negative discharge", file=str(path), column=col, row=i + 2)
    if col == "q_m3_s":
        mm = m3_s_to_mm_d(q, area_km2)
    elif col == "q_l_s":
        mm = m3_s_to_mm_d(q / 1000.0, area_km2)
    else:
        mm = q.to_numpy(float)
    out = pd.DataFrame({"q_obs_mm": mm}, index=pd.DatetimeIndex(dates.dt.normalize(), name="date"))
    if index is not None:
        out = out.reindex(index)
    out["q_obs_m3_s"] = mm_d_to_m3_s(out["q_obs_mm"].to_numpy(), area_km2)
    return out
