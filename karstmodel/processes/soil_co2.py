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
* The profile at any depth z (:func:`excess_at_depth_mol_m3`): the upward flux at z is
  F(z) = S_0 z_p (e^(-z/z_p) - e^(-L/z_p)), S_0 = P / (z_p (1 - e^(-L/z_p))) the production at the surface, and
  C(z) - C_atm = integral_0^z F/D_s = S_0 z_p G(z) / D_s with G(z) = z_p (1 - e^(-z/z_p)) - z e^(-L/z_p); at z = L
  this is the expression above. The CO2 that percolating water sees at the soil-epikarst interface is C(L).
* Tillage (``tillage_depth_m`` > 0, cropland): the plough layer (0 .. z_t) is loosened: its porosity is
  ``tilled_porosity_increase`` higher at the same water content (a freshly tilled layer has a lower bulk density,
  the difference fading as it reconsolidates; Strudley, Green & Ascough 2008, Soil Tillage Res. 99:4, review;
  averaged over seasons and sites it is small: Nunes, Karlen & Moorman 2020, Sustainability 12:2071, a
  meta-analysis of 295 US studies; +0.05 m3 m-3 is a bulk density 0.13 g cm-3 lower at a particle density of
  2.65 g cm-3), so its air-filled porosity and Millington-Quirk diffusivity D_t are higher than below (D_b). With two layers
  C(z) - C_atm = S_0 z_p [G(min(z, z_t)) / D_t + (G(z) - G(min(z, z_t))) / D_b]: the loosened topsoil vents the
  CO2 produced below it, and the subsoil air that recharge meets holds less CO2. Untilled classes have z_t = 0.

* Organic amendment (scenario ``[[organic_amendment]]``): the carbon decomposed from the amendment pool of
  :mod:`karstmodel.processes.organic_amendment` (first-order, rate constant k10 Q10^((T - 10)/10) f(WFPS) with
  the hydrotope's Q10 and the moisture response above) adds to P and follows the same production profile.
* CO2 consumed by carbonate dissolution in the soil (``soil_carbonate_fraction`` > 0; off by default):
  CaCO3 + CO2 + H2O -> Ca2+ + 2 HCO3-, one CO2 per CaCO3 dissolved. The consumption is a uniform sink U
  (mol m-3 s-1) over the soil, with the net source S_0 e^(-z/z_p) - U the profile becomes
  C(z) - C_atm = [S_0 z_p G(z) - U H(z)] / D_s, H(z) = L z - z^2/2 (the integral of the sink's flux U (L - z');
  two layers as above). Its column total U L is the smallest of (i) the kinetic rate: the PWP forward rate
  (Plummer, Wigley & Parkhurst 1978, Am. J. Sci. 278:179; k1 a_H + k2 a_CO2 + k3 for CO2-saturated soil water at
  the soil-air pCO2 and temperature, as for carbonate powder in :mod:`karstmodel.processes.changes`) times the
  wetted carbonate surface, w_c rho_b 6 / (rho_calcite d) (theta / phi) L per m2 (rho_b = 2.65 (1 - phi) g cm-3,
  spheres of diameter d); (ii) what the day's percolation can carry away: recharge x Ca at calcite equilibrium in
  an open system at the soil-air pCO2 (the model's equilibrium table; in steady state dissolved carbonate leaves
  with the water, stagnant soil water saturates and stops dissolving, the same cap as carbonate powder); (iii) the
  sink that brings the soil air at the base down to the atmospheric value. Rates and cap are taken at the profile
  without the sink (one step: the sink lowers pCO2 and hence both a little, so the sink is an upper estimate).
  The dissolved carbonate's Ca and DIC are those the recharge chemistry gives at the lowered soil-air pCO2.

Brook model (``soil_co2_model = "brook"``): log10 pCO2 [atm] = -3.47 + 2.09 (1 - exp(-0.00172 AET)),
AET in mm/yr (Brook, Folkoff & Box 1983, Earth Surf. Proc. Landf. 8:79, as quoted by e.g. Gombert 2002,
J. Hydrol. 265:145), with the hydrotope's AET summed over a centred 365-day window; one value per day.

Barometric pressure from elevation: the standard atmosphere (:func:`chemistry.constants.standard_pressure_atm`;
U.S. Standard Atmosphere 1976, eq. 33a).
"""
from __future__ import annotations

import numpy as np

from chemistry.constants import ATM_PA, KELVIN, M_C_G_MOL, R_J_MOL_K as _R_J_MOL_K, standard_pressure_atm

from .._compiled import njit
from .changes import co2_saturated_pwp_rate
from .dissolution import equilibrium_table
from .organic_amendment import decompose
from .soil_water import parameter_table

R_J_MOL_K = _R_J_MOL_K
P0_PA = ATM_PA
M_C = M_C_G_MOL  # g/mol, chemistry.constants


def pressure_atm(elevation_m: float) -> float:
    """Barometric pressure (atm) at an elevation (m): the standard atmosphere
    (:func:`chemistry.constants.standard_pressure_atm`, U.S. Standard Atmosphere 1976, eq. 33a)."""
    return float(standard_pressure_atm(elevation_m))


@njit
def _first_order_lag(x, alpha, z0):
    """y_n = alpha x_n + (1 - alpha) y_{n-1}, started from the state ``z0`` = (1 - alpha) y_{-1}: the first-order
    recursive (exponential) filter, evaluated in the order of the transposed direct form II of
    ``scipy.signal.lfilter([alpha], [1, alpha - 1], x, zi=[z0])`` (Oppenheim & Schafer 2010, *Discrete-Time Signal
    Processing*, 3rd ed., sec. 6.5), so the results are the same to the last bit (tested) without importing
    scipy.signal (about 0.4 s of every run's start-up)."""
    y = np.empty(x.size)
    z = z0
    for n in range(x.size):
        yn = z + alpha * x[n]
        y[n] = yn
        z = (1.0 - alpha) * yn
    return y


def soil_temperature(temp_c, lag_days: float, swe_mm=None, swe_threshold_mm: float = 5.0) -> np.ndarray:
    """First-order damped/lagged air temperature; >= 0 C under more than ``swe_threshold_mm`` of snow."""
    t = np.asarray(temp_c, dtype=float)
    if lag_days <= 0:
        ts = t.copy()
    else:
        alpha = 1.0 - np.exp(-1.0 / lag_days)
        y0 = float(np.mean(t[: min(30, t.size)]))
        ts = _first_order_lag(t, alpha, (1.0 - alpha) * y0)
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


def g_depth_m2(z_m, depth_m, production_depth_m):
    """G(z) = z_p (1 - e^(-z/z_p)) - z e^(-L/z_p) (m2): C(z) - C_atm = S_0 z_p G(z) / D_s for production
    S_0 e^(-z/z_p) in a soil of depth L with no flux at its base (module docstring)."""
    z = np.asarray(z_m, dtype=float)
    zp = np.asarray(production_depth_m, dtype=float)
    return zp * (1.0 - np.exp(-z / zp)) - z * np.exp(-np.asarray(depth_m, dtype=float) / zp)


def surface_production_mol_m3_s(flux_mol_m2_s, depth_m, production_depth_m):
    """S_0 (mol m-3 s-1): the production at the surface of a profile S_0 e^(-z/z_p) over depth L integrating to
    the flux P (mol m-2 s-1)."""
    zp = np.asarray(production_depth_m, dtype=float)
    return np.asarray(flux_mol_m2_s, dtype=float) / (zp * (1.0 - np.exp(-np.asarray(depth_m, dtype=float) / zp)))


def h_depth_m2(z_m, depth_m):
    """H(z) = L z - z^2/2 (m2): C(z) - C_atm falls by U H(z) / D_s under a uniform sink U (mol m-3 s-1) in a soil
    of depth L with no flux at its base (module docstring)."""
    z = np.asarray(z_m, dtype=float)
    return np.asarray(depth_m, dtype=float) * z - 0.5 * z * z


def excess_at_depth_mol_m3(z_m, flux_mol_m2_s, depth_m, production_depth_m, ds_m2_s, ds_tilled_m2_s=None,
                           tillage_depth_m=0.0, sink_mol_m3_s=None):
    """Steady-state CO2 above the atmospheric value (mol m-3) at depth ``z_m`` (clipped to the soil depth) of the
    production-diffusion profile (module docstring): production exponentially decreasing with depth (total
    ``flux_mol_m2_s``), diffusivity ``ds_tilled_m2_s`` in the plough layer 0 .. ``tillage_depth_m`` and ``ds_m2_s``
    below it, the atmospheric value at the surface and no flux at the base (Simunek & Suarez 1993, WRR 29:487);
    ``sink_mol_m3_s``: a uniform sink (CO2 consumed by soil carbonate), None = none."""
    L = np.asarray(depth_m, dtype=float)
    z = np.minimum(np.asarray(z_m, dtype=float), L)
    zp = np.asarray(production_depth_m, dtype=float)
    s0zp = surface_production_mol_m3_s(flux_mol_m2_s, L, zp) * zp
    g = g_depth_m2(z, L, zp)
    out = s0zp * g / ds_m2_s
    if sink_mol_m3_s is not None:
        out = out - sink_mol_m3_s * h_depth_m2(z, L) / ds_m2_s
    if ds_tilled_m2_s is not None:
        zt = np.minimum(np.asarray(tillage_depth_m, dtype=float), z)
        out = out + s0zp * g_depth_m2(zt, L, zp) * (1.0 / ds_tilled_m2_s - 1.0 / ds_m2_s)
        if sink_mol_m3_s is not None:
            out = out - sink_mol_m3_s * h_depth_m2(zt, L) * (1.0 / ds_tilled_m2_s - 1.0 / ds_m2_s)
    return out


def millington_quirk(air_porosity, porosity):
    """Relative diffusivity D_s / D_0 = eps^(10/3) / phi^2 (Millington & Quirk 1961, Trans. Faraday Soc.
    57:1200)."""
    return np.asarray(air_porosity, dtype=float) ** (10.0 / 3.0) / np.asarray(porosity, dtype=float) ** 2


#: depths (m) of the reported layer-mean soil pCO2 (``pco2_10_50cm_atm``): the 10-50 cm of field soil-air surveys
#: (e.g. Lan et al. 2017, Carsologica Sinica 36(4)); within a shallower soil the layer ends at its base
LAYER_TOP_M, LAYER_BOTTOM_M = 0.10, 0.50
#: Gauss-Legendre nodes and weights on [-1, 1] for the layer mean (8 points: exact for polynomials of degree 15;
#: the profile is smooth within each diffusivity layer)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)


def layer_mean_excess_mol_m3(top_m, bottom_m, flux_mol_m2_s, depth_m, production_depth_m, ds_m2_s,
                             ds_tilled_m2_s=None, tillage_depth_m=0.0, sink_mol_m3_s=None):
    """Mean of :func:`excess_at_depth_mol_m3` over ``top_m`` .. ``bottom_m`` (both clipped to the soil depth;
    Gauss-Legendre quadrature on each side of the plough-layer base, where the profile has a kink)."""
    L = np.asarray(depth_m, dtype=float)
    a = np.minimum(top_m, L)
    b = np.minimum(bottom_m, L)
    zt = np.clip(np.asarray(tillage_depth_m, dtype=float), a, b)
    total = 0.0
    for lo, hi in ((a, zt), (zt, b)):
        half = 0.5 * (hi - lo)
        for x, w in zip(_GL_X, _GL_W):
            total = total + w * half * excess_at_depth_mol_m3(lo + half * (1.0 + x), flux_mol_m2_s, L,
                                                               production_depth_m, ds_m2_s, ds_tilled_m2_s,
                                                               tillage_depth_m, sink_mol_m3_s)
    width = b - a
    return np.where(width > 0, total / np.where(width > 0, width, 1.0), 0.0)


def simulate_soil_co2(temp_c, relative_storage, hydrotopes, elevation_m: float, atmospheric_co2_ppm: float,
                      lag_days: float, swe_mm=None, aet_mm=None, model: str = "process", params=None,
                      soil_warming_c=None, amendments=(), percolation_mm=None,
                      database: str = "phreeqc.dat") -> dict:
    """Soil CO2 production and soil-air pCO2 at depth for every hydrotope.

    ``relative_storage``: (days, hydrotopes) soil water S/S_max (0-1). ``params``: a
    :func:`karstmodel.processes.soil_water.parameter_table` when parameters change in time (scenarios); default the
    hydrotopes' constant values. ``soil_warming_c`` (days,): the soil warmed above what the air temperature gives
    (a soil-only warming scenario, :class:`karstmodel.processes.changes.SoilWarming`). Returns ``soil_temp_c``
    (days,), ``production_gc_m2_d``, ``pco2_atm`` (at the base of the soil: what recharge meets),
    ``pco2_10_50cm_atm`` (the mean over :data:`LAYER_TOP_M` .. :data:`LAYER_BOTTOM_M`), ``wfps`` (days,
    hydrotopes). ``amendments``: (hydrotope index, organic carbon added per day g C m-2 (days,), rate constant at
    10 C d-1) of :func:`karstmodel.processes.changes.evaluate`; their decomposition adds to the production, and
    ``amendment_input_gc_m2_d``, ``amendment_decomposition_gc_m2_d``, ``amendment_pool_gc_m2`` (end of day) are
    returned (days, hydrotopes; zero without amendments), with ``amended_hydrotopes`` (the indices amended). ``percolation_mm`` (days, hydrotopes; mm over each
    hydrotope): the water leaving the soil, needed when a hydrotope's soil holds carbonate; then
    ``carbonate_co2_sink_gc_m2_d`` (days, hydrotopes) is the CO2 it consumes (zero otherwise).
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
    temp_f = q10 ** ((ts[:, None] - 10.0) / 10.0)
    moist_f = moisture_response(wfps)
    prod = r10 * temp_f * moist_f
    zeros = np.zeros(prod.shape)
    amend = {"amendment_input_gc_m2_d": zeros, "amendment_decomposition_gc_m2_d": zeros,
             "amendment_pool_gc_m2": zeros, "carbonate_co2_sink_gc_m2_d": zeros}
    if amendments:
        amend = {**amend, **amendment_pools(amendments, temp_f * moist_f),
                 "amended_hydrotopes": tuple(sorted({h for h, _, _ in amendments}))}
        prod = prod + amend["amendment_decomposition_gc_m2_d"]
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
        return {"soil_temp_c": ts, "production_gc_m2_d": prod, "pco2_atm": pco2, "pco2_10_50cm_atm": pco2,
                "wfps": wfps, **amend}
    eps = np.maximum(phi - theta, 1e-3)
    d0 = co2_diffusivity_air_m2_s(ts, p_atm)[:, None]
    ds = d0 * millington_quirk(eps, phi)
    flux_mol = prod / M_C / 86400.0  # mol CO2 m-2 s-1
    zp_safe = np.where(zp > 0, zp, 1.0)
    dc = flux_mol * depth_factor_m(depth, zp_safe) / ds  # mol m-3
    zt = np.broadcast_to(params.get("tillage_depth_m", 0.0), dc.shape)
    ds_t = None
    if np.any(zt > 0):
        # the loosened plough layer: porosity raised at the same water content (module docstring)
        phi_t = phi + params["tilled_porosity_increase"]
        ds_t = d0 * millington_quirk(np.maximum(phi_t - theta, 1e-3), phi_t)
        live = depth > 0
        dc = dc + np.where(live, flux_mol * surface_production_mol_m3_s(1.0, depth, zp_safe) * zp_safe
                           * g_depth_m2(np.minimum(zt, depth), depth, zp_safe) * (1.0 / ds_t - 1.0 / ds), 0.0)
    tk = ts[:, None] + KELVIN
    to_atm = R_J_MOL_K * tk / P0_PA
    sink = None
    if np.any(params["soil_carbonate_fraction"] > 0):
        if percolation_mm is None:
            raise ValueError("a soil holding carbonate needs the water percolating through it (percolation_mm)")
        # per unit of the uniform sink: the fall of the excess at the base (module docstring)
        h_base = h_depth_m2(depth, depth) / ds
        if ds_t is not None:
            h_base = h_base + h_depth_m2(np.minimum(zt, depth), depth) * (1.0 / ds_t - 1.0 / ds)
        column = carbonate_sink_mol_m2_s(params, ts, pco2_air + dc * to_atm, wfps, percolation_mm, database)
        with np.errstate(invalid="ignore", divide="ignore"):
            column = np.where(depth > 0, np.minimum(column, np.maximum(dc, 0.0) / h_base * depth), 0.0)
            sink = np.where(depth > 0, column / np.where(depth > 0, depth, 1.0), 0.0)
        dc = dc - sink * h_base
        amend["carbonate_co2_sink_gc_m2_d"] = column * M_C * 86400.0
    with np.errstate(invalid="ignore", divide="ignore"):
        layer = np.where(depth > 0, layer_mean_excess_mol_m3(LAYER_TOP_M, LAYER_BOTTOM_M, flux_mol, depth, zp_safe,
                                                             ds, ds_t, zt, sink), 0.0)
    pco2 = pco2_air + dc * to_atm
    return {"soil_temp_c": ts, "production_gc_m2_d": prod, "pco2_atm": pco2,
            "pco2_10_50cm_atm": pco2_air + np.nan_to_num(layer) * to_atm, "wfps": wfps, **amend}


def amendment_pools(amendments, modifier) -> dict:
    """Inputs, decomposition and pools (g C m-2, days x hydrotopes) of the organic amendments: each (hydrotope
    index, inputs (days,), rate constant at 10 C d-1) decays with the rate constant times ``modifier`` (days,
    hydrotopes), the temperature and moisture response of soil respiration (:mod:`karstmodel.processes.organic_amendment`)."""
    out = {k: np.zeros(modifier.shape) for k in ("amendment_input_gc_m2_d", "amendment_decomposition_gc_m2_d",
                                                 "amendment_pool_gc_m2")}
    for h, inputs, k10_per_d in amendments:
        got = decompose(inputs, k10_per_d * modifier[:, h])
        out["amendment_input_gc_m2_d"][:, h] += inputs
        out["amendment_decomposition_gc_m2_d"][:, h] += got["decomposed_g_m2_d"]
        out["amendment_pool_gc_m2"][:, h] += got["pool_g_m2"]
    return out


#: density of calcite (g cm-3) and of soil mineral particles (g cm-3; bulk density rho_b = 2.65 (1 - porosity))
RHO_CALCITE_G_CM3, RHO_PARTICLE_G_CM3 = 2.71, 2.65


def carbonate_sink_mol_m2_s(params, soil_temp_c, pco2_atm, wfps, percolation_mm, database: str = "phreeqc.dat"):
    """CO2 consumed by carbonate dissolution in the soil column (mol m-2 s-1, days x hydrotopes), before the cap at
    the atmospheric value: the smaller of the kinetic rate (PWP forward rate of CO2-saturated water times the
    wetted carbonate surface) and what the day's percolation carries away at open-system calcite equilibrium
    (module docstring). One CO2 per CaCO3."""
    from_rate = co2_saturated_pwp_rate(soil_temp_c[:, None], pco2_atm)  # mmol cm-2 s-1
    phi = params["porosity"]
    rho_b = RHO_PARTICLE_G_CM3 * (1.0 - phi) * 1e6  # g m-3
    ssa = 6.0 / (RHO_CALCITE_G_CM3 * params["soil_carbonate_grain_mm"] * 0.1)  # cm2 g-1
    area = params["soil_carbonate_fraction"] * rho_b * ssa * np.clip(wfps, 0.0, 1.0) * params["soil_depth_m"]
    kinetic = area * from_rate / 1000.0
    table = equilibrium_table("calcite", "open", 0.0, (), database)
    ca_eq = table(np.broadcast_to(soil_temp_c[:, None], pco2_atm.shape), pco2_atm)["ca"]  # mmol/L
    carried = np.maximum(np.asarray(percolation_mm, dtype=float), 0.0) * ca_eq / 1000.0 / 86400.0
    return np.where(params["soil_carbonate_fraction"] > 0, np.minimum(kinetic, carried), 0.0)
