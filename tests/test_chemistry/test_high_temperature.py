"""Thermal waters, 60-100 C (issue 15): the native solver against PHREEQC (IPhreeqc through phreeqpy with the
same pinned phreeqc.dat) and against published measurements.

References used here (numbers copied exactly; the tests name them):

* Plummer & Busenberg (1982), GCA 46:1011, abstract: from about 350 measurements of calcite solubility in
  CO2-H2O solutions at 0-90 C, log K_calcite = -171.9065 - 0.077993 T + 2839.319 / T + 71.595 log10 T
  (T in K; -8.480 +- 0.020 at 25 C), and log K_H = 108.3865 + 0.01985076 T - 6919.53 / T - 40.45154 log10 T
  + 669365 / T^2 for CO2(g) = CO2(aq) (1 atm total pressure, 0-100 C). The pinned phreeqc.dat uses other
  expressions for both (calcite: ``-analytic 17.118 -0.046528 -3496``, "Ellis 1959, Plummer and Busenberg 1982";
  CO2(g): its own 6-term expression), so the comparison is not circular.
* IAPWS (2004), Guideline G7-04 on Henry's constant (Fernandez-Prini, Alvarez & Harvey 2003, J. Phys. Chem. Ref.
  Data 32:903, eq. 15 and Table 2): ln(k_H / p1*) = A / T_R + B tau^0.355 / T_R + C T_R^-0.41 exp(tau),
  T_R = T / 647.096 K, tau = 1 - T_R, p1* the vapour pressure of water, with A = -8.55445, B = 4.01195,
  C = 9.52345 for CO2 (fitted to the measured solubilities, 274-643 K; x_CO2 = f_CO2 / k_H).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import database, thermo

TEMPS = np.array([60.0, 65.0, 80.0, 90.0, 100.0])
#: relative agreement with PHREEQC required (the done-when of issue 15 asks for 0.1 %; measured at most 3.2e-5,
#: closed-system DIC; 1e-5 in the open system and in speciation)
RTOL_PHREEQC = 1e-4


@pytest.mark.parametrize("mineral", ["calcite", "dolomite"])
@pytest.mark.parametrize("system", ["open", "closed"])
@pytest.mark.phreeqc
def test_equilibrate_60_to_100_c_matches_phreeqc(mineral, system):
    t = np.repeat(TEMPS, 2)
    p = np.tile([10**-2.0, 10**-0.7], TEMPS.size)
    nat = chemistry.equilibrate(t, p, mineral=mineral, system=system)
    ref = chemistry.equilibrate(t, p, mineral=mineral, system=system, backend="phreeqc")
    assert nat["converged"].all()
    for col in ("ca_mmol_kgw", "dic_mmol_kgw", "hco3_mmol_kgw", "alk_meq_kgw", "ionic_strength") + (
            ("mg_mmol_kgw",) if mineral == "dolomite" else ()):
        np.testing.assert_allclose(nat[col], ref[col], rtol=RTOL_PHREEQC, err_msg=col)
    np.testing.assert_allclose(nat["ph"], ref["ph"], atol=1e-4)
    np.testing.assert_allclose(nat["si_aragonite"], ref["si_aragonite"], atol=1e-4)


def test_thermal_range_is_0_to_100_c():
    assert (thermo.TEMP_MIN_C, thermo.TEMP_MAX_C) == (0.0, 100.0)
    with pytest.raises(chemistry.InputError, match=r"temp_c\[0\]"):
        chemistry.equilibrate(100.5, 1e-2)


@pytest.mark.parametrize("system", ["open", "closed"])
def test_samples_above_the_fused_tables_go_to_the_general_solve(system):
    """The fused path keeps its 0-60 C tables; warmer samples in the same call are solved by the general path,
    and every row equals the general path's result."""
    from chemistry import _fused_table
    t = np.array([10.0, 65.0, 25.0, 90.0, _fused_table.TABLE_TEMP_MAX_C, 99.0])
    p = np.array([1e-2, 1e-2, 3e-3, 0.1, 1e-2, 2e-2])
    mixed = chemistry.equilibrate(t, p, system=system)
    general = chemistry.equilibrate(t, p, system=system, _fused=False)
    assert list(mixed.columns) == list(general.columns)
    assert mixed["converged"].all()
    for col in ("ca_mmol_kgw", "dic_mmol_kgw", "ph", "si_aragonite", "ionic_strength"):
        np.testing.assert_allclose(mixed[col], general[col], rtol=1e-9, atol=1e-12, err_msg=col)
    hot_only = chemistry.equilibrate(t[[1, 3]], p[[1, 3]], system=system)
    np.testing.assert_allclose(hot_only["ca_mmol_kgw"], general["ca_mmol_kgw"].to_numpy()[[1, 3]], rtol=1e-12)


def _thermal_water(temps):
    n = len(temps)
    return pd.DataFrame({"temp_c": temps, "ph": np.linspace(6.4, 7.6, n), "ca_mg_l": np.linspace(60, 140, n),
                         "mg_mg_l": np.linspace(8, 30, n), "na_mg_l": np.linspace(10, 40, n), "k_mg_l": 3.0,
                         "cl_mg_l": np.linspace(8, 30, n), "so4_mg_l": np.linspace(20, 300, n),
                         "hco3_mg_l": np.linspace(250, 450, n)})


@pytest.mark.phreeqc
def test_speciate_thermal_water_matches_phreeqc():
    samples = _thermal_water(np.array([60.0, 65.0, 65.0, 80.0, 90.0, 90.0, 100.0]))
    nat = chemistry.speciate(samples)
    ref = chemistry.speciate(samples, backend="phreeqc")
    assert (nat["speciation_error"] == "").all()
    for col in ("dic_mmol_l", "co2aq_mmol_l", "co3_mmol_l", "ionic_strength", "pco2_atm"):
        np.testing.assert_allclose(nat[col], ref[col], rtol=RTOL_PHREEQC, err_msg=col)
    for col in ("si_calcite", "si_dolomite", "si_gypsum", "log_pco2"):
        np.testing.assert_allclose(nat[col], ref[col], atol=1e-4, err_msg=col)


# ------------------------------------------------------------------------------------------------------------
# published measurements
def _log_k_db(phase: str, temp_c):
    db = database.load("phreeqc.dat")
    coef = np.asarray(db.phases[phase].log_k.coefficients)
    return database.temperature_basis(np.asarray(temp_c) + thermo.KELVIN) @ coef


@pytest.mark.phreeqc
def test_calcite_solubility_vs_plummer_busenberg_1982_measurements():
    """Calcite solubility against Plummer & Busenberg's (1982) measurements, 0-90 C, through their fit (log K
    +-0.020 at 25 C) and their aqueous model, which the shipped wateq4f.dat carries (its calcite log K is their
    expression; checked here to 1e-3).

    Measured (open system, pCO2 10^-1.5 atm): with wateq4f.dat the native Ca equals PHREEQC's to 1e-5; with the
    default phreeqc.dat, whose calcite log K is a 0-250 C fit also to Ellis (1959), Ca is 0.04 % below the
    P&B-model value at 25 C but 9.5 % below at 60 C, 11 % at 65 C, 17 % at 80 C, 21 % at 90 C (25 % at 100 C,
    beyond their data): log K differs by 0.12 at 60 C and 0.24 at 90 C. The tests pin these numbers so that a
    change of database or model shows; for thermal waters ``database="wateq4f.dat"`` follows the measurements."""
    t = np.array([25.0, 60.0, 65.0, 80.0, 90.0])
    tk = t + thermo.KELVIN
    pb = -171.9065 - 0.077993 * tk + 2839.319 / tk + 71.595 * np.log10(tk)
    assert pb[0] == pytest.approx(-8.480, abs=5e-4)  # the abstract's 25 C value
    w4f = database.load("wateq4f.dat")
    lk_w4f = database.temperature_basis(tk) @ np.asarray(w4f.phases["Calcite"].log_k.coefficients)
    np.testing.assert_allclose(lk_w4f, pb, atol=1e-3)
    diff_logk = _log_k_db("Calcite", t) - pb
    np.testing.assert_allclose(diff_logk, [0.0, -0.118, -0.142, -0.224, -0.284], atol=0.005)

    p = 10**-1.5
    default = chemistry.equilibrate(t, p)["ca_mmol_kgw"].to_numpy()
    pb_model = chemistry.equilibrate(t, p, database="wateq4f.dat")
    pb_phreeqc = chemistry.equilibrate(t, p, database="wateq4f.dat", backend="phreeqc")
    np.testing.assert_allclose(pb_model["ca_mmol_kgw"], pb_phreeqc["ca_mmol_kgw"], rtol=RTOL_PHREEQC)
    rel = default / pb_model["ca_mmol_kgw"].to_numpy() - 1.0
    np.testing.assert_allclose(rel, [-0.0004, -0.0945, -0.1130, -0.1713, -0.2111], atol=0.003)


def test_co2_henry_constant_vs_plummer_busenberg_1982():
    """log K_H (CO2(g) = CO2(aq)) of phreeqc.dat against Plummer & Busenberg (1982) at 25 and 60-100 C (1 atm
    total pressure). Measured: within 3e-4 log units."""
    t = np.concatenate([[25.0], TEMPS])
    tk = t + thermo.KELVIN
    pb = 108.3865 + 0.01985076 * tk - 6919.53 / tk - 40.45154 * np.log10(tk) + 669365.0 / tk**2
    db = database.load("phreeqc.dat")
    # the phase is stored in terms of the master species (CO3-2 + 2 H+ - H2O): add the CO2(aq) formation
    kh = _log_k_db("CO2(g)", t) + database.temperature_basis(tk) @ np.asarray(db.species["CO2"].log_k.coefficients)
    np.testing.assert_allclose(kh, pb, atol=1e-3)


def _water_vapour_pressure_mpa(tk):
    """Saturation pressure of water, Wagner & Pruss (2002) eq. 2.5 (the IAPWS auxiliary equation)."""
    tau = 1.0 - tk / 647.096
    a = (-7.85951783, 1.84408259, -11.7866497, 22.6807411, -15.9618719, 1.80122502)
    ln_ratio = (647.096 / tk) * (a[0] * tau + a[1] * tau**1.5 + a[2] * tau**3 + a[3] * tau**3.5 + a[4] * tau**4
                                 + a[5] * tau**7.5)
    return 22.064 * math.exp(ln_ratio)


def test_dissolved_co2_vs_iapws_henry_constant_measurements():
    """Molecular CO2 dissolved in pure water at a CO2 partial pressure of 0.1 atm, 25 and 60-100 C, against the
    IAPWS G7-04 Henry's constant (a fit to the measured solubilities; its rms deviation is 0.0528 in ln k_H, about
    5 %). Measured difference: +0.2 % at 25 C, -2.7 % at 60 C, -3.0 % at 65 C, -4.0 % at 80 C, -4.6 % at 90 C,
    -5.3 % at 100 C (the Plummer & Busenberg K_H of phreeqc.dat gives the same); the test pins them to 0.5 %."""
    p_atm = 0.1
    temps = np.concatenate([[25.0], TEMPS])
    out = chemistry.equilibrate(temps, p_atm, mineral="none", system="open")
    dissolved = (out["co2aq_mmol_kgw"] + 2.0 * out["co2dimer_mmol_kgw"]).to_numpy() / 1000.0  # mol/kgw
    expected = dict(zip(temps, (0.0017, -0.0271, -0.0302, -0.0397, -0.0463, -0.0532)))
    for tc, m in zip(temps, dissolved):
        tk = tc + thermo.KELVIN
        tr = tk / 647.096
        tau = 1.0 - tr
        kh_mpa = _water_vapour_pressure_mpa(tk) * math.exp(-8.55445 / tr + 4.01195 * tau**0.355 / tr
                                                          + 9.52345 * tr**-0.41 * math.exp(tau))
        phi, _ = thermo.peng_robinson(np.array([tc]), np.array([p_atm]), 304.2, 72.86, 0.225)
        x = p_atm * float(phi[0]) * 0.101325 / kh_mpa  # mole fraction, fugacity in MPa
        m_iapws = x / (1.0 - x) * 1000.0 / 18.01528
        assert m / m_iapws - 1.0 == pytest.approx(expected[tc], abs=0.005), tc


def test_compiled_time_loop_speciation_of_thermal_water():
    """The surface-water model's compiled speciation (chemistry.carbonate, a travertine stream fed by a thermal
    spring) against the chemistry core at 60-100 C; its Debye-Hueckel table now spans 0-100 C."""
    from chemistry import carbonate as cb
    t = np.array([60.0, 65.0, 72.5, 80.0, 90.0, 99.9])
    w = {"ca": np.full(t.size, 2.5), "mg": np.full(t.size, 0.6), "so4": np.full(t.size, 0.8),
         "dic": np.linspace(4.0, 7.0, t.size)}
    fast = cb.speciate_carbonate(t, w)
    ref = chemistry.speciate_totals(t, {k: v / 1000.0 for k, v in w.items()})
    assert fast["converged"].all()
    assert np.max(np.abs(fast["ph"] - ref["ph"])) < 1e-6
    for sp in ("co2aq", "hco3", "co3"):
        np.testing.assert_allclose(fast[f"{sp}_mmol_l"], ref[f"{sp}_mmol_kgw"], rtol=1e-6, err_msg=sp)
    system = cb.carbonate_system(("dic", "ca"))
    a_ref, b_ref = thermo.debye_huckel_a_b(t)
    got = np.array([cb._dh_ab(x, system.dh_a, system.dh_b) for x in t])
    np.testing.assert_allclose(got[:, 0], a_ref, rtol=1e-7)
    np.testing.assert_allclose(got[:, 1], b_ref, rtol=1e-7)
