"""Solute residence in the soil in a whole run (``[chemistry] soil_solute_mixing``,
karstmodel.processes.soil_solutes): the option read from a catchment file and bad values refused naming the key;
off by default, a bundled catchment giving identical outputs with the option absent and set to "none"; switched on,
the carbon balance closes with the soil water's DIC as storage, and the water leaving the soil is the store's."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import CatchmentError, load_catchment, resolve_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.model.simulate import initial_state, simulate
from karstmodel.model.stages import run_chain
from karstmodel.processes import dissolution
from karstmodel.processes.soil_solutes import mix

SUMMARY_KEYS = ("carbon_sink_tc_km2_yr", "carbon_sink_stoichiometric_tc_km2_yr", "dic_export_tc_km2_yr",
                "carbon_sink_autogenic_tc_km2_yr", "carbon_sink_allogenic_tc_km2_yr", "carbon_balance_error",
                "water_balance_error")


def test_option_is_read_and_bad_values_are_refused(tmp_path):
    c = load_catchment(write_catchment(tmp_path, base_doc()))
    assert c.chemistry.soil_solute_mixing == "none"
    assert c.hydrotopes[0].params.soil_mixing_volume_mm == 100.0
    c = load_catchment(write_catchment(tmp_path, base_doc(chemistry={"soil_solute_mixing": "fixed"},
                                                          land_use_parameters={"forest": {
                                                              "soil_mixing_volume_mm": 60.0}})))
    assert c.chemistry.soil_solute_mixing == "fixed" and c.hydrotopes[0].params.soil_mixing_volume_mm == 60.0
    for doc, needle in ((base_doc(chemistry={"soil_solute_mixing": "well-mixed"}), "[chemistry] soil_solute_mixing"),
                        (base_doc(chemistry={"soil_solute_mixing": 1.0}), "[chemistry] soil_solute_mixing"),
                        (base_doc(land_use_parameters={"forest": {"soil_mixing_volume_mm": -5.0}}),
                         "soil_mixing_volume_mm")):
        path = write_catchment(tmp_path, doc)
        with pytest.raises(CatchmentError) as ei:
            load_catchment(path)
        assert needle in str(ei.value) and str(path) in str(ei.value) and "\n" not in str(ei.value)


def test_off_by_default_bundled_catchment_is_identical():
    """kerschbaum with ``soil_solute_mixing`` absent (as bundled) and set to "none": the same summary numbers
    and the same daily and hydrotope tables bit for bit, no soil-water storage in the carbon balance."""
    c = load_catchment(resolve_catchment("kerschbaum"))
    assert c.chemistry.soil_solute_mixing == "none"
    ref = simulate(c, with_reaches=False)
    r = simulate(replace(c, chemistry=replace(c.chemistry, soil_solute_mixing="none")), with_reaches=False)
    for k in SUMMARY_KEYS:
        assert r.summary[k] == ref.summary[k], k
    assert r.summary["carbon_balance"] == ref.summary["carbon_balance"]
    assert "soil_water_storage_change_mmol_m2" not in ref.summary["carbon_balance"]
    pd.testing.assert_frame_equal(r.timeseries, ref.timeseries, check_exact=True)
    for name, table in ref.hydrotope_series.items():
        pd.testing.assert_frame_equal(r.hydrotope_series[name], table, check_exact=True)


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory):
    """Two hydrotopes on limestone and non-carbonate rock whose allogenic water partly sinks over an open contact,
    3 years of seeded weather."""
    d = tmp_path_factory.mktemp("soilmix")
    doc = base_doc(land_use={"forest": 0.6, "cropland": 0.4},
                   lithology={"limestone": 0.7, "dolomite": 0.0, "non_carbonate": 0.3, "allogenic_to_karst": 0.5},
                   allogenic_contact={"system": "open", "contact_pco2_ppm": 2000.0})
    c = load_catchment(write_catchment(d, doc, synthetic_drivers(days=3 * 365, seed=5)))
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    return c, data


@pytest.mark.parametrize("mode", ["soil_water", "fixed"])
def test_carbon_balance_closes_with_the_soil_water_store(mixed_site, mode):
    c, _ = mixed_site
    r0 = simulate(c)
    r = simulate(replace(c, chemistry=replace(c.chemistry, soil_solute_mixing=mode)))
    cb = r.summary["carbon_balance"]
    assert cb["relative_error"] < 1e-12
    assert abs(cb["soil_water_storage_change_mmol_m2"]) > 0
    # the same water, a different path: the sink moves, but not by much over three years
    assert r.summary["carbon_sink_tc_km2_yr"] != r0.summary["carbon_sink_tc_km2_yr"]
    assert r.summary["carbon_sink_tc_km2_yr"] == pytest.approx(r0.summary["carbon_sink_tc_km2_yr"], rel=0.2)
    pd.testing.assert_series_equal(r.timeseries["spring_mm"], r0.timeseries["spring_mm"], check_exact=True)


def test_water_leaving_the_soil_is_the_stores(mixed_site):
    """The recharge chemistry of the chain is the store's outflow for the day's soil water and recharge from the
    state the spin-up left; the contact acts on the water leaving the store; the end state is the store's."""
    c, data = mixed_site
    c = replace(c, chemistry=replace(c.chemistry, soil_solute_mixing="soil_water"))
    state = initial_state(c, data)
    _, state = run_chain(c, data.iloc[:365], state, stop_after="storage")
    assert state.soil_solute is not None
    run, end = run_chain(c, data, state)
    rch, hyd = run.solutes.rch, run.water.hyd
    want = mix(hyd["recharge_mm"], hyd["soil_mm"], np.concatenate((rch["carbonate_equilibrium"],
                                                                   rch["allogenic_equilibrium"]), axis=2),
               state.soil, state.soil_solute[0])
    nb = dissolution.N_BASE
    np.testing.assert_array_equal(rch["carbonate"], want["out_conc"][:, :, :nb])
    np.testing.assert_array_equal(rch["allogenic"], want["out_conc"][:, :, nb:])
    assert rch["allogenic_sinking"][:, :, dissolution.IDX["rock_c"]].sum() > rch["allogenic"][
        :, :, dissolution.IDX["rock_c"]].sum()
    np.testing.assert_array_equal(end.soil_solute[0], want["conc"][-1])
    np.testing.assert_array_equal(end.soil_solute[1], hyd["soil_mm"][-1])
    # residence smooths the water leaving the soil: its day-to-day DIC varies less than the equilibrium water's
    i = dissolution.IDX["dic"]
    wet = hyd["recharge_mm"][:, 0] > 0
    assert (np.std(np.diff(rch["carbonate"][wet, 0, i])) <
            0.5 * np.std(np.diff(rch["carbonate_equilibrium"][wet, 0, i])))
