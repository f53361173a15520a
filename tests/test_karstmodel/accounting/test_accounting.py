"""Carbon-sink accounting (karstmodel.accounting.sink): Zeng et al. (2019) eq. 1 by hand, flux mode, the summary's
internal consistency with the daily table, and the land-use behaviour with Zeng's index."""
from __future__ import annotations

import numpy as np
import pytest

import karstmodel
from karst_helpers import base_doc, bundled_run, run_doc, synthetic_drivers
from karstmodel.accounting.sink import sink_flux, sink_from_observations, tc_to_tco2, zeng_index


def test_sink_flux_worked_example():
    """Zeng et al. (2019) eq. 1: R = 0.5 m/yr, DIC = 3.6 mmol/L -> 0.5 x 12 x 0.5 x 3.6 = 10.8 t C km-2 yr-1 (the
    published 12 g/mol)."""
    m = 1.0
    assert float(karstmodel.sink_flux(0.5, 3.6)) == pytest.approx(10.8 * m, rel=1e-15)
    np.testing.assert_allclose(sink_flux([0.5, 1.0, 0.0], [3.6, 2.0, 4.0]), np.array([10.8, 12.0, 0.0]) * m,
                               rtol=1e-15)
    np.testing.assert_allclose(sink_flux(np.array([[0.2], [0.4]]), np.array([1.0, 2.0])),
                               np.array([[1.2, 2.4], [2.4, 4.8]]) * m, rtol=1e-15)  # broadcast


def test_tc_to_tco2():
    assert float(tc_to_tco2(12.0111)) == pytest.approx(12.0111 + 2 * 16.0, rel=1e-15)  # phreeqc.dat C and O
    assert float(tc_to_tco2(1.0)) == pytest.approx(3.664, abs=1e-3)


def test_zeng_index_by_hand():
    """DIC 3.0 -> 3.3 (a = +0.1), runoff 500 -> 450 mm (b = +0.1): I = 0.1 / (-0.1) = -1; (1 + a)(1 - b) = 0.99 < 1,
    and indeed R x DIC falls from 1500 to 1485."""
    index, product, larger = zeng_index(3.0, 3.3, 500.0, 450.0)
    assert float(index) == pytest.approx(-1.0, rel=1e-12)
    assert float(product) == pytest.approx(0.99, rel=1e-12)
    assert not bool(larger)
    assert float(product) == pytest.approx((450 * 3.3) / (500 * 3.0), rel=1e-12)
    index, product, larger = zeng_index(3.0, 3.6, 500.0, 450.0)  # a = 0.2: 1.2 x 0.9 = 1.08 > 1
    assert float(index) == pytest.approx(-2.0, rel=1e-12) and float(product) == pytest.approx(1.08, rel=1e-12)
    assert bool(larger)


def test_sink_from_observations_by_hand():
    """Flux mode: R = mean(q) x 86400 x 365.25 / A, DIC weighted by q; NaN pairs skipped."""
    q = np.array([0.10, 0.30, np.nan, 0.20, 0.40])  # m3/s
    dic = np.array([4.0, 3.0, 5.0, np.nan, 2.5])  # mmol/L
    area = 2.5  # km2
    r = (0.10 + 0.30 + 0.40) / 3 * 86400 * 365.25 / 2.5e6  # m/yr over the days with both values
    d = (0.10 * 4.0 + 0.30 * 3.0 + 0.40 * 2.5) / (0.10 + 0.30 + 0.40)
    out = sink_from_observations(q, dic, area)
    assert out["runoff_m_yr"] == pytest.approx(r, rel=1e-12)
    assert out["dic_mmol_l"] == pytest.approx(d, rel=1e-12)
    assert out["carbon_sink_tc_km2_yr"] == pytest.approx(0.5 * 12.0 * r * d, rel=1e-12)
    assert r == pytest.approx(3.366144, rel=1e-7) and d == pytest.approx(2.875, rel=1e-12)
    with pytest.raises(ValueError):
        sink_from_observations([np.nan], [1.0], 1.0)


# ------------------------------------------------------------------------------------------------------------
def test_summary_consistent_with_timeseries():
    res = bundled_run("kerschbaum")
    s, ts = res.summary, res.timeseries
    years = len(ts) / 365.25
    q = ts["spring_mm"]
    dic_fw = float((q * ts["dic_mmol_l"]).sum() / q.sum())
    dic_c_fw = float((q * ts["dic_carbonic_mmol_l"]).sum() / q.sum())
    runoff = float(q.sum() / years)
    assert s["runoff_mm_yr"] == pytest.approx(runoff, rel=1e-12)
    assert s["dic_mmol_l_flow_weighted"] == pytest.approx(dic_fw, rel=1e-9)
    assert s["carbon_sink_tc_km2_yr"] == pytest.approx(0.5 * 12.0 * runoff / 1000 * dic_c_fw, rel=1e-9)
    area = res.catchment.area_km2
    assert s["carbon_sink_t_co2_yr"] == pytest.approx(s["carbon_sink_tc_km2_yr"] * area * 44.0111 / 12.0111, rel=1e-12)
    # the daily sink column adds up to the annual sink, and the per-source attribution closes
    assert ts["carbon_sink_tc_km2_d"].sum() / years == pytest.approx(s["carbon_sink_tc_km2_yr"], rel=1e-9)
    by_source = s["carbon_sink_by_source_tc_km2_yr"]
    assert set(by_source) == {"urban", "grassland", "forest", "forest_deep_soil", "allogenic"}
    assert sum(by_source.values()) == pytest.approx(s["carbon_sink_tc_km2_yr"], rel=1e-9)
    assert by_source["allogenic"] == 0.0  # no non-carbonate area at Kerschbaum
    for name in ("forest", "forest_deep_soil", "grassland", "urban"):
        assert by_source[name] > 0.0
    assert s["carbonic_share_of_dic"] == pytest.approx(1.0, abs=1e-12)  # no acid inputs
    assert s["period"]["start"] == "2001-01-01" and s["chemistry_backend"] == "native"
    assert "phreeqc.dat" in s["database"]


def test_flux_mode_block_consistent_with_timeseries():
    """Flux mode on Kerschbaum: observed discharge x modelled carbonic DIC weighted by observed discharge."""
    res = bundled_run("kerschbaum")
    fm, ts = res.summary["flux_mode"], res.timeseries
    ok = ts["q_obs_mm"].notna()
    q_obs = ts.loc[ok, "q_obs_mm"]
    r = float(q_obs.mean() * 365.25)
    d = float((q_obs * ts.loc[ok, "dic_carbonic_mmol_l"]).sum() / q_obs.sum())
    assert fm["days_with_observations"] == int(ok.sum()) == 5007
    assert fm["runoff_obs_mm_yr"] == pytest.approx(r, rel=1e-12)
    assert fm["dic_carbonic_mmol_l"] == pytest.approx(d, rel=1e-12)
    assert fm["carbon_sink_tc_km2_yr"] == pytest.approx(0.5 * 12.0 * r / 1000 * d, rel=1e-12)
    # the public flux-mode function gives the same from m3/s
    alt = sink_from_observations(ts["q_obs_m3_s"], ts["dic_carbonic_mmol_l"], res.catchment.area_km2)
    assert alt["carbon_sink_tc_km2_yr"] == pytest.approx(fm["carbon_sink_tc_km2_yr"], rel=1e-9)
    # observed discharge: the station's q_m3_s (first row: 0.03321 m3/s) over the catchment area, in mm/d
    assert ts["q_obs_mm"].iloc[0] == pytest.approx(0.03321 * 86.4 / res.catchment.area_km2, rel=1e-12)


# ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def land_use_pair(tmp_path_factory):
    """The same synthetic catchment (3 years, limestone) under cropland and under forest."""
    drv = synthetic_drivers(days=3 * 365, seed=2)
    base = tmp_path_factory.mktemp("landuse")
    crop = run_doc(base / "crop", base_doc(land_use={"cropland": 1.0}), drv)
    forest = run_doc(base / "forest", base_doc(land_use={"forest": 1.0}), drv)
    c, f = crop.summary, forest.summary
    print(f"\nland use cropland -> forest: soil pCO2 {c['soil_co2']['cropland']['pco2_ppm_mean']:.0f} -> "
          f"{f['soil_co2']['forest']['pco2_ppm_mean']:.0f} ppm, spring DIC {c['dic_mmol_l_flow_weighted']:.3f} -> "
          f"{f['dic_mmol_l_flow_weighted']:.3f} mmol/L, runoff {c['runoff_mm_yr']:.1f} -> {f['runoff_mm_yr']:.1f} mm/yr, "
          f"sink {c['carbon_sink_tc_km2_yr']:.2f} -> {f['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1")
    return crop, forest


def test_forest_lowers_runoff(land_use_pair):
    """More interception (2 vs 0.5 mm), a larger root zone (150 vs 110 mm) and kc 1.0 vs 0.85: less runoff."""
    crop, forest = land_use_pair
    r0, r1 = crop.summary["runoff_mm_yr"], forest.summary["runoff_mm_yr"]
    assert r1 < 0.95 * r0, f"runoff cropland {r0:.1f} -> forest {r1:.1f} mm/yr"
    assert forest.summary["aet_mm_yr"] > crop.summary["aet_mm_yr"] + 30.0


def test_forest_raises_soil_pco2(land_use_pair):
    """docs/science.md (soil CO2, sink): more vegetation -> more soil CO2 (Shawan: the sink rises with vegetation
    cover; cultivated land -> forest raises the sink by 5.7-24 t km-2 yr-1)."""
    crop, forest = land_use_pair
    p0 = crop.summary["soil_co2"]["cropland"]["pco2_ppm_mean"]
    p1 = forest.summary["soil_co2"]["forest"]["pco2_ppm_mean"]
    assert p1 > 1.1 * p0, (
        f"converting cropland to forest gives mean soil pCO2 {p0:.0f} -> {p1:.0f} ppm; expected a rise of > 10 % "
        f"(more respiration under forest: R10 and Q10 of the SRDB priors; see karstmodel/landuse.py)")


def test_forest_raises_spring_dic(land_use_pair):
    crop, forest = land_use_pair
    d0 = crop.summary["dic_mmol_l_flow_weighted"]
    d1 = forest.summary["dic_mmol_l_flow_weighted"]
    assert d1 > 1.02 * d0, (f"converting cropland to forest gives spring DIC {d0:.3f} -> {d1:.3f} mmol/L; expected "
                            "a rise of > 2 % (follows from the soil pCO2, see test_forest_raises_soil_pco2)")


def test_zeng_index_between_the_two_runs(land_use_pair):
    """Zeng's index and the exact criterion from the two summaries, by hand; without acid inputs
    (1 + a)(1 - b) is exactly the ratio of the two sinks."""
    crop, forest = land_use_pair
    c, f = crop.summary, forest.summary
    a = (f["dic_mmol_l_flow_weighted"] - c["dic_mmol_l_flow_weighted"]) / c["dic_mmol_l_flow_weighted"]
    b = -(f["runoff_mm_yr"] - c["runoff_mm_yr"]) / c["runoff_mm_yr"]
    index, product, larger = karstmodel.zeng_index(c["dic_mmol_l_flow_weighted"], f["dic_mmol_l_flow_weighted"],
                                                   c["runoff_mm_yr"], f["runoff_mm_yr"])
    print(f"Zeng index I = {float(index):.4f}, (1 + a)(1 - b) = {float(product):.4f} (a = {a:.4f}, b = {b:.4f})")
    assert float(index) == pytest.approx(a / -b, rel=1e-12)
    assert float(product) == pytest.approx((1 + a) * (1 - b), rel=1e-12)
    ratio = f["carbon_sink_tc_km2_yr"] / c["carbon_sink_tc_km2_yr"]
    assert float(product) == pytest.approx(ratio, rel=1e-9)
    assert bool(larger) == (f["carbon_sink_tc_km2_yr"] > c["carbon_sink_tc_km2_yr"])
