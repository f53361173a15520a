"""Water fluxes: land-use hydrotopes (interception, soil water, actual ET, recharge) and the karst reservoirs.

Hydrotopes (one per land-use class or as listed in the catchment file; Bittner et al. 2018, LuKARS), daily:

1. Interception of rain in a canopy store of capacity I_max, evaporated at the potential rate (Rutter-type bucket;
   Gash 1979). PET left for the soil: PET - E_i.
2. Soil/epikarst-top water store S (capacity S_max = root-zone plant-available water), HBV soil routine
   (Bergstroem 1992, SMHI RH 4, eqs. 3-4): recharge = input x (S/S_max)^beta, the excess above S_max drains too;
   actual ET = (PET - E_i) kc min(1, S / (LP S_max)), limited to S (FAO-56 single crop coefficient kc).
   Hydrotopes without soil (S_max = 0, e.g. open water) evaporate min(PET kc, input) and pass the rest on.

Recharge from the carbonate share of each hydrotope feeds the epikarst (a fraction ``fast_flow_fraction`` bypasses
it to the conduits); recharge from the non-carbonate share is allogenic runoff, of which ``allogenic_to_karst``
sinks into the conduits and the rest leaves the catchment outside the karst: a share ``nonkarst_baseflow_fraction``
percolates into the groundwater of the non-carbonate rock (a slow store, :func:`route_store`) and the remainder
runs off through the quick surface store; the open-water hydrotope runs off at the surface.

Karst reservoirs (KarstMod-like E, M, C; Mazzilli et al. 2019, EMS 122:103927): see
:class:`karstmodel.catchment.ReservoirParameters`. Inflow enters as a pulse at the start of the day, then each
reservoir recedes with the exact solution of dS/dt = -k S^a over the day, so the scheme is unconditionally stable,
exactly mass-conserving and never produces negative storage.
"""
from __future__ import annotations

import numpy as np

from .._compiled import njit
from .landuse import PARAMETER_NAMES


@njit
def recess(s0, k, a, dt):
    """Storage after ``dt`` days of dS/dt = -k S^a from S0 (exact): exponential for a = 1,
    S = [S0^(1-a) + (a-1) k t]^(1/(1-a)) otherwise (zero once emptied when a < 1)."""
    if s0 <= 0.0:
        return 0.0
    if a == 1.0:
        return s0 * np.exp(-k * dt)
    base = s0 ** (1.0 - a) + (a - 1.0) * k * dt
    if a < 1.0 and base <= 0.0:
        return 0.0
    s1 = base ** (1.0 / (1.0 - a))
    # the exact solution never rises; rounding can (S0 tiny, a > 1: S0^(1-a) + (a-1) k t == S0^(1-a) in floating
    # point), which would give a negative outflow of ~1e-21 mm
    return s1 if s1 < s0 else s0


@njit
def _soil_loop(rain, melt, pet, imax, smax, kc, beta, lp, irr, s0, i0, nu=0.0):
    """Hydrotope water balance; parameters are (days, hydrotopes) arrays so that they can change in time
    (scenarios); ``irr`` is extra water applied to the soil (irrigation, mm over the hydrotope); ``nu`` > 0: GR4J
    percolation after ET (see :func:`simulate_hydrotopes`)."""
    n = rain.size
    nh = s0.size
    ei = np.zeros((n, nh))
    aet = np.zeros((n, nh))
    rech = np.zeros((n, nh))
    soil = np.zeros((n, nh))
    icept = np.zeros((n, nh))
    s = s0.copy()
    ic = i0.copy()
    for t in range(n):
        for h in range(nh):
            cap = imax[t, h] - ic[h]
            take = rain[t] if rain[t] < cap else cap
            if take < 0.0:
                take = 0.0
            ic[h] += take
            e = pet[t] if pet[t] < ic[h] else ic[h]
            ic[h] -= e
            ei[t, h] = e
            rem = pet[t] - e
            inp = rain[t] - take + melt[t] + irr[t, h]
            sm = smax[t, h]
            if sm > 0.0:
                rel = s[h] / sm
                if rel > 1.0:
                    rel = 1.0
                r = inp * rel ** beta[t, h] if rel > 0.0 else 0.0
                s[h] += inp - r
                if s[h] > sm:  # also drains storage left above a capacity that shrank (scenarios)
                    r += s[h] - sm
                    s[h] = sm
                f = s[h] / (lp[t, h] * sm)
                if f > 1.0:
                    f = 1.0
                a_ = rem * kc[t, h] * f
                if a_ > s[h]:
                    a_ = s[h]
                s[h] -= a_
                if nu > 0.0 and s[h] > 0.0:
                    # GR4J percolation (Perrin et al. 2003, eq. 8): perc = S {1 - [1 + (nu S / S_max)^4]^(-1/4)}
                    x = nu * s[h] / sm
                    x2 = x * x
                    perc = s[h] * (1.0 - (1.0 + x2 * x2) ** -0.25)
                    s[h] -= perc
                    r += perc
            else:
                r = s[h]  # a capacity that shrank to zero releases what it held
                s[h] = 0.0
                a_ = rem * kc[t, h]
                if a_ > inp:
                    a_ = inp
                r += inp - a_
            aet[t, h] = a_
            rech[t, h] = r
            soil[t, h] = s[h]
            icept[t, h] = ic[h]
    return ei, aet, rech, soil, icept


def parameter_table(hydrotopes, n_days: int, overrides: dict | None = None) -> dict:
    """Every :class:`LandUseParameters` field as a (days, hydrotopes) array: the hydrotopes' values, replaced by
    ``overrides`` (name -> (days, hydrotopes) array) where a scenario changes them in time."""
    out = {}
    for name in PARAMETER_NAMES:
        row = np.array([getattr(h.params, name) for h in hydrotopes], dtype=float)
        out[name] = np.ascontiguousarray(np.broadcast_to(row, (n_days, len(hydrotopes))))
    for name, arr in (overrides or {}).items():
        a = np.asarray(arr, dtype=float)
        if a.shape != (n_days, len(hydrotopes)):
            raise ValueError(f"time-varying parameter {name}: shape {a.shape}, expected {(n_days, len(hydrotopes))}")
        out[name] = np.ascontiguousarray(a)
    return out


def simulate_hydrotopes(rain_mm, melt_mm, pet_mm, hydrotopes, soil0=None, icept0=None, params=None,
                        irrigation_mm=None, percolation_nu: float = 0.0) -> dict:
    """Daily water balance of every hydrotope; arrays of shape (days, hydrotopes), in mm over each hydrotope.
    ``params``: a :func:`parameter_table` (default: the hydrotopes' constant values); ``irrigation_mm``: extra
    water per hydrotope and day (days, hydrotopes).

    ``percolation_nu`` (``[reservoirs] soil_percolation_nu``; 0 = off, the default): after ET the soil store also
    percolates, whether or not the day brought water, as GR4J's production store does,
    perc = S {1 - [1 + (nu S / S_max)^4]^(-1/4)} (Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275, eq. 8,
    with nu = 4/9 and S_max = X1), the exact one-day integral of dS/dt = -(nu / S_max)^4 S^5 / 4; the percolation
    joins the day's recharge. Without it (HBV soil routine, Bergstroem 1992) a soil under snow or in a dry spell
    releases nothing, however full it is."""
    n = np.size(rain_mm)
    nh = len(hydrotopes)
    p = params if params is not None else parameter_table(hydrotopes, n)
    if soil0 is None:
        soil0 = 0.5 * p["root_zone_storage_mm"][0]
    if icept0 is None:
        icept0 = np.zeros(nh)
    irr = np.zeros((n, nh)) if irrigation_mm is None else np.ascontiguousarray(irrigation_mm, dtype=float)
    ei, aet, rech, soil, icept = _soil_loop(
        np.ascontiguousarray(rain_mm, dtype=float), np.ascontiguousarray(melt_mm, dtype=float),
        np.ascontiguousarray(pet_mm, dtype=float), p["interception_capacity_mm"], p["root_zone_storage_mm"],
        p["crop_coefficient"], p["recharge_shape"], p["et_threshold_fraction"], irr,
        np.asarray(soil0, dtype=float).copy(), np.asarray(icept0, dtype=float).copy(), float(percolation_nu))
    return {"interception_evap_mm": ei, "aet_mm": aet, "recharge_mm": rech, "soil_mm": soil, "icept_mm": icept,
            "irrigation_mm": irr}


@njit
def _karst_loop(slow_in, fast_in, allo_in, ke, ae, emax, fc, f_out, km, am, kcd, ac, e0, m0, c0, f_om=0.0):
    n = slow_in.size
    e_s = np.empty(n)
    m_s = np.empty(n)
    c_s = np.empty(n)
    q_em = np.empty(n)
    q_ec = np.empty(n)
    over = np.empty(n)
    q_m = np.empty(n)
    q_c = np.empty(n)
    lost = np.empty(n)
    e, m, c = e0, m0, c0
    for t in range(n):
        e += slow_in[t]
        ov = e - emax if e > emax else 0.0
        e -= ov
        e1 = recess(e, ke, ae, 1.0)
        qe = e - e1
        e = e1
        ov_out = f_out * ov
        ov_in = ov - ov_out
        # the overflow kept in the system goes to the conduits, a share f_om percolating diffusely to the matrix
        # (with f_om = 0 both lines are bitwise the former ones: x 1.0 and + 0.0 are exact)
        to_c = fc * qe + ov_in * (1.0 - f_om)
        to_m = qe - fc * qe + ov_in * f_om
        m += to_m
        m1 = recess(m, km, am, 1.0)
        qm = m - m1
        m = m1
        c += fast_in[t] + allo_in[t] + to_c
        c1 = recess(c, kcd, ac, 1.0)
        qc = c - c1
        c = c1
        e_s[t], m_s[t], c_s[t] = e, m, c
        q_em[t], q_ec[t], over[t], q_m[t], q_c[t] = to_m, to_c, ov, qm, qc
        lost[t] = ov_out
    return e_s, m_s, c_s, q_em, q_ec, over, q_m, q_c, lost


def simulate_karst(slow_in_mm, fast_in_mm, allogenic_in_mm, res, e0=None, m0=None, c0=None) -> dict:
    """Route recharge through the E/M/C reservoirs (mm over the catchment). Returns storages (end of day) and
    flows: ``epikarst_to_matrix_mm`` (incl. the share ``overflow_to_matrix_fraction`` of the overflow kept in the
    system), ``epikarst_to_conduit_mm`` (incl. the rest of the overflow kept in the system),
    ``overflow_mm``, ``other_outlets_mm`` (overflow leaving to other outlets), ``matrix_out_mm``,
    ``conduit_out_mm``, ``spring_mm``."""
    slow = np.ascontiguousarray(slow_in_mm, dtype=float)
    if m0 is None:
        m0 = res.initial_matrix_mm
    args = (np.ascontiguousarray(fast_in_mm, dtype=float), np.ascontiguousarray(allogenic_in_mm, dtype=float),
            float(res.epikarst_k_per_d), float(res.epikarst_exponent), float(res.epikarst_max_mm),
            float(res.conduit_fraction), float(res.overflow_outside_fraction), float(res.matrix_k_per_d),
            float(res.matrix_exponent), float(res.conduit_k_per_d), float(res.conduit_exponent),
            float(res.initial_epikarst_mm if e0 is None else e0))
    f_om = float(res.overflow_to_matrix_fraction)
    if m0 is None:
        # steady state of the matrix for its mean inflow (the epikarst outflow it actually receives, found by a
        # first pass with an empty matrix: the overflow and the conduit share never reach it)
        first = _karst_loop(slow, *args, 0.0, float(res.initial_conduit_mm if c0 is None else c0), f_om)
        inflow = max(float(np.mean(first[3])), 1e-12)
        m0 = (inflow / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent)
    e_s, m_s, c_s, q_em, q_ec, over, q_m, q_c, lost = _karst_loop(
        slow, *args, float(m0), float(res.initial_conduit_mm if c0 is None else c0), f_om)
    return {"epikarst_mm": e_s, "matrix_mm": m_s, "conduit_mm": c_s, "epikarst_to_matrix_mm": q_em,
            "epikarst_to_conduit_mm": q_ec, "overflow_mm": over, "matrix_out_mm": q_m, "conduit_out_mm": q_c,
            "spring_mm": q_m + q_c, "other_outlets_mm": lost}


# ------------------------------------------------------------------------------------------------------------
@njit
def _store_loop(inflow, mass_in, k, a, s0, m0):
    """One power-law store with well-mixed solutes, the daily pulse-and-recession scheme of the karst reservoirs:
    outflow (mm), outflow masses, storage and stored masses (end of day). Component by component, no temporaries."""
    n, nc = mass_in.shape
    out = np.zeros(n)
    out_m = np.zeros((n, nc))
    store = np.zeros(n)
    store_m = np.zeros((n, nc))
    s = s0
    m = m0.copy()
    for t in range(n):
        s += inflow[t]
        s1 = recess(s, k, a, 1.0)
        q = s - s1
        frac = q / s if s > 0.0 else 0.0
        s = s1
        out[t] = q
        store[t] = s
        for c in range(nc):
            x = m[c] + mass_in[t, c]
            o = x * frac
            out_m[t, c] = o
            x = x - o
            m[c] = x
            store_m[t, c] = x
    return out, out_m, store, store_m


def steady_state_storage(mean_inflow_mm: float, k_per_d: float, exponent: float) -> float:
    """Storage of a store dS/dt = -k S^a whose outflow equals a constant inflow: S* = (Q / k)^(1/a); 0 without
    inflow."""
    if not mean_inflow_mm > 0.0:
        return 0.0
    return float((mean_inflow_mm / k_per_d) ** (1.0 / exponent))


def route_store(inflow_mm, k_per_d: float, exponent: float = 1.0, s0: float = 0.0, mass_in=None, m0=None) -> dict:
    """Route water (and, with ``mass_in`` (days, components), its solutes as a well-mixed tank) through one store
    dS/dt = -k S^a, inflow as a pulse at the start of each day, then the exact recession of :func:`recess` over
    the day: unconditionally stable, exact mass balance, never negative.

    Used for the groundwater of the non-carbonate (allogenic) area, ``[reservoirs] nonkarst_baseflow_*``. With
    a = 1 it is the linear lower-zone (baseflow) store of HBV, Q = K S (Bergstroem 1992, SMHI RH 4; Lindstroem et al.
    1997, J. Hydrol. 201:272); with a = 5 and k = 1 / (4 X3^4) its one-day step is exactly GR4J's routing store,
    R <- R [1 + (R / X3)^4]^(-1/4) (Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275, appendix), whose
    outflow R - R [1 + (R/X3)^4]^(-1/4) is the exact one-day integral of dR/dt = -R^5 / (4 X3^4).

    Returns ``out_mm``, ``out_mass``, ``store_mm``, ``store_mass`` (end of day)."""
    q = np.ascontiguousarray(inflow_mm, dtype=float)
    n = q.size
    mass = np.zeros((n, 0)) if mass_in is None else np.ascontiguousarray(mass_in, dtype=float)
    nc = mass.shape[1]
    m0 = np.zeros(nc) if m0 is None else np.asarray(m0, dtype=float)
    if s0 == 0.0 and not q.any() and not mass.any() and not m0.any():  # a store that is never fed (no such area)
        return {"out_mm": np.zeros(n), "out_mass": np.zeros((n, nc)), "store_mm": np.zeros(n),
                "store_mass": np.zeros((n, nc))}
    out, out_m, store, store_m = _store_loop(q, mass, float(k_per_d), float(exponent), float(s0), m0)
    return {"out_mm": out, "out_mass": out_m, "store_mm": store, "store_mass": store_m}


def unit_hydrograph_gr4j(x4_days: float) -> np.ndarray:
    """Daily ordinates of GR4J's unit hydrograph UH1 with base time X4 (days): from its S-curve SH1(t) = (t/X4)^(5/2)
    for 0 <= t < X4 and 1 beyond (Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275, appendix A), ordinate j
    (j = 0: the same day) = SH1(j + 1) - SH1(j). They sum to 1; X4 <= 1 day gives [1] (no delay)."""
    x4 = float(x4_days)
    if not x4 > 0.0:
        return np.ones(1)
    j = np.arange(0.0, np.ceil(x4) + 1.0)
    sh = np.where(j < x4, (j / x4) ** 2.5, 1.0)
    return np.diff(sh)


def route_unit_hydrograph(inflow, uh: np.ndarray, pending0=None) -> tuple[np.ndarray, np.ndarray]:
    """Convolve a daily series with unit-hydrograph ordinates ``uh``: out[t] = sum_j uh[j] inflow[t - j], plus what
    earlier inflow still owed to these days (``pending0``, length len(uh) - 1). Returns (out, pending): pending is
    what this series owes to the days after it, so that routing a record in pieces equals routing it whole and
    in + pending0 = out + pending (mass conserved)."""
    q = np.asarray(inflow, dtype=float)
    full = np.convolve(q, uh)
    if pending0 is not None and np.size(pending0):
        p0 = np.asarray(pending0, dtype=float)
        if full.size < p0.size:
            full = np.concatenate([full, np.zeros(p0.size - full.size)])
        full[: p0.size] += p0
    n = q.size
    return full[:n].copy(), full[n:].copy()

