"""Degree-day snow accumulation and melt (Martinec 1960; as in LuKARS, Bittner et al. 2018).

Precipitation falls as snow below ``threshold_c - transition_c/2``, as rain above ``threshold_c +
transition_c/2``, and as a linear mix in between. Melt = melt factor x (T - threshold), limited by the snowpack.
Liquid water reaching the ground = rain + melt. Snow water equivalent (SWE) never negative; balance:
precip = liquid + d(SWE).
"""
from __future__ import annotations

import numpy as np

from ._compiled import njit


@njit
def _snow_loop(precip, temp, threshold, transition, melt_factor, swe0):
    n = precip.size
    rain = np.empty(n)
    snowfall = np.empty(n)
    melt = np.empty(n)
    swe = np.empty(n)
    s = swe0
    for t in range(n):
        if transition > 0.0:
            frac_snow = min(1.0, max(0.0, (threshold + 0.5 * transition - temp[t]) / transition))
        else:
            frac_snow = 1.0 if temp[t] <= threshold else 0.0
        sf = precip[t] * frac_snow
        snowfall[t] = sf
        rain[t] = precip[t] - sf
        s += sf
        m = melt_factor * (temp[t] - threshold) if temp[t] > threshold else 0.0
        if m > s:
            m = s
        melt[t] = m
        s -= m
        swe[t] = s
    return rain, snowfall, melt, swe


def simulate_snow(precip_mm, temp_c, params, swe0_mm: float = 0.0) -> dict:
    """Run the degree-day model; returns arrays ``rain_mm, snowfall_mm, melt_mm, swe_mm`` (end-of-day SWE)."""
    p = np.ascontiguousarray(precip_mm, dtype=float)
    t = np.ascontiguousarray(temp_c, dtype=float)
    rain, snowfall, melt, swe = _snow_loop(p, t, float(params.threshold_c), float(params.transition_c),
                                           float(params.melt_factor_mm_c_d), float(swe0_mm))
    return {"rain_mm": rain, "snowfall_mm": snowfall, "melt_mm": melt, "swe_mm": swe}
