"""Allogenic water meeting carbonate (karstmodel.processes.allogenic_contact): the end-members of a long contact
against PHREEQC (closed system; open system at the contact air's pCO2), the short-contact limit against the
far-from-equilibrium PWP rate integrated by chemistry.dissolve_kinetic, mixing corrosion against PHREEQC, the
mixed rate law (PWP in series with boundary-layer transport) against PWP and its fast-transport limit, and the
catchment: how the sinking water meets the rock changes the sink, with the carbon balance closed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import CatchmentError, load_catchment
from karstmodel.model.simulate import simulate
from karstmodel.processes import allogenic_contact
from karstmodel.processes.allogenic_contact import (CALCITE_MOLAR_VOLUME_CM3_MOL, AllogenicContact, contact_reaction,
                                                    mean_wall_rate_mmol_cm2_s, mixing_corrosion_mmol_l,
                                                    wall_retreat_m_d)
from karstmodel.processes.mass_transfer import channel_mass_transfer_m_s

SOFT = {"ca_mmol_kgw": 0.1, "mg_mmol_kgw": 0.05, "na_mmol_kgw": 0.1, "k_mmol_kgw": 0.02, "cl_mmol_kgw": 0.1,
        "so4_mmol_kgw": 0.05}
TEMP = np.array([5.0, 10.0, 18.0])
SOIL_PCO2 = np.array([2e-3, 5e-3, 2e-2])


def _soil_water():
    """The allogenic water as it leaves the soil: soft water with soil CO2, no carbonate (mineral="none")."""
    g = chemistry.equilibrate(TEMP, SOIL_PCO2, mineral="none", system="open", water=SOFT)
    return g, {k: g[f"{k}_mmol_kgw"].to_numpy() for k in ("ca", "mg", "na", "k", "cl", "so4", "dic")}


def test_long_closed_contact_reaches_the_phreeqc_closed_equilibrium():
    g, conc = _soil_water()
    got = contact_reaction(conc, TEMP, AllogenicContact("closed", contact_length_m=1e5, velocity_m_s=1e-4))
    water = g[[c for c in g.columns if c.endswith("_mmol_kgw") and c.split("_")[0] in
               ("ca", "mg", "na", "k", "cl", "so4", "dic")]]
    ref = chemistry.equilibrate(TEMP, None, mineral="calcite", system="closed", water=water, backend="phreeqc")
    assert np.all(got["fraction"] > 0.999999)
    assert got["ca"] == pytest.approx(ref["ca_mmol_kgw"].to_numpy(), rel=2e-3)
    assert got["dic"] == pytest.approx(ref["dic_mmol_kgw"].to_numpy(), rel=2e-3)
    # closed: one C per Ca dissolved
    assert got["dic"] - conc["dic"] == pytest.approx(got["ca"] - conc["ca"], rel=1e-12)


def test_long_open_contact_reaches_the_phreeqc_open_equilibrium_at_the_cave_air():
    _, conc = _soil_water()
    cave_ppm = 3000.0
    got = contact_reaction(conc, TEMP, AllogenicContact("open", contact_pco2_ppm=cave_ppm, contact_length_m=1e5,
                                                        velocity_m_s=1e-4))
    ref = chemistry.equilibrate(TEMP, np.full(3, cave_ppm * 1e-6), mineral="calcite", system="open", water=SOFT,
                                backend="phreeqc")
    assert got["ca"] == pytest.approx(ref["ca_mmol_kgw"].to_numpy(), rel=2e-3)
    assert got["dic"] == pytest.approx(ref["dic_mmol_kgw"].to_numpy(), rel=2e-3)
    # the open contact takes up more rock than the closed one at these soil pCO2 (the closed water has only its
    # soil CO2: about a third of the open-system DIC gain at a similar pCO2)
    closed = contact_reaction(conc, TEMP, AllogenicContact("closed", contact_length_m=1e5, velocity_m_s=1e-4))
    assert np.all(got["dissolved"] > closed["dissolved"])


@pytest.mark.parametrize("system", ["closed", "open"])
def test_short_contact_is_the_far_from_equilibrium_pwp_rate(system):
    """k t << 1: the dissolved amount is (A/V) r_PWP t, compared with chemistry.dissolve_kinetic, which integrates
    the PWP rate law along the reaction path (independent of the first-order approach)."""
    g, conc = _soil_water()
    contact = AllogenicContact(system, contact_pco2_ppm=1000.0, contact_length_m=2.0, velocity_m_s=0.1,
                               depth_m=0.05)
    got = contact_reaction(conc, TEMP, contact)
    if system == "closed":
        water = g[[f"{k}_mmol_kgw" for k in ("ca", "mg", "na", "k", "cl", "so4", "dic")]]
        ref = chemistry.dissolve_kinetic(TEMP, contact.contact_time_s, contact.surface_to_volume_cm_1,
                                         system="closed", water=water)
    else:
        ref = chemistry.dissolve_kinetic(TEMP, contact.contact_time_s, contact.surface_to_volume_cm_1,
                                         pco2_atm=np.full(3, 1e-3), system="open", water=SOFT)
    assert np.all(got["fraction"] < 0.01)
    assert got["dissolved"] == pytest.approx(ref["dissolved_mmol_kgw"].to_numpy(), rel=0.01)


def test_no_contact_leaves_the_water_unchanged():
    _, conc = _soil_water()
    for contact in (AllogenicContact(), AllogenicContact("open", contact_length_m=0.0)):
        got = contact_reaction(conc, TEMP, contact)
        assert np.array_equal(got["ca"], conc["ca"]) and np.array_equal(got["dic"], conc["dic"])


def test_mixing_corrosion_against_phreeqc():
    """Two calcite-saturated waters (open system at 10^-3.5 and 10^-1.5 atm) mixed 1:1 dissolve more calcite in a
    closed system (Boegli 1964; Buhmann & Dreybrodt 1985): the native result against PHREEQC's closed
    re-equilibration of the same conservative mixture."""
    a = chemistry.equilibrate([10.0], [10 ** -3.5], system="open")
    b = chemistry.equilibrate([10.0], [10 ** -1.5], system="open")
    wa = {"ca": float(a["ca_mmol_kgw"][0]), "dic": float(a["dic_mmol_kgw"][0])}
    wb = {"ca": float(b["ca_mmol_kgw"][0]), "dic": float(b["dic_mmol_kgw"][0])}
    got = mixing_corrosion_mmol_l(wa, wb, 0.5, 10.0)
    mixed = {"ca_mmol_kgw": [0.5 * (wa["ca"] + wb["ca"])], "dic_mmol_kgw": [0.5 * (wa["dic"] + wb["dic"])]}
    ref = chemistry.equilibrate([10.0], None, system="closed", water=mixed, backend="phreeqc")
    expected = float(ref["ca_mmol_kgw"][0]) - mixed["ca_mmol_kgw"][0]
    assert got > 0.05  # a sizeable undersaturation of the mixture
    assert got == pytest.approx(expected, rel=5e-3, abs=1e-4)


def _catchment(tmp_path, contact=None):
    doc = base_doc(lithology={"limestone": 0.5, "dolomite": 0.0, "non_carbonate": 0.5, "allogenic_to_karst": 1.0})
    if contact:
        doc["allogenic_contact"] = contact
    return load_catchment(write_catchment(tmp_path, doc, synthetic_drivers(days=3 * 365)))


def test_the_contact_moves_the_sink_and_the_carbon_balance_closes(tmp_path):
    runs = {}
    for name, contact in (("none", None), ("closed", {"system": "closed", "contact_length_m": 5000.0}),
                          ("open", {"system": "open", "contact_length_m": 5000.0, "velocity_m_s": 0.05,
                                    "contact_pco2_ppm": 5000.0})):
        d = tmp_path / name
        d.mkdir()
        runs[name] = simulate(_catchment(d, contact))
    sink = {k: r.summary["carbon_sink_tc_km2_yr"] for k, r in runs.items()}
    # a closed contact only does earlier what the closed-system conduit reaction does later: the same end point
    # (path-independent closed equilibrium), the same sink; an open contact at cave-air pCO2 adds CO2 from the air
    assert sink["closed"] == pytest.approx(sink["none"], rel=1e-3)
    assert sink["open"] > 1.05 * sink["none"]
    for r in runs.values():
        assert r.summary["carbon_balance"]["relative_error"] < 1e-9


def test_reader_checks_the_contact_table(tmp_path):
    with pytest.raises(CatchmentError, match=r"\[allogenic_contact\] system"):
        _catchment(tmp_path, {"system": "ajar"})
    with pytest.raises(CatchmentError, match=r"\[allogenic_contact\] velocity_m_s"):
        _catchment(tmp_path, {"velocity_m_s": -1.0})


def test_scenario_sets_the_contact_and_checks_it(tmp_path):
    from karstmodel.workflows.scenarios import ScenarioError, apply_scenario, load_scenario
    c = _catchment(tmp_path)
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n[allogenic_contact]\nsystem = "open"\ncontact_length_m = 2000.0\n')
    got = apply_scenario(c, load_scenario(path), "2001-01-01").allogenic_contact
    assert (got.system, got.contact_length_m, got.velocity_m_s) == ("open", 2000.0, 0.1)
    path.write_text('name = "s"\n[allogenic_contact]\ncontact_length_m = -5.0\n')
    with pytest.raises(ScenarioError, match=r"\[allogenic_contact\] contact_length_m"):
        apply_scenario(c, load_scenario(path), "2001-01-01")


def test_wall_retreat_follows_the_pwp_rate_of_the_water_meeting_the_rock():
    """Wall retreat: a short open contact (k t << 1) dissolves at the PWP rate of the water as it enters (computed
    independently from its speciation with chemistry.pwp_rate); the rate converts to a retreat with the molar
    volume of calcite, by hand 100.09 g/mol / 2.71 g cm-3 = 36.93 cm3/mol: 1e-9 mmol cm-2 s-1 = 1e-12 x 36.93 x
    86,400 cm/d = 3.191e-8 m/d."""
    assert CALCITE_MOLAR_VOLUME_CM3_MOL == pytest.approx(36.93, abs=0.005)
    assert wall_retreat_m_d(1e-9) == pytest.approx(3.191e-8, rel=5e-4)
    _, conc = _soil_water()
    contact = AllogenicContact("open", contact_pco2_ppm=3000.0, contact_length_m=1.0, velocity_m_s=0.1, depth_m=0.1)
    got = contact_reaction(conc, TEMP, contact)
    start = chemistry.equilibrate(TEMP, np.full(3, 3000e-6), mineral="none", system="open", water=SOFT)
    pwp = chemistry.pwp_rate(TEMP, 10.0 ** -start["ph"].to_numpy(), start["co2aq_mmol_kgw"].to_numpy() / 1000.0,
                             start["si_calcite"].to_numpy())
    assert mean_wall_rate_mmol_cm2_s(got["dissolved"], contact) == pytest.approx(pwp, rel=0.02)
    assert np.all(mean_wall_rate_mmol_cm2_s(got["dissolved"], AllogenicContact("open", contact_length_m=0.0)) == 0)


SINKING = {"contact_pco2_ppm": 3000.0, "contact_length_m": 2000.0, "velocity_m_s": 0.05, "depth_m": 0.1}


@pytest.mark.parametrize("system", ["closed", "open"])
def test_mixed_rate_law_is_slower_than_pwp_and_pwp_when_transport_is_fast(system, monkeypatch):
    """rate_law = "mixed" (the sitter_appenzell sinking-stream contact: 2 km at 0.05 m/s, 10 cm deep): the start
    rate is the series rate 1/r = 1/r_PWP + 1/(k_m xi_eq) with k_m computed here, the contact is the first-order
    approach with that rate, it dissolves less than PWP but more than nothing; with k_m -> inf it is PWP to 1e-10."""
    _, conc = _soil_water()
    pwp = contact_reaction(conc, TEMP, AllogenicContact(system, **SINKING))
    mixed_contact = AllogenicContact(system, rate_law="mixed", **SINKING)
    mixed = contact_reaction(conc, TEMP, mixed_contact)
    assert np.all(mixed["dissolved"] > 0.0) and np.all(mixed["dissolved"] < pwp["dissolved"])
    assert np.array_equal(mixed["pwp_start_rate_mmol_cm2_s"], pwp["start_rate_mmol_cm2_s"])
    assert np.array_equal(mixed["equilibrium_dissolved"], pwp["equilibrium_dissolved"])
    k_m_cm_s = 100.0 * channel_mass_transfer_m_s(0.05, 0.1, TEMP)
    r = pwp["start_rate_mmol_cm2_s"]
    series = 1.0 / (1.0 / r + 1.0 / (k_m_cm_s * pwp["equilibrium_dissolved"] * 1e-3))
    assert mixed["start_rate_mmol_cm2_s"] == pytest.approx(series, rel=1e-12)
    k = mixed_contact.surface_to_volume_cm_1 * series / (pwp["equilibrium_dissolved"] * 1e-3)
    assert mixed["fraction"] == pytest.approx(1.0 - np.exp(-k * mixed_contact.contact_time_s), rel=1e-12)
    monkeypatch.setattr(allogenic_contact, "channel_mass_transfer_m_s", lambda *a: np.inf)
    fast = contact_reaction(conc, TEMP, mixed_contact)
    for key in ("ca", "mg", "dic", "dissolved", "fraction", "start_rate_mmol_cm2_s"):
        assert fast[key] == pytest.approx(pwp[key], rel=1e-10), key


def test_mixed_closed_contact_conserves_carbon():
    """Closed contact under the mixed law: DIC gains one C per Ca + Mg dissolved (C - Ca - Mg conserved)."""
    _, conc = _soil_water()
    got = contact_reaction(conc, TEMP, AllogenicContact("closed", rate_law="mixed", **SINKING))
    gain = (got["ca"] - conc["ca"]) + (got["mg"] - conc["mg"])
    assert np.all(gain > 1e-3)
    assert got["dic"] - conc["dic"] == pytest.approx(gain, rel=1e-12)
    assert got["dissolved"] == pytest.approx(gain, rel=1e-12)


def test_rate_law_is_checked(tmp_path):
    _, conc = _soil_water()
    with pytest.raises(ValueError, match=r"\[allogenic_contact\] rate_law"):
        contact_reaction(conc, TEMP, AllogenicContact("open", rate_law="fast"))
    with pytest.raises(CatchmentError, match=r"\[allogenic_contact\] rate_law"):
        _catchment(tmp_path, {"system": "open", "rate_law": "fast"})
    with pytest.raises(CatchmentError, match=r"\[allogenic_contact\] diffusivity_25c_m2_s"):
        _catchment(tmp_path, {"system": "open", "rate_law": "mixed", "diffusivity_25c_m2_s": 1e-7})
    assert _catchment(tmp_path, {"system": "open", "rate_law": "mixed"}).allogenic_contact.rate_law == "mixed"
    from karstmodel.workflows.scenarios import ScenarioError, apply_scenario, load_scenario
    c = _catchment(tmp_path)
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n[allogenic_contact]\nsystem = "open"\nrate_law = "mixed"\n')
    assert apply_scenario(c, load_scenario(path), "2001-01-01").allogenic_contact.rate_law == "mixed"
    path.write_text('name = "s"\n[allogenic_contact]\nrate_law = "quick"\n')
    with pytest.raises(ScenarioError, match=r"\[allogenic_contact\] rate_law"):
        apply_scenario(c, load_scenario(path), "2001-01-01")


def test_default_rate_law_leaves_runs_unchanged_and_mixed_lowers_the_sink(tmp_path):
    """A catchment with an open contact and no rate_law runs bit-identically to rate_law = "pwp" (the default);
    "mixed" takes up less rock on the way (lower sink than PWP, higher than no
    contact), with the carbon balance closed."""
    runs = {}
    for name, contact in (("none", None), ("default", {"system": "open", **SINKING}),
                          ("pwp", {"system": "open", "rate_law": "pwp", **SINKING}),
                          ("mixed", {"system": "open", "rate_law": "mixed", **SINKING})):
        d = tmp_path / name
        d.mkdir()
        runs[name] = simulate(_catchment(d, contact))
    pd.testing.assert_frame_equal(runs["default"].timeseries, runs["pwp"].timeseries, check_exact=True)
    sink = {k: r.summary["carbon_sink_tc_km2_yr"] for k, r in runs.items()}
    assert sink["none"] < sink["mixed"] < sink["pwp"]
    for r in runs.values():
        assert r.summary["carbon_balance"]["relative_error"] < 1e-9
