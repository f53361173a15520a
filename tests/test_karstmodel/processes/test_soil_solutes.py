"""The well-mixed soil-water solute store (karstmodel.processes.soil_solutes) against the analytic solution of a
continuously stirred tank (the exponential model of Maloszewski & Zuber 1982): step and pulse responses with mean
residence V/Q, and its mass balance under varying volume and percolation."""
from __future__ import annotations

import numpy as np
import pytest

from karstmodel.processes.soil_solutes import mix


def _const(n, q, v, c_in, c0, nc=1):
    """``n`` days of constant percolation ``q`` and volume ``v`` (one hydrotope), inflow ``c_in``, start ``c0``."""
    return mix(np.full((n, 1), q), np.full((n, 1), v), np.full((n, 1, nc), c_in), np.array([v]),
               np.full((1, nc), c0))


def test_step_response_is_the_exponential_approach_with_mean_residence_v_over_q():
    """C_in steps from 0 to 1 at t = 0 into a store of 103 mm drained by 3.1 mm/d (T = 33.2 d): the store follows
    c(t) = 1 - exp(-t/T), the water leaving on day j (from t = j - 1 to j) has the mean of c over that day,
    1 - T (exp(-(j-1)/T) - exp(-j/T))."""
    v, q, n = 103.0, 3.1, 400
    T = v / q
    got = _const(n, q, v, 1.0, 0.0)
    j = np.arange(1, n + 1, dtype=float)
    np.testing.assert_allclose(got["conc"][:, 0, 0], 1.0 - np.exp(-j / T), rtol=0, atol=1e-10)
    np.testing.assert_allclose(got["out_conc"][:, 0, 0], 1.0 - T * (np.exp(-(j - 1) / T) - np.exp(-j / T)),
                               rtol=0, atol=1e-10)


def test_pulse_response_is_the_exponential_transit_time_distribution():
    """A pulse of mass M (mmol/m2) in the store at t = 0, clean water after: the mass leaving on day j is the
    integral of M exp(-t/T)/T over the day, M (exp(-(j-1)/T) - exp(-j/T)); the daily masses decay by exp(-1/T),
    which gives back T = V/Q, and sum to M."""
    v, q, n, m = 50.0, 2.0, 2000, 7.0
    T = v / q
    got = _const(n, q, v, 0.0, m / v)
    j = np.arange(1, n + 1, dtype=float)
    out_mass = q * got["out_conc"][:, 0, 0]
    np.testing.assert_allclose(out_mass, m * (np.exp(-(j - 1) / T) - np.exp(-j / T)), rtol=0, atol=1e-10)
    assert -1.0 / np.log(out_mass[1] / out_mass[0]) == pytest.approx(T, rel=1e-10)
    assert out_mass.sum() == pytest.approx(m, rel=1e-10)
    # the first moment of the transit times from the daily masses: sum of the days' exact means (j - 1 + the mean
    # position of an exponential within a day) weighted by their masses is T
    a = 1.0 / T
    within = 1.0 / a - np.exp(-a) / (1.0 - np.exp(-a))
    assert float(((j - 1 + within) * out_mass).sum() / out_mass.sum()) == pytest.approx(T, rel=1e-10)


def test_mass_balance_with_varying_volume_and_percolation():
    """Random days of filling, drying (to zero as well) and percolation, three components, two hydrotopes: the
    store's content V c changes by the net uptake minus the percolation's mass, every day and over the piece, to
    rounding."""
    rng = np.random.default_rng(7)
    n, nh, nc = 500, 2, 3
    q = rng.uniform(0.0, 8.0, (n, nh)) * (rng.random((n, nh)) < 0.6)
    v = rng.uniform(0.0, 150.0, (n, nh))
    v[rng.random((n, nh)) < 0.05] = 0.0
    c_in = rng.uniform(0.1, 5.0, (n, nh, nc))
    v0 = np.array([80.0, 0.0])
    c0 = rng.uniform(0.1, 5.0, (nh, nc))
    got = mix(q, v, c_in, v0, c0)
    content = np.concatenate([(v0[:, None] * c0)[None], v[:, :, None] * got["conc"]])
    out_mass = q[:, :, None] * got["out_conc"]
    resid = np.diff(content, axis=0) - (got["taken_mmol_m2"] - out_mass)
    scale = np.abs(got["taken_mmol_m2"]).sum()
    assert np.abs(resid).max() < 1e-12 * scale
    assert abs((content[-1] - content[0] - (got["taken_mmol_m2"] - out_mass).sum(axis=0)).sum()) < 1e-12 * scale


def test_volume_changes_fill_with_the_days_water_and_dry_at_the_store_concentration():
    """Filling 40 -> 100 mm without percolation mixes 60 mm of the day's water into the store; drying 100 -> 25 mm
    keeps the concentration and gives 75 mm of it back; an empty store passes the day's water unchanged."""
    got = mix(np.array([[0.0], [0.0], [2.0]]), np.array([[100.0], [25.0], [0.0]]),
              np.array([[[3.0]], [[9.0]], [[4.0]]]), np.array([40.0]), np.array([[1.0]]))
    c = got["conc"][:, 0, 0]
    assert c[0] == pytest.approx((40.0 * 1.0 + 60.0 * 3.0) / 100.0, rel=1e-15)
    assert c[1] == pytest.approx(c[0], rel=1e-15)
    assert got["taken_mmol_m2"][1, 0, 0] == pytest.approx(-75.0 * c[0], rel=1e-15)
    assert got["out_conc"][2, 0, 0] == 4.0 and c[2] == 4.0
    assert got["taken_mmol_m2"][2, 0, 0] == pytest.approx(-25.0 * c[0] + 2.0 * 4.0, rel=1e-15)


def test_default_start_is_the_percolation_weighted_inflow():
    q = np.array([[1.0], [3.0], [0.0]])
    c_in = np.array([[[2.0]], [[6.0]], [[100.0]]])
    got = mix(q, np.full((3, 1), 50.0), c_in, np.array([50.0]))
    assert got["conc_start"][0, 0] == pytest.approx((1 * 2 + 3 * 6) / 4.0, rel=1e-15)


def test_bad_shapes_and_negative_volumes_are_refused():
    with pytest.raises(ValueError, match="do not match"):
        mix(np.zeros((3, 1)), np.zeros((2, 1)), np.zeros((3, 1, 1)), np.zeros(1))
    with pytest.raises(ValueError, match=">= 0"):
        mix(np.zeros((3, 1)), -np.ones((3, 1)), np.zeros((3, 1, 1)), np.zeros(1))
