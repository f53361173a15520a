"""Solute residence in the soil: a well-mixed soil-water store per hydrotope (``[chemistry] soil_solute_mixing``).

Without it (``"none"``, the default) the water leaving a hydrotope's soil has that day's composition: it
equilibrates with the day's soil air (and the carbonate below, :func:`karstmodel.processes.dissolution.
recharge_chemistry`) and leaves at once. With it, the water of that composition enters a well-mixed store of
volume V (mm over the hydrotope) and the percolation Q (mm/d) leaves at the store's concentration: the mixing cell
(continuously stirred tank) of the lumped-parameter exponential model, whose response to a pulse is the exponential
transit-time distribution g(tau) = exp(-tau/T) / T with the mean residence T = V/Q (the exponential model, EM, of
the lumped-parameter models of Maloszewski & Zuber 1982, J. Hydrol. 57:207). Soil-water transit times of weeks to
months are typical (review: Sprenger et al. 2016, Rev. Geophys. 54:674).

The volume: ``"soil_water"``, the hydrotope's soil water of the day from the water pass (the plant-available water
S of :mod:`karstmodel.processes.soil_water`, so it varies daily); ``"fixed"``, a declared volume per land-use class
(``[land_use_parameters.<class>] soil_mixing_volume_mm``).

One day, in this order (exact; the same for every component, so the store is linear and conserves mass):

1. Volume change V_0 -> V_1 (the previous and this day's volume). A rise V_1 > V_0 is new water of the day's
   composition C_in filling the store, c' = (V_0 c_0 + (V_1 - V_0) C_in) / V_1; a fall leaves c' = c_0 and gives
   (V_0 - V_1) c_0 back to the soil (the water lost to evapotranspiration leaves its CO2 to the soil air and its
   carbonate to the soil; counted as a negative uptake).
2. Throughflow at constant V_1, Q and C_in over the day: dc/dt = (Q/V_1)(C_in - c), whose exact solution is
   c(1 d) = C_in + (c' - C_in) exp(-a), a = Q (1 d) / V_1; the mass leaving, the integral of Q c over the day, is
   Q C_in + (c' - C_in) V_1 (1 - exp(-a)) (``expm1`` keeps small a exact). V_1 = 0 (no soil water): the day's
   water passes through unchanged and the store is empty.

What mixes: every component the chain carries for the water leaving the soil (element totals Ca, Mg, Na, K, Cl,
SO4, NO3, DIC, the strong-acid tracers and the rock carbon; :data:`karstmodel.processes.dissolution.BASE`), as
totals: the mixture is not re-equilibrated in the soil (a mixture of waters in equilibrium with calcite at different
pCO2 is undersaturated; the matrix re-equilibrates downstream). The water of the carbonate and of the non-carbonate
share of a hydrotope mixes in two stores of the same residence (volume and percolation in the shares' proportion).
"""
from __future__ import annotations

import numpy as np

from .._compiled import njit

MIXING_CHOICES = ("none", "soil_water", "fixed")


@njit
def _mix_loop(q, v, c_in, v_prev, c_prev):
    """The daily steps of the module docstring for (days, hydrotopes) percolation ``q`` and volume ``v`` (mm) and
    inflow concentrations ``c_in`` (days, hydrotopes, components; mmol/L); ``v_prev``, ``c_prev``: the volume and
    concentrations before the first day. Returns the mean concentration of the day's outflow (the store's at the
    end of the day when nothing flows), the store's concentration at the end of each day, and the net mass taken up
    per day (mmol/m2 of hydrotope: the day's water entering minus what drying gives back)."""
    n, nh, nc = c_in.shape
    out = np.empty((n, nh, nc))
    conc = np.empty((n, nh, nc))
    taken = np.empty((n, nh, nc))
    for h in range(nh):
        v0 = v_prev[h]
        c = c_prev[h].copy()
        for t in range(n):
            v1 = v[t, h]
            qt = q[t, h]
            dv = v1 - v0
            for k in range(nc):
                ci = c_in[t, h, k]
                if dv > 0.0:
                    cs = (v0 * c[k] + dv * ci) / v1
                    up = dv * ci
                else:
                    cs = c[k]
                    up = dv * c[k]
                if v1 > 0.0:
                    f = -np.expm1(-qt / v1)  # 1 - exp(-a)
                    m_out = qt * ci + (cs - ci) * v1 * f
                    c_end = ci + (cs - ci) * (1.0 - f)
                else:
                    m_out = qt * ci
                    c_end = ci if qt > 0.0 else cs
                taken[t, h, k] = up + qt * ci
                out[t, h, k] = m_out / qt if qt > 0.0 else c_end
                c[k] = c_end
                conc[t, h, k] = c_end
            v0 = v1
    return out, conc, taken


def mix(percolation_mm, volume_mm, conc_in, volume_prev_mm, conc_prev=None) -> dict:
    """The well-mixed soil-water store over a piece of record (module docstring). ``percolation_mm``,
    ``volume_mm``: (days, hydrotopes), mm over the hydrotope; ``conc_in``: (days, hydrotopes, components) mmol/L,
    the day's water equilibrated in the soil; ``volume_prev_mm`` (hydrotopes,) and ``conc_prev`` (hydrotopes,
    components): the store before the first day (None: the percolation-weighted mean inflow composition of the
    piece, or the first day's where nothing percolates). Returns ``out_conc`` (the water leaving, mmol/L),
    ``conc`` (the store at the end of each day), ``taken_mmol_m2`` (net uptake per day, mmol/m2 of hydrotope),
    ``conc_start`` and ``volume_start_mm`` (the store before the first day)."""
    q = np.ascontiguousarray(percolation_mm, dtype=float)
    v = np.ascontiguousarray(volume_mm, dtype=float)
    c_in = np.ascontiguousarray(conc_in, dtype=float)
    if q.shape != v.shape or c_in.shape[:2] != q.shape:
        raise ValueError(f"soil solute store: percolation {q.shape}, volume {v.shape} and inflow "
                         f"{c_in.shape} do not match")
    if (q < 0).any() or (v < 0).any():
        raise ValueError("soil solute store: percolation and volume must be >= 0")
    v0 = np.ascontiguousarray(volume_prev_mm, dtype=float).reshape(q.shape[1])
    if conc_prev is None:
        qs = q.sum(axis=0)
        weighted = np.einsum("th,thk->hk", q, c_in)
        conc_prev = np.where(qs[:, None] > 0, weighted / np.where(qs > 0, qs, 1.0)[:, None], c_in[0])
    c0 = np.ascontiguousarray(conc_prev, dtype=float)
    out, conc, taken = _mix_loop(q, v, c_in, v0, c0)
    return {"out_conc": out, "conc": conc, "taken_mmol_m2": taken, "conc_start": c0, "volume_start_mm": v0}
