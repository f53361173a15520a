"""Stores and routing: the exact daily recession of a power-law store, one store with well-mixed solutes (the
groundwater of the non-carbonate area), and the unit-hydrograph routing of the outlet's water to the gauge.

Inflow enters a store as a pulse at the start of the day, then the store recedes with the exact solution of
dS/dt = -k S^a over the day (:func:`recess`), so the scheme is unconditionally stable, exactly mass-conserving and
never produces negative storage; the karst reservoirs (:mod:`karstmodel.processes.karst_stores`) use the same step.
"""
from __future__ import annotations

import numpy as np

from .._compiled import njit


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

