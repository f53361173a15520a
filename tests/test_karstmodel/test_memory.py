"""numpy's huge-page advice switched off around the reaches' sub-daily run (karstmodel._memory)."""
import threading

import numpy as np
import pandas as pd
import pytest

import karstmodel.processes.reaches.simulate as rs
from karstmodel import _memory
from karstmodel._memory import hugepage_advice_enabled, no_hugepage_advice
from karstmodel.processes.reaches import ReachParameters, simulate_reaches

pytestmark = pytest.mark.skipif(hugepage_advice_enabled() is None, reason="this numpy has no huge-page switch")


@pytest.fixture
def advice_on():
    """The advice on before each test (numpy's default on Linux), and numpy's setting restored after it."""
    before = hugepage_advice_enabled()
    _memory._SET(True)
    yield
    _memory._SET(before)


def test_off_inside_restored_after(advice_on):
    seen = no_hugepage_advice(hugepage_advice_enabled)()
    assert seen is False
    assert hugepage_advice_enabled() is True


def test_restored_after_an_error(advice_on):
    @no_hugepage_advice
    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert hugepage_advice_enabled() is True
    assert _memory._DEPTH == 0


def test_left_as_it_was_when_already_off():
    before = hugepage_advice_enabled()
    _memory._SET(False)
    try:
        assert no_hugepage_advice(hugepage_advice_enabled)() is False
        assert hugepage_advice_enabled() is False
    finally:
        _memory._SET(before)


def test_nested_and_concurrent_calls_share_one_switch(advice_on):
    """A call that ends while another is still running does not switch the advice back on under it."""
    inner_done = threading.Event()
    outer_may_end = threading.Event()
    seen = {}

    @no_hugepage_advice
    def outer():
        inner_done.wait(10)
        seen["outer_after_inner"] = hugepage_advice_enabled()
        outer_may_end.wait(10)

    @no_hugepage_advice
    def inner():
        seen["nested"] = no_hugepage_advice(hugepage_advice_enabled)()
        seen["inner"] = hugepage_advice_enabled()

    t = threading.Thread(target=outer)
    t.start()
    inner()  # starts and ends while outer runs in the other thread
    inner_done.set()
    outer_may_end.set()
    t.join(10)
    assert seen == {"nested": False, "inner": False, "outer_after_inner": False}
    assert hugepage_advice_enabled() is True


def test_switch_of_numpy_1_and_none(monkeypatch):
    """numpy 1.x keeps the switch in numpy.core.multiarray; a numpy without it leaves the decorator a no-op."""
    from types import SimpleNamespace as NS
    setter = object()
    monkeypatch.setattr(_memory, "np", NS(core=NS(multiarray=NS(_set_madvise_hugepage=setter))))
    assert _memory._switch() is setter
    monkeypatch.setattr(_memory, "np", NS(core=NS(multiarray=NS())))
    assert _memory._switch() is None
    monkeypatch.setattr(_memory, "_SET", None)
    assert hugepage_advice_enabled() is None
    assert no_hugepage_advice(lambda: 42)() == 42


def _inflow():
    days = pd.date_range("2001-07-01", periods=3, freq="D")
    return pd.DataFrame({"q_m3_s": [0.05, 0.08, 0.06], "temp_c": [9.0, 9.5, 9.2], "ca": 2.0, "mg": 0.3,
                         "na": 0.2, "k": 0.02, "cl": 0.2, "so4": 0.1, "no3": 0.1, "dic": [4.5, 4.4, 4.6]},
                        index=days)


def test_reaches_run_without_the_advice_and_give_the_same_numbers(advice_on, monkeypatch):
    """simulate_reaches allocates and fills its step outputs with the advice off, restores it on return, and its
    results are those of the same function without the switch, bit for bit."""
    seen = []
    add = rs.Assembly.add

    def spy(*args, **kwargs):
        seen.append(hugepage_advice_enabled())
        return add(*args, **kwargs)

    monkeypatch.setattr(rs.Assembly, "add", spy)
    reach = ReachParameters(name="stream")
    kw = dict(dt_minutes=60.0, spinup_days=1)
    res = simulate_reaches(_inflow(), reach, 47.0, 14.0, **kw)
    assert seen == [False]
    assert hugepage_advice_enabled() is True
    plain = simulate_reaches.__wrapped__.__wrapped__  # under single_blas_thread and no_hugepage_advice
    ref = plain(_inflow(), reach, 47.0, 14.0, **kw)
    assert seen == [False, True]
    pd.testing.assert_frame_equal(res.reach("stream"), ref.reach("stream"), check_exact=True)
    got, want = res.reach("stream", daily=True), ref.reach("stream", daily=True)
    assert np.array_equal(got.to_numpy(float), want.to_numpy(float), equal_nan=True)
