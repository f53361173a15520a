"""The fast paths of the main job keep every number: CSV text as pandas writes it, balances and daily sums added in
step order, result tables that share the kernel's arrays, and the first-run notice of numba compilation."""
from __future__ import annotations

import io
import types

import numpy as np
import pandas as pd
import pytest

from karstmodel._compiled import cache_is_cold
from karstmodel.io.files import _write_csv_fast, write_csv_atomic
from karstmodel.processes.reaches.fate import _per_day, _running_sum_interleaved, _seq_sum, _table


def _odd_frame():
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "date": pd.date_range("2001-01-01", periods=8, freq="D"),
        "time": pd.date_range("2001-01-01", periods=8, freq="15min"),
        "x": [np.nan, np.inf, -np.inf, -0.0, 1e-300, 1.0, 0.1, 123456789012345.0],
        "y": rng.normal(size=8) * 10.0 ** rng.integers(-12, 12, size=8),
        "text": ["a,b", 'say "hi"', None, "two words", "", "line\nbreak", "é", "z"],
        "n": np.arange(8), "flag": [True, False] * 4})


@pytest.mark.parametrize("fmt", ["%.12g", "%.6g", None])
def test_fast_csv_is_byte_identical_to_pandas(fmt):
    df = _odd_frame()
    ref, fast = io.StringIO(), io.StringIO()
    df.to_csv(ref, index=False, float_format=fmt)
    assert _write_csv_fast(df, fast, fmt)
    assert fast.getvalue() == ref.getvalue()


def test_fast_csv_leaves_other_tables_to_pandas(tmp_path):
    df = _odd_frame()
    df.columns = pd.MultiIndex.from_tuples([("a", c) for c in df.columns])
    assert not _write_csv_fast(df, io.StringIO(), "%.6g")
    gaps = pd.DataFrame({"t": pd.to_datetime(["2001-01-01", None]), "v": [1.0, 2.0]})
    assert not _write_csv_fast(gaps, io.StringIO(), "%.6g")
    # write_csv_atomic still writes them (through pandas), and an index request goes to pandas too
    p = tmp_path / "g.csv"
    write_csv_atomic(gaps, p, float_format="%.6g")
    assert p.read_text() == gaps.to_csv(index=False, float_format="%.6g")
    write_csv_atomic(gaps, p, index=True)
    assert p.read_text() == gaps.to_csv(index=True)


def test_step_order_sums_match_a_left_to_right_loop():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 96 * 4)) * 10.0 ** rng.integers(-8, 8, size=(3, 96 * 4))
    for i in range(3):
        s = 0.0
        for v in a[i]:
            s += v
        assert _seq_sum(a)[i] == s  # bitwise: the order the balances were always added in
        assert _seq_sum(a[i]) == s
    daily = _per_day(a, 96, "sum")
    for i in range(3):
        for d in range(4):
            s = 0.0
            for v in a[i, 96 * d: 96 * (d + 1)]:
                s += v
            assert daily[i, d] == s
    assert np.array_equal(_per_day(a[0], 96, "mean"), a[0].reshape(4, 96).mean(axis=1))
    # whole-chain totals: over steps and, within a step, over the tanks
    flux = a.reshape(3, 1, -1)
    s = 0.0
    for v in flux[:, 0, :].T.ravel():
        s += v
    assert _running_sum_interleaved(flux, 0) == s


def test_result_table_shares_the_arrays():
    idx = pd.date_range("2001-01-01", periods=5, freq="D")
    rows = np.arange(10.0).reshape(2, 5)
    df = _table({("r1", "a"): rows[0], ("r1", "b"): rows[1]}, idx)
    assert df.columns.names == ["reach", "variable"]
    assert np.shares_memory(df[("r1", "b")].to_numpy(), rows)
    assert df.loc[idx[3], ("r1", "b")] == 8.0


def _dispatcher(index, compiled=False):
    cache_file = types.SimpleNamespace(_load_index=lambda: index)
    return types.SimpleNamespace(overloads={"sig": 1} if compiled else {},
                                 _cache=types.SimpleNamespace(_cache_file=cache_file))


def test_cold_cache_detection():
    assert cache_is_cold(_dispatcher({}))  # no index (or a stale one: numba returns it empty)
    assert not cache_is_cold(_dispatcher({"sig": "file"}))
    assert not cache_is_cold(_dispatcher({}, compiled=True))  # already compiled in this process
    assert not cache_is_cold(types.SimpleNamespace())  # not a caching dispatcher: never claimed cold
    assert cache_is_cold(_dispatcher({"sig": "file"}), _dispatcher({}))


def test_tank_pipeline_order_and_errors(monkeypatch):
    import threading

    from karstmodel.processes.reaches import simulate as rs
    monkeypatch.setattr(rs.os, "cpu_count", lambda: 4)
    lock = threading.Lock()
    done, calls = set(), []

    def advance(r0, r1, a, b):
        assert r1 == r0 + 1
        with lock:
            assert r0 == 0 or (r0 - 1, a) in done  # the tank upstream finished these steps first
            done.add((r0, a))
            calls.append((r0, a, b))
        return 1

    assert rs._pipelined(advance, 3, 100, chunk=30) == 3 * 4  # 3 tanks x 4 chunks
    assert sorted(calls) == [(r, a, min(a + 30, 100)) for r in range(3) for a in range(0, 100, 30)]
    assert rs._pipelined(lambda *a: 7, 3, 20, chunk=30) == 7  # one chunk: one call over all tanks

    def broken(r0, r1, a, b):
        if r0 == 1 and a == 30:
            raise RuntimeError("tank failed")
        return 0

    with pytest.raises(RuntimeError, match="tank failed"):  # raised, and the tank downstream does not hang
        rs._pipelined(broken, 3, 100, chunk=30)


@pytest.mark.parametrize("cores", [1, 4])
def test_pipeline_reports_every_chunk(monkeypatch, cores):
    """``on_chunk`` hears of every tank-step once, in the threaded pipeline and in one thread (which then advances
    all tanks chunk by chunk); without ``on_chunk`` one thread still makes one call."""
    import threading

    from karstmodel.processes.reaches import simulate as rs
    monkeypatch.setattr(rs.os, "cpu_count", lambda: cores)
    lock = threading.Lock()
    calls, reported = [], []

    def advance(r0, r1, a, b):
        with lock:
            calls.append((r0, r1, a, b))
        return 0

    def on_chunk(n):
        with lock:
            reported.append(n)

    assert rs._pipelined(advance, 3, 100, chunk=30, on_chunk=on_chunk) == 0
    assert sum(reported) == 3 * 100
    if cores == 1:
        assert calls == [(0, 3, a, min(a + 30, 100)) for a in range(0, 100, 30)]
        assert reported == [3 * 30, 3 * 30, 3 * 30, 3 * 10]
        calls.clear()
        rs._pipelined(advance, 3, 100, chunk=30)
        assert calls == [(0, 3, 0, 100)]
    else:
        assert sorted(reported) == [10] * 3 + [30] * 9


@pytest.mark.parametrize("cores", [1, 2])
def test_reach_progress_changes_no_number(monkeypatch, cores):
    """A reach run that reports its progress (in chunks of 100 steps here) gives the same tables, balances and
    fate, bit for bit, as one that does not; the reported tank-steps add up to the announced total, spin-up
    included."""
    import functools

    from karstmodel.processes import reaches as sw
    from karstmodel.processes.reaches import simulate as rs
    monkeypatch.setattr(rs.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(rs, "_pipelined", functools.partial(rs._pipelined, chunk=100))
    days = 4
    idx = pd.date_range("2021-04-01", periods=days, freq="D")
    inf = pd.DataFrame(dict(q_m3_s=np.linspace(0.2, 1.5, days), temp_c=15.0, ca=2.0, mg=0.3, na=0.1, k=0.03,
                            cl=0.1, so4=0.15, no3=0.1, dic=4.8), index=idx)
    stream = sw.ReachParameters(name="stream", length_m=2500.0, n_segments=2, slope=0.01)
    pond = sw.ReachParameters(name="pond", kind="pond", area_m2=3000.0, depth_m=2.0, macrophyte_cover=0.5)
    kw = dict(latitude_deg=47.0, longitude_deg=14.0, dt_minutes=15.0, spinup_days=1,
              air_temp_c=pd.Series(np.linspace(8, 20, days), index=idx))
    plain = sw.simulate_reaches(inf, [stream, pond], **kw)
    totals, steps = [], []

    def progress(total):
        totals.append(total)
        return steps.append

    shown = sw.simulate_reaches(inf, [stream, pond], progress=progress, **kw)
    assert totals == [3 * 96 * (days + 1)]
    assert sum(steps) == totals[0] and len(steps) > 3
    for a, b in ((plain.subdaily, shown.subdaily), (plain.daily, shown.daily)):
        assert a.columns.equals(b.columns) and a.index.equals(b.index)
        assert np.array_equal(a.to_numpy(float), b.to_numpy(float), equal_nan=True)
    assert plain.fate == shown.fate and plain.balances == shown.balances


def test_run_without_reaches_and_reach_progress(tmp_path, capsys):
    """``karstmodel run --no-reaches`` on a catchment with a reach writes the catchment's outputs without the
    reaches' (the daily files are those of the full run, byte for byte); the full run prints no progress bar when
    its reaches take less than REACH_PROGRESS_DELAY_S."""
    from karst_helpers import base_doc, synthetic_drivers, write_catchment
    from karstmodel.cli.parser import main

    doc = base_doc(simulation={"warmup_days": 30})
    doc["reaches"] = [{"name": "stream", "length_m": 500.0}]
    path = write_catchment(tmp_path / "site", doc, synthetic_drivers(days=120, seed=2))
    assert main(["run", str(path), "-o", str(tmp_path / "full"), "--no-figures"]) == 0
    assert "reaches (sub-daily" not in capsys.readouterr().err
    assert main(["run", str(path), "-o", str(tmp_path / "lean"), "--no-figures", "--no-reaches"]) == 0
    full = {p.name for p in (tmp_path / "full").iterdir()}
    lean = {p.name for p in (tmp_path / "lean").iterdir()}
    assert {"reaches_daily.csv", "reaches_diel_week.csv"} <= full - lean
    assert not any(n.startswith("reaches") for n in lean)
    for name in ("timeseries.csv", "hydrotopes.csv"):
        assert (tmp_path / "full" / name).read_bytes() == (tmp_path / "lean" / name).read_bytes()
    import json
    s_full = json.loads((tmp_path / "full" / "summary.json").read_text())
    s_lean = json.loads((tmp_path / "lean" / "summary.json").read_text())
    assert "fate" in s_full and "fate" not in s_lean
    assert s_lean["carbon_sink_tc_km2_yr"] == s_full["carbon_sink_tc_km2_yr"]


def test_reach_progress_bar_opens_after_the_delay(monkeypatch, capsys):
    """The reaches' progress bar stays closed (nothing printed) for a run shorter than REACH_PROGRESS_DELAY_S, and
    opens with the steps done so far for a longer one, ending at the total."""
    from karstmodel.model import simulate as S
    monkeypatch.setattr(S, "REACH_PROGRESS_DELAY_S", 3600.0)
    p = S._ReachProgress()
    update = p(100)
    update(40)
    update(60)
    p.close()
    assert p.bar is None and capsys.readouterr().err == ""
    monkeypatch.setattr(S, "REACH_PROGRESS_DELAY_S", 0.0)
    p = S._ReachProgress()
    update = p(100)
    for n in (40, 30, 30):
        update(n)
    assert p.bar.n == 100
    p.close()
    err = capsys.readouterr().err
    assert "reaches (sub-daily steps x tanks): 40/100" in err and "100/100" in err
