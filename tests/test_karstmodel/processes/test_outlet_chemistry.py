"""River-gauge chemistry (karstmodel.processes.outlet), calcareous non-carbonate recharge, chemistry observations on a daily
index, and the C-Q benchmark (karstmodel.workflows.chemistry_validation): each against an independent reference (PHREEQC,
analytic limits, mass balance, numpy least squares, hand-computed stoichiometry)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from karstmodel.workflows import chemistry_validation as CV
from karstmodel.processes import dissolution, outlet
from karstmodel.workflows.calibration import load_station_observations, simulated_column
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.model.simulate import simulate

from karst_helpers import base_doc, synthetic_drivers, write_catchment


def test_stream_temperature_is_the_trailing_weekly_mean():
    air = np.arange(20, dtype=float) - 3.0  # a ramp crossing 0 C
    t = outlet.stream_temperature(air)
    w = outlet.STREAM_TEMP_WINDOW_D
    for i in range(20):
        ref = max(np.mean(air[max(0, i - w + 1): i + 1]), 0.0)
        assert t[i] == pytest.approx(ref, abs=1e-12)


def test_solute_routing_conserves_mass_per_component():
    rng = np.random.default_rng(3)
    raw = rng.random((50, 4))
    uh = np.array([0.2, 0.5, 0.3])
    pend0 = rng.random((2, 4))
    out, pend = outlet.route_solutes(raw, uh, pend0)
    np.testing.assert_allclose(out.sum(axis=0) + pend.sum(axis=0), raw.sum(axis=0) + pend0.sum(axis=0), rtol=1e-13)
    # day 0 receives uh[0] of its own input plus what was pending
    np.testing.assert_allclose(out[0], 0.2 * raw[0] + pend0[0], rtol=1e-13)


def _water(n=3):
    """Hard karst waters (mmol/L) at calcite equilibrium with soil air (pCO2 10^-1.8 atm) plus strong ions."""
    eq = chemistry.equilibrate(np.full(n, 10.0), 10 ** -1.8, mineral="calcite", system="open")
    conc = np.zeros((n, dissolution.N_BASE))
    conc[:, dissolution.IDX["ca"]] = eq["ca_mmol_kgw"].to_numpy()
    conc[:, dissolution.IDX["dic"]] = eq["dic_mmol_kgw"].to_numpy()
    return conc, eq


@pytest.mark.phreeqc
def test_degassing_keeps_ca_and_alkalinity_and_reaches_the_river_pco2_phreeqc():
    conc, eq = _water()
    q = np.ones(3)
    air = np.array([10.0, 10.0, 10.0])  # gauge temperature 10 C (trailing mean of a constant)
    g = outlet.gauge_chemistry(conc * q[:, None], q, air, 2400.0)
    i = dissolution.IDX
    np.testing.assert_allclose(g["conc_gauge"][:, i["ca"]], conc[:, i["ca"]], rtol=1e-14)
    np.testing.assert_allclose(g["alk_meq_kgw"], eq["alk_meq_kgw"].to_numpy(), rtol=1e-6)
    lost = conc[:, i["dic"]] - g["conc_gauge"][:, i["dic"]]
    assert np.all(lost > 0.2)  # groundwater at 10^-1.8 atm loses CO2 towards 2400 ppm
    np.testing.assert_allclose(g["degassed_mmol_m2"], lost * q, rtol=1e-12)  # booked CO2 = DIC lost
    # independent reference: PHREEQC speciation of the gauge water (pH, alkalinity, Ca) gives the river pCO2
    samples = pd.DataFrame({"temp_c": 10.0, "ph": g["ph"], "alk_meq_l": g["alk_meq_kgw"],
                            "ca_mg_l": g["conc_gauge"][:, i["ca"]] * 40.078})
    ph = chemistry.speciate(samples, backend="phreeqc")
    np.testing.assert_allclose(ph["log_pco2"].to_numpy(), np.log10(2400e-6), atol=2e-3)
    np.testing.assert_allclose(ph["dic_mmol_l"].to_numpy(), g["conc_gauge"][:, i["dic"]], rtol=3e-3)


def test_no_exchange_leaves_the_mixed_water_unchanged():
    conc, _ = _water()
    q = np.array([1.0, 2.0, 0.5])
    g = outlet.gauge_chemistry(conc * q[:, None], q, np.full(3, 8.0), None)
    np.testing.assert_allclose(g["conc_gauge"], conc, rtol=1e-14)
    assert np.all(g["degassed_mmol_m2"] == 0.0)


@pytest.fixture(scope="module")
def calcareous_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("calc")
    doc = base_doc(lithology={"limestone": 0.4, "dolomite": 0.0, "non_carbonate": 0.6, "allogenic_to_karst": 0.0,
                              "non_carbonate_calcareous": 1.0},
                   observations=None)
    doc["chemistry"] = {"outlet_pco2_ppm": 2000.0}
    path = write_catchment(root / "c", doc, synthetic_drivers(days=500, seed=5))
    return simulate(load_catchment(path))


def test_calcareous_recharge_is_at_calcite_equilibrium_with_soil_air(calcareous_run):
    r = calcareous_run
    # a fully calcareous non-carbonate area: its recharge Ca equals the open-system calcite equilibrium of the
    # allogenic start water at the soil pCO2 (chemistry core solved directly, not the interpolation tables)
    ts = r.timeseries
    pco2 = ts[[c for c in ts.columns if c.startswith("soil_pco2_ppm_")][0]].to_numpy()[200:210] * 1e-6
    tsoil = ts["soil_temp_c"].to_numpy()[200:210]
    aw = r.catchment.allogenic_water
    water = {f"{k}_mmol_kgw": getattr(aw, f"{k}_mmol_l") for k in ("ca", "mg", "na", "k", "cl", "so4")}
    eq = chemistry.equilibrate(tsoil, pco2, mineral="calcite", system="open", water=water)
    from karstmodel.processes.dissolution import recharge_chemistry
    c = r.catchment
    rch = recharge_chemistry(tsoil, pco2[:, None], c.hydrotopes, c.lithology, c.chemistry, c.acids, aw)
    np.testing.assert_allclose(rch["allogenic"][:, 0, dissolution.IDX["ca"]], eq["ca_mmol_kgw"].to_numpy(),
                               rtol=2e-4)


def test_gauge_budget_closes_and_sink_is_at_the_gauge(calcareous_run):
    s = calcareous_run.summary
    o = s["outlet"]
    assert o["relative_error"] < 1e-12
    assert o["co2_degassed_mmol_m2"] > 0
    # delivered = past the gauge + degassed + change in transit
    assert o["dic_delivered_mmol_m2"] == pytest.approx(
        o["dic_past_gauge_mmol_m2"] + o["co2_degassed_mmol_m2"] + o["dic_in_transit_change_mmol_m2"], rel=1e-12)
    # Zeng eq. 1 at the gauge from its own flow-weighted numbers
    ref = 0.5 * 12.0 * o["runoff_mm_yr"] / 1000.0 * o["dic_carbonic_mmol_l_flow_weighted"]
    assert o["carbon_sink_tc_km2_yr"] == pytest.approx(ref, rel=1e-12)


@pytest.mark.phreeqc
def test_weekly_samples_on_a_daily_index(tmp_path):
    dates = pd.date_range("2010-01-01", periods=30, freq="D")
    obs = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "q_m3_s": np.linspace(1.0, 2.0, 30)})
    for col in ("temp_c", "ph", "alk_meq_l", "ca_mg_l", "no3_mg_l"):
        obs[col] = ""
    week = [3, 10, 17, 24]
    obs.loc[week, "temp_c"] = ["8.0", "8.5", "9.0", "9.5"]
    obs.loc[week, "ph"] = ["7.9", "7.95", "8.0", "7.85"]
    obs.loc[week, "alk_meq_l"] = ["4.1", "4.0", "4.2", "3.9"]
    obs.loc[week, "ca_mg_l"] = ["100", "102", "104", "98"]
    obs.loc[week, "no3_mg_l"] = ["<0.5", "30", "31", "29"]
    d = synthetic_drivers(start="2010-01-01", days=30)
    path = write_catchment(tmp_path / "w", base_doc(observations={"file": "observations.csv",
                                                                  "discharge": "outlet"},
                                                    simulation={"warmup_days": 0}), d)
    obs.to_csv(path.parent / "observations.csv", index=False)
    c = load_catchment(path)
    o = load_station_observations(c, pd.DatetimeIndex(dates))
    assert o["q_obs_m3_s"].notna().sum() == 30
    assert o["ca_mmol_l"].notna().sum() == 4 and o["dic_mmol_l"].notna().sum() == 4
    np.testing.assert_allclose(o["ca_mmol_l"].dropna().to_numpy(), np.array([100, 102, 104, 98]) / 40.078, rtol=1e-12)
    assert o["no3_mg_l"].iloc[3] == pytest.approx(0.25)  # '<0.5': half the detection limit
    # DIC of a sample from its alkalinity, pH and temperature: PHREEQC as the reference
    ref = chemistry.speciate(pd.DataFrame({"temp_c": [8.0], "ph": [7.9], "alk_meq_l": [4.1], "ca_mg_l": [100.0],
                                           "no3_mg_l": [0.25]}), backend="phreeqc")
    assert o["dic_mmol_l"].iloc[3] == pytest.approx(ref["dic_mmol_l"].iloc[0], rel=2e-4)
    assert simulated_column(c, "dic_mmol_l") == "outlet_dic_mmol_l"


def test_cq_slope_and_rating_benchmark_against_least_squares():
    rng = np.random.default_rng(7)
    idx = pd.date_range("2009-01-01", periods=800, freq="D")
    q = np.exp(rng.normal(0.5, 0.8, 800))
    conc = 4.0 * q ** -0.08 * np.exp(rng.normal(0, 0.03, 800))
    obs = np.full(800, np.nan)
    obs[::7] = conc[::7]
    b_ref, a_ref = np.polyfit(np.log(q[::7]), np.log(conc[::7]), 1)
    s = CV.cq_slope(q, obs)
    assert s["b"] == pytest.approx(b_ref, abs=1e-12)
    periods = {"calibration": (idx[0], idx[399]), "validation": (idx[400], idx[-1])}
    bench = CV.rating_benchmark(idx, q, {"dic_mmol_l": obs}, periods)
    cal = np.zeros(800, bool)
    cal[:400] = True
    cal &= np.isfinite(obs)
    b1, a1 = np.polyfit(np.log(q[cal]), np.log(obs[cal]), 1)
    assert bench["rating"]["dic_mmol_l"]["b"] == pytest.approx(b1, abs=1e-12)
    smear = np.mean(np.exp(np.log(obs[cal]) - (a1 + b1 * np.log(q[cal]))))
    pred = np.exp(a1 + b1 * np.log(q)) * smear
    val = np.isfinite(obs) & (np.arange(800) >= 400)
    pbias = 100 * (pred[val].sum() - obs[val].sum()) / obs[val].sum()
    assert bench["validation"]["dic_mmol_l"]["pbias"] == pytest.approx(pbias, abs=1e-9)


def test_acid_stoichiometry_by_hand():
    obs = pd.DataFrame({"dic_mmol_l": [4.0], "ca_mg_l": [2.5 * 40.078], "mg_mg_l": [0.2 * 24.305],
                        "so4_mg_l": [0.4 * 96.06], "no3_mg_l": [0.3 * 62.004], "alk_meq_l": [3.9]},
                       index=pd.DatetimeIndex(["2010-01-01"]))
    a = CV.acid_stoichiometry(obs)
    assert a["ca_mg_meq_l"] == pytest.approx(5.4, rel=1e-12)
    assert a["alk_2so4_no3_meq_l"] == pytest.approx(3.9 + 0.8 + 0.3, rel=1e-12)
    assert a["carbonic_share_lower_bound"] == pytest.approx((4.0 - 0.8 - 0.3) / 4.0, rel=1e-12)


def test_staged_calibration_recovers_soil_respiration_from_chemistry(tmp_path):
    """Twin experiment: observations made by the model with soil respiration x 2 at the gauge; the staged
    calibration (discharge first, then the chemistry parameter against q + DIC + Ca) finds that scale again."""
    from karstmodel.workflows.calibration import calibrate, setup_from_catchment
    from karstmodel.config.parameters import apply_parameters
    doc = base_doc(lithology={"limestone": 0.6, "dolomite": 0.0, "non_carbonate": 0.4, "allogenic_to_karst": 0.2,
                              "non_carbonate_calcareous": 1.0},
                   observations={"file": "observations.csv", "discharge": "outlet"},
                   simulation={"warmup_days": 200})
    doc["chemistry"] = {"outlet_pco2_ppm": 2500.0}
    path = write_catchment(tmp_path / "twin", doc, synthetic_drivers(days=640, seed=11))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('\n[calibration]\ncalibration_period = "2001-08-01:2002-03-31"\n'
                 'validation_period = "2002-04-01:2002-09-30"\nseed = 3\nmaxiter = 4\npopsize = 5\n'
                 '[calibration.weights]\nq = 1.0\ndic_mmol_l = 1.0\nca_mmol_l = 1.0\n'
                 '[calibration.parameters]\n"snow.melt_factor_mm_c_d" = {min = 3.0, max = 5.0}\n'
                 '[calibration.chemistry_parameters]\n'
                 '"hydrotopes.*.r10_gc_m2_d_scale" = {min = 0.5, max = 4.0, transform = "log"}\n')
    d = synthetic_drivers(days=640, seed=11)
    pd.DataFrame({"date": d["date"], "q_mm_d": 1.0}).to_csv(path.parent / "observations.csv", index=False)
    c = load_catchment(path)
    truth = simulate(apply_parameters(c, {"hydrotopes.*.r10_gc_m2_d_scale": 2.0}), observations=None).timeseries
    obs = pd.DataFrame({"date": truth.index.strftime("%Y-%m-%d"), "q_mm_d": truth["outlet_runoff_mm"].round(6)})
    weekly = np.zeros(len(truth), bool)
    weekly[::7] = True
    obs["temp_c"] = np.where(weekly, truth["outlet_temp_c"], np.nan)
    obs["ph"] = np.where(weekly, truth["outlet_ph"], np.nan)
    obs["alk_meq_l"] = np.where(weekly, truth["outlet_alk_meq_l"], np.nan)
    obs["ca_mg_l"] = np.where(weekly, truth["outlet_ca_mmol_l"] * 40.078, np.nan)
    obs.to_csv(path.parent / "observations.csv", index=False)
    c = load_catchment(path)
    setup = setup_from_catchment(c, c.calibration)
    res = calibrate(c, setup, progress=False)
    assert [s["stage"] for s in res.stages] == [1, 2]
    # DIC goes with about the cube root of soil pCO2: the weekly samples pin the scale to ~10 %
    assert res.parameters["hydrotopes.*.r10_gc_m2_d_scale"] == pytest.approx(2.0, rel=0.10)
    # the DIC level it implies on the validation samples: within the 5 % that matters for a sink linear in DIC
    assert abs(res.metrics["validation"]["dic_mmol_l"]["pbias"]) < 5.0


@pytest.mark.slow
def test_evenlode_beats_the_rating_curve_with_the_dic_level_right(tmp_path):
    """Station data as the reference: the bundled, calibrated Evenlode against the CEH weekly samples 2009-2013. On
    the validation samples the process model's KGE of DIC and Ca is at least the C-Q rating's (fitted on the
    calibration samples) and |PBIAS| <= 5 %; the samples' strong-acid stoichiometry matches the model's carbonic share
    of DIC within 0.05; balances close."""
    from karstmodel.workflows.report import validate_catchment
    c = load_catchment(resolve_catchment("evenlode_cassington"))
    s = validate_catchment(c, tmp_path / "v", figures=False)
    for v in ("dic_mmol_l", "ca_mmol_l"):
        m, b = s["metrics"]["validation"][v], s["benchmark"]["validation"][v]
        assert m["kge"] >= b["kge"]
        assert abs(m["pbias"]) <= 5.0
        assert m["n"] >= 100
    assert s["metrics"]["validation"]["q"]["kge"] > 0.85
    acids = s["strong_acids"]
    assert acids["model_carbonic_share_of_dic"] == pytest.approx(acids["samples"]["carbonic_share_lower_bound"],
                                                                  abs=0.05)
    assert s["water_balance_error"] < 1e-12 and s["carbon_balance_error"] < 1e-12
    assert s["outlet"]["relative_error"] < 1e-12


@pytest.mark.phreeqc
def test_alkalinity_units_give_the_same_dic(tmp_path):
    """The same water written with alkalinity in meq/L and in mg/L as CaCO3 (50.05 mg per meq: the gram formula
    weight of alkalinity as Ca0.5(CO3)0.5 in the pinned phreeqc.dat) gives the same observed DIC; both match
    PHREEQC."""
    from karstmodel.io.observations import load_chemistry_observations
    rows = {"date": ["2010-01-05", "2010-01-12"], "temp_c": [8.0, 12.0], "ph": [7.9, 8.05], "ca_mg_l": [100.0, 95.0]}
    a = pd.DataFrame({**rows, "alk_meq_l": [4.1, 3.8]})
    b = pd.DataFrame({**rows, "alk_mg_l_caco3": [4.1 * 50.05, 3.8 * 50.05]})
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    da = load_chemistry_observations(tmp_path / "a.csv")["dic_mmol_l"].to_numpy()
    db = load_chemistry_observations(tmp_path / "b.csv")["dic_mmol_l"].to_numpy()
    np.testing.assert_allclose(da, db, rtol=1e-6)  # the solver tolerance (1e-8 on the residuals)
    ref = chemistry.speciate(a.drop(columns="date"), backend="phreeqc")["dic_mmol_l"].to_numpy()
    np.testing.assert_allclose(da, ref, rtol=2e-4)
