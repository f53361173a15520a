"""The allogenic area with its own land use and soils ([allogenic_land_use]): hydrotopes on one rock, equivalence
with the mixed hydrotopes when both areas have the same land use, the fused water pass of calibration on such a
catchment, the written file reproducing it, old files unchanged, and the reader's errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import CatchmentError, catchment_to_dict, load_catchment
from karstmodel.model.simulate import simulate
from karstmodel.model.water_pass import PreparedDrivers, discharge
from karstmodel.model.simulate import simulate_water

LITH = {"limestone": 0.6, "dolomite": 0.0, "non_carbonate": 0.4, "allogenic_to_karst": 0.8}
DAYS = 2 * 365


def _load(tmp_path, land_use, allogenic=None, name="c"):
    doc = base_doc(land_use=land_use, lithology=LITH)
    if allogenic is not None:
        doc["allogenic_land_use"] = allogenic
    d = tmp_path / name
    d.mkdir()
    return load_catchment(write_catchment(d, doc, synthetic_drivers(days=DAYS)))


def test_hydrotopes_on_one_rock(tmp_path):
    c = _load(tmp_path, {"cropland": 0.7, "grassland": 0.3}, {"forest": 0.75, "grassland": 0.25})
    got = {(h.name, h.rock): round(h.fraction, 12) for h in c.hydrotopes}
    assert got == {("cropland", "carbonate"): 0.42, ("grassland", "carbonate"): 0.18,
                   ("allogenic_forest", "non_carbonate"): 0.3, ("allogenic_grassland", "non_carbonate"): 0.1}
    old = _load(tmp_path, {"cropland": 0.7, "grassland": 0.3}, name="old")
    assert all(h.rock == "mixed" for h in old.hydrotopes)


def test_same_land_use_on_both_rocks_equals_the_mixed_hydrotope(tmp_path):
    """One class over both rocks as one mixed hydrotope, or as a carbonate and an allogenic hydrotope of the same
    class: the same water and carbon (the split of one hydrotope's recharge by the lithology is linear)."""
    mixed = simulate(_load(tmp_path, {"grassland": 1.0}, name="mixed"))
    split = simulate(_load(tmp_path, {"grassland": 1.0}, {"grassland": 1.0}, name="split"))
    for key in ("spring_mm", "dic_mmol_l"):
        np.testing.assert_allclose(split.timeseries[key].to_numpy(), mixed.timeseries[key].to_numpy(), rtol=1e-9,
                                   err_msg=key)
    assert split.summary["carbon_sink_tc_km2_yr"] == pytest.approx(mixed.summary["carbon_sink_tc_km2_yr"], rel=1e-9)


def test_the_allogenic_land_use_changes_the_allogenic_water(tmp_path):
    """Forest instead of bare soil on the allogenic area: more soil CO2 in the allogenic recharge and less of it
    (more ET); the karst sink changes while the carbonate area is the same."""
    bare = simulate(_load(tmp_path, {"grassland": 1.0}, {"bare_soil": 1.0}, name="bare"))
    forest = simulate(_load(tmp_path, {"grassland": 1.0}, {"forest": 1.0}, name="forest"))
    p_bare = bare.hydrotope_series["allogenic_bare_soil"]["soil_pco2_ppm"].mean()
    p_forest = forest.hydrotope_series["allogenic_forest"]["soil_pco2_ppm"].mean()
    assert p_forest > 1.5 * p_bare
    assert forest.summary["carbon_sink_tc_km2_yr"] != pytest.approx(bare.summary["carbon_sink_tc_km2_yr"], rel=1e-3)
    for r in (bare, forest):
        assert r.summary["water_balance"]["relative_error"] < 1e-9
        assert r.summary["carbon_balance"]["relative_error"] < 1e-9


def test_fused_water_pass_on_allogenic_hydrotopes(tmp_path):
    c = _load(tmp_path, {"cropland": 0.5, "forest": 0.5}, {"forest": 0.4, "grassland": 0.6})
    raw = synthetic_drivers(days=DAYS, seed=5)
    data = raw.set_index(pd.DatetimeIndex(raw.pop("date")))
    data["pet_mm"] = np.maximum(0.0, 0.2 + 0.12 * data["temp_c"])
    ref = simulate_water(c, data)
    got = discharge(c, PreparedDrivers.from_frame(data), data)
    for key in ("spring_mm", "outlet_mm"):
        np.testing.assert_allclose(got[key], getattr(ref, key), rtol=1e-10, atol=1e-300, err_msg=key)


def test_written_file_reproduces_the_hydrotopes(tmp_path):
    c = _load(tmp_path, {"cropland": 1.0}, {"forest": 1.0})
    doc = catchment_to_dict(c, tmp_path)
    assert [h.get("rock") for h in doc["hydrotopes"]] == ["carbonate", "non_carbonate"]


@pytest.mark.parametrize("allogenic,lith,match", [
    ({"forest": 0.5}, LITH, r"\[allogenic_land_use\]: fractions of the non-carbonate area must sum to 1"),
    ({"jungle": 1.0}, LITH, r"\[allogenic_land_use\] jungle: unknown land-use class"),
    ({"forest": 1.0}, {"limestone": 1.0}, r"\[allogenic_land_use\]: the catchment has no non-carbonate area"),
])
def test_reader_errors(tmp_path, allogenic, lith, match):
    doc = base_doc(land_use={"grassland": 1.0}, lithology=lith)
    doc["allogenic_land_use"] = allogenic
    with pytest.raises(CatchmentError, match=match):
        load_catchment(write_catchment(tmp_path, doc, synthetic_drivers(days=DAYS)))
