"""karstmodel.processes.cave_degassing: CO2 exchange of a cave stream with cave air at fixed Ca.

References: the two analytic limits (no exchange -> the water unchanged; full exchange -> the water in CO2
equilibrium with the cave air at unchanged Ca, checked against PHREEQC with the pinned database), the first-order
limit of eq. (2) for a small exchange number (DIC lost = N (c0 - c*)), a fourth-order Runge-Kutta integration of
eq. (2) with chemistry.speciate_totals, and the carbon mass balance (DIC lost = CO2 degassed, Ca and alkalinity
unchanged).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry.errors import InputError
from karstmodel.processes.cave_degassing import exchange_with_cave_air

TEMP = np.array([14.5, 14.5, 10.0, 20.0, 14.5])
SOIL_ATM = np.array([5e-3, 3e-3, 2e-2, 1e-3, 2.5e-3])
CAVE_ATM = np.array([5e-4, 3e-3, 1e-3, 3e-3, 8e-4])  # row 1: no disequilibrium; row 3: ingassing


@pytest.fixture(scope="module")
def recharge():
    """Open-system calcite equilibrium at a soil pCO2 (the station's recharge water)."""
    return chemistry.equilibrate(TEMP, SOIL_ATM)


def test_no_exchange_leaves_the_water_unchanged(recharge):
    out = exchange_with_cave_air(recharge, CAVE_ATM, 0.0)
    for col in ("dic_mmol_kgw", "ca_mmol_kgw", "ph", "si_calcite", "log_pco2", "alk_meq_kgw"):
        np.testing.assert_allclose(out[col], recharge[col], rtol=1e-9, atol=1e-9, err_msg=col)
    assert (out["co2_degassed_mmol_kgw"] == 0).all()
    assert out["converged"].all()


@pytest.mark.phreeqc
def test_full_exchange_is_co2_equilibrium_with_cave_air_at_fixed_ca(recharge, punch):
    out = exchange_with_cave_air(recharge, CAVE_ATM, 1e6)
    # analytic: pCO2 of the outlet = cave air; Ca, alkalinity unchanged; fraction 1
    # (log_pco2 is that of the CO2 fugacity: Peng-Robinson phi differs from 1 by < 2e-5 at these pressures)
    np.testing.assert_allclose(out["log_pco2"], np.log10(CAVE_ATM), atol=2e-5)
    np.testing.assert_allclose(out["ca_mmol_kgw"], recharge["ca_mmol_kgw"], rtol=1e-12)
    np.testing.assert_allclose(out["alk_meq_kgw"], recharge["alk_meq_kgw"], rtol=1e-7)
    np.testing.assert_allclose(out["equilibration_fraction"], 1.0, atol=1e-9)
    # degassed water is supersaturated, ingassed water undersaturated (Hendy 1971)
    assert (out["si_calcite"].to_numpy()[[0, 2, 4]] > 0.3).all() and out["si_calcite"].iloc[3] < -0.3
    # PHREEQC (pinned phreeqc.dat): the recharge water (Ca, C as analysed, pH by charge balance) equilibrated with
    # CO2(g) at the cave-air pCO2 and no mineral
    blocks = [f"SOLUTION 1\n temp {t}\n units mmol/kgw\n pH 7 charge\n Ca {ca:.12g}\n C(4) {c:.12g}\n"
              f"EQUILIBRIUM_PHASES 1\n CO2(g) {np.log10(p):.12g} 10\nEND\n"
              for t, ca, c, p in zip(TEMP, recharge["ca_mmol_kgw"], recharge["dic_mmol_kgw"], CAVE_ATM)]
    ref = punch(blocks, {"sim": "SIM_NO", "dic": 'TOT("C(4)")*1000', "ca": 'TOT("Ca")*1000', "ph": '-LA("H+")',
                         "si": 'SI("Calcite")'})
    ref = ref.groupby("sim").tail(1).reset_index(drop=True)
    np.testing.assert_allclose(out["dic_mmol_kgw"], ref["dic"], rtol=2e-5)
    # PHREEQC tracks the mass of water (degassing HCO3- + H+ -> CO2 + H2O makes water): Ca molality moves by < 1e-5
    np.testing.assert_allclose(out["ca_mmol_kgw"], ref["ca"], rtol=1e-5)
    np.testing.assert_allclose(out["ph"], ref["ph"], atol=2e-4)
    np.testing.assert_allclose(out["si_calcite"], ref["si"], atol=2e-4)


def _co2aq(water, dic_mmol):
    tot = {"ca": water["ca_mmol_kgw"].to_numpy() / 1e3, "dic": np.asarray(dic_mmol) / 1e3}
    sp = chemistry.speciate_totals(water["temp_c"].to_numpy(), tot, water["charge_imbalance_meq_kgw"].to_numpy() / 1e3)
    return sp["co2aq_mmol_kgw"].to_numpy()


def test_small_exchange_number_first_order_limit(recharge):
    """For N -> 0, eq. (2): DIC0 - DIC_out = N (c0 - c*)."""
    n = 1e-3
    out = exchange_with_cave_air(recharge, CAVE_ATM, n)
    full = chemistry.equilibrate(TEMP, CAVE_ATM, mineral="none", system="open", water=recharge)
    c0 = recharge["co2aq_mmol_kgw"].to_numpy()
    c_star = full["co2aq_mmol_kgw"].to_numpy()
    expect = n * (c0 - c_star)
    moving = np.abs(c0 - c_star) > 1e-9
    np.testing.assert_allclose(out["co2_degassed_mmol_kgw"].to_numpy()[moving], expect[moving], rtol=2e-3)


def test_exchange_equals_runge_kutta_integration_and_mass_balance(recharge):
    """Eq. (2) integrated with RK4 (step 0.05 in tau) against the grid quadrature of eq. (4); DIC lost = CO2
    degassed; Ca and alkalinity unchanged (no mineral reacts)."""
    n = 2.5
    out = exchange_with_cave_air(recharge, CAVE_ATM, n)
    full = chemistry.equilibrate(TEMP, CAVE_ATM, mineral="none", system="open", water=recharge)
    c_star = _co2aq(recharge, full["dic_mmol_kgw"])
    d = recharge["dic_mmol_kgw"].to_numpy().copy()
    h = 0.05
    for _ in range(int(round(n / h))):
        def f(x):
            return -(_co2aq(recharge, x) - c_star)
        k1 = f(d)
        k2 = f(d + h / 2 * k1)
        k3 = f(d + h / 2 * k2)
        k4 = f(d + h * k3)
        d = d + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    span = np.abs(recharge["dic_mmol_kgw"].to_numpy() - full["dic_mmol_kgw"].to_numpy())
    err = np.abs(out["dic_mmol_kgw"].to_numpy() - d)
    assert (err <= 1e-3 * span + 1e-10).all(), (err, span)
    # mass balance
    np.testing.assert_allclose(out["co2_degassed_mmol_kgw"],
                               recharge["dic_mmol_kgw"] - out["dic_mmol_kgw"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["ca_mmol_kgw"], recharge["ca_mmol_kgw"], rtol=1e-12)
    np.testing.assert_allclose(out["alk_meq_kgw"], recharge["alk_meq_kgw"], rtol=1e-7)
    # degassing where the water's pCO2 exceeds the cave air's, ingassing where below, none where equal
    g = out["co2_degassed_mmol_kgw"].to_numpy()
    assert g[0] > 0 and g[2] > 0 and g[4] > 0 and g[3] < 0 and abs(g[1]) < 1e-12


def test_ph_rises_monotonically_with_the_exchange_number(recharge):
    ph = [exchange_with_cave_air(recharge.iloc[[0]].reset_index(drop=True), 5e-4, n)["ph"].iloc[0]
          for n in (0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 100.0)]
    assert np.all(np.diff(ph) > 0)
    phi = exchange_with_cave_air(recharge.iloc[[0]].reset_index(drop=True), 5e-4, 1.0)["equilibration_fraction"]
    assert 0.3 < phi.iloc[0] < 0.8  # ~1 - exp(-g N) with g close to 1 (CO2(aq) nearly linear in DIC)


def test_missing_inputs_give_nan_rows_and_bad_inputs_raise(recharge):
    cave = CAVE_ATM.copy()
    cave[2] = np.nan
    out = exchange_with_cave_air(recharge, cave, 1.0)
    assert np.isnan(out["dic_mmol_kgw"].iloc[2]) and not out["converged"].iloc[2]
    assert np.isfinite(out["dic_mmol_kgw"].drop(index=2)).all()
    with pytest.raises(InputError, match="exchange_number"):
        exchange_with_cave_air(recharge, CAVE_ATM, -1.0)
    with pytest.raises(InputError, match="cave-air pCO2"):
        exchange_with_cave_air(recharge, np.r_[CAVE_ATM[:4], 2.0], 1.0)
    empty = exchange_with_cave_air(pd.DataFrame(recharge.iloc[:0]), [], 1.0)
    assert len(empty) == 0 and "ph" in empty.columns
    none_ok = exchange_with_cave_air(recharge, np.full(5, np.nan), 1.0)
    assert none_ok["ph"].isna().all() and not none_ok["converged"].any()
