"""The field-evidence table for land-use interventions (validation/interventions.py) and the model against it.

Rows the model does not reproduce today are xfail(strict=True) with the numbers in the reason: they are the gaps
issue 14 must close, and a fix shows up as an unexpected pass that forces the mark (and the table) to be updated.
"""
from __future__ import annotations

import importlib.util
import math
import re
import sys

import numpy as np
import pytest

from repo_paths import REPO

_PATH = REPO / "validation" / "interventions.py"
_spec = importlib.util.spec_from_file_location("validation_interventions", _PATH)
iv = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = iv  # dataclasses resolve annotations through sys.modules
_spec.loader.exec_module(iv)

ROWS = {r.id: r for r in iv.EVIDENCE}


def test_ids_are_unique_and_categories_known():
    assert len(ROWS) == len(iv.EVIDENCE)
    assert all(r.category in iv.CATEGORIES for r in iv.EVIDENCE)
    assert all(r.id[0].lower() == r.category for r in iv.EVIDENCE)


@pytest.mark.parametrize("row", iv.EVIDENCE, ids=lambda r: r.id)
def test_row_is_complete(row):
    """Every row: a finite value, a known unit, a citation with authors, year in brackets and a journal volume or
    article identifier, the place in the paper, site, climate and lithology."""
    assert math.isfinite(row.value)
    assert row.unit in iv.UNITS
    assert re.match(r"^[A-Z][\w-]+ [A-Z]\.", row.citation), row.citation
    assert re.search(r"\((19|20)\d\d\)", row.citation)
    assert re.search(r"\d+\(\d+\)|\d+, \d+|doi:", row.citation), row.citation
    for text in (row.where, row.site, row.climate, row.lithology, row.quantity, row.intervention, row.uncertainty):
        assert text.strip()
    assert row.kind in ("value", "lower_bound")
    assert row.spread in ("reported", "assumed", "sampling", "none")


@pytest.mark.parametrize("row", iv.EVIDENCE, ids=lambda r: r.id)
def test_band_is_consistent(row):
    if row.kind == "lower_bound":
        assert row.low is None and row.high is None and row.spread == "none"
    elif row.spread == "none":
        assert row.low is None and row.high is None
    else:
        assert row.low <= row.value <= row.high
    if row.spread == "assumed":
        assert "assumed" in row.uncertainty


def test_units_are_consistent_within_a_quantity():
    """Rows measuring the same quantity use the same unit; ratio rows are dimensionless; changes are in %."""
    by_quantity = {}
    for r in iv.EVIDENCE:
        by_quantity.setdefault(r.quantity, set()).add(r.unit)
    assert all(len(units) == 1 for units in by_quantity.values()), by_quantity
    for r in iv.EVIDENCE:
        if re.search(r"\bratio\b", r.quantity):
            assert r.unit == "1", r.id
        if r.quantity.startswith("change"):
            assert r.unit == "%", r.id


def test_derived_ratios_follow_from_their_source_rows():
    """B5/B6 are computed from B1-B4 (same site, depth and year): value = over the mean of the two crops, spread
    = over each crop."""
    crop = (ROWS["B3"].value, ROWS["B4"].value)
    for rid, num in (("B5", ROWS["B2"].value), ("B6", ROWS["B1"].value)):
        r = ROWS[rid]
        assert r.value == pytest.approx(num / (sum(crop) / 2), rel=1e-12)
        assert (r.low, r.high) == pytest.approx((num / max(crop), num / min(crop)), rel=1e-12)
    assert ROWS["B5"].value == pytest.approx(1.604, abs=5e-4)
    assert ROWS["B6"].value == pytest.approx(1.677, abs=5e-4)


def test_every_row_is_modelled_or_says_why_not():
    ids = set(ROWS)
    assert set(iv.MODEL_FUNCTIONS) | set(iv.NOT_MODELLED) == ids
    assert not set(iv.MODEL_FUNCTIONS) & set(iv.NOT_MODELLED)
    assert set(iv.KNOWN_GAPS) <= set(iv.MODEL_FUNCTIONS)


def test_leads_name_what_is_missing():
    assert all(lead.missing.strip() and lead.numbers.strip() and lead.category in iv.CATEGORIES
               for lead in iv.LEADS)


def _model_case(rid):
    marks = ()
    if rid in iv.KNOWN_GAPS:
        marks = (pytest.mark.xfail(strict=True, reason=iv.KNOWN_GAPS[rid]),)
    return pytest.param(rid, marks=marks, id=rid)


@pytest.mark.parametrize("rid", [_model_case(rid) for rid in iv.MODEL_FUNCTIONS])
def test_model_reproduces_measurement(rid):
    """The model's value lies within the measurement's band (reported, or assumed where flagged)."""
    row = ROWS[rid]
    model = iv.model_value(row)
    assert math.isfinite(model)
    assert iv.reproduces(row, model), f"{rid}: model {model:.4g} {row.unit} vs measured {iv._measured_text(row)}"


def test_model_gap_numbers_are_current():
    """The numbers quoted in the xfail reasons are today's model values (so the visible gap is not stale)."""
    assert iv.model_b5() == pytest.approx(1.603, abs=0.006)  # 10-50 cm layer means (the field's depths)
    assert iv.model_b6() == pytest.approx(1.37, abs=0.006)
    # at the base of the soil (what recharge meets) the ratios are those of before the depth-resolved profile
    base = {lu: iv.model_soil_pco2_ppm(lu, "soil_pco2_ppm") for lu in ("forest", "grassland", "cropland")}
    assert base["forest"] / base["cropland"] == pytest.approx(1.70, abs=0.006)
    assert base["grassland"] / base["cropland"] == pytest.approx(1.35, abs=0.006)
    rates = iv.model_rates()  # PWP in series with boundary-layer transport (D1, D2)
    assert rates["allogenic"] == pytest.approx(0.817, abs=0.005) and rates["karst"] == pytest.approx(0.0075, abs=3e-4)
    assert iv.model_d1() == pytest.approx(0.412, abs=0.003) and iv.model_d2() == pytest.approx(108.6, abs=1.0)
    rates = iv.model_rates("pwp")  # surface-controlled alone
    assert rates["allogenic"] == pytest.approx(1.10, abs=0.01) and rates["karst"] == pytest.approx(0.0113, abs=5e-4)
    assert iv.model_c5() == pytest.approx(45.1, abs=0.06)  # soil warmed by 4 C: soil-air CO2 follows production
    assert iv.model_f1() == pytest.approx(11.0, abs=0.06)
    assert min(iv.model_f1_by_land_use().values()) == pytest.approx(7.98, abs=0.006)
    assert iv.model_e4() == pytest.approx(0.035, abs=0.0006)


def test_soil_warming_is_soil_only():
    """C3-C5 warm the soil alone, as the lysimeters' treatment H did: the water balance is untouched (runoff equal to
    the last digit), the efflux rises by the forest Q10 over 4 C (+50.1 %, just above the field's > 50 %), and the
    whole-climate shift the rows used before (air +4 C, hence more PET) gives less: +40.6 %, DIC leaching -10.6 %."""
    base = iv.site_run(iv._FOREST, "temperate", iv.DOLOMITE)
    soil = iv.site_run(iv._FOREST, "temperate", iv.DOLOMITE, soil_warming_c=iv.SOIL_WARMING_C)
    air = iv.site_run(iv._FOREST, "temperate", iv.DOLOMITE, temp_delta_c=4.0)
    assert soil.summary["runoff_mm_yr"] == base.summary["runoff_mm_yr"]
    assert air.summary["runoff_mm_yr"] < 0.9 * base.summary["runoff_mm_yr"]
    assert iv.model_c4() == pytest.approx(50.1, abs=0.06)
    assert iv.model_c3() == pytest.approx(8.1, abs=0.06)
    resp = [float(r.summary["soil_respiration_gc_m2_yr"]) for r in (base, air)]
    assert iv._change_pct(resp[1], resp[0]) == pytest.approx(40.6, abs=0.06)
    assert iv._change_pct(iv._recharge_dic_mmol_m2(air), iv._recharge_dic_mmol_m2(base)) == pytest.approx(-10.6, abs=0.06)


def test_soil_carbonate_sink_numbers():
    """B7: the CO2 consumed by soil carbonate lowers deep-soil pCO2 by 3.9 % on average (3.6-4.4 % by class, more on
    days with percolation), limited by what percolation carries away at calcite equilibrium, so the decrease hardly
    depends on the carbonate content or grain size; the consumption is 1.3-2.0 % of soil respiration."""
    assert iv.model_b7() == pytest.approx(3.9, abs=0.06)
    dec = iv.b7_decreases()
    assert all(3.5 < v["all_days"] < 4.5 < v["percolation_days"] < 9.5 for v in dec.values())
    assert all(0.013 < v["sink_gc_m2_yr"] / v["respiration_gc_m2_yr"] < 0.021 for v in dec.values())
    scarce = iv.b7_decreases(0.001, 10.0)
    assert all(abs(scarce[k]["all_days"] - dec[k]["all_days"]) < 0.25 for k in dec)


def test_amendment_lag_numbers():
    """C1, column-like setting. Without solute residence in the soil (``soil_solute_mixing = "none"``) the extra Ca
    leaving the soil peaks on the day the extra soil CO2 production peaks (the amendment day: first-order decay, k
    0.0107 d-1 at 20 C), its centroid 5.7 d later; the water leaving the soil equilibrates the same day (pCO2
    x2.26, Ca x1.35 on the amendment day). Through a well-mixed store of the soil water (103 mm drained by 3.1 mm/d:
    residence 33.5 d, lambda = 0.0298 d-1) the peak comes 57 d later, where an exponential input exp(-k_e t) into
    a mixing cell peaks at ln(k_e/lambda)/(k_e - lambda) (the convolution of two exponentials): with the decay rate
    of the extra equilibrium Ca, k_e = 0.0093 d-1 (Ca grows slower than pCO2, so its excess decays slower than
    the production's), 56.8 d."""
    lags = iv.amendment_lags(mixing="none")
    assert lags["peak_lag_d"] == 0.0
    assert lags["centroid_lag_d"] == pytest.approx(5.7, abs=0.1)
    base, amended = iv.amendment_runs(mixing="none")
    day = iv.C1_DATE
    assert amended.loc[day, "soil_pco2_ppm"] / base.loc[day, "soil_pco2_ppm"] == pytest.approx(2.26, abs=0.01)
    assert (amended.loc[day, "recharge_ca_mmol_l_carbonate"] / base.loc[day, "recharge_ca_mmol_l_carbonate"]
            == pytest.approx(1.35, abs=0.01))
    pool = amended["amendment_pool_gc_m2"]
    nxt = iv.pd.Timestamp(day) + iv.pd.Timedelta(days=1)
    assert -math.log(pool.loc[nxt] / pool.loc[day]) == pytest.approx(0.0107, abs=1e-4)
    # the soil-water residence time: plant-available water over the day's recharge
    residence = amended.loc[day, "soil_water_mm"] / amended.loc[day, "recharge_mm"]
    assert residence == pytest.approx(33.5, abs=0.5)
    # with the store (the C1 row): the peak against the two-exponential convolution of the extra equilibrium Ca
    mixed = iv.amendment_lags()
    assert iv.C1_SOIL_SOLUTE_MIXING == "soil_water" and iv.model_c1() == mixed["peak_lag_d"] == 57.0
    extra = (amended["recharge_ca_mmol_l_carbonate"] - base["recharge_ca_mmol_l_carbonate"]).loc[day:].iloc[5:121]
    k_e = -np.polyfit(np.arange(5, 121, dtype=float), np.log(extra.to_numpy()), 1)[0]
    lam = 1.0 / residence
    assert k_e == pytest.approx(0.0093, abs=1e-4)
    assert mixed["peak_lag_d"] == pytest.approx(math.log(k_e / lam) / (k_e - lam), abs=1.0)
    assert mixed["centroid_lag_d"] == pytest.approx(35.6, abs=0.1)
    # the same carbonate leaves the soil, later: the extra Ca leaving from the amendment to the end of the record
    # (1,036 d) equals the same-day water's but for what the store still holds at the end
    b1, a1 = iv.amendment_runs()

    def extra_ca(b, a):
        return float((a["recharge_mm"] * (a["recharge_ca_mmol_l_carbonate"] - b["recharge_ca_mmol_l_carbonate"]))
                     .loc[day:].sum())
    assert extra_ca(b1, a1) == pytest.approx(extra_ca(base, amended), rel=1e-4)


def test_reservoir_numbers_and_balance():
    """The comparison reservoir (category e): stratified in the warm season, its deep layer losing O2, burying
    10.5 g C m-2 yr-1 of autochthonous OC (the 10-26 g C m-2 yr-1 estimated for three Guizhou karst reservoirs, a
    lead not yet a row) with a burial efficiency of 21.5 %; carbon balance closed."""
    res = iv.reservoir_run()
    y = iv._reservoir_year(res)
    assert y["oc_burial_g_c_m2_d"] == pytest.approx(10.5, abs=0.1)
    assert iv.model_e1() == pytest.approx(21.5, abs=0.1)
    d = res.reach("reservoir", daily=True).iloc[-365:]
    assert 150 <= int((d["stratified"] > 0.5).sum()) <= 240
    assert d["hypolimnion_do_mg_l"].min() < 0.5 * d["hypolimnion_do_mg_l"].max()
    assert res.balances["carbon"]["relative_residual"] < 1e-10


def test_table_has_one_line_per_row_and_names_unmodelled_rows():
    table = iv.comparison_table().splitlines()
    assert len(table) == 2 + len(iv.EVIDENCE)
    for line, row in zip(table[2:], iv.EVIDENCE):
        assert line.startswith(f"| {row.id} |")
        if row.id in iv.NOT_MODELLED:
            assert "not modelled yet" in line
        else:
            assert "reproduced" in line


def test_soil_co2_mass_concentration_and_dalongdong_forcing():
    """B1-B4 conversion and forcing. Ideal gas by hand: 7,197 mg m-3 at 15 C is p = c R T / M = 7.197 x 8.3145 x
    288.15 / 44.0095 = 391.8 Pa = 3,867 uatm. The rain weights average 1 and put 76 % of a year's rain in
    April-October; the drivers carry 1,450 mm/yr at a mean of 16 C."""
    assert iv.pco2_to_mg_m3(3867.0, 15.0) == pytest.approx(7197.0, rel=2e-4)
    doy = np.arange(1, 366)
    w = iv.seasonal_rain_weights(doy, 0.76, 150)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    assert w[90:304].sum() / w.sum() == pytest.approx(0.76, abs=1e-12)
    assert w.argmax() + 1 == 150
    with pytest.raises(ValueError, match="negative rain weights"):
        iv.seasonal_rain_weights(doy, 0.99, 150)
    d = iv.dalongdong_drivers()
    assert d["precip_mm"].sum() / iv.SITE_YEARS == pytest.approx(1450.0, rel=1e-9)
    assert d["temp_c"].mean() == pytest.approx(16.0, abs=0.3)


def test_dalongdong_soil_co2_levels_are_current():
    """The model's 10-50 cm soil-air CO2 at Dalongdong (mg m-3; subtropical SRDB priors, 500 m, 16 C): the numbers
    the README quotes, and their sensitivity to the assumed elevation and temperature and to the priors."""
    assert iv.model_b1() == pytest.approx(8100.0, abs=10.0)
    assert iv.model_b2() == pytest.approx(8967.0, abs=10.0)
    assert iv.model_b3() == iv.model_b4() == pytest.approx(5199.0, abs=10.0)
    forest = {k: iv.model_soil_co2_mg_m3("forest", r) for k, r in (
        ("300 m", iv.dalongdong_run(elevation_m=300.0)), ("800 m", iv.dalongdong_run(elevation_m=800.0)),
        ("17 C", iv.dalongdong_run(t_mean=17.0)), ("all priors", iv.dalongdong_run("all")))}
    assert forest["300 m"] == pytest.approx(9184.0, abs=10.0)
    assert forest["800 m"] == pytest.approx(8649.0, abs=10.0)
    assert forest["17 C"] == pytest.approx(9170.0, abs=10.0)
    assert forest["all priors"] == pytest.approx(13517.0, abs=15.0)


def test_sinking_stream_wall_retreat_is_current():
    """D3-D5 model side. Without the matrix-conduit exchange, the bundled sitter_appenzell sinking-stream contact
    (PWP in series with transport across the boundary layer) retreats 1.91e-6 m/d while it flows (the Santa Fe
    dissolution periods: ~4e-6), 0.90 of the rate of the water entering it, which is 0.59 of its PWP rate; it flows
    and dissolves on 73 % of days; time-averaged 1.39e-6 m/d = 0.51 mm/yr, and 0.32 mm/yr with the contact air at
    420 ppm. PWP alone: 3.02e-6 m/d while flowing (0.84 of the entry rate), 2.21e-6 time-averaged = 0.81 mm/yr, 0.62
    at 420 ppm. With the exchange the D rows use (EVIDENCE_EXCHANGE): matrix water is 51 % of the water at the wall
    on flowing days, the wall dissolves on 50.0 % of days (Santa Fe: 30 %, 11-59 %), 5.52e-7 m/d time-averaged
    (Santa Fe ~7e-7) = 0.202 mm/yr (0.067 at 420 ppm; PWP alone 0.337)."""
    off = {"exchange_matrix_share": 0.0}
    ret = iv.sinking_stream_retreat(exchange=off)
    assert ret["flowing_m_d"] == pytest.approx(1.907e-6, rel=0.005)
    assert ret["flowing_m_d"] / ret["start_rate_m_d"] == pytest.approx(0.90, abs=0.005)
    assert ret["start_rate_m_d"] / ret["pwp_start_rate_m_d"] == pytest.approx(0.589, abs=0.005)
    assert ret["flow_share"] == pytest.approx(0.731, abs=0.001)
    assert ret["time_averaged_m_d"] == pytest.approx(ret["flowing_m_d"] * ret["flow_share"], rel=0.02)
    assert ret["dissolving_share"] == pytest.approx(ret["flow_share"], abs=5e-4)  # dissolves every day it flows
    assert iv.D3_BAND == pytest.approx((11.02, 58.66), abs=0.01)  # Clopper-Pearson, 5 of 16
    assert ret["time_averaged_m_d"] == pytest.approx(1.394e-6, rel=0.005)
    assert iv.sinking_stream_retreat(420.0, exchange=off)["time_averaged_m_d"] * 365.25e3 == pytest.approx(
        0.317, abs=0.004)
    pwp = iv.sinking_stream_retreat(None, "pwp", exchange=off)
    assert pwp["flowing_m_d"] == pytest.approx(3.02e-6, rel=0.005)
    assert pwp["flowing_m_d"] / pwp["start_rate_m_d"] == pytest.approx(0.84, abs=0.005)
    assert pwp["start_rate_m_d"] == pwp["pwp_start_rate_m_d"] == ret["pwp_start_rate_m_d"]
    assert pwp["time_averaged_m_d"] == pytest.approx(2.21e-6, rel=0.005)
    assert iv.sinking_stream_retreat(420.0, "pwp", exchange=off)["time_averaged_m_d"] * 365.25e3 == pytest.approx(
        0.621, abs=0.004)
    # with the exchange: the stream's own entry rates are unchanged, the wall sees the mixture
    ex = iv.sinking_stream_retreat()
    assert ex["start_rate_m_d"] == ret["start_rate_m_d"] and ex["flow_share"] == ret["flow_share"]
    assert ex["matrix_share_mean"] == pytest.approx(0.511, abs=0.002)
    assert iv.model_d3() == pytest.approx(50.0, abs=0.1)
    assert iv.model_d4() == pytest.approx(5.52e-7, rel=0.005)
    assert iv.model_d5() == pytest.approx(iv.model_d4() * 365.25e3, rel=1e-12)
    assert iv.model_d5() == pytest.approx(0.202, abs=0.002)
    assert iv.model_d5_at(420.0) == pytest.approx(0.067, abs=0.002)
    assert iv.model_d5_at(None, "pwp") == pytest.approx(0.337, abs=0.002)


def test_allochthonous_oc_is_buried_at_the_oxic_refractory_fraction():
    """E2 model side: with 0.3 g C m-2 d-1 (109.6 g C m-2 yr-1) of allochthonous OC on the reservoir bed, the extra
    burial is 0.2 of it (refractory_fraction, independent of O2 exposure), and the burial efficiency of all the OC
    reaching the sediment falls from 21.5 % (E1) to 20.5 %."""
    y = iv._reservoir_year(iv.reservoir_run(allochthonous_oc_g_c_m2_d=iv.E2_ALLOCHTHONOUS_G_C_M2_D))
    alloch_in = iv.E2_ALLOCHTHONOUS_G_C_M2_D * 365.0
    alloch_buried = y["oc_burial_g_c_m2_d"] - y["oc_burial_autochthonous_g_c_m2_d"]
    assert alloch_buried / alloch_in == pytest.approx(0.2, abs=1e-3)
    deposited = y["oc_burial_g_c_m2_d"] + y["sediment_mineralisation_g_c_m2_d"]
    assert alloch_in / deposited == pytest.approx(0.69, abs=0.01)
    assert iv.model_e2() == pytest.approx(20.5, abs=0.1)
