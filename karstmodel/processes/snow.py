"""Degree-day snow accumulation and melt (Martinec 1960; as in LuKARS, Bittner et al. 2018).

Precipitation falls as snow below ``threshold_c - transition_c/2``, as rain above ``threshold_c +
transition_c/2``, and as a linear mix in between. Melt = melt factor x (T - threshold), limited by the snowpack.
Liquid water reaching the ground = rain + melt. Snow water equivalent (SWE) never negative; balance:
precip = liquid + d(SWE).

Elevation bands (optional, ``[snow] band_elevations_m`` and ``band_fractions``): in a mountain catchment one
degree-day store at the mean elevation melts everything at once, in spring, and keeps all winter precipitation as
snow while the valley floor still receives rain. As in HBV's elevation zones (Bergstroem 1992, SMHI RH 4;
Lindstroem et al. 1997, J. Hydrol. 201:272) and CemaNeige's five bands (Valery, Andreassian & Perrin 2014,
J. Hydrol. 517:1176), the same degree-day model then runs in every band with its own temperature and
precipitation, and the catchment's rain, melt and SWE are the area-weighted sums:

- temperature, linear lapse rate: T_b = T + gamma (z_ref - z_b) / 100, gamma = ``temperature_lapse_c_per_100m``
  (HBV-light default TCALT 0.6 C per 100 m, Seibert & Vis 2012, HESS 16:3315);
- precipitation, CemaNeige's exponential altitude factor P_b = P exp(beta (z_b - z_ref)) (Valery 2010, PhD thesis,
  AgroParisTech; beta = 0.41 per km in airGR's ``DataAltiExtrapolation_Valery``), rescaled so that the
  area-weighted band precipitation equals the forcing (which is taken as the catchment mean): no water is added or
  removed, only redistributed towards the higher, colder bands; beta = ``precip_gradient_per_km`` (default 0);
- z_ref = ``forcing_elevation_m``, the elevation the forcing temperature stands for (default: the area-weighted mean
  band elevation, i.e. catchment-mean forcing as in CAMELS).

Without bands the model is the single store above.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._compiled import njit
from ..registry import param

_DDF = "degree-day model (Martinec 1960); LuKARS values for Kerschbaum (Bittner et al. 2018, J. Hydrol. 567:267)"


@dataclass(frozen=True)
class SnowParameters:
    """The ``[snow]`` section: degree-day numbers (Martinec 1960; the LuKARS values for Kerschbaum: 4 mm C-1 d-1,
    0.5 C) and the optional elevation bands. Each number is declared once here (unit, bounds, default calibration,
    source; :mod:`karstmodel.registry`)."""

    threshold_c: float = param(0.5, "C", (-5.0, 5.0), source=_DDF)
    #: rain/snow mixed within threshold +- transition/2
    transition_c: float = param(1.0, "C", (0.0, 10.0), source=_DDF)
    melt_factor_mm_c_d: float = param(4.0, "mm C-1 d-1", (0.0, 20.0), (1.0, 8.0), source=_DDF)
    #: elevation bands (optional): mean elevation (m) and area fraction of each band; the degree-day model runs in
    #: every band (HBV elevation zones, Bergstroem 1992; CemaNeige, Valery et al. 2014, J. Hydrol. 517:1176) and
    #: the catchment's rain, melt and SWE are the area-weighted sums. Empty: one store. Checked by the reader
    #: (elevations within the bounds of ``forcing_elevation_m``, fractions > 0 summing to 1).
    band_elevations_m: tuple = ()
    band_fractions: tuple = ()
    #: temperature lapse rate, T_b = T + gamma (z_ref - z_b) / 100; used only with bands
    temperature_lapse_c_per_100m: float = param(0.6, "C per 100 m", (0.0, 2.0),
                                                source="HBV-light default TCALT (Seibert & Vis 2012, HESS 16:3315)")
    #: CemaNeige's precipitation altitude factor beta, P_b proportional to exp(beta (z_b - z_ref)), rescaled to keep
    #: the catchment-mean precipitation; default 0: the same precipitation in every band; used only with bands
    precip_gradient_per_km: float = param(0.0, "km-1", (0.0, 3.0),
                                          source="Valery 2010, PhD thesis AgroParisTech; 0.41 per km in airGR")
    #: elevation (m) the forcing temperature and precipitation stand for; None: the area-weighted mean band
    #: elevation (catchment-mean forcing, as in CAMELS)
    forcing_elevation_m: float | None = param(None, "m", (-500.0, 9000.0),
                                              source="None: catchment-mean forcing (as in CAMELS)")


@njit
def snowfall_split(precip, temp, threshold, transition):
    """The day's precipitation as (rain, snowfall), mm (module docstring): temperature and precipitation only, no
    store, so a calibration of the melt factor can compute it once for all its runs."""
    if transition > 0.0:
        frac_snow = min(1.0, max(0.0, (threshold + 0.5 * transition - temp) / transition))
    else:
        frac_snow = 1.0 if temp <= threshold else 0.0
    sf = precip * frac_snow
    return precip - sf, sf


@njit
def degree_days(temp, threshold):
    """The day's degree-days above the melt threshold, T - threshold when positive, else 0 (C d)."""
    return temp - threshold if temp > threshold else 0.0


@njit
def melt_step(swe, snowfall, degree_day, melt_factor):
    """The store's day from its SWE, the day's snowfall and degree-days (:func:`degree_days`): returns the melt
    (melt factor x degree-days, limited by the snowpack) and the SWE at the end of the day, mm."""
    s = swe + snowfall
    m = melt_factor * degree_day if degree_day > 0.0 else 0.0
    if m > s:
        m = s
    return m, s - m


@njit
def snow_step(precip, temp, threshold, transition, melt_factor, swe):
    """One day of the degree-day store (module docstring): returns rain, snowfall, melt (mm) and the SWE at the end
    of the day. The single compiled copy of the equations (:func:`snowfall_split`, :func:`degree_days`,
    :func:`melt_step`), used by :func:`simulate_snow`; the fused water pass of calibration
    (:mod:`karstmodel.model.water_pass`) calls the three parts, the first two once per calibration."""
    rain, sf = snowfall_split(precip, temp, threshold, transition)
    m, s = melt_step(swe, sf, degree_days(temp, threshold), melt_factor)
    return rain, sf, m, s


@njit
def _snow_loop(precip, temp, threshold, transition, melt_factor, swe0):
    n = precip.size
    rain = np.empty(n)
    snowfall = np.empty(n)
    melt = np.empty(n)
    swe = np.empty(n)
    s = swe0
    for t in range(n):
        rain[t], snowfall[t], melt[t], s = snow_step(precip[t], temp[t], threshold, transition, melt_factor, s)
        swe[t] = s
    return rain, snowfall, melt, swe


def band_weights(params):
    """Per-band precipitation factors, temperature offsets (C, added to the forcing temperature) and area
    fractions of the elevation bands (see the module docstring for the lapse rate and the mean-preserving
    precipitation factor)."""
    z = np.asarray(params.band_elevations_m, dtype=float)
    f = np.asarray(params.band_fractions, dtype=float)
    f = f / f.sum()
    z_ref = float(np.dot(f, z)) if params.forcing_elevation_m is None else float(params.forcing_elevation_m)
    w = np.exp(float(params.precip_gradient_per_km) * (z - z_ref) / 1000.0)
    w = w / float(np.dot(f, w))  # area-weighted factor = 1: the catchment-mean precipitation is kept
    dt = float(params.temperature_lapse_c_per_100m) * (z_ref - z) / 100.0
    return w, dt, f


def band_forcing(precip_mm, temp_c, params):
    """Per-band precipitation and temperature, arrays (days, bands), and the band area fractions
    (:func:`band_weights`)."""
    w, dt, f = band_weights(params)
    p = np.asarray(precip_mm, dtype=float)[:, None] * w[None, :]
    t = np.asarray(temp_c, dtype=float)[:, None] + dt[None, :]
    return p, t, f


def simulate_snow(precip_mm, temp_c, params, swe0_mm=0.0) -> dict:
    """Run the degree-day model; returns arrays ``rain_mm, snowfall_mm, melt_mm, swe_mm`` (end-of-day SWE; with
    elevation bands the area-weighted catchment values) and ``swe_end``: the state to start the next piece of the
    record from (a float, or the per-band SWE array with bands). ``swe0_mm``: start SWE, a float (with bands: every
    band starts with it) or a previous run's per-band ``swe_end``."""
    p = np.ascontiguousarray(precip_mm, dtype=float)
    t = np.ascontiguousarray(temp_c, dtype=float)
    if not getattr(params, "band_elevations_m", ()):
        if np.ndim(swe0_mm) > 0:
            raise ValueError("per-band start SWE given to a snow model without elevation bands")
        rain, snowfall, melt, swe = _snow_loop(p, t, float(params.threshold_c), float(params.transition_c),
                                               float(params.melt_factor_mm_c_d), float(swe0_mm))
        return {"rain_mm": rain, "snowfall_mm": snowfall, "melt_mm": melt, "swe_mm": swe,
                "swe_end": float(swe[-1]) if swe.size else float(swe0_mm)}
    pb, tb, f = band_forcing(p, t, params)
    nb = f.size
    s0 = np.full(nb, float(swe0_mm)) if np.ndim(swe0_mm) == 0 else np.asarray(swe0_mm, dtype=float)
    if s0.shape != (nb,):
        raise ValueError(f"start SWE has {s0.size} bands, the snow model {nb}")
    n = p.size
    rain = np.zeros(n)
    snowfall = np.zeros(n)
    melt = np.zeros(n)
    swe = np.zeros(n)
    end = np.empty(nb)
    for b in range(nb):
        r, sf, m, s = _snow_loop(np.ascontiguousarray(pb[:, b]), np.ascontiguousarray(tb[:, b]),
                                 float(params.threshold_c), float(params.transition_c),
                                 float(params.melt_factor_mm_c_d), float(s0[b]))
        rain += f[b] * r
        snowfall += f[b] * sf
        melt += f[b] * m
        swe += f[b] * s
        end[b] = s[-1] if n else s0[b]
    return {"rain_mm": rain, "snowfall_mm": snowfall, "melt_mm": melt, "swe_mm": swe, "swe_end": end}


def catchment_swe(swe_state, params) -> float:
    """Catchment-mean SWE (mm) of a snow state (a float, or per-band SWE with elevation bands)."""
    if np.ndim(swe_state) == 0:
        return float(swe_state)
    f = np.asarray(params.band_fractions, dtype=float)
    return float(np.dot(f / f.sum(), np.asarray(swe_state, dtype=float)))
