"""Physical constants, molar masses and unit conversions used by the chemistry (and importable by karstmodel).

Each value is defined here once, with its source; other modules import it.

Sources
-------
* SI defining constants (exact since the 2019 revision of the SI; BIPM 2019, *The International System of Units*,
  9th ed., Table 1): elementary charge, Boltzmann constant, Avogadro constant. The vacuum permittivity is the
  CODATA 2018 recommended value (Tiesinga et al. 2021, Rev. Mod. Phys. 93:025010).
* The Celsius scale: T/K = t/degC + 273.15 (BIPM 2019, section 2.3.1); the standard atmosphere,
  1 atm = 101 325 Pa (exact; BIPM 2019, Table 8).
* Molar masses: the gram formula weights of the pinned PHREEQC 3.7.3 ``phreeqc.dat`` (``SOLUTION_MASTER_SPECIES``,
  ``chemistry/databases/phreeqc.dat``), the weights PHREEQC itself converts mg/L with, so that a sample speciated
  here and in PHREEQC reads the same moles (checked against the database in tests/test_chemistry/test_database.py). Formula
  weights of ions (SO4-2, NO3-, HCO3-, CO2) are sums of those element weights.
* Molar mass of dissolved O2 (mg/L <-> mol/m3): twice the standard atomic weight of oxygen, 15.9994 (IUPAC
  Commission on Isotopic Abundances and Atomic Weights; Wieser 2006, Pure Appl. Chem. 78:2051, Table 1). O2 is not
  a master species of phreeqc.dat, whose formula weight of O is rounded to 16.0.
* Volumetric heat capacity of liquid water, rho c_p = 4.18e6 J m-3 K-1: density x isobaric specific heat at about
  15 C (999.1 kg m-3 x 4186 J kg-1 K-1; IAPWS-95, Wagner & Pruss 2002, J. Phys. Chem. Ref. Data 31:387), within
  1 % of the value at any temperature from 0 to 30 C.
* Water activity a_w = 1 - 0.017 sum m_i (Parkhurst & Appelo 2013, USGS TM 6-A43, eq. 5).
* Ionic strength from specific conductance, I = 1.6e-5 EC (uS/cm at 25 C): Russell (1976), Groundwater 14:4.
* Barometric pressure from elevation: the standard atmosphere's troposphere (U.S. Standard Atmosphere 1976,
  NOAA/NASA/USAF, eq. 33a; identical to the ICAO standard atmosphere, ICAO Doc 7488/3, 1993, below 32 km):
  p/p0 = (1 - L z / T0)^(g0 M0 / (R* L)) with T0 = 288.15 K, L = 6.5 K/km (L/T0 = 2.25577e-5 m-1) and
  g0 M0 / (R* L) = 9.80665 x 28.9644 / (8314.32 x 0.0065) = 5.25588. It carries the temperature decrease with
  height that an isothermal atmosphere (scale height 8434 m) ignores; at 1000 m the two differ by 0.13 %.
* Discharge over an area: 1 m3/s over 1 km2 is 86400 s/d / 1e6 m2 x 1000 mm/m = 86.4 mm/d.
"""
from __future__ import annotations

import math

#: ln 10 (mass action is written in log10; derivatives carry this factor)
LN10 = math.log(10.0)

#: 0 degC in kelvin (definition of the Celsius scale)
KELVIN = 273.15
#: elementary charge, C (exact, SI 2019)
E_CHARGE_C = 1.602176634e-19
#: Boltzmann constant, J K-1 (exact, SI 2019)
K_B_J_K = 1.380649e-23
#: Avogadro constant, mol-1 (exact, SI 2019)
N_A_MOL = 6.02214076e23
#: vacuum permittivity, F m-1 (CODATA 2018)
EPS0_F_M = 8.8541878128e-12
#: standard atmosphere, Pa (exact)
ATM_PA = 101325.0
#: molar gas constant R = N_A k_B, J mol-1 K-1 (exact, SI 2019)
R_J_MOL_K = N_A_MOL * K_B_J_K
#: molar gas constant in L atm mol-1 K-1 (R / 101.325 J per L atm)
R_L_ATM_MOL_K = R_J_MOL_K / ATM_PA * 1000.0
#: gas constant in kJ mol-1 K-1 as PHREEQC 3 uses it for van't Hoff -delta_h (``R_KJ_DEG_MOL 0.00831470`` in its
#: global.h): the same value keeps van't Hoff log K identical to PHREEQC's (the SI value is 0.008314462618)
R_PHREEQC_KJ_MOL_K = 0.0083147

#: gram formula weights (g/mol) of phreeqc.dat SOLUTION_MASTER_SPECIES (PHREEQC 3.7.3)
M_H_G_MOL = 1.008
M_C_G_MOL = 12.0111
M_O_G_MOL = 16.0
M_CA_G_MOL = 40.08
M_MG_G_MOL = 24.312
M_NA_G_MOL = 22.9898
M_K_G_MOL = 39.102
M_CL_G_MOL = 35.453
M_S_G_MOL = 32.064
M_N_G_MOL = 14.0067
#: Alkalinity as Ca0.5(CO3)0.5 (phreeqc.dat ``Alkalinity`` gram formula weight): g CaCO3 per equivalent
M_ALK_CACO3_G_EQ = 50.05
#: formula weights of ions and CO2 from the element weights above
M_SO4_G_MOL = M_S_G_MOL + 4.0 * M_O_G_MOL
M_NO3_G_MOL = M_N_G_MOL + 3.0 * M_O_G_MOL
M_HCO3_G_MOL = M_H_G_MOL + M_C_G_MOL + 3.0 * M_O_G_MOL
M_CO2_G_MOL = M_C_G_MOL + 2.0 * M_O_G_MOL
#: dissolved O2, g/mol (2 x 15.9994, the IUPAC standard atomic weight of O; Wieser 2006)
M_O2_G_MOL = 31.9988

#: volumetric heat capacity of liquid water rho c_p, J m-3 K-1 (IAPWS-95 at about 15 C; Wagner & Pruss 2002)
RHO_CP_WATER_J_M3_K = 4.18e6

#: a_w = 1 - WATER_ACTIVITY_SLOPE * sum of molalities (Parkhurst & Appelo 2013, eq. 5)
WATER_ACTIVITY_SLOPE = 0.017
#: ionic strength (mol/kg) per uS/cm of specific conductance at 25 C (Russell 1976)
IONIC_STRENGTH_PER_US_CM = 1.6e-5

#: unit conversions
MMOL_PER_MOL = 1000.0
SECONDS_PER_DAY = 86400.0
#: runoff depth (mm/d) of 1 m3/s over 1 km2: q_mm_d = q_m3_s x MM_D_PER_M3_S_KM2 / area_km2
MM_D_PER_M3_S_KM2 = SECONDS_PER_DAY / 1e6 * 1000.0

#: standard atmosphere, troposphere (U.S. Standard Atmosphere 1976, eq. 33a): L/T0 (m-1) and g0 M0 / (R* L)
STD_ATM_LAPSE_PER_M = 2.25577e-5
STD_ATM_EXPONENT = 5.25588


def standard_pressure_atm(elevation_m):
    """Barometric pressure (atm, = p/p0) of the standard atmosphere at ``elevation_m`` (m above sea level; valid in
    the troposphere, below 11 km): p/p0 = (1 - 2.25577e-5 z)^5.25588 (U.S. Standard Atmosphere 1976, eq. 33a;
    ICAO 1993). Plain arithmetic: works on floats and numpy arrays, and compiles with numba."""
    return (1.0 - STD_ATM_LAPSE_PER_M * elevation_m) ** STD_ATM_EXPONENT
