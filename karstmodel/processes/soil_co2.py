"""Soil CO2: production by root and microbial respiration and diffusion to soil-air pCO2 at depth.

Process model (``soil_co2_model = "process"``), per hydrotope and day:

* Soil temperature: air temperature damped and lagged by a first-order filter with time constant
  ``soil_temp_lag_days`` (the response of a soil layer to surface forcing; e.g. Kang et al. 2000, Agric. For.
  Meteorol. 103:181), kept at >= 0 C under a snowpack (snow insulates the soil).
* Production P = R10 Q10^((T_soil - 10)/10) f(WFPS) (g C m-2 d-1): R10 and Q10 per land use from the SRDB
  priors (:mod:`karstmodel.landuse`); f the moisture response, rising linearly to 1 at 60 % water-filled pore
  space and falling linearly to 0.5 at saturation (optimum after Linn & Doran 1984, SSSAJ 48:1267). Volumetric
  water content theta = theta_wp + w (theta_fc - theta_wp), w the relative root-zone storage of the hydrotope.
* Steady-state diffusion through a soil of depth L with production decaying exponentially with depth (scale
  z_p = ``production_depth_fraction`` x L; SOILCO2, Simunek & Suarez 1993, WRR 29:487), zero flux at the
  bedrock and the atmospheric value at the surface:
  C(L) - C_atm = P / D_s * [z_p (1 - e^(-L/z_p)) - L e^(-L/z_p)] / (1 - e^(-L/z_p)),
  with D_s = D_0 eps^(10/3) / phi^2 (Millington & Quirk 1961, Trans. Faraday Soc. 57:1200), eps = phi - theta the
  air-filled porosity, D_0 = 1.381e-5 (T/273.15)^1.81 m2 s-1 for CO2 in air at 1 atm (Massman 1998, Atmos.
  Environ. 32:1111, Table 2), scaled by 1/P. The partial pressure follows from the ideal-gas law, p = C R T.

Brook model (``soil_co2_model = "brook"``): log10 pCO2 [atm] = -3.47 + 2.09 (1 - exp(-0.00172 AET)),
AET in mm/yr (Brook, Folkoff & Box 1983, Earth Surf. Proc. Landf. 8:79, as quoted by e.g. Gombert 2002,
J. Hydrol. 265:145), with the hydrotope's AET summed over a centred 365-day window; one value per day.

Barometric pressure from elevation: the standard atmosphere (:func:`chemistry.constants.standard_pressure_atm`;
U.S. Standard Atmosphere 1976, eq. 33a).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from chemistry.constants import ATM_PA, KELVIN, M_C_G_MOL, R_J_MOL_K as _R_J_MOL_K, standard_pressure_atm

from .soil_water import parameter_table

R_J_MOL_K = _R_J_MOL_K
P0_PA = ATM_PA
M_C = M_C_G_MOL  # g/mol, chemistry.constants


def pressure_atm(elevation_m: float) -> float:
    """Barometric pressure (atm) at an elevation (m): the standard atmosphere
    (:func:`chemistry.constants.standard_pressure_atm`, U.S. Standard Atmosphere 1976, eq. 33a)."""
    return float(standard_pressure_atm(elevation_m))


def soil_temperature(temp_c, lag_days: float, swe_mm=None, swe_threshold_mm: float = 5.0) -> np.ndarray:
    """First-order damped/lagged air temperature; >= 0 C under more than ``swe_threshold_mm`` of snow."""
    t = np.asarray(temp_c, dtype=float)
    if lag_days <= 0:
        ts = t.copy()
    else:
        alpha = 1.0 - np.exp(-1.0 / lag_days)
        y0 = float(np.mean(t[: min(30, t.size)]))
        ts, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], t, zi=[(1.0 - alpha) * y0])
    if swe_mm is not None:
        ts = np.where(np.asarray(swe_mm) > swe_threshold_mm, np.maximum(ts, 0.0), ts)
    return ts


def moisture_response(wfps):
    """Relative respiration vs water-filled pore space: linear rise to 1 at 0.6, linear fall to 0.5 at 1."""
    w = np.clip(np.asarray(wfps, dtype=float), 0.0, 1.0)
    return np.where(w < 0.6, w / 0.6, 1.0 - 0.5 * (w - 0.6) / 0.4)


def co2_diffusivity_air_m2_s(temp_c, pressure: float = 1.0):
    """D_0 of CO2 in air (m2/s), Massman (1998): 1.381e-5 (T/273.15)^1.81 (1 atm / P)."""
    return 1.381e-5 * ((np.asarray(temp_c, dtype=float) + KELVIN) / KELVIN) ** 1.81 / pressure


def depth_factor_m(depth_m, production_depth_m):
    """[z_p (1 - e^(-L/z_p)) - L e^(-L/z_p)] / (1 - e^(-L/z_p)) (m): C(L) - C_atm = P/D_s times this."""
    L = np.asarray(depth_m, dtype=float)
    zp = np.asarray(production_depth_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(-L / zp)
        g = (zp * (1.0 - e) - L * e) / (1.0 - e)
    return np.where(L > 0, g, 0.0)


def simulate_soil_co2(temp_c, relative_storage, hydrotopes, elevation_m: float, atmospheric_co2_ppm: float,
                      lag_days: float, swe_mm=None, aet_mm=None, model: str = "process", params=None,
                      soil_warming_c=None) -> dict:
    """Soil CO2 production and soil-air pCO2 at depth for every hydrotope.

    ``relative_storage``: (days, hydrotopes) soil water S/S_max (0-1). ``params``: a
    :func:`karstmodel.processes.soil_water.parameter_table` when parameters change in time (scenarios); default the
    hydrotopes' constant values. ``soil_warming_c`` (days,): the soil warmed above what the air temperature gives
    (a soil-only warming scenario, :class:`karstmodel.processes.changes.SoilWarming`). Returns ``soil_temp_c`` (days,), ``production_gc_m2_d``, ``pco2_atm``, ``wfps``
    (days, hydrotopes).
    """
    p_atm = pressure_atm(elevation_m)
    ts = soil_temperature(temp_c, lag_days, swe_mm)
    if soil_warming_c is not None:
        ts = ts + np.asarray(soil_warming_c, dtype=float)
    w = np.clip(np.asarray(relative_storage, dtype=float), 0.0, 1.0)
    if params is None:
        params = parameter_table(hydrotopes, w.shape[0])
    r10 = params["r10_gc_m2_d"]
    q10 = params["q10"]
    depth = params["soil_depth_m"]
    zp = depth * params["production_depth_fraction"]
    phi = params["porosity"]
    fc = params["field_capacity_m3_m3"]
    wp = params["wilting_point_m3_m3"]
    theta = wp + w * (fc - wp)
    wfps = theta / phi
    prod = r10 * q10 ** ((ts[:, None] - 10.0) / 10.0) * moisture_response(wfps)
    pco2_air = atmospheric_co2_ppm * 1e-6 * p_atm
    if model == "brook":
        if aet_mm is None:
            raise ValueError("the Brook model needs the hydrotopes' AET")
        aet = np.asarray(aet_mm, dtype=float)
        kernel = np.ones(365)
        ones = np.ones(aet.shape[0])
        norm = np.convolve(ones, kernel, mode="same")
        annual = np.stack([np.convolve(aet[:, h], kernel, mode="same") / norm * 365.0 for h in range(aet.shape[1])],
                          axis=1)
        log_p = -3.47 + 2.09 * (1.0 - np.exp(-0.00172 * annual))
        pco2 = np.maximum(10.0**log_p, pco2_air)
        return {"soil_temp_c": ts, "production_gc_m2_d": prod, "pco2_atm": pco2, "wfps": wfps}
    eps = np.maximum(phi - theta, 1e-3)
    d0 = co2_diffusivity_air_m2_s(ts, p_atm)[:, None]
    ds = d0 * eps ** (10.0 / 3.0) / phi ** 2
    flux_mol = prod / M_C / 86400.0  # mol CO2 m-2 s-1
    dc = flux_mol * depth_factor_m(depth, np.where(zp > 0, zp, 1.0)) / ds  # mol m-3
    tk = ts[:, None] + KELVIN
    pco2 = pco2_air + dc * R_J_MOL_K * tk / P0_PA
    return {"soil_temp_c": ts, "production_gc_m2_d": prod, "pco2_atm": pco2, "wfps": wfps}
