"""The reach parameters declared once (karstmodel.processes.reaches.params): every numeric field carries unit,
bounds and source; the packed array of the compiled loop follows the fields; the Python API, the dict form and the
catchment reader refuse the same out-of-bounds values."""
from __future__ import annotations

from dataclasses import fields

import pytest

from karstmodel.config.catchment import CatchmentError, load_catchment
from karstmodel.processes.reaches import ReachParameters, reach_parameters_from_dict
from karstmodel.processes.reaches import params as rp
from karstmodel.processes.reaches.light import pressure_ratio_from_elevation
from karstmodel.registry import bounds_of, declared, table

from karst_helpers import base_doc, synthetic_drivers, write_catchment


def test_every_numeric_field_is_declared_and_its_default_is_inside_its_bounds():
    decl = declared(ReachParameters)
    assert set(decl) == {f.name for f in fields(ReachParameters)} - {"name", "kind"}
    for f in fields(ReachParameters):
        if f.name in decl:
            lo, hi = decl[f.name].bounds
            assert f.default is None or lo <= f.default <= hi, f.name
            assert decl[f.name].unit and decl[f.name].source, f.name
    assert len(table(ReachParameters, "reaches")) == len(decl) + 2


def test_packed_order_is_the_field_order_and_each_index_names_its_field():
    names = [f.name for f in fields(ReachParameters)]
    assert rp.PACKED == tuple(n for n in names if n not in ("name", "n_segments"))
    assert rp.N_PAR == 58
    assert (rp.PACKED[rp.P_KIND], rp.PACKED[rp.P_PRESSURE], rp.PACKED[rp.P_KH], rp.PACKED[rp.P_MTOW]) == (
        "kind", "elevation_m", "heat_exchange_w_m2_k", "macrophyte_npp_to_water")
    p_indices = {v for k, v in vars(rp).items() if k.startswith("P_")}
    assert p_indices == set(range(rp.N_PAR))  # one index per packed field, none twice


def test_pack_converts_as_the_loop_reads_it():
    r = ReachParameters(kind="pond", area_m2=3000.0, depth_m=1.5, n_segments=3, length_m=900.0, elevation_m=600.0,
                        chemical_enhancement=False, macrophyte_cover=0.25)
    p = rp.pack(r)
    assert p.shape == (58,)
    assert p[rp.P_KIND] == 1.0 and rp.pack(ReachParameters())[rp.P_KIND] == 0.0
    assert p[rp.P_AREA] == 1000.0 and p[rp.P_LENGTH] == 300.0  # per tank
    assert p[rp.P_DEPTH] == 1.5 and p[rp.P_WIDTH] == -1.0 and p[rp.P_K600] == -1.0  # unset optional -> -1
    assert p[rp.P_ENH] == 0.0 and p[rp.P_BEDC] == 1.0
    assert p[rp.P_PRESSURE] == pressure_ratio_from_elevation(600.0) == pytest.approx(0.93, abs=0.01)
    assert p[rp.P_MCOVER] == 0.25 and p[rp.P_Q10G] == 1.88
    lake = rp.pack(ReachParameters(kind="reservoir", area_m2=1e5, depth_m=12.0, epilimnion_depth_m=5.0))
    assert lake[rp.P_KIND] == 2.0 and lake[rp.P_ZEPI] == 5.0 and lake[rp.P_DEPTH] == 12.0
    mixed = rp.pack(ReachParameters(kind="lake", area_m2=1e5, depth_m=12.0, stratification=False))
    assert mixed[rp.P_ZEPI] == 12.0 and mixed[rp.P_LITT] == -1.0  # one tank of the whole depth


@pytest.mark.parametrize("key, value", [("albedo", 1.5), ("slope", -0.01), ("q10_resp", 0.5),
                                        ("macrophyte_k_co2_mmol_l", 0.0), ("n_segments", 0)])
def test_api_and_dict_refuse_values_beyond_the_declared_bounds(key, value):
    lo, hi = bounds_of(ReachParameters)[key]
    with pytest.raises(ValueError, match=rf"{key} must be within {lo:g}-{hi:g}"):
        ReachParameters(**{key: value})
    with pytest.raises(ValueError, match=key):
        reach_parameters_from_dict({"name": "a", key: value})
    with pytest.raises(ValueError, match="must be a number"):
        ReachParameters(length_m="long")


def test_reader_refuses_a_reach_value_beyond_its_bounds(tmp_path):
    doc = base_doc(reaches=[{"name": "brook", "length_m": 300.0, "macrophyte_cover": 1.2}])
    path = write_catchment(tmp_path / "c", doc, synthetic_drivers(days=60))
    with pytest.raises(CatchmentError, match=r"\[\[reaches\]\] #1.*macrophyte_cover must be within 0-1"):
        load_catchment(path)
