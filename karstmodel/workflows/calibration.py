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

import functools
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from chemistry.errors import InputError

from ..accounting import metrics as M
from .._parallel import SpawnMap, n_workers
from ..config.catchment import Catchment, CatchmentError
from ..config.schema import LandUseParameters, Lithology, ReservoirParameters, SnowParameters
from ..registry import calibration_spec, declared, scale_spec
from ..io.observations import load_discharge_observations, m3_s_to_mm_d
from ..config.parameters import apply_parameters, parameter_value
from ..config.period import parse_period
from ..io.drivers import Drivers, load_drivers, MIN_RECORD_DAYS
from ..io.observations import load_chemistry_observations
from ..model.simulate import simulate
from ..model.water_pass import PreparedDrivers, discharge

OBJECTIVES = {"kge": M.kge, "kge_prime": M.kge_prime, "nse": M.nse, "log_nse": M.log_nse,
              "kge_scaled": M.kge_scaled}
#: variables that can enter an objective: q (discharge, mm/d) and spring chemistry columns of the timeseries
CHEM_VARIABLES = ("dic_mmol_l", "ca_mmol_l", "mg_mmol_l", "hco3_mmol_l", "alk_meq_l", "ph", "si_calcite",
                  "log_pco2", "ec_us_cm_est")
#: chemistry simulated at a river gauge (``[observations] discharge = "outlet"``): column of the result table
#: (karstmodel.outlet); variables not computed there are compared with the spring water's
OUTLET_COLUMNS = {"dic_mmol_l": "outlet_dic_mmol_l", "ca_mmol_l": "outlet_ca_mmol_l", "mg_mmol_l": "outlet_mg_mmol_l",
                  "alk_meq_l": "outlet_alk_meq_l", "ph": "outlet_ph", "si_calcite": "outlet_si_calcite",
                  "log_pco2": "outlet_log_pco2"}


def simulated_column(c: Catchment, variable: str) -> str:
    """The result-table column that a chemistry observation ``variable`` is compared with: the gauge water's for a
    river gauge, the spring water's for a spring."""
    if c.observations.discharge == "outlet":
        return OUTLET_COLUMNS.get(variable, variable)
    return variable


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    lower: float
    upper: float
    transform: str = "none"  # "none" or "log"

    def to_search(self, v: float) -> float:
        return math.log10(v) if self.transform == "log" else v

    def from_search(self, u: float) -> float:
        return 10.0 ** u if self.transform == "log" else u

    @property
    def search_bounds(self) -> tuple:
        return (self.to_search(self.lower), self.to_search(self.upper))


@dataclass(frozen=True)
class CalibrationSetup:
    parameters: tuple
    objective: str = "kge"
    weights: dict = field(default_factory=lambda: {"q": 1.0}, hash=False)
    calibration_period: tuple | None = None
    validation_period: tuple | None = None
    #: calibration window of discharge when it differs from that of chemistry (a long flow record, a few years of
    #: samples); None = ``calibration_period``
    discharge_calibration_period: tuple | None = None
    #: parameters of the chemistry stage (``[calibration.chemistry_parameters]``): with chemistry in the weights,
    #: calibration runs in two stages (:func:`calibrate`); empty = one stage over ``parameters``
    chemistry_parameters: tuple = ()
    #: (s_r, s_alpha, s_beta) of objective "kge_scaled" (Gupta et al. 2009, eq. 10; karstmodel.metrics.kge_scaled)
    kge_scaling: tuple = (1.0, 1.0, 5.0)
    seed: int = 1
    maxiter: int = 60
    popsize: int = 15
    workers: int = 1
    pareto: bool = False


def objective_function(setup: CalibrationSetup):
    """The metric of ``setup.objective`` (a picklable callable of (sim, obs); higher is better)."""
    if setup.objective == "kge_scaled":
        return functools.partial(M.kge_scaled, scale=setup.kge_scaling)
    return OBJECTIVES[setup.objective]


#: ``[calibration] closed_catchment = true``: relative tolerance of the calibrated area around ``area_km2``
CLOSED_AREA_TOLERANCE = 0.05


def closed_catchment(c: Catchment) -> bool:
    """``[calibration] closed_catchment = true`` declares the topographic catchment of a river gauge closed: all its
    water leaves through the gauge or by evapotranspiration. The default calibration then keeps the area within
    +-5 % of ``area_km2`` (the uncertainty of a gauge's catchment area; e.g. the Sitter at Appenzell: 72.81 km2 in the
    file, 74.44 km2 implied by the CAMELS-CH discharge columns) and does not calibrate
    ``reservoirs.overflow_outside_fraction``, which must then be 0 (no water sent to other outlets, so the area
    and an inter-basin loss cannot compensate each other)."""
    return bool((c.calibration or {}).get("closed_catchment", False))


def _reservoir(name: str) -> ParameterSpec:
    """The default calibration of ``[reservoirs] name``, from its declaration (karstmodel.registry)."""
    return ParameterSpec(f"reservoirs.{name}", *calibration_spec(ReservoirParameters, name))


def _declared(prefix: str, cls, name: str) -> ParameterSpec:
    """The default calibration of field ``name`` of ``cls`` under the parameter name ``prefix.name``: its declared
    range, or for ``hydrotopes.*.<name>_scale`` its declared scale range (karstmodel.registry)."""
    if prefix == "hydrotopes.*" and declared(cls)[name].scale is not None:
        return ParameterSpec(f"{prefix}.{name}_scale", *scale_spec(cls, name))
    return ParameterSpec(f"{prefix}.{name}", *calibration_spec(cls, name))


def default_parameters(c: Catchment) -> tuple:
    """Parameters calibrated when the catchment file declares none: recharge area (only when discharge is observed
    in m3/s or L/s: with mm/d the area does not enter the fit), reservoir constants, snow melt, root-zone storage and
    preferential-flow scales, the HBV recharge shape beta of every hydrotope, the share of the epikarst overflow percolating into the matrix (with carbonate rock),
    the matrix as a power-law store searched by its storage at 1 mm/d and its exponent
    (``reservoirs.matrix_unit_storage_mm``, :mod:`karstmodel.parameters`),
    and, for outlet discharge with a non-carbonate area, the share of allogenic runoff sinking into the karst, the
    surface-store constant and the share, storage at 1 mm/d and exponent of the non-karst groundwater store, and, where the
    file sets ``[reservoirs] soil_percolation_nu`` > 0, that GR4J soil percolation factor (without carbonate rock the
    reservoirs are plain subsurface stores that route it, and nothing dissolves there)."""
    specs = []
    obs_in_mm = False
    if c.observations.file is not None:
        try:
            cols = pd.read_csv(c.observations.file, nrows=0).columns
            obs_in_mm = "q_mm_d" in cols and "q_m3_s" not in cols and "q_l_s" not in cols
        except (OSError, ValueError):
            obs_in_mm = False
    closed = closed_catchment(c)
    if not obs_in_mm and closed:
        # a topographically closed catchment at a river gauge: the area is the gauge's, known to a few per cent
        specs.append(ParameterSpec("area_km2", c.area_km2 * (1.0 - CLOSED_AREA_TOLERANCE),
                                   c.area_km2 * (1.0 + CLOSED_AREA_TOLERANCE), "log"))
    elif not obs_in_mm:  # discharge in m3/s or L/s: the recharge area sets the runoff depth
        specs.append(ParameterSpec("area_km2", c.area_km2 * 0.3, c.area_km2 * 3.0, "log"))
    specs += [
             _reservoir("epikarst_k_per_d"),
             _reservoir("epikarst_max_mm"),
             _reservoir("epikarst_exponent"),
             _reservoir("conduit_fraction"),
             *(() if closed else (_reservoir("overflow_outside_fraction"),)),
             # the matrix, dS/dt = -k S^a, searched as (S1, a) with k = S1^-a, S1 the storage that releases 1 mm/d
             # (karstmodel.parameters): searched as (k, a) with k >= 1e-5, a store with a >= 3 could not be slower
             # than S1 = 46 mm, and the fits sat at that edge with low flows 2x too fast; S1 of 1 mm to 100 m
             # covers the old range at a = 1 (k = 1e-5 to 1 / d) and any recession of the power-law karst
             # reservoirs (a of 1-5: Kovacs & Perrochet 2008, J. Hydrol. 352:16; Fiorillo 2014, Water Resour.
             # Manag. 28:2587; GR4J's routing store a = 5, Perrin et al. 2003)
             ParameterSpec("reservoirs.matrix_unit_storage_mm", 1.0, 1e5, "log"),
             _reservoir("matrix_exponent"),
             _reservoir("conduit_k_per_d"),
             _declared("snow", SnowParameters, "melt_factor_mm_c_d"),
             _declared("hydrotopes.*", LandUseParameters, "root_zone_storage_mm"),
             _declared("hydrotopes.*", LandUseParameters, "fast_flow_fraction"),
             # HBV soil-routine shape beta, recharge = input (S/S_max)^beta (Bergstroem 1992, SMHI RH 4, eq. 3): how
             # strongly a dry soil holds back recharge, which sets when the autumn wetting-up starts
             _declared("hydrotopes.*", LandUseParameters, "recharge_shape")]
    if c.reservoirs.soil_percolation_nu > 0:
        # opt-in GR4J percolation of the soil store (Perrin et al. 2003, eq. 8; nu = 4/9 in GR4J): only catchments
        # whose file sets [reservoirs] soil_percolation_nu > 0 calibrate it, the others exactly as before
        specs.append(_reservoir("soil_percolation_nu"))
    if c.lithology.carbonate > 0:  # diffuse percolation of the epikarst overflow into the matrix
        specs.append(_reservoir("overflow_to_matrix_fraction"))
    if c.observations.discharge == "outlet":
        # travel time to the gauge (GR4J's UH1 base time X4; Perrin et al. 2003): a river peaks a day or so after
        # the rain that a daily store releases the same day
        specs.append(_reservoir("routing_delay_d"))
    if c.observations.discharge == "outlet" and c.lithology.non_carbonate > 0:
        specs.append(_declared("lithology", Lithology, "allogenic_to_karst"))
        specs.append(_reservoir("surface_k_per_d"))
        # groundwater of the non-carbonate area; it drains to the outlet, never to the spring. A power-law store
        # dS/dt = -k S^a from the linear HBV lower zone (a = 1, Bergstroem 1992) to GR4J's routing store (a = 5,
        # Perrin et al. 2003), searched as (S1, a) like the matrix; S1 of 1 mm to 10 m (at a = 1 a residence time
        # of 1 day to 27 years)
        specs.append(_reservoir("nonkarst_baseflow_fraction"))
        specs.append(ParameterSpec("reservoirs.nonkarst_baseflow_unit_storage_mm", 1.0, 1e4, "log"))
        specs.append(_reservoir("nonkarst_baseflow_exponent"))
    return tuple(specs)


def setup_from_catchment(c: Catchment, raw: dict | None, overrides: dict | None = None) -> CalibrationSetup:
    """Read the ``[calibration]`` table (already parsed TOML) with errors naming the key; apply CLI overrides."""
    raw = dict(raw or {})
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    where = "[calibration] "
    allowed = {"objective", "calibration_period", "validation_period", "discharge_calibration_period", "seed",
               "maxiter", "popsize", "workers", "parameters", "chemistry_parameters", "weights", "pareto",
               "closed_catchment", "kge_scaling"}
    for k in raw:
        if k not in allowed:
            raise CatchmentError(f"{where}{k}: unknown key (allowed: {', '.join(sorted(allowed))})", file=str(c.source))
    if "closed_catchment" in raw:
        if not isinstance(raw["closed_catchment"], bool):
            raise CatchmentError(f"{where}closed_catchment: must be true or false", file=str(c.source))
        if raw["closed_catchment"] and c.reservoirs.overflow_outside_fraction != 0.0:
            raise CatchmentError(f"{where}closed_catchment: a closed catchment sends no water to other outlets; set "
                                 f"[reservoirs] overflow_outside_fraction = 0 (it is "
                                 f"{c.reservoirs.overflow_outside_fraction:g})", file=str(c.source))
    def flatten(tbl, prefix=""):
        # dotted names may be written quoted ("reservoirs.matrix_k_per_d" = {...}) or as nested tables
        for k, v in tbl.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict) and "min" not in v and "max" not in v and v:
                yield from flatten(v, name + ".")
            else:
                yield name, v

    def read_specs(table_name):
        out = []
        for name, tbl in flatten(raw.get(table_name) or {}):
            if not isinstance(tbl, dict) or "min" not in tbl or "max" not in tbl:
                raise CatchmentError(f"[calibration.{table_name}] {name}: give a table {{min = .., max = ..}}",
                                     file=str(c.source))
            lo, hi = float(tbl["min"]), float(tbl["max"])
            tr = tbl.get("transform", "none")
            if tr not in ("none", "log"):
                raise CatchmentError(f"[calibration.{table_name}] {name}: transform must be 'none' or 'log'",
                                     file=str(c.source))
            if not lo < hi or (tr == "log" and lo <= 0):
                raise CatchmentError(f"[calibration.{table_name}] {name}: need min < max (and min > 0 for log)",
                                     file=str(c.source))
            try:
                parameter_value(c, name)
            except (KeyError, AttributeError):
                raise CatchmentError(f"[calibration.{table_name}] {name}: unknown parameter",
                                     file=str(c.source)) from None
            out.append(ParameterSpec(name, lo, hi, tr))
        return out

    specs = read_specs("parameters")
    chem_specs = read_specs("chemistry_parameters")
    if not specs:
        specs = list(default_parameters(c))
    weights = dict(raw.get("weights") or {"q": 1.0})
    for v in weights:
        if v != "q" and v not in CHEM_VARIABLES:
            raise CatchmentError(f"[calibration.weights] {v}: unknown variable (q or {', '.join(CHEM_VARIABLES)})",
                                 file=str(c.source))
    objective = overrides.get("objective", raw.get("objective", "kge"))
    if objective not in OBJECTIVES:
        raise InputError(f"objective must be one of {list(OBJECTIVES)}, got {objective!r}")
    scaling = raw.get("kge_scaling", CalibrationSetup.kge_scaling)
    if (not isinstance(scaling, (list, tuple)) or len(scaling) != 3
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0 for x in scaling)):
        raise CatchmentError("[calibration] kge_scaling: give three non-negative numbers [s_r, s_alpha, s_beta]",
                             file=str(c.source))
    def count(key, default, lo, allow=()):
        # a whole number from the command line (--key) or the file ([calibration] key), named in the error
        if key in overrides:
            v, what = overrides[key], f"--{key}"
        else:
            v, what = raw.get(key, default), f"{where}{key}"
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or (v < lo and v not in allow):
            rule = f"a whole number >= {lo}" + (f" (or {', '.join(map(str, allow))})" if allow else "")
            raise CatchmentError(f"{what}: must be {rule}, got {v!r}", file=str(c.source))
        return int(v)

    if "pareto" in raw and not isinstance(raw["pareto"], bool):
        raise CatchmentError(f"{where}pareto: must be true or false", file=str(c.source))
    cal = parse_period(overrides.get("calibration", raw.get("calibration_period")), "calibration period")
    val = parse_period(overrides.get("validation", raw.get("validation_period")), "validation period")
    if cal is not None and val is not None and _overlap(cal, val):
        raise CatchmentError(f"the calibration period {_period_text(cal)} and the validation period "
                             f"{_period_text(val)} overlap; a split-sample test needs separate periods",
                             file=str(c.source))
    return CalibrationSetup(
        parameters=tuple(specs), objective=objective, weights=weights, calibration_period=cal, validation_period=val,
        discharge_calibration_period=parse_period(raw.get("discharge_calibration_period"),
                                                  "[calibration] discharge_calibration_period"),
        seed=count("seed", 1, 0), maxiter=count("maxiter", 60, 1), popsize=count("popsize", 15, 1),
        workers=count("workers", 1, 1, allow=(-1,)), pareto=bool(raw.get("pareto", False)),
        chemistry_parameters=tuple(chem_specs), kge_scaling=tuple(float(x) for x in scaling))


def _period_text(period) -> str:
    a, b = period
    return f"{a.date() if a is not None else '(start)'} .. {b.date() if b is not None else '(end)'}"


def _overlap(p, q) -> bool:
    lo = max([x for x in (p[0], q[0]) if x is not None], default=None)
    hi = min([x for x in (p[1], q[1]) if x is not None], default=None)
    return lo is None or hi is None or lo <= hi


def check_observed_periods(c: Catchment, index: pd.DatetimeIndex, observations: pd.DataFrame, periods: dict,
                           variables=("q",)) -> None:
    """Every named period (``{"calibration": (start, end) or None, ...}``) must hold at least one day with an
    observation of every variable in ``variables`` on the model's days; otherwise calibration would optimise a
    penalty and validation report nothing. Raises :class:`InputError` naming the period and the file."""
    for name, period in periods.items():
        mask = period_mask(index, period)
        if name == "calibration" and period is None and c.warmup_days:
            mask[: c.warmup_days] = False
        for v in variables:
            col = "q_obs_mm" if v == "q" else v
            vals = observations[col].to_numpy(dtype=float) if col in observations.columns else np.full(len(index),
                                                                                                      np.nan)
            if not np.isfinite(vals[mask]).any():
                span = _period_text(period) if period is not None else (
                    f"{index[0].date()} .. {index[-1].date()}" if len(index) else "(empty)")
                raise InputError(f"no observed {'discharge' if v == 'q' else v} in the {name} period {span} "
                                 f"(the simulated days run {index[0].date()} .. {index[-1].date()})",
                                 file=str(c.observations.file))


def period_mask(index: pd.DatetimeIndex, period) -> np.ndarray:
    if period is None:
        return np.ones(len(index), dtype=bool)
    start, end = period
    m = np.ones(len(index), dtype=bool)
    if start is not None:
        m &= index >= start
    if end is not None:
        m &= index <= end
    return m


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
        # per-run constants hoisted out of the loss: the drivers as arrays and the observed discharge
        self.drivers = PreparedDrivers.from_frame(data) if self.water_only else None
        self._q_m3_s = None
        if "q_obs_m3_s" in observations.columns and observations["q_obs_m3_s"].notna().any() and \
                observations.attrs.get("q_unit") != "mm_d":
            self._q_m3_s = observations["q_obs_m3_s"].to_numpy()

    def values(self, x) -> dict:
        return {p.name: p.from_search(u) for p, u in zip(self.setup.parameters, x)}

    def simulate(self, x):
        c = apply_parameters(self.c, self.values(x))
        if self.water_only:
            # the compiled water pass: the same discharge as simulate_water (tests/test_karstmodel/model/test_water_pass.py)
            q = discharge(c, self.drivers, self.data)
            return c, {"q": q["spring_mm"] if c.observations.discharge == "spring" else q["outlet_mm"]}
        r = simulate(c, drivers=Drivers(data=self.data, filled={}, source="calibration"), observations=None,
                     with_reaches=False)
        ts = r.timeseries
        out = {"q": (ts["spring_mm"] if c.observations.discharge == "spring" else ts["outlet_runoff_mm"]).to_numpy()}
        for v in self.setup.weights:
            if v != "q":
                out[v] = ts[simulated_column(c, v)].to_numpy()
        return c, out

    def observed(self, c: Catchment, variable: str) -> np.ndarray:
        if variable == "q":
            # observed discharge depends on the (possibly calibrated) area when given in m3/s
            if self._q_m3_s is not None:
                return m3_s_to_mm_d(self._q_m3_s, c.area_km2)
            return self.obs["q_obs_mm"].to_numpy()
        return self.obs[variable].to_numpy()

    def __call__(self, x) -> float:
        """The loss of parameter vector ``x``. A run that fails is not scored silently: the error is raised again
        with the parameter values that caused it (a simulated variable that is NaN scores 10 per weight)."""
        try:
            c, sim = self.simulate(x)
        except Exception as exc:
            raise CalibrationRunError(f"the run with {self.values(x)} failed: {type(exc).__name__}: {exc}") from exc
        loss = 0.0
        for v, w in self.setup.weights.items():
            mask = self.q_mask if v == "q" else self.mask
            m = self.metric(sim[v][mask], self.observed(c, v)[mask])
            loss += w * ((1.0 - m) if np.isfinite(m) else 10.0)
        return float(loss)


class _Progress:
    def __init__(self, maxiter: int, stream=sys.stderr, every_s: float = 2.0):
        self.maxiter, self.stream, self.every = maxiter, stream, every_s
        self.gen, self.t0, self.last = 0, time.perf_counter(), 0.0
        self.history = []

    def __call__(self, intermediate_result):
        self.gen += 1
        best = float(getattr(intermediate_result, "fun", np.nan))
        self.history.append(best)
        now = time.perf_counter()
        if now - self.last >= self.every or self.gen == self.maxiter:
            self.last = now
            frac = self.gen / self.maxiter
            bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
            end = "" if getattr(self.stream, "isatty", lambda: False)() else "\n"
            print(f"\rcalibrating [{bar}] generation {self.gen}/{self.maxiter}  best loss {best:.4f}  "
                  f"{now - self.t0:.0f} s", end=end, file=self.stream, flush=True)
        return False


@dataclass
class CalibrationResult:
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
    hydrology of the first stage."""
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
        prog = _Progress(setup.maxiter) if progress else None
        pool = SpawnMap(setup.workers) if n_workers(setup.workers) > 1 else None
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
        results.append((weights, res, prog.history if prog else []))
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
                             seconds=time.perf_counter() - t0, pareto_front=front)


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
    s1 = CalibrationSetup(**{**setup.__dict__, "weights": {"q": 1.0}, "chemistry_parameters": (),
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
    obs = load_discharge_observations(c.observations.file, c.area_km2, index)
    chem = load_chemistry_observations(c.observations.file, index)
    for col in chem.columns:
        if col not in obs.columns:
            obs[col] = chem[col].to_numpy()
    return obs
