"""Parameter and prediction uncertainty by GLUE (Beven & Binley 1992, Hydrol. Process. 6:279).

Parameter sets are drawn by Latin hypercube sampling (McKay et al. 1979; ``scipy.stats.qmc.LatinHypercube``) in the
calibration search space; each is run (water-only fast path) and scored with the calibration objective on the
calibration period. Sets scoring at least ``threshold`` are behavioural (if fewer than ``min_behavioural`` pass,
the best ``min_behavioural`` are kept and the report says so). Likelihood weights are proportional to
(score - threshold), normalised. Discharge prediction bands are weighted 5 %, 50 % and 95 % quantiles per day.
The carbon sink, runoff and flow-weighted DIC are computed with the full chain for up to ``n_full_runs``
behavioural sets drawn by weight, and reported as weighted median and 90 % interval.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from .calibration import CalibrationSetup, Objective, period_mask
from .._display import Rows, Shown, number
from .._parallel import map_chunks
from ..config.parameters import apply_parameters
from ..model.simulate import simulate
from ..io.drivers import Drivers


def weighted_quantile(values, weights, q):
    """Quantiles of ``values`` (along axis 0) with ``weights`` (interpolated on the weighted CDF)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    qs = np.atleast_1d(q)
    if v.ndim == 1:
        v = v[:, None]
    order = np.argsort(v, axis=0)
    vs = np.take_along_axis(v, order, axis=0)
    ws = w[order]
    cdf = (np.cumsum(ws, axis=0) - 0.5 * ws) / ws.sum(axis=0)
    out = np.empty((qs.size, v.shape[1]))
    for j in range(v.shape[1]):
        out[:, j] = np.interp(qs, cdf[:, j], vs[:, j])
    return out if out.shape[1] > 1 else out[:, 0]


#: a parameter is not identified when its behavioural 5-95 % range (weighted, in the search space) spans at least this
#: share of the 5-95 % range of the uniform prior it was sampled from: the data did not narrow it
FLAT_RANGE_SHARE = 0.8
#: a parameter is at a bound when its behavioural median lies within this share of the search range from a bound
AT_BOUND_SHARE = 0.05
#: a GLUE threshold that keeps more than this share of the samples behavioural hardly rejects anything: the
#: identifiability report then says so and names the score the best tenth of the samples reach
LOOSE_BEHAVIOURAL_SHARE = 0.3
#: two parameters trade off when the weighted correlation of their behavioural values (search space) reaches this
CORRELATED_R = 0.7


def identifiability(samples: pd.DataFrame, weights, parameters) -> dict:
    """Which parameters the observations pin down, from the behavioural GLUE sets (``samples`` rows, likelihood
    ``weights``) in the search space of each :class:`ParameterSpec` (log10 where it is searched in logs).

    For each parameter: ``range_share``, the weighted 5-95 % range of the behavioural values over the prior's
    (uniform over the search range: 90 % of it); ``identified`` is False when it is >= :data:`FLAT_RANGE_SHARE`
    (the posterior is about as wide as the prior: equifinality in the sense of Beven & Binley 1992);
    ``at_bound`` is "lower" or "upper" when the weighted median is within :data:`AT_BOUND_SHARE` of the search
    range from that bound (the optimum may lie outside the range). ``correlated_pairs``: parameter pairs whose
    weighted Pearson correlation reaches |r| >= :data:`CORRELATED_R` (they trade off against each other)."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    cols, out = {}, {}
    for p in parameters:
        lo, hi = p.search_bounds
        u = np.array([p.to_search(v) for v in samples[p.name].to_numpy(float)])
        cols[p.name] = u
        q05, q50, q95 = weighted_quantile(u, w, [0.05, 0.5, 0.95])
        width = hi - lo
        share = float((q95 - q05) / (0.9 * width)) if width > 0 else float("nan")
        at = None
        if width > 0 and q50 - lo <= AT_BOUND_SHARE * width:
            at = "lower"
        elif width > 0 and hi - q50 <= AT_BOUND_SHARE * width:
            at = "upper"
        out[p.name] = {"range_share": share, "identified": bool(share < FLAT_RANGE_SHARE), "at_bound": at}
    pairs = []
    names = list(cols)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            x, y = cols[a], cols[b]
            mx, my = w @ x, w @ y
            sx, sy = np.sqrt(w @ (x - mx) ** 2), np.sqrt(w @ (y - my) ** 2)
            if sx > 0 and sy > 0:
                r = float(w @ ((x - mx) * (y - my)) / (sx * sy))
                if abs(r) >= CORRELATED_R:
                    pairs.append([a, b, r])
    rule = (f"not identified: behavioural 5-95 % range >= {FLAT_RANGE_SHARE:.0%} of the prior's; at a bound: median "
            f"within {AT_BOUND_SHARE:.0%} of the search range of a bound; correlated: |weighted r| >= {CORRELATED_R}")
    return {"parameters": out, "correlated_pairs": pairs, "rule": rule}


def threshold_note(scores, behavioural, threshold: float, threshold_used: float, fallback: bool,
                   objective: str) -> str | None:
    """What the identifiability verdicts of a GLUE run rest on, when its threshold does not discriminate: no sample
    reached it (the best ones stood in), or it kept more than :data:`LOOSE_BEHAVIOURAL_SHARE` of the samples, so
    that the behavioural sets are nearly the prior and nearly every parameter reads as not identified. None when
    the threshold rejected most samples."""
    n, k = len(scores), int(np.count_nonzero(behavioural))
    finite = np.asarray(scores, dtype=float)[np.isfinite(scores)]
    if fallback:
        return (f"no sample reached {objective} >= {threshold:.3g}: the best {k} stand in (down to "
                f"{threshold_used:.3g}), so the posteriors are those of fits poorer than the threshold asks for; more "
                f"samples (--glue-samples) let enough sets reach it, or lower it (--glue-threshold); "
                f"--uncertainty mcmc samples around the best fit instead")
    if n and k / n > LOOSE_BEHAVIOURAL_SHARE and finite.size:
        top = float(np.quantile(finite, 0.9))
        return (f"the threshold {objective} >= {threshold:.3g} keeps {k} of {n} samples ({k / n:.0%}), so the "
                f"posteriors stay close to the priors; the best tenth of the samples score {objective} >= {top:.3g}: "
                f"a threshold near that (--glue-threshold or [calibration] glue_threshold) shows which parameters "
                f"the data pin down")
    return None


@dataclass(repr=False)
class GlueResult(Shown):
    samples: pd.DataFrame  # all sampled parameter sets with score and weight
    behavioural: pd.DataFrame
    threshold: float
    fallback: bool
    q_bands: pd.DataFrame  # q_p05, q_p50, q_p95 (mm/d) on the driver index
    outputs: pd.DataFrame  # full-chain outputs of behavioural sets (sink, runoff, DIC) with weights
    summary: dict
    seconds: float

    def _display_rows(self) -> Rows:  # repr: a few lines, not the sample tables
        s = self.summary
        sink = s.get("carbon_sink_tc_km2_yr") or {}
        return "GlueResult", [
            ("samples", f"{s.get('n_samples', len(self.samples))} sets, {len(self.behavioural)} behavioural "
                        f"({s.get('objective', '?')} >= {number(s.get('threshold_used', self.threshold), '.3f')}"
                        + ("; fallback to the best sets" if self.fallback else "") + ")"),
            ("carbon sink", f"median {number(sink.get('median'), '.4g')}, 90 % interval {number(sink.get('p05'), '.4g')}"
                            f" .. {number(sink.get('p95'), '.4g', 't C km-2 yr-1')} ({s.get('n_full_runs', '?')} "
                            "full runs)"),
            ("time", number(self.seconds, ".1f", "s"))]


def _score_chunk(args):
    obj, xs = args
    out = []
    for x in xs:
        c, sim = obj.simulate(x)
        s = obj.metric(sim["q"][obj.mask], obj.observed(c, "q")[obj.mask])
        out.append((s, sim["q"]))
    return out


def _full_chunk(args):
    c0, data, values_list = args
    out = []
    for values in values_list:
        c = apply_parameters(c0, values)
        r = simulate(c, drivers=Drivers(data=data, filled={}, source="glue"), observations=None, with_reaches=False)
        s = r.summary
        out.append({"carbon_sink_tc_km2_yr": s["carbon_sink_tc_km2_yr"], "carbon_sink_t_co2_yr": s["carbon_sink_t_co2_yr"],
                    "runoff_mm_yr": s["runoff_mm_yr"], "dic_mmol_l_flow_weighted": s["dic_mmol_l_flow_weighted"]})
    return out


def discharge_objective(catchment, setup: CalibrationSetup, data: pd.DataFrame, observations: pd.DataFrame):
    """(:class:`Objective` scoring discharge alone, boolean mask of the days it scores): the discharge calibration
    period (``discharge_calibration_period``, else ``calibration_period``; without either, the record after the
    warm-up). The uncertainty methods (GLUE here, MCMC in :mod:`karstmodel.workflows.mcmc`) sample the hydrological
    parameters against discharge only."""
    q_period = setup.discharge_calibration_period or setup.calibration_period
    mask = period_mask(data.index, q_period)
    if q_period is None and catchment.warmup_days:
        mask[: catchment.warmup_days] = False
    s_setup = CalibrationSetup(**{**setup.__dict__, "weights": {"q": 1.0}})
    return Objective(catchment, data, s_setup, observations, mask), mask


def glue(catchment, setup: CalibrationSetup, data: pd.DataFrame, observations: pd.DataFrame, n_samples: int = 2000,
         threshold: float | None = None, min_behavioural: int = 30, n_full_runs: int = 40, seed: int = 1, workers: int = 1,
         progress: bool = True) -> GlueResult:
    """GLUE with Latin hypercube sampling (see the module docstring); ``threshold``: default
    ``setup.glue_threshold``."""
    t0 = time.perf_counter()
    if threshold is None:
        threshold = setup.glue_threshold
    obj, mask = discharge_objective(catchment, setup, data, observations)
    lo = np.array([p.search_bounds[0] for p in setup.parameters])
    hi = np.array([p.search_bounds[1] for p in setup.parameters])
    u = qmc.LatinHypercube(d=len(lo), seed=seed).random(n_samples)
    xs = lo + u * (hi - lo)
    chunks = [(obj, xs[i:i + 100]) for i in range(0, n_samples, 100)]
    scored = map_chunks(_score_chunk, chunks, workers, "GLUE sampling", n_samples, progress)
    scores = np.array([s for s, _ in scored])
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    beh = scores >= threshold
    fallback = False
    if beh.sum() < min_behavioural:
        fallback = True
        keep = np.argsort(scores)[::-1][:min_behavioural]
        beh = np.zeros(n_samples, dtype=bool)
        beh[keep] = True
        thr_eff = float(scores[keep].min()) - 1e-9
    else:
        thr_eff = threshold
    w = np.where(beh, scores - thr_eff, 0.0)
    w = w / w.sum()
    values = [obj.values(x) for x in xs]
    samples = pd.DataFrame(values)
    samples["score"] = scores
    samples["weight"] = w
    samples["behavioural"] = beh
    idx = np.flatnonzero(beh)
    q_sims = np.stack([scored[i][1] for i in idx])
    bands = weighted_quantile(q_sims, w[idx], [0.05, 0.5, 0.95])
    q_bands = pd.DataFrame({"q_p05_mm": bands[0], "q_p50_mm": bands[1], "q_p95_mm": bands[2]}, index=data.index)
    rng = np.random.default_rng(seed)
    pick = rng.choice(idx, size=min(n_full_runs, idx.size), replace=False, p=w[idx] / w[idx].sum())
    vals = [values[i] for i in pick]
    per = max(1, len(vals) // max(workers, 1))
    outs = map_chunks(_full_chunk, [(catchment, data, vals[i:i + per]) for i in range(0, len(vals), per)], workers,
                      "GLUE full runs", len(vals), progress)
    outputs = pd.DataFrame(outs)
    outputs["weight"] = w[pick] / w[pick].sum()
    summ = {"n_samples": n_samples, "n_behavioural": int(beh.sum()), "threshold": threshold,
            "threshold_used": thr_eff, "fallback_to_best": fallback, "objective": setup.objective,
            "n_full_runs": int(len(pick))}
    for col in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted"):
        qv = weighted_quantile(outputs[col].to_numpy(), outputs["weight"].to_numpy(), [0.05, 0.5, 0.95])
        summ[col] = {"median": float(qv[1]), "p05": float(qv[0]), "p95": float(qv[2])}
    for p in setup.parameters:
        qv = weighted_quantile(samples.loc[beh, p.name].to_numpy(), w[beh], [0.05, 0.5, 0.95])
        summ.setdefault("parameters", {})[p.name] = {"median": float(qv[1]), "p05": float(qv[0]), "p95": float(qv[2])}
    summ["identifiability"] = identifiability(samples.loc[beh], w[beh], setup.parameters)
    note = threshold_note(scores, beh, threshold, thr_eff, fallback, setup.objective)
    if note:
        summ["identifiability"]["note"] = note
    return GlueResult(samples=samples, behavioural=samples[beh], threshold=threshold, fallback=fallback,
                      q_bands=q_bands, outputs=outputs, summary=summ, seconds=time.perf_counter() - t0)
