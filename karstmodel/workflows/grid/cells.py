"""One grid cell as a catchment: the cell's catchment built from the template (location, area, land use,
lithology, parameters) and its drivers (PET from the cell's series or the template's method)."""
from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ...config.catchment import Hydrotope, Lithology
from ...config.parameters import apply_parameters
from ...io.drivers import Drivers, pet_hargreaves, pet_oudin
from ...processes.landuse import LAND_USE_CLASSES, default_parameters


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
    comes from ``template`` (see :mod:`karstmodel.workflows.grid`)."""
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
    """:class:`karstmodel.io.drivers.Drivers` of one cell (PET from ``pet_mm`` or the template's method)."""
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
