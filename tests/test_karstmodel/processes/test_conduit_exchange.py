"""Matrix-conduit exchange along the sinking stream's contact (karstmodel.processes.conduit_exchange): the head
criterion and the stream's share (analytic), conservative mixing (mass balance), its limits (no exchange: the
contact alone, bit for bit; all matrix water at saturation: no uptake), the closed end point of the mixture against
PHREEQC and mixing_corrosion_mmol_l, and the chain with the carbon balance closed and the water unchanged."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import chemistry
from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import CatchmentError, load_catchment
from karstmodel.model.chem_pass import chain_columns
from karstmodel.model.simulate import simulate
from karstmodel.processes.allogenic_contact import AllogenicContact, contact_reaction, mixing_corrosion_mmol_l
from karstmodel.processes.conduit_exchange import (allogenic_share, contact_with_exchange, exchanges, gaining,
                                                   matrix_inflow_mm, mix_waters)

SOFT = {"ca_mmol_kgw": 0.1, "mg_mmol_kgw": 0.05, "na_mmol_kgw": 0.1, "k_mmol_kgw": 0.02, "cl_mmol_kgw": 0.1,
        "so4_mmol_kgw": 0.05}
TEMP = np.array([5.0, 10.0, 18.0])
SOIL_PCO2 = np.array([2e-3, 5e-3, 2e-2])
KEYS = ("ca", "mg", "na", "k", "cl", "so4", "dic")
LONG = dict(contact_length_m=1e5, velocity_m_s=1e-4)  # k t >> 1: the end point


def _stream():
    """The allogenic water as it leaves the soil: soft water with soil CO2, no carbonate."""
    g = chemistry.equilibrate(TEMP, SOIL_PCO2, mineral="none", system="open", water=SOFT)
    return {k: g[f"{k}_mmol_kgw"].to_numpy() for k in KEYS}


def _matrix(pco2_atm=1e-2, temp_c=10.0):
    """Matrix water: calcite equilibrium in the open system at a soil pCO2 (scalars, mmol/L)."""
    g = chemistry.equilibrate([temp_c], [pco2_atm], mineral="calcite", system="open")
    return {k: float(g[f"{k}_mmol_kgw"][0]) for k in ("ca", "dic")}


def test_heads_and_shares_analytic():
    """Eq. 1: gaining when M n_c/n_m > C; eq. 2: x_a = Q_a / (Q_a + f Q_m) on gaining days, 1 otherwise."""
    m, c, q_m = np.array([40.0, 40.0, 40.0, 40.0]), np.array([0.5, 0.99, 1.01, 3.0]), np.full(4, 0.8)
    assert gaining(m, c, 0.025).tolist() == [True, True, False, False]
    q_g = matrix_inflow_mm(m, c, q_m, 0.5, 0.025)
    assert q_g.tolist() == [0.4, 0.4, 0.0, 0.0]
    x = allogenic_share(np.array([1.2, 0.0, 2.0, 0.0]), q_g)
    assert x == pytest.approx([1.2 / 1.6, 0.0, 1.0, 1.0], abs=1e-15)
    assert not exchanges(AllogenicContact("open")) and not exchanges(AllogenicContact("none",
                                                                                      exchange_matrix_share=1.0))
    assert exchanges(AllogenicContact("closed", exchange_matrix_share=0.3))


def test_mixing_conserves_element_masses():
    """Volumes 3 L and 7 L of two waters: every element's mass in the mixture is the sum of the two."""
    a, b = {"ca": 0.1, "dic": 0.9, "na": 0.2}, {"ca": 2.3, "dic": 4.6, "mg": 0.4}
    mixed = mix_waters(a, b, 0.3)
    for k in ("ca", "dic", "na", "mg"):
        assert 10.0 * mixed[k] == pytest.approx(3.0 * a.get(k, 0.0) + 7.0 * b.get(k, 0.0), rel=1e-14)


@pytest.mark.parametrize("system", ["closed", "open"])
def test_no_exchange_is_the_contact_alone_exactly(system):
    conc = _stream()
    contact = AllogenicContact(system, contact_pco2_ppm=3000.0, contact_length_m=2000.0, velocity_m_s=0.05)
    alone = contact_reaction(conc, TEMP, contact)
    got = contact_with_exchange(conc, _matrix(), np.ones(3), TEMP, contact)
    for k in ("ca", "mg", "dic", "dissolved"):
        assert np.array_equal(got[k], alone[k])
    assert np.array_equal(got["wall_dissolved"], alone["dissolved"])


def test_closed_end_point_of_the_mixture_is_phreeqc_and_mixing_corrosion():
    """A long closed contact takes the mixture to its closed calcite equilibrium: against PHREEQC's closed
    re-equilibration of the same conservative mixture, and equal to the share-weighted closed uptakes of the two
    waters plus their mixing corrosion (allogenic_contact.mixing_corrosion_mmol_l); per litre of stream water it is
    that over x_a, with one C per Ca + Mg."""
    conc, mat = _stream(), _matrix()
    x = np.array([0.2, 0.5, 0.8])
    contact = AllogenicContact("closed", **LONG)
    got = contact_with_exchange(conc, mat, x, TEMP, contact)
    mixed = mix_waters(conc, mat, x)
    ref = chemistry.equilibrate(TEMP, None, mineral="calcite", system="closed", backend="phreeqc",
                                water={f"{k}_mmol_kgw": mixed[k] for k in KEYS})
    expected = ref["ca_mmol_kgw"].to_numpy() - mixed["ca"]
    assert got["wall_dissolved"] == pytest.approx(expected, rel=3e-3, abs=2e-4)
    alone = contact_reaction(conc, TEMP, contact)["dissolved"]
    mat_alone = contact_reaction({k: np.full(3, mat.get(k, 0.0)) for k in ("ca", "dic")}, TEMP, contact)["dissolved"]
    for i in range(3):
        a = {k: conc[k][i] for k in KEYS}
        mc = mixing_corrosion_mmol_l(a, mat, x[i], TEMP[i])
        assert got["wall_dissolved"][i] == pytest.approx(x[i] * alone[i] + (1 - x[i]) * mat_alone[i] + mc,
                                                         rel=1e-3, abs=1e-5)
    assert got["dissolved"] == pytest.approx(got["wall_dissolved"] / x, rel=1e-12)
    assert got["dic"] - conc["dic"] == pytest.approx(got["dissolved"], rel=1e-9)
    assert got["ca"] - conc["ca"] == pytest.approx(got["dissolved"], rel=1e-9)


def test_all_matrix_water_at_saturation_takes_up_nothing():
    """x_a -> 0: the water at the wall is the matrix water. Closed at its own temperature it is at saturation (no
    uptake); open to contact air below its soil pCO2 it degasses to supersaturation (no uptake: precipitation is not
    booked)."""
    conc = _stream()
    t = np.full(3, 10.0)
    tiny = np.full(3, 1e-9)
    closed = contact_with_exchange(conc, _matrix(1e-2, 10.0), tiny, t, AllogenicContact("closed", **LONG))
    assert np.all(np.abs(closed["wall_dissolved"]) < 1e-6)
    opened = contact_with_exchange(conc, _matrix(1e-2, 10.0), np.full(3, 0.05), t,
                                   AllogenicContact("open", contact_pco2_ppm=3000.0, contact_length_m=2000.0,
                                                    velocity_m_s=0.05))
    assert np.all(opened["wall_dissolved"] == 0.0) and np.all(opened["dissolved"] == 0.0)
    # the stream alone would dissolve there
    assert np.all(contact_reaction(conc, t, AllogenicContact("open", contact_pco2_ppm=3000.0,
                                                             contact_length_m=2000.0,
                                                             velocity_m_s=0.05))["dissolved"] > 0.01)


def _catchment(tmp_path, contact):
    doc = base_doc(lithology={"limestone": 0.5, "dolomite": 0.0, "non_carbonate": 0.5, "allogenic_to_karst": 1.0})
    doc["allogenic_contact"] = contact
    return load_catchment(write_catchment(tmp_path, doc, synthetic_drivers(days=3 * 365)))


def test_chain_closes_the_balances_and_leaves_the_water(tmp_path):
    """With the exchange on, the spring's water is unchanged (the matrix water crossing into the conduit is part
    of the matrix discharge), the carbon balance closes, the sink falls (less uptake at the wall), and the run is
    causal (the matrix water is the day's matrix outflow); with a matrix share of 0 the run is that of the contact
    alone, to the bit."""
    contact = {"system": "open", "contact_length_m": 2000.0, "velocity_m_s": 0.05, "contact_pco2_ppm": 3000.0}
    c = _catchment(tmp_path, contact)
    base = simulate(c)
    zero = simulate(replace(c, allogenic_contact=replace(c.allogenic_contact, exchange_matrix_share=0.0)))
    on = simulate(replace(c, allogenic_contact=replace(c.allogenic_contact, exchange_matrix_share=1.0)))
    assert zero.summary["carbon_sink_tc_km2_yr"] == base.summary["carbon_sink_tc_km2_yr"]
    assert np.array_equal(zero.timeseries["dic_mmol_l"].to_numpy(), base.timeseries["dic_mmol_l"].to_numpy(),
                          equal_nan=True)
    assert np.array_equal(on.timeseries["spring_mm"].to_numpy(), base.timeseries["spring_mm"].to_numpy())
    assert on.summary["carbon_balance"]["relative_error"] < 1e-9
    assert on.summary["carbon_sink_tc_km2_yr"] < base.summary["carbon_sink_tc_km2_yr"]
    # causal: the chain over the first 500 days gives the whole run's first 500 days (karstmodel.model.chem_pass)
    got = chain_columns(on.catchment, on.drivers.data, ("dic_mmol_l", "ca_mmol_l"), 500)
    for k in ("dic_mmol_l", "ca_mmol_l"):
        np.testing.assert_allclose(got[k], on.timeseries[k].to_numpy()[:500], rtol=1e-10, atol=1e-300, err_msg=k)


def test_reader_checks_the_exchange_keys(tmp_path):
    with pytest.raises(CatchmentError, match=r"\[allogenic_contact\] exchange_matrix_share"):
        _catchment(tmp_path, {"system": "open", "exchange_matrix_share": 1.5})
