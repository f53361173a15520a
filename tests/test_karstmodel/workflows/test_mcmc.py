"""Formal-likelihood MCMC (karstmodel.workflows.mcmc): the likelihood against scipy's multivariate normal, the
Box-Cox pair, and a short chain on the bundled Kerschbaum spring."""
import numpy as np
import pytest
from scipy import stats
from scipy.linalg import toeplitz

from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.config.parameters import parameter_value
from karstmodel.io.drivers import load_drivers
from karstmodel.model.simulate import simulate_water
from karstmodel.workflows.calibration import Objective, load_station_observations, period_mask
from karstmodel.workflows.calibration_setup import setup_from_catchment
from karstmodel.workflows import mcmc as M
from karst_helpers import SYNTHETIC_TRUTH, synthetic_calibration_site


def _mvn_ar1(e, sigma, phi):
    """Reference: the log-density of a stationary AR(1) run as one multivariate normal (covariance
    sigma^2 / (1 - phi^2) phi^|i-j|)."""
    n = e.size
    cov = sigma ** 2 / (1 - phi ** 2) * toeplitz(phi ** np.arange(n))
    return stats.multivariate_normal(np.zeros(n), cov).logpdf(e)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.95])
def test_ar1_log_likelihood_equals_multivariate_normal(phi):
    rng = np.random.default_rng(3)
    e = rng.normal(0, 0.3, 60)
    mask = np.ones(60, bool)
    mask[20:23] = False  # a gap: two independent runs
    runs = M.contiguous_runs(mask)
    assert runs == [(0, 20), (23, 60)]
    ours = M.ar1_log_likelihood(e, 0.2, phi, runs)
    ref = sum(_mvn_ar1(e[a:b], 0.2, phi) for a, b in runs)
    assert ours == pytest.approx(ref, rel=1e-10)


def test_box_cox_round_trip_and_log_limit():
    q = np.array([0.0, 0.01, 1.0, 37.5])
    for lam in (0.2, 0.5, 0.0):
        assert M.inverse_box_cox(M.box_cox(q, lam, 0.05), lam, 0.05) == pytest.approx(q, abs=1e-12)
    # lambda -> 0 is the logarithm (Box & Cox 1964)
    assert M.box_cox(q, 1e-8, 0.05) == pytest.approx(np.log(q + 0.05), rel=1e-6, abs=1e-7)
    # below the transformation's lower limit: no negative discharge
    assert M.inverse_box_cox(np.array([-50.0]), 0.2, 0.05)[0] == 0.0


def test_ar1_series_has_the_stationary_statistics():
    x = M.ar1_series(200_000, 0.1, 0.8, np.random.default_rng(1))
    assert np.std(x) == pytest.approx(0.1 / np.sqrt(1 - 0.64), rel=0.02)
    assert np.corrcoef(x[1:], x[:-1])[0, 1] == pytest.approx(0.8, abs=0.01)


@pytest.fixture(scope="module")
def kerschbaum():
    c = load_catchment(resolve_catchment("kerschbaum"))
    setup = setup_from_catchment(c, c.calibration, None)
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    obs = load_station_observations(c, data.index)
    best = {p.name: parameter_value(c, p.name) for p in setup.parameters}
    return c, setup, data, obs, best


def test_log_posterior_is_the_box_cox_ar1_density_of_the_observed_discharge(kerschbaum):
    """The log-posterior inside the prior = the multivariate-normal AR(1) density of the Box-Cox residuals of an
    independent simulate_water run, plus the Jacobian of the transformation."""
    c, setup, data, obs, best = kerschbaum
    mask = period_mask(data.index, setup.calibration_period)
    obj = Objective(c, data, setup, obs, mask)
    q_obs = obj.observed(c, "q")
    mask &= np.isfinite(q_obs)
    lam, eps, sigma, phi = 0.2, 0.02, 0.05, 0.9
    post = M.LogPosterior(obj, mask, lam, eps, (-4.0, 1.0))
    x = np.array([p.to_search(best[p.name]) for p in setup.parameters] + [np.log10(sigma), phi])
    got = post(x)
    q_sim = simulate_water(c, data).spring_mm
    e = M.box_cox(q_obs, lam, eps) - M.box_cox(q_sim, lam, eps)
    ref = sum(_mvn_ar1(e[a:b], sigma, phi) for a, b in M.contiguous_runs(mask))
    ref += (lam - 1) * np.sum(np.log(q_obs[mask] + eps))
    assert got == pytest.approx(ref, rel=1e-9)
    # outside the prior: zero density
    x_out = x.copy()
    x_out[-1] = 1.2
    assert post(x_out) == -np.inf


def test_short_chain_on_kerschbaum(kerschbaum):
    """A short chain: reproducible with its seed, sensible acceptance, the error model close to its maximum-likelihood
    value at the best fit, bands ordered, and honest about convergence (40 steps are far too few)."""
    c, setup, data, obs, best = kerschbaum
    kw = dict(n_steps=40, n_walkers=24, n_draws=20, n_full_runs=2, progress=False,
              validation_period=setup.validation_period)
    r = M.mcmc(c, setup, data, obs, best, **kw)
    s = r.summary
    assert len(r.samples) == 24 * 20
    assert 0.05 < s["acceptance_fraction"] < 0.9
    assert s["converged"] is False and s["kept_steps_per_tau"] < M.MIN_TAU_MULTIPLE
    # the AR(1) fit of the best-fit residuals: phi of daily discharge errors is high, and sigma is near the
    # conditional standard deviation of the residuals
    assert 0.5 < s["error_model"]["phi"]["median"] < M.PHI_MAX
    b = r.q_bands
    assert (b["q_p05_mm"] <= b["q_p50_mm"]).all() and (b["q_p50_mm"] <= b["q_p95_mm"]).all()
    assert 0.5 < s["coverage_90"]["calibration"] <= 1.0
    assert set(s["identifiability"]["parameters"]) == {p.name for p in setup.parameters}
    r2 = M.mcmc(c, setup, data, obs, best, **kw)
    assert np.array_equal(r.samples.to_numpy(), r2.samples.to_numpy())


TRUE = SYNTHETIC_TRUTH


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The synthetic catchment of karst_helpers.synthetic_calibration_site: 'observed' discharge = the model's own
    with TRUE times independent lognormal noise (5 %, seeded)."""
    site = synthetic_calibration_site(tmp_path_factory.mktemp("synthetic_mcmc"))
    c, data = site["catchment"], site["data"]
    return c, setup_from_catchment(c, c.calibration, None), data, load_station_observations(c, data.index)


def test_synthetic_truth_inside_the_posterior(synthetic):
    """Truth recovery: started away from the truth, the chain finds it, the 98 % posterior intervals hold the true
    parameters, the AR(1) coefficient of independent noise is small, and the 90 % predictive band holds about 90 %
    of the observed days in calibration and validation."""
    c, setup, data, obs = synthetic
    start = {"reservoirs.matrix_k_per_d": 0.03, "reservoirs.conduit_fraction": 0.25}
    r = M.mcmc(c, setup, data, obs, start, n_steps=250, n_walkers=16, n_draws=100, n_full_runs=1, progress=False,
               validation_period=setup.validation_period)
    s = r.summary
    for name, v in TRUE.items():
        lo, hi = np.percentile(r.samples[name], [1, 99])
        assert lo <= v <= hi, (name, lo, hi)
        assert s["parameters"][name]["median"] == pytest.approx(v, rel=0.1)
    assert s["error_model"]["phi"]["median"] < 0.3
    assert 0.8 <= s["coverage_90"]["calibration"] <= 0.97
    assert 0.8 <= s["coverage_90"]["validation"] <= 0.97
