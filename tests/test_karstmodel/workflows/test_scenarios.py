"""Scenarios: behaviour of each intervention, intervals on every delta, closed balances, exact pre-change equality,
ramps and climate extension against hand calculations, errors naming the key, the CLI contract."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chemistry.database import database_path
from karst_helpers import base_doc, synthetic_drivers, toml_text
from karstmodel.config.catchment import load_catchment
from karstmodel.cli.scenario import scenario_lines
from karstmodel.processes.changes import ParameterRamp
from karstmodel.workflows.report import write_scenario
from karstmodel.workflows.scenarios import ScenarioError, apply_scenario, climate_drivers, load_scenario, run_scenario, \
    time_to_fraction


def _site(tmp_path, land_use, lithology=None, reaches=None, years=5):
    synthetic_drivers(days=years * 365, seed=5).to_csv(tmp_path / "drivers.csv", index=False)
    doc = base_doc(land_use=land_use)
    if lithology:
        doc["lithology"] = lithology
    if reaches:
        doc["reaches"] = reaches
    (tmp_path / "catchment.toml").write_text(toml_text(doc))
    return load_catchment(tmp_path / "catchment.toml")


def _scenario(tmp_path, name, text):
    p = tmp_path / f"{name}.toml"
    p.write_text(f'name = "{name}"\n' + text)
    return load_scenario(p)


@pytest.fixture(scope="module")
def crop_forest(tmp_path_factory):
    d = tmp_path_factory.mktemp("crop")
    c = _site(d, {"cropland": 0.6, "forest": 0.4},
              {"limestone": 0.7, "dolomite": 0.0, "non_carbonate": 0.3, "allogenic_to_karst": 1.0})
    return d, c


def test_afforestation_raises_soil_pco2_and_dic_lowers_runoff_with_intervals(crop_forest):
    d, c = crop_forest
    sc = _scenario(d, "aff", '[[land_use_conversion]]\nfrom = "cropland"\nto = "forest"\nfraction = 1.0\n'
                             'start = "2002-01-01"\nramp_years = 1\nsoil_ramp_years = 1\n')
    r = run_scenario(c, sc, ensemble=3, progress=False)
    s = r["summary"]
    conv = [h for h in r["catchment"].hydrotopes if h.name == "cropland_to_forest"]
    assert conv and conv[0].fraction == pytest.approx(0.6)
    # soil pCO2 of the converted hydrotope ends above its cropland start and equals the forest hydrotope's
    ts = r["scenario"].timeseries
    late = ts.index >= "2004-01-01"
    early = ts.index < "2002-01-01"
    p_conv = ts["soil_pco2_ppm_cropland_to_forest"]
    assert p_conv[late].mean() > 1.1 * p_conv[early].mean()
    assert p_conv[late].mean() == pytest.approx(ts.loc[late, "soil_pco2_ppm_forest"].mean(), rel=0.05)
    assert s["delta"]["delta_dic_mmol_l"] > 0
    assert s["delta"]["delta_runoff_mm_yr"] < 0
    for key in ("delta_carbon_sink_tc_km2_yr", "delta_runoff_mm_yr", "delta_dic_mmol_l"):
        q = s["uncertainty"][key]
        # 3 members support no 90 % interval: the min-max range, covering (3 - 1) / (3 + 1) = 50 % on average
        assert q["lo"] <= q["median"] <= q["hi"] and "p05" not in q and q["coverage"] == pytest.approx(0.5)
        assert q["lo"] == r["ensemble"][key].min() and q["hi"] == r["ensemble"][key].max()
    assert s["uncertainty"]["members"] == 3
    # closed balances in both runs
    for block in (s["baseline"], s["scenario"]):
        assert block["water_balance_error"] < 1e-9 and block["carbon_balance_error"] < 1e-9
    # the change only starts in 2002: the years before are identical to the baseline
    ann = r["annual"]
    assert np.allclose(ann.loc[ann.index < 2002, "delta_tc_km2"], 0.0, atol=1e-12)
    # the change after the ramps (end 2003) and one turnover of the slowest store, from the annual series by hand
    late = s["indicators"]["change_after_response"]
    rt = s["response_time"]["store_response_years"]
    assert late["from_year"] == (pd.Timestamp("2003-01-01") + pd.Timedelta(days=365.25 * rt)).year + 1
    yrs = ann.index >= late["from_year"]
    if yrs.sum() >= 3:
        assert late["delta_carbon_sink_tc_km2_yr"] == pytest.approx(ann.loc[yrs, "delta_tc_km2"].mean(), rel=1e-12)
    else:
        assert late["delta_carbon_sink_tc_km2_yr"] is None
    # Zeng's index and the exact criterion from the two summaries by hand
    a = s["delta"]["delta_dic_mmol_l"] / s["baseline"]["dic_mmol_l_flow_weighted"]
    b = -s["delta"]["delta_runoff_mm_yr"] / s["baseline"]["runoff_mm_yr"]
    assert s["indicators"]["zeng_index"] == pytest.approx(a / -b, rel=1e-9)
    assert s["indicators"]["exact_criterion_product"] == pytest.approx((1 + a) * (1 - b), rel=1e-12)
    # decomposition adds up to the change of the sink
    dec = s["indicators"]["decomposition"]
    total = dec["from_runoff_tc_km2_yr"] + dec["from_dic_tc_km2_yr"] + dec["interaction_tc_km2_yr"]
    assert total == pytest.approx(s["delta"]["delta_carbon_sink_tc_km2_yr"], rel=1e-6, abs=1e-9)


def test_undersaturated_exogenous_irrigation_raises_the_sink(crop_forest):
    d, c = crop_forest
    sc = _scenario(d, "irr", '[[irrigation]]\nland_use = "cropland"\nvolume_mm_yr = 200\nmonths = [5, 6, 7, 8]\n'
                             'water = {ca_mmol_l = 0.1, na_mmol_l = 0.2, cl_mmol_l = 0.2}\n[uncertainty]\nensemble = 2\n')
    r = run_scenario(c, sc, progress=False)
    s = r["summary"]
    assert s["delta"]["delta_carbon_sink_tc_km2_yr"] > 0
    assert s["uncertainty"]["delta_carbon_sink_tc_km2_yr"]["lo"] > 0
    assert s["indicators"]["change_label"] == "larger sink"
    # the water balance includes the irrigation input: 200 mm/yr on 60 % of the area
    wb = r["scenario"].summary["water_balance"]
    years = r["scenario"].summary["period"]["days"] / 365.25
    assert wb["irrigation_mm"] / years == pytest.approx(0.6 * 200 * 123 / 123, rel=0.01)
    assert r["scenario"].summary["water_balance_error"] < 1e-9
    assert r["scenario"].summary["carbon_balance_error"] < 1e-9


def test_carbonate_powder_dissolves_and_raises_dic(crop_forest):
    d, c = crop_forest
    sc = _scenario(d, "pow", '[[carbonate_powder]]\nland_use = "cropland"\ndose_t_ha = 5\ngrain_size_um = 50\n'
                             'date = "2002-04-01"\n[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    s = r["summary"]
    assert s["delta"]["delta_dic_mmol_l"] > 0 and s["delta"]["delta_carbon_sink_tc_km2_yr"] > 0
    assert r["scenario"].summary["carbon_balance_error"] < 1e-9
    ann = r["annual"]
    assert np.allclose(ann.loc[ann.index < 2002, "delta_tc_km2"], 0.0, atol=1e-12)


def test_macrophyte_cultivation_raises_aquatic_organic_share(tmp_path):
    c = _site(tmp_path, {"forest": 1.0}, years=2,
              reaches=[{"name": "pond", "kind": "pond", "area_m2": 5000.0, "depth_m": 1.0, "macrophyte_cover": 0.2,
                        "macrophyte_biomass_g_m2": 100.0}])
    sc = _scenario(tmp_path, "cult", '[[aquatic_cultivation]]\nreach = "pond"\nmacrophyte_cover = 0.9\n'
                                     'macrophyte_biomass_g_m2 = 300\n[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    fc = r["summary"]["delta"]["fate_change"]
    assert fc["aquatic_organic_carbon"] > 0
    for run in (r["baseline"], r["scenario"]):
        f = run.summary["fate"]
        assert sum(f[k] for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")) == \
            pytest.approx(1.0, abs=1e-12)
        assert run.summary["surface_water"]["carbon_balance_error"] < 1e-9
    # the biological carbon pump in t C per year: more formed, buried and exported; the lines say it
    b, sc_ = r["summary"]["baseline"]["autochthonous_oc"], r["summary"]["scenario"]["autochthonous_oc"]
    ch = r["summary"]["delta"]["autochthonous_oc_change_t_c_yr"]
    for key in ("formed_t_c_yr", "buried_t_c_yr", "exported_t_c_yr"):
        assert sc_[key] > b[key] > 0
        assert ch[key] == pytest.approx(sc_[key] - b[key], rel=1e-12)
    assert ch["karst_dic_in_t_c_yr"] == 0.0
    assert fc["buried_autochthonous_oc"] > 0
    det = r["scenario"].summary["surface_water"]["fate_detail"]
    years = r["scenario"].summary["period"]["days"] / 365.25
    assert sc_["buried_t_c_yr"] == pytest.approx(det["autochthonous_oc_buried_mol"] * 12.0111e-6 / years, rel=1e-12)
    assert any("autochthonous OC formed" in line for line in scenario_lines("site", "cult", r["summary"]))


def test_central_runs_beside_the_ensemble_are_the_plain_runs(tmp_path):
    """The baseline and scenario runs (two threads, while the ensemble runs in the caller's thread) are plain
    ``simulate`` runs, one after the other, bit for bit: summaries (the reaches' fate included), daily tables and the
    reaches' daily tables; they keep no sub-daily rows of the reaches."""
    from dataclasses import replace as dc_replace

    from karstmodel.io.drivers import load_drivers
    from karstmodel.model.simulate import simulate
    c = _site(tmp_path, {"forest": 1.0}, years=2,
              reaches=[{"name": "brook", "length_m": 800.0},
                       {"name": "pond", "kind": "pond", "area_m2": 5000.0, "depth_m": 1.0, "macrophyte_cover": 0.2}])
    sc = _scenario(tmp_path, "cult", '[[aquatic_cultivation]]\nreach = "pond"\nmacrophyte_cover = 0.9\n'
                                     '[uncertainty]\nensemble = 2\nseed = 3\n')
    r = run_scenario(c, sc, progress=False)
    drv = load_drivers(c.drivers, c.latitude, c.start, c.end)
    ref_b = simulate(c, drivers=drv, observations=None)
    ref_s = simulate(r["catchment"], drivers=drv, observations=None)
    assert r["catchment"].reaches != c.reaches and r["catchment"] == dc_replace(c, reaches=r["catchment"].reaches)
    for got, ref in ((r["baseline"], ref_b), (r["scenario"], ref_s)):
        assert got.summary == ref.summary
        pd.testing.assert_frame_equal(got.timeseries, ref.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(got.reaches.daily, ref.reaches.daily, check_exact=True)
        assert len(got.reaches.subdaily) == 0 < len(ref.reaches.subdaily)
    assert len(r["ensemble"]) == 2


def test_parameter_ramp_values_by_hand():
    idx = pd.date_range("2000-01-01", periods=800, freq="D")
    lin = ParameterRamp("h", "q10", 2.0, 3.0, "2000-06-01", 365.0).values(idx)
    assert lin[idx.get_loc(pd.Timestamp("2000-05-31"))] == 2.0
    assert lin[idx.get_loc(pd.Timestamp("2000-06-01")) + 73] == pytest.approx(2.2)
    assert lin[-1] == 3.0
    ex = ParameterRamp("h", "q10", 2.0, 3.0, "2000-01-01", 300.0, "exponential").values(idx)
    assert ex[100] == pytest.approx(2.0 + (1 - np.exp(-1.0)))


def test_time_to_ninety_percent():
    s = pd.Series([0.0, 0.0, 1.0, 5.0, 9.5, 10.0, 10.0, 10.0], index=range(2000, 2008))
    assert time_to_fraction(s, 2002) == 3.0  # 2004 is the first year >= 9.0 (90 % of the last-3-year mean 10)


def test_climate_extension_ramps_deltas(tmp_path):
    c = _site(tmp_path, {"forest": 1.0}, years=3)
    from karstmodel.io.drivers import load_drivers
    drv = load_drivers(c.drivers, c.latitude)
    sc = _scenario(tmp_path, "clim", '[climate]\ntemp_delta_c = 2.0\nprecip_factor = 1.5\nextend_to = "2009-12-31"\n')
    new = climate_drivers(drv, c, sc).data
    assert new.index[-1] == pd.Timestamp("2009-12-31")
    n_old = len(drv.data)
    # the last day carries the full delta on a repeated day of the record
    last = new.iloc[-1]
    src = drv.data.iloc[(len(new) - 1 - n_old) % n_old]
    assert last["temp_c"] == pytest.approx(src["temp_c"] + 2.0)
    assert last["precip_mm"] == pytest.approx(src["precip_mm"] * 1.5)
    assert np.array_equal(new["temp_c"].to_numpy()[:n_old], drv.data["temp_c"].to_numpy())


def test_scenario_errors_name_the_key(crop_forest, tmp_path):
    d, c = crop_forest
    with pytest.raises(ScenarioError, match="bogus"):
        _scenario(tmp_path, "bad", "bogus = 1\n")
    sc = _scenario(tmp_path, "bad2", '[[land_use_conversion]]\nfrom = "cropland"\nto = "jungle"\nfraction = 0.5\n')
    with pytest.raises(ScenarioError, match="to: unknown land-use class"):
        apply_scenario(c, sc, "2001-01-01")
    sc = _scenario(tmp_path, "bad3", '[[land_use_conversion]]\nfrom = "bare_rock"\nto = "forest"\nfraction = 0.5\n')
    with pytest.raises(ScenarioError, match="has no bare_rock hydrotope"):
        apply_scenario(c, sc, "2001-01-01")
    with pytest.raises(ScenarioError, match=r"\[climate\] soil_temp_delta_c.*40"):
        _scenario(tmp_path, "bad5", "[climate]\nsoil_temp_delta_c = 40\n")
    with pytest.raises(ScenarioError, match=r"\[climate\] soil_warming"):
        _scenario(tmp_path, "bad6", "[climate]\nsoil_warming = 2\n")
    sc = _scenario(tmp_path, "bad4", '[[aquatic_cultivation]]\nreach = "lake"\n')
    with pytest.raises(ScenarioError, match="no reach 'lake'"):
        apply_scenario(c, sc, "2001-01-01")


@pytest.mark.slow  # a scenario ensemble through the CLI (~5 s)
def test_cli_scenario_writes_baseline_scenario_delta(crop_forest, tmp_path):
    d, c = crop_forest
    sc = d / "cli.toml"
    sc.write_text('name = "cli"\n[[land_use_conversion]]\nfrom = "cropland"\nto = "grassland"\nfraction = 0.5\n'
                  'start = "2002-01-01"\n[uncertainty]\nensemble = 2\n')
    out = tmp_path / "scen"
    r = subprocess.run([sys.executable, "-m", "karstmodel", "scenario", str(d / "catchment.toml"), str(sc), "-o",
                        str(out), "--quiet", "--no-figures"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-400:]
    s = json.loads((out / "summary.json").read_text())
    for block in ("baseline", "scenario", "delta"):
        assert block in s
    for key in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted"):
        assert key in s["baseline"] and key in s["scenario"] and key in s
    assert s["delta"]["delta_carbon_sink_tc_km2_yr"] == pytest.approx(
        s["scenario"]["carbon_sink_tc_km2_yr"] - s["baseline"]["carbon_sink_tc_km2_yr"], rel=1e-12)
    # the printed lines: the label, the interval with its rule, soil DIC leaching, the balance, the new state
    assert "range of 2 members" in r.stdout and "needs >= 20 members" in r.stdout
    assert "soil DIC leaching" in r.stdout and "carbon balance closes" in r.stdout and "new state" in r.stdout
    assert f"({s['indicators']['change_label']}" in r.stdout
    cb = pd.read_csv(out / "carbon_balance.csv").set_index("term")
    assert cb.loc["soil_dic_leaching_tc_km2_yr", "change"] == pytest.approx(
        s["delta"]["delta_soil_dic_leaching_tc_km2_yr"], rel=1e-6)
    bad = subprocess.run([sys.executable, "-m", "karstmodel", "scenario", str(d / "catchment.toml"),
                          str(tmp_path / "missing.toml"), "-o", str(tmp_path / "x")], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "not found" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists()


# ---- issue 14: climate scenarios against an independent pair of runs, honest labels, intervals, outputs ----
@pytest.fixture(scope="module")
def forest_site(tmp_path_factory):
    d = tmp_path_factory.mktemp("clim")
    return d, _site(d, {"forest": 1.0}, years=4)


def test_climate_only_scenario_matches_two_independent_runs(forest_site):
    """+2 C and -10 % precipitation: less runoff, a smaller sink; the reported change equals the difference of two
    plain ``simulate`` runs, one on the unmodified and one on the modified drivers (the baseline must never see the
    scenario's climate)."""
    from karstmodel.io.drivers import load_drivers
    from karstmodel.model.simulate import simulate
    d, c = forest_site
    sc = _scenario(d, "warm", '[climate]\ntemp_delta_c = 2.0\nprecip_factor = 0.9\n[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    s = r["summary"]
    drv = load_drivers(c.drivers, c.latitude, c.start, c.end)
    ref_b = simulate(c, drivers=drv, observations=None).summary
    ref_s = simulate(c, drivers=climate_drivers(drv, c, sc), observations=None).summary
    assert s["baseline"]["carbon_sink_tc_km2_yr"] == pytest.approx(ref_b["carbon_sink_tc_km2_yr"], abs=1e-10)
    assert s["delta"]["delta_carbon_sink_tc_km2_yr"] == pytest.approx(
        ref_s["carbon_sink_tc_km2_yr"] - ref_b["carbon_sink_tc_km2_yr"], abs=1e-10)
    assert s["delta"]["delta_runoff_mm_yr"] < -10.0  # 10 % less rain and more ET: clearly less water
    assert s["delta"]["delta_carbon_sink_tc_km2_yr"] < 0
    # smaller sink at similar DIC: the runoff term dominates the decomposition
    dec = s["indicators"]["decomposition"]
    assert abs(dec["from_runoff_tc_km2_yr"]) > abs(dec["from_dic_tc_km2_yr"])
    assert s["indicators"]["change_label"] == "smaller sink"


def test_extended_climate_baseline_runs_the_repeated_record_unmodified(forest_site):
    """With ``extend_to`` both runs cover the same days; the recorded years are identical to the last digit (same
    drivers, same start), the baseline equals a plain run on the repeated record, and the change over the added
    years has the sign of the deltas."""
    from karstmodel.io.drivers import load_drivers
    from karstmodel.model.simulate import simulate
    from karstmodel.workflows.scenarios import baseline_drivers
    d, c = forest_site
    sc = _scenario(d, "warmx", '[climate]\ntemp_delta_c = 3.0\nprecip_factor = 0.8\nextend_to = "2008-12-31"\n'
                              '[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    s = r["summary"]
    assert s["baseline"]["period"] == s["scenario"]["period"]
    assert s["baseline"]["period"]["end"] == "2008-12-31"
    drv = baseline_drivers(load_drivers(c.drivers, c.latitude), c, sc)
    assert np.array_equal(drv.data["precip_mm"].to_numpy()[365 * 4: 365 * 5],
                          drv.data["precip_mm"].to_numpy()[:365])  # the record repeated, unmodified
    ref = simulate(c, drivers=drv, observations=None).summary
    assert s["baseline"]["carbon_sink_tc_km2_yr"] == pytest.approx(ref["carbon_sink_tc_km2_yr"], abs=1e-10)
    ann = r["annual"]
    assert np.array_equal(ann.loc[ann.index <= 2003, "delta_tc_km2"].to_numpy(), np.zeros(3))
    assert (ann.loc[ann.index >= 2006, "delta_tc_km2"] < 0).all()
    assert s["indicators"]["change_start_year"] == 2004  # 4 x 365 days end on 2004-12-30
    assert s["indicators"]["change_label"] == "smaller sink"


def test_soil_only_warming_changes_soil_not_water(forest_site):
    """``soil_temp_delta_c``: air temperature, PET, snow, runoff and groundwater temperature stay; soil temperature
    rises by exactly the delta and, with soil water unchanged, soil respiration by exactly Q10^(dT/10) every day
    (the production equation of karstmodel.processes.soil_co2); more soil CO2 -> more DIC and soil DIC leaching ->
    a larger sink. The outputs carry the soil DIC leaching and a closed carbon balance."""
    d, c = forest_site
    sc = _scenario(d, "soilwarm", '[climate]\nsoil_temp_delta_c = 2.0\n[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    s = r["summary"]
    tb, ts = r["baseline"].timeseries, r["scenario"].timeseries
    assert np.allclose(ts["soil_temp_c"] - tb["soil_temp_c"], 2.0, atol=1e-12)
    for col in ("temp_c", "pet_mm", "swe_mm", "spring_mm", "aet_mm"):
        if col in tb.columns:
            assert np.array_equal(ts[col].to_numpy(), tb[col].to_numpy()), col
    q10 = c.hydrotopes[0].params.q10
    ratio = ts["soil_respiration_gc_m2_d"] / tb["soil_respiration_gc_m2_d"]
    assert np.allclose(ratio[tb["soil_respiration_gc_m2_d"] > 0], q10 ** 0.2, rtol=1e-10)
    assert r["scenario"].summary["groundwater_temp_c"] == r["baseline"].summary["groundwater_temp_c"]
    assert s["delta"]["delta_runoff_mm_yr"] == 0.0
    assert s["delta"]["delta_dic_mmol_l"] > 0 and s["indicators"]["change_label"] == "larger sink"
    assert s["indicators"]["zeng_index"] is None and "runoff does not change" in s["indicators"]["zeng_index_note"]
    assert s["delta"]["delta_soil_dic_leaching_tc_km2_yr"] > 0
    for blk in (s["baseline"], s["scenario"]):
        cb = blk["carbon_balance_tc_km2_yr"]
        assert blk["soil_dic_leaching_tc_km2_yr"] == pytest.approx(
            blk["carbon_balance"]["soil_co2_uptake_mmol_m2"] * 12.011e-3 / (blk["period"]["days"] / 365.25),
            rel=1e-3)
        inputs = cb["soil_co2_uptake_tc_km2_yr"] + cb["rock_carbon_recharge_tc_km2_yr"] + \
            cb["rock_carbon_reservoirs_tc_km2_yr"]
        outputs = cb["dic_export_spring_tc_km2_yr"] + cb["dic_export_surface_tc_km2_yr"] + \
            cb["dic_export_other_outlets_tc_km2_yr"]
        assert abs(inputs - outputs - cb["storage_change_tc_km2_yr"]) < 1e-9 * inputs
    # a record of 4 years is shorter than the matrix turnover of this site: the user is told
    assert s["response_time"]["matrix"]["turnover_years"] > 0
    assert any("response time" in w for w in s["warnings"]) == (
        s["response_time"]["record_years_after_change"] < s["response_time"]["response_years"])


def test_a_change_of_nothing_is_no_change(forest_site):
    """A soil improvement by a factor 1 changes nothing: labelled "no change", never "(smaller sink)", and Zeng's
    index is not defined (no change of runoff) instead of NaN."""
    d, c = forest_site
    sc = _scenario(d, "nothing", '[[soil_improvement]]\nland_use = "forest"\nr10_factor = 1.0\n'
                                 '[uncertainty]\nensemble = 0\n')
    s = run_scenario(c, sc, progress=False)["summary"]
    assert abs(s["delta"]["delta_carbon_sink_tc_km2_yr"]) < 1e-10
    assert s["indicators"]["change_label"] == "no change"
    assert s["indicators"]["zeng_index"] is None and s["indicators"]["zeng_index_note"].startswith("not defined")
    assert s["indicators"]["sink_increases"] is False
    assert s["indicators"]["new_state"]["note"] == "no change of the sink" and s["warnings"] == []


def test_change_labels_and_interval_rule():
    from karstmodel.workflows.scenarios.indicators import MIN_MEMBERS_90, change_label, interval as _interval
    assert change_label(5e-7, 1.0) == "no change"  # below 1e-6 of the baseline
    assert change_label(2e-6, 1.0) == "larger sink"
    assert change_label(-0.1, 10.0, {"lo": -0.3, "hi": 0.05}) == "uncertain sign"
    assert change_label(-0.1, 10.0, {"lo": -0.3, "hi": -0.01}) == "smaller sink"
    three = _interval(np.array([3.0, 1.0, 2.0]))
    assert (three["lo"], three["median"], three["hi"]) == (1.0, 2.0, 3.0)
    assert three["coverage"] == pytest.approx(0.5) and "p05" not in three and "range of 3" in three["kind"]
    v = np.arange(1.0, MIN_MEMBERS_90 + 1.0)  # 1..20
    big = _interval(v)
    assert big["p05"] == pytest.approx(1.0 + 0.05 * 19) and big["p95"] == pytest.approx(1.0 + 0.95 * 19)
    assert big["coverage"] == 0.9


def test_time_to_new_state_by_hand():
    from karstmodel.workflows.scenarios.indicators import time_to_new_state
    yrs = range(2000, 2012)
    base = pd.Series([10.0, 12.0, 8.0, 11.0, 9.0, 10.0, 13.0, 10.0, 9.0, 11.0, 10.0, 12.0], index=yrs)
    rel = [1.0, 1.0, 1.04, 1.08, 1.12, 1.16, 1.19, 1.2, 1.2, 1.2, 1.2, 1.2]
    out = time_to_new_state(base, base * pd.Series(rel, index=yrs), 2002)
    # final ratio 1.2; |1.12 - 1.2| > 0.05 in 2004, 1.16 within -> settled from 2005, 3 years after the start
    assert out["reached"] and out["year"] == 2005 and out["years_after_start"] == 3
    still = time_to_new_state(base, base * pd.Series(np.linspace(1.0, 1.6, 12), index=yrs), 2001)
    assert not still["reached"] and still["year"] is None and "not reached" in still["note"]


def test_response_time_of_stores_by_hand():
    """A matrix holding 730.5 mm with 1 mm/d outflow turns over in 2 years; conduits (0.5 mm, 1 mm/d) in days; the
    matrix carries half the spring water, so the catchment answers in 2 years."""
    from karstmodel.workflows.scenarios.indicators import response_time
    ts = pd.DataFrame({"matrix_mm": np.full(10, 730.5), "matrix_out_mm": np.ones(10), "conduit_mm": np.full(10, 0.5),
                       "conduit_out_mm": np.ones(10), "spring_mm": np.full(10, 2.0)})
    rt = response_time(ts)
    assert rt["matrix"]["turnover_years"] == pytest.approx(2.0)
    assert rt["matrix"]["share_of_outflow"] == pytest.approx(0.5)
    assert rt["conduit"]["turnover_years"] == pytest.approx(0.5 / 365.25)
    assert rt["store_response_years"] == pytest.approx(2.0)
    ts["matrix_out_mm"] = 0.05  # a store giving 2.4 % of the spring water does not set the response time
    assert response_time(ts)["store_response_years"] == pytest.approx(0.5 / 365.25)


def test_annual_sink_of_a_river_gauge_is_the_gauge_sink(tmp_path):
    """For ``discharge = "outlet"`` the annual series (figures, time to the new state) is the gauge's sink, the one
    the summary reports: the annual sums over the years reproduce the summary's sink of both runs."""
    synthetic_drivers(days=3 * 365, seed=5).to_csv(tmp_path / "drivers.csv", index=False)
    doc = base_doc(land_use={"cropland": 1.0}, observations={"discharge": "outlet"},
                   lithology={"limestone": 0.6, "dolomite": 0.0, "non_carbonate": 0.4, "allogenic_to_karst": 0.5})
    (tmp_path / "catchment.toml").write_text(toml_text(doc))
    c = load_catchment(tmp_path / "catchment.toml")
    assert c.observations.discharge == "outlet"
    sc = _scenario(tmp_path, "soil", '[[soil_improvement]]\nland_use = "cropland"\nr10_factor = 1.5\n'
                                     'ramp_years = 0\n[uncertainty]\nensemble = 0\n')
    r = run_scenario(c, sc, progress=False)
    years = r["baseline"].summary["period"]["days"] / 365.25
    for key, col in (("baseline", "baseline_tc_km2"), ("scenario", "scenario_tc_km2")):
        gauge = r[key].summary["outlet"]["carbon_sink_tc_km2_yr"]
        assert r[key].summary["carbon_sink_tc_km2_yr"] == gauge
        assert r["annual"][col].sum() / years == pytest.approx(gauge, rel=1e-9)
    assert r["summary"]["indicators"]["change_label"] == "larger sink"


def test_scenario_provenance_hashes_every_input_file(tmp_path):
    """summary.json and report.html of a scenario list the catchment file, drivers, observations, the scenario file,
    its climate projection and the PHREEQC database, each with the SHA-256 of the file (hashlib, independently)."""
    drv = synthetic_drivers(days=3 * 365, seed=5)
    drv.to_csv(tmp_path / "drivers.csv", index=False)
    drv.assign(temp_c=drv["temp_c"] + 1.5).to_csv(tmp_path / "projection.csv", index=False)
    pd.DataFrame({"date": drv["date"], "q_mm_d": 1.0}).to_csv(tmp_path / "observations.csv", index=False)
    doc = base_doc(observations={"file": "observations.csv", "discharge": "spring"})
    (tmp_path / "catchment.toml").write_text(toml_text(doc))
    c = load_catchment(tmp_path / "catchment.toml")
    sc = _scenario(tmp_path, "warmer", '[climate]\nfile = "projection.csv"\n')
    res = run_scenario(c, sc, ensemble=0, progress=False)
    write_scenario(res, tmp_path / "out", figures=False)
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    got = {r["role"]: r for r in s["provenance"]["inputs"]}
    want = {"catchment file": "catchment.toml", "drivers": "drivers.csv", "observations": "observations.csv",
            "scenario file": "warmer.toml", "climate projection": "projection.csv"}
    assert set(got) == set(want)
    html_text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for role, name in want.items():
        f = tmp_path / name
        assert Path(got[role]["path"]) == f.resolve() and got[role]["bytes"] == f.stat().st_size
        assert got[role]["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert got[role]["sha256"] in html_text
    db = s["provenance"]["database"]
    assert db["sha256"] == hashlib.sha256(database_path(c.chemistry.database).read_bytes()).hexdigest()
    assert "matches this file" in db["provenance"] and db["sha256"] in html_text


@pytest.mark.slow
def test_ensemble_in_worker_processes_is_the_ensemble_in_one(forest_site):
    """The ensemble's members run in two spawned processes give the same rows, intervals and annual bands as in
    this process (the workers send back each member's summaries and annual sinks, not its daily tables), and each
    member's row is that of its own two plain runs."""
    from karstmodel.io.drivers import load_drivers
    from karstmodel.model.simulate import simulate
    from karstmodel.workflows.scenarios.ensembles import _apply_member, prior_ensemble
    from karstmodel.workflows.scenarios.run import _annual_sink
    d, c = forest_site
    sc = _scenario(d, "warm_ens", '[climate]\ntemp_delta_c = 1.5\n[uncertainty]\nensemble = 3\nseed = 2\n')
    one = run_scenario(c, sc, progress=False, workers=1)
    two = run_scenario(c, sc, progress=False, workers=2)
    pd.testing.assert_frame_equal(one["ensemble"], two["ensemble"], check_exact=True)
    assert one["summary"]["uncertainty"] == two["summary"]["uncertainty"]
    assert set(one["bands"]) == set(two["bands"])
    for k, v in one["bands"].items():
        if isinstance(v, pd.DataFrame):
            pd.testing.assert_frame_equal(v, two["bands"][k], check_exact=True)
        else:
            assert v == two["bands"][k]
    drv = load_drivers(c.drivers, c.latitude, c.start, c.end)
    m0 = prior_ensemble(c, 3, 2)[0]
    b = simulate(_apply_member(c, m0), drivers=drv, observations=None, with_reaches=False)
    s = simulate(_apply_member(one["catchment"], m0), drivers=climate_drivers(drv, c, sc), observations=None,
                 with_reaches=False)
    row = one["ensemble"].iloc[0]
    assert row["baseline_sink_tc_km2_yr"] == b.summary["carbon_sink_tc_km2_yr"]
    assert row["scenario_sink_tc_km2_yr"] == s.summary["carbon_sink_tc_km2_yr"]
    assert one["bands"] is not None and len(_annual_sink(b)) == len(one["bands"]["baseline"])
