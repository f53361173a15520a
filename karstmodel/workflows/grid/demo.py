"""The demonstration grid: cells around the Kerschbaum spring driven by its daily drivers through documented,
deterministic transformations."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ...config.catchment import load_catchment, resolve_catchment
from ...io.drivers import load_drivers
from .inputs import xarray_module
from .netcdf import cf_history, daily_time_bounds

#: documented transformations of the demonstration grid (:func:`demo_grid`)
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
    xr = xarray_module()
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
                      {"long_name": "daily precipitation (the day's total as a rate)", "units": "mm d-1",
                       "standard_name": "lwe_precipitation_rate", "cell_methods": "time: mean"}),
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
                    coords={"time": ("time", time, {"standard_name": "time", "long_name": "day", "axis": "T",
                                                    "bounds": "time_bnds"}),
                            "time_bnds": (("time", "nv"), daily_time_bounds(time)),
                            "cell": ("cell", np.arange(rows * cols, dtype=np.int32),
                                     {"long_name": "grid cell identifier (row by row from the south-west corner, from 0)"}),
                            "latitude": ("cell", lat, {"standard_name": "latitude", "units": "degrees_north"}),
                            "longitude": ("cell", lon, {"standard_name": "longitude", "units": "degrees_east"}),
                            "row": ("cell", ii.astype(np.int32), {"long_name": "row (south to north)", "units": "1"}),
                            "col": ("cell", jj.astype(np.int32), {"long_name": "column (west to east)", "units": "1"})})
    ds.attrs = {"Conventions": "CF-1.8", "title": "karstmodel demonstration grid around the Kerschbaum spring",
                "source": "karstmodel.grid.demo_grid (documented deterministic transformations of the Kerschbaum "
                          "drivers, catchments/kerschbaum/drivers.csv)",
                "history": cf_history(None, f"karstmodel.grid.demo_grid(rows={rows}, cols={cols}, years={years})"),
                "references": "Bittner et al. (2018) J. Hydrol. 567:267 (Kerschbaum data; their provenance is "
                              "documented with the bundled kerschbaum catchment)",
                "comment": "lapse rate -0.0065 K/m; precipitation +5 %/100 m and -4 % per column eastwards; land use "
                           "and lithology vary deterministically across the grid (karstmodel.grid.demo_grid)"}
    return ds
