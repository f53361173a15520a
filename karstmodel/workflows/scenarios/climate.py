"""The drivers of a scenario: the baseline's (the catchment's own, repeated with ``extend_to``) and the
scenario's with its ``[climate]`` deltas, and the soil-only warming change."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd




from ...config.catchment import Catchment
from ...processes.changes import SoilWarming
from ...io.drivers import MIN_RECORD_DAYS, Drivers, load_drivers, pet_hargreaves, pet_oudin
from .file import _CLIMATE_KEYS, _date, _err, _num

def _climate_table(doc: dict) -> dict:
    tbl = doc.get("climate") or {}
    for key in tbl:
        if key not in _CLIMATE_KEYS:
            _err(doc, f"[climate] {key}", f"unknown key (allowed: {', '.join(sorted(_CLIMATE_KEYS))})")
    return tbl


def _extension(drivers: Drivers, doc: dict) -> tuple[pd.DataFrame, int, np.ndarray]:
    """The record repeated (cycled day by day from its first day) to ``[climate] extend_to``, unchanged; the
    number of days added; the day of year of the recorded day each day repeats (for Oudin PET)."""
    data = drivers.data
    tbl = _climate_table(doc)
    end = pd.Timestamp(_date(doc, tbl, "extend_to", "[climate] ", str(data.index[-1].date())))
    doy = data.index.day_of_year.to_numpy()
    if end <= data.index[-1]:
        return data, 0, doy
    n_extra = (end - data.index[-1]).days
    src = np.arange(len(data), len(data) + n_extra) % len(data)
    tiled = data.iloc[src].copy()
    tiled.index = pd.date_range(data.index[-1] + pd.Timedelta(days=1), periods=n_extra, freq="D", name="date")
    return pd.concat([data, tiled]), n_extra, np.concatenate([doy, doy[src]])


def baseline_drivers(drivers: Drivers, c: Catchment, doc: dict) -> Drivers:
    """Drivers of the baseline run: the catchment's record, unmodified, repeated to ``[climate] extend_to`` when the
    scenario extends it (so baseline and scenario cover the same days); never the scenario's climate deltas."""
    data, n_extra, _ = _extension(drivers, doc)
    if not n_extra:
        return drivers
    return Drivers(data=data, filled=drivers.filled, source=drivers.source + " (record repeated)")


def climate_drivers(drivers: Drivers, c: Catchment, doc: dict) -> Drivers:
    """Drivers of the scenario run under its [climate] table: delta change (air temperature, precipitation and PET
    factors) over the whole record, or, with ``extend_to``, the record repeated to that date with the deltas growing
    linearly over the added days (the recorded days unchanged); or a projection file. ``soil_temp_delta_c`` leaves
    the drivers alone (a :class:`~karstmodel.processes.changes.SoilWarming` change, :func:`climate_changes`)."""
    tbl = _climate_table(doc)
    if not tbl:
        return drivers
    where = "[climate] "
    if "file" in tbl:
        spec = replace(c.drivers, file=(Path(doc["_path"]).parent / tbl["file"]).resolve())
        return load_drivers(spec, c.latitude, min_days=MIN_RECORD_DAYS)
    dt = _num(doc, tbl, "temp_delta_c", where, 0.0, -15.0, 15.0)
    pf = _num(doc, tbl, "precip_factor", where, 1.0, 0.1, 5.0)
    ef = _num(doc, tbl, "pet_factor", where, 1.0, 0.1, 5.0)
    _num(doc, tbl, "soil_temp_delta_c", where, 0.0, -15.0, 15.0)
    if dt == 0.0 and pf == 1.0 and ef == 1.0:
        return baseline_drivers(drivers, c, doc)
    data, n_extra, doy = _extension(drivers, doc)
    ramp = np.ones(len(data))
    if n_extra:
        ramp[: len(data) - n_extra] = 0.0
        ramp[len(data) - n_extra:] = np.arange(1, n_extra + 1) / n_extra
    out = data.copy()
    out["temp_c"] = data["temp_c"].to_numpy() + ramp * dt
    out["precip_mm"] = data["precip_mm"].to_numpy() * (1.0 + ramp * (pf - 1.0))
    for col in ("tmin_c", "tmax_c"):
        if col in data.columns:
            out[col] = data[col].to_numpy() + ramp * dt
    if c.drivers.pet == "column":
        out["pet_mm"] = data["pet_mm"].to_numpy() * (1.0 + ramp * (ef - 1.0))
    elif c.drivers.pet == "hargreaves":
        out["pet_mm"] = pet_hargreaves(out["temp_c"].to_numpy(), out["tmin_c"].to_numpy(), out["tmax_c"].to_numpy(),
                                       c.latitude, doy)
    else:
        out["pet_mm"] = pet_oudin(out["temp_c"].to_numpy(), c.latitude, doy)
    if n_extra:  # the recorded days stay exactly as recorded
        out.iloc[: len(data) - n_extra] = data.iloc[: len(data) - n_extra]
    return Drivers(data=out, filled=drivers.filled, source=drivers.source + " (climate scenario)")


def climate_changes(doc: dict, record_end: str, period_start: str) -> tuple:
    """Changes of the catchment from the [climate] table: ``soil_temp_delta_c`` warms the soil only (soil CO2
    production, diffusion and soil-water chemistry), not air temperature, PET, snow or groundwater, as buried
    heating cables do in soil-warming experiments (:class:`~karstmodel.processes.changes.SoilWarming`). Over the
    whole record as a step, or with ``extend_to`` growing linearly over the added days like the other deltas."""
    tbl = _climate_table(doc)
    dts = _num(doc, tbl, "soil_temp_delta_c", "[climate] ", 0.0, -15.0, 15.0)
    if dts == 0.0:
        return ()
    end = pd.Timestamp(_date(doc, tbl, "extend_to", "[climate] ", record_end))
    last = pd.Timestamp(record_end)
    if end > last:
        return (SoilWarming(dts, str((last + pd.Timedelta(days=1)).date()), float((end - last).days)),)
    return (SoilWarming(dts, period_start, 0.0),)


# ------------------------------------------------------------------------------------------------------------
