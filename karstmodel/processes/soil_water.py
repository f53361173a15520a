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
