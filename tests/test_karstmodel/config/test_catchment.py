"""Catchment files (karstmodel.config.catchment): every mistake stops with an error naming the file and the key; a valid
file gives the values written in it (and the documented defaults otherwise)."""
from __future__ import annotations

import pytest

from chemistry.errors import InputError
from karst_helpers import base_doc, write_catchment
from karstmodel.config.catchment import CatchmentError, bundled_catchments, load_catchment, resolve_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.processes.landuse import default_parameters


def _load(tmp_path, doc):
    path = write_catchment(tmp_path, doc)
    return load_catchment(path), path


def _error(tmp_path, doc, *needles):
    path = write_catchment(tmp_path, doc)
    with pytest.raises(CatchmentError) as ei:
        load_catchment(path)
    msg = str(ei.value)
    assert str(path) in msg, msg  # the file
    for n in needles:
        assert n in msg, f"{n!r} not in {msg!r}"
    assert "\n" not in msg
    return msg


def test_valid_file_gives_its_values_and_defaults(tmp_path):
    doc = base_doc(land_use={"forest": 0.6, "cropland": 0.4},
                   lithology={"limestone": 0.7, "dolomite": 0.1, "non_carbonate": 0.2, "allogenic_to_karst": 0.5},
                   reservoirs={"matrix_k_per_d": 0.004}, land_use_parameters={"forest": {"r10_gc_m2_d": 2.5}})
    c, path = _load(tmp_path, doc)
    assert [(h.land_use, h.fraction) for h in c.hydrotopes] == [("forest", 0.6), ("cropland", 0.4)]
    assert c.hydrotopes[0].params.r10_gc_m2_d == 2.5
    # untouched: the SRDB median for cropland (karstmodel/data/soil_respiration_priors.csv: 1.259 g C m-2 d-1)
    assert c.hydrotopes[1].params.r10_gc_m2_d == pytest.approx(1.259, abs=1e-12)
    assert c.reservoirs.matrix_k_per_d == 0.004
    assert c.reservoirs.conduit_k_per_d == 0.3  # documented default (catchments/README.md)
    assert (c.lithology.carbonate, c.lithology.non_carbonate, c.lithology.allogenic_to_karst) == pytest.approx(
        (0.8, 0.2, 0.5), abs=1e-12)
    assert c.drivers.file == (tmp_path / "drivers.csv").resolve()  # relative to the catchment file
    assert c.warmup_days == 365 and c.area_km2 == 10.0 and c.latitude == 47.0


def test_explicit_hydrotopes_with_overrides(tmp_path):
    doc = base_doc(land_use=None, hydrotopes=[
        {"name": "deep", "land_use": "forest", "fraction": 0.25, "root_zone_storage_mm": 200.0},
        {"name": "shallow", "land_use": "forest", "fraction": 0.75}])
    c, _ = _load(tmp_path, doc)
    assert [h.name for h in c.hydrotopes] == ["deep", "shallow"]
    assert c.hydrotopes[0].params.root_zone_storage_mm == 200.0
    assert c.hydrotopes[1].params.root_zone_storage_mm == default_parameters("all")["forest"].root_zone_storage_mm


def test_unknown_top_level_key(tmp_path):
    _error(tmp_path, base_doc(colour="red"), "colour", "unknown key")


def test_unknown_key_in_a_table(tmp_path):
    _error(tmp_path, base_doc(reservoirs={"matrix_k": 0.01}), "[reservoirs] matrix_k", "unknown key")


def test_land_use_fractions_must_sum_to_one(tmp_path):
    _error(tmp_path, base_doc(land_use={"forest": 0.5, "cropland": 0.3}), "land_use", "sum to 1", "0.8")


def test_hydrotope_fractions_must_sum_to_one(tmp_path):
    doc = base_doc(land_use=None, hydrotopes=[{"name": "a", "land_use": "forest", "fraction": 0.5},
                                              {"name": "b", "land_use": "grassland", "fraction": 0.6}])
    _error(tmp_path, doc, "hydrotopes", "sum to 1", "1.1")


def test_unknown_land_use_class(tmp_path):
    _error(tmp_path, base_doc(land_use={"forest": 0.5, "jungle": 0.5}), "[land_use] jungle", "unknown land-use class")


def test_unknown_land_use_class_in_hydrotopes(tmp_path):
    doc = base_doc(land_use=None, hydrotopes=[{"name": "a", "land_use": "vineyard", "fraction": 1.0}])
    _error(tmp_path, doc, "land_use", "vineyard")


def test_out_of_range_value(tmp_path):
    _error(tmp_path, base_doc(reservoirs={"matrix_k_per_d": -1.0}), "[reservoirs] matrix_k_per_d", ">=", "-1")
    _error(tmp_path, base_doc(location={"latitude": 95.0}), "[location] latitude", "<= 90")
    _error(tmp_path, base_doc(land_use_parameters={"forest": {"q10": 9.0}}), "q10", "<= 6")
    _error(tmp_path, base_doc(lithology={"limestone": 1.0, "allogenic_to_karst": 1.5}), "allogenic_to_karst")


def test_wrong_type_and_bad_choice(tmp_path):
    _error(tmp_path, base_doc(area_km2="ten"), "area_km2", "must be a number")
    _error(tmp_path, base_doc(drivers={"gap_fill": "spline"}), "[drivers] gap_fill", "spline")
    _error(tmp_path, base_doc(chemistry={"recharge_system": "half-open"}), "[chemistry] recharge_system")


def test_missing_required_key(tmp_path):
    doc = base_doc()
    doc["location"] = {"longitude": 14.0}
    _error(tmp_path, doc, "[location] latitude", "missing")
    _error(tmp_path, base_doc(area_km2=None), "area_km2", "missing")


def test_lithology_must_sum_to_one(tmp_path):
    _error(tmp_path, base_doc(lithology={"limestone": 0.6, "dolomite": 0.0, "non_carbonate": 0.3}), "[lithology]",
           "0.9")


def test_missing_drivers_file_names_the_file(tmp_path):
    c, _ = _load(tmp_path, base_doc(drivers={"file": "no_such_drivers.csv"}))
    with pytest.raises(InputError) as ei:
        load_drivers(c.drivers, c.latitude)
    assert str(tmp_path / "no_such_drivers.csv") in str(ei.value)
    assert "not found" in str(ei.value)


def test_missing_catchment_file_and_not_toml(tmp_path):
    with pytest.raises(CatchmentError, match="not found"):
        load_catchment(tmp_path / "nothing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(CatchmentError, match="not valid TOML"):
        load_catchment(bad)


def test_bundled_catchments_resolve_and_load():
    names = bundled_catchments()
    assert set(names) >= {"kerschbaum", "sitter_appenzell", "coln_bibury", "brathay"}
    for n in names:
        c = load_catchment(resolve_catchment(n))
        assert abs(sum(h.fraction for h in c.hydrotopes) - 1.0) < 1e-9
    with pytest.raises(CatchmentError, match="no_such_place"):
        resolve_catchment("no_such_place")
    # kerschbaum: the four LuKARS hydrotope shares (Bittner et al. 2018)
    k = load_catchment(resolve_catchment("kerschbaum"))
    assert [h.fraction for h in k.hydrotopes] == [0.04, 0.13, 0.56, 0.27]
