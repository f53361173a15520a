"""Helpers for the catchment-model tests: synthetic drivers, small catchment files and cached runs.

Every synthetic record is seeded (reproducible). Catchment files are written as TOML text by :func:`toml_text`
(a tiny serializer for the flat tables and arrays of tables the schema uses), so each test states its catchment
in Python and the model reads it through the same loader as a user's file.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from karstmodel.config.catchment import load_catchment
from karstmodel.model.simulate import simulate


def synthetic_drivers(start: str = "2001-01-01", days: int = 3 * 365, seed: int = 1, t_mean: float = 9.0,
                      t_amp: float = 9.0, wet_share: float = 0.45, wet_mean_mm: float = 7.0) -> pd.DataFrame:
    """Daily ``date, precip_mm, temp_c``: a sine-wave temperature and seeded intermittent exponential rain."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    doy = dates.day_of_year.to_numpy()
    temp = t_mean + t_amp * np.sin(2 * np.pi * (doy - 105) / 365.0) + rng.normal(0.0, 2.0, days)
    wet = rng.random(days) < wet_share
    precip = np.where(wet, rng.exponential(wet_mean_mm, days), 0.0)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "precip_mm": np.round(precip, 3),
                         "temp_c": np.round(temp, 3)})


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v))
    if isinstance(v, (list, tuple)) and all(isinstance(x, (int, float, np.integer, np.floating)) for x in v):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def toml_text(doc: dict) -> str:
    """TOML for a dict of scalars, tables (dicts, one level of sub-tables) and arrays of tables (lists of dicts)."""
    lines = [f"{k} = {_value(v)}" for k, v in doc.items() if not isinstance(v, (dict, list))]

    def table(name: str, tbl: dict):
        lines.append(f"\n[{name}]")
        subs = []
        for k, v in tbl.items():
            if isinstance(v, dict):
                subs.append((k, v))
            else:
                lines.append(f"{k} = {_value(v)}")
        for k, v in subs:
            table(f"{name}.{k}", v)

    for k, v in doc.items():
        if isinstance(v, dict):
            table(k, v)
        elif isinstance(v, list):
            for item in v:
                lines.append(f"\n[[{k}]]")
                lines.extend(f"{kk} = {_value(vv)}" for kk, vv in item.items())
    return "\n".join(lines) + "\n"


def base_doc(**updates) -> dict:
    """A small valid catchment (limestone, one forest hydrotope, Oudin PET, one year warm-up)."""
    doc = {"name": "synthetic", "area_km2": 10.0,
           "location": {"latitude": 47.0, "longitude": 14.0, "elevation_m": 500.0},
           "drivers": {"file": "drivers.csv", "pet": "oudin"},
           "land_use": {"forest": 1.0},
           "lithology": {"limestone": 1.0, "dolomite": 0.0, "non_carbonate": 0.0},
           "simulation": {"warmup_days": 365}}
    for k, v in updates.items():
        if isinstance(v, dict) and isinstance(doc.get(k), dict) and k not in ("land_use",):
            doc[k] = {**doc[k], **v}
        elif v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def write_catchment(folder: Path, doc: dict, drivers: pd.DataFrame | None = None,
                    observations: pd.DataFrame | None = None) -> Path:
    """Write ``catchment.toml`` (and ``drivers.csv`` / ``observations.csv`` when given) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if drivers is not None:
        drivers.to_csv(folder / "drivers.csv", index=False)
    if observations is not None:
        observations.to_csv(folder / "observations.csv", index=False)
    path = folder / "catchment.toml"
    path.write_text(toml_text(doc), encoding="utf-8")
    return path


def run_doc(folder: Path, doc: dict, drivers: pd.DataFrame | None = None, observations=None):
    """Write a catchment and simulate it; returns the :class:`SimulationResult`."""
    return simulate(load_catchment(write_catchment(folder, doc, drivers, observations)))


@lru_cache(maxsize=None)
def bundled_run(name: str):
    """One simulation per bundled catchment per test session (shared by the test modules)."""
    return simulate(name)


def storage_columns() -> tuple:
    """Timeseries columns holding storages (mm over the catchment) at the end of each day."""
    return ("swe_mm", "interception_storage_mm", "soil_water_mm", "epikarst_mm", "matrix_mm", "conduit_mm",
            "surface_store_mm", "nonkarst_baseflow_store_mm")


#: the parameters of :func:`synthetic_calibration_site`'s "observed" discharge
SYNTHETIC_TRUTH = {"reservoirs.matrix_k_per_d": 0.02, "reservoirs.conduit_fraction": 0.3}


def synthetic_calibration_site(folder: Path, **calibration) -> dict:
    """A 6-year synthetic catchment in ``folder`` whose 'observed' discharge is the model's own with
    :data:`SYNTHETIC_TRUTH` times independent lognormal noise (5 %, seeded), with calibration periods 2002-2004 /
    2005-2006 and the two true parameters declared for the search (``calibration`` adds keys to ``[calibration]``).
    Returns ``{"dir", "catchment", "data", "truth"}``."""
    from karstmodel.io.drivers import load_drivers
    from karstmodel.model.simulate import simulate_water
    folder = Path(folder)
    synthetic_drivers(days=6 * 365, seed=3).to_csv(folder / "drivers.csv", index=False)
    doc = base_doc(reservoirs={"epikarst_k_per_d": 0.3, "epikarst_max_mm": 30.0, "conduit_fraction": 0.3,
                               "matrix_k_per_d": 0.02, "conduit_k_per_d": 0.5})
    (folder / "catchment.toml").write_text(toml_text(doc))
    c = load_catchment(folder / "catchment.toml")
    data = load_drivers(c.drivers, c.latitude).data
    truth = simulate_water(c, data).spring_mm
    q_obs = truth * np.exp(np.random.default_rng(7).normal(0.0, 0.05, truth.size))
    pd.DataFrame({"date": data.index.strftime("%Y-%m-%d"), "q_mm_d": np.round(q_obs, 6)}).to_csv(
        folder / "observations.csv", index=False)
    doc["observations"] = {"file": "observations.csv", "discharge": "spring"}
    doc["calibration"] = {"calibration_period": "2002-01-01:2004-12-31", "validation_period": "2005-01-01:2006-12-31",
                          **calibration,
                          "parameters": {"reservoirs.matrix_k_per_d": {"min": 0.002, "max": 0.2, "transform": "log"},
                                         "reservoirs.conduit_fraction": {"min": 0.0, "max": 0.8}}}
    (folder / "catchment.toml").write_text(toml_text(doc))
    return {"dir": folder, "catchment": load_catchment(folder / "catchment.toml"), "data": data, "truth": truth}
