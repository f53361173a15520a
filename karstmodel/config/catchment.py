"""Catchment files (TOML): read, validate and turn into frozen parameter dataclasses.

The schema is documented in ``catchments/README.md``; every key is checked, and an error names the file and the
key (``catchment.toml: [reservoirs] matrix_k_per_d: must be > 0, got -1``). Paths to drivers and observations
are relative to the catchment file.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


import tomli_w

from chemistry.errors import InputError

from ..io.files import _atomic_write, read_toml
from ..processes.reaches import ReachParameters, reach_parameters_to_dict
from .period import parse_period
from ..registry import bounds_of, param
from ..processes.landuse import LAND_USE_CLASSES, PARAMETER_BOUNDS, PARAMETER_NAMES, LandUseParameters, default_parameters


class CatchmentError(InputError):
    """A catchment file is missing, unreadable or has an invalid key."""


# ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hydrotope:
    name: str
    land_use: str
    fraction: float
    params: LandUseParameters


@dataclass(frozen=True)
class Lithology:
    """Area fractions of the catchment by rock type (sum to 1). Runoff from the non-carbonate (allogenic) area
    sinks into the karst conduits with share ``allogenic_to_karst``; the rest leaves as surface runoff."""

    limestone: float = 1.0
    dolomite: float = 0.0
    non_carbonate: float = 0.0
    allogenic_to_karst: float = 1.0
    #: share (0-1) of the non-carbonate area's recharge that meets disseminated calcite on its way (calcareous
    #: clays, marls, calcareous till: non-karstic rocks whose water is nevertheless hard) and leaves it at calcite
    #: equilibrium with its soil air, like carbonate-area recharge (karstmodel.dissolution.recharge_chemistry); 0 =
    #: inert silicate rock. Hydrologically the area stays non-karst (surface store and non-karst groundwater).
    non_carbonate_calcareous: float = 0.0

    @property
    def carbonate(self) -> float:
        return self.limestone + self.dolomite


@dataclass(frozen=True)
class SnowParameters:
    """Degree-day snow model (Martinec 1960; the LuKARS values for Kerschbaum: 4 mm C-1 d-1, 0.5 C)."""

    threshold_c: float = 0.5
    transition_c: float = 1.0  # rain/snow mixed within threshold +- transition/2
    melt_factor_mm_c_d: float = 4.0
    #: elevation bands (optional; :mod:`karstmodel.snow`): mean elevation (m) and area fraction of each band; the
    #: degree-day model runs in every band (HBV elevation zones, Bergstroem 1992; CemaNeige, Valery et al. 2014,
    #: J. Hydrol. 517:1176) and the catchment's rain, melt and SWE are the area-weighted sums. Empty: one store.
    band_elevations_m: tuple = ()
    band_fractions: tuple = ()
    #: temperature lapse rate, T_b = T + gamma (z_ref - z_b) / 100 (HBV-light default TCALT 0.6 C / 100 m, Seibert &
    #: Vis 2012, HESS 16:3315); used only with bands
    temperature_lapse_c_per_100m: float = 0.6
    #: CemaNeige's precipitation altitude factor beta, P_b proportional to exp(beta (z_b - z_ref)), rescaled to keep the
    #: catchment-mean precipitation (Valery 2010, PhD thesis AgroParisTech; 0.41 per km in airGR); default 0: the same
    #: precipitation in every band; used only with bands
    precip_gradient_per_km: float = 0.0
    #: elevation (m) the forcing temperature and precipitation stand for; None: the area-weighted mean band
    #: elevation (catchment-mean forcing, as in CAMELS)
    forcing_elevation_m: float | None = None


_KM = "KarstMod reservoir model (Mazzilli et al. 2019, EMS 122:103927)"


@dataclass(frozen=True)
class ReservoirParameters:
    """Epikarst (E), matrix (M) and conduit (C) reservoirs, KarstMod-like (Mazzilli et al. 2019, EMS 122:103927).

    Storages are in mm over the whole catchment area. Outflows: Q_E = k_E E^a_E (to conduits with share
    ``conduit_fraction``, the rest to the matrix) plus overflow of E above ``epikarst_max_mm`` (a share
    ``overflow_outside_fraction`` of it leaves to other outlets; of the rest a share ``overflow_to_matrix_fraction``
    percolates diffusely into the matrix and the remainder goes to the conduits);
    Q_M = k_M M^a_M; Q_C = k_C C^a_C. Each day's inflow enters as a pulse at the start of the day and the
    reservoir then recedes with the exact solution of dS/dt = -k S^a over the day (exponential for a = 1,
    S = [S0^(1-a) + (a-1) k t]^(1/(1-a)) otherwise): unconditionally stable, exact mass balance, storages never
    negative, whatever the parameters.
    """

    epikarst_k_per_d: float = param(0.2, "mm^(1-a) d-1", (1e-6, 10.0), (0.005, 2.0), "log", _KM)
    epikarst_exponent: float = param(1.0, "1", (0.2, 5.0), (0.5, 3.0), source=_KM)
    epikarst_max_mm: float = param(50.0, "mm", (0.0, 5000.0), (1.0, 300.0), "log", _KM)
    conduit_fraction: float = param(0.2, "1", (0.0, 1.0), (0.0, 0.9), source=_KM)
    #: share of the epikarst overflow that leaves to other outlets (overflow/secondary springs, the "loss" of
    #: KarstMod; LuKARS's secondary springs): water and solutes that never reach the modelled spring
    overflow_outside_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0), source=_KM)
    #: share of the epikarst overflow kept in the system that percolates diffusely into the matrix instead of
    #: the conduits (saturation excess of a thin epikarst over a porous, fissured rock such as oolite or chalk
    #: recharging the slow store; 0 = all of it to the conduits)
    overflow_to_matrix_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0),
                                               source="diffuse recharge of porous carbonate aquifers")
    #: calibrated through reservoirs.matrix_unit_storage_mm (karstmodel.config.parameters)
    matrix_k_per_d: float = param(0.01, "mm^(1-a) d-1", (1e-12, 10.0), source=_KM)
    matrix_exponent: float = param(1.0, "1", (0.2, 5.0), (0.5, 5.0),
                                   source="power-law karst reservoirs a = 1-5: Kovacs & Perrochet 2008, J. Hydrol. "
                                          "352:16; Fiorillo 2014; GR4J routing store a = 5, Perrin et al. 2003")
    conduit_k_per_d: float = param(0.3, "mm^(1-a) d-1", (1e-5, 50.0), (0.005, 3.0), "log", _KM)
    conduit_exponent: float = param(1.0, "1", (0.2, 5.0), source=_KM)
    initial_epikarst_mm: float = param(10.0, "mm", (0.0, 1e5))
    initial_matrix_mm: float | None = param(None, "mm", (0.0, 1e6),
                                            source="None: steady state for the mean recharge")
    initial_conduit_mm: float = param(1.0, "mm", (0.0, 1e5))
    #: runoff that does not enter the karst (allogenic runoff not sinking, open water) reaches the outlet through
    #: a linear store with this constant (interflow/shallow groundwater of the non-karst area); None = same day
    surface_k_per_d: float | None = param(None, "d-1", (1e-5, 50.0), (0.005, 5.0), "log",
                                          source="linear store (HBV upper zone, Bergstroem 1992)")
    #: travel time from the springs and hillslopes to the outlet gauge: the outlet runoff (spring + non-karst runoff)
    #: and its solutes are routed through GR4J's unit hydrograph UH1 with base time X4 = routing_delay_d days
    #: (karstmodel.processes.routing.unit_hydrograph_gr4j); 0 = same day. Spring outputs are not delayed.
    routing_delay_d: float = param(0.0, "d", (0.0, 30.0), (0.05, 4.0),
                                   source="GR4J UH1, Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275")
    #: groundwater of the non-carbonate area (molasse, flysch, sandstone): the share of the non-carbonate recharge
    #: that does not sink into the karst which percolates into it instead of running off through the surface
    #: store; it drains to the outlet as baseflow with Q = k S^a (karstmodel.processes.routing.route_store).
    #: 0 = no such store (default).
    nonkarst_baseflow_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0),
                                              source="HBV lower zone (a = 1, Bergstroem 1992) to GR4J routing store "
                                                     "(a = 5, Perrin et al. 2003)")
    #: calibrated through reservoirs.nonkarst_baseflow_unit_storage_mm (karstmodel.config.parameters)
    nonkarst_baseflow_k_per_d: float = param(0.01, "mm^(1-a) d-1", (1e-12, 10.0))
    nonkarst_baseflow_exponent: float = param(1.0, "1", (0.2, 5.0), (1.0, 5.0),
                                              source="HBV lower zone a = 1 .. GR4J routing store a = 5")
    initial_nonkarst_baseflow_mm: float | None = param(None, "mm", (0.0, 1e6),
                                                       source="None: steady state for its mean inflow")
    #: percolation from the soil store of every hydrotope, also on days without rain or melt (e.g. under snow): GR4J's
    #: percolation of the production store, perc = S {1 - [1 + (nu S / S_max)^4]^(-1/4)}, added to the day's
    #: recharge after ET (karstmodel.processes.soil_water). 0 (default) = none: recharge only from the day's input
    #: (HBV soil routine). Calibrated only where a catchment file sets it > 0.
    soil_percolation_nu: float = param(0.0, "1", (0.0, 2.0), (0.1, 1.0),
                                       source="Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275, eq. 8 "
                                              "(nu = 4/9)")


@dataclass(frozen=True)
class ChemistryOptions:
    """How recharge, matrix and conduit water react with the rock.

    ``recharge_system``: soil water dissolves carbonate in contact with soil air ("open"), after isolation
    ("closed"), or with a finite gas volume ("mixed", ``gas_water_ratio`` L gas per kg water).
    ``matrix``: "equilibrium" (the slow reservoir's outflow re-equilibrates with the dominant carbonate in a closed
    system, e.g. after mixing) or "none". ``conduit``: "kinetic" (PWP kinetics over the conduit residence time,
    first-order relaxation with the PWP rate of the inflowing water), "equilibrium" or "none".
    """

    recharge_system: str = "open"
    gas_water_ratio: float = param(0.1, "L gas / kg water", (0.0, 100.0), source="mixed open/closed recharge system "
                                   "(docs/science.md, carbonate chemistry)")
    matrix: str = "equilibrium"
    conduit: str = "kinetic"
    conduit_radius_mm: float = param(50.0, "mm", (0.01, 1e5), source="A/V = 2 / radius of the PWP kinetics "
                                     "(Dreybrodt 1988, ch. 5)")
    soil_co2_model: str = "process"  # or "brook"
    prior_climate: str = "all"  # SRDB priors: "all" or "subtropical"
    atmospheric_co2_ppm: float = param(420.0, "ppm", (150.0, 5000.0), source="NOAA global mean 2023-2024")
    soil_temp_lag_days: float = param(10.0, "d", (0.0, 365.0), source="soil temperature lags air temperature")
    groundwater_temp_c: float | None = param(None, "C", (0.0, 40.0), source="None: the mean air temperature")
    #: pCO2 (ppm) of the river at the outlet gauge: the gauge water (spring + non-karst runoff) has exchanged CO2
    #: with the air on its way (karstmodel.outlet); None = no exchange, the gauge carries the mixed groundwater's DIC
    outlet_pco2_ppm: float | None = param(None, "ppm", (150.0, 1e5),
                                          source="river pCO2 at the gauge (measured, e.g. speciated samples)")
    database: str = "phreeqc.dat"


@dataclass(frozen=True)
class AcidInputs:
    """Strong acids added per litre of recharge (mmol/L): H2SO4 (sulfide oxidation, acid rain) and HNO3
    (nitrification of fertiliser N). They dissolve carbonate without consuming CO2 and are kept apart from
    carbonic-acid weathering in the accounting. ``by_land_use``: class -> (sulfuric, nitric) overrides."""

    sulfuric_mmol_l: float = 0.0
    nitric_mmol_l: float = 0.0
    by_land_use: dict = field(default_factory=dict, hash=False)

    def for_class(self, land_use: str) -> tuple[float, float]:
        return self.by_land_use.get(land_use, (self.sulfuric_mmol_l, self.nitric_mmol_l))


@dataclass(frozen=True)
class AllogenicWater:
    """Chemistry of recharge from the non-carbonate area before it takes up soil CO2 (mmol/L); its charge
    imbalance is carried as silicate-weathering alkalinity. Default: a soft silicate water."""

    ca_mmol_l: float = 0.10
    mg_mmol_l: float = 0.05
    na_mmol_l: float = 0.10
    k_mmol_l: float = 0.02
    cl_mmol_l: float = 0.10
    so4_mmol_l: float = 0.05


@dataclass(frozen=True)
class SurfaceWaterOptions:
    """How the reaches below the spring are run: time step (minutes, must divide a day), inflow interpolation
    between daily spring values, cloudiness for clear-sky PAR (0-1, None = clear sky), and whether the sub-daily
    record of the whole run is written (large) or only a summer week (``diel_output = "week"``)."""

    dt_minutes: float = 15.0
    inflow_interpolation: str = "linear"
    cloudiness: float | None = None
    spinup_days: int = 30
    diel_output: str = "week"


@dataclass(frozen=True)
class DriverSpec:
    file: Path
    pet: str = "oudin"  # "column" | "oudin" | "hargreaves"
    gap_fill: str = "none"  # "none" | "linear" | "climatology"
    max_gap_days: int = 5


@dataclass(frozen=True)
class ObservationSpec:
    file: Path | None = None
    discharge: str = "spring"  # the observed q is the spring discharge or the total outlet runoff


@dataclass(frozen=True)
class Catchment:
    name: str
    latitude: float
    longitude: float
    elevation_m: float
    area_km2: float
    hydrotopes: tuple
    lithology: Lithology
    snow: SnowParameters
    reservoirs: ReservoirParameters
    chemistry: ChemistryOptions
    acids: AcidInputs
    allogenic_water: AllogenicWater
    drivers: DriverSpec
    observations: ObservationSpec
    start: str | None = None
    end: str | None = None
    warmup_days: int = 365
    description: str = ""
    source: Path | None = None
    #: the raw [calibration] table (checked by karstmodel.calibration.setup_from_catchment)
    calibration: dict = field(default_factory=dict, hash=False, compare=False)
    #: spring-fed reaches and ponds below the spring, upstream first (karstmodel.processes.reaches.ReachParameters)
    reaches: tuple = ()
    surface_water: "SurfaceWaterOptions | None" = None
    #: changes in time (karstmodel.changes: ParameterRamp, Irrigation, CarbonatePowder), set by scenarios
    changes: tuple = ()

    def with_updates(self, **kwargs) -> "Catchment":
        return replace(self, **kwargs)


# ------------------------------------------------------------------------------------------------------------
_TOP = {"name", "description", "location", "area_km2", "drivers", "observations", "land_use", "hydrotopes",
        "land_use_parameters", "lithology", "snow", "reservoirs", "chemistry", "acid_inputs", "allogenic_water",
        "simulation", "calibration", "reaches", "surface_water"}


class KeyReader:
    """Key-by-key checks of a TOML document with errors naming the file and the key (catchment, station and
    scenario files share it; subclasses set ``error_class``)."""

    error_class = None  # default: CatchmentError

    def __init__(self, path: Path):
        self.path = path

    def err(self, key: str, msg: str):
        cls = self.error_class or CatchmentError
        raise cls(f"{key}: {msg}", file=str(self.path))

    def table(self, doc: dict, key: str, where: str = "", required: bool = False) -> dict:
        if key not in doc:
            if required:
                self.err(f"{where}[{key}]", "missing required table")
            return {}
        v = doc[key]
        if not isinstance(v, dict):
            self.err(f"{where}[{key}]", "must be a table")
        return v

    def number(self, table: dict, key: str, where: str, default=None, lo=None, hi=None, integer=False,
               required=False, lo_open=False):
        if key not in table:
            if required:
                self.err(f"{where}{key}", "missing required key")
            return default
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(f"{where}{key}", f"must be a number, got {v!r}")
        if not math.isfinite(v):
            self.err(f"{where}{key}", f"must be finite, got {v!r}")
        if integer and int(v) != v:
            self.err(f"{where}{key}", f"must be an integer, got {v!r}")
        if lo is not None and (v <= lo if lo_open else v < lo):
            self.err(f"{where}{key}", f"must be {'>' if lo_open else '>='} {lo}, got {v}")
        if hi is not None and v > hi:
            self.err(f"{where}{key}", f"must be <= {hi}, got {v}")
        return int(v) if integer else float(v)

    def string(self, table, key, where, default=None, required=False):
        if key not in table:
            if required:
                self.err(f"{where}{key}", "missing required key")
            return default
        v = table[key]
        if not isinstance(v, str) or not v.strip():
            self.err(f"{where}{key}", f"must be a non-empty string, got {v!r}")
        return v

    def choice(self, table, key, where, options, default):
        v = table.get(key, default)
        if isinstance(v, bool):
            v = "true" if v else "false"
        if v not in options:
            self.err(f"{where}{key}", f"must be one of {list(options)}, got {v!r}")
        return v

    def known(self, table: dict, allowed, where: str):
        for k in table:
            if k not in allowed:
                self.err(f"{where}{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def period(self, table, key, where):
        if key not in table:
            return None
        v = table[key]
        if not isinstance(v, str):
            self.err(f"{where}{key}", "must be a string START:END (ISO dates)")
        try:
            return parse_period(v, f"{where}{key}")
        except InputError as exc:
            self.err(f"{where}{key}", str(exc).split(": ", 1)[-1])


_Reader = KeyReader


def _dataclass_from(reader: _Reader, cls, table: dict, where: str, bounds: dict, choices: dict | None = None):
    if not isinstance(table, dict):
        reader.err(where.rstrip(". "), "must be a table")
    names = {f.name: f for f in fields(cls)}
    reader.known(table, names, where)
    kw = {}
    for k, v in table.items():
        if choices and k in choices:
            kw[k] = reader.choice(table, k, where, choices[k], None)
        elif k in ("database",) or (choices and k in choices):
            if not isinstance(v, str):
                reader.err(f"{where}{k}", "must be a string")
            kw[k] = v
        else:
            lo, hi = bounds.get(k, (None, None))
            kw[k] = reader.number(table, k, where, lo=lo, hi=hi, integer=(k == "spinup_days"))
    return cls(**kw)


def _snow_from(r: _Reader, tbl) -> SnowParameters:
    """[snow]: the degree-day numbers, and the optional elevation bands (two arrays of equal length; fractions > 0
    summing to 1)."""
    if not isinstance(tbl, dict):
        r.err("[snow]", "must be a table")
    tbl = dict(tbl)
    bands = {k: tbl.pop(k) for k in ("band_elevations_m", "band_fractions") if k in tbl}
    snow = _dataclass_from(r, SnowParameters, tbl, "[snow] ",
                           {"threshold_c": (-5, 5), "transition_c": (0, 10), "melt_factor_mm_c_d": (0, 20),
                            "temperature_lapse_c_per_100m": (0.0, 2.0), "precip_gradient_per_km": (0.0, 3.0),
                            "forcing_elevation_m": (-500.0, 9000.0)})
    if not bands:
        return snow
    if len(bands) != 2:
        r.err("[snow] band_elevations_m", "give both band_elevations_m and band_fractions (one entry per band)")
    arrs = {}
    for k, v in bands.items():
        if not isinstance(v, list) or not v or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                      for x in v):
            r.err(f"[snow] {k}", "must be a non-empty array of numbers")
        arrs[k] = tuple(float(x) for x in v)
    z, f = arrs["band_elevations_m"], arrs["band_fractions"]
    if len(z) != len(f):
        r.err("[snow] band_fractions", f"has {len(f)} entries, band_elevations_m {len(z)}")
    if not all(-500.0 <= x <= 9000.0 for x in z):
        r.err("[snow] band_elevations_m", "must be within -500 .. 9000 m")
    if not all(x > 0.0 for x in f):
        r.err("[snow] band_fractions", "every fraction must be > 0")
    if abs(sum(f) - 1.0) > 1e-6:
        r.err("[snow] band_fractions", f"must sum to 1, they sum to {sum(f):.6g}")
    return replace(snow, band_elevations_m=z, band_fractions=f)


#: the bounds the reader checks, from the one declaration of each parameter (karstmodel.registry)
_RES_BOUNDS = bounds_of(ReservoirParameters)
_CHEM_BOUNDS = bounds_of(ChemistryOptions)
_CHEM_CHOICES = {"recharge_system": ("open", "closed", "mixed"), "matrix": ("equilibrium", "none"),
                 "conduit": ("kinetic", "equilibrium", "none"), "soil_co2_model": ("process", "brook"),
                 "prior_climate": ("all", "subtropical")}


#: strong-acid inputs per litre of recharge: 0-20 mmol/L (20 mmol/L H2SO4 is already a mine drainage)
_ACID_MAX_MMOL_L = 20.0


def acid_inputs_from(reader: KeyReader, tbl: dict, base: AcidInputs) -> AcidInputs:
    """An ``[acid_inputs]`` table (catchment or scenario file) on top of ``base``: ``sulfuric_mmol_l`` and
    ``nitric_mmol_l`` (numbers in 0..20 mmol/L) and ``[acid_inputs.land_use.<class>]`` tables with the same two
    keys (missing ones 0); any other key, a text value, a negative value or a class given as a number is refused
    naming the key."""
    where = "[acid_inputs] "
    keys = ("sulfuric_mmol_l", "nitric_mmol_l")
    reader.known(tbl, set(keys) | {"land_use"}, where)
    by_lu = dict(base.by_land_use)
    for cls, sub in reader.table(tbl, "land_use", "[acid_inputs] ").items():
        if cls not in LAND_USE_CLASSES:
            reader.err(f"[acid_inputs.land_use] {cls}",
                       f"unknown land-use class (known: {', '.join(LAND_USE_CLASSES)})")
        w = f"[acid_inputs.land_use.{cls}] "
        if not isinstance(sub, dict):
            reader.err(f"[acid_inputs.land_use] {cls}", f"must be a table like {{nitric_mmol_l = 0.4}}, got {sub!r}")
        reader.known(sub, set(keys), w)
        by_lu[cls] = tuple(reader.number(sub, k, w, default=0.0, lo=0, hi=_ACID_MAX_MMOL_L) for k in keys)
    return AcidInputs(
        sulfuric_mmol_l=reader.number(tbl, "sulfuric_mmol_l", where, default=base.sulfuric_mmol_l, lo=0,
                                      hi=_ACID_MAX_MMOL_L),
        nitric_mmol_l=reader.number(tbl, "nitric_mmol_l", where, default=base.nitric_mmol_l, lo=0,
                                    hi=_ACID_MAX_MMOL_L),
        by_land_use=by_lu)


def _iso_date(reader: KeyReader, table: dict, key: str, where: str) -> str | None:
    """A calendar date written as a TOML date or an ISO text ``YYYY-MM-DD`` (a time of day is not allowed: the
    model runs in days); returned as ``YYYY-MM-DD``."""
    if key not in table:
        return None
    v = table[key]
    if isinstance(v, _dt.datetime):
        reader.err(f"{where}{key}", f"must be a date without a time of day, got {v.isoformat()}")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v.strip()).isoformat()
        except ValueError:
            pass
    reader.err(f"{where}{key}", f"must be an ISO date YYYY-MM-DD, got {v!r}")


def _fractions(reader: _Reader, table: dict, where: str, allowed) -> dict:
    reader.known(table, allowed, where)
    out = {k: reader.number(table, k, where, lo=0.0, hi=1.0) for k in table}
    return out


def load_catchment(path) -> Catchment:
    """Read and validate a catchment file. Raises :class:`CatchmentError` naming the file and key."""
    path = Path(path)
    if path.is_dir():
        path = path / "catchment.toml"
    return catchment_from_dict(read_toml(path, "catchment", CatchmentError), path)


def catchment_from_dict(doc: dict, path: Path) -> Catchment:
    r = _Reader(Path(path))
    base = Path(path).parent
    r.known(doc, _TOP, "")
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        r.err("name", "missing or not a string")
    loc = r.table(doc, "location", required=True)
    r.known(loc, {"latitude", "longitude", "elevation_m"}, "[location] ")
    lat = r.number(loc, "latitude", "[location] ", lo=-90, hi=90, required=True)
    lon = r.number(loc, "longitude", "[location] ", lo=-180, hi=180, required=True)
    elev = r.number(loc, "elevation_m", "[location] ", default=0.0, lo=-500, hi=9000)
    area = r.number(doc, "area_km2", "", lo=1e-6, hi=1e7, required=True)

    # drivers and observations
    drv = doc.get("drivers")
    if not isinstance(drv, dict) or "file" not in drv:
        r.err("[drivers] file", "missing (path of the drivers CSV relative to the catchment file)")
    r.known(drv, {"file", "pet", "gap_fill", "max_gap_days"}, "[drivers] ")
    drivers = DriverSpec(file=(base / r.string(drv, "file", "[drivers] ")).resolve(),
                         pet=r.choice(drv, "pet", "[drivers] ", ("column", "oudin", "hargreaves"), "oudin"),
                         gap_fill=r.choice(drv, "gap_fill", "[drivers] ", ("none", "linear", "climatology"), "none"),
                         max_gap_days=r.number(drv, "max_gap_days", "[drivers] ", default=5, lo=1, hi=366,
                                               integer=True))
    obs = r.table(doc, "observations")
    r.known(obs, {"file", "discharge"}, "[observations] ")
    observations = ObservationSpec(file=(base / r.string(obs, "file", "[observations] ")).resolve()
                                   if "file" in obs else None,
                                   discharge=r.choice(obs, "discharge", "[observations] ", ("spring", "outlet"),
                                                      "spring"))

    # land use and hydrotopes
    chem_tbl = doc.get("chemistry", {})
    climate = chem_tbl.get("prior_climate", "all") if isinstance(chem_tbl, dict) else "all"
    if climate not in ("all", "subtropical"):
        r.err("[chemistry] prior_climate", f"must be 'all' or 'subtropical', got {climate!r}")
    defaults = dict(default_parameters(climate))
    overrides = r.table(doc, "land_use_parameters")
    r.known(overrides, LAND_USE_CLASSES, "[land_use_parameters] ")
    for cls, tbl in overrides.items():
        where = f"[land_use_parameters.{cls}] "
        r.table(overrides, cls, "[land_use_parameters] ")
        r.known(tbl, PARAMETER_NAMES, where)
        upd = {k: r.number(tbl, k, where, lo=PARAMETER_BOUNDS[k][0], hi=PARAMETER_BOUNDS[k][1]) for k in tbl}
        defaults[cls] = defaults[cls].with_updates(**upd)
    hydrotopes = []
    if "hydrotopes" in doc and "land_use" in doc:
        r.err("land_use", "give either [land_use] fractions or [[hydrotopes]], not both")
    if "hydrotopes" in doc:
        if not isinstance(doc["hydrotopes"], list) or not doc["hydrotopes"]:
            r.err("hydrotopes", "must be a non-empty array of tables [[hydrotopes]]")
        seen = set()
        for i, h in enumerate(doc["hydrotopes"]):
            where = f"[[hydrotopes]] #{i + 1} "
            r.known(h, set(PARAMETER_NAMES) | {"name", "land_use", "fraction"}, where)
            lu = h.get("land_use")
            if lu not in LAND_USE_CLASSES:
                r.err(f"{where}land_use", f"unknown land-use class {lu!r} (known: {', '.join(LAND_USE_CLASSES)})")
            nm = h.get("name", lu)
            if nm in seen:
                r.err(f"{where}name", f"duplicate hydrotope name {nm!r}")
            seen.add(nm)
            frac = r.number(h, "fraction", where, lo=0.0, hi=1.0, required=True)
            upd = {k: r.number(h, k, where, lo=PARAMETER_BOUNDS[k][0], hi=PARAMETER_BOUNDS[k][1])
                   for k in h if k in PARAMETER_NAMES}
            hydrotopes.append(Hydrotope(nm, lu, frac, defaults[lu].with_updates(**upd)))
    else:
        lu_tbl = doc.get("land_use")
        if not isinstance(lu_tbl, dict) or not lu_tbl:
            r.err("land_use", "missing: give [land_use] fractions (e.g. forest = 0.6) or [[hydrotopes]]")
        for k in lu_tbl:
            if k not in LAND_USE_CLASSES:
                r.err(f"[land_use] {k}", f"unknown land-use class (known: {', '.join(LAND_USE_CLASSES)})")
        fr = _fractions(r, lu_tbl, "[land_use] ", LAND_USE_CLASSES)
        hydrotopes = [Hydrotope(k, k, v, defaults[k]) for k, v in fr.items() if v > 0]
    total = sum(h.fraction for h in hydrotopes)
    if abs(total - 1.0) > 1e-6:
        r.err("land_use" if "land_use" in doc else "hydrotopes",
              f"fractions must sum to 1, they sum to {total:.6g}")

    lit_tbl = r.table(doc, "lithology") if "lithology" in doc else {"limestone": 1.0}
    r.known(lit_tbl, {"limestone", "dolomite", "non_carbonate", "allogenic_to_karst", "non_carbonate_calcareous"},
            "[lithology] ")
    lith = Lithology(limestone=r.number(lit_tbl, "limestone", "[lithology] ", default=0.0, lo=0, hi=1),
                     dolomite=r.number(lit_tbl, "dolomite", "[lithology] ", default=0.0, lo=0, hi=1),
                     non_carbonate=r.number(lit_tbl, "non_carbonate", "[lithology] ", default=0.0, lo=0, hi=1),
                     allogenic_to_karst=r.number(lit_tbl, "allogenic_to_karst", "[lithology] ", default=1.0,
                                                 lo=0, hi=1),
                     non_carbonate_calcareous=r.number(lit_tbl, "non_carbonate_calcareous", "[lithology] ",
                                                       default=0.0, lo=0, hi=1))
    s = lith.limestone + lith.dolomite + lith.non_carbonate
    if abs(s - 1.0) > 1e-6:
        r.err("[lithology]", f"limestone + dolomite + non_carbonate must sum to 1, they sum to {s:.6g}")

    snow = _snow_from(r, doc.get("snow", {}))
    res = _dataclass_from(r, ReservoirParameters, doc.get("reservoirs", {}), "[reservoirs] ", _RES_BOUNDS)
    chem = _dataclass_from(r, ChemistryOptions, chem_tbl, "[chemistry] ", _CHEM_BOUNDS, _CHEM_CHOICES)

    acids = acid_inputs_from(r, r.table(doc, "acid_inputs"), AcidInputs())
    allo = _dataclass_from(r, AllogenicWater, doc.get("allogenic_water", {}), "[allogenic_water] ",
                           {k.name: (0.0, 50.0) for k in fields(AllogenicWater)})

    sim = r.table(doc, "simulation")
    r.known(sim, {"start", "end", "warmup_days"}, "[simulation] ")
    start, end = (_iso_date(r, sim, k, "[simulation] ") for k in ("start", "end"))
    if start is not None and end is not None and end < start:
        r.err("[simulation] end", f"{end} is before start {start}")
    warm = r.number(sim, "warmup_days", "[simulation] ", default=365, lo=0, hi=36500, integer=True)
    reaches = []
    if "reaches" in doc:
        names = {f.name for f in fields(ReachParameters)}
        if not isinstance(doc["reaches"], list):
            r.err("reaches", "must be an array of tables [[reaches]]")
        for i, tbl in enumerate(doc["reaches"]):
            where = f"[[reaches]] #{i + 1} "
            if not isinstance(tbl, dict):
                r.err(where.strip(), "must be a table")
            r.known(tbl, names, where)
            try:
                reaches.append(ReachParameters(**tbl))
            except (TypeError, ValueError) as exc:
                r.err(where.strip(), str(exc))
    sw = None
    if "surface_water" in doc:
        sw = _dataclass_from(r, SurfaceWaterOptions, doc["surface_water"], "[surface_water] ",
                             {"dt_minutes": (1.0, 1440.0), "cloudiness": (0.0, 1.0), "spinup_days": (0, 3650)},
                             {"inflow_interpolation": ("linear", "hold"), "diel_output": ("week", "all", "none")})
        if (1440.0 / sw.dt_minutes) % 1 > 1e-9:
            r.err("[surface_water] dt_minutes", f"must divide a day (1440 minutes), got {sw.dt_minutes}")
    elif reaches:
        sw = SurfaceWaterOptions()
    desc = doc.get("description", "")
    return Catchment(name=name, latitude=lat, longitude=lon, elevation_m=elev, area_km2=area,
                     hydrotopes=tuple(hydrotopes), lithology=lith, snow=snow, reservoirs=res, chemistry=chem,
                     acids=acids, allogenic_water=allo, drivers=drivers, observations=observations, start=start,
                     end=end, warmup_days=warm, description=str(desc), source=Path(path).resolve(),
                     calibration=dict(doc.get("calibration", {})), reaches=tuple(reaches), surface_water=sw)


# ------------------------------------------------------------------------------------------------------------
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "catchments"
DEFAULT_CATCHMENT = "kerschbaum"


def bundled_catchments() -> list[str]:
    d = _bundled_dir()
    return sorted(p.parent.name for p in d.glob("*/catchment.toml"))


def _bundled_dir() -> Path:
    try:
        import catchments  # the data package (installed with karstmodel)
        root = getattr(catchments, "ROOT", None)
        if root is not None:
            return Path(root)
    except ImportError:  # pragma: no cover
        pass
    return BUNDLED_DIR


def resolve_catchment(spec: str | Path | None) -> Path:
    """A catchment (or station) file path from a path, a folder holding ``catchment.toml`` or ``station.toml``,
    or a bundled catchment's or station's name (``karstmodel.workflows.stations.is_station`` tells the two apart)."""
    if spec is None:
        spec = DEFAULT_CATCHMENT
    p = Path(spec)
    if p.is_file():
        return p
    for fname in ("catchment.toml", "station.toml"):
        if p.is_dir() and (p / fname).exists():
            return p / fname
    for fname in ("catchment.toml", "station.toml"):
        bundled = _bundled_dir() / str(spec) / fname
        if bundled.exists():
            return bundled
    stations = sorted(q.parent.name for q in _bundled_dir().glob("*/station.toml"))
    raise CatchmentError(f"no catchment file, folder or bundled catchment named {str(spec)!r} "
                         f"(bundled: {', '.join(bundled_catchments()) or 'none'}"
                         f"{'; stations: ' + ', '.join(stations) if stations else ''})")


# ------------------------------------------------------------------------------------------------------------
def catchment_to_dict(c: Catchment, relative_to: Path | None = None) -> dict:
    """A catchment as a TOML-ready dict with every parameter explicit (hydrotopes listed in full), so that the
    written file reproduces the run whatever the shipped defaults become. Data paths are made relative to
    ``relative_to`` (the folder the file will be written to) when possible."""

    def rel(p):
        if p is None:
            return None
        if relative_to is None:
            return str(p)
        try:
            return os.path.relpath(p, relative_to)
        except ValueError:
            return str(p)

    def dc(obj, skip=()):
        out = {}
        for f in fields(obj):
            if f.name in skip:
                continue
            v = getattr(obj, f.name)
            if v is None or isinstance(v, dict):
                continue
            out[f.name] = v
        return out

    doc = {"name": c.name}
    if c.description:
        doc["description"] = c.description
    doc["area_km2"] = c.area_km2
    doc["location"] = {"latitude": c.latitude, "longitude": c.longitude, "elevation_m": c.elevation_m}
    doc["drivers"] = {"file": rel(c.drivers.file), "pet": c.drivers.pet, "gap_fill": c.drivers.gap_fill,
                      "max_gap_days": c.drivers.max_gap_days}
    if c.observations.file is not None:
        doc["observations"] = {"file": rel(c.observations.file), "discharge": c.observations.discharge}
    doc["hydrotopes"] = [{"name": h.name, "land_use": h.land_use, "fraction": h.fraction, **dc(h.params)}
                         for h in c.hydrotopes]
    doc["lithology"] = dc(c.lithology)
    snow = dc(c.snow)
    if c.snow.band_elevations_m:
        snow["band_elevations_m"] = list(c.snow.band_elevations_m)
        snow["band_fractions"] = list(c.snow.band_fractions)
    else:  # one store: the band keys (unused) are not written
        for k in ("band_elevations_m", "band_fractions", "temperature_lapse_c_per_100m", "precip_gradient_per_km"):
            snow.pop(k, None)
    doc["snow"] = snow
    doc["reservoirs"] = dc(c.reservoirs)
    doc["chemistry"] = dc(c.chemistry)
    acid = {"sulfuric_mmol_l": c.acids.sulfuric_mmol_l, "nitric_mmol_l": c.acids.nitric_mmol_l}
    if c.acids.by_land_use:
        acid["land_use"] = {k: {"sulfuric_mmol_l": v[0], "nitric_mmol_l": v[1]} for k, v in c.acids.by_land_use.items()}
    doc["acid_inputs"] = acid
    doc["allogenic_water"] = dc(c.allogenic_water)
    sim = {"warmup_days": c.warmup_days}
    if c.start:
        sim["start"] = c.start
    if c.end:
        sim["end"] = c.end
    doc["simulation"] = sim
    if c.reaches:
        doc["reaches"] = [reach_parameters_to_dict(rp) for rp in c.reaches]
        doc["surface_water"] = dc(c.surface_water)
    if c.calibration:
        doc["calibration"] = c.calibration
    return doc


def write_catchment(c: Catchment, path) -> Path:
    """Write ``c`` as a catchment file (atomic), data paths relative to the file's folder."""
    path = Path(path)
    doc = catchment_to_dict(c, path.parent.resolve())
    text = tomli_w.dumps(doc)
    _atomic_write(path, lambda fh: fh.write(text))
    return path
