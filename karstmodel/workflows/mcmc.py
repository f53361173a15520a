"""Bayesian parameter and prediction uncertainty with a formal likelihood, sampled by MCMC (emcee).

GLUE (:mod:`karstmodel.workflows.uncertainty`) weights parameter sets by an informal likelihood (the calibration
objective above a threshold). This module is the formal alternative for users who want posteriors in the
statistical sense:

* **Error model.** Discharge is compared after the Box-Cox transformation (Box & Cox 1964, J. R. Stat. Soc. B
  26:211, eq. 1) ``z(q) = ((q + eps)**lam - 1) / lam``, which makes the residual variance roughly independent of
  the flow; McInerney et al. (2017, Water Resour. Res. 53:2199) found lam = 0.2 among the best choices for daily
  streamflow of perennial catchments, the default here. The residuals ``e_t = z(q_obs) - z(q_sim)`` follow a
  stationary first-order autoregressive process ``e_t = phi e_(t-1) + eta_t``, ``eta_t ~ N(0, sigma**2)``
  (Kuczera 1983, Water Resour. Res. 19:1151; Bates & Campbell 2001, Water Resour. Res. 37:937, eqs. 2-4): daily
  model errors persist for days. ``eps`` (``BOX_COX_OFFSET_SHARE`` of the mean observed discharge) keeps zero
  flows defined.
* **Likelihood.** The exact Gaussian AR(1) log-likelihood of each contiguous run of observed days (Box, Jenkins &
  Reinsel 2008, Time Series Analysis, 4th ed., eq. 7.1.6 for p = 1; see :func:`ar1_log_likelihood`) plus the
  Jacobian of the transformation, ``(lam - 1) sum log(q_obs + eps)``, so that the value is a density of the
  observed discharge itself.
* **Priors.** Uniform over each parameter's calibration search range (in log10 where it is searched in logs, as in
  the differential-evolution search), uniform in ``log sigma`` and uniform ``phi`` on [0, 0.999).
* **Sampler.** The affine-invariant ensemble sampler (Goodman & Weare 2010, Comm. App. Math. Comp. Sci. 5:65) as
  implemented by emcee (Foreman-Mackey et al. 2013, PASP 125:306), started in a small ball around the
  differential-evolution best fit. The first half of the chain is discarded as burn-in; the integrated
  autocorrelation time (Goodman & Weare 2010, eq. 17; emcee's estimator) is reported, and the chain is called
  converged only when the kept part is at least :data:`MIN_TAU_MULTIPLE` autocorrelation times long
  (Foreman-Mackey et al. 2013, sec. 3).
* **Predictions.** For posterior draws, the discharge with parameter uncertainty only, and the total predictive
  discharge (an AR(1) error series drawn per draw, added in Box-Cox space and transformed back). The report gives
  the share of observed days inside the 90 % total band per period, which should be near 0.9 when the error model
  is adequate (reliability, McInerney et al. 2017, sec. 3.4).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calibration import CalibrationSetup, Objective, period_mask
from .uncertainty import _full_chunk, discharge_objective, identifiability, weighted_quantile

#: default Box-Cox exponent (McInerney et al. 2017: BC with lambda = 0.2 among the best for perennial catchments)
BOX_COX_LAMBDA = 0.2
#: Box-Cox offset as a share of the mean observed discharge (keeps zero flows finite)
BOX_COX_OFFSET_SHARE = 0.01
#: the kept part of the chain must be at least this many integrated autocorrelation times long to be called
#: converged (Foreman-Mackey et al. 2013, sec. 3, recommend "about 50")
MIN_TAU_MULTIPLE = 50
#: upper bound of the AR(1) coefficient (stationarity needs phi < 1)
PHI_MAX = 0.999


def box_cox(q, lam: float, eps: float):
    """Box & Cox (1964, eq. 1) transformation of discharge ``q`` (any unit) with offset ``eps`` (same unit)."""
    q = np.asarray(q, dtype=float)
    if lam == 0.0:
        return np.log(q + eps)
    return ((q + eps) ** lam - 1.0) / lam


def inverse_box_cox(z, lam: float, eps: float):
    """The discharge of Box-Cox value ``z`` (inverse of :func:`box_cox`); values below the transformation's lower
    limit give discharge 0 (never negative)."""
    z = np.asarray(z, dtype=float)
    if lam == 0.0:
        return np.maximum(np.exp(z) - eps, 0.0)
    base = np.maximum(lam * z + 1.0, 0.0)
    return np.maximum(base ** (1.0 / lam) - eps, 0.0)


def contiguous_runs(mask) -> list:
    """(start, stop) index pairs of the runs of True in boolean ``mask`` (a gap restarts the AR(1) process)."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]


def ar1_log_likelihood(residuals, sigma: float, phi: float, runs) -> float:
    """Exact log-likelihood of ``residuals`` under a stationary Gaussian AR(1) process with innovation standard
    deviation ``sigma`` and coefficient ``phi`` (|phi| < 1), summed over independent contiguous ``runs`` (start,
    stop). For a run e_1..e_n (Box, Jenkins & Reinsel 2008, eq. 7.1.6 with p = 1):

    ``log L = -n/2 log(2 pi sigma^2) + 1/2 log(1 - phi^2) - [(1 - phi^2) e_1^2 + sum_(t>=2) (e_t - phi e_(t-1))^2]
    / (2 sigma^2)``,

    the first value having the stationary variance sigma^2 / (1 - phi^2)."""
    e = np.asarray(residuals, dtype=float)
    s2 = sigma * sigma
    one_m = 1.0 - phi * phi
    total, n_all = 0.0, 0
    for a, b in runs:
        r = e[a:b]
        n = b - a
        n_all += n
        ss = one_m * r[0] * r[0] + float(np.sum((r[1:] - phi * r[:-1]) ** 2))
        total += 0.5 * np.log(one_m) - ss / (2.0 * s2)
    return float(total - 0.5 * n_all * np.log(2.0 * np.pi * s2))


def ar1_series(n: int, sigma: float, phi: float, rng) -> np.ndarray:
    """A stationary AR(1) series of length ``n`` (first value from the stationary distribution)."""
    eta = rng.normal(0.0, sigma, n)
    out = np.empty(n)
    out[0] = eta[0] / np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + eta[t]
    return out


class LogPosterior:
    """Picklable log-posterior of the search vector ``[model parameters (search space)..., log10 sigma, phi]``:
    uniform priors (see the module docstring) and the Box-Cox AR(1) likelihood of discharge on ``mask``."""

    def __init__(self, objective: Objective, mask, lam: float, eps: float, log_sigma_bounds: tuple):
        self.obj = objective
        self.mask = np.asarray(mask, dtype=bool)
        self.runs = contiguous_runs(self.mask)
        self.lam, self.eps = lam, eps
        self.lo = np.array([p.search_bounds[0] for p in objective.setup.parameters] + [log_sigma_bounds[0], 0.0])
        self.hi = np.array([p.search_bounds[1] for p in objective.setup.parameters] + [log_sigma_bounds[1], PHI_MAX])
        self.q_obs = None

    def transformed_residuals(self, x):
        """(Box-Cox residuals on every day, simulated discharge mm/d) of search vector ``x``'s model part."""
        c, sim = self.obj.simulate(x[:-2])
        q_obs = self.obj.observed(c, "q")
        with np.errstate(invalid="ignore"):
            res = box_cox(q_obs, self.lam, self.eps) - box_cox(sim["q"], self.lam, self.eps)
        return res, sim["q"], q_obs

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=float)
        if np.any(x < self.lo) or np.any(x > self.hi):
            return -np.inf
        res, _, q_obs = self.transformed_residuals(x)
        if not np.all(np.isfinite(res[self.mask])):
            return -np.inf
        ll = ar1_log_likelihood(res, 10.0 ** x[-2], x[-1], self.runs)
        jac = (self.lam - 1.0) * float(np.sum(np.log(q_obs[self.mask] + self.eps)))
        return ll + jac


@dataclass
class McmcResult:
    """What :func:`mcmc` returns (the same fields as GLUE's result where they mean the same)."""
    samples: pd.DataFrame  # kept posterior draws: parameter values, sigma, phi, log_posterior, weight
    q_bands: pd.DataFrame  # total predictive 5/50/95 % (q_p05_mm ...) and parameter-only bands (q_param_p05_mm ...)
    outputs: pd.DataFrame  # full-chain outputs (sink, runoff, DIC) of posterior draws
    summary: dict
    seconds: float


def _start_ball(x_best, lo, hi, n_walkers: int, rng, share: float = 0.01) -> np.ndarray:
    """Walkers in a small ball (``share`` of each search range) around ``x_best``, kept inside the bounds."""
    width = hi - lo
    p0 = x_best + share * width * rng.standard_normal((n_walkers, x_best.size))
    return np.clip(p0, lo + 1e-9 * width, hi - 1e-9 * width)


def mcmc(catchment, setup: CalibrationSetup, data: pd.DataFrame, observations: pd.DataFrame, best_values: dict,
         n_steps: int = 1500, n_walkers: int | None = None, lam: float = BOX_COX_LAMBDA, n_draws: int = 200,
         n_full_runs: int = 40, seed: int = 1, validation_period=None, progress: bool = True) -> McmcResult:
    """Sample the posterior of the discharge parameters of ``setup`` (see the module docstring).

    Parameters
    ----------
    catchment : Catchment
        The catchment (chemistry parameters of a staged calibration already applied).
    setup : CalibrationSetup
        Parameters and their search ranges; ``discharge_calibration_period`` or ``calibration_period`` is the
        period the likelihood is evaluated on (the warm-up excluded when neither is set).
    data, observations : pandas.DataFrame
        Drivers and observations on the same daily index (as for :func:`karstmodel.workflows.calibration.calibrate`).
    best_values : dict
        The differential-evolution best fit (parameter name -> value): the walkers start around it.
    n_steps : int
        Steps per walker; the first half is burn-in.
    n_walkers : int, optional
        Ensemble size (default max(32, 2 x (parameters + 2) + 2), even).
    lam : float
        Box-Cox exponent.
    n_draws : int
        Posterior draws used for the discharge bands.
    n_full_runs : int
        Posterior draws run through the full chain for the carbon sink.
    seed : int
        Random seed (walkers, draws and error series).
    validation_period : tuple, optional
        (start, end) of the period whose band coverage is reported besides the calibration period.
    progress : bool
        emcee's progress bar on stderr.

    Returns
    -------
    McmcResult
        Posterior draws, discharge bands (mm/d), full-chain outputs and a summary (quantiles, acceptance,
        autocorrelation times, convergence, error-model parameters, band coverage).
    """
    import emcee  # deferred: only `--uncertainty mcmc` needs the sampler

    t0 = time.perf_counter()
    obj, mask = discharge_objective(catchment, setup, data, observations)
    q_obs_all = obj.observed(catchment, "q")
    mask &= np.isfinite(q_obs_all)
    if mask.sum() < 30:
        raise ValueError(f"mcmc: only {int(mask.sum())} days with observed discharge in the calibration period "
                         "(at least 30 are needed)")
    eps = BOX_COX_OFFSET_SHARE * float(np.mean(q_obs_all[mask]))
    x_model = np.array([p.to_search(best_values[p.name]) for p in setup.parameters])
    # the error model's start from the best fit: the residuals' standard deviation and lag-1 autocorrelation
    probe = LogPosterior(obj, mask, lam, eps, (-12.0, 6.0))
    res, _, _ = probe.transformed_residuals(np.concatenate([x_model, [0.0, 0.0]]))
    r = res[mask]
    phi0 = float(np.clip(np.corrcoef(r[1:], r[:-1])[0, 1], 0.0, 0.99)) if r.size > 2 else 0.5
    sd = float(np.std(r)) or 1e-3
    sigma0 = sd * np.sqrt(max(1.0 - phi0 * phi0, 1e-4))
    log_sigma_bounds = (np.log10(sigma0) - 3.0, np.log10(sd) + 2.0)
    post = LogPosterior(obj, mask, lam, eps, log_sigma_bounds)
    ndim = x_model.size + 2
    n_walkers = n_walkers or max(32, 2 * ndim + 2)
    n_walkers += n_walkers % 2
    rng = np.random.default_rng(seed)
    p0 = _start_ball(np.concatenate([x_model, [np.log10(sigma0), phi0]]), post.lo, post.hi, n_walkers, rng)
    sampler = emcee.EnsembleSampler(n_walkers, ndim, post)
    sampler.random_state = np.random.RandomState(seed).get_state()  # reproducible proposals
    sampler.run_mcmc(p0, n_steps, progress=progress, progress_kwargs={"desc": "MCMC", "mininterval": 2.0})
    burn = n_steps // 2
    chain = sampler.get_chain(discard=burn, flat=True)
    logp = sampler.get_log_prob(discard=burn, flat=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # a chain too short to estimate tau gives NaN: inf below
        tau = sampler.get_autocorr_time(discard=burn, tol=0)
    tau_max = float(np.nanmax(tau)) if np.isfinite(tau).any() else float("inf")
    kept = n_steps - burn
    names = [p.name for p in setup.parameters]
    values = np.array([[p.from_search(u) for p, u in zip(setup.parameters, row[:-2])] for row in chain])
    samples = pd.DataFrame(values, columns=names)
    samples["sigma"] = 10.0 ** chain[:, -2]
    samples["phi"] = chain[:, -1]
    samples["log_posterior"] = logp
    samples["weight"] = 1.0 / len(samples)
    # posterior predictive: parameter-only and total (AR(1) error in Box-Cox space) discharge bands
    pick = rng.choice(len(chain), size=min(n_draws, len(chain)), replace=False)
    q_param, q_total = [], []
    for i in pick:
        _, q_sim, _ = post.transformed_residuals(chain[i])
        q_param.append(q_sim)
        err = ar1_series(q_sim.size, 10.0 ** chain[i, -2], chain[i, -1], rng)
        q_total.append(inverse_box_cox(box_cox(q_sim, lam, eps) + err, lam, eps))
    qp = np.percentile(np.stack(q_param), [5, 50, 95], axis=0)
    qt = np.percentile(np.stack(q_total), [5, 50, 95], axis=0)
    q_bands = pd.DataFrame({"q_p05_mm": qt[0], "q_p50_mm": qt[1], "q_p95_mm": qt[2],
                            "q_param_p05_mm": qp[0], "q_param_p50_mm": qp[1], "q_param_p95_mm": qp[2]},
                           index=data.index)
    coverage = {"calibration": _coverage(q_obs_all, qt, mask)}
    if validation_period is not None:
        vmask = period_mask(data.index, validation_period) & np.isfinite(q_obs_all)
        if vmask.any():
            coverage["validation"] = _coverage(q_obs_all, qt, vmask)
    full_pick = rng.choice(len(chain), size=min(n_full_runs, len(chain)), replace=False)
    outputs = pd.DataFrame(_full_chunk((catchment, data, [dict(samples.loc[i, names]) for i in full_pick])))
    outputs["weight"] = 1.0 / len(outputs)
    summ = {"n_samples": int(len(samples)), "n_walkers": int(n_walkers), "n_steps": int(n_steps), "burn_in": burn,
            "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
            "autocorr_time_steps": {k: float(t) for k, t in zip(names + ["sigma", "phi"], tau)},
            "autocorr_time_max_steps": tau_max, "kept_steps_per_tau": float(kept / tau_max),
            "converged": bool(kept >= MIN_TAU_MULTIPLE * tau_max),
            "convergence_rule": f"kept steps >= {MIN_TAU_MULTIPLE} x the largest integrated autocorrelation time",
            "error_model": {"box_cox_lambda": lam, "box_cox_offset_mm_d": eps,
                            "likelihood": "Gaussian AR(1) residuals of Box-Cox transformed discharge"},
            "coverage_90": coverage, "n_full_runs": int(len(outputs)), "objective": "log-likelihood (formal)",
            "n_behavioural": int(len(samples))}
    for col in ("sigma", "phi"):
        q05, q50, q95 = np.percentile(samples[col], [5, 50, 95])
        summ["error_model"][col] = {"median": float(q50), "p05": float(q05), "p95": float(q95)}
    for col in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted"):
        qv = weighted_quantile(outputs[col].to_numpy(), outputs["weight"].to_numpy(), [0.05, 0.5, 0.95])
        summ[col] = {"median": float(qv[1]), "p05": float(qv[0]), "p95": float(qv[2])}
    summ["parameters"] = {}
    for n in names:
        q05, q50, q95 = np.percentile(samples[n], [5, 50, 95])
        summ["parameters"][n] = {"median": float(q50), "p05": float(q05), "p95": float(q95)}
    summ["identifiability"] = identifiability(samples, samples["weight"].to_numpy(), setup.parameters)
    return McmcResult(samples=samples, q_bands=q_bands, outputs=outputs, summary=summ,
                      seconds=time.perf_counter() - t0)


def _coverage(q_obs, bands, mask) -> float:
    """Share of observed days on ``mask`` inside the 5-95 % band ``bands`` (rows p05, p50, p95)."""
    q = q_obs[mask]
    return float(np.mean((q >= bands[0][mask]) & (q <= bands[2][mask])))
