"""Goodness-of-fit metrics (karstmodel.accounting.metrics) against values computed by hand on small arrays.

obs = [1, 2, 3, 4, 5], sim = [1.5, 1.5, 3.5, 3, 6]:
  residuals s - o = [0.5, -0.5, 0.5, -1, 1]  -> sum of squares 2.75, sum 0.5
  obs mean 3, sum of squared deviations 10; sim mean 3.1, squared deviations 2.56 + 2.56 + 0.16 + 0.01 + 8.41 = 13.7
  cross products (s - 3.1)(o - 3) = 3.2 + 1.6 + 0 - 0.1 + 5.8 = 10.5
  NSE = 1 - 2.75/10 = 0.725                                    (Nash & Sutcliffe 1970)
  r = 10.5 / sqrt(13.7 x 10), alpha = sqrt(13.7/10), beta = 3.1/3 (Gupta et al. 2009 eq. 9) -> KGE = 0.7980976
  PBIAS = 100 x 0.5 / 15 = 3.3333 %                              (Moriasi et al. 2007)
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from karstmodel.accounting import metrics

OBS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
SIM = np.array([1.5, 1.5, 3.5, 3.0, 6.0])


def test_nse_by_hand():
    assert metrics.nse(SIM, OBS) == pytest.approx(0.725, abs=1e-14)


def test_kge_by_hand():
    r = 10.5 / math.sqrt(13.7 * 10.0)
    alpha = math.sqrt(13.7 / 10.0)
    beta = 3.1 / 3.0
    expected = 1.0 - math.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (beta - 1) ** 2)
    assert expected == pytest.approx(0.7980976, abs=1e-7)  # the hand calculation itself, to 7 decimals
    assert metrics.kge(SIM, OBS) == pytest.approx(expected, abs=1e-13)


def test_kge_prime_by_hand():
    # Kling et al. (2012): gamma = CV_s / CV_o instead of alpha
    r = 10.5 / math.sqrt(13.7 * 10.0)
    gamma = (math.sqrt(13.7 / 5) / 3.1) / (math.sqrt(10.0 / 5) / 3.0)
    beta = 3.1 / 3.0
    expected = 1.0 - math.sqrt((r - 1) ** 2 + (gamma - 1) ** 2 + (beta - 1) ** 2)
    assert metrics.kge_prime(SIM, OBS) == pytest.approx(expected, abs=1e-13)


def test_pbias_by_hand():
    assert metrics.pbias(SIM, OBS) == pytest.approx(100.0 / 30.0, abs=1e-12)
    # sign convention of Moriasi et al. (2007) as written in the module: positive = overestimation
    assert metrics.pbias(OBS * 0.9, OBS) == pytest.approx(-10.0, abs=1e-12)


def test_log_nse_by_hand():
    eps = 0.01 * 3.0  # 1 % of the mean observation (Pushpalatha et al. 2012)
    ls = [math.log(v + eps) for v in SIM]
    lo = [math.log(v + eps) for v in OBS]
    mean_lo = sum(lo) / len(lo)
    num = sum((a - b) ** 2 for a, b in zip(ls, lo))
    den = sum((b - mean_lo) ** 2 for b in lo)
    assert metrics.log_nse(SIM, OBS) == pytest.approx(1.0 - num / den, abs=1e-13)


def test_rmse_mae_by_hand():
    assert metrics.rmse(SIM, OBS) == pytest.approx(math.sqrt(2.75 / 5), abs=1e-14)
    assert metrics.mae(SIM, OBS) == pytest.approx(3.5 / 5, abs=1e-14)


def test_perfect_simulation():
    obs = np.array([0.3, 1.2, 5.0, 2.2, 0.9, 0.4])
    m = metrics.all_metrics(obs.copy(), obs)
    assert m["nse"] == pytest.approx(1.0, abs=1e-14)
    assert m["kge"] == pytest.approx(1.0, abs=1e-14)
    assert m["log_nse"] == pytest.approx(1.0, abs=1e-14)
    assert m["pbias"] == pytest.approx(0.0, abs=1e-12)
    assert m["n"] == 6


def test_mean_flow_benchmark():
    """Simulating the observed mean: NSE = 0 and KGE = 1 - sqrt(2) = -0.41 (Knoben et al. 2019, HESS 23:4323)."""
    sim = np.full(OBS.size, OBS.mean())
    assert metrics.nse(sim, OBS) == pytest.approx(0.0, abs=1e-14)
    assert metrics.kge(sim, OBS) == pytest.approx(1.0 - math.sqrt(2.0), abs=1e-12)


def test_nan_pairs_are_skipped_not_filled():
    obs = np.append(OBS, [np.nan, 7.0])
    sim = np.append(SIM, [2.0, np.nan])
    assert metrics.nse(sim, obs) == pytest.approx(0.725, abs=1e-14)
    assert metrics.pbias(sim, obs) == pytest.approx(100.0 / 30.0, abs=1e-12)
    assert metrics.all_metrics(sim, obs)["n"] == 5


def test_scaled_kge_weights_the_bias_term():
    """Gupta et al. (2009) eq. 10 by hand: s = (1, 1, 1) is KGE; s_beta = 5 multiplies the bias term by 5."""
    import numpy as np
    from karstmodel.accounting import metrics as M
    o = np.array([4.0, 4.2, 3.9, 4.4, 4.1, 3.8])
    s = 0.9 * o + np.array([0.1, -0.05, 0.02, 0.0, -0.1, 0.03])
    r = np.corrcoef(s, o)[0, 1]
    a = s.std() / o.std()
    b = s.mean() / o.mean()
    assert M.kge_scaled(s, o, (1.0, 1.0, 1.0)) == M.kge(s, o)
    ref = 1.0 - np.sqrt((r - 1) ** 2 + (a - 1) ** 2 + (5 * (b - 1)) ** 2)
    assert abs(M.kge_scaled(s, o, (1.0, 1.0, 5.0)) - ref) < 1e-14
    assert np.isnan(M.log_nse(np.array([-2.5, -2.6]), np.array([-2.6, -2.5])))  # log of a negative quantity


def test_flow_duration_is_the_weibull_plotting_position():
    """q = 1..9 (shuffled, with a NaN): sorted high to low, exceedance i / 10."""
    from karstmodel.accounting.metrics import flow_duration
    rng = np.random.default_rng(2)
    q = rng.permutation(np.r_[np.arange(1.0, 10.0), np.nan])
    p, qs = flow_duration(q)
    np.testing.assert_array_equal(qs, np.arange(9.0, 0.0, -1.0))
    np.testing.assert_allclose(p, np.arange(1, 10) / 10.0, rtol=0, atol=1e-15)


def test_autocorrelation_of_an_ar1_series_is_phi_to_the_lag():
    """x_t = 0.7 x_{t-1} + e_t (200,000 steps): r_k = 0.7^k within sampling error (~3/sqrt(n)); gaps are skipped."""
    from karstmodel.accounting.metrics import autocorrelation
    rng = np.random.default_rng(4)
    n, phi = 200_000, 0.7
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    r = autocorrelation(x, 5)
    np.testing.assert_allclose(r, phi ** np.arange(6), atol=0.01)
    x[::97] = np.nan
    np.testing.assert_allclose(autocorrelation(x, 5), phi ** np.arange(6), atol=0.015)


def test_kge_statistics_equal_numpys_on_long_series():
    """On a 5,000-day series with gaps and a constant simulation, KGE and KGE' equal the formulas evaluated with
    numpy's own std and corrcoef (the reference the lean statistics replace) to 1e-13."""
    rng = np.random.default_rng(3)
    o = np.exp(rng.normal(0.0, 1.0, 5000))
    s = 0.8 * o + rng.gamma(2.0, 0.3, 5000)
    s[rng.choice(5000, 40, replace=False)] = np.nan
    o[rng.choice(5000, 25, replace=False)] = np.nan
    ok = np.isfinite(s) & np.isfinite(o)
    so, oo = s[ok], o[ok]
    r = np.corrcoef(so, oo)[0, 1]
    alpha, beta = so.std() / oo.std(), so.mean() / oo.mean()
    gamma = (so.std() / so.mean()) / (oo.std() / oo.mean())
    assert metrics.kge(s, o) == pytest.approx(1 - math.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (beta - 1) ** 2),
                                              abs=1e-13)
    assert metrics.kge_prime(s, o) == pytest.approx(1 - math.sqrt((r - 1) ** 2 + (gamma - 1) ** 2 + (beta - 1) ** 2),
                                                    abs=1e-13)
    assert metrics.kge_scaled(s, o, (1.0, 1.0, 5.0)) == pytest.approx(
        1 - math.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (5 * (beta - 1)) ** 2), abs=1e-13)
    flat = np.full(5000, 2.0)  # a constant simulation: r = 0, alpha = 0
    o_mean = o[np.isfinite(o)].mean()
    assert metrics.kge(flat, o) == pytest.approx(1 - math.sqrt(1 + 1 + (2.0 / o_mean - 1) ** 2), abs=1e-13)
