"""Calcite dissolution and precipitation kinetics (Plummer, Wigley & Parkhurst 1978) over a residence time.

Rate (PWP 1978, Am. J. Sci. 278:179, eqs. 5 and 7-9, with the affinity term of the phreeqc.dat ``RATES Calcite``
block, Appelo & Postma 2005, *Geochemistry, groundwater and pollution*, 2nd ed., eq. 5.70):

    r = (k1 a_H+ + k2 a_CO2 + k3 a_H2O) (1 - 10^(2/3 SI_calcite))     [mmol cm-2 s-1]
    log k1 = 0.198 - 444/T,   log k2 = 2.84 - 2177/T,
    log k3 = -5.86 - 317/T (T <= 298.15 K) or -1.10 - 1737/T (T > 298.15 K)

r > 0 dissolves calcite, r < 0 precipitates it. Multiplied by the wetted surface per volume of water A/V
(cm-1 = cm2 per cm3) it gives mmol cm-3 s-1 = mol L-1 s-1 (about mol/kgw per second in fresh water).
For a fracture of aperture d, A/V = 2/d; for a cylindrical conduit of radius r, A/V = 2/r; a film of thickness h
on rock, A/V = 1/h (Dreybrodt 1988, ch. 5).

Integration over a residence time
---------------------------------
Calcite dissolved per kg of water, xi, obeys dxi/dt = (A/V) r(xi), with r evaluated on the water after xi has
dissolved (the carbonate system re-speciated: in an ``open`` system CO2 comes from a gas at fixed pCO2, in a
``closed`` system C - Ca is conserved). r falls monotonically to zero at the equilibrium xi_eq, so the time to
reach xi is t(xi) = int_0^xi dxi' / ((A/V) r(xi')), evaluated with the substitution xi = xi_eq (1 - e^-u) (the
integrand is smooth in u because r ~ (xi_eq - xi) near equilibrium), and xi(tau) follows by interpolation.
This is exact up to the quadrature (checked against PHREEQC KINETICS in the tests), unconditionally stable, and
vectorised over samples: K = 80 batched speciations, whatever the residence time. The first node is at
u = 1e-5 (xi = 1e-5 xi_eq), so that residence times of seconds are resolved too (Ca after 1-10 s in an open
system within 0.06 % of PHREEQC; a first node at u = 1e-3 would leave it 0.5-0.7 % low).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import thermo
from .constraints import _charge, _gas_uptake, _mass, _phase_ll, co2_log_fugacity
from .equilibrium import equilibrate
from .errors import InputError
from .inputs import _water_totals
from .output import solution_columns
from .water import Sum, build_model, solve
from ._threads import single_blas_thread


def pwp_rate_constants_tk(tk):
    """k1, k2, k3 of PWP (1978) in mmol cm-2 s-1 at ``tk`` (K; a number or an array), k3 with the two temperature
    branches of phreeqc.dat (the branch is selected by multiplying with 0 or 1, exact for finite values, so that
    the same code serves arrays here and scalars compiled in :mod:`chemistry.carbonate`)."""
    k1 = 10.0 ** (0.198 - 444.0 / tk)
    k2 = 10.0 ** (2.84 - 2177.0 / tk)
    warm = 1.0 * (tk > 298.15)
    k3 = 10.0 ** (-5.86 - 317.0 / tk) * (1.0 - warm) + 10.0 ** (-1.10 - 1737.0 / tk) * warm
    return k1, k2, k3


def pwp_rate_affinity(k1, k2, k3, a_h, a_co2, si_calcite, a_h2o):
    """Net rate (k1 a_H+ + k2 a_CO2 + k3 a_H2O) (1 - 10^(2/3 SI_calcite)) (PWP 1978 with the phreeqc.dat affinity
    term; numbers or arrays)."""
    return (k1 * a_h + k2 * a_co2 + k3 * a_h2o) * (1.0 - 10.0 ** (2.0 / 3.0 * si_calcite))


def pwp_rate_constants(temp_c):
    """k1, k2, k3 of PWP (1978) in mmol cm-2 s-1 at ``temp_c`` (deg C)."""
    return pwp_rate_constants_tk(np.asarray(temp_c, dtype=float) + thermo.KELVIN)


def pwp_rate(temp_c, a_h, a_co2, si_calcite, a_h2o=1.0):
    """Net calcite dissolution rate (mmol cm-2 s-1; negative = precipitation), PWP (1978) as in phreeqc.dat:
    r = (k1 a_H+ + k2 a_CO2 + k3 a_H2O) (1 - 10^(2/3 SI_calcite)) (Plummer, Wigley & Parkhurst 1978, Am. J. Sci.
    278:179, eqs. 5 and 7-9; affinity term of phreeqc.dat, Appelo & Postma 2005, eq. 5.70). Numbers or arrays,
    broadcast.

    Parameters
    ----------
    temp_c : float or array
        Water temperature (deg C), for the rate constants k1, k2, k3.
    a_h : float or array
        Activity of H+ (10^-pH).
    a_co2 : float or array
        Activity of dissolved CO2 (H2CO3*).
    si_calcite : float or array
        Saturation index of calcite, log10(IAP/K).
    a_h2o : float or array, default 1.0
        Activity of water.

    Returns
    -------
    numpy.ndarray
        The net rate, mmol per cm2 of calcite surface per second (> 0 dissolves, < 0 precipitates).
    """
    k1, k2, k3 = pwp_rate_constants(temp_c)
    return pwp_rate_affinity(k1, k2, k3, np.asarray(a_h), np.asarray(a_co2), np.asarray(si_calcite),
                             np.asarray(a_h2o))


def pwp_rate_of(sol) -> np.ndarray:
    """PWP rate for a solved water (:class:`chemistry.water.Solution`)."""
    m = sol.model
    a_h = 10.0 ** sol.x[:, 0]
    j = m.index("CO2")
    a_co2 = sol.molality[:, j] * 10.0 ** sol.log_gamma_of("CO2")
    return pwp_rate(sol.temp_c, a_h, a_co2, sol.saturation_index("Calcite"), 10.0 ** sol.log_aw)


#: Newton tolerance of the equilibrium and node solves: the last integration nodes lie within 1e-13 of equilibrium,
#: where the sign of the rate depends on the saturation index to that precision
TIGHT_TOL = 1e-12


def _state_at(model, temp_c, xi, system, totals, imbalance, c0, log_f, x0=None):
    """Speciate the water after xi mol/kgw calcite dissolved (open: at fixed CO2 fugacity; closed: C - Ca kept).
    Solved to :data:`TIGHT_TOL`."""
    ca = totals["ca"] + xi
    sums = [_charge(model, imbalance), _mass(model, "ca", np.maximum(ca, 1e-15))]
    ll = []
    if system == "open":
        ll.append(_phase_ll(model, "CO2(g)", log_f))
    else:
        sums.append(Sum(weights=model.element_row("dic"), rhs=np.maximum(c0 + xi, 1e-15), log_form=True))
    for e in model.elements:
        if e not in ("dic", "ca"):
            sums.append(_mass(model, e, np.maximum(totals[e], 1e-20)))
    if x0 is None:
        x0 = np.full((np.size(temp_c), len(model.masters)), -3.0)
        x0[:, 0] = -7.5
    return solve(model, temp_c, ll, sums, x0=x0, tol=TIGHT_TOL)


@single_blas_thread
def dissolve_kinetic(temp_c, residence_time_s, surface_to_volume_cm_1, pco2_atm=None, system: str = "closed",
                     water=None, n_nodes: int = 80, database: str = "phreeqc.dat") -> pd.DataFrame:
    """Dissolve (or precipitate) calcite with PWP kinetics for ``residence_time_s`` seconds.

    Parameters
    ----------
    temp_c : float or array
        Water temperature (deg C).
    residence_time_s : float or array
        Contact time with the calcite (s, >= 0).
    surface_to_volume_cm_1 : float or array
        Wetted calcite surface per volume of water, cm2/cm3 (see the module docstring for fractures and
        conduits).
    pco2_atm : float or array, optional
        The water first equilibrates with CO2 at this pCO2 (soil air, atm), and in an ``open`` system stays in
        contact with it. ``None`` in a closed system uses the starting water's own carbon.
    system : {"closed", "open"}, default "closed"
        Whether the water keeps exchanging CO2 with a gas at ``pco2_atm`` while it dissolves calcite.
    water : mapping or pandas.DataFrame, optional
        Starting water (``<element>_mmol_kgw`` columns), default pure water.
    n_nodes : int, default 80
        Nodes of the quadrature of the time to dissolve (module docstring, "Integration over a residence time").
    database : str or path, default "phreeqc.dat"
        A shipped database name or a path.

    Returns
    -------
    pandas.DataFrame
        The :func:`equilibrate` columns for the water at the end of the residence time, plus
        ``dissolved_mmol_kgw`` (negative = precipitated), ``equilibrium_dissolved_mmol_kgw`` (what full
        equilibrium would give), ``fraction_of_equilibrium`` and ``rate_mmol_cm2_s`` (PWP rate at the end).

    Raises
    ------
    chemistry.InputError
        An unknown ``system`` or a bad argument, named.
    """
    if system not in ("open", "closed"):
        raise InputError(f"kinetic system must be 'open' or 'closed', got {system!r}")
    arrays = [np.asarray(temp_c, dtype=float), np.asarray(residence_time_s, dtype=float),
              np.asarray(surface_to_volume_cm_1, dtype=float)]
    if pco2_atm is not None:
        arrays.append(np.asarray(pco2_atm, dtype=float))
    n = max(int(np.size(a)) for a in arrays)
    if isinstance(water, pd.DataFrame):
        n = max(n, len(water))
    t, tau, av = (np.broadcast_to(a.reshape(-1) if a.ndim else a, (n,)).astype(float) for a in arrays[:3])
    if np.any(tau < 0) or np.any(~np.isfinite(tau)):
        raise InputError("residence_time_s must be finite and >= 0", column="residence_time_s")
    if np.any(av < 0) or np.any(~np.isfinite(av)):
        raise InputError("surface_to_volume_cm_1 must be finite and >= 0", column="surface_to_volume_cm_1")
    p = np.broadcast_to(np.asarray(pco2_atm, dtype=float).reshape(-1), (n,)) if pco2_atm is not None else None
    if p is None and (system == "open" or water is None):
        raise InputError("pco2_atm is required (except for a closed system with a starting water)")
    eq = equilibrate(t, p, mineral="calcite", system=system, water=water, database=database, tol=TIGHT_TOL)
    totals, imbalance, _ = _water_totals(water, n)
    model = build_model(tuple(sorted({"dic", "ca"} | {k for k, v in totals.items() if np.any(v > 0)})), database)
    log_f = co2_log_fugacity(model, t, p) if p is not None else None
    if system == "closed":
        if p is not None:
            c0 = _gas_uptake(model, t, p, totals, imbalance, TIGHT_TOL).total("dic")
        else:
            c0 = totals["dic"]
    else:
        c0 = None
    xi_eq = (eq["ca_mmol_kgw"].to_numpy() - totals["ca"] * 1000.0) / 1000.0
    # nodes xi_k = xi_eq (1 - exp(-u_k))
    u = np.concatenate([[0.0], np.geomspace(1e-5, 30.0, n_nodes - 1)])
    frac = 1.0 - np.exp(-u)
    rates = np.empty((n, u.size))
    xi_nodes = xi_eq[:, None] * frac[None, :]
    x_prev = None
    for k in range(u.size):  # each node starts from the previous node's solution (a few Newton steps each)
        sol = _state_at(model, t, xi_nodes[:, k], system, totals, imbalance, c0, log_f, x0=x_prev)
        rates[:, k] = pwp_rate_of(sol)
        x_prev = np.where(np.isfinite(sol.x), sol.x, x_prev if x_prev is not None else -3.0)
    # t(u) = int xi_eq e^-u / ((A/V) r) du ; rate in mmol cm-2 s-1 * cm-1 = mmol cm-3 s-1 = mol L-1 s-1
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(np.abs(rates) > 0, xi_eq[:, None] * np.exp(-u)[None, :] / (av[:, None] * rates), np.inf)
    integrand = np.where(np.abs(xi_eq)[:, None] < 1e-15, 0.0, integrand)
    finite_all = np.all(np.isfinite(integrand), axis=1)
    # imported here, not with the module: scipy.integrate takes ~0.2 s to import and only this function needs it
    from scipy.integrate import cumulative_simpson
    from scipy.interpolate import PchipInterpolator

    times = np.full((n, u.size), np.inf)
    if finite_all.any():
        times[finite_all] = cumulative_simpson(integrand[finite_all], x=u, axis=1, initial=0.0)
    f_end = np.zeros(n)
    for i in np.flatnonzero(finite_all & (av > 0)):  # monotone cubic u(t) per sample (80 nodes: cheap)
        ti = times[i]
        if tau[i] >= ti[-1]:
            f_end[i] = 1.0
            continue
        # strictly increasing nodes only (for a water at equilibrium to rounding, rates of either sign ~1e-19
        # can make t(u) non-monotone)
        keep = np.concatenate([[True], ti[1:] > np.maximum.accumulate(ti)[:-1]])
        if keep.sum() < 2:
            f_end[i] = 1.0
            continue
        f_end[i] = 1.0 - np.exp(-PchipInterpolator(ti[keep], u[keep])(tau[i]))
    xi = xi_eq * f_end
    sol = _state_at(model, t, xi, system, totals, imbalance, c0, log_f)
    cols = solution_columns(sol, "mmol_kgw")
    df = pd.DataFrame({"temp_c": t, "pco2_atm": p if p is not None else np.full(n, np.nan),
                       "residence_time_s": tau, "surface_to_volume_cm_1": av})
    for k, v in cols.items():
        df["pco2_final_atm" if k == "pco2_atm" else k] = v
    df["dissolved_mmol_kgw"] = xi * 1000.0
    df["equilibrium_dissolved_mmol_kgw"] = xi_eq * 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        df["fraction_of_equilibrium"] = np.where(np.abs(xi_eq) > 0, xi / xi_eq, 1.0)
    df["rate_mmol_cm2_s"] = pwp_rate_of(sol)
    df["converged"] = sol.converged
    df.attrs.update(backend="native", database=model.database.name)
    return df


def surface_to_volume_fracture(aperture_mm):
    """A/V (cm-1) of a planar fracture of aperture ``aperture_mm``: 2/d (Dreybrodt 1988, ch. 5)."""
    return 2.0 / (np.asarray(aperture_mm, dtype=float) / 10.0)


def surface_to_volume_conduit(radius_mm):
    """A/V (cm-1) of a cylindrical conduit of radius ``radius_mm``: 2/r."""
    return 2.0 / (np.asarray(radius_mm, dtype=float) / 10.0)
