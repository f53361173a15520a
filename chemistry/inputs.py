"""Checks and normalisation of the arguments of the public functions (one clear error naming the argument).

:func:`as_float_array` and :func:`check_options` check types and option ranges; :func:`_inputs` broadcasts the
inputs of :func:`chemistry.equilibrate`; :func:`_water_totals` reads a starting water (``<element>_mmol_kgw``
columns). Errors are :class:`chemistry.errors.InputError` (a ValueError) or
:class:`chemistry.errors.InputTypeError` (also a TypeError), with positions in array arguments 0-based.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import thermo
from .errors import InputError, InputTypeError
from .water import ELEMENTS

MINERALS = ("calcite", "dolomite", "both", "none")
SYSTEMS = ("open", "closed", "mixed")
WATER_KEYS = tuple(ELEMENTS)  # dic, ca, mg, na, k, cl, so4, no3
#: largest accepted Newton tolerance (relative residuals): beyond it results are not worth reporting
MAX_TOL = 1e-3


def _water_totals(water, n: int) -> tuple[dict, np.ndarray, np.ndarray | None]:
    """Element totals (mol/kgw), charge imbalance (eq/kgw) and temperature from a starting water.

    ``water`` is a mapping or DataFrame with ``<element>_mmol_kgw`` columns (ca, mg, na, k, cl, so4, no3, dic),
    optional ``charge_imbalance_meq_kgw`` and ``temp_c`` (e.g. the output of :func:`equilibrate` or :func:`mix`).
    """
    totals = {k: np.zeros(n) for k in WATER_KEYS}
    imbalance = np.zeros(n)
    temp = None
    if water is None:
        return totals, imbalance, temp
    get = (lambda k: water[k]) if isinstance(water, (dict, pd.DataFrame, pd.Series)) else (lambda k: getattr(water, k))
    keys = list(water.keys()) if hasattr(water, "keys") else []
    known = {f"{k}_mmol_kgw" for k in WATER_KEYS} | {"charge_imbalance_meq_kgw", "temp_c"}
    for k in WATER_KEYS:
        col = f"{k}_mmol_kgw"
        if col in keys:
            v = np.broadcast_to(np.asarray(get(col), dtype=float), (n,)).astype(float)
            if np.any(~np.isfinite(v)):
                raise InputError("starting water has NaN", column=col, index=int(np.flatnonzero(~np.isfinite(v))[0]))
            if np.any(v < 0):
                raise InputError("negative concentration in starting water", column=col,
                                 index=int(np.flatnonzero(v < 0)[0]))
            totals[k] = v / 1000.0
    if "charge_imbalance_meq_kgw" in keys:
        imbalance = np.broadcast_to(np.asarray(get("charge_imbalance_meq_kgw"), dtype=float), (n,)) / 1000.0
    if "temp_c" in keys:
        temp = np.broadcast_to(np.asarray(get("temp_c"), dtype=float), (n,))
    if isinstance(water, dict):
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise InputError(f"unknown starting-water keys {unknown}; use <element>_mmol_kgw with element in "
                             f"{list(WATER_KEYS)}, charge_imbalance_meq_kgw, temp_c")
    return totals, imbalance, temp


def _within(v, lo, hi, lo_open=False) -> bool:
    """Whether every value is finite and in [lo, hi] (or (lo, hi]): two reductions, no temporaries (NaN fails)."""
    if v.size == 0:
        return True
    vmin, vmax = v.min(), v.max()
    return bool((vmin > lo if lo_open else vmin >= lo) and vmax <= hi)


def _check_temp(temp_c):
    if _within(temp_c, thermo.TEMP_MIN_C, thermo.TEMP_MAX_C):
        return
    bad = ~np.isfinite(temp_c) | (temp_c < thermo.TEMP_MIN_C) | (temp_c > thermo.TEMP_MAX_C)
    i = int(np.flatnonzero(bad)[0])
    raise InputError(f"temperature {temp_c[i]} C outside the range of the thermodynamic data "
                     f"({thermo.TEMP_MIN_C:g}-{thermo.TEMP_MAX_C:g} C)", column="temp_c", index=i)

def as_float_array(value, name: str) -> np.ndarray:
    """``value`` (a number or array-like of numbers) as a float array; anything else raises
    :class:`chemistry.errors.InputTypeError` naming the argument ``name``."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value
    if value is None or isinstance(value, (str, bytes, dict, set)) or (
            isinstance(value, np.ndarray) and value.dtype.kind not in "biuf"):
        raise InputTypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__} "
                             f"{_short(value)}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__} "
                             f"{_short(value)}") from None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_options(tol=None, series=False, database="phreeqc.dat", water=None) -> None:
    """Type and range checks of the options of :func:`equilibrate` (a clear error naming the option instead of
    NaN rows or an AttributeError deep in the solver)."""
    if tol is not None:
        if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer, np.floating)):
            raise InputTypeError(f"tol must be a number, got {type(tol).__name__} {_short(tol)}")
        if not (math.isfinite(tol) and 0.0 < tol <= MAX_TOL):
            raise InputError(f"tol must be a positive number no larger than {MAX_TOL:g} (the Newton convergence "
                             f"tolerance; default 1e-8), got {tol!r}")
    if not isinstance(series, (bool, np.bool_)):
        raise InputTypeError(f"series must be True or False, got {type(series).__name__} {_short(series)}")
    if not isinstance(database, (str, os.PathLike)):
        raise InputTypeError(f"database must be a shipped database name or a path, got {type(database).__name__} "
                             f"{_short(database)}")
    if water is not None and not isinstance(water, (Mapping, pd.DataFrame, pd.Series)):
        raise InputTypeError(f"water must be a mapping, Series or DataFrame of <element>_mmol_kgw values, got "
                             f"{type(water).__name__} {_short(water)}")


def _inputs(temp_c, pco2_atm, gas_water_ratio, water, copy: bool = True):
    """Broadcast and check the inputs of :func:`equilibrate`: temperatures (a copy unless ``copy=False``) and pCO2
    (None when not given) as 1-D arrays of the common length n; the caller must not write into them."""
    temp_c = as_float_array(temp_c, "temp_c")
    arrays = [temp_c]
    if pco2_atm is not None:
        pco2_atm = as_float_array(pco2_atm, "pco2_atm")
        arrays.append(pco2_atm)
    if gas_water_ratio is not None:
        gas_water_ratio = as_float_array(gas_water_ratio, "gas_water_ratio")
        arrays.append(gas_water_ratio)
    try:
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise InputError("temp_c, pco2_atm and gas_water_ratio must broadcast to one shape, got shapes "
                         f"{[a.shape for a in arrays]}") from None
    n = int(np.prod(shape)) if shape else 1
    if isinstance(water, pd.DataFrame) and len(water) not in (1, n):
        if n == 1:
            n, shape = len(water), (len(water),)
        else:
            raise InputError(f"starting water has {len(water)} rows for {n} inputs")
    t = np.broadcast_to(np.asarray(temp_c, dtype=float), shape).reshape(-1)
    if copy:
        t = t.copy()
    if t.size == 1 and n > 1:
        t = np.full(n, t[0])
    _check_temp(t)
    p = None
    if pco2_atm is not None:
        p = np.broadcast_to(np.asarray(pco2_atm, dtype=float), shape).reshape(-1)
        if p.size == 1 and n > 1:
            p = np.full(n, p[0])
        if not _within(p, 0.0, 1.0, lo_open=True):
            bad = ~np.isfinite(p) | (p <= 0) | (p > 1.0)
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"pCO2 {p[i]} atm outside (0, 1]", column="pco2_atm", index=i)
    return t, p, n

