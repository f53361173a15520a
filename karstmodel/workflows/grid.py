"""Regional runs: every cell of a grid simulated as a catchment, chunked over cells with dask.

Input: an :class:`xarray.Dataset` with dimensions ``cell`` and ``time``
--------------------------------------------------------------------------
=========================  ============  ==========================================================================
variable                   dims          meaning (units in the name; a ``units`` attribute, if present, is checked)
=========================  ============  ==========================================================================
``precip_mm``              time, cell    daily precipitation (mm/d), >= 0
``temp_c``                 time, cell    daily mean air temperature (deg C), -60..60
``pet_mm`` (optional)      time, cell    daily potential evapotranspiration (mm/d), >= 0; without it PET follows
                                         the template's ``[drivers] pet`` method (``oudin``: Oudin et al. 2005 from
                                         ``temp_c`` and the cell's latitude; ``hargreaves`` needs ``tmin_c`` and
                                         ``tmax_c`` (time, cell))
``area_km2``               cell          area the cell's spring (outlet) drains (km2), > 0
``latitude``               cell          degrees north (PET); also the map position
``longitude``              cell          degrees east, -180..360 (values above 180 are wrapped)
``elevation_m``            cell          mean elevation (m a.s.l.; barometric pressure for soil pCO2)
``land_use_<class>``       cell          area fraction of each land-use class (``karstmodel.landuse.LAND_USE_CLASSES``:
                                         forest, shrubland, grassland, cropland, bare_soil, bare_rock, urban,
                                         water); classes not given are 0; fractions sum to 1 in every cell
``limestone``,             cell          lithology fractions, summing to 1 in every cell
``dolomite``,
``non_carbonate``
``<parameter name>``       cell          optional per-cell parameters by their :mod:`karstmodel.parameters` name,
(optional)                               e.g. ``reservoirs.matrix_k_per_d``, ``lithology.allogenic_to_karst``,
                                         ``land_use.forest.r10_gc_m2_d`` (a name holds a dot)
=========================  ============  ==========================================================================

``time`` is a daily axis of consecutive days (datetime64, no gaps); ``cell`` may carry any coordinate (cell ids),
otherwise 0..n-1. The order of dimensions does not matter. Gaps (NaN) are refused, naming variable, cell and date:
fill them before the run (e.g. ``ds.interpolate_na("time")``). Fractions may deviate from 1 by at most 1e-4 (e.g.
float32 regridding); they are then rescaled to sum to 1 exactly. Gridded data on a lat/lon raster become cells with
``ds.stack(cell=("lat", "lon")).reset_index("cell")`` (then rename the coordinates to ``latitude``/``longitude``).

Every cell runs as a catchment built from a template catchment (:func:`cell_catchment`): snow, reservoirs,
chemistry, acid inputs, allogenic water and spin-up from the template; location, area, land use and lithology from
the cell, with one hydrotope per land-use class present (named after the class) carrying the class's default
parameters (``karstmodel.landuse.default_parameters`` for the template's ``prior_climate``) with the template file's
``[land_use_parameters]`` overrides, then the cell's own parameter variables (``lithology.allogenic_to_karst`` is
the template's unless a cell variable sets it). A template carrying scenario changes is refused. Surface-water
reaches of the template are not part of grid runs. The run is :func:`karstmodel.simulate.simulate` itself, so a grid
cell gives exactly the single-catchment result (tests/test_grid.py checks it to 1e-12).

Output: see :data:`DAILY_OUTPUTS`, :data:`CELL_OUTPUTS` and :func:`simulate_grid`, written as NetCDF following the
CF Conventions 1.8 (Eaton et al. 2020, https://cfconventions.org/Data/cf-conventions/cf-conventions-1.8/
cf-conventions.html): ``units`` (UDUNITS strings) and ``long_name`` on every variable, ``cell_methods`` on the time
statistics (section 7.3), latitude/longitude as auxiliary coordinates of ``cell`` (section 5), global ``title``,
``history``, ``source``, ``references`` (section 2.6.2). ``standard_name`` is given only where the standard name
table has a name whose canonical units ours convert to (latitude, longitude, time, cell_area, surface_altitude);
spring-water chemistry and soil-air pCO2 have none (the table's carbonate names are for sea water), and runoff in mm
is not convertible to the table's kg m-2. The file is written atomically (:func:`write_netcdf`).

Parallelism: :func:`xarray.map_blocks` over chunks of cells (Hoyer & Hamman 2017, xarray, J. Open Res. Softw. 5:10;
https://docs.xarray.dev/en/stable/generated/xarray.map_blocks.html) evaluated by dask (Rocklin 2015, Proc. SciPy;
https://docs.dask.org/en/stable/scheduling.html). With an active ``distributed.Client`` the graph runs on that
cluster unchanged; otherwise on local worker processes started with the "spawn" method (numba's threaded chemistry
kernel is not fork-safe, see :mod:`karstmodel._parallel`); each cell's run uses one numba thread. The chemistry
holds the GIL, so threads would not run cells in parallel.
"""
from __future__ import annotations

import math
import os
import sys
import tempfile
import time as _time
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import chemistry
from chemistry.errors import InputError

from ..processes.landuse import LAND_USE_CLASSES, PARAMETER_BOUNDS, default_parameters
from ..config.catchment import Catchment, Hydrotope, Lithology, load_catchment, resolve_catchment
from ..config.parameters import apply_parameters
from ..io.drivers import Drivers, load_drivers, pet_hargreaves, pet_oudin
from ..model.simulate import simulate
from .._parallel import single_threaded_children
from .. import __version__
from ..reporting.plots import _plt, _save

#: (long_name, units, cell_methods) of the daily outputs (cell, time)
DAILY_OUTPUTS = {
    "runoff_mm": ("spring runoff depth per day (spring discharge over the cell area)", "mm", "time: sum"),
    "outlet_runoff_mm": ("runoff depth at the outlet per day (spring + surface runoff)", "mm", "time: sum"),
    "aet_mm": ("actual evapotranspiration from the soil per day (transpiration + soil evaporation; interception "
               "evaporation excluded), area-weighted over land use", "mm", "time: sum"),
    "dic_mmol_l": ("dissolved inorganic carbon of the spring water", "mmol L-1", "time: mean"),
    "carbon_sink_tc_km2_d": ("karst carbon sink per day (carbonic-acid weathering, outlet based), as carbon",
                             "t km-2 d-1", "time: sum"),
    "soil_pco2_ppm": ("soil-air CO2 partial pressure at depth, area-weighted over land use", "ppm", "time: mean"),
    "ph": ("pH of the spring water", "1", "time: mean"),
    "si_calcite": ("calcite saturation index of the spring water, log10(IAP/K)", "1", "time: mean"),
}
#: (long_name, units) of the per-cell outputs (cell); means over the recorded period
CELL_OUTPUTS = {
    "carbon_sink_tc_km2_yr": ("mean karst carbon sink, CSF = 0.5 x 12.0111 x R x DIC_carbonic (Zeng et al. 2019 "
                              "eq. 1), "
                              "outlet based, as carbon", "t km-2 yr-1"),
    "carbon_sink_t_co2_yr": ("mean karst carbon sink of the whole cell area, as CO2", "t yr-1"),
    "runoff_mm_yr": ("mean spring runoff depth", "mm yr-1"),
    "outlet_runoff_mm_yr": ("mean runoff depth at the outlet (spring + surface runoff)", "mm yr-1"),
    "dic_mmol_l_flow_weighted": ("flow-weighted mean DIC of the spring water", "mmol L-1"),
    "precip_mm_yr": ("mean precipitation", "mm yr-1"),
    "aet_mm_yr": ("mean actual evapotranspiration including interception evaporation", "mm yr-1"),
    "soil_pco2_ppm_mean": ("mean soil-air CO2 partial pressure at depth, area-weighted over land use", "ppm"),
    "water_balance_error": ("relative residual of the water balance over the recorded period", "1"),
    "carbon_balance_error": ("relative residual of the inorganic carbon balance over the recorded period", "1"),
}
ANNUAL_OUTPUT = "carbon_sink_annual_tc_km2_yr"
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


class GridInputError(InputError):
    """Bad grid input; the message names the source, the variable and the cell."""

    def __init__(self, message: str, *, source: str | None = None, variable: str | None = None, cell=None):
        where = []
        if source:
            where.append(str(source))
        if variable:
            where.append(f"variable {variable!r}")
        if cell is not None:
            where.append(f"cell {cell}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class GridCellError(RuntimeError):
    """A cell's simulation failed (the message names the cell and the cause)."""


# ------------------------------------------------------------------------------------------------------------
# input checks
def _xr():
    import xarray as xr  # deferred: heavy (xarray, dask), needed only by grid runs
    return xr


def _cell_label(ds, i: int) -> str:
    cid = ds["cell"].values[i] if "cell" in ds.coords else i
    try:
        lat, lon = float(ds["latitude"].values[i]), float(ds["longitude"].values[i])
        if math.isfinite(lat) and math.isfinite(lon):
            return f"{cid} (lat {lat:.4g}, lon {lon:.4g})"
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    return str(cid)


def land_use_variables(ds) -> dict:
    """``{class: variable name}`` of the land-use fraction variables present in ``ds``."""
    return {v[len("land_use_"):]: v for v in ds.data_vars if str(v).startswith("land_use_")}


def parameter_variables(ds) -> list[str]:
    """Names of per-cell parameter variables (a :mod:`karstmodel.parameters` name, holding a dot)."""
    return [str(v) for v in ds.data_vars if "." in str(v)]


def validate_grid(ds, source: str | None = None, template=None):
    """Check a grid Dataset (see the module docstring) and return it normalised: the variables the run needs,
    float64, daily ``(cell, time)`` and ``(cell,)`` arrays, a ``cell`` coordinate, fractions rescaled to sum to 1.
    Raises :class:`GridInputError` naming the variable and the cell (and the date for a gap)."""
    xr = _xr()
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
                                 cell=_cell_label(norm if var in norm else ds, i))
        inf_cell = np.isinf(norm[var]).any("time").values
        if inf_cell.any():
            i = int(np.flatnonzero(inf_cell)[0])
            row = np.isinf(np.asarray(norm[var].isel(cell=i).values))
            j = int(np.flatnonzero(row)[0])
            raise GridInputError(f"{int(row.sum())} infinite value(s), first on {tindex[j].date()}", source=src,
                                 variable=var, cell=_cell_label(norm, i))
    for var in cell_vars:
        v = norm[var].values
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise GridInputError("missing value (NaN)" if np.isnan(v[bad[0]]) else "infinite value", source=src,
                                 variable=var, cell=_cell_label(norm, int(bad[0])))
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
                                 f"must sum to 1", source=src, variable=biggest, cell=_cell_label(norm, i))
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
    raise GridInputError(f"{msg}: {v[tuple(idx)]:g}{when}", source=src, variable=var, cell=_cell_label(norm, i))


# ------------------------------------------------------------------------------------------------------------
# one cell
def template_land_use_parameters(template) -> dict:
    """The ``[land_use_parameters]`` table of the template's catchment file (``{class: {parameter: value}}``);
    empty when the template has no file or no such table."""
    src = getattr(template, "source", None)
    if src is None or not Path(src).is_file():
        return {}
    doc = tomllib.loads(Path(src).read_text(encoding="utf-8"))
    tbl = doc.get("land_use_parameters", {})
    return {cls: dict(v) for cls, v in tbl.items() if isinstance(v, dict)}


def cell_catchment(template, cell: dict, land_use_parameters: dict | None = None, name: str | None = None):
    """The catchment of one cell: ``cell`` maps the cell variables (area_km2, latitude, longitude, elevation_m,
    land_use_<class>, limestone, dolomite, non_carbonate, optional parameter names) to numbers. Everything else
    comes from ``template`` (see the module docstring)."""
    lu_pars = template_land_use_parameters(template) if land_use_parameters is None else land_use_parameters
    defaults = default_parameters(template.chemistry.prior_climate)
    hyds = []
    for cls in LAND_USE_CLASSES:
        f = float(cell.get(f"land_use_{cls}", 0.0))
        if f > 0.0:
            hyds.append(Hydrotope(name=cls, land_use=cls, fraction=f, params=defaults[cls]))
    lon = float(cell["longitude"])
    lith = Lithology(limestone=float(cell["limestone"]), dolomite=float(cell["dolomite"]),
                     non_carbonate=float(cell["non_carbonate"]),
                     allogenic_to_karst=template.lithology.allogenic_to_karst)
    c = replace(template, name=name or f"{template.name}-cell", latitude=float(cell["latitude"]),
                longitude=lon - 360.0 if lon > 180.0 else lon, elevation_m=float(cell["elevation_m"]),
                area_km2=float(cell["area_km2"]), hydrotopes=tuple(hyds), lithology=lith,
                observations=replace(template.observations, file=None), start=None, end=None,
                reaches=(), surface_water=None, calibration={})
    present = {h.land_use for h in hyds}
    values = {f"land_use.{cls}.{k}": float(v) for cls, tbl in lu_pars.items() if cls in present for k, v in tbl.items()}
    for k, v in cell.items():
        if "." in str(k):
            parts = str(k).split(".")
            if parts[0] == "land_use" and parts[1] not in present:
                continue
            values[str(k)] = float(v)
    if values:
        c = apply_parameters(c, values)
    return c


def cell_drivers(time_index, precip_mm, temp_c, latitude: float, pet_mm=None, tmin_c=None, tmax_c=None,
                 pet_method: str = "oudin", source: str = "grid"):
    """:class:`karstmodel.drivers.Drivers` of one cell (PET from ``pet_mm`` or the template's method)."""
    idx = pd.DatetimeIndex(time_index, name="date")
    data = pd.DataFrame({"precip_mm": np.asarray(precip_mm, dtype=float), "temp_c": np.asarray(temp_c, dtype=float)},
                        index=idx)
    doy = idx.day_of_year.to_numpy()
    if pet_mm is not None:
        data["pet_mm"] = np.asarray(pet_mm, dtype=float)
    elif pet_method == "hargreaves":
        data["tmin_c"] = np.asarray(tmin_c, dtype=float)
        data["tmax_c"] = np.asarray(tmax_c, dtype=float)
        data["pet_mm"] = pet_hargreaves(data["temp_c"].to_numpy(), data["tmin_c"].to_numpy(),
                                        data["tmax_c"].to_numpy(), latitude, doy)
    else:
        data["pet_mm"] = pet_oudin(data["temp_c"].to_numpy(), latitude, doy)
    return Drivers(data=data, filled={}, source=source)


def cell_inputs(norm, i: int, template, land_use_parameters: dict | None = None):
    """(catchment, drivers) of cell ``i`` of a normalised grid (:func:`validate_grid`)."""
    cell = {v: float(norm[v].values[i]) for v in norm.data_vars if norm[v].dims == ("cell",)}
    cid = norm["cell"].values[i]
    c = cell_catchment(template, cell, land_use_parameters, name=f"{template.name}-cell{cid}")
    get = lambda v: norm[v].values[i] if v in norm else None  # noqa: E731
    d = cell_drivers(norm["time"].values, get("precip_mm"), get("temp_c"), c.latitude, pet_mm=get("pet_mm"),
                     tmin_c=get("tmin_c"), tmax_c=get("tmax_c"), pet_method=template.drivers.pet,
                     source=f"grid cell {cid}")
    return c, d


def cell_outputs(result) -> dict:
    """The grid outputs of one :class:`karstmodel.simulate.SimulationResult`: daily arrays and per-cell values."""
    ts, s, c = result.timeseries, result.summary, result.catchment
    frac = np.array([h.fraction for h in c.hydrotopes])
    soil = np.column_stack([ts[f"soil_pco2_ppm_{h.name}"].to_numpy(float) for h in c.hydrotopes]) @ frac
    daily = {"runoff_mm": ts["spring_mm"].to_numpy(float), "outlet_runoff_mm": ts["outlet_runoff_mm"].to_numpy(float),
             "aet_mm": ts["aet_mm"].to_numpy(float), "dic_mmol_l": ts["dic_mmol_l"].to_numpy(float),
             "carbon_sink_tc_km2_d": ts["carbon_sink_tc_km2_d"].to_numpy(float), "soil_pco2_ppm": soil,
             "ph": ts["ph"].to_numpy(float), "si_calcite": ts["si_calcite"].to_numpy(float)}
    per_cell = {k: float(s[k]) if s.get(k) is not None else float("nan")
                for k in CELL_OUTPUTS if k != "soil_pco2_ppm_mean"}
    per_cell["soil_pco2_ppm_mean"] = float(np.mean(soil))
    return {"daily": daily, "cell": per_cell}


def annual_sums(daily: np.ndarray, time_index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar-year sums of daily values along the last axis, scaled to the whole year for years only partly in
    the record. Returns (years, sums (..., year), coverage (year) = days in the record / days of the year)."""
    idx = pd.DatetimeIndex(time_index)
    years, inv = np.unique(idx.year.to_numpy(), return_inverse=True)
    counts = np.bincount(inv, minlength=years.size)
    length = np.array([366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 365 for y in years])
    coverage = counts / length
    d = np.asarray(daily, dtype=float)
    sums = np.zeros(d.shape[:-1] + (years.size,))
    for k in range(years.size):
        sums[..., k] = np.nansum(d[..., inv == k], axis=-1)
    return years.astype(np.int32), sums / coverage, coverage


# ------------------------------------------------------------------------------------------------------------
# blocks of cells
def _run_block(block, template, land_use_parameters: dict, daily: bool = True, progress_every: int = 0):
    """Simulate every cell of a block (xarray.Dataset, dims cell, time) and return the output block."""
    xr = _xr()
    n, nt = block.sizes["cell"], block.sizes["time"]
    tindex = pd.DatetimeIndex(block["time"].values)
    years = annual_sums(np.zeros((1, nt)), tindex)[0]
    arrays = {k: np.full((n, nt), np.nan) for k in DAILY_OUTPUTS} if daily else {}
    cells = {k: np.full(n, np.nan) for k in CELL_OUTPUTS}
    annual = np.full((n, years.size), np.nan)
    prime_chemistry_kernel()
    threads = _single_numba_thread()
    try:
        for i in range(n):
            try:
                c, d = cell_inputs(block, i, template, land_use_parameters)
                res = simulate(c, drivers=d, observations=None, with_reaches=False)
                out = cell_outputs(res)
            except Exception as exc:  # a failed cell names itself; the run stops
                raise GridCellError(f"cell {_cell_label(block, i)}: {type(exc).__name__}: {exc}") from None
            if daily:
                for k, v in out["daily"].items():
                    arrays[k][i] = v
            for k, v in out["cell"].items():
                cells[k][i] = v
            annual[i] = annual_sums(out["daily"]["carbon_sink_tc_km2_d"], tindex)[1]
            if progress_every and (i + 1) % progress_every == 0:
                print(f"\r  cells simulated: {i + 1}/{n}", end="", file=sys.stderr, flush=True)
    finally:
        _restore_numba_threads(threads)
    if progress_every:
        print(file=sys.stderr)
    data = {k: (("cell", "time"), v) for k, v in arrays.items()}
    data.update({k: (("cell",), v) for k, v in cells.items()})
    data[ANNUAL_OUTPUT] = (("cell", "year"), annual)
    coords = {"cell": block["cell"].values, "time": block["time"].values, "year": years,
              "latitude": ("cell", np.asarray(block["latitude"].values, dtype=float)),
              "longitude": ("cell", np.asarray(block["longitude"].values, dtype=float))}
    return xr.Dataset(data, coords=coords)


_PRIMED = False


def prime_chemistry_kernel():
    """Load numba's compiled chemistry kernel (chemistry._kernel, the general solve the cells use) in this process,
    from its on-disk cache (compiled on first use), before the first cell is timed or run: one 2000-sample
    equilibrium through the public API, sent to the general path."""
    global _PRIMED
    if _PRIMED:
        return
    chemistry.equilibrate(np.full(2000, 10.0), 1e-2, _fused=False)  # the general kernel, which the cells use
    _PRIMED = True


def _single_numba_thread():
    """One numba thread per cell run (cells run in parallel instead); returns the previous setting."""
    try:
        import numba  # deferred: numba is optional (karstmodel._compiled falls back to Python)
        old = numba.get_num_threads()
        numba.set_num_threads(1)
        return old
    except Exception:  # pragma: no cover - numba missing or no threading layer
        return None


def _restore_numba_threads(old):
    if old is None:
        return
    try:
        import numba
        numba.set_num_threads(old)
    except Exception:  # pragma: no cover
        pass


def active_client():
    """The active ``distributed.Client`` if there is one (distributed is optional), else None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _chunk_cells(n_cells: int, chunks, workers: int) -> int:
    if chunks in (None, "auto"):
        # about 8 chunks per worker for load balance (a task costs milliseconds, a cell-year tens of them), at
        # most 32 cells per chunk (memory of the daily outputs, progress)
        return int(max(1, min(32, n_cells // (8 * max(1, workers)))))
    if isinstance(chunks, dict):
        chunks = chunks.get("cell", n_cells)
    chunks = int(chunks)
    if chunks < 1 and chunks != -1:
        raise ValueError(f"chunks must be a positive number of cells per chunk, -1 or 'auto', got {chunks}")
    return n_cells if chunks == -1 else chunks


def simulate_grid(ds, template=None, chunks="auto", progress: bool = True, workers: int | None = None,
                  daily: bool = True, land_use_parameters: dict | None = None, source: str | None = None):
    """Simulate every cell of ``ds`` (see the module docstring) as a catchment built from ``template`` (a
    :class:`karstmodel.catchment.Catchment`, a catchment file or bundled name; default the bundled default
    catchment) and return the results as a CF-1.8 :class:`xarray.Dataset`.

    ``chunks``: cells per dask chunk (an int, ``{"cell": n}``, -1 for one chunk, or "auto": the cell chunks of a
    dask-backed input, else about 8 chunks per worker, at most 32 cells); ``None`` runs the cells one after the other
    in this process without dask. With an active ``distributed.Client`` the chunks run on its cluster; otherwise on
    ``workers`` local processes (spawn; default all cores; 1 = dask's synchronous scheduler in this process).
    ``daily=False`` leaves out the daily outputs (memory: 8 bytes x 8 variables per cell-day).
    ``land_use_parameters`` (``{class: {parameter: value}}``) replaces the overrides read from the template's file.

    Output variables: daily (cell, time) :data:`DAILY_OUTPUTS`; per cell :data:`CELL_OUTPUTS` plus ``area_km2``
    and ``elevation_m``; ``carbon_sink_annual_tc_km2_yr`` (cell, year) with ``year_coverage`` (year);
    ``latitude``/``longitude`` as auxiliary coordinates.
    """
    t0 = _time.perf_counter()
    if template is None or not isinstance(template, Catchment):
        template = load_catchment(resolve_catchment(template))
    if getattr(template, "changes", ()):
        raise GridInputError("the template carries scenario changes; grid runs take a catchment without them",
                             source=str(template.source or template.name))
    norm = validate_grid(ds, source=source, template=template)
    lu_pars = template_land_use_parameters(template) if land_use_parameters is None else land_use_parameters
    n = norm.sizes["cell"]
    client = active_client()
    nworkers = _parallel_workers(workers, client)
    kw = dict(template=template, land_use_parameters=lu_pars, daily=daily)
    if chunks is None:
        norm = norm.load()
        out = _run_block(norm, progress_every=1 if progress and sys.stderr.isatty() else 0, **kw)
        scheduler, size = "serial (no dask)", n
    else:
        given = norm["precip_mm"].chunksizes.get("cell") if norm["precip_mm"].chunks is not None else None
        if chunks == "auto" and given is not None:
            size = tuple(int(k) for k in given)  # keep the cell chunks of a dask-backed input
        else:
            size = _chunk_cells(n, chunks, nworkers)
        out, scheduler = _run_dask(norm, size, nworkers, client, progress, kw)
        size = max(size) if isinstance(size, tuple) else size
    seconds = _time.perf_counter() - t0
    out = _finalise(out, norm, template, daily)
    out.attrs["history"] = _history(ds.attrs.get("history"), f"karstmodel.grid.simulate_grid over {n} cells "
                                    f"(template {template.name})")
    years = norm.sizes["time"] / 365.25
    out.attrs["karstmodel_run"] = (f"{n} cells x {years:.2f} years in {seconds:.1f} s "
                                   f"({n * years / seconds:.1f} cell-years/s); scheduler {scheduler}; "
                                   f"{size} cells per chunk")
    out.attrs["karstmodel_run_seconds"] = float(seconds)
    out.attrs["karstmodel_scheduler"] = scheduler
    out.attrs["karstmodel_cells_per_chunk"] = int(size)
    return out


def _parallel_workers(workers, client) -> int:
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # pragma: no cover
            return 1
    if workers is None or workers <= 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use (containers, taskset)
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return int(workers)


def _run_dask(norm, size, nworkers: int, client, progress: bool, kw: dict):
    import dask  # deferred: heavy, needed only by grid runs
    import dask.array as da
    xr = _xr()
    n, nt = norm.sizes["cell"], norm.sizes["time"]
    lazy = norm.chunk({"cell": size, "time": -1})
    cell_chunks = lazy.chunks["cell"]
    years = annual_sums(np.zeros((1, nt)), norm["time"].values)[0]
    tmpl = {}
    if kw["daily"]:
        for k in DAILY_OUTPUTS:
            tmpl[k] = (("cell", "time"), da.empty((n, nt), chunks=(cell_chunks, nt), dtype=float))
    for k in CELL_OUTPUTS:
        tmpl[k] = (("cell",), da.empty((n,), chunks=(cell_chunks,), dtype=float))
    tmpl[ANNUAL_OUTPUT] = (("cell", "year"), da.empty((n, years.size), chunks=(cell_chunks, years.size), dtype=float))
    template_ds = xr.Dataset(tmpl, coords={"cell": norm["cell"].values, "time": norm["time"].values, "year": years,
                                           "latitude": ("cell", norm["latitude"].values),
                                           "longitude": ("cell", norm["longitude"].values)})
    lazy_out = xr.map_blocks(_run_block, lazy, kwargs=kw, template=template_ds)
    if client is not None:
        scheduler = f"dask.distributed ({client.scheduler.address if client.scheduler else 'client'})"
        return lazy_out.compute(), scheduler
    if nworkers == 1:
        cfg = {"scheduler": "synchronous"}
        scheduler = "dask synchronous (1 process)"
    else:
        cfg = {"scheduler": "processes", "num_workers": nworkers, "multiprocessing.context": "spawn",
               "chunksize": 1}
        scheduler = f"dask processes (spawn, {nworkers} workers)"
    with dask.config.set(cfg), single_threaded_children():
        if progress and sys.stderr.isatty():
            from dask.diagnostics import ProgressBar
            with ProgressBar(out=sys.stderr, minimum=2.0, dt=0.5):
                return lazy_out.compute(), scheduler
        return lazy_out.compute(), scheduler


# ------------------------------------------------------------------------------------------------------------
# CF metadata
def _history(previous, line: str) -> str:
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    new = f"{stamp}: {line} (karstmodel {__version__})"
    return f"{previous}\n{new}" if previous else new


def _finalise(out, norm, template, daily: bool):
    """Attach per-cell inputs, CF attributes and global attributes (CF-1.8, Eaton et al. 2020)."""
    out = out.copy()
    out["area_km2"] = ("cell", norm["area_km2"].values)
    out["elevation_m"] = ("cell", norm["elevation_m"].values)
    cov = annual_sums(np.zeros((1, norm.sizes["time"])), norm["time"].values)[2]
    out["year_coverage"] = ("year", cov)
    for k, (long_name, units, methods) in DAILY_OUTPUTS.items():
        if k in out:
            out[k].attrs = {"long_name": long_name, "units": units, "cell_methods": methods}
    for k, (long_name, units) in CELL_OUTPUTS.items():
        out[k].attrs = {"long_name": long_name, "units": units, "cell_methods": "time: mean"}
    out["water_balance_error"].attrs["cell_methods"] = "time: sum"
    out["carbon_balance_error"].attrs["cell_methods"] = "time: sum"
    out[ANNUAL_OUTPUT].attrs = {
        "long_name": "annual karst carbon sink (sum of the daily sinks over the calendar year; years only partly in "
                     "the record scaled to the whole year, see year_coverage), as carbon",
        "units": "t km-2 yr-1", "cell_methods": "time: sum"}
    out["year_coverage"].attrs = {"long_name": "share of the calendar year inside the simulated period", "units": "1"}
    out["area_km2"].attrs = {"standard_name": "cell_area", "long_name": "area drained by the cell's spring (outlet)",
                             "units": "km2"}
    out["elevation_m"].attrs = {"standard_name": "surface_altitude", "long_name": "mean elevation of the cell",
                                "units": "m"}
    out["latitude"].attrs = {"standard_name": "latitude", "long_name": "latitude of the cell", "units": "degrees_north"}
    out["longitude"].attrs = {"standard_name": "longitude", "long_name": "longitude of the cell",
                              "units": "degrees_east"}
    out["time"].attrs = {"standard_name": "time", "long_name": "day (daily values)", "axis": "T"}
    out["year"].attrs = {"long_name": "calendar year", "units": "1"}
    out["cell"].attrs = {"long_name": "grid cell identifier (from the input grid)"}
    start, end = pd.Timestamp(norm["time"].values[0]), pd.Timestamp(norm["time"].values[-1])
    out.attrs = {
        "Conventions": "CF-1.8",
        "title": "karstmodel regional run: karst carbon sink, runoff and spring chemistry per grid cell",
        "institution": "karstmodel users",
        "source": f"karstmodel {__version__} (karst carbon-cycle process model; native carbonate chemistry with the "
                  f"PHREEQC 3.7.3 {template.chemistry.database} database)",
        "references": "Zeng, Liu & Kaufmann (2019) Nat. Commun. 10:5749 (karst carbon sink flux CSF = 0.5 x 12.0111 "
                      "x R x "
                      "DIC); Mazzilli et al. (2019) Environ. Model. Softw. 122:103927 (KarstMod reservoirs); "
                      "Bittner et al. (2018) J. Hydrol. 567:267 (LuKARS land-use hydrotopes); Oudin et al. (2005) "
                      "J. Hydrol. 303:290 (PET); Plummer, Wigley & Parkhurst (1978) Am. J. Sci. 278:179 (PWP "
                      "kinetics); CF Conventions 1.8 (Eaton et al. 2020)",
        "comment": "Each cell is a karst catchment run by karstmodel.simulate.simulate, built from the template "
                   "catchment with the cell's location, area, land use and lithology. Sinks are carbonic-acid "
                   "weathering sinks at the spring (outlet based), per km2 of cell area; strong-acid weathering is "
                   "excluded. Mean values are over the recorded period after a spin-up of warmup_days.",
        "template_catchment": str(template.name),
        "template_source": str(template.source) if template.source is not None else "",
        "warmup_days": int(template.warmup_days),
        "chemistry_backend": "native",
        "database": f"{template.chemistry.database} (PHREEQC 3.7.3, shipped in chemistry/databases)",
        "time_coverage_start": str(start.date()),
        "time_coverage_end": str(end.date()),
        "daily_outputs": "yes" if daily else "no",
    }
    out["year"] = out["year"].astype(np.int32)
    return out


def write_netcdf(ds, path, protect=()) -> Path:
    """Write ``ds`` as NetCDF atomically (temporary file in the same folder, then rename): NetCDF-4 with zlib
    compression through h5netcdf when installed, else NetCDF-3 (64-bit offset) through scipy."""
    path = Path(path)
    for p in protect:
        if p is not None and Path(p).exists() and path.exists() and Path(p).resolve() == path.resolve():
            raise InputError("refusing to overwrite the input file; choose another output folder", file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = netcdf_engine()
    enc = {}
    for v in ds.variables:
        e = {}
        if v in ds.coords or v in ("latitude", "longitude"):
            e["_FillValue"] = None
        if engine == "h5netcdf" and v in ds.data_vars and ds[v].ndim >= 1 and ds[v].dtype.kind == "f":
            e.update(zlib=True, complevel=4)
        if v == "time":
            e.update(units=f"days since {pd.Timestamp(ds['time'].values[0]).date()}", calendar="proleptic_gregorian",
                     dtype="int32")
        enc[v] = e
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        kwargs = {"engine": engine, "encoding": enc}
        if engine == "scipy":
            kwargs["format"] = "NETCDF3_64BIT"
        ds.to_netcdf(tmp, **kwargs)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def netcdf_engine() -> str:
    try:
        import h5netcdf  # noqa: F401  (deferred: optional engine, probed)
        import h5py  # noqa: F401
        return "h5netcdf"
    except ImportError:
        return "scipy"


def open_grid(path):
    """Open a grid NetCDF file (any engine xarray knows); a missing or unreadable file raises InputError."""
    xr = _xr()
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


# ------------------------------------------------------------------------------------------------------------
# summary
def grid_summary(out) -> dict:
    """Regional aggregates of a grid result: area-weighted sink, total t CO2/yr, runoff-and-area-weighted DIC,
    largest balance errors, ranges over cells, and the regional annual sink."""
    a = out["area_km2"].values
    sink = out["carbon_sink_tc_km2_yr"].values
    r = out["runoff_mm_yr"].values
    dic = out["dic_mmol_l_flow_weighted"].values
    w = a * r
    okd = np.isfinite(dic) & (w > 0)
    area = float(a.sum())
    n = int(out.sizes["cell"])
    years = out.sizes["time"] / 365.25 if "time" in out.dims else float("nan")
    tstart = out.attrs.get("time_coverage_start")
    tend = out.attrs.get("time_coverage_end")
    ranges = {}
    for k in CELL_OUTPUTS:
        v = out[k].values
        f = v[np.isfinite(v)]
        ranges[k] = ({"min": float(f.min()), "median": float(np.median(f)), "max": float(f.max())} if f.size
                     else {"min": None, "median": None, "max": None})
    annual = out[ANNUAL_OUTPUT].values
    regional = np.nansum(annual * a[:, None], axis=0) / area
    return {
        "cells": n,
        "period": {"start": tstart, "end": tend, "days": int(out.sizes.get("time", 0))},
        "years": years,
        "cell_years": n * years,
        "total_area_km2": area,
        "accounting": "outlet based (spring discharge x spring DIC) per cell; regional values area-weighted",
        "carbon_sink_tc_km2_yr": float(np.nansum(sink * a) / area),
        "carbon_sink_t_co2_yr": float(np.nansum(out["carbon_sink_t_co2_yr"].values)),
        "runoff_mm_yr": float(np.nansum(r * a) / area),
        "dic_mmol_l_flow_weighted": float(np.sum(dic[okd] * w[okd]) / np.sum(w[okd])) if okd.any() else None,
        "soil_pco2_ppm_mean": float(np.nansum(out["soil_pco2_ppm_mean"].values * a) / area),
        "water_balance_error": float(np.nanmax(out["water_balance_error"].values)),
        "carbon_balance_error": float(np.nanmax(out["carbon_balance_error"].values)),
        "balance_errors": "largest relative residual over the cells",
        "cells_without_spring_chemistry": int((~np.isfinite(dic)).sum()),
        "annual_carbon_sink_tc_km2_yr": {str(int(y)): float(v) for y, v in zip(out["year"].values, regional)},
        "per_cell_range": ranges,
        "chemistry_backend": out.attrs.get("chemistry_backend", "native"),
        "database": out.attrs.get("database"),
        "template_catchment": out.attrs.get("template_catchment"),
    }


# ------------------------------------------------------------------------------------------------------------
# maps
MAP_VARIABLES = {
    "carbon_sink_tc_km2_yr": ("mean annual karst carbon sink", "t C km-2 yr-1", "map_carbon_sink.png"),
    "runoff_mm_yr": ("mean spring runoff", "mm/yr", "map_runoff.png"),
    "dic_mmol_l_flow_weighted": ("flow-weighted spring DIC", "mmol/L", "map_dic.png"),
    "soil_pco2_ppm_mean": ("mean soil-air pCO2 (area-weighted over land use)", "ppm", "map_soil_pco2.png"),
}


def _raster(lat: np.ndarray, lon: np.ndarray):
    """Row/column indices if the cells sit on a regular lat/lon raster (each position once), else None."""
    ulat, ilat = np.unique(np.round(lat, 9), return_inverse=True)
    ulon, ilon = np.unique(np.round(lon, 9), return_inverse=True)
    if ulat.size * ulon.size > 4 * lat.size:
        return None
    if len(set(zip(ilat.tolist(), ilon.tolist()))) != lat.size:
        return None
    for u in (ulat, ulon):
        if u.size > 2 and not np.allclose(np.diff(u), np.diff(u)[0], rtol=1e-3):
            return None
    return ulat, ilat, ulon, ilon


def _edges(u: np.ndarray) -> np.ndarray:
    if u.size == 1:
        return np.array([u[0] - 0.05, u[0] + 0.05])
    d = np.diff(u)
    return np.concatenate([[u[0] - d[0] / 2], u[:-1] + d / 2, [u[-1] + d[-1] / 2]])


def grid_maps(out, outdir, title: str = "") -> dict:
    """One PNG map per :data:`MAP_VARIABLES` entry, cells on their lat/lon (raster if regular, else points)."""
    plt = _plt()
    outdir = Path(outdir)
    lat, lon = out["latitude"].values, out["longitude"].values
    ras = _raster(lat, lon)
    paths = {}
    for var, (label, unit, fname) in MAP_VARIABLES.items():
        v = out[var].values
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
        ax.grid(False)
        if ras is not None:
            ulat, ilat, ulon, ilon = ras
            z = np.full((ulat.size, ulon.size), np.nan)
            z[ilat, ilon] = v
            m = ax.pcolormesh(_edges(ulon), _edges(ulat), np.ma.masked_invalid(z), cmap="viridis", shading="flat")
            if v.size <= 60:
                for k in range(v.size):
                    if np.isfinite(v[k]):
                        light = m.norm(v[k]) > 0.6  # viridis is light at its top end
                        ax.text(lon[k], lat[k], f"{v[k]:.3g}", ha="center", va="center", fontsize=7,
                                color="k" if light else "w")
        else:
            m = ax.scatter(lon, lat, c=v, cmap="viridis", s=max(8, 4000 / max(1, v.size)), marker="s")
        fig.colorbar(m, ax=ax, label=f"{label} ({unit})")
        ax.set_xlabel("longitude (deg E)")
        ax.set_ylabel("latitude (deg N)")
        ax.set_aspect(1.0 / max(np.cos(np.deg2rad(np.nanmean(lat))), 0.1))
        ax.set_title(f"{title}{': ' if title else ''}{label}", fontsize=9)
        path = outdir / fname
        _save(fig, path)
        paths[var] = path
    return paths


# ------------------------------------------------------------------------------------------------------------
# demonstration grid
#: documented transformations of the demonstration grid (karstmodel.grid.demo_grid)
DEMO_LAPSE_RATE_K_M = -0.0065
DEMO_PRECIP_GRADIENT_PER_M = 0.0005
DEMO_PRECIP_EAST_GRADIENT_PER_COL = -0.04
DEMO_CENTRE = (47.96, 14.77, 650.0)  # Kerschbaum spring: latitude, longitude, elevation (m) of its drivers
EARTH_RADIUS_KM = 6371.0088


def cell_area_km2(lat_south, lat_north, dlon_deg) -> np.ndarray:
    """Area of a lat/lon cell on the sphere of mean radius 6371.0088 km: R^2 dlon (sin phi_n - sin phi_s)."""
    return (EARTH_RADIUS_KM ** 2 * np.deg2rad(dlon_deg)
            * np.abs(np.sin(np.deg2rad(lat_north)) - np.sin(np.deg2rad(lat_south))))


def demo_grid(rows: int = 4, cols: int = 5, years: int | None = None, spacing_deg: float = 0.1):
    """A small demonstration grid around the Kerschbaum spring (Northern Calcareous Alps, Austria) driven by its 16
    years of daily drivers (catchments/kerschbaum/drivers.csv, 2001-2016; ``years`` keeps the first years only).

    Deterministic transformations, cell (row i = 0..rows-1 from south to north, column j = 0..cols-1 west to east),
    centred on the spring (47.96 N, 14.77 E, 650 m):

    * latitude = 47.96 + spacing (i - (rows-1)/2), longitude = 14.77 + spacing (j - (cols-1)/2); area of the
      lat/lon cell on the sphere;
    * elevation_m = 650 + 200 ((rows-1)/2 - i) + 60 (j - (cols-1)/2): higher towards the Alps in the south (for
      more than 7 rows or 11 columns the steps shrink to 1200/(rows-1) and 600/(cols-1) m, and the eastward drying
      and the flysch gradient below shrink alike, so any size keeps valid, realistic cells);
    * temperature: the spring's series + lapse rate -0.0065 K/m x (elevation - 650 m);
    * precipitation: the spring's series x (1 + 0.0005/m x (elevation - 650 m)) x (1 - 0.04 (j - (cols-1)/2)):
      +5 % per 100 m (orographic) and drier towards the east;
    * land use from the normalised elevation e = (z - z_min) / (z_max - z_min): forest 0.30 + 0.35 e, grassland 0.20,
      cropland 0.45 (1 - e), bare_rock 0.10 e, urban 0.05;
    * lithology: non_carbonate 0.15 i (flysch towards the north); of the carbonate rest a dolomite share
      0.9 - 0.8 j/(cols-1) (Hauptdolomit in the west, limestone in the east).

    PET is left to the template (Oudin from each cell's temperature and latitude).
    """
    xr = _xr()
    if rows < 1 or cols < 1:
        raise ValueError("rows and cols must be >= 1")
    k = load_catchment(resolve_catchment("kerschbaum"))
    drv = load_drivers(replace(k.drivers, pet="oudin"), k.latitude).data
    if years is not None:
        end = drv.index[0] + pd.DateOffset(years=int(years)) - pd.Timedelta(days=1)
        drv = drv[drv.index <= end]
    p0 = drv["precip_mm"].to_numpy(float)
    t0 = drv["temp_c"].to_numpy(float)
    lat0, lon0, z0 = DEMO_CENTRE
    ii, jj = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    ci, cj = (rows - 1) / 2.0, (cols - 1) / 2.0
    lat = lat0 + spacing_deg * (ii - ci)
    lon = lon0 + spacing_deg * (jj - cj)
    # gradients per row and column as documented, scaled down for grids beyond 7 rows / 11 columns so that the
    # extremes stay those of a 7 x 11 grid (elevation 50-1250 m +-300 m, drying 20 % east)
    row_scale = min(1.0, 6.0 / max(rows - 1, 1))
    col_scale = min(1.0, 10.0 / max(cols - 1, 1))
    elev = z0 + 200.0 * row_scale * (ci - ii) + 60.0 * col_scale * (jj - cj)
    span = elev.max() - elev.min()
    e = (elev - elev.min()) / span if span > 0 else np.zeros_like(elev)
    temp = t0[None, :] + DEMO_LAPSE_RATE_K_M * (elev - z0)[:, None]
    pfac = ((1.0 + DEMO_PRECIP_GRADIENT_PER_M * (elev - z0))
            * (1.0 + DEMO_PRECIP_EAST_GRADIENT_PER_COL * col_scale * (jj - cj)))
    precip = p0[None, :] * pfac[:, None]
    lu = {"forest": 0.30 + 0.35 * e, "grassland": np.full(e.shape, 0.20), "cropland": 0.45 * (1.0 - e),
          "bare_rock": 0.10 * e, "urban": np.full(e.shape, 0.05)}
    nonc = 0.15 * row_scale * ii  # at most 0.9
    dol_share = 0.9 - 0.8 * jj / max(cols - 1, 1)
    dol = (1.0 - nonc) * dol_share
    lime = 1.0 - nonc - dol
    area = cell_area_km2(lat - spacing_deg / 2, lat + spacing_deg / 2, spacing_deg)
    time = drv.index.values
    data = {
        "precip_mm": (("time", "cell"), precip.T.copy(),
                      {"long_name": "daily precipitation", "units": "mm d-1",
                       "standard_name": "lwe_thickness_of_precipitation_amount", "cell_methods": "time: sum"}),
        "temp_c": (("time", "cell"), temp.T.copy(), {"long_name": "daily mean air temperature", "units": "degC",
                                                     "standard_name": "air_temperature", "cell_methods": "time: mean"}),
        "area_km2": (("cell",), area, {"long_name": "cell area", "units": "km2", "standard_name": "cell_area"}),
        "elevation_m": (("cell",), elev, {"long_name": "mean elevation", "units": "m",
                                          "standard_name": "surface_altitude"}),
        "limestone": (("cell",), lime, {"long_name": "limestone area fraction", "units": "1"}),
        "dolomite": (("cell",), dol, {"long_name": "dolomite area fraction", "units": "1"}),
        "non_carbonate": (("cell",), nonc, {"long_name": "non-carbonate (allogenic) area fraction", "units": "1"}),
    }
    for cls, v in lu.items():
        data[f"land_use_{cls}"] = (("cell",), v, {"long_name": f"{cls.replace('_', ' ')} area fraction", "units": "1"})
    ds = xr.Dataset({k: xr.Variable(*v) for k, v in data.items()},
                    coords={"time": time, "cell": np.arange(rows * cols, dtype=np.int32),
                            "latitude": ("cell", lat, {"standard_name": "latitude", "units": "degrees_north"}),
                            "longitude": ("cell", lon, {"standard_name": "longitude", "units": "degrees_east"}),
                            "row": ("cell", ii.astype(np.int32), {"long_name": "row (south to north)", "units": "1"}),
                            "col": ("cell", jj.astype(np.int32), {"long_name": "column (west to east)", "units": "1"})})
    ds.attrs = {"Conventions": "CF-1.8", "title": "karstmodel demonstration grid around the Kerschbaum spring",
                "source": "karstmodel.grid.demo_grid (documented deterministic transformations of the Kerschbaum "
                          "drivers, catchments/kerschbaum/drivers.csv)",
                "history": _history(None, f"karstmodel.grid.demo_grid(rows={rows}, cols={cols}, years={years})"),
                "references": "Bittner et al. (2018) J. Hydrol. 567:267 (Kerschbaum data; their provenance is "
                              "documented with the bundled kerschbaum catchment)",
                "comment": "lapse rate -0.0065 K/m; precipitation +5 %/100 m and -4 % per column eastwards; land use "
                           "and lithology vary deterministically across the grid (karstmodel.grid.demo_grid)"}
    return ds
