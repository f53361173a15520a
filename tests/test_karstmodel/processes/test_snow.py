"""Degree-day snow model (karstmodel.processes.snow): mass balance and the melt formula (Martinec 1960)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karstmodel.config.catchment import SnowParameters
from karstmodel.processes.snow import simulate_snow


def _winter(seed: int = 4, days: int = 400):
    rng = np.random.default_rng(seed)
    doy = np.arange(days)
    temp = 1.0 + 8.0 * np.sin(2 * np.pi * (doy - 100) / 365.0) + rng.normal(0, 3, days)
    precip = np.where(rng.random(days) < 0.5, rng.exponential(6.0, days), 0.0)
    return precip, temp


def test_mass_balance_to_1e12():
    precip, temp = _winter()
    prm = SnowParameters(threshold_c=0.5, transition_c=1.0, melt_factor_mm_c_d=4.0)
    out = simulate_snow(precip, temp, prm, swe0_mm=12.0)
    # phase partition: precip = rain + snowfall, day by day
    np.testing.assert_allclose(out["rain_mm"] + out["snowfall_mm"], precip, rtol=0, atol=1e-12)
    # store: snowfall - melt = dSWE, day by day (SWE before day 1 = 12 mm)
    swe_prev = np.concatenate([[12.0], out["swe_mm"][:-1]])
    np.testing.assert_allclose(out["snowfall_mm"] - out["melt_mm"], out["swe_mm"] - swe_prev, rtol=0, atol=1e-12)
    # and over the whole record
    assert out["snowfall_mm"].sum() - out["melt_mm"].sum() == pytest.approx(out["swe_mm"][-1] - 12.0, abs=1e-9)
    # the record has real snow: the test is not vacuous
    assert out["snowfall_mm"].sum() > 100.0 and out["melt_mm"].sum() > 100.0


def test_melt_equals_degree_day_formula_when_snow_is_available():
    precip, temp = _winter(seed=7)
    prm = SnowParameters(threshold_c=0.5, transition_c=1.0, melt_factor_mm_c_d=3.2)
    out = simulate_snow(precip, temp, prm, swe0_mm=0.0)
    swe_prev = np.concatenate([[0.0], out["swe_mm"][:-1]])
    potential = 3.2 * np.maximum(temp - 0.5, 0.0)
    available = swe_prev + out["snowfall_mm"]
    ample = available > potential + 1e-9  # enough snow: melt is the degree-day potential
    assert ample.sum() > 20 and (ample & (temp > 0.5)).sum() > 10
    np.testing.assert_allclose(out["melt_mm"][ample], potential[ample], rtol=0, atol=1e-12)
    # limited by the pack otherwise: everything melts
    short = ~ample
    np.testing.assert_allclose(out["melt_mm"][short], available[short], rtol=0, atol=1e-12)
    # a hand-picked day: SWE 20 mm, T = 3 C, no precipitation -> melt = 3.2 x (3 - 0.5) = 8 mm, SWE 12 mm
    one = simulate_snow(np.array([0.0]), np.array([3.0]), prm, swe0_mm=20.0)
    assert one["melt_mm"][0] == pytest.approx(8.0, abs=1e-12)
    assert one["swe_mm"][0] == pytest.approx(12.0, abs=1e-12)


def test_rain_snow_transition_is_linear():
    """Snow share (threshold + transition/2 - T) / transition within the transition band."""
    prm = SnowParameters(threshold_c=1.0, transition_c=2.0, melt_factor_mm_c_d=0.0)
    temp = np.array([-3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 5.0])
    precip = np.full(temp.size, 10.0)
    out = simulate_snow(precip, temp, prm)
    expected_share = np.array([1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0])
    np.testing.assert_allclose(out["snowfall_mm"], 10.0 * expected_share, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 80), st.floats(-25, 25)), min_size=1, max_size=60),
       st.floats(-3, 3), st.floats(0, 4), st.floats(0, 15), st.floats(0, 300))
def test_swe_never_negative_and_balanced(days, threshold, transition, mf, swe0):
    precip = np.array([d[0] for d in days])
    temp = np.array([d[1] for d in days])
    prm = SnowParameters(threshold_c=threshold, transition_c=transition, melt_factor_mm_c_d=mf)
    out = simulate_snow(precip, temp, prm, swe0_mm=swe0)
    assert np.all(out["swe_mm"] >= 0.0)
    assert np.all(out["melt_mm"] >= 0.0) and np.all(out["rain_mm"] >= -1e-12)
    total = precip.sum() + swe0
    assert out["rain_mm"].sum() + out["melt_mm"].sum() + out["swe_mm"][-1] == pytest.approx(total, abs=1e-9 * (1 + total))
