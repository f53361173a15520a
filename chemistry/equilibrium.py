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

import os
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from . import thermo
from . import water as _solver
from .constants import R_L_ATM_MOL_K
# constraint builders, starting points and input checks live in their own modules (constraints, inputs); their
# names are importable from here as well
from .constraints import (_charge, _closed_constraints, _element_set, _gas_uptake, _mass,  # noqa: F401
                          _open_constraints, _phase_ll, _tol, _x0, _x0_totals, co2_log_fugacity)
from .errors import InputError, InputTypeError
from .inputs import (MAX_TOL, MINERALS, SYSTEMS, WATER_KEYS, _check_temp, _inputs, _short,  # noqa: F401
                     _water_totals, as_float_array, check_options)
from .output import label_column, solution_columns
from .phreeqc import equilibrate_phreeqc
from .water import LogLinear, Sum, build_model, solve
from ._threads import single_blas_thread

#: pure water in the open and closed systems goes through the fused compiled solve (chemistry._fused) when numba is
#: installed; set False to send it through the general solve
FUSED = True


@lru_cache(maxsize=1)
def _kernel_available() -> bool:
    """Whether numba is installed. The compiled modules are imported on first use, not with this module: importing
    numba costs about 0.3 s, and ``import chemistry`` works without it (the numpy engine)."""
    from ._kernel import AVAILABLE
    return AVAILABLE


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
        ll, sums = _open_constraints(model, mineral, co2_log_fugacity(model, t, p), totals, imbalance)
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
            rt = R_L_ATM_MOL_K * (t + thermo.KELVIN)
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
    the range of its tables (:data:`chemistry._fused_table.TABLE_TEMP_MAX_C`), are solved by the general path."""
    # deferred: importing them imports numba (about 0.3 s); chemistry imports without it
    from . import _fused, _fused_table
    t, p, n = _inputs(temp_c, pco2_atm, None, None, copy=False)  # the kernel copies them into the table
    tol_ = 1e-8 if tol is None else float(tol)
    run = _fused.equilibrate_open if system == "open" else _fused.equilibrate_closed
    if n and t.max() > _fused_table.TABLE_TEMP_MAX_C:
        # samples above the tables' range go to the general path, like samples the kernel does not converge
        cool = np.flatnonzero(t <= _fused_table.TABLE_TEMP_MAX_C)
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

    Parameters
    ----------
    water_a, water_b : mapping, pandas.Series or pandas.DataFrame
        The two waters: ``<element>_mmol_kgw`` totals (e.g. rows of :func:`equilibrate`), optionally
        ``temp_c``; a DataFrame gives one water per row.
    fraction_a : float or array
        Mass fraction of water A in the mixture, in [0, 1].
    temp_c : float or array, optional
        Temperature of the mixture (deg C); default the mass-weighted mean of the waters' temperatures.
    database : str or path, default "phreeqc.dat"
        A shipped database name or a path.

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`equilibrate` (``pco2_atm`` is the mixture's pCO2), one row per mixture.

    Raises
    ------
    chemistry.InputError
        ``fraction_a`` outside [0, 1] or another bad argument, named (a wrong type: ``InputTypeError``).
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
    from ._kernel import BLOCK  # deferred like chemistry._fused (numba)
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
    return _solver._pick_engine(_solver.ENGINE, 2) == "numba"


@single_blas_thread
def speciate_totals(temp_c, totals: dict, charge_imbalance=0.0, database: str = "phreeqc.dat",
                    series: bool = False, tol: float | None = None) -> pd.DataFrame:
    """Speciate waters given by element totals (mol/kgw) with pH set by the charge imbalance (eq/kgw): the
    model's waters after transport, whose pH follows from electroneutrality.

    Parameters
    ----------
    temp_c : float or array
        Water temperature (deg C), one per water.
    totals : dict
        Element -> total (mol/kgw; a number or one value per water); keys from ``chemistry.inputs.WATER_KEYS``
        (``ca``, ``mg``, ``dic``, ...), missing elements are zero.
    charge_imbalance : float or array, default 0.0
        Charge imbalance (eq/kgw) the solution keeps (cations - anions of the totals not modelled).
    database : str or path, default "phreeqc.dat"
        A shipped database name or a path.
    series : bool, default False
        The rows are a sequence of similar waters: each solve starts from the previous row's solution (same
        results, fewer Newton steps; see :func:`equilibrate`).
    tol : float, optional
        Newton convergence tolerance, in (0, 1e-3] (default 1e-8).

    Returns
    -------
    pandas.DataFrame
        ``temp_c``, ``ph``, totals and species in mmol/kgw, ``alk_meq_kgw``, saturation indices, ``log_pco2``,
        ``ionic_strength`` and ``converged``, one row per water.

    Raises
    ------
    chemistry.InputError
        An unknown element key or arrays of mismatched length, named.
    """
    sol = speciate_totals_solution(temp_c, totals, charge_imbalance, database, series, tol)
    cols = solution_columns(sol, "mmol_kgw")
    df = pd.DataFrame({"temp_c": sol.temp_c, **cols, "converged": sol.converged}, copy=False)
    df.attrs.update(backend="native", database=sol.model.database.name)
    return df

