"""Forcing time series: read and check the drivers CSV, fill gaps only when asked, and compute PET.

Drivers CSV: ``date`` (ISO 8601 or day-/month-first where the file shows which, :func:`karstmodel.io.parse_times`; a UTC offset after a clock time is dropped and the clock time kept, so days are
the days of the clock that wrote the file: :func:`karstmodel.io.parse_times`; sub-daily time stamps are aggregated to days: precipitation summed, temperature
averaged, ``tmin_c``/``tmax_c`` from the daily min/max), ``precip_mm``, ``temp_c`` and optionally ``pet_mm``,
``tmin_c``, ``tmax_c``; other spellings through a column mapping or recognised by name
(:mod:`karstmodel.io.columns`); ``;``/tab delimiters and decimal commas as :mod:`karstmodel.io.dialect` detects
them. Every check names the file, column and row. Gaps (missing days or empty values) are refused
unless the catchment file picks a fill method:

* ``linear``: temperature and PET interpolated linearly in time, precipitation set to the long-term mean daily
  precipitation of that calendar month; only for gaps up to ``max_gap_days``.
* ``climatology``: every variable from its mean for that calendar day (temperature, PET) or calendar month
  (precipitation), any gap length.

Infinite values are refused like text; model runs also refuse a record shorter than ``MIN_RECORD_DAYS`` (30)
days. ``[simulation] start`` before the first or ``end`` after the last date of the record is refused (never
truncated silently).

The number of filled values per column is returned and reported in ``summary.json``; nothing is dropped.

PET methods
-----------
* Oudin et al. (2005), J. Hydrol. 303:290, eq. 3: PET = Re / (lambda rho) (T + 5) / 100 for T > -5 C, else 0,
  Re extraterrestrial radiation (FAO-56, Allen et al. 1998, eqs. 21-25), lambda = 2.45 MJ/kg, rho = 1000 kg/m3.
* Hargreaves & Samani (1985), as FAO-56 eq. 52: ET0 = 0.0023 (T + 17.8) sqrt(Tmax - Tmin) 0.408 Ra.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from . import columns
from .files import parse_times, read_csv

#: shortest record the model runs (days): the sink and the balances are annual rates, and a record of a day or
#: two gives no meaningful value for them
MIN_RECORD_DAYS = 30



@dataclass(frozen=True)
class Drivers:
    """Daily forcing (index: dates) and what was done to it."""

    data: pd.DataFrame  # precip_mm, temp_c, pet_mm (+ tmin_c, tmax_c)
    filled: dict  # column -> number of filled values
    source: str
    aggregated_from_subdaily: bool = False


def extraterrestrial_radiation_mj_m2_d(latitude_deg: float, day_of_year) -> np.ndarray:
    """Daily extraterrestrial radiation Ra (MJ m-2 d-1), FAO-56 (Allen et al. 1998) eqs. 21-25."""
    j = np.asarray(day_of_year, dtype=float)
    phi = np.deg2rad(latitude_deg)
    dr = 1.0 + 0.033 * np.cos(2.0 * np.pi * j / 365.0)
    delta = 0.409 * np.sin(2.0 * np.pi * j / 365.0 - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1.0, 1.0))
    gsc = 0.0820  # MJ m-2 min-1
    return 24.0 * 60.0 / np.pi * gsc * dr * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))


def pet_oudin(temp_c, latitude_deg: float, day_of_year) -> np.ndarray:
    """Oudin et al. (2005) eq. 3, mm/d."""
    ra = extraterrestrial_radiation_mj_m2_d(latitude_deg, day_of_year)
    t = np.asarray(temp_c, dtype=float)
    return np.where(t + 5.0 > 0.0, ra / 2.45 * (t + 5.0) / 100.0, 0.0)


def pet_hargreaves(temp_c, tmin_c, tmax_c, latitude_deg: float, day_of_year) -> np.ndarray:
    """Hargreaves & Samani (1985) as FAO-56 eq. 52, mm/d."""
    ra = extraterrestrial_radiation_mj_m2_d(latitude_deg, day_of_year)
    dt = np.maximum(np.asarray(tmax_c, dtype=float) - np.asarray(tmin_c, dtype=float), 0.0)
    return np.maximum(0.0023 * (np.asarray(temp_c, dtype=float) + 17.8) * np.sqrt(dt) * 0.408 * ra, 0.0)


def load_drivers(spec, latitude_deg: float, start=None, end=None, min_days: int = 0) -> Drivers:
    """Read, check, aggregate, gap-fill (if asked) and add PET. ``spec`` is a :class:`DriverSpec`. The model runs
    ask for ``min_days = MIN_RECORD_DAYS``: a shorter record in the period is refused naming the file."""
    path = str(spec.file)
    df = columns.apply(read_csv(spec.file, dialects=True), "drivers", dict(spec.columns), path)
    return _drivers_from_table(df, spec, latitude_deg, start, end, min_days, path, lambda i: {"row": i + 2})


def drivers_from_frame(frame: pd.DataFrame, spec, latitude_deg: float, start=None, end=None,
                       min_days: int = 0) -> Drivers:
    """The same checks, aggregation, gap filling and PET as :func:`load_drivers`, for a pandas DataFrame instead of
    a file: columns ``precip_mm``, ``temp_c`` (``pet_mm``, ``tmin_c``, ``tmax_c`` optional) and the dates either in a
    ``date`` column or as the index (a DatetimeIndex). ``spec`` (a :class:`DriverSpec`, e.g. the catchment's
    ``drivers``) gives the PET method and the gap filling; its file is not read. Errors name the column and the
    0-based row position (``column[i]``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Daily forcing: ``precip_mm`` (mm/d), ``temp_c`` (deg C), optional ``pet_mm``, ``tmin_c``, ``tmax_c``;
        dates in a ``date`` column or as the index.
    spec : karstmodel.config.schema.DriverSpec
        PET method (``oudin``, ``hargreaves`` or ``column``) and gap filling, e.g. ``catchment.drivers``.
    latitude_deg : float
        Latitude (degrees north), for the PET formulas' extraterrestrial radiation.
    start, end : str or date, optional
        The period to keep (ISO dates, inclusive); default the whole table.
    min_days : int, default 0
        Fewest days the period must hold (the model runs ask for ``MIN_RECORD_DAYS``).

    Returns
    -------
    Drivers
        ``data`` (daily table with ``pet_mm``), ``filled`` (the gaps filled per column) and ``source``.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    chemistry.InputError
        A missing or bad column, bad dates or values, or too short a period, naming ``column[i]``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"drivers: expected a pandas DataFrame, got {type(frame).__name__}")
    df = frame.copy()
    df.columns = [str(c) for c in df.columns]
    df = columns.apply(df, "drivers", dict(spec.columns), "drivers DataFrame", header_row=None)
    if "date" not in df.columns:
        if not isinstance(df.index, pd.DatetimeIndex):
            raise InputError("the DataFrame needs a 'date' column or a DatetimeIndex", file="drivers DataFrame",
                             column="date")
        df = df.reset_index(names="date")
    df = df.reset_index(drop=True)
    df["date"] = df["date"].astype(str) if not pd.api.types.is_datetime64_any_dtype(df["date"]) else \
        df["date"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    return _drivers_from_table(df, spec, latitude_deg, start, end, min_days, "drivers DataFrame",
                               lambda i: {"index": i})


def _drivers_from_table(df: pd.DataFrame, spec, latitude_deg: float, start, end, min_days: int, path: str,
                        where) -> Drivers:
    """:func:`load_drivers` after reading: ``path`` names the source in errors, ``where(i)`` locates row i."""
    for col in ("date", "precip_mm", "temp_c"):
        if col not in df.columns:
            raise InputError(columns.missing_message("drivers", ("date", "precip_mm", "temp_c"), df.columns),
                             file=path, column=col)
    if spec.pet == "column" and "pet_mm" not in df.columns:
        raise InputError("[drivers] pet = 'column' but the file has no pet_mm column", file=path, column="pet_mm")
    dates = parse_times(df["date"], path, "date", spec.date_format, where)
    dt = dates.diff().to_numpy()[1:]
    nonpos = np.flatnonzero(dt <= np.timedelta64(0, "s"))
    if nonpos.size:
        i = int(nonpos[0]) + 1
        raise InputError(f"dates must increase strictly; {dates.iloc[i].date()} follows {dates.iloc[i - 1].date()}",
                         file=path, column="date", **where(i))
    cols = [c for c in ("precip_mm", "temp_c", "pet_mm", "tmin_c", "tmax_c") if c in df.columns]
    for c in cols:
        v = pd.to_numeric(df[c], errors="coerce")
        badv = v.isna() & df[c].notna()
        if badv.any():
            i = int(np.flatnonzero(badv.to_numpy())[0])
            raise InputError(f"not a number: {df[c].iloc[i]!r}", file=path, column=c, **where(i))
        inf = np.flatnonzero(np.isinf(v.to_numpy(dtype=float)))
        if inf.size:
            i = int(inf[0])
            raise InputError(f"infinite value {df[c].iloc[i]}", file=path, column=c, **where(i))
        df[c] = v
    neg = np.flatnonzero((df["precip_mm"] < 0).to_numpy())
    if neg.size:
        i = int(neg[0])
        raise InputError(f"negative precipitation {df['precip_mm'].iloc[i]}", file=path, column="precip_mm", **where(i))
    if "pet_mm" in df.columns:
        neg = np.flatnonzero((df["pet_mm"] < 0).to_numpy())
        if neg.size:
            i = int(neg[0])
            raise InputError(f"negative PET {df['pet_mm'].iloc[i]}", file=path, column="pet_mm", **where(i))
    for c in ("temp_c", "tmin_c", "tmax_c"):
        if c in df.columns:
            out = np.flatnonzero(((df[c] < -60) | (df[c] > 60)).to_numpy())
            if out.size:
                i = int(out[0])
                raise InputError(f"temperature {df[c].iloc[i]} C outside -60..60 C (wrong unit?)", file=path,
                                 column=c, **where(i))

    # sub-daily -> daily
    day = dates.dt.normalize()
    subdaily = bool(day.duplicated().any()) or bool((dates != day).any())
    data = df[cols].copy()
    data.index = pd.DatetimeIndex(day, name="date")
    if subdaily:
        agg = {"precip_mm": lambda s: s.sum(min_count=1), "temp_c": "mean"}
        if "pet_mm" in cols:
            agg["pet_mm"] = lambda s: s.sum(min_count=1)
        daily = data.groupby(level=0).agg(agg)
        daily["tmin_c"] = data["temp_c"].groupby(level=0).min() if "tmin_c" not in cols else data["tmin_c"].groupby(level=0).min()
        daily["tmax_c"] = data["temp_c"].groupby(level=0).max() if "tmax_c" not in cols else data["tmax_c"].groupby(level=0).max()
        data = daily
    if spec.pet == "hargreaves" and not {"tmin_c", "tmax_c"} <= set(data.columns):
        # daily files need tmin_c/tmax_c; sub-daily ones get them from the daily extremes above
        raise InputError("[drivers] pet = 'hargreaves' needs tmin_c and tmax_c columns (or sub-daily temperatures)",
                         file=path, column="tmin_c")
    # period: [simulation] start and end must lie within the record (never truncated silently)
    first, last = data.index[0], data.index[-1]
    if start is not None and pd.Timestamp(start) < first:
        raise InputError(f"[simulation] start {pd.Timestamp(start).date()} is before the first date of the drivers "
                         f"({first.date()})", file=path, column="date")
    if end is not None and pd.Timestamp(end) > last:
        raise InputError(f"[simulation] end {pd.Timestamp(end).date()} is after the last date of the drivers "
                         f"({last.date()})", file=path, column="date")
    if start is not None:
        data = data[data.index >= pd.Timestamp(start)]
    if end is not None:
        data = data[data.index <= pd.Timestamp(end)]
    if data.empty:
        raise InputError(f"no driver data in the simulation period {start} .. {end}", file=path)
    days = (data.index[-1] - data.index[0]).days + 1
    if days < min_days:
        raise InputError(f"{days} day(s) of drivers in the simulation period; at least {min_days} days are "
                         "needed (the sink and the balances are annual rates)", file=path, column="date")
    full = pd.date_range(data.index[0], data.index[-1], freq="D", name="date")
    data = data.reindex(full)
    filled = {}
    for c in data.columns:
        miss = data[c].isna().to_numpy()
        if not miss.any():
            continue
        if spec.gap_fill == "none":
            i = int(np.flatnonzero(miss)[0])
            raise InputError(f"{int(miss.sum())} missing day(s) or empty value(s), first on {full[i].date()}; "
                             "fill them or set [drivers] gap_fill = 'linear' or 'climatology' in the catchment file",
                             file=path, column=c)
        run_len = _longest_run(miss)
        if spec.gap_fill == "linear" and run_len > spec.max_gap_days:
            i = int(np.flatnonzero(miss)[0])
            raise InputError(f"gap of {run_len} days is longer than max_gap_days = {spec.max_gap_days} "
                             f"(first missing {full[i].date()}); use gap_fill = 'climatology' or fill it",
                             file=path, column=c)
        s = data[c]
        if c == "precip_mm":
            clim = s.groupby(s.index.month).transform("mean")
            data[c] = s.fillna(clim)
        elif spec.gap_fill == "linear":
            data[c] = s.interpolate(method="time", limit_direction="both")
        else:
            clim = s.groupby(s.index.day_of_year).transform("mean")
            data[c] = s.fillna(clim).interpolate(limit_direction="both")
        if data[c].isna().any():
            raise InputError("gap cannot be filled (no data for that calendar period)", file=path, column=c)
        filled[c] = int(miss.sum())
    doy = data.index.day_of_year.to_numpy()
    if spec.pet == "oudin":
        data["pet_mm"] = pet_oudin(data["temp_c"].to_numpy(), latitude_deg, doy)
    elif spec.pet == "hargreaves":
        data["pet_mm"] = pet_hargreaves(data["temp_c"].to_numpy(), data["tmin_c"].to_numpy(),
                                        data["tmax_c"].to_numpy(), latitude_deg, doy)
    return Drivers(data=data, filled=filled, source=path, aggregated_from_subdaily=subdaily)


def _longest_run(mask: np.ndarray) -> int:
    best = cur = 0
    for v in mask:
        cur = cur + 1 if v else 0
        best = max(best, cur)
    return best
