"""Grid input: open a grid NetCDF file and check a grid Dataset against the layout of :mod:`karstmodel.workflows.grid`
(dimensions, daily time axis, units, gaps, ranges, fractions, parameter names), returning it normalised."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from ...config.parameters import apply_parameters
from ...processes.landuse import LAND_USE_CLASSES, PARAMETER_BOUNDS
from .errors import GridInputError, cell_label

REQUIRED_CELL_VARS = ("area_km2", "latitude", "longitude", "elevation_m", "limestone", "dolomite", "non_carbonate")
FRACTION_TOLERANCE = 1e-4

_UNITS = {
    "precip_mm": {"mm", "mm/d", "mm d-1", "mm/day", "mm day-1", "mm.d-1", "kg m-2", "kg m-2 d-1", "kg/m2"},
    "pet_mm": {"mm", "mm/d", "mm d-1", "mm/day", "mm day-1", "mm.d-1", "kg m-2", "kg m-2 d-1", "kg/m2"},
    "temp_c": {"degc", "deg c", "°c", "c", "celsius", "degree_celsius", "degrees_celsius", "deg_c"},
    "tmin_c": {"degc", "deg c", "°c", "c", "celsius", "degree_celsius", "degrees_celsius", "deg_c"},
    "tmax_c": {"degc", "deg c", "°c", "c", "celsius", "degree_celsius", "degrees_celsius", "deg_c"},
    "area_km2": {"km2", "km^2", "km**2", "km 2"},
    "latitude": {"degrees_north", "degree_north", "degrees_n", "degree_n", "degreen", "degreesn", "degrees", "deg"},
    "longitude": {"degrees_east", "degree_east", "degrees_e", "degree_e", "degreee", "degreese", "degrees", "deg"},
    "elevation_m": {"m", "meter", "meters", "metre", "metres"},
}
_CANONICAL = {"precip_mm": "mm d-1", "pet_mm": "mm d-1", "temp_c": "degC", "tmin_c": "degC", "tmax_c": "degC",
              "area_km2": "km2", "latitude": "degrees_north", "longitude": "degrees_east", "elevation_m": "m"}
_FRACTION_UNITS = {"1", "", "-", "fraction", "dimensionless", "m2 m-2", "km2 km-2"}


def xarray_module():
    """xarray, imported when a grid is read or run (not when this package is imported)."""
    import xarray as xr  # deferred: heavy (xarray, dask), needed only by grid runs
    return xr


def land_use_variables(ds) -> dict:
    """``{class: variable name}`` of the land-use fraction variables present in ``ds``."""
    return {v[len("land_use_"):]: v for v in ds.data_vars if str(v).startswith("land_use_")}


def parameter_variables(ds) -> list[str]:
    """Names of per-cell parameter variables (a :mod:`karstmodel.config.parameters` name, holding a dot)."""
    return [str(v) for v in ds.data_vars if "." in str(v)]


def validate_grid(ds, source: str | None = None, template=None):
    """Check a grid Dataset (layout: :mod:`karstmodel.workflows.grid`) and return it normalised: the variables the
    run needs, float64, daily ``(cell, time)`` and ``(cell,)`` arrays, a ``cell`` coordinate, fractions rescaled to
    sum to 1. Raises :class:`GridInputError` naming the variable and the cell (and the date for a gap)."""
    xr = xarray_module()
    src = source or ds.attrs.get("source_file") or "grid"
    if not isinstance(ds, xr.Dataset):
        raise GridInputError("expected an xarray.Dataset", source=src)
    for dim in ("cell", "time"):
        if dim not in ds.dims:
            raise GridInputError(f"missing dimension {dim!r} (dimensions: {', '.join(map(str, ds.dims)) or 'none'})",
                                 source=src)
    if ds.sizes["cell"] < 1 or ds.sizes["time"] < 2:
        raise GridInputError(f"needs at least 1 cell and 2 days, got {ds.sizes['cell']} cells and "
                             f"{ds.sizes['time']} days", source=src)
    pet_method = template.drivers.pet if template is not None else "oudin"
    daily = ["precip_mm", "temp_c"]
    if "pet_mm" in ds.data_vars:
        daily.append("pet_mm")
    elif pet_method == "column":
        raise GridInputError("the template's [drivers] pet = 'column' needs a pet_mm variable (time, cell)",
                             source=src, variable="pet_mm")
    elif pet_method == "hargreaves":
        daily += ["tmin_c", "tmax_c"]
    lu = land_use_variables(ds)
    for cls, var in lu.items():
        if cls not in LAND_USE_CLASSES:
            raise GridInputError(f"unknown land-use class {cls!r} (known: {', '.join(LAND_USE_CLASSES)})",
                                 source=src, variable=var)
    if not lu:
        raise GridInputError("no land-use fractions: give land_use_<class> variables (cell), e.g. land_use_forest",
                             source=src, variable="land_use_*")
    params = parameter_variables(ds)
    for var in daily + list(REQUIRED_CELL_VARS):
        if var not in ds.data_vars and var not in ds.coords:
            raise GridInputError(f"missing required variable (dims {'time, cell' if var in daily else 'cell'})",
                                 source=src, variable=var)
    # dimensions and units
    if "cell" not in ds.coords:
        ds = ds.assign_coords(cell=np.arange(ds.sizes["cell"]))
    tindex = ds.indexes.get("time")
    if tindex is None or not isinstance(tindex, pd.DatetimeIndex):
        raise GridInputError("time must be a datetime64 coordinate of consecutive days in the standard (proleptic "
                             "Gregorian) calendar; convert other calendars first (xarray convert_calendar)",
                             source=src, variable="time")
    if (tindex != tindex.normalize()).any():
        raise GridInputError("time must be daily (dates at midnight); aggregate sub-daily data to days first",
                             source=src, variable="time")
    step = np.diff(tindex.values).astype("timedelta64[D]").astype(int)
    bad = np.flatnonzero(step != 1)
    if bad.size:
        k = int(bad[0])
        raise GridInputError(f"time must be consecutive days without gaps; {tindex[k + 1].date()} follows "
                             f"{tindex[k].date()}", source=src, variable="time")
    out = {}
    for var in daily:
        da = ds[var]
        if set(da.dims) != {"cell", "time"}:
            raise GridInputError(f"must have dimensions (time, cell), has {da.dims}", source=src, variable=var)
        _check_units(da, var, src)
        out[var] = (("cell", "time"), da.transpose("cell", "time").astype(float).data)
    cell_vars = list(REQUIRED_CELL_VARS) + list(lu.values()) + params
    for var in cell_vars:
        da = ds[var]
        if da.dims != ("cell",):
            raise GridInputError(f"must have the single dimension (cell), has {da.dims}", source=src, variable=var)
        if var in _UNITS:
            _check_units(da, var, src)
        elif var in lu.values() or var in ("limestone", "dolomite", "non_carbonate"):
            u = str(da.attrs.get("units", "")).strip().lower()
            if "units" in da.attrs and u not in _FRACTION_UNITS:
                raise GridInputError(f"units {da.attrs['units']!r}: fractions must be dimensionless (0..1), "
                                     "not percent", source=src, variable=var)
        out[var] = (("cell",), np.asarray(da.values, dtype=float))
    norm = xr.Dataset(out, coords={"cell": ds["cell"].values, "time": tindex})
    norm.attrs = dict(ds.attrs)
    # values: NaN gaps first, then ranges
    for var in daily:
        nan_cell = np.isnan(norm[var]).any("time").values
        if nan_cell.any():
            i = int(np.flatnonzero(nan_cell)[0])
            row = np.isnan(np.asarray(norm[var].isel(cell=i).values))
            j = int(np.flatnonzero(row)[0])
            raise GridInputError(f"{int(row.sum())} missing value(s) (NaN), first on {tindex[j].date()}; fill the "
                                 "gaps before the run (e.g. ds.interpolate_na('time'))", source=src, variable=var,
                                 cell=cell_label(norm if var in norm else ds, i))
        inf_cell = np.isinf(norm[var]).any("time").values
        if inf_cell.any():
            i = int(np.flatnonzero(inf_cell)[0])
            row = np.isinf(np.asarray(norm[var].isel(cell=i).values))
            j = int(np.flatnonzero(row)[0])
            raise GridInputError(f"{int(row.sum())} infinite value(s), first on {tindex[j].date()}", source=src,
                                 variable=var, cell=cell_label(norm, i))
    for var in cell_vars:
        v = norm[var].values
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise GridInputError("missing value (NaN)" if np.isnan(v[bad[0]]) else "infinite value", source=src,
                                 variable=var, cell=cell_label(norm, int(bad[0])))
    _check_range(norm, "precip_mm", 0.0, None, src, "negative precipitation")
    if "pet_mm" in norm:
        _check_range(norm, "pet_mm", 0.0, None, src, "negative PET")
    for var in ("temp_c", "tmin_c", "tmax_c"):
        if var in norm:
            _check_range(norm, var, -60.0, 60.0, src, "temperature outside -60..60 C (wrong unit?)")
    _check_range(norm, "area_km2", 1e-6, 1e7, src, "area must be > 0 km2")
    _check_range(norm, "latitude", -90.0, 90.0, src, "latitude outside -90..90")
    _check_range(norm, "longitude", -180.0, 360.0, src, "longitude outside -180..360")
    _check_range(norm, "elevation_m", -500.0, 9000.0, src, "elevation outside -500..9000 m")
    for var in list(lu.values()) + ["limestone", "dolomite", "non_carbonate"]:
        _check_range(norm, var, 0.0, 1.0, src, "fraction outside 0..1")
    for group, names in (("land-use", list(lu.values())), ("lithology", ["limestone", "dolomite", "non_carbonate"])):
        total = sum(norm[v].values for v in names)
        bad = np.flatnonzero(np.abs(total - 1.0) > FRACTION_TOLERANCE)
        if bad.size:
            i = int(bad[0])
            biggest = max(names, key=lambda v: norm[v].values[i])
            raise GridInputError(f"{group} fractions ({', '.join(names)}) sum to {total[i]:.6g} in this cell, "
                                 f"must sum to 1", source=src, variable=biggest, cell=cell_label(norm, i))
        for v in names:
            norm[v] = norm[v] / total
    for var in params:
        parts = var.split(".")
        if parts[0] == "land_use" and len(parts) == 3:
            if parts[1] not in LAND_USE_CLASSES or parts[2] not in PARAMETER_BOUNDS:
                raise GridInputError("unknown land-use parameter (land_use.<class>.<parameter>, see "
                                     "karstmodel.landuse)", source=src, variable=var)
            lo, hi = PARAMETER_BOUNDS[parts[2]]
            _check_range(norm, var, lo, hi, src, f"outside the physical bounds {lo}..{hi}")
        elif template is not None:
            try:
                apply_parameters(template, {var: float(norm[var].values[0])})
            except (KeyError, TypeError, ValueError) as exc:
                raise GridInputError(f"not a catchment parameter name ({exc})", source=src, variable=var) from None
    return norm


def _check_units(da, var: str, src: str):
    if "units" not in da.attrs:
        return
    u = str(da.attrs["units"]).strip().lower()
    if u not in _UNITS.get(var, {u}):
        raise GridInputError(f"units {da.attrs['units']!r} do not match the name (expected {_CANONICAL[var]!r}); "
                             "convert the variable first", source=src, variable=var)


def _check_range(norm, var: str, lo, hi, src: str, msg: str):
    v = np.asarray(norm[var].values)
    bad = np.zeros(v.shape, dtype=bool)
    if lo is not None:
        bad |= v < lo
    if hi is not None:
        bad |= v > hi
    if not bad.any():
        return
    idx = np.argwhere(bad)[0]
    i = int(idx[0])
    when = f" on {pd.Timestamp(norm['time'].values[int(idx[1])]).date()}" if v.ndim == 2 else ""
    raise GridInputError(f"{msg}: {v[tuple(idx)]:g}{when}", source=src, variable=var, cell=cell_label(norm, i))


def open_grid(path):
    """Open a grid NetCDF file (any engine xarray knows); a missing or unreadable file raises InputError."""
    xr = xarray_module()
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a NetCDF file", file=str(path))
    try:
        ds = xr.open_dataset(p)
        ds.load()
        ds.close()
    except Exception as exc:  # engines raise ValueError, OSError, ... for unreadable files
        first = str(exc).splitlines()[0].split(". ")[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read as NetCDF: {first}", file=str(path)) from None
    return ds
