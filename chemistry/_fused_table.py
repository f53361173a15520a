"""Start table of the fused compiled solve (:mod:`chemistry._fused`): the standard karst equilibria of pure water
solved once per process, database, mineral and system by the general solver on a grid of temperature and log pCO2.

Each node is solved by :func:`chemistry.water.solve` to a tolerance far below the kernel's (:data:`TABLE_TOL`) and
kept as its free directions y of the master log activities, ionic strength I and log a_w; the fused kernel starts
every sample from a cubic (4 x 4 node Lagrange) interpolation of these, within about 1e-9 of the solution, and then
converges the full equations. The same grid carries the temperature functions the kernel interpolates: the
Debye-Hueckel A and B (:func:`chemistry.thermo.debye_huckel_a_b`) and the Peng-Robinson log phi of CO2
(:func:`chemistry.thermo.peng_robinson`, stored as log phi / p, nearly constant at low pressure: second virial
coefficient), and the per-species constants of the problem with its log-linear constraints eliminated.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import thermo
from .constraints import (_charge, _closed_constraints, _gas_uptake, _open_constraints, _phase_ll, _x0,
                          co2_log_fugacity)
from .database import temperature_basis
from .inputs import WATER_KEYS
from .water import _setup, build_model, solve
from ._kernel import AVAILABLE

#: start-table grid: temperature (deg C) and log10 pCO2 (atm); one node beyond each end of the data range so that
#: the 4-node stencil needs no one-sided form inside it
#: temperature range of the tables (deg C): the range of karst waters; :func:`chemistry.equilibrate` sends samples
#: above it (thermal waters, up to :data:`chemistry.thermo.TEMP_MAX_C`) to the general solve, so the tables stay
#: small and the fast path keeps its speed
TABLE_TEMP_MAX_C = 60.0
T_STEP, T_LO, T_HI = 0.5, thermo.TEMP_MIN_C - 1.5, TABLE_TEMP_MAX_C + 1.5
LP_STEP, LP_LO, LP_HI = 0.025, -8.075, 0.075
#: the closed system's solution bends more in log pCO2 (its carbon comes from the pCO2): a 4 times finer step there
LP_STEP_CLOSED = LP_STEP / 4
#: convergence tolerance of the table nodes: far below the kernel's, so the nodes carry no solver noise into the
#: interpolation
TABLE_TOL = 1e-13


def _grid(lp_step=LP_STEP):
    t = np.arange(T_LO, T_HI + T_STEP / 2, T_STEP)
    lp = LP_LO + lp_step * np.arange(int(round((LP_HI - LP_LO) / lp_step)) + 1)
    return t, lp


def constraints(model, mineral: str, log_f_co2, n: int):
    """Log-linear and sum constraints of the open system for pure water (as :func:`chemistry.equilibrate`)."""
    zero = np.zeros(n)
    return _open_constraints(model, mineral, log_f_co2, {k: zero for k in WATER_KEYS}, zero)


@lru_cache(maxsize=16)
def start_table(database: str, mineral: str, system: str = "open"):
    """The structure of the problem and the start table for one database, mineral and system (cached per process).

    ``system``: "open" (CO2(g) at log f and the mineral(s) at SI = 0; electroneutrality), "gas" (pure water taking
    up CO2 at log f, no mineral: the first stage of the closed system; ``mineral`` is ignored) or "closed" (the
    mineral(s) at SI = 0, electroneutrality and C - Ca (- Mg) = C0, the carbon taken up in the first stage; the
    row ``c0_row`` of the sum constraints carries C0 per sample).

    Returns a dict of arrays: the per-species constants of the eliminated system (``cb`` coefficients on the
    temperature basis, ``g_co2`` weight of log f(CO2), ``dw`` weight of log a_w, ``nub``), the sum constraints
    ``w``, the maps back to master log activities (``pinv``, ``null``, ``ll_coef``, ``ll_nuw``; ``gas_k`` the
    log-linear constraint of CO2(g), -1 if none), and the tables ``tab`` (channels y..., I, log a_w,
    log phi(CO2) / pCO2; shape (nT, nP, C)) and ``tab_t`` (Debye-Hueckel A and B; shape (2, nT)).
    """
    if system == "gas":
        els = ("dic",)
    else:
        els = ("ca", "dic") if mineral == "calcite" else ("ca", "dic", "mg")
    model = build_model(els, database)
    lp_step = LP_STEP_CLOSED if system == "closed" else LP_STEP
    t, lp = _grid(lp_step)
    tt, pp = np.meshgrid(t, lp, indexing="ij")
    tt, pp = tt.ravel(), pp.ravel()
    n = tt.size
    zero = np.zeros(n)
    log_f = co2_log_fugacity(model, tt, 10.0**pp)
    c0_row = -1
    if system == "open":
        ll, sums = constraints(model, mineral, log_f, n)
    elif system == "gas":
        ll, sums = [_phase_ll(model, "CO2(g)", log_f)], [_charge(model, zero)]
    else:
        totals = {k: zero for k in WATER_KEYS}
        c0 = _gas_uptake(model, tt, 10.0**pp, totals, zero, TABLE_TOL).total("dic")
        ll, sums = _closed_constraints(model, mineral, c0, totals, zero)
        c0_row = len(sums) - 1  # the carbon row is the last one (_closed_constraints)
        if not np.array_equal(sums[c0_row].rhs, c0):  # pragma: no cover
            raise AssertionError("closed-system constraints changed order")
    gas_k = 0 if system in ("open", "gas") else -1  # the CO2(g) constraint is the first, where there is one
    x0 = _x0(model, n, tt, 10.0**pp, "closed" if system == "closed" else system)
    sol = solve(model, tt, ll, sums, x0=x0, engine="numba" if AVAILABLE else None, tol=TABLE_TOL)
    if not sol.converged.all():  # pragma: no cover - the grid is inside the range the solver is tested on
        raise RuntimeError(f"start table for {mineral} ({system}) in {database}: "
                           f"{int((~sol.converged).sum())} nodes failed")
    p = _setup(model, tt, ll, sums, sol.x)
    # free directions of the solution: y = B^T (x - x_p(log a_w))
    basis = temperature_basis(tt + thermo.KELVIN)
    r = p.ll_target + basis @ p.ll_coef.T - p.ll_nuw[None, :] * sol.log_aw[:, None]
    y = (sol.x - r @ p.pinv.T) @ p.null
    if y.shape[1] not in (1, 2, 3):  # pragma: no cover - 1 to 3 free directions in these problems
        raise ValueError(f"the fused kernel solves Newton systems of 2 to 4 unknowns, not {y.shape[1] + 1} "
                         f"({mineral}, {system})")
    nt, npp = t.size, lp.size
    # log phi is nearly proportional to p (second virial coefficient), so log phi / p interpolates to rounding
    chans = [y[:, l] for l in range(y.shape[1])] + [sol.ionic_strength, sol.log_aw, (log_f - pp) / 10.0**pp]
    tab = np.ascontiguousarray(np.stack([c.reshape(nt, npp) for c in chans], axis=-1))
    dh_a, dh_b = thermo.debye_huckel_a_b(t)
    g = model.nu @ p.pinv  # (S, k): species log activity per unit of each log-linear right-hand side
    cb = model.logk_coef + g @ p.ll_coef  # (S, 6)
    dw = model.nu_w - g @ p.ll_nuw
    g_co2 = g[:, gas_k] if gas_k >= 0 else np.zeros(len(model.species))
    return dict(model=model, cb=np.ascontiguousarray(cb), g_co2=np.ascontiguousarray(g_co2),
                dw=np.ascontiguousarray(dw), nub=np.ascontiguousarray(p.nub), w=np.ascontiguousarray(p.w),
                pinv=np.ascontiguousarray(p.pinv), null=np.ascontiguousarray(p.null),
                ll_coef=np.ascontiguousarray(p.ll_coef), ll_nuw=np.ascontiguousarray(p.ll_nuw), tab=tab,
                tab_t=np.ascontiguousarray(np.stack([dh_a, dh_b])), n_free=y.shape[1], gas_k=gas_k, c0_row=c0_row,
                lp_step=lp_step)
