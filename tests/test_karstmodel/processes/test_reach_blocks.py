"""The reaches run in blocks of days when only part of their sub-daily table is kept
(``simulate_reaches(subdaily=...)``): the daily tables, balances and fates must be those of the run over the whole
record, bit for bit, the kept rows those of the whole table, and the memory that of one block."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from karstmodel.processes import reaches as sw
from karstmodel.processes.reaches import simulate as rs
from karstmodel.processes.reaches.fate import Assembly
from karstmodel.processes.reaches.kernel import N_FLUX, N_OUT

DAYS = 11


def _inflow(days=DAYS):
    idx = pd.date_range("2021-07-18", periods=days, freq="D")
    return pd.DataFrame(dict(q_m3_s=np.linspace(0.2, 1.5, days), temp_c=15.0, ca=2.0, mg=0.3, na=0.1, k=0.03,
                             cl=0.1, so4=0.15, no3=0.1, dic=np.linspace(4.6, 5.0, days)), index=idx)


def _chain():
    """A stream of two segments, a pond and a stratifying lake: every kind of tank and of column."""
    return [sw.ReachParameters(name="stream", length_m=2500.0, n_segments=2, slope=0.01),
            sw.ReachParameters(name="pond", kind="pond", area_m2=3000.0, depth_m=2.0, macrophyte_cover=0.5),
            sw.ReachParameters(name="lake", kind="reservoir", area_m2=1e5, depth_m=12.0)]


KW = dict(latitude_deg=47.0, longitude_deg=14.0, dt_minutes=30.0, spinup_days=2,
          air_temp_c=pd.Series(np.linspace(8, 20, DAYS), index=pd.date_range("2021-07-18", periods=DAYS)))


def _same(a: sw.ReachResult, b: sw.ReachResult):
    assert a.daily.columns.equals(b.daily.columns) and a.daily.index.equals(b.daily.index)
    assert np.array_equal(a.daily.to_numpy(float), b.daily.to_numpy(float), equal_nan=True)
    assert a.fate == b.fate and a.fate_detail == b.fate_detail and a.fate_by_reach == b.fate_by_reach
    assert a.balances == b.balances


@pytest.fixture(scope="module")
def whole():
    return sw.simulate_reaches(_inflow(), _chain(), **KW)


@pytest.mark.parametrize("block_days", [1, 3, 4, DAYS, 30])
def test_blocks_give_the_whole_run_bit_for_bit(monkeypatch, whole, block_days):
    """Blocks of 1, 3 or 4 days (the last one shorter), one block, or one larger than the record: the same daily
    tables, balances and fates as the whole record at once, and the kept rows are the whole table's."""
    monkeypatch.setattr(rs, "BLOCK_DAYS", block_days)
    start, end = pd.Timestamp("2021-07-21 10:00"), pd.Timestamp("2021-07-25")
    part = sw.simulate_reaches(_inflow(), _chain(), subdaily=(start, end), **KW)
    _same(whole, part)
    sub = whole.subdaily
    want = sub[(sub.index >= start) & (sub.index < end)]
    assert len(want) == int((end - start) / pd.Timedelta(minutes=30))
    assert part.subdaily.columns.equals(sub.columns) and part.subdaily.index.equals(want.index)
    assert np.array_equal(part.subdaily.to_numpy(float), want.to_numpy(float), equal_nan=True)
    assert ("lake", "hypolimnion_dic_mmol_l") in part.subdaily.columns


def test_no_rows_and_bad_requests(whole):
    none = sw.simulate_reaches(_inflow(), _chain(), subdaily="none", **KW)
    _same(whole, none)
    assert len(none.subdaily) == 0 and none.subdaily.columns.equals(whole.subdaily.columns)
    # a window outside the record keeps nothing; one reaching past its end keeps up to the end
    late = sw.simulate_reaches(_inflow(), _chain(), subdaily=("2021-07-27", "2030-01-01"), **KW)
    assert late.subdaily.index[0] == pd.Timestamp("2021-07-27") and late.subdaily.index[-1] == whole.subdaily.index[-1]
    early = sw.simulate_reaches(_inflow(), _chain(), subdaily=("2020-01-01", "2020-02-01"), **KW)
    assert len(early.subdaily) == 0
    for bad in ("week", ("2021-07-20",), ("x", "y"), 5):
        with pytest.raises(ValueError, match="subdaily must be 'all', 'none' or a"):
            sw.simulate_reaches(_inflow(), _chain(), subdaily=bad, **KW)


def test_assembly_takes_whole_days_and_every_step():
    reaches = [sw.ReachParameters(name="stream")]
    a = Assembly(reaches, [0], 3600.0, 48)
    with pytest.raises(ValueError, match="whole days"):
        a.add(np.zeros((1, N_OUT, 30)), np.zeros((1, N_FLUX, 30)), np.zeros(30))
    a.add(np.ones((1, N_OUT, 24)), np.ones((1, N_FLUX, 24)), np.ones(24))
    with pytest.raises(ValueError, match="48 steps, 24 were added"):
        a.result(pd.date_range("2021-01-01", periods=48, freq="h"), None, None, None, None, {})
    with pytest.raises(ValueError, match="whole days within the record"):
        a.add(np.ones((1, N_OUT, 48)), np.ones((1, N_FLUX, 48)), np.ones(48))


def test_blocks_hold_the_memory_of_one_block(monkeypatch):
    """Peak memory (numpy's allocations, traced) of a 60-day run of the chain at 15-minute steps: keeping no
    sub-daily row in blocks of 5 days needs less than a third of the whole table's run (whose step outputs
    alone are 60 x 96 x 4 tanks x (N_OUT + N_FLUX) doubles, 9.6 MB)."""
    monkeypatch.setattr(rs, "BLOCK_DAYS", 5)
    days = 60
    inflow = _inflow(days)
    kw = dict(KW, dt_minutes=15.0, air_temp_c=15.0)
    peaks = {}
    for mode in ("all", "none"):
        sw.simulate_reaches(inflow, _chain(), subdaily=mode, **kw)  # compiled and cached before tracing
        tracemalloc.start()
        res = sw.simulate_reaches(inflow, _chain(), subdaily=mode, **kw)
        peaks[mode] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del res
    assert days * 96 * 4 * (N_OUT + N_FLUX) * 8 < peaks["all"]
    assert peaks["none"] < peaks["all"] / 3


@pytest.mark.parametrize("index", [pd.date_range("2001-01-01", "2003-12-31", freq="D"),
                                   pd.date_range("2001-01-01", "2003-12-31 23:45", freq="15min")])
def test_summer_week_is_the_same_on_days_and_steps(index):
    """The week `karstmodel run` writes: the last full week of July (January in the south), the same on the days
    of a record and on its steps; a record without such days gives its first week."""
    assert sw.summer_week(index, 47.0) == (pd.Timestamp("2003-07-24"), pd.Timestamp("2003-07-31"))
    assert sw.summer_week(index, -33.0) == (pd.Timestamp("2003-01-24"), pd.Timestamp("2003-01-31"))
    spring = index[(index.month >= 3) & (index.month <= 5) & (index.year == 2002)]
    assert sw.summer_week(spring, 47.0) == (pd.Timestamp("2002-03-01"), pd.Timestamp("2002-03-08"))


@pytest.mark.parametrize("diel_output", ["week", "none"])
def test_run_outputs_are_those_of_the_whole_table(tmp_path, diel_output):
    """What ``karstmodel run`` keeps of the reaches' sub-daily table (``outputs_subdaily``: the summer week unless
    ``diel_output = "all"``) writes the same files, byte for byte and figures included, as a run that keeps every
    row; a result without sub-daily rows writes every file but the diel table and figure."""
    from karst_helpers import base_doc, synthetic_drivers, write_catchment
    from karstmodel.config.catchment import load_catchment
    from karstmodel.model.simulate import outputs_subdaily, simulate
    from karstmodel.reporting.outputs import write_run

    doc = base_doc(simulation={"warmup_days": 30})
    doc["reaches"] = [{"name": "stream", "length_m": 500.0}, {"name": "pond", "kind": "pond", "area_m2": 2000.0,
                                                              "depth_m": 1.5}]
    doc["surface_water"] = {"dt_minutes": 60.0, "diel_output": diel_output}
    c = load_catchment(write_catchment(tmp_path / "site", doc, synthetic_drivers(days=420, seed=3)))
    assert outputs_subdaily(c) == "week"
    kept = simulate(c, reach_subdaily=outputs_subdaily(c))
    whole = simulate(c)
    assert len(kept.reaches.subdaily) == 7 * 24 < len(whole.reaches.subdaily)
    paths = {}
    for label, res in (("kept", kept), ("whole", whole)):
        paths[label] = write_run(res, tmp_path / label, figures=True)
    assert {k: p.name for k, p in paths["kept"].items()} == {k: p.name for k, p in paths["whole"].items()}
    assert ("reaches_diel" in paths["kept"]) == (diel_output == "week") and "diel" in paths["kept"]
    for k, p in paths["kept"].items():
        if k != "report":  # the report embeds the same figures, and names its own folder
            assert p.read_bytes() == paths["whole"][k].read_bytes(), k
    bare = simulate(c, reach_subdaily="none")
    got = write_run(bare, tmp_path / "bare", figures=True)
    assert "reaches_diel" not in got and "diel" not in got and {"fate", "metabolism", "reaches_daily"} <= set(got)
    assert got["reaches_daily"].read_bytes() == paths["whole"]["reaches_daily"].read_bytes()
