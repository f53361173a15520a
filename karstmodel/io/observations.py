"""Station observations: discharge and water chemistry, continuous loggers and discrete samples.

Discharge columns, in order of preference: ``q_m3_s``, ``q_l_s``, ``q_mm_d`` (mm/d over the catchment area). A
file may hold chemistry only (no discharge column: no observed discharge); a file with neither is refused.
Observed discharge that does not overlap the simulation period at all is refused (never "0 days compared").
Time stamps follow :func:`karstmodel.io.parse_times` (a UTC offset is dropped, the clock time kept).
Chemistry columns (unit-named, docs/interface.md): ``temp_c, ph, ec_us_cm, ca_mg_l, mg_mg_l, hco3_mg_l, alk_mg_l_caco3,
dic_mg_c_l, pco2_atm, do_mg_l`` (and the other major ions of :func:`chemistry.speciate`).

* Time stamps may be daily or sub-daily (``date`` or ``datetime`` column); for comparison with the daily model,
  values are averaged per day (loggers) and a day with samples gets their mean.
* QA flags: a column ``<name>_flag``; values R, X, rejected, invalid (any case) drop that value (kept as NaN and
  counted in ``attrs["rejected"]``), anything else keeps it.
* Detection limits: a value written ``<0.5`` (or a column ``<name>_nondetect`` that is true) is below the
  detection limit; it is replaced by half the limit (a common substitution; e.g. Helsel 2012, *Statistics for
  censored environmental data*, ch. 1, discusses its bias) and counted in ``attrs["censored"]``.
* Derived quantities come from the chemistry core (:func:`chemistry.speciate`): DIC, HCO3-, pCO2 and SI from pH,
  temperature and carbon (DIC, alkalinity or HCO3-); ``*_mmol_l`` columns for Ca and Mg.

Empty values are gaps: they stay NaN and are skipped by the metrics, never filled or dropped.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from chemistry import thermo
from chemistry.censored import DETECTION_LIMIT_FRACTION, parse_values
from chemistry.constants import M_C_G_MOL, MM_D_PER_M3_S_KM2
from chemistry.errors import InputError

from . import columns as columns_mod
from .columns import CHEMISTRY_COLUMNS
from .files import parse_times, read_csv
import chemistry


def m3_s_to_mm_d(q_m3_s, area_km2: float):
    """Discharge (m3/s) to runoff depth (mm/d) over ``area_km2``: q x 86400 / (A x 1e6) x 1000
    (:data:`chemistry.constants.MM_D_PER_M3_S_KM2` = 86.4); the model's one conversion, with :func:`mm_d_to_m3_s`."""
    return np.asarray(q_m3_s, dtype=float) * MM_D_PER_M3_S_KM2 / area_km2


def mm_d_to_m3_s(q_mm_d, area_km2: float):
    """Runoff depth (mm/d) over ``area_km2`` to discharge (m3/s), the inverse of :func:`m3_s_to_mm_d`."""
    return np.asarray(q_mm_d, dtype=float) * area_km2 / MM_D_PER_M3_S_KM2


def load_discharge_observations(path, area_km2: float, index: pd.DatetimeIndex | None = None, columns=(),
                                date_format: str | None = None) -> pd.DataFrame:
    """Observed discharge as ``q_obs_mm`` and ``q_obs_m3_s`` on the model's daily index (NaN where missing).
    ``path``: the observations file, or a pandas DataFrame with the same columns (dates in a ``date``/``datetime``
    column or as the index) and the same checks (errors name ``column[i]``, the 0-based row position).
    ``columns`` and ``date_format``: how to read the file (the catchment's ``[observations]`` table,
    :class:`karstmodel.config.schema.ObservationSpec`). A parsed file is kept per process (keyed by path, size,
    modification time and the reading options), so repeated runs of one catchment (scenarios, ensembles) do not
    parse it again; an edited file is read anew."""
    columns = tuple(dict(columns).items())
    if isinstance(path, pd.DataFrame):
        dates, q, col = _parse_discharge(path, columns, date_format)
        name = FRAME
    else:
        p = Path(path)
        name = str(path)
        try:
            st = p.stat()
            key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        except OSError:
            key = (str(p), -1, -1)  # missing: _parse_discharge raises the clear error
        dates, q, col = (_read_discharge(*key, columns, date_format) if key[1] >= 0
                         else _parse_discharge(path, columns, date_format))
    if col == "q_m3_s":
        mm = m3_s_to_mm_d(q, area_km2)
    elif col == "q_l_s":
        mm = m3_s_to_mm_d(q / 1000.0, area_km2)
    else:
        mm = q
    out = pd.DataFrame({"q_obs_mm": np.array(mm, dtype=float)}, index=dates)
    if index is not None:
        have = np.isfinite(out["q_obs_mm"].to_numpy())
        out = out.reindex(index)
        if have.any() and len(index) and not np.isfinite(out["q_obs_mm"].to_numpy()).any():
            d = dates[have]
            raise InputError(f"no observed discharge falls in the simulation period {index[0].date()} .. "
                             f"{index[-1].date()} (the {int(have.sum())} observed days run {d[0].date()} .. "
                             f"{d[-1].date()}); check the dates (year, time zone) or [simulation] start/end",
                             file=name, column=col)
    out["q_obs_m3_s"] = mm_d_to_m3_s(out["q_obs_mm"].to_numpy(), area_km2)
    out.attrs["q_unit"] = "mm_d" if col == "q_mm_d" else "m3_s"
    return out


#: the name of a DataFrame given in place of an observations file, in errors
FRAME = "observations DataFrame"


def _row(i: int) -> dict:
    return {"row": i + 2}


def _index(i: int) -> dict:
    return {"index": i}


def observation_table(source, columns=(), date_format: str | None = None):
    """An observations file or DataFrame with the model's column names (:mod:`karstmodel.io.columns`): returns
    ``(table, name, where)``, ``name`` naming the source in errors and ``where(i)`` locating its 0-based row i (the
    file line i + 2, or ``column[i]`` for a DataFrame). A DataFrame's dates may be its index (a DatetimeIndex)."""
    mapping = dict(columns)
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        df.columns = [str(c) for c in df.columns]
        df = columns_mod.apply(df, "observations", mapping, FRAME, header_row=None)
        if "date" not in df.columns and "datetime" not in df.columns:
            if not isinstance(df.index, pd.DatetimeIndex):
                raise InputError("the DataFrame needs a 'date' (or 'datetime') column or a DatetimeIndex", file=FRAME,
                                 column="date")
            df = df.reset_index(names="date")
        df = df.reset_index(drop=True)
        for c in ("date", "datetime"):
            if c in df.columns and pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].dt.strftime("%Y-%m-%dT%H:%M:%S")
        return df, FRAME, _index
    if not isinstance(source, (str, Path)):
        raise TypeError(f"observations: expected a file path or a pandas DataFrame, got {type(source).__name__}")
    df = columns_mod.apply(read_csv(source, dialects=True), "observations", mapping, str(source))
    return df, str(source), _row


def observation_columns(spec) -> list:
    """The model's column names of an observations file (an :class:`~karstmodel.config.schema.ObservationSpec`):
    the header read with the file's dialect and column mapping."""
    head = read_csv(spec.file, dialects=True, nrows=5)
    renames, _ = columns_mod.resolve(head.columns, "observations", dict(spec.columns), str(spec.file))
    return [renames.get(c, c) for c in head.columns]


@lru_cache(maxsize=32)
def _read_discharge(path: str, size: int, mtime_ns: int, columns: tuple, date_format):
    dates, q, col = _parse_discharge(path, columns, date_format)
    q.flags.writeable = False  # shared between runs: never modified
    return dates, q, col


def _parse_discharge(source, columns=(), date_format=None):
    """Dates (daily), daily mean discharge in the file's own unit and the column used."""
    df, name, where = observation_table(source, columns, date_format)
    tcol = "date" if "date" in df.columns else "datetime" if "datetime" in df.columns else None
    if tcol is None:
        raise InputError(columns_mod.missing_message("observations", ("date",), df.columns), file=name,
                         column="date")
    dates = parse_times(df[tcol], name, tcol, date_format, where)
    if dates.duplicated().any():
        i = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
        raise InputError("duplicate date", file=name, column=tcol, **where(i))
    col = next((c for c in ("q_m3_s", "q_l_s", "q_mm_d") if c in df.columns), None)
    if col is None:
        if not any(c in df.columns for c in CHEMISTRY_COLUMNS):
            raise InputError("no discharge column (q_m3_s, q_l_s or q_mm_d) and no chemistry column ("
                             f"{', '.join(CHEMISTRY_COLUMNS)}); nothing to compare with; map a column with "
                             f"{columns_mod.COLUMNS_SYNTAX}", file=name)
        # chemistry only: no observed discharge (NaN), the chemistry columns are read by load_chemistry_observations
        days = pd.DatetimeIndex(dates.dt.normalize(), name="date").unique()
        return days, np.full(len(days), np.nan), "none"
    q = pd.to_numeric(df[col], errors="coerce")
    badv = q.isna() & df[col].notna()
    if badv.any():
        i = int(np.flatnonzero(badv.to_numpy())[0])
        raise InputError(f"not a number: {df[col].iloc[i]!r}", file=name, column=col, **where(i))
    if (q < 0).any():
        i = int(np.flatnonzero((q < 0).to_numpy())[0])
        raise InputError("negative discharge", file=name, column=col, **where(i))
    daily = pd.Series(q.to_numpy(float), index=pd.DatetimeIndex(dates.dt.normalize(), name="date")).groupby(level=0).mean()
    return daily.index, daily.to_numpy().copy(), col


_REJECT = {"r", "x", "rejected", "invalid"}


def read_station_file(path, columns=(), date_format: str | None = None) -> pd.DataFrame:
    """Read a station CSV with unit-named columns (or a pandas DataFrame of samples with the same columns, checked
    the same way, errors naming ``column[i]``); apply QA flags and detection limits (module docstring).
    ``columns``/``date_format``: as :func:`load_discharge_observations`. Returns the values at their own time
    stamps (column ``datetime``) with ``attrs`` counts."""
    df, name, where = observation_table(path, columns, date_format)
    path = name
    tcol = "datetime" if "datetime" in df.columns else "date" if "date" in df.columns else None
    if tcol is None:
        raise InputError("missing time column (date or datetime)", file=str(path), column="date")
    t = parse_times(df[tcol], path, tcol, date_format, where)
    out = pd.DataFrame({"datetime": t})
    rejected, censored = {}, {}
    for col in CHEMISTRY_COLUMNS + ("q_m3_s", "q_l_s", "q_mm_d"):
        if col not in df.columns:
            continue
        raw = df[col]
        parsed = parse_values(raw)  # "<L" -> L / 2, shared with chemistry.speciate
        if parsed.bad.any():
            i = int(np.flatnonzero(parsed.bad)[0])
            raise InputError(f"not a number: {raw.iloc[i]!r}", file=str(path), column=col, **where(i))
        v, cens = parsed.values, parsed.censored.copy()
        nd_col = f"{col}_nondetect"
        if nd_col in df.columns:
            nd = df[nd_col].astype("string").str.lower().isin(["true", "1", "yes"]).fillna(False).to_numpy(dtype=bool)
            v = np.where(nd & ~cens, DETECTION_LIMIT_FRACTION * v, v)
            cens |= nd
        if cens.any():
            censored[col] = int(cens.sum())
        flag = f"{col}_flag"
        if flag in df.columns:
            rej = df[flag].astype("string").str.strip().str.lower().isin(_REJECT).fillna(False).to_numpy()
            if rej.any():
                rejected[col] = int(rej.sum())
                v = np.where(rej, np.nan, v)
        if col in ("ph",):
            badr = np.isfinite(v) & ((v < 0) | (v > 14))
        elif col == "temp_c":
            badr = np.isfinite(v) & ((v < -5) | (v > thermo.TEMP_MAX_C))
        else:
            badr = np.isfinite(v) & (v < 0)
        if badr.any():
            i = int(np.flatnonzero(badr)[0])
            raise InputError(f"value {v[i]} out of range", file=str(path), column=col, **where(i))
        out[col] = v
    out.attrs["rejected"] = rejected
    out.attrs["censored"] = censored
    return out


def derive_chemistry(samples: pd.DataFrame, database: str = "phreeqc.dat") -> pd.DataFrame:
    """Add model-comparable columns: ``ca_mmol_l, mg_mmol_l`` and, where pH, temperature and carbon exist,
    ``dic_mmol_l, hco3_mmol_l, log_pco2, si_calcite, si_dolomite`` from :func:`chemistry.speciate`."""
    out = samples.copy()
    if "ca_mg_l" in out.columns:
        out["ca_mmol_l"] = out["ca_mg_l"] / 40.078
    if "mg_mg_l" in out.columns:
        out["mg_mmol_l"] = out["mg_mg_l"] / 24.305
    carbon = [c for c in ("hco3_mg_l", "alk_mg_l_caco3", "alk_meq_l", "dic_mg_c_l") if c in out.columns]
    if {"temp_c", "ph"} <= set(out.columns) and carbon:
        cols = ["temp_c", "ph"] + carbon + [c for c in ("ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l",
                                                         "so4_mg_l", "no3_mg_l") if c in out.columns]
        sp = chemistry.speciate(out[cols].reset_index(drop=True), database=database)
        for c in ("dic_mmol_l", "hco3_mmol_l", "log_pco2", "si_calcite", "si_dolomite", "co2aq_mmol_l"):
            out[c] = sp[c].to_numpy()
        out["speciation_error"] = sp["speciation_error"].to_numpy()
    elif "dic_mg_c_l" in out.columns:
        out["dic_mmol_l"] = out["dic_mg_c_l"] / M_C_G_MOL
    if "pco2_atm" in out.columns and "log_pco2" not in out.columns:
        out["log_pco2"] = np.log10(out["pco2_atm"])
    if "ec_us_cm" in out.columns:
        out["ec_us_cm_est"] = out["ec_us_cm"]
    return out


def load_chemistry_observations(path, index: pd.DatetimeIndex | None = None, columns=(),
                                date_format: str | None = None) -> pd.DataFrame:
    """Chemistry observations averaged per day (derived columns included), on ``index`` when given; ``path`` a file
    or a DataFrame (:func:`read_station_file`)."""
    raw = read_station_file(path, columns, date_format)
    chem_cols = [c for c in CHEMISTRY_COLUMNS if c in raw.columns]
    if not chem_cols:
        return pd.DataFrame(index=index)
    der = derive_chemistry(raw)
    num = der.drop(columns=[c for c in ("speciation_error",) if c in der.columns])
    num = num.drop(columns=[c for c in ("q_m3_s", "q_l_s", "q_mm_d") if c in num.columns])
    daily = num.groupby(num["datetime"].dt.normalize()).mean(numeric_only=True)
    daily.index.name = "date"
    if index is not None:
        daily = daily.reindex(index)
    daily.attrs.update(raw.attrs)
    return daily
