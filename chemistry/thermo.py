"""Properties of water and activity coefficients, vectorised over samples.

Everything here is a function of temperature (deg C), 1 atm total pressure, and ionic strength.

Sources
-------
* Density of liquid water along the saturation curve: Wagner & Pruss (2002), J. Phys. Chem. Ref. Data 31:387,
  eq. 2.6 (the IAPWS auxiliary equation), corrected from saturation pressure to 1 atm with the isothermal
  compressibility of water, 4.5e-5 bar-1 (Kell 1975, J. Chem. Eng. Data 20:97, near 25 C; the correction is
  below 5e-5 relative, so its temperature dependence is ignored).
* Relative dielectric constant of water: Bradley & Pitzer (1979), J. Phys. Chem. 83:1599, eq. 8 and Table I
  (the same expression PHREEQC 3 uses).
* Debye-Hueckel A and B from density and dielectric constant: e.g. Helgeson & Kirkham (1974), Am. J. Sci.
  274:1199, eqs. 47-48, evaluated with CODATA 2018 fundamental constants.
* Activity coefficients as PHREEQC computes them (Parkhurst & Appelo 2013, USGS TM 6-A43, "Aqueous models",
  eqs. 2-4): the WATEQ extended Debye-Hueckel equation (Truesdell & Jones 1974, J. Res. USGS 2:233)
  log g = -A z^2 sqrt(I) / (1 + B a sqrt(I)) + b I for species with ion-size parameters a, b; the Davies (1962)
  equation log g = -A z^2 (sqrt(I)/(1 + sqrt(I)) - 0.3 I) for other charged species; log g = 0.1 I for
  uncharged species; activity of water a_w = 1 - 0.017 sum(m_i) (Parkhurst & Appelo 2013, eq. 5).
* Ionic strength from specific conductance, I = 1.6e-5 EC (uS/cm): Russell (1976), Groundwater 14:4 (a fallback
  only, used where the ions are not known).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .constants import (E_CHARGE_C as _E_CHARGE, EPS0_F_M as _EPS0, IONIC_STRENGTH_PER_US_CM, K_B_J_K as _K_B,
                        KELVIN, LN10, N_A_MOL as _N_A, R_L_ATM_MOL_K, WATER_ACTIVITY_SLOPE)


#: temperature range of the thermodynamic data used here (deg C), at 1 atm: the water density (Wagner & Pruss
#: 2002) and dielectric constant (Bradley & Pitzer 1979) expressions hold far beyond it; the phreeqc.dat analytic
#: log K of the carbonate system are those of Plummer & Busenberg (1982, GCA 46:1011), fitted to measurements at
#: 0-90 C and stated to hold at 1 atm total pressure between 0 and 100 C (KH, K1, K2); 100 C is the boiling point
#: at 1 atm. Agreement with PHREEQC over 0-100 C: tests/test_chemistry/test_high_temperature.py.
TEMP_MIN_C = 0.0
TEMP_MAX_C = 100.0


def water_density_g_cm3(temp_c, pressure_bar: float = 1.01325):
    """Density of pure liquid water (g/cm3) at ``temp_c`` and ``pressure_bar``, vectorised over samples
    (:func:`water_density_core_g_cm3` on a float array)."""
    return water_density_core_g_cm3(np.asarray(temp_c, dtype=float), pressure_bar)


def water_density_core_g_cm3(temp_c, pressure_bar=1.01325):
    """Density of pure liquid water (g/cm3): Wagner & Pruss (2002), eq. 2.6 (saturated liquid), plus
    (P - P_sat) times the compressibility 4.5e-5 bar-1 (Kell 1975); the saturation pressure from Wagner & Pruss
    (2002), eq. 2.5. Plain arithmetic on a float or an array, so that numba compiles it for the time loops that
    need it (karstmodel.processes.gas_exchange); the model's one water-density formula.
    """
    tk = temp_c + KELVIN
    tc_k, rhoc = 647.096, 322.0
    tau = 1.0 - tk / tc_k
    b = (1.99274064, 1.09965342, -0.510839303, -1.75493479, -45.5170352, -6.74694450e5)
    rho_sat = rhoc * (1.0 + b[0] * tau ** (1 / 3) + b[1] * tau ** (2 / 3) + b[2] * tau ** (5 / 3)
                      + b[3] * tau ** (16 / 3) + b[4] * tau ** (43 / 3) + b[5] * tau ** (110 / 3))
    # saturation pressure, Wagner & Pruss (2002) eq. 2.5, MPa
    a = (-7.85951783, 1.84408259, -11.7866497, 22.6807411, -15.9618719, 1.80122502)
    ln_ratio = (tc_k / tk) * (a[0] * tau + a[1] * tau**1.5 + a[2] * tau**3 + a[3] * tau**3.5
                              + a[4] * tau**4 + a[5] * tau**7.5)
    p_sat_bar = 220.64 * np.exp(ln_ratio)
    return rho_sat / 1000.0 * (1.0 + 4.5e-5 * (pressure_bar - p_sat_bar))


def dielectric_constant(temp_c, pressure_bar: float = 1.01325):
    """Relative dielectric constant of water, Bradley & Pitzer (1979) eq. 8 with their Table I constants."""
    tk = np.asarray(temp_c, dtype=float) + KELVIN
    u1, u2, u3, u4, u5, u6, u7, u8, u9 = (3.4279e2, -5.0866e-3, 9.4690e-7, -2.0525, 3.1159e3, -1.8289e2,
                                          -8.0325e3, 4.2142e6, 2.1417)
    eps1000 = u1 * np.exp(u2 * tk + u3 * tk**2)
    c = u4 + u5 / (u6 + tk)
    bb = u7 + u8 / tk + u9 * tk
    return eps1000 + c * np.log((bb + pressure_bar) / (bb + 1000.0))


def debye_huckel_a_b(temp_c):
    """Debye-Hueckel A (kg^0.5 mol^-0.5) and B (Angstrom^-1 kg^0.5 mol^-0.5) at 1 atm.

    A = e^3 (2 N_A rho_w)^0.5 / (ln 10 * 8 pi (eps0 eps_r k T)^1.5),
    B = (2 N_A rho_w e^2 / (eps0 eps_r k T))^0.5 (Helgeson & Kirkham 1974, eqs. 47-48, SI form),
    with rho_w from :func:`water_density_g_cm3` and eps_r from :func:`dielectric_constant`.
    """
    tk = np.asarray(temp_c, dtype=float) + KELVIN
    rho_kg_m3 = water_density_g_cm3(temp_c) * 1000.0
    eps = dielectric_constant(temp_c)
    ekt = _EPS0 * eps * _K_B * tk
    # B in m^-1 (mol/kg)^-1/2: kappa = sqrt(2 N_A rho e^2 I / (eps0 eps k T)), I in mol/kg
    b_si = np.sqrt(2.0 * _N_A * rho_kg_m3 * _E_CHARGE**2 / ekt)
    a = b_si * _E_CHARGE**2 / (8.0 * math.pi * ekt * LN10)
    return a, b_si * 1e-10


#: the Debye-Hueckel table (:func:`debye_huckel_table`): every 0.05 C over TEMP_MIN_C..TEMP_MAX_C
DH_TABLE_T0_C, DH_TABLE_STEP_C = TEMP_MIN_C, 0.05
DH_TABLE_N = int(round((TEMP_MAX_C - TEMP_MIN_C) / DH_TABLE_STEP_C)) + 1


@lru_cache(maxsize=1)
def debye_huckel_table():
    """:func:`debye_huckel_a_b` tabulated every 0.05 C over 0-100 C, as (A, B) arrays of DH_TABLE_N values (read
    only): linear interpolation in it is within 1e-8 relative of the formula. The table of the scalar compiled engine
    (:mod:`chemistry.carbonate`) and of the starting points (:func:`debye_huckel_a_b_interp`)."""
    a, b = debye_huckel_a_b(DH_TABLE_T0_C + DH_TABLE_STEP_C * np.arange(DH_TABLE_N))
    a, b = np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def debye_huckel_a_b_interp(temp_c):
    """A and B by linear interpolation in :func:`debye_huckel_table` (clamped to 0-100 C; the grid is uniform, so
    the interval is found by division, as the compiled engine does in :func:`chemistry.carbonate._dh_ab`)."""
    a, b = debye_huckel_table()
    u = np.clip((np.asarray(temp_c, dtype=float) - DH_TABLE_T0_C) / DH_TABLE_STEP_C, 0.0, DH_TABLE_N - 1.000001)
    i = u.astype(np.intp)
    f = u - i
    return a[i] + f * (a[i + 1] - a[i]), b[i] + f * (b[i + 1] - b[i])


def peng_robinson(temp_c, p_atm, tc_k: float, pc_atm: float, omega: float):
    """Fugacity coefficient phi and compressibility factor Z of a pure gas (Peng & Robinson 1976,
    Ind. Eng. Chem. Fundam. 15:59, eqs. 5-18). PHREEQC 3 applies the same equation of state to gases with critical
    constants (``-T_c, -P_c, -Omega`` in the database), so log fugacity = log p + log phi.

    Returns (phi, z) arrays. For CO2 at 0.3 atm and 25 C, log phi is about -0.0008.
    """
    t = np.asarray(temp_c, dtype=float) + KELVIN
    p = np.asarray(p_atm, dtype=float)
    r = R_L_ATM_MOL_K  # (phi and Z depend on R only through a/(RT)^2 and b/(RT), in which R cancels)
    kappa = 0.37464 + 1.54226 * omega - 0.26992 * omega**2
    alpha = (1.0 + kappa * (1.0 - np.sqrt(t / tc_k))) ** 2
    a = 0.45724 * r**2 * tc_k**2 / pc_atm * alpha
    b = 0.07780 * r * tc_k / pc_atm
    aa = a * p / (r * t) ** 2
    bb = b * p / (r * t)
    # Newton on the cubic Z^3 - c2 Z^2 + c1 Z - c0 = 0 from the second-virial estimate Z = 1 + B - A (the vapour
    # root at low pressure; its error is of order A^2, so two or three steps reach rounding)
    c2 = 1.0 - bb
    c1 = aa - 3.0 * bb * bb - 2.0 * bb
    c0 = aa * bb - bb * bb - bb * bb * bb
    z = np.broadcast_to(1.0 + bb - aa, np.broadcast(aa, bb).shape).copy()
    for _ in range(50):
        f = ((z - c2) * z + c1) * z - c0
        df = (3.0 * z - 2.0 * c2) * z + c1
        dz = f / df
        z -= dz
        if np.all(np.abs(dz) < 1e-15):
            break
    s2 = np.sqrt(2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_phi = (z - 1 - np.log(z - bb)
                  - np.where(bb > 0, aa / (2 * s2 * np.where(bb > 0, bb, 1.0))
                             * np.log((z + (1 + s2) * bb) / (z + (1 - s2) * bb)), 0.0))
    return np.exp(ln_phi), z


def log_gamma(ionic_strength, z, ion_size, b_param, kind, dh_a, dh_b):
    """log10 activity coefficients, shape ``(N, S)``.

    ``ionic_strength``, ``dh_a``, ``dh_b``: shape (N,); ``z``, ``ion_size``, ``b_param``, ``kind``: shape (S,);
    ``kind`` 0 = WATEQ extended Debye-Hueckel (Truesdell & Jones 1974), 1 = Davies (1962), 2 = uncharged
    (log g = 0.1 I), as in PHREEQC (Parkhurst & Appelo 2013, eqs. 2-4).
    """
    i = np.asarray(ionic_strength, dtype=float)[:, None]
    sq = np.sqrt(i)
    a = np.asarray(dh_a)[:, None]
    bb = np.asarray(dh_b)[:, None]
    z2 = (z * z)[None, :]
    wateq = -a * z2 * sq / (1.0 + bb * ion_size[None, :] * sq) + b_param[None, :] * i
    davies = -a * z2 * (sq / (1.0 + sq) - 0.3 * i)
    neutral = 0.1 * i * np.ones_like(z2)
    return np.where(kind[None, :] == 0, wateq, np.where(kind[None, :] == 1, davies, neutral))


def activity_parameters(z2, kind, ion_size, b_param, dh_a, dh_b):
    """Parameters (A z^2, beta, b) of the unified form of the three activity models of :func:`log_gamma`,
    log g = -A z^2 sqrt(I) / (1 + beta sqrt(I)) + b I (:func:`log_gamma_unified`): WATEQ (kind 0: beta = B a,
    b = the species' b), Davies (kind 1: beta = 1, b = 0.3 A z^2), uncharged (kind 2: z = 0, b = 0.1).

    Numbers or broadcasting arrays. The model is selected by multiplying with 0 or 1 (exact for finite values), so
    the same code serves numpy arrays here and scalars in the compiled engines (:mod:`chemistry._compiled`)."""
    wateq = 1.0 * (kind == 0)
    davies = 1.0 * (kind == 1)
    az2 = dh_a * z2
    beta = wateq * (dh_b * ion_size) + (1.0 - wateq)
    bpar = wateq * b_param + davies * (0.3 * az2) + (1.0 - wateq - davies) * 0.1
    return az2, beta, bpar


def log_gamma_unified(az2, beta, bpar, sq, ionic):
    """log10 g = -A z^2 sqrt(I) / (1 + beta sqrt(I)) + b I from :func:`activity_parameters` (``sq`` = sqrt(I))."""
    return -az2 * sq / (1.0 + beta * sq) + bpar * ionic


def dlog_gamma_unified(az2, beta, bpar, sq):
    """d log10 g / dI of :func:`log_gamma_unified` (``sq`` = sqrt(I) > 0)."""
    den = 1.0 + beta * sq
    return -az2 / (2.0 * sq * (den * den)) + bpar


def log_water_activity(sum_molality):
    """log10 a_w with a_w = 1 - 0.017 sum(m_i) (Parkhurst & Appelo 2013, eq. 5)."""
    return np.log10(1.0 - WATER_ACTIVITY_SLOPE * np.asarray(sum_molality))


def ionic_strength_from_ec(ec_us_cm):
    """Ionic strength (mol/kg) from specific conductance at 25 C: I = 1.6e-5 EC (Russell 1976). Fallback only."""
    return IONIC_STRENGTH_PER_US_CM * np.asarray(ec_us_cm, dtype=float)


def ec_from_ions_us_cm(molality, charge, temp_c=25.0):
    """Specific conductance estimate (uS/cm at 25 C) from the ionic strength, inverse of Russell (1976).

    A rough estimate (+-10 %) for reporting an EC-like value from modelled water; not used in any equilibrium.
    """
    i = 0.5 * np.sum(np.asarray(molality) * np.asarray(charge) ** 2, axis=-1)
    return i / IONIC_STRENGTH_PER_US_CM
