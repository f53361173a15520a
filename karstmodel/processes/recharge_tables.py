"""Grid values and splines of the recharge equilibrium tables, and the ones shipped with karstmodel so that a run need
not solve or fit them.

The recharge chemistry (:mod:`karstmodel.processes.dissolution`) interpolates the calcite and dolomite equilibria
of the water leaving the soil over a grid of temperature and log pCO2 (:data:`TEMP_C`, :data:`LOG_PCO2`), solved by
:func:`chemistry.equilibrate` (:func:`solve`). For pure starting water (no acids or other solutes) in the open and
closed systems with the shipped ``phreeqc.dat`` these values are the same in every run, so
``karstmodel/data/recharge_tables.npz`` holds them (:data:`SHIPPED`, written by :func:`write` from :func:`solve`),
with the knots and coefficients of their interpolating bicubic splines (:func:`spline`, scipy's
``RectBivariateSpline``, which a run then need not import). :func:`grid_values` and :func:`spline_of` return the
shipped values when the request, the grid and the database file (its SHA-256) match those of the file, and solve
(and fit) otherwise. A run that needs only shipped tables does not call the fused equilibrium
kernel (:mod:`chemistry._fused`) at all, so a first run after installing need not compile it
(:func:`covers`, :mod:`karstmodel.model.background_compile`).

A test solves and fits every shipped table again and compares it with the file (the values bit for bit), so a change of the solver or of
the database that moves any value fails until the file is written again::

    python -m karstmodel.processes.recharge_tables
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

import chemistry
from chemistry.database import database_path

#: the shipped grid values (provenance: ``karstmodel/data/recharge_tables.md``)
FILE = Path(__file__).resolve().parent.parent / "data" / "recharge_tables.npz"
#: grid of the recharge tables: temperature (deg C) and log10 pCO2 (atm)
TEMP_C = np.linspace(0.0, 45.0, 31)
LOG_PCO2 = np.linspace(-4.0, -0.5, 36)
#: (mineral, system) of the shipped tables, each for pure starting water and :data:`DATABASE`
SHIPPED = (("calcite", "open"), ("calcite", "closed"), ("dolomite", "open"), ("dolomite", "closed"))
DATABASE = "phreeqc.dat"
KEYS = ("ca", "mg", "dic")


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def solve(mineral: str, system: str, gas_water_ratio: float, water: tuple, database: str) -> dict:
    """Ca, Mg and DIC (mmol/kgw; arrays (temperatures, log pCO2)) of the equilibrium of a starting water ((key,
    mmol/kgw) pairs, key ``"imbalance"`` a charge imbalance in meq/kgw; empty = pure water) with CO2 and ``mineral`` on the grid, by :func:`chemistry.equilibrate`."""
    tt, pp = np.meshgrid(TEMP_C, LOG_PCO2, indexing="ij")
    # ("imbalance", meq/kgw): the charge an unmodelled anion leaves to the modelled ions (organic acids)
    w = {("charge_imbalance_meq_kgw" if k == "imbalance" else f"{k}_mmol_kgw"): v for k, v in water}
    kw = {"gas_water_ratio": gas_water_ratio} if system == "mixed" else {}
    df = chemistry.equilibrate(tt.ravel(), 10.0 ** pp.ravel(), mineral=mineral, system=system, water=w or None,
                               database=database, **kw)
    if not df["converged"].all():
        raise RuntimeError(f"equilibrium table {mineral}/{system}: {int((~df['converged']).sum())} points did not "
                           "converge")
    return {k: df[f"{k}_mmol_kgw"].to_numpy().reshape(tt.shape) for k in KEYS}


def spline(values: dict) -> tuple:
    """(knots in temperature, knots in log pCO2, coefficients (:data:`KEYS`, nx, ny)) of the interpolating bicubic
    splines of a table's grid values (``values``: key -> array (temperatures, log pCO2)), by scipy's
    ``RectBivariateSpline`` with s = 0 (FITPACK's regrid; Dierckx 1982, SIAM J. Numer. Anal. 19:1286); the knot
    vectors are full (the boundary knots repeated four times)."""
    from scipy.interpolate import RectBivariateSpline  # ~0.4 s to import: only for tables that are not shipped

    fits = [RectBivariateSpline(TEMP_C, LOG_PCO2, values[k], kx=3, ky=3) for k in KEYS]
    tx, ty = fits[0].get_knots()
    nx, ny = tx.size - 4, ty.size - 4
    return tx, ty, np.stack([f.get_coeffs().reshape(nx, ny) for f in fits])


@lru_cache(maxsize=1)
def _load() -> dict | None:
    """The shipped values, or None when the file is missing or was made on another grid or database file."""
    if not FILE.exists():
        return None
    with np.load(FILE) as f:
        data = {k: f[k] for k in f.files}
    if not (np.array_equal(data["temp_c"], TEMP_C) and np.array_equal(data["log_pco2"], LOG_PCO2)):
        return None
    if str(data["database_sha256"]) != _sha256(database_path(DATABASE)):
        return None
    if "spline_tx" not in data:  # a file written before the splines were shipped
        return None
    return data


def is_shipped(mineral: str, system: str, water: tuple, database: str) -> bool:
    """Whether :func:`grid_values` takes this table from the shipped file."""
    return (mineral, system) in SHIPPED and not water and database == DATABASE and _load() is not None


def grid_values(mineral: str, system: str, gas_water_ratio: float, water: tuple, database: str) -> dict:
    """The grid values of a table (as :func:`solve`): from the shipped file when it holds them, else solved."""
    if is_shipped(mineral, system, water, database):
        data = _load()
        return {k: data[f"{mineral}_{system}_{k}"] for k in KEYS}
    return solve(mineral, system, gas_water_ratio, water, database)


def spline_of(mineral: str, system: str, gas_water_ratio: float, water: tuple, database: str) -> tuple:
    """The spline of a table (as :func:`spline`): from the shipped file when it holds the table, else fitted to
    :func:`grid_values`."""
    if is_shipped(mineral, system, water, database):
        data = _load()
        return data["spline_tx"], data["spline_ty"], data[f"{mineral}_{system}_coef"]
    return spline(grid_values(mineral, system, gas_water_ratio, water, database))


def covers(database: str) -> bool:
    """Whether a run with this ``[chemistry] database`` finds the pure-water tables of both minerals and systems in
    the shipped file (then only starting waters with solutes, which the general solver takes, are solved)."""
    return all(is_shipped(m, s, (), database) for m, s in SHIPPED)


def write(path: Path = FILE) -> Path:
    """Solve the :data:`SHIPPED` tables, fit their splines and write both with the grid and the database's SHA-256
    (atomically)."""
    arrays = {"temp_c": TEMP_C, "log_pco2": LOG_PCO2,
              "database_sha256": np.array(_sha256(database_path(DATABASE)))}
    for mineral, system in SHIPPED:
        values = solve(mineral, system, 0.0, (), DATABASE)
        for k, v in values.items():
            arrays[f"{mineral}_{system}_{k}"] = v
        tx, ty, arrays[f"{mineral}_{system}_coef"] = spline(values)
        if "spline_tx" in arrays and not (np.array_equal(tx, arrays["spline_tx"]) and
                                          np.array_equal(ty, arrays["spline_ty"])):
            raise RuntimeError("the shipped tables' splines have different knots")  # one grid: one knot set
        arrays["spline_tx"], arrays["spline_ty"] = tx, ty
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        np.savez_compressed(tmp, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _load.cache_clear()
    return path


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write()}")
