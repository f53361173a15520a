"""Air-water gas exchange of CO2 and O2: gas transfer velocities, Schmidt numbers, O2 solubility, chemical enhancement.

Every function is compiled with numba (:mod:`karstmodel._compiled`) so that the reaches' time loop (:mod:`.kernel`) can call
it, and is written without branches so that it also accepts numpy arrays (numba compiles one version per argument
type; without numba they are plain numpy functions).

Flux convention (Liss & Slater 1974): F = k (C_w - C_eq), positive from water to air, k in m/d, C in mol/m3.

Sources
-------
* Stream gas transfer: Raymond et al. (2012), "Scaling the gas transfer velocity and hydraulic geometry in streams
  and small rivers", Limnol. Oceanogr.: Fluids Environ. 2:41, Table 2 eq. 3: k600 [m/d] = 1162 S^0.77 V^0.85 with
  S the slope (m/m, dimensionless) and V the mean velocity in m/s (checked: S = 0.005, V = 0.3 m/s gives
  7.0 m/d, within the range of their data).
* Lake/pond gas transfer from wind: Cole & Caraco (1998), Limnol. Oceanogr. 43:647, eq. 4:
  k600 [cm/h] = 2.07 + 0.215 U10^1.7 (U10 in m/s at 10 m).
* Schmidt numbers in fresh water (T in deg C): CO2, Raymond et al. (2012) Table 1,
  Sc = 1742 - 91.24 T + 2.208 T^2 - 0.0219 T^3; O2, Wanninkhof (1992), J. Geophys. Res.
  97:7373, Table A1 (fresh water), Sc = 1800.6 - 120.10 T + 3.7818 T^2 - 0.047608 T^3 (the values
  streamMetabolizer uses through LakeMetabolizer, so K600 estimates are comparable).
* k_gas = k600 (Sc / 600)^-n with n = 0.5 for a rough, turbulent surface (streams, wind > ~3.7 m/s) and 2/3 for a
  smooth surface (Jaehne et al. 1987, J. Geophys. Res. 92:1937).
* O2 solubility: Garcia & Gordon (1992), Limnol. Oceanogr. 37:1307, eq. 8 with the Table 1 coefficients of their fit
  to the Benson & Krause (1984) data (umol/kg, salinity 0), corrected to the barometric pressure P as in Benson &
  Krause (1984), Limnol. Oceanogr. 29:620, eq. 24: C(P) = C* P (1 - pwv/P)(1 - theta P) / ((1 - pwv)(1 - theta)),
  with the vapour pressure of water pwv (atm) = exp(11.8571 - 3840.70/T - 216961/T^2) and
  theta = 0.000975 - 1.426e-5 t + 6.436e-8 t^2 (Benson & Krause 1984, eqs. 23 and 25).
* Density of water (g/cm3) for mg/L <-> umol/kg at 1 atm: Wagner & Pruss (2002), J. Phys. Chem. Ref. Data 31:387,
  eq. 2.6, the chemistry's one formula (:func:`chemistry.thermo.water_density_core_g_cm3`), compiled here.
* Chemical enhancement of CO2 exchange (hydration of CO2 within the diffusive boundary layer, important at high
  pH and low k): Hoover & Berkshire (1969), J. Geophys. Res. 74:456, as applied by Wanninkhof & Knox (1996),
  Limnol. Oceanogr. 41:689:  alpha = tau / ((tau - 1) + tanh(Q z) / (Q z)), tau = 1 + a_H^2 / (K1 K2 + K1 a_H),
  Q = sqrt(r tau / D), z = D / k_CO2 (film thickness), r = k_CO2,hyd + k_OH Kw / a_H (s-1); hydration rate
  constants of Johnson (1982), Limnol. Oceanogr. 27:849: ln k_CO2 = 1246.98 - 6.19e4/T - 183.0 ln T (s-1) and
  ln(k_OH Kw) = -930.13 + 3.1e4/T + 140.9 ln T (mol L-1 s-1); CO2 diffusivity in water, Zeebe (2011),
  Geochim. Cosmochim. Acta 75:2483, D = 1.46836e-8 (T/217.2056 - 1)^1.997 m2/s. K1 and K2 are the apparent
  constants of the water as speciated (a_H m_HCO3 / m_CO2 and a_H m_CO3 / m_HCO3), consistent with the chemistry
  core. alpha -> 1 at low pH or high k.
"""
from __future__ import annotations

import numpy as np

from chemistry.constants import KELVIN, M_O2_G_MOL
from chemistry.thermo import water_density_core_g_cm3

from ..._compiled import njit


@njit
def k600_raymond_stream_m_d(slope, velocity_m_s):
    """k600 (m/d) of a stream reach, Raymond et al. (2012) Table 2 eq. 3: 1162 S^0.77 V^0.85 (V in m/s)."""
    return 1162.0 * np.power(slope, 0.77) * np.power(velocity_m_s, 0.85)


@njit
def k600_cole_caraco_m_d(wind_u10_m_s):
    """k600 (m/d) of a lake or pond from wind at 10 m, Cole & Caraco (1998) eq. 4: 2.07 + 0.215 U10^1.7 cm/h."""
    return (2.07 + 0.215 * np.power(wind_u10_m_s, 1.7)) * 0.24


@njit
def schmidt_co2(temp_c):
    """Schmidt number of CO2 in fresh water, Raymond et al. (2012) Table 1."""
    t = temp_c
    return 1742.0 - 91.24 * t + 2.208 * t * t - 0.0219 * t * t * t


@njit
def schmidt_o2(temp_c):
    """Schmidt number of O2 in fresh water, Wanninkhof (1992) Table A1."""
    t = temp_c
    return 1800.6 - 120.10 * t + 3.7818 * t * t - 0.047608 * t * t * t


@njit
def k_gas_from_k600(k600, schmidt, exponent=0.5):
    """k of a gas from k600 (same unit): k600 (Sc/600)^-n (Jaehne et al. 1987)."""
    return k600 * np.power(schmidt / 600.0, -exponent)


#: density of pure water (g/cm3) at ``temp_c`` and 1 atm (Wagner & Pruss 2002, eq. 2.6; chemistry.thermo), compiled
water_density_g_cm3 = njit(water_density_core_g_cm3)


@njit
def o2_solubility_umol_kg(temp_c, pressure_atm=1.0):
    """O2 in fresh water in equilibrium with water-saturated air at ``pressure_atm`` (umol/kg).

    Garcia & Gordon (1992) eq. 8 (Benson & Krause data, S = 0) and the Benson & Krause (1984) pressure correction."""
    ts = np.log((298.15 - temp_c) / (273.15 + temp_c))
    ln_c = (5.80871 + 3.20291 * ts + 4.17887 * ts**2 + 5.10006 * ts**3 - 9.86643e-2 * ts**4 + 3.80369 * ts**5)
    tk = temp_c + KELVIN
    pwv = np.exp(11.8571 - 3840.70 / tk - 216961.0 / (tk * tk))
    theta = 0.000975 - 1.426e-5 * temp_c + 6.436e-8 * temp_c * temp_c
    corr = pressure_atm * (1.0 - pwv / pressure_atm) * (1.0 - theta * pressure_atm) / ((1.0 - pwv) * (1.0 - theta))
    return np.exp(ln_c) * corr


@njit
def o2_saturation_mg_l(temp_c, pressure_atm=1.0):
    """O2 saturation (mg/L) = umol/kg x 31.9988e-3 (:data:`chemistry.constants.M_O2_G_MOL`) x density (g/cm3 =
    kg/L)."""
    return o2_solubility_umol_kg(temp_c, pressure_atm) * M_O2_G_MOL * 1e-3 * water_density_g_cm3(temp_c)


@njit
def co2_diffusivity_m2_s(temp_c):
    """Molecular diffusivity of CO2 in water (m2/s), Zeebe (2011)."""
    return 1.46836e-8 * np.power((temp_c + 273.15) / 217.2056 - 1.0, 1.997)


@njit
def co2_hydration_rate_s(temp_c, a_h):
    """Pseudo-first-order rate constant of CO2 hydration r = k_CO2 + k_OH Kw / a_H (s-1), Johnson (1982)."""
    tk = temp_c + KELVIN
    k_co2 = np.exp(1246.98 - 6.19e4 / tk - 183.0 * np.log(tk))
    k_oh_kw = np.exp(-930.13 + 3.1e4 / tk + 140.9 * np.log(tk))
    return k_co2 + k_oh_kw / a_h


@njit
def chemical_enhancement(temp_c, a_h, k1_apparent, k2_apparent, k_co2_m_s):
    """Enhancement factor alpha >= 1 of CO2 exchange, Hoover & Berkshire (1969) as in Wanninkhof & Knox (1996).

    alpha = tau / ((tau - 1) + tanh(Qz)/(Qz)); see the module docstring for tau, Q, z and the constants."""
    tau = 1.0 + a_h * a_h / (k1_apparent * k2_apparent + k1_apparent * a_h)
    r = co2_hydration_rate_s(temp_c, a_h)
    d = co2_diffusivity_m2_s(temp_c)
    qz = np.sqrt(r * tau / d) * d / k_co2_m_s + 1e-30
    return tau / ((tau - 1.0) + np.tanh(qz) / qz)
