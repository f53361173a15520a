"""Organic amendments and soil carbonate in a whole run: the amendment pool's carbon booked in the carbon balance
(added = decomposed + change of the pool, to 1e-10), the sink raised through the soil CO2 -> DIC path, soil
carbonate lowering soil pCO2 and the sink; and both off by default: a bundled catchment gives bit-identical sinks
and the same tables with a 0 g C m-2 amendment and no soil carbonate."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chemistry.constants import M_C_G_MOL
from karst_helpers import base_doc, bundled_run, run_doc, synthetic_drivers
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.model.simulate import simulate
from karstmodel.processes.changes import OrganicAmendment

SINK_KEYS = ("carbon_sink_tc_km2_yr", "carbon_sink_stoichiometric_tc_km2_yr", "dic_export_tc_km2_yr",
             "carbon_sink_autogenic_tc_km2_yr", "carbon_sink_allogenic_tc_km2_yr")


@pytest.fixture(scope="module")
def crop(tmp_path_factory):
    d = tmp_path_factory.mktemp("amend")
    base = run_doc(d, base_doc(land_use={"cropland": 0.7, "forest": 0.3}), synthetic_drivers(days=3 * 365, seed=2))
    return base.catchment


def test_amendment_pool_is_booked_and_closes(crop):
    am = (OrganicAmendment("cropland", 400.0, ("2002-04-01",)),
          OrganicAmendment("forest", 50.0, every_year="10-15", decay_rate_10c_per_yr=0.5))
    r = simulate(replace(crop, changes=am))
    cb = r.summary["carbon_balance"]
    frac = {h.name: h.fraction for h in crop.hydrotopes}
    added_gc = 400.0 * frac["cropland"] + 50.0 * 3 * frac["forest"]  # every year from the record's start
    assert cb["amendment_input_mmol_m2"] == pytest.approx(added_gc * 1000.0 / M_C_G_MOL, rel=1e-12)
    assert abs(cb["amendment_residual_mmol_m2"]) <= 1e-10 * cb["amendment_input_mmol_m2"]
    assert cb["amendment_pool_change_mmol_m2"] > 0 and cb["amendment_decomposed_mmol_m2"] > 0
    assert cb["relative_error"] < 1e-10
    # the pool in the hydrotope table; its end value is the booked change
    pools = {k: v["amendment_pool_gc_m2"].iloc[-1] for k, v in r.hydrotope_series.items()}
    assert sum(pools[k] * frac[k] for k in frac) * 1000.0 / M_C_G_MOL == pytest.approx(
        cb["amendment_pool_change_mmol_m2"], rel=1e-12)
    # more soil CO2 -> more DIC taken up by recharge -> a larger sink
    base = simulate(crop)
    assert cb["soil_co2_uptake_mmol_m2"] > base.summary["carbon_balance"]["soil_co2_uptake_mmol_m2"]
    assert r.summary["carbon_sink_tc_km2_yr"] > base.summary["carbon_sink_tc_km2_yr"]
    assert r.summary["soil_respiration_gc_m2_yr"] > base.summary["soil_respiration_gc_m2_yr"]


def test_soil_carbonate_lowers_soil_pco2_and_the_sink(crop):
    hyd = tuple(replace(h, params=h.params.with_updates(soil_carbonate_fraction=0.2)) for h in crop.hydrotopes)
    r, base = simulate(replace(crop, hydrotopes=hyd)), simulate(crop)
    for name in ("cropland", "forest"):
        a, b = base.hydrotope_series[name], r.hydrotope_series[name]
        assert b["soil_pco2_ppm"].mean() < a["soil_pco2_ppm"].mean()
        assert b["carbonate_co2_sink_gc_m2_d"].sum() > 0
        # no sink on days without percolation
        assert np.all(b["carbonate_co2_sink_gc_m2_d"][a["recharge_mm"] <= 0] == 0)
    assert r.summary["carbon_sink_tc_km2_yr"] < base.summary["carbon_sink_tc_km2_yr"]
    assert r.summary["carbon_balance_error"] < 1e-10


def test_defaults_unchanged_bundled_catchment():
    """sitter_appenzell with an amendment of 0 g C m-2 and explicitly carbonate-free soils: the same sinks bit for bit
    and the same tables as the bundled run."""
    ref = bundled_run("sitter_appenzell")
    c = load_catchment(resolve_catchment("sitter_appenzell"))
    hyd = tuple(replace(h, params=h.params.with_updates(soil_carbonate_fraction=0.0)) for h in c.hydrotopes)
    r = simulate(replace(c, hydrotopes=hyd, changes=(OrganicAmendment(c.hydrotopes[0].name, 0.0, ("1990-05-01",)),)))
    for k in SINK_KEYS:
        assert r.summary[k] == ref.summary[k], k
    assert r.summary["carbon_balance"]["amendment_input_mmol_m2"] == 0.0
    assert list(r.timeseries.columns) == list(ref.timeseries.columns)
    assert np.array_equal(r.timeseries["dic_mmol_l"].to_numpy(), ref.timeseries["dic_mmol_l"].to_numpy(),
                          equal_nan=True)
    # a run without amendments or soil carbonate keeps its hydrotope tables as they were
    assert all("amendment_pool_gc_m2" not in v and "carbonate_co2_sink_gc_m2_d" not in v
               for v in ref.hydrotope_series.values())
