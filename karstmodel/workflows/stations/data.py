"""A station's data files: the samples, the soil-gas CO2 and the continuous daily discharge, read and checked.

Each file may be comma-, semicolon- or tab-separated, with decimal commas in a ``;`` or tab file
(:mod:`karstmodel.io.dialect`), and its dates ISO 8601 or day-/month-first where the column shows the order
(:func:`karstmodel.io.dates.parse_times`), as for a catchment's drivers and observations.

A bad value raises :class:`chemistry.errors.InputError` naming the file, the column and the file line (the header is
line 1). The samples keep their source order; an empty estimate is filled only where ``[samples] estimates = "fill"``
says so, and every filled value is marked in ``ph_source`` / ``temp_source``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from ...io.files import parse_times, read_csv
from ...io.observations import read_station_file
from .schema import Station


CAVE_AIR_COLUMN = "cave_air_co2_ppmv"
CARBON_COLUMNS = ("hco3_mg_l", "alk_mg_l_caco3", "alk_meq_l", "dic_mg_c_l")
ION_COLUMNS = ("ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l", "no3_mg_l")


@dataclass
class StationData:
    samples: pd.DataFrame  # one row per sample, source order; 'datetime' column
    soil_co2: pd.DataFrame | None  # per date: site columns and 'mean_ppmv'
    discharge: pd.Series | None  # daily q_m3_s after the transform (DatetimeIndex)
    notes: list = field(default_factory=list)


def _numeric_column(df: pd.DataFrame, col: str, path, positive=False) -> np.ndarray:
    raw = df[col]
    vals = pd.to_numeric(raw, errors="coerce")
    text = raw.astype("string").str.strip().fillna("")
    bad = vals.isna().to_numpy() & (text != "").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {raw.iloc[i]!r}", file=str(path), column=col, row=i + 2)
    v = vals.to_numpy(dtype=float)
    badr = np.isfinite(v) & ((v <= 0) if positive else (v < 0))
    if badr.any():
        i = int(np.flatnonzero(badr)[0])
        raise InputError(f"value {v[i]} out of range (must be {'> 0' if positive else '>= 0'})", file=str(path),
                         column=col, row=i + 2)
    return v


def load_samples(st: Station) -> pd.DataFrame:
    """Samples with unit-named columns (karstmodel.io.observations.read_station_file: QA flags, detection limits)
    plus the station columns it does not read (cave-air CO2, estimates, flow condition)."""
    path = st.samples_file
    df = read_station_file(path, date_format=st.samples_date_format)
    raw = read_csv(path, dialects=True)
    missing = [c for c in ("temp_c", "ph") if c not in df.columns]
    if missing:
        raise InputError(f"missing required column {missing[0]!r} (samples need temp_c, ph and a carbon column)",
                         file=str(path), column=missing[0])
    if not any(c in df.columns for c in CARBON_COLUMNS):
        raise InputError(f"no carbon column; give one of {list(CARBON_COLUMNS)}", file=str(path))
    for col in ("temp_c_est", "ph_est", CAVE_AIR_COLUMN):
        if col in raw.columns:
            df[col] = _numeric_column(raw, col, path, positive=(col == CAVE_AIR_COLUMN))
    for col in ("ph_est",):
        if col in df.columns:
            v = df[col].to_numpy()
            bad = np.isfinite(v) & ((v < 0) | (v > 14))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"value {v[i]} out of range", file=str(path), column=col, row=i + 2)
    if st.flow_column is not None:
        if st.flow_column not in raw.columns:
            raise InputError("flow column named in [samples] flow_column not found", file=str(path),
                             column=st.flow_column)
        df["flow_condition"] = raw[st.flow_column].astype("string").str.strip().str.lower().fillna("").to_numpy()
    df["ph_source"] = np.where(np.isfinite(df["ph"]), "measured", "")
    df["temp_source"] = np.where(np.isfinite(df["temp_c"]), "measured", "")
    if st.estimates == "fill":
        for col, est in (("ph", "ph_est"), ("temp_c", "temp_c_est")):
            if est in df.columns:
                use = ~np.isfinite(df[col].to_numpy()) & np.isfinite(df[est].to_numpy())
                df.loc[use, col] = df.loc[use, est]
                df.loc[use, "ph_source" if col == "ph" else "temp_source"] = "estimate"
    if "q_m3_s" not in df.columns:
        if "q_l_s" in df.columns:
            df["q_m3_s"] = df["q_l_s"] / 1000.0
        else:
            df["q_m3_s"] = np.nan
    df = df.reset_index(drop=True)
    df.attrs["file"] = str(path)
    return df


def _parse_dates(df: pd.DataFrame, path, date_format: str | None, column: str = "date") -> pd.Series:
    """The ``date`` column as timestamps (``date_format``: the file table's strftime format, or None); an
    unparsable or ambiguous value raises an error naming file, column and row."""
    return parse_times(df[column], path, column, date_format)


def load_soil_co2(st: Station) -> pd.DataFrame | None:
    """Soil-gas CO2 (ppmv) per date: one column per site and ``mean_ppmv`` (arithmetic mean of the sites)."""
    if st.soil_co2_file is None:
        return None
    path = st.soil_co2_file
    df = read_csv(path, dialects=True)
    for col in ("date", "soil_co2_ppmv"):
        if col not in df.columns:
            raise InputError("missing required column", file=str(path), column=col)
    dates = _parse_dates(df, path, st.soil_co2_date_format)
    v = _numeric_column(df, "soil_co2_ppmv", path, positive=True)
    site = df["site"].astype(str) if "site" in df.columns else pd.Series(["soil"] * len(df))
    tab = pd.DataFrame({"date": dates.dt.normalize(), "site": site.to_numpy(), "ppmv": v}).dropna(subset=["ppmv"])
    if tab.empty:
        raise InputError("no soil CO2 values", file=str(path), column="soil_co2_ppmv")
    wide = tab.pivot_table(index="date", columns="site", values="ppmv", aggfunc="mean").sort_index()
    wide["mean_ppmv"] = wide.mean(axis=1)
    wide.columns.name = None
    return wide


def load_discharge(st: Station) -> pd.Series | None:
    """Continuous daily discharge (m3/s) with the station's linear transform q = scale x q_file + offset."""
    if st.discharge_file is None:
        return None
    path = st.discharge_file
    df = read_csv(path, dialects=True)
    if "date" not in df.columns:
        raise InputError("missing required column", file=str(path), column="date")
    col = "q_m3_s" if "q_m3_s" in df.columns else "q_l_s" if "q_l_s" in df.columns else None
    if col is None:
        raise InputError("no discharge column (q_m3_s or q_l_s)", file=str(path), column="q_m3_s")
    dates = _parse_dates(df, path, st.discharge_date_format)
    if dates.duplicated().any():
        i = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
        raise InputError("duplicate date", file=str(path), column="date", row=i + 2)
    q = _numeric_column(df, col, path)
    if col == "q_l_s":
        q = q / 1000.0
    q = st.discharge_scale * q + st.discharge_offset_m3_s
    s = pd.Series(q, index=pd.DatetimeIndex(dates.dt.normalize(), name="date"), name="q_m3_s").sort_index()
    s = s[np.isfinite(s.to_numpy())]
    if (s <= 0).any():
        raise InputError("discharge after the [discharge] transform is <= 0", file=str(path), column=col)
    if s.empty:
        raise InputError("no discharge values", file=str(path), column=col)
    return s


def load_station_data(st: Station) -> StationData:
    return StationData(samples=load_samples(st), soil_co2=load_soil_co2(st), discharge=load_discharge(st))
