"""The set-up of a calibration: which parameters (with bounds and transforms, from the catchment file's
``[calibration]`` table or the declared defaults), which objective and weights, which periods, and the masks of the
observed days. :mod:`karstmodel.workflows.calibration` runs the search with it."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from ..accounting import metrics as M
from ..config.catchment import Catchment, CatchmentError
from ..config.schema import LandUseParameters, Lithology, ReservoirParameters, SnowParameters
from ..registry import calibration_spec, declared, scale_spec
from ..config.parameters import parameter_value
from ..config.period import parse_period
from ..io.observations import observation_columns


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
    #: objective value from which a GLUE parameter set is behavioural (Beven & Binley 1992: the informal
    #: likelihood's rejection threshold, a choice of the modeller; ``[calibration] glue_threshold`` or
    #: ``karstmodel calibrate --glue-threshold``). The default 0.5 is the NSE that Moriasi et al. (2007, Trans.
    #: ASABE 50:885) call satisfactory for monthly flows, taken for every objective
    glue_threshold: float = 0.5
    #: wall-clock budget of the search in seconds (``karstmodel calibrate --minutes``): differential evolution
    #: stops after the generation in which it is used up (None: ``maxiter`` generations or convergence); a staged
    #: calibration gives each stage half
    time_budget_s: float | None = None


#: ``karstmodel calibrate --quick``: a first look in a minute or two instead of the full search. Differential
#: evolution with a population of 8 per parameter (scipy's popsize) for 20 generations, about 8 x parameters x 21
#: runs (3,200 at 19 parameters against 17,385 with the defaults 15 and 60), on every core, and GLUE from 300
#: Latin-hypercube samples instead of 2,000. A search this short may stop short of the best fit (the full defaults
#: reach it); options given explicitly win over the preset.
QUICK_PRESET = {"maxiter": 20, "popsize": 8, "workers": -1, "glue_samples": 300}


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
            cols = observation_columns(c.observations)
            obs_in_mm = "q_mm_d" in cols and "q_m3_s" not in cols and "q_l_s" not in cols
        except (OSError, ValueError):  # an unreadable file: the clear error comes when it is read
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
    """Read the ``[calibration]`` table (already parsed TOML) with errors naming the key; apply CLI overrides.

    Parameters
    ----------
    c : Catchment
        The catchment the table belongs to (default parameters and error messages naming its file).
    raw : dict or None
        The ``[calibration]`` table as parsed from TOML (None or empty: every default).
    overrides : dict, optional
        Command-line values (``objective``, ``calibration``, ``validation``, ``seed``, ``maxiter``, ``popsize``,
        ``workers``, ``glue_threshold``); None values are ignored, given ones replace the table's.

    Returns
    -------
    CalibrationSetup
        Parameters (declared ranges, or :func:`default_parameters`), objective, weights, periods and search settings.

    Raises
    ------
    CatchmentError
        An unknown key, a bad value, an unknown parameter name or an inverted range, naming the key and the file.
    """
    raw = dict(raw or {})
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    where = "[calibration] "
    allowed = {"objective", "calibration_period", "validation_period", "discharge_calibration_period", "seed",
               "maxiter", "popsize", "workers", "parameters", "chemistry_parameters", "weights", "pareto",
               "closed_catchment", "kge_scaling", "glue_threshold"}
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
    if "glue_threshold" in overrides:
        thr, what = overrides["glue_threshold"], "--glue-threshold"
    else:
        thr, what = raw.get("glue_threshold", CalibrationSetup.glue_threshold), f"{where}glue_threshold"
    if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not np.isfinite(thr) or thr >= 1.0:
        # every objective is at most 1 (a perfect fit): a threshold of 1 or more keeps no set
        raise CatchmentError(f"{what}: must be a number below 1 (the objective of a perfect fit), got {thr!r}",
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
        chemistry_parameters=tuple(chem_specs), kge_scaling=tuple(float(x) for x in scaling),
        glue_threshold=float(thr))


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
