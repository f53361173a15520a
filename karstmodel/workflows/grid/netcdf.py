"""NetCDF output of grid runs: CF-1.8 attributes of the result and atomic NetCDF writing.

The result follows the CF Conventions 1.8 (Eaton et al. 2020, https://cfconventions.org/Data/cf-conventions/
cf-conventions-1.8/cf-conventions.html); the choices are listed in :mod:`karstmodel.workflows.grid`.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from ... import __version__
from .outputs import ANNUAL_OUTPUT, CELL_OUTPUTS, DAILY_OUTPUTS, annual_sums


def cf_history(previous, line: str) -> str:
    """The CF ``history`` attribute (CF-1.8 section 2.6.2): ``previous`` (if any) and one new time-stamped line."""
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    new = f"{stamp}: {line} (karstmodel {__version__})"
    return f"{previous}\n{new}" if previous else new


#: the coordinates in time of a grid run's output (CF-1.8 sections 4.4, 7.1, 7.3), each with its bounds variable:
#: ``time`` (one day per value, bounds ``time_bnds``) for the daily outputs; ``period`` (a scalar, bounds
#: ``period_bnds``: the recorded period) for the per-cell means and sums over it; ``year_time`` (an auxiliary
#: coordinate of ``year``, bounds ``year_time_bnds``: the calendar year) for the annual sums. ``cell_methods`` names
#: these coordinates, so that each statistic says the interval it is over.
TIME_COORDINATES = {"time": "time_bnds", "period": "period_bnds", "year_time": "year_time_bnds"}


def daily_time_bounds(time_values) -> np.ndarray:
    """CF bounds of a daily time axis (CF-1.8 section 7.1): (days, 2) datetime64, each day from its midnight to
    the next midnight, so that ``cell_methods`` ``time: sum`` or ``time: mean`` states the day they are over.

    Parameters
    ----------
    time_values : array of datetime64
        Days at midnight, consecutive.

    Returns
    -------
    numpy.ndarray
        Start and end of each day, shape (days, 2), ``datetime64[ns]``.
    """
    t = pd.DatetimeIndex(time_values)
    return np.stack([t.values, (t + pd.Timedelta(days=1)).values], axis=1)


def _time_coordinates(out, time_values):
    """Add the bounded time coordinates of :data:`TIME_COORDINATES` to ``out`` (attributes included)."""
    t = pd.DatetimeIndex(time_values)
    start, stop = t[0], t[-1] + pd.Timedelta(days=1)
    y0 = pd.DatetimeIndex([pd.Timestamp(year=int(y), month=1, day=1) for y in out["year"].values])
    y1 = pd.DatetimeIndex([pd.Timestamp(year=int(y) + 1, month=1, day=1) for y in out["year"].values])
    out = out.assign_coords(time_bnds=(("time", "nv"), daily_time_bounds(t)),
                            period=start + (stop - start) / 2,
                            period_bnds=(("nv",), np.array([start, stop], dtype="datetime64[ns]")),
                            year_time=(("year",), y0.values),
                            year_time_bnds=(("year", "nv"), np.stack([y0.values, y1.values], axis=1)))
    out["time"].attrs = {"standard_name": "time", "long_name": "day (daily values)", "axis": "T",
                         "bounds": "time_bnds"}
    out["period"].attrs = {"standard_name": "time", "bounds": "period_bnds",
                           "long_name": "the recorded period (after the spin-up): the interval of the per-cell means "
                                        "and sums"}
    out["year_time"].attrs = {"standard_name": "time", "bounds": "year_time_bnds",
                              "long_name": "start of the calendar year (bounds: the whole year)"}
    return out


def finalise_output(out, norm, template, daily: bool):
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
        out[k].attrs = {"long_name": long_name, "units": units, "cell_methods": "period: mean"}
    # mean precipitation is a precipitation rate; mm yr-1 converts to the table's m s-1 (the other per-cell outputs
    # have no standard name whose canonical units ours convert to, see karstmodel.workflows.grid)
    out["precip_mm_yr"].attrs["standard_name"] = "lwe_precipitation_rate"
    out["water_balance_error"].attrs["cell_methods"] = "period: sum"
    out["carbon_balance_error"].attrs["cell_methods"] = "period: sum"
    out[ANNUAL_OUTPUT].attrs = {
        "long_name": "annual karst carbon sink (sum of the daily sinks over the calendar year; years only partly in "
                     "the record scaled to the whole year, see year_coverage), as carbon",
        "units": "t km-2 yr-1", "cell_methods": "year_time: sum"}
    out["year_coverage"].attrs = {"long_name": "share of the calendar year inside the simulated period", "units": "1"}
    out["area_km2"].attrs = {"standard_name": "cell_area", "long_name": "area drained by the cell's spring (outlet)",
                             "units": "km2"}
    out["elevation_m"].attrs = {"standard_name": "surface_altitude", "long_name": "mean elevation of the cell",
                                "units": "m"}
    out["latitude"].attrs = {"standard_name": "latitude", "long_name": "latitude of the cell", "units": "degrees_north"}
    out["longitude"].attrs = {"standard_name": "longitude", "long_name": "longitude of the cell",
                              "units": "degrees_east"}
    out = _time_coordinates(out, norm["time"].values)
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
        if v in TIME_COORDINATES or v in TIME_COORDINATES.values():  # one time unit for all (CF-1.8 section 7.1)
            e.update(units=f"days since {pd.Timestamp(ds['time'].values[0]).date()}", calendar="proleptic_gregorian",
                     dtype="float64" if v.startswith("period") else "int32", _FillValue=None)
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
