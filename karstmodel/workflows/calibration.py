"""Calibration of catchment parameters against station observations (split sample, seeded, parallel).

The optimiser is scipy's differential evolution (Storn & Price 1997, J. Glob. Optim. 11:341; scipy.optimize.
differential_evolution), a maintained global optimiser: karstmodel does not implement its own. Parameters, bounds
and transforms are declared in the catchment file:

.. code-block:: toml

    [calibration]
    objective = "kge"                        # kge | kge_prime | nse | log_nse (on every variable)
    calibration_period = "2002-01-01:2009-12-31"
    validation_period = "2014-01-01:2016-12-31"
    seed = 1
    maxiter = 60
    popsize = 15
    closed_catchment = false                 # true: river gauge of a closed topographic catchment (area within
                                             # 5 % of area_km2, no overflow to other outlets; closed_catchment())
    [calibration.parameters]
    area_km2 = {min = 0.5, max = 4.0}
    "reservoirs.matrix_k_per_d" = {min = 1e-5, max = 0.05, transform = "log"}
    [calibration.weights]                    # several variables: weighted sum of (1 - metric)
    q = 1.0
    dic_mmol_l = 0.5

Parameter names are those of :mod:`karstmodel.parameters`. ``transform = "log"`` searches log10 of the value
(for rate constants spanning decades). Discharge-only objectives use the compiled water pass
(:mod:`karstmodel.model.water_pass`); objectives with
chemistry variables run the full chain. ``pareto`` calibrates a sweep of weights between the first two variables
and returns the non-dominated set.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from chemistry.errors import InputError

from ..accounting import metrics as M
from .._display import Rows, Shown, calibration_rows
from .._parallel import SpawnMap, n_workers
from ..config.catchment import Catchment
from ..io.observations import load_discharge_observations, m3_s_to_mm_d
from ..config.parameters import ParameterPlan, apply_parameters
from ..io.drivers import Drivers, load_drivers, MIN_RECORD_DAYS
from ..io.observations import load_chemistry_observations
from ..model.chem_pass import chain_columns
from ..model.simulate import simulate
from ..model.water_pass import PreparedDrivers, discharge

from ..config.period import parse_period  # noqa: F401 (re-exported: karstmodel.workflows.calibration.parse_period)
from .calibration_setup import (CHEM_VARIABLES, CLOSED_AREA_TOLERANCE, OBJECTIVES, OUTLET_COLUMNS,  # noqa: F401
                                CalibrationSetup, ParameterSpec, check_observed_periods, closed_catchment,
                                QUICK_PRESET, default_parameters, objective_function, period_mask, setup_from_catchment,
                                simulated_column)


class CalibrationRunError(RuntimeError):
    """One run of the calibration failed (its parameter values are in the message)."""


class Objective:
    """Picklable loss function for the optimiser: sum over variables of w (1 - metric) on the calibration mask."""

    def __init__(self, catchment: Catchment, data: pd.DataFrame, setup: CalibrationSetup, observations: pd.DataFrame,
                 mask: np.ndarray):
        self.c = catchment
        self.data = data
        self.setup = setup
        self.obs = observations
        self.mask = mask
        self.metric = objective_function(setup)
        self.water_only = set(setup.weights) == {"q"}
        self.q_mask = mask
        if setup.discharge_calibration_period is not None:
            self.q_mask = period_mask(data.index, setup.discharge_calibration_period)
            if catchment.warmup_days:
                self.q_mask[: catchment.warmup_days] = False
        self.names = [p.name for p in setup.parameters]
        self.plan = ParameterPlan(catchment, tuple(self.names))  # the names resolved once, not per run
        # per-run constants hoisted out of the loss: the drivers as arrays and the observed discharge
        self.drivers = PreparedDrivers.from_frame(data) if self.water_only else None
        self._q_m3_s = None
        self._q_mm = observations["q_obs_mm"].to_numpy() if "q_obs_mm" in observations.columns else None
        if "q_obs_m3_s" in observations.columns and observations["q_obs_m3_s"].notna().any() and \
                observations.attrs.get("q_unit") != "mm_d":
            self._q_m3_s = observations["q_obs_m3_s"].to_numpy()
        # the loss scores no day after the last calibration day: the water pass stops its record pass there
        # (water_pass.discharge(days=...), the same discharge on those days)
        scored = np.flatnonzero(np.asarray(self.mask, bool) | np.asarray(self.q_mask, bool))
        self.days = int(scored[-1]) + 1 if scored.size else len(data)

    def values(self, x) -> dict:
        return {p.name: p.from_search(u) for p, u in zip(self.setup.parameters, x)}

    def simulate(self, x, days: int | None = None):
        """The calibrated catchment and its simulated variables for parameter vector ``x``; ``days``: only the
        first ``days`` days are needed (the water-only path then returns only those)."""
        c = self.plan.apply([p.from_search(u) for p, u in zip(self.setup.parameters, x)])
        if self.water_only:
            # the compiled water pass: the same discharge as simulate_water (tests/test_karstmodel/model/test_water_pass.py)
            q = discharge(c, self.drivers, self.data, days=days)
            return c, {"q": q["spring_mm"] if c.observations.discharge == "spring" else q["outlet_mm"]}
        q_col = "spring_mm" if c.observations.discharge == "spring" else "outlet_runoff_mm"
        chem = [v for v in self.setup.weights if v != "q"]
        if days is not None:
            # the chain up to the last scored day only (model.chem_pass: those days are the whole run's)
            cols = chain_columns(c, self.data, [q_col, *(simulated_column(c, v) for v in chem)], days)
            return c, {"q": cols[q_col], **{v: cols[simulated_column(c, v)] for v in chem}}
        r = simulate(c, drivers=Drivers(data=self.data, filled={}, source="calibration"), observations=None,
                     with_reaches=False)
        ts = r.timeseries
        out = {"q": ts[q_col].to_numpy()}
        for v in chem:
            out[v] = ts[simulated_column(c, v)].to_numpy()
        return c, out

    def observed(self, c: Catchment, variable: str, days: int | None = None) -> np.ndarray:
        """Observed ``variable`` on the driver index (its first ``days`` days when given)."""
        if variable == "q":
            # observed discharge depends on the (possibly calibrated) area when given in m3/s
            if self._q_m3_s is not None:
                return m3_s_to_mm_d(self._q_m3_s[:days], c.area_km2)
            if self._q_mm is None:
                raise KeyError("q_obs_mm")
            return self._q_mm[:days]
        return self.obs[variable].to_numpy()[:days]

    def __call__(self, x) -> float:
        """The loss of parameter vector ``x``. A run that fails is not scored silently: the error is raised again
        with the parameter values that caused it (a simulated variable that is NaN scores 10 per weight)."""
        n = self.days
        try:
            c, sim = self.simulate(x, days=n)
        except Exception as exc:
            raise CalibrationRunError(f"the run with {self.values(x)} failed: {type(exc).__name__}: {exc}") from exc
        loss = 0.0
        for v, w in self.setup.weights.items():
            mask = (self.q_mask if v == "q" else self.mask)[:n]
            m = self.metric(sim[v][:n][mask], self.observed(c, v, n)[mask])
            loss += w * ((1.0 - m) if np.isfinite(m) else 10.0)
        return float(loss)


class ThreadMap:
    """A ``map``-like callable over ``workers`` threads, for scipy's ``workers=`` argument when every run is the
    compiled water pass: its day loops release the GIL (``nogil``, :mod:`karstmodel.model.water_pass`), so the
    members of a generation run side by side in one process, with no copies of the drivers (a process pool pickles
    the objective for every batch). The Python around each run (parameters, metric) still takes turns."""

    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(max_workers=n_workers(workers))

    def __call__(self, func, iterable):
        return list(self.pool.map(func, iterable))

    def close(self):
        self.pool.shutdown(wait=True)


def population_map(workers: int, water_only: bool):
    """How a generation's members are run: None (one after the other, scipy's ``updating="immediate"``), threads
    (:class:`ThreadMap`) on the water-only path, spawned processes (:class:`karstmodel._parallel.SpawnMap`) on the
    full chain. With more than one worker scipy updates the population once per generation
    (``updating="deferred"``), so a search with workers > 1 follows a different path than with one."""
    if n_workers(workers) <= 1:
        return None
    return ThreadMap(workers) if water_only else SpawnMap(workers)


class _Progress:
    """Progress line of a differential-evolution search (scipy's per-generation callback): generation, best loss,
    model runs so far and the time per run, elapsed time and the most time left. scipy evaluates the initial
    population and then ``runs_per_generation`` = popsize x parameters members per generation, and may stop before
    ``maxiter`` once the population has converged, so the time left is an upper bound ("at most")."""

    def __init__(self, maxiter: int, stream=sys.stderr, every_s: float = 2.0, runs_per_generation: int | None = None,
                 budget_s: float | None = None, show: bool = True):
        self.maxiter, self.stream, self.every = maxiter, stream, every_s
        self.budget_s, self.show, self.stopped_by_budget = budget_s, show, False
        self.runs_per_generation = runs_per_generation
        self.gen, self.t0, self.last = 0, time.perf_counter(), 0.0
        self.history = []

    def line(self, best: float, elapsed_s: float) -> str:
        frac = self.gen / self.maxiter
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        text = f"calibrating [{bar}] generation {self.gen}/{self.maxiter}  best loss {best:.4f}"
        left_s = elapsed_s / self.gen * (self.maxiter - self.gen) if self.gen else float("nan")
        if self.runs_per_generation:
            runs = (self.gen + 1) * self.runs_per_generation  # the initial population, then one per generation
            text += f"  {runs} runs ({1000.0 * elapsed_s / runs:.1f} ms/run)"
        text += f"  {elapsed_s:.0f} s"
        if self.gen < self.maxiter:
            text += f", at most {left_s:.0f} s left"
            if np.isfinite(left_s):
                text += time.strftime(" (done by %H:%M:%S)", time.localtime(time.time() + left_s))
        return text

    def __call__(self, intermediate_result):
        self.gen += 1
        best = float(getattr(intermediate_result, "fun", np.nan))
        self.history.append(best)
        now = time.perf_counter()
        over = self.budget_s is not None and now - self.t0 >= self.budget_s and self.gen < self.maxiter
        if self.show and (now - self.last >= self.every or self.gen == self.maxiter or over):
            self.last = now
            end = "" if getattr(self.stream, "isatty", lambda: False)() else "\n"
            print("\r" + self.line(best, now - self.t0) + ("  time budget used up: stopping" if over else ""),
                  end=end, file=self.stream, flush=True)
        self.stopped_by_budget = over
        return over  # True stops scipy's differential evolution after this generation


@dataclass(repr=False)
class CalibrationResult(Shown):
    """What :func:`calibrate` returns; its repr is a few lines (catchment, objective and loss, runs and time, fit per
    period, parameters), not the arrays."""
    catchment: Catchment  # calibrated
    setup: CalibrationSetup
    parameters: dict
    loss: float
    n_evaluations: int
    history: list
    metrics: dict  # {"calibration": {var: {...}}, "validation": {...}}
    simulated: dict  # variable -> array on the driver index
    observed: dict
    index: pd.DatetimeIndex
    seconds: float
    pareto_front: list | None = None
    stages: list | None = None
    #: the search stopped at ``CalibrationSetup.time_budget_s`` before ``maxiter`` generations
    stopped_by_budget: bool = False

    def _display_rows(self) -> Rows:
        return calibration_rows(self)


def evaluate(objective: Objective, c: Catchment, sim: dict, setup: CalibrationSetup, index) -> dict:
    out = {}
    for label, period in (("calibration", setup.calibration_period), ("validation", setup.validation_period)):
        if label == "validation" and period is None:
            continue
        mask = period_mask(index, period)
        out[label] = {}
        for v in set(setup.weights) | {"q"}:
            obs = objective.observed(c, v)
            if v in sim:
                out[label][v] = M.all_metrics(sim[v][mask], obs[mask])
    return out


def calibrate(catchment: Catchment, setup: CalibrationSetup, data: pd.DataFrame | None = None,
              observations: pd.DataFrame | None = None, progress: bool = True) -> CalibrationResult:
    """Calibrate ``catchment`` as ``setup`` says. Returns the calibrated catchment and its metrics.

    With chemistry in the weights and ``[calibration.chemistry_parameters]`` declared, calibration runs in two
    stages (:func:`_calibrate_staged`): the hydrological ``parameters`` against discharge on the fast water-only
    path, then the chemistry parameters against the whole weighted objective (discharge and chemistry) with the
    hydrology of the first stage.

    Parameters
    ----------
    catchment : Catchment
        The catchment to calibrate (its drivers and observations files are read when ``data`` / ``observations``
        are None).
    setup : CalibrationSetup
        Parameters with their search ranges and transforms, objective, weights per variable, periods and the
        differential-evolution settings (seed, maxiter, popsize, workers, time budget).
    data : pandas.DataFrame, optional
        The daily drivers (``karstmodel.io.drivers``); default: the catchment's drivers file.
    observations : pandas.DataFrame, optional
        Observations on the drivers' index (discharge ``q_obs_mm`` and any chemistry columns); default: the
        catchment's observations file.
    progress : bool, default True
        Print the progress line (generation, best loss, runs, ms per run, time left) on stderr.

    Returns
    -------
    CalibrationResult
        The calibrated catchment, the best parameter values, the loss, the number of model runs and seconds,
        whether the time budget stopped the search, and per-stage records of a staged calibration.

    Raises
    ------
    InputError
        No observed discharge to calibrate against, or a calibration or validation period without observations.
    CalibrationRunError
        A model run failed; the message gives its parameter values.
    """
    c = catchment
    if data is None:
        data = load_drivers(c.drivers, c.latitude, c.start, c.end, min_days=MIN_RECORD_DAYS).data
    if observations is None:
        observations = load_station_observations(c, data.index)
    if setup.chemistry_parameters and set(setup.weights) - {"q"}:
        return _calibrate_staged(c, setup, data, observations, progress)
    if "q_obs_mm" not in observations.columns or observations["q_obs_mm"].notna().sum() == 0:
        if "q" in setup.weights:
            raise InputError("no observed discharge to calibrate against", file=str(c.observations.file))
    periods = {"calibration": setup.calibration_period}
    if setup.validation_period is not None:
        periods["validation"] = setup.validation_period
    check_observed_periods(c, data.index, observations, periods, tuple(setup.weights))
    mask = period_mask(data.index, setup.calibration_period)
    if c.warmup_days and setup.calibration_period is None:
        mask[: c.warmup_days] = False
    obj = Objective(c, data, setup, observations, mask)
    t0 = time.perf_counter()
    runs = [dict(setup.weights)]
    if setup.pareto and len(setup.weights) >= 2:
        a, b = list(setup.weights)[:2]
        runs = [{a: 1.0 - w, b: w} for w in np.linspace(0.0, 1.0, 5)]
    results = []
    for weights in runs:
        s = CalibrationSetup(**{**setup.__dict__, "weights": weights})
        o = Objective(c, data, s, observations, mask)
        prog = _Progress(setup.maxiter, runs_per_generation=setup.popsize * len(setup.parameters),
                         budget_s=setup.time_budget_s, show=progress)
        pool = population_map(setup.workers, o.water_only)
        try:
            res = differential_evolution(o, [p.search_bounds for p in setup.parameters], seed=setup.seed,
                                         maxiter=setup.maxiter, popsize=setup.popsize, tol=1e-7, polish=False,
                                         workers=pool if pool is not None else 1,
                                         updating="deferred" if pool is not None else "immediate", callback=prog)
        finally:
            if pool is not None:
                pool.close()
        if progress:
            print(file=sys.stderr)
        results.append((weights, res, prog.history))
        stopped_by_budget = prog.stopped_by_budget
    # choose the run with the setup's own weights (or the middle of the sweep)
    pick = results[len(results) // 2] if len(results) > 1 else results[0]
    weights, res, history = pick
    values = obj.values(res.x)
    best = apply_parameters(c, values)
    _, sim = obj.simulate(res.x)
    obs_arrays = {v: obj.observed(best, v) for v in sim}
    mets = evaluate(obj, best, sim, setup, data.index)
    front = None
    if len(results) > 1:
        front = []
        for wts, r, _ in results:
            o = Objective(c, data, setup, observations, mask)
            cc, ss = o.simulate(r.x)
            front.append({"weights": wts, "parameters": o.values(r.x),
                          **{f"{setup.objective}_{v}": o.metric(ss[v][mask], o.observed(cc, v)[mask])
                             for v in ss}})
    return CalibrationResult(catchment=best, setup=setup, parameters=values, loss=float(res.fun),
                             n_evaluations=int(sum(r.nfev for _, r, _ in results)), history=history, metrics=mets,
                             simulated=sim, observed=obs_arrays, index=data.index,
                             seconds=time.perf_counter() - t0, pareto_front=front,
                             stopped_by_budget=stopped_by_budget)


#: years of record kept before the chemistry calibration period in the chemistry stage (spin-up of the stores and
#: of their solutes; the stage's runs start there instead of at the start of the record)
CHEMISTRY_STAGE_LEAD_YEARS = 5
#: differential evolution of the chemistry stage (a few parameters, each run the full chain): at most this many
#: generations of at most this population factor (scipy: popsize x number of parameters members)
CHEMISTRY_STAGE_MAXITER = 15
CHEMISTRY_STAGE_POPSIZE = 8


def _calibrate_staged(c: Catchment, setup: CalibrationSetup, data: pd.DataFrame, observations: pd.DataFrame,
                      progress: bool) -> CalibrationResult:
    """Stage 1: ``setup.parameters`` against discharge alone (water-only path) over the discharge calibration
    window. Stage 2: ``setup.chemistry_parameters`` against the full weighted objective (discharge and chemistry,
    the chemistry calibration period) with stage 1's hydrology, on the record from ``CHEMISTRY_STAGE_LEAD_YEARS``
    before that period. The metrics are those of the final parameters over the whole record."""
    t0 = time.perf_counter()
    if "q" not in setup.weights:
        raise InputError("a staged calibration needs discharge in [calibration.weights] (q = ...)")
    half = None if setup.time_budget_s is None else 0.5 * setup.time_budget_s
    s1 = CalibrationSetup(**{**setup.__dict__, "weights": {"q": 1.0}, "chemistry_parameters": (), "time_budget_s": half,
                             "calibration_period": setup.discharge_calibration_period or setup.calibration_period,
                             "discharge_calibration_period": None, "pareto": False})
    if progress:
        print(f"stage 1 of 2: {len(s1.parameters)} hydrological parameters against discharge", file=sys.stderr)
    r1 = calibrate(c, s1, data=data, observations=observations, progress=progress)
    data2, obs2 = data, observations
    start = setup.calibration_period[0] if setup.calibration_period else None
    if start is not None:
        lead = start - pd.DateOffset(years=CHEMISTRY_STAGE_LEAD_YEARS)
        if lead > data.index[0]:
            keep = data.index >= lead
            data2 = data.loc[keep]
            obs2 = observations.loc[keep].copy()
            obs2.attrs.update(observations.attrs)
    s2 = CalibrationSetup(**{**setup.__dict__, "parameters": setup.chemistry_parameters, "chemistry_parameters": (),
                             "time_budget_s": half,
                             "maxiter": min(setup.maxiter, CHEMISTRY_STAGE_MAXITER),
                             "popsize": min(setup.popsize, CHEMISTRY_STAGE_POPSIZE)})
    if progress:
        print(f"stage 2 of 2: {len(s2.parameters)} chemistry parameters against "
              f"{', '.join(setup.weights)} ({len(data2)} days)", file=sys.stderr)
    r2 = calibrate(r1.catchment, s2, data=data2, observations=obs2, progress=progress)
    best = r2.catchment
    final = CalibrationSetup(**{**setup.__dict__, "parameters": (), "chemistry_parameters": ()})
    mask = period_mask(data.index, setup.calibration_period)
    obj = Objective(best, data, final, observations, mask)
    _, sim = obj.simulate(np.array([]))
    mets = evaluate(obj, best, sim, setup, data.index)
    return CalibrationResult(catchment=best, setup=setup, parameters={**r1.parameters, **r2.parameters},
                             loss=r2.loss, n_evaluations=r1.n_evaluations + r2.n_evaluations,
                             history=r1.history + r2.history, metrics=mets, simulated=sim,
                             observed={v: obj.observed(best, v) for v in sim}, index=data.index,
                             seconds=time.perf_counter() - t0,
                             stopped_by_budget=r1.stopped_by_budget or r2.stopped_by_budget,
                             stages=[{"stage": 1, "parameters": r1.parameters, "loss": r1.loss,
                                      "evaluations": r1.n_evaluations, "seconds": r1.seconds},
                                     {"stage": 2, "parameters": r2.parameters, "loss": r2.loss,
                                      "evaluations": r2.n_evaluations, "seconds": r2.seconds,
                                      "days": int(len(data2))}])


def load_station_observations(c: Catchment, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Discharge (and, where present, chemistry) observations on the model's daily index."""
    if c.observations.file is None:
        raise InputError("the catchment has no [observations] file to calibrate or validate against",
                         file=str(c.source))
    spec = c.observations
    obs = load_discharge_observations(spec.file, c.area_km2, index, spec.columns, spec.date_format)
    chem = load_chemistry_observations(spec.file, index, spec.columns, spec.date_format)
    for col in chem.columns:
        if col not in obs.columns:
            obs[col] = chem[col].to_numpy()
    return obs
