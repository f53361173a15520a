"""The station file (``station.toml``, ``kind = "station"``): its dataclasses and its checked reader.

Every key is checked as it is read, and a bad one raises :class:`StationError` naming the file and the key (the same
key-by-key checks as catchment files, :class:`karstmodel.config.catchment.KeyReader`). Data paths are resolved
relative to the station file. The schema is documented in ``catchments/README.md``, section "Stations".
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import tomllib

from chemistry.errors import InputError

from ...config.catchment import ChemistryOptions, KeyReader, _date_format
from ...io.files import read_toml


SYSTEMS = ("open", "closed", "mixed")
CO2_SOURCES = ("soil", "cave_air")
OBJECTIVES = ("kge", "nse", "rmse")
DEGASSING = ("none", "cave_air")


class StationError(InputError):
    """A station file is missing, unreadable or has an invalid key (the message names the file and the key)."""


@dataclass(frozen=True)
class SystemParameters:
    """Parameters of one recharge system: recharge pCO2 = ``pco2_factor`` x measured CO2; ``gas_water_ratio``
    (L gas per kg water) only for the mixed system; ``exchange_number`` (k_L T / h) of the CO2 exchange with cave
    air before the outlet (:mod:`karstmodel.processes.cave_degassing`), used with ``[model] degassing = "cave_air"``."""

    pco2_factor: float = 1.0
    gas_water_ratio: float | None = None
    exchange_number: float | None = None


@dataclass(frozen=True)
class Station:
    name: str
    latitude: float | None  # None: not known ([location] omitted)
    longitude: float | None
    samples_file: Path
    source: Path
    description: str = ""
    elevation_m: float = 0.0
    area_km2: float | None = None
    estimates: str = "ignore"  # "fill": empty temp_c / ph taken from temp_c_est / ph_est
    flow_column: str | None = None
    baseflow_label: str = "baseflow"
    #: strftime formats of the files' dates (``%d.%m.%Y``) where the column cannot show day/month order; None:
    #: ISO 8601 or detected (karstmodel.io.dates.parse_times)
    samples_date_format: str | None = None
    discharge_date_format: str | None = None
    soil_co2_date_format: str | None = None
    discharge_file: Path | None = None
    discharge_scale: float = 1.0
    discharge_offset_m3_s: float = 0.0
    discharge_note: str = ""
    soil_co2_file: Path | None = None
    soil_co2_max_days: float = 21.0
    soil_co2_mean_days: float = 0.0  # > 0: recharge CO2 = mean of the soil-gas dates in the window before the sample
    co2_source: str = "soil"
    system: str = "open"
    mineral: str = "calcite"
    degassing: str = "none"  # "cave_air": soil-CO2 predictions exchange CO2 with the cave air (cave_degassing)
    cave_air_max_days: float = 0.0  # a sample without cave-air CO2 takes the nearest sample's within this many days
    parameters: dict = field(default_factory=dict, hash=False)  # (source, system) -> SystemParameters
    rating_seasonal: str = "auto"  # "auto" | "true" | "false"
    sink_fraction: float = 0.5
    bootstrap: int = 2000
    seed: int = 1
    database: str = "phreeqc.dat"
    calibration_period: tuple | None = None
    validation_period: tuple | None = None
    objective: str = "kge"
    fit_samples: str = "all"  # "all" | "baseflow"
    maxiter: int = 60
    popsize: int = 15
    calibration_seed: int = 1
    bounds: dict = field(default_factory=dict, hash=False)  # name -> (lo, hi, transform)
    raw: dict = field(default_factory=dict, hash=False, compare=False)

    def params(self, source: str, system: str) -> SystemParameters:
        p = self.parameters.get((source, system))
        if p is None:
            p = SystemParameters()
        if system == "mixed" and p.gas_water_ratio is None:
            p = replace(p, gas_water_ratio=_default_gas_water_ratio())
        if self.degasses(source) and p.exchange_number is None:
            p = replace(p, exchange_number=DEFAULT_EXCHANGE_NUMBER)
        return p

    def degasses(self, source: str) -> bool:
        """Whether predictions from ``source`` CO2 exchange CO2 with the cave air before the outlet: the soil
        (recharge) water with ``[model] degassing = "cave_air"``; a prediction from cave-air CO2 is already in
        equilibrium with that air."""
        return self.degassing == "cave_air" and source == "soil"


def _default_gas_water_ratio() -> float:
    """The catchment model's default (karstmodel.config.catchment.ChemistryOptions), so that an uncalibrated station
    tests the catchment model's own recharge chemistry."""
    return float(ChemistryOptions().gas_water_ratio)


DEFAULT_BOUNDS = {"pco2_factor": (0.05, 20.0, "log"), "gas_water_ratio": (1e-3, 1e3, "log"),
                  "exchange_number": (0.02, 200.0, "log")}  # cave_degassing module docstring: plausible range
#: the exchange number when [model] degassing = "cave_air" gives none (k_L T / h = 1: 63 % of the way to
#: equilibrium for CO2(aq) linear in DIC)
DEFAULT_EXCHANGE_NUMBER = 1.0

_TOP = {"kind", "name", "description", "location", "area_km2", "samples", "discharge", "soil_co2", "model",
        "calibration"}


class _Keys(KeyReader):
    """Key-by-key checks with errors naming the file and the key (shared with catchment files)."""

    error_class = StationError


def is_station(path) -> bool:
    """True for a station file: named ``station.toml``, or any TOML file with ``kind = "station"``."""
    p = Path(path)
    if p.name == "station.toml":
        return True
    if p.suffix != ".toml" or not p.is_file():
        return False
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return doc.get("kind") == "station"


def load_station(path) -> Station:
    """Read and validate a station file. Raises :class:`StationError` naming the file and key. Data paths are
    relative to the station file."""
    path = Path(path)
    if path.is_dir():
        path = path / "station.toml"
    return station_from_dict(read_toml(path, "station", StationError), path)


def station_from_dict(doc: dict, path) -> Station:
    path = Path(path)
    r = _Keys(path)
    base = path.parent
    r.known(doc, _TOP, "")
    if doc.get("kind") != "station":
        r.err("kind", f"must be \"station\", got {doc.get('kind')!r}")
    name = r.string(doc, "name", "", required=True)
    desc = doc.get("description", "")
    if not isinstance(desc, str):
        r.err("description", "must be a string")
    loc = r.table(doc, "location")  # optional: a station's coordinates enter no computation
    r.known(loc, {"latitude", "longitude", "elevation_m"}, "[location] ")
    lat = r.number(loc, "latitude", "[location] ", lo=-90, hi=90, required=bool(loc))
    lon = r.number(loc, "longitude", "[location] ", lo=-180, hi=180, required=bool(loc))
    elev = r.number(loc, "elevation_m", "[location] ", default=0.0, lo=-500, hi=9000)
    area = r.number(doc, "area_km2", "", default=None, lo=0.0, lo_open=True, hi=1e7)

    smp = r.table(doc, "samples", required=True)
    r.known(smp, {"file", "estimates", "flow_column", "baseflow_label", "date_format"}, "[samples] ")
    samples_file = (base / r.string(smp, "file", "[samples] ", required=True)).resolve()
    estimates = r.choice(smp, "estimates", "[samples] ", ("fill", "ignore"), "ignore")
    flow_column = r.string(smp, "flow_column", "[samples] ", default=None)
    baseflow_label = r.string(smp, "baseflow_label", "[samples] ", default="baseflow")
    samples_date_format = _date_format(r, smp, "samples")

    dis = r.table(doc, "discharge")
    r.known(dis, {"file", "scale", "offset_m3_s", "note", "date_format"}, "[discharge] ")
    discharge_file = (base / r.string(dis, "file", "[discharge] ", required=True)).resolve() if dis else None
    scale = r.number(dis, "scale", "[discharge] ", default=1.0, lo=0.0, lo_open=True)
    offset = r.number(dis, "offset_m3_s", "[discharge] ", default=0.0, lo=-1e6, hi=1e6)
    discharge_date_format = _date_format(r, dis, "discharge")
    note = dis.get("note", "")
    if not isinstance(note, str):
        r.err("[discharge] note", "must be a string")

    soil = r.table(doc, "soil_co2")
    r.known(soil, {"file", "max_days", "mean_days", "date_format"}, "[soil_co2] ")
    soil_file = (base / r.string(soil, "file", "[soil_co2] ", required=True)).resolve() if soil else None
    max_days = r.number(soil, "max_days", "[soil_co2] ", default=21.0, lo=0.0, hi=3650)
    mean_days = r.number(soil, "mean_days", "[soil_co2] ", default=0.0, lo=0.0, hi=3650)
    soil_co2_date_format = _date_format(r, soil, "soil_co2")

    mdl = r.table(doc, "model")
    r.known(mdl, {"co2_source", "system", "mineral", "pco2_factor", "gas_water_ratio", "rating_seasonal",
                  "sink_fraction", "bootstrap", "seed", "database", "degassing", "exchange_number",
                  "cave_air_max_days", *CO2_SOURCES}, "[model] ")
    co2_source = r.choice(mdl, "co2_source", "[model] ", CO2_SOURCES, "soil")
    system = r.choice(mdl, "system", "[model] ", SYSTEMS, "open")
    mineral = r.choice(mdl, "mineral", "[model] ", ("calcite", "dolomite", "both"), "calcite")
    f0 = r.number(mdl, "pco2_factor", "[model] ", default=1.0, lo=0.0, lo_open=True, hi=1e3)
    g0 = r.number(mdl, "gas_water_ratio", "[model] ", default=None, lo=0.0, hi=1e6)
    degassing = r.choice(mdl, "degassing", "[model] ", DEGASSING, "none")
    n0 = r.number(mdl, "exchange_number", "[model] ", default=DEFAULT_EXCHANGE_NUMBER, lo=0.0, hi=1e6)
    cave_days = r.number(mdl, "cave_air_max_days", "[model] ", default=0.0, lo=0.0, hi=3650)
    params = {}
    for src in CO2_SOURCES:
        st = r.table(mdl, src, "[model] ")
        r.known(st, SYSTEMS, f"[model.{src}] ")
        for sysname in SYSTEMS:
            where = f"[model.{src}.{sysname}] "
            t = r.table(st, sysname, f"[model.{src}] ")
            allowed = {"pco2_factor", "gas_water_ratio"} if sysname == "mixed" else {"pco2_factor"}
            r.known(t, allowed | ({"exchange_number"} if src == "soil" else set()), where)
            f = r.number(t, "pco2_factor", where, default=f0, lo=0.0, lo_open=True, hi=1e3)
            g = r.number(t, "gas_water_ratio", where, default=g0, lo=0.0, hi=1e6) if sysname == "mixed" else None
            x = (r.number(t, "exchange_number", where, default=n0, lo=0.0, hi=1e6)
                 if src == "soil" and degassing == "cave_air" else None)
            params[(src, sysname)] = SystemParameters(f, g, x)
    seasonal = r.choice(mdl, "rating_seasonal", "[model] ", ("auto", "true", "false"), "auto")
    frac = r.number(mdl, "sink_fraction", "[model] ", default=0.5, lo=0.0, hi=1.0)
    nboot = r.number(mdl, "bootstrap", "[model] ", default=2000, lo=0, hi=1_000_000, integer=True)
    seed = r.number(mdl, "seed", "[model] ", default=1, lo=0, integer=True)
    database = r.string(mdl, "database", "[model] ", default="phreeqc.dat")

    cal = r.table(doc, "calibration")
    r.known(cal, {"calibration_period", "validation_period", "objective", "samples", "seed", "maxiter", "popsize",
                  "parameters"}, "[calibration] ")
    cper = r.period(cal, "calibration_period", "[calibration] ")
    vper = r.period(cal, "validation_period", "[calibration] ")
    objective = r.choice(cal, "objective", "[calibration] ", OBJECTIVES, "kge")
    fit_samples = r.choice(cal, "samples", "[calibration] ", ("all", "baseflow"), "all")
    if fit_samples == "baseflow" and flow_column is None:
        r.err("[calibration] samples", "\"baseflow\" needs [samples] flow_column (a column with baseflow/storm labels)")
    cseed = r.number(cal, "seed", "[calibration] ", default=seed, lo=0, integer=True)
    maxiter = r.number(cal, "maxiter", "[calibration] ", default=60, lo=1, hi=100000, integer=True)
    popsize = r.number(cal, "popsize", "[calibration] ", default=15, lo=2, hi=1000, integer=True)
    bounds = dict(DEFAULT_BOUNDS)
    ptab = r.table(cal, "parameters", "[calibration] ")
    r.known(ptab, set(DEFAULT_BOUNDS), "[calibration.parameters] ")
    for k, t in ptab.items():
        where = f"[calibration.parameters] {k}"
        if not isinstance(t, dict):
            r.err(where, "give a table {min = .., max = .., transform = \"log\"|\"none\"}")
        r.known(t, {"min", "max", "transform"}, where + ": ")
        lo = r.number(t, "min", where + " ", required=True)
        hi = r.number(t, "max", where + " ", required=True)
        tr = r.choice(t, "transform", where + " ", ("log", "none"), "log")
        if not (lo < hi) or (tr == "log" and lo <= 0) or lo < 0:
            r.err(where, f"need 0 <= min < max (min > 0 for transform log), got {lo} .. {hi}")
        bounds[k] = (lo, hi, tr)
    return Station(name=name, description=desc, latitude=lat, longitude=lon, elevation_m=elev, area_km2=area,
                   samples_file=samples_file, source=path.resolve(), estimates=estimates, flow_column=flow_column,
                   baseflow_label=baseflow_label, samples_date_format=samples_date_format,
                   discharge_date_format=discharge_date_format, soil_co2_date_format=soil_co2_date_format,
                   discharge_file=discharge_file, discharge_scale=scale,
                   discharge_offset_m3_s=offset, discharge_note=note, soil_co2_file=soil_file,
                   soil_co2_max_days=max_days, co2_source=co2_source, system=system, mineral=mineral,
                   soil_co2_mean_days=mean_days, degassing=degassing, cave_air_max_days=cave_days,
                   parameters=params, rating_seasonal=seasonal, sink_fraction=frac, bootstrap=nboot, seed=seed,
                   database=database, calibration_period=cper, validation_period=vper, objective=objective,
                   fit_samples=fit_samples, maxiter=maxiter, popsize=popsize, calibration_seed=cseed, bounds=bounds,
                   raw=doc)
