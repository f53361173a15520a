"""Carbonate equilibria: water + CO2 + calcite and/or dolomite, open, closed or mixed; mixing of waters.

Systems (Dreybrodt 1988, *Processes in karst systems*, Springer, ch. 2-3; Appelo & Postma 2005, *Geochemistry,
groundwater and pollution*, 2nd ed., sections 5.3-5.4):

* ``open``: the water stays in contact with a gas at a fixed pCO2 while it dissolves the mineral to saturation
  (soil water in contact with soil air). Constraints: SI(CO2(g)) = log pCO2, SI(mineral) = 0, electroneutrality.
* ``closed``: the water first takes up CO2 at ``pco2_atm`` (giving total carbon C0), then dissolves the mineral
  isolated from the gas. Each mole of calcite adds one C and one Ca, so C - Ca is conserved (dolomite: C - 2 Ca and
  Mg - Ca; both minerals: C - Ca - Mg); the result has lower Ca and pCO2 and higher pH than the open system.
* ``mixed``: dissolution in contact with a finite gas volume (``gas_water_ratio`` litres of gas per kg of water,
  ideal gas), between closed (ratio 0) and open (ratio -> infinity). Carbon in water + gas minus Ca is conserved.

A starting water (``water=``) may carry its own ions (allogenic water, rain, a mixture). Its charge imbalance is
conserved by these neutral reactions, as in PHREEQC. :func:`mix` mixes two waters conservatively (all element
totals and the charge imbalance, hence alkalinity) and speciates the mixture; re-equilibrate it with
``equilibrate(..., water=mixture, pco2_atm=None, system="closed")``. Mixing two calcite-saturated waters of
different pCO2 gives an undersaturated mixture (mixing corrosion, Buhmann & Dreybrodt 1985, Chem. Geol. 53:109).
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from . import thermo
from .database import DATABASE_DIR, temperature_basis
from .errors import InputError, InputTypeError
from .output import solution_columns
from .water import ELEMENTS, LogLinear, Sum, build_model, one_temperature, solve
from ._threads import single_blas_thread

@lru_cache(maxsize=1)
def _kernel_available() -> bool:
    """Whether numba is installed (imported on first use, not with this module)."""
    try:
        from ._kernel import AVAILABLE
    except ImportError:  # pragma: no cover
        return False
    return AVAILABLE


MINERALS = ("calcite", "dolomite", "both", "none")
SYSTEMS = ("open", "closed", "mixed")
#: ideal gas constant, L atm mol-1 K-1 (CODATA 2018)
R_L_ATM = 0.0820574
WATER_KEYS = tuple(ELEMENTS)  # dic, ca, mg, na, k, cl, so4, no3
#: largest accepted Newton tolerance (relative residuals): beyond it results are not worth reporting
MAX_TOL = 1e-3
#: pure water in the open system goes through the fused compiled solve (chemistry._fused) when numba is
#: installed; set False to send it through the general solve
FUSED = True


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


def _element_set(mineral, totals):
    els = {"dic"} if mineral == "none" else {"dic", "ca"}
    if mineral in ("dolomite", "both"):
        els.add("mg")
    els |= {k for k, v in totals.items() if np.any(v > 0)}
    return tuple(sorted(els))


def _charge(model, imbalance):
    return Sum(weights=model.charge.copy(), rhs=imbalance)


def _mass(model, element, total):
    """Mass balance of an element, solved in log form; a zero total is floored at 1e-30 mol/kgw (the element is
    then present only at a negligible trace, which keeps the log form well posed)."""
    return Sum(weights=model.element_row(element), rhs=np.maximum(total, 1e-30), log_form=True)


def co2_log_fugacity(model, temp_c, p_atm):
    """log10 fugacity of CO2 at partial pressure ``p_atm``: log p + log phi (Peng-Robinson, as PHREEQC 3 does
    for gases with critical constants; :func:`chemistry.thermo.peng_robinson`)."""
    crit = model.database.phases["CO2(g)"].critical
    if crit is None:
        return np.log10(p_atm)
    phi, _ = thermo.peng_robinson(temp_c, p_atm, *crit)
    return np.log10(p_atm) + np.log10(phi)


def _tol(tol):
    """Keyword for :func:`chemistry.water.solve`: its default tolerance unless one is given."""
    return {} if tol is None else {"tol": float(tol)}


def _phase_ll(model, name, target):
    row, nu_w, coef = model.phase(name)
    return LogLinear(coef=row, target=target, logk_coef=coef, nu_w=nu_w)


def _x0(model, n, temp_c=None, p_atm=None, system="open", totals=None):
    """Starting point for the Newton iteration from the carbonate system with Davies activity coefficients
    (the major species only: H+, HCO3-, CO2, CO3-2, Ca+2, Mg+2; no ion pairs).

    Pure water + CO2: a_H = sqrt(K1 KH p). With the mineral (calcite if the model has no Mg, otherwise
    dolomite, Ca = Mg; Dreybrodt 1988, *Processes in karst systems*, ch. 2, eqs. 2.33 ff.), charge balance
    HCO3- = 2 (Ca + Mg):

    * open system: Ca^3 = p KH K1 Kc / (4 K2 g2 g1^2) (calcite; dolomite: sqrt(Kd) / (16 K2 g2 g1^2));
    * closed system (CO2 taken up at pCO2 p first, C0 = KH p + sqrt(K1 KH p), then C - Ca conserved):
      CO2 = C0 - Ca, so 4 K2 g2 g1^2 Ca^3 + Kc K1 Ca - Kc K1 C0 = 0 (dolomite: 16 K2 g2 g1^2 Ca^3
      + 2 sqrt(Kd) K1 Ca - sqrt(Kd) K1 C0 = 0), solved in closed form (the real root of a depressed cubic).

    g1, g2 are Davies activity coefficients (Davies 1962; :func:`chemistry.thermo.log_gamma`) at the ionic
    strength of the ideal solution (I = 3 Ca for calcite, 6 Ca for dolomite): one fixed-point step. Only the
    directions not fixed by the log-linear constraints matter.
    """
    x0 = np.full((n, len(model.masters)), -3.0)
    x0[:, 0] = -7.5
    if temp_c is None or p_atm is None:
        return x0
    temp_c = np.broadcast_to(np.asarray(temp_c, dtype=float), (n,))
    p_atm = np.broadcast_to(np.asarray(p_atm, dtype=float), (n,))
    dh_a = _dh_a_estimate(temp_c)
    block = 32768  # evaluated in blocks: the temporaries stay in cache
    for lo in range(0, n, block):
        _x0_block(model, x0[lo:lo + block], temp_c[lo:lo + block], p_atm[lo:lo + block], system, dh_a[lo:lo + block])
    return x0


def _x0_block(model, x0, temp_c, p_atm, system, dh_a):
    tk = temp_c + thermo.KELVIN
    basis = temperature_basis(tk)
    coef = lambda c: np.asarray(c.log_k.coefficients)  # noqa: E731
    db = model.database
    # log K of HCO3- = CO3-2 + H+ (-K2), CO2 + H2O = HCO3- + H+ (K1), CO2(g) = CO2 (KH), mineral
    lk = basis @ np.stack([coef(db.species["HCO3-"]), coef(db.species["CO2"]), coef(db.phases["CO2(g)"])], axis=1)
    log_k2 = -lk[:, 0]
    log_k1 = lk[:, 0] - lk[:, 1]
    log_kh = lk[:, 2] + lk[:, 1]
    lp = np.log10(np.broadcast_to(np.asarray(p_atm, dtype=float), tk.shape))
    if system == "gas":
        log_h = np.clip(0.5 * (log_k1 + log_kh + lp), -9, -3)
        x0[:, 0] = log_h
        x0[:, model.masters.index("CO3-2")] = log_k2 + log_h - log_h  # HCO3 = H+ in pure water + CO2
        return
    dolomite = "Mg+2" in model.masters
    if dolomite:  # Ca = Mg: Ca Mg CO3^2 = Kd -> Ca CO3 = sqrt(Kd)
        log_kc = 0.5 * (basis @ coef(db.phases["Dolomite"]))
        n_cat, c_coef, i_per_ca = 2.0, 2.0, 6.0
    else:
        log_kc = basis @ coef(db.phases["Calcite"])
        n_cat, c_coef, i_per_ca = 1.0, 1.0, 3.0
    k1, k2, kh, kc = 10.0**log_k1, 10.0**log_k2, 10.0**log_kh, 10.0**log_kc
    p = 10.0**lp
    c0 = kh * p + np.sqrt(k1 * kh * p)
    log_g1 = np.zeros_like(tk)
    log_g2 = np.zeros_like(tk)
    for _ in range(2):  # ideal solution, then one step with Davies activity coefficients
        a3 = 4.0 * n_cat**2 * k2 * 10.0 ** (log_g2 + 2.0 * log_g1)  # a3 Ca^3 = ...
        b = kc * k1
        if system == "open":
            ca = np.cbrt(b * kh * p / a3)
        else:
            # depressed cubic Ca^3 + P Ca + Q = 0 with P = c b / a3 > 0, Q = -b C0 / a3 < 0: one real root,
            # Ca = -2 sqrt(P/3) sinh(asinh(3 Q / (2 P) sqrt(3 / P)) / 3) (no cancellation)
            pp = c_coef * b / a3
            qq = -b * c0 / a3
            ca = -2.0 * np.sqrt(pp / 3.0) * np.sinh(np.arcsinh(1.5 * qq / pp * np.sqrt(3.0 / pp)) / 3.0)
            ca = np.minimum(ca, 0.999 * c0 / c_coef)
        sq = np.sqrt(i_per_ca * ca)
        davies = -dh_a * (sq / (1.0 + sq) - 0.3 * i_per_ca * ca)
        log_g1, log_g2 = davies, 4.0 * davies
    hco3 = 2.0 * n_cat * ca
    co2 = kh * p if system == "open" else c0 - c_coef * ca
    log_h = log_k1 + np.log10(co2) - np.log10(hco3) - log_g1
    x0[:, 0] = np.clip(log_h, -11, -4)
    x0[:, model.masters.index("CO3-2")] = log_kc - np.log10(ca) - log_g2
    x0[:, model.masters.index("Ca+2")] = np.log10(ca) + log_g2
    if dolomite:
        x0[:, model.masters.index("Mg+2")] = np.log10(ca) + log_g2


def _gas_uptake(model, temp_c, p_atm, totals, imbalance, tol=None):
    """Equilibrate the starting water with CO2 at partial pressure p_atm (no mineral); return the solution."""
    present = tuple(e for e in model.elements if e == "dic" or np.any(totals[e] > 0))
    if present != model.elements:
        model = build_model(present, model.database.path.name if model.database.path.parent == DATABASE_DIR
                            else str(model.database.path))
    ll = [_phase_ll(model, "CO2(g)", co2_log_fugacity(model, temp_c, p_atm))]
    sums = [_charge(model, imbalance)]
    for e in model.elements:
        if e != "dic":
            sums.append(_mass(model, e, totals[e]))
    return solve(model, temp_c, ll, sums, x0=_x0(model, temp_c.size, temp_c, p_atm, "gas"), **_tol(tol))


def _closed_constraints(model, mineral, c0, totals, imbalance, gas=None):
    """Constraints for dissolution without gas exchange (or with a finite gas volume ``gas``)."""
    ll, sums = [], [_charge(model, imbalance)]
    ca0, mg0 = totals["ca"], totals["mg"]
    w_c, w_ca = model.element_row("dic"), model.element_row("ca")
    w_mg = model.element_row("mg") if "mg" in model.elements else None
    if mineral == "calcite":
        ll.append(_phase_ll(model, "Calcite", np.zeros_like(c0)))
        s = Sum(weights=w_c - w_ca, rhs=c0 - ca0)
    elif mineral == "dolomite":
        ll.append(_phase_ll(model, "Dolomite", np.zeros_like(c0)))
        s = Sum(weights=w_c - 2.0 * w_ca, rhs=c0 - 2.0 * ca0)
        sums.append(Sum(weights=w_mg - w_ca, rhs=mg0 - ca0))
    else:
        ll.append(_phase_ll(model, "Calcite", np.zeros_like(c0)))
        ll.append(_phase_ll(model, "Dolomite", np.zeros_like(c0)))
        s = Sum(weights=w_c - w_ca - w_mg, rhs=c0 - ca0 - mg0)
    if gas is not None:
        gas_coef, p0 = gas
        s.rhs = s.rhs + gas_coef * p0
        s.gas_coef = gas_coef
        s.gas_phase = model.phase("CO2(g)")
    sums.append(s)
    for e in model.elements:
        if e in ("dic", "ca") or (e == "mg" and mineral != "calcite"):
            continue
        sums.append(_mass(model, e, totals[e]))
    return ll, sums


def label_column(value: str, n: int) -> pd.Categorical:
    """A column of one repeated label (``mineral``, ``system``) as a categorical: one byte per row instead of one
    string object per row (it compares, groups and prints as the strings do)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


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


@single_blas_thread
def equilibrate_solution(temp_c, pco2_atm=None, mineral: str = "calcite", system: str = "open", water=None,
                         gas_water_ratio=None, database: str = "phreeqc.dat", series: bool = False,
                         tol: float | None = None):
    """The native solve behind :func:`equilibrate` (same arguments, native backend only), without building the
    result table: returns the :class:`chemistry.water.Solution`, the temperatures and pCO2 per row (None when not
    given) and the starting water's element totals (mol/kgw). For callers that need only a few quantities of many
    waters (the catchment model's reservoir reactions)."""
    if not isinstance(mineral, str) or mineral not in MINERALS:
        raise InputError(f"mineral must be one of {MINERALS}, got {mineral!r}")
    if not isinstance(system, str) or system not in SYSTEMS:
        raise InputError(f"system must be one of {SYSTEMS}, got {system!r}")
    check_options(tol, series, database, water)
    if pco2_atm is None and not (system == "closed" and water is not None):
        raise InputError("pco2_atm is required (it may be None only for a closed system with a starting water)")
    if system == "mixed" and gas_water_ratio is None:
        raise InputError("system='mixed' needs gas_water_ratio (litres of gas per kg of water)")
    t, p, n = _inputs(temp_c, pco2_atm, gas_water_ratio, water)
    totals, imbalance, _ = _water_totals(water if not isinstance(water, pd.DataFrame) or len(water) == n
                                         else water.iloc[[0] * n].reset_index(drop=True), n)
    model = build_model(_element_set(mineral, totals), database)

    if mineral == "none":
        if system != "open":
            raise InputError("mineral='none' (CO2 uptake only) needs system='open'")
        sol = _gas_uptake(model, t, p, totals, imbalance, tol)
    elif system == "open":
        ll = [_phase_ll(model, "CO2(g)", co2_log_fugacity(model, t, p))]
        sums = [_charge(model, imbalance)]
        if mineral in ("calcite", "both"):
            ll.append(_phase_ll(model, "Calcite", np.zeros(n)))
        if mineral in ("dolomite", "both"):
            ll.append(_phase_ll(model, "Dolomite", np.zeros(n)))
        if mineral == "dolomite":
            sums.append(Sum(weights=model.element_row("mg") - model.element_row("ca"),
                            rhs=totals["mg"] - totals["ca"]))
        for e in model.elements:
            if e in ("dic", "ca") or (e == "mg" and mineral != "calcite"):
                continue
            sums.append(_mass(model, e, totals[e]))
        sol = solve(model, t, ll, sums, x0=_x0(model, n, t, p, "open"), series=series, **_tol(tol))
    else:
        gas = None
        if p is not None:
            pre = _gas_uptake(model, t, p, totals, imbalance, tol)
            c0 = pre.total("dic")
        else:
            c0 = totals["dic"]
        if system == "mixed":
            ratio = np.broadcast_to(np.asarray(gas_water_ratio, dtype=float), (n,))
            if np.any(ratio < 0) or np.any(~np.isfinite(ratio)):
                raise InputError("gas_water_ratio must be >= 0 and finite", column="gas_water_ratio")
            crit = model.database.phases["CO2(g)"].critical or (304.2, 72.86, 0.225)
            rt = R_L_ATM * (t + thermo.KELVIN)
            phi0, z0 = thermo.peng_robinson(t, p, *crit)
            n_gas0 = ratio * p / (z0 * rt)  # mol CO2 in the gas per kg water at the start
            phi, z = phi0, z0
            for _ in range(4):  # lagged real-gas correction: n_gas = V p / (Z R T), fugacity = phi p
                gas = (ratio / (z * rt * phi), n_gas0 * z * rt * phi / ratio if np.all(ratio > 0) else p)
                ll, sums = _closed_constraints(model, mineral, c0, totals, imbalance, gas)
                sol = solve(model, t, ll, sums, x0=_x0(model, n, t, p, "closed"), **_tol(tol))
                p_new = 10.0 ** sol.log_pco2() / phi
                phi, z = thermo.peng_robinson(t, p_new, *crit)
        else:
            ll, sums = _closed_constraints(model, mineral, c0, totals, imbalance, None)
            # from a given water (no gas step): start from that water's own speciation, which for the usual
            # near-saturated karst water is within a few Newton steps of the closed-system equilibrium
            if p is not None:
                sol = solve(model, t, ll, sums, x0=_x0(model, n, t, p, "closed"), series=series, **_tol(tol))
            else:
                sol = _solve_from_totals(model, t, ll, sums, totals, imbalance, series, tol)

    return sol, t, p, totals


@single_blas_thread
def equilibrate(temp_c, pco2_atm=None, mineral: str = "calcite", system: str = "open", backend: str = "native",
                water=None, gas_water_ratio=None, database: str = "phreeqc.dat", series: bool = False,
                tol: float | None = None, _fused: bool = True) -> pd.DataFrame:
    """Equilibrate water with CO2 and calcite and/or dolomite; one row per (broadcast) input.

    Parameters
    ----------
    temp_c : float or array, deg C (0-100; :data:`chemistry.thermo.TEMP_MAX_C`).
    pco2_atm : float or array, partial pressure of CO2 the water equilibrates with (atm). For ``closed`` and
        ``mixed`` it is the pCO2 at which the water takes up CO2 before dissolving the rock; ``None`` with a
        ``water`` in the closed system uses the water's own carbon (e.g. after :func:`mix`).
    mineral : "calcite", "dolomite", "both", or "none" (CO2 uptake only, open system: rain or allogenic water
        in contact with soil air before it meets carbonate rock).
    system : "open", "closed" or "mixed" (see the module docstring).
    backend : "native" (this package's solver) or "phreeqc" (IPhreeqc via phreeqpy, the same database).
    water : starting water (mapping/DataFrame with ``<element>_mmol_kgw``), default pure water.
    gas_water_ratio : litres of gas per kg of water for ``system="mixed"``.
    database : shipped database name or a path; default the pinned PHREEQC 3.7.3 ``phreeqc.dat``.
    series : the rows are a sequence of similar waters (e.g. daily values): each Newton iteration starts from the
        previous row's solution (:func:`chemistry.water.solve`); same results to the solver tolerance, fewer steps.
    tol : Newton convergence tolerance, in (0, 1e-3] (default that of :func:`chemistry.water.solve`, 1e-8).

    Bad arguments raise :class:`chemistry.InputError` (a ValueError) naming the argument, or
    :class:`chemistry.errors.InputTypeError` (also a TypeError) for a wrong type; positions in array arguments
    are 0-based (``temp_c[1]``).

    Returns
    -------
    DataFrame with ``temp_c, pco2_atm`` (as given), ``ph``, totals ``ca/mg/dic/..._mmol_kgw``, species
    ``hco3/co3/co2aq/ca_free/cahco3/caco3aq/..._mmol_kgw``, ``alk_meq_kgw``, ``si_calcite, si_aragonite,
    si_dolomite``, ``log_pco2`` and ``pco2_final_atm`` (of the final water), ``ionic_strength``,
    ``dissolved_mmol_kgw`` (mineral dissolved, moles of formula units), ``converged``.
    """
    if not isinstance(mineral, str) or mineral not in MINERALS:
        raise InputError(f"mineral must be one of {MINERALS}, got {mineral!r}")
    if not isinstance(system, str) or system not in SYSTEMS:
        raise InputError(f"system must be one of {SYSTEMS}, got {system!r}")
    check_options(tol, series, database, water)
    if mineral == "none" and system != "open":
        raise InputError("mineral='none' (CO2 uptake only) needs system='open'")
    if backend == "phreeqc":
        _inputs(temp_c, pco2_atm, gas_water_ratio, water)  # the same checks of the values as the native path
        from .phreeqc import equilibrate_phreeqc
        return equilibrate_phreeqc(temp_c, pco2_atm, mineral=mineral, system=system, water=water,
                                   gas_water_ratio=gas_water_ratio, database=database)
    if backend != "native":
        raise InputError(f"backend must be 'native' or 'phreeqc', got {backend!r}")
    if _fused and FUSED and water is None and pco2_atm is not None and (
            (system == "open" and mineral in ("calcite", "dolomite", "both"))
            or (system == "closed" and mineral in ("calcite", "dolomite", "both"))) and _kernel_available():
        return _equilibrate_fused(temp_c, pco2_atm, mineral, system, database, tol)
    sol, t, p, totals = equilibrate_solution(temp_c, pco2_atm, mineral, system, water, gas_water_ratio, database,
                                             series, tol)
    n = t.size
    ca_before = totals["ca"]
    mg_before = totals["mg"]
    cols = solution_columns(sol, "mmol_kgw")
    data = {"temp_c": t, "pco2_atm": p if p is not None else np.full(n, np.nan)}
    for k, v in cols.items():
        data["pco2_final_atm" if k == "pco2_atm" else k] = v
    dissolved = (sol.total("ca") - ca_before) if mineral != "none" else np.zeros(n)
    if mineral == "dolomite":
        dissolved = sol.total("mg") - mg_before
    elif mineral == "both":
        dissolved = (sol.total("ca") - ca_before)  # Ca from both minerals; Mg gain is in mg_mmol_kgw
    data["dissolved_mmol_kgw"] = dissolved * 1000.0
    df = pd.DataFrame(data, copy=False)  # one block allocation instead of one per column
    df["mineral"] = label_column(mineral, n)
    df["system"] = label_column(system, n)
    df["converged"] = sol.converged
    if not sol.converged.all():
        bad = ~sol.converged
        num = df.select_dtypes("number").columns.difference(["temp_c", "pco2_atm"])
        df.loc[bad, num] = np.nan
    df.attrs.update(backend="native", database=sol.model.database.name)
    return df


def _equilibrate_fused(temp_c, pco2_atm, mineral, system, database, tol) -> pd.DataFrame:
    """:func:`equilibrate` of pure water (open or closed system) through the fused compiled
    solve (:mod:`chemistry._fused`; same equations, same columns). Samples it does not converge, and samples above
    the range of its tables (:data:`chemistry._fused.TABLE_TEMP_MAX_C`), are solved by the general path."""
    from . import _fused
    t, p, n = _inputs(temp_c, pco2_atm, None, None, copy=False)  # the kernel copies them into the table
    tol_ = 1e-8 if tol is None else float(tol)
    run = _fused.equilibrate_open if system == "open" else _fused.equilibrate_closed
    if n and t.max() > _fused.TABLE_TEMP_MAX_C:
        # samples above the tables' range go to the general path, like samples the kernel does not converge
        cool = np.flatnonzero(t <= _fused.TABLE_TEMP_MAX_C)
        if cool.size == 0:
            return equilibrate(t, p, mineral=mineral, system=system, database=database, tol=tol, _fused=False)
        part, names, zero, part_conv, _ = run(t[cool], p[cool], mineral, database, tol_)
        block = np.full((part.shape[0], n), np.nan)
        block[:, cool] = part
        conv = np.zeros(n, dtype=bool)
        conv[cool] = part_conv
    else:
        block, names, zero, conv, _ = run(t, p, mineral, database, tol_)
    if not conv.all():
        bad = np.flatnonzero(~conv)
        again = equilibrate(t[bad], p[bad], mineral=mineral, system=system, database=database, tol=tol,
                            _fused=False)
        block[:, bad] = again[list(names)].to_numpy().T
        conv[bad] = again["converged"].to_numpy()
    cols = dict(zip(names, block))  # row views of the block: no copy
    order = list(names)
    for pos, name in zero:  # zero-initialised arrays: their memory is not touched until used
        order.insert(pos, name)
        cols[name] = np.zeros(n)
    data = {name: cols[name] for name in order}
    data.update(mineral=label_column(mineral, n), system=label_column(system, n), converged=conv)
    df = pd.DataFrame(data, copy=False)
    if not conv.all():
        df.loc[~conv, [c for c in df.columns[2:] if c not in ("mineral", "system", "converged")]] = np.nan
    df.attrs.update(backend="native", database=_fused.start_table(database, mineral, system)["model"].database.name)
    return df


@single_blas_thread
def mix(water_a, water_b, fraction_a, temp_c=None, database: str = "phreeqc.dat") -> pd.DataFrame:
    """Mix two waters conservatively (fraction_a of A, 1 - fraction_a of B) and speciate the mixture.

    Element totals and the charge imbalance (thus alkalinity) mix linearly; pH, pCO2 and SI do not, which is
    why mixing two saturated waters of different pCO2 gives an undersaturated water (mixing corrosion).
    ``temp_c`` defaults to the mass-weighted mean of the two waters' temperatures (``temp_c`` column/key).
    Returns the same columns as :func:`equilibrate` (``pco2_atm`` is the mixture's pCO2).
    """
    f = np.atleast_1d(as_float_array(fraction_a, "fraction_a"))
    for name, w in (("water_a", water_a), ("water_b", water_b)):
        if not isinstance(w, (Mapping, pd.DataFrame, pd.Series)):
            raise InputTypeError(f"{name} must be a mapping, Series or DataFrame of <element>_mmol_kgw values, got "
                                 f"{type(w).__name__} {_short(w)}")
    if not isinstance(database, (str, os.PathLike)):
        raise InputTypeError(f"database must be a shipped database name or a path, got {type(database).__name__}")
    if np.any(~np.isfinite(f) | (f < 0) | (f > 1)):
        raise InputError("fraction_a must lie in [0, 1]", column="fraction_a")
    n = f.size
    for w in (water_a, water_b):
        if isinstance(w, pd.DataFrame) and len(w) > n:
            n = len(w)
    f = np.broadcast_to(f, (n,))
    ta, ia, tca = _water_totals(water_a if not isinstance(water_a, pd.DataFrame) or len(water_a) == n
                                else water_a.iloc[[0] * n].reset_index(drop=True), n)
    tb, ib, tcb = _water_totals(water_b if not isinstance(water_b, pd.DataFrame) or len(water_b) == n
                                else water_b.iloc[[0] * n].reset_index(drop=True), n)
    if temp_c is None:
        if tca is None or tcb is None:
            raise InputError("temp_c must be given when the waters carry no temp_c")
        t = f * tca + (1 - f) * tcb
    else:
        t = np.broadcast_to(as_float_array(temp_c, "temp_c"), (n,)).copy()
    _check_temp(t)
    totals = {k: f * ta[k] + (1 - f) * tb[k] for k in WATER_KEYS}
    imbalance = f * ia + (1 - f) * ib
    return speciate_totals(t, totals, imbalance, database=database)


@single_blas_thread
def speciate_totals_solution(temp_c, totals: dict, charge_imbalance=0.0, database: str = "phreeqc.dat",
                             series: bool = False, tol: float | None = None):
    """The solve behind :func:`speciate_totals`: returns the :class:`chemistry.water.Solution`."""
    check_options(tol, series, database)
    t = np.atleast_1d(as_float_array(temp_c, "temp_c")).reshape(-1)
    _check_temp(t)
    n = t.size
    if not isinstance(totals, Mapping):
        raise InputTypeError(f"totals must be a mapping of element -> mol/kgw, got {type(totals).__name__} "
                             f"{_short(totals)}")
    unknown = [k for k in totals if k not in WATER_KEYS]
    if unknown:
        raise InputError(f"unknown totals keys {unknown}; elements are {list(WATER_KEYS)} (mol/kgw)")
    arrays = {k: as_float_array(totals.get(k, 0.0), f"totals[{k!r}]") for k in WATER_KEYS}
    try:
        totals = {k: np.broadcast_to(v, (n,)) for k, v in arrays.items()}
    except ValueError:
        raise InputError(f"every totals array must have one value or one per temperature ({n})") from None
    els = tuple(k for k in WATER_KEYS if np.any(totals[k] > 0))
    if "dic" not in els:
        els = els + ("dic",)
        totals["dic"] = np.full(n, 1e-12)
    model = build_model(els, database)
    sums = [_charge(model, np.broadcast_to(np.asarray(charge_imbalance, dtype=float), (n,)))]
    for e in model.elements:
        sums.append(_mass(model, e, np.maximum(totals[e], 1e-20)))
    imb = np.broadcast_to(np.asarray(charge_imbalance, dtype=float), (n,))
    return _solve_from_totals(model, t, [], sums, totals, imb, series, tol)


def _solve_from_totals(model, t, ll, sums, totals, imbalance, series: bool, tol):
    """Solve starting from :func:`_x0_totals`. In series mode with the compiled engine only each block's first
    sample starts cold, so the start is computed for those samples alone (every sample of a block gets its block's
    start as the fallback); samples that still fail are solved again from their own start, without warm starts."""
    n = t.size
    if not (series and n > 1 and _engine_is_compiled()):
        return solve(model, t, ll, sums, x0=_x0_totals(model, t, totals, imbalance), series=series, **_tol(tol))
    from ._kernel import BLOCK
    first = np.arange(0, n, BLOCK)
    imb = np.broadcast_to(imbalance, (n,))
    x0 = np.repeat(_x0_totals(model, t[first], {k: v[first] for k, v in totals.items()}, imb[first]),
                   BLOCK, axis=0)[:n]
    sol = solve(model, t, ll, sums, x0=x0, series=True, **_tol(tol))
    bad = np.flatnonzero(~sol.converged)
    if bad.size:
        sub_sums = [Sum(weights=s_.weights, rhs=np.broadcast_to(s_.rhs, (n,))[bad], log_form=s_.log_form,
                        gas_coef=None if s_.gas_coef is None else np.broadcast_to(s_.gas_coef, (n,))[bad],
                        gas_phase=s_.gas_phase) for s_ in sums]
        sub_ll = [LogLinear(coef=c.coef, target=np.broadcast_to(c.target, (n,))[bad], logk_coef=c.logk_coef,
                            nu_w=c.nu_w, gamma_species=c.gamma_species) for c in ll]
        again = solve(model, t[bad], sub_ll, sub_sums, series=False, **_tol(tol),
                      x0=_x0_totals(model, t[bad], {k: v[bad] for k, v in totals.items()}, imb[bad]))
        sol.x[bad] = again.x
        sol.molality[bad] = again.molality
        sol.ionic_strength[bad] = again.ionic_strength
        sol.log_aw[bad] = again.log_aw
        sol.converged[bad] = again.converged
        sol.sample_iterations[bad] += again.sample_iterations
    return sol


def _engine_is_compiled() -> bool:
    """Whether :func:`chemistry.water.solve` runs the compiled kernel (where ``series`` has an effect)."""
    from . import water
    try:
        return water._pick_engine(water.ENGINE, 2) == "numba"
    except ImportError:
        return False


@single_blas_thread
def speciate_totals(temp_c, totals: dict, charge_imbalance=0.0, database: str = "phreeqc.dat",
                    series: bool = False, tol: float | None = None) -> pd.DataFrame:
    """Speciate waters given by element totals (mol/kgw) with pH set by the charge imbalance (eq/kgw).
    ``series``: the rows are a sequence of similar waters (see :func:`equilibrate`)."""
    sol = speciate_totals_solution(temp_c, totals, charge_imbalance, database, series, tol)
    cols = solution_columns(sol, "mmol_kgw")
    df = pd.DataFrame({"temp_c": sol.temp_c, **cols, "converged": sol.converged}, copy=False)
    df.attrs.update(backend="native", database=sol.model.database.name)
    return df


def _dh_a_estimate(temp_c) -> np.ndarray:
    """Debye-Hueckel A for starting points: :func:`chemistry.thermo.debye_huckel_a_b` on a 1-degree grid,
    interpolated (ample for a start; the iteration uses the exact value)."""
    t = np.clip(np.asarray(temp_c, dtype=float), thermo.TEMP_MIN_C, thermo.TEMP_MAX_C)
    if t.size == 0:
        return t
    grid = np.arange(np.floor(t.min()) - 1.0, np.ceil(t.max()) + 2.0)
    return np.interp(t, grid, thermo.debye_huckel_a_b(grid)[0])


def _x0_totals(model, temp_c, totals: dict, imbalance) -> np.ndarray:
    """Starting point for a water given by totals: carbonate alkalinity from the strong ions (A = 2 Ca + 2 Mg + Na +
    K - Cl - 2 SO4 - NO3 - imbalance), then [H+] of the carbonate system with that A and the DIC, with conditional
    constants K1c = K1 / g1^2 and K2c = K2 / g2:
    [H] = K1c (C - A) / A where A < C (HCO3- and CO2), [H] = K2c (2C - A) / (A - C) where A > C (HCO3- and CO3-2).
    Activity coefficients g1, g2 (charge 1, 2) from the Davies equation (Davies 1962) at the ionic strength of the
    free ions (I = 0.5 sum z^2 c, HCO3- carrying A); masters start at their totals times g (ion pairs neglected)."""
    n = temp_c.size
    x0 = np.full((n, len(model.masters)), -3.0)
    if one_temperature(temp_c):
        temp_c = temp_c[:1]  # one temperature: constants evaluated once and broadcast
    basis = temperature_basis(temp_c + thermo.KELVIN)
    lk = lambda sp: basis @ np.asarray(model.database.species[sp].log_k.coefficients)  # noqa: E731
    log_k2 = -lk("HCO3-")
    log_k1 = lk("HCO3-") - lk("CO2")
    a = (2 * totals["ca"] + 2 * totals["mg"] + totals["na"] + totals["k"] - totals["cl"] - 2 * totals["so4"]
         - totals["no3"] - imbalance)
    c = np.maximum(totals["dic"], 1e-15)
    ionic = 0.5 * (4 * (totals["ca"] + totals["mg"] + totals["so4"]) + totals["na"] + totals["k"] + totals["cl"]
                   + totals["no3"] + np.clip(a, 0.0, 2.0 * c))
    sq = np.sqrt(np.clip(ionic, 0.0, 0.5))
    dh_a = _dh_a_estimate(temp_c)
    lg1 = -dh_a * (sq / (1.0 + sq) - 0.3 * sq * sq)
    lg2 = 4.0 * lg1
    log_k1c = log_k1 - 2.0 * lg1
    log_k2c = log_k2 - lg2
    with np.errstate(divide="ignore", invalid="ignore"):
        h_low = 10.0 ** log_k1c * (c - a) / a
        h_high = 10.0 ** log_k2c * (2 * c - a) / (a - c)
    h = np.where(a <= 0, 10.0 ** -4.5, np.where(a < 0.98 * c, h_low, np.where(a > 1.02 * c, h_high,
                                                                                  10.0 ** (0.5 * (log_k1c + log_k2c)))))
    log_h = np.clip(np.log10(np.where(np.isfinite(h) & (h > 0), h, 1e-7)), -11.5, -3.0)  # concentration
    x0[:, 0] = log_h + lg1
    alpha2 = 1.0 / (1.0 + 10.0 ** (-log_k2c + log_h) + 10.0 ** (-log_k2c - log_k1c + 2 * log_h))
    x0[:, model.masters.index("CO3-2")] = np.log10(c * alpha2) + lg2
    for e in model.elements:
        if e != "dic":
            m = model.master_index(e)
            divalent = model.masters[m].endswith(("+2", "-2"))
            x0[:, m] = np.log10(np.maximum(totals[e], 1e-20)) + (lg2 if divalent else lg1)
    return x0
