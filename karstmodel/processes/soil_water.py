"""Water of the land-use hydrotopes: interception, soil water, actual evapotranspiration and recharge.

Hydrotopes (one per land-use class or as listed in the catchment file; Bittner et al. 2018, LuKARS), daily:

1. Interception of rain in a canopy store of capacity I_max, evaporated at the potential rate (Rutter-type bucket;
   Gash 1979). PET left for the soil: PET - E_i.
2. Soil/epikarst-top water store S (capacity S_max = root-zone plant-available water), HBV soil routine
   (Bergstroem 1992, SMHI RH 4, eqs. 3-4): recharge = input x (S/S_max)^beta, the excess above S_max drains too;
   actual ET = (PET - E_i) kc min(1, S / (LP S_max)), limited to S (FAO-56 single crop coefficient kc).
   Hydrotopes without soil (S_max = 0, e.g. open water) evaporate min(PET kc, input) and pass the rest on.

Where the recharge goes (epikarst, conduits, non-karst stores) is split in :func:`karstmodel.model.stages.
route_recharge` by the lithology.
"""
from __future__ import annotations

import numpy as np

from .._compiled import njit

from .landuse import PARAMETER_NAMES


@njit
def soil_step(rain, melt, pet, irr, imax, smax, kc, beta, lp, nu, s, ic):
    """One day of one hydrotope (module docstring; ``nu`` > 0: GR4J percolation after ET, see
    :func:`simulate_hydrotopes`): returns interception evaporation, actual ET, recharge (mm over the hydrotope)
    and the soil and interception stores at the end of the day. The single compiled copy of the equations, used
    by :func:`simulate_hydrotopes` and the fused water pass of calibration (:mod:`karstmodel.model.water_pass`)."""
    cap = imax - ic
    take = rain if rain < cap else cap
    if take < 0.0:
        take = 0.0
    ic += take
    e = pet if pet < ic else ic
    ic -= e
    rem = pet - e
    inp = rain - take + melt + irr
    if smax > 0.0:
        rel = s / smax
        if rel > 1.0:
            rel = 1.0
        # a day without input recharges nothing (0 x (S/S_max)^beta = 0 exactly: the power is skipped)
        r = inp * rel ** beta if rel > 0.0 and inp != 0.0 else 0.0
        s += inp - r
        if s > smax:  # also drains storage left above a capacity that shrank (scenarios)
            r += s - smax
            s = smax
        f = s / (lp * smax)
        if f > 1.0:
            f = 1.0
        a_ = rem * kc * f
        if a_ > s:
            a_ = s
        s -= a_
        if nu > 0.0 and s > 0.0:
            # GR4J percolation (Perrin et al. 2003, eq. 8): perc = S {1 - [1 + (nu S / S_max)^4]^(-1/4)}
            x = nu * s / smax
            x2 = x * x
            perc = s * (1.0 - (1.0 + x2 * x2) ** -0.25)
            s -= perc
            r += perc
    else:
        r = s  # a capacity that shrank to zero releases what it held
        s = 0.0
        a_ = rem * kc
        if a_ > inp:
            a_ = inp
        r += inp - a_
    return e, a_, r, s, ic


@njit
def _soil_loop(rain, melt, pet, imax, smax, kc, beta, lp, irr, s0, i0, nu=0.0):
    """Hydrotope water balance (:func:`soil_step` day by day); parameters are (days, hydrotopes) arrays so that
    they can change in time (scenarios); ``irr`` is extra water applied to the soil (irrigation, mm over the
    hydrotope)."""
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
            ei[t, h], aet[t, h], rech[t, h], s[h], ic[h] = soil_step(
                rain[t], melt[t], pet[t], irr[t, h], imax[t, h], smax[t, h], kc[t, h], beta[t, h], lp[t, h], nu,
                s[h], ic[h])
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
