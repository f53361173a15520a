"""Catchment files (TOML): read, validate and turn into the frozen dataclasses of :mod:`karstmodel.config.schema`
(re-exported here), and write them back.

The schema is documented in ``catchments/README.md``; every key is checked, and an error names the file and the
key (``catchment.toml: [reservoirs] matrix_k_per_d: must be > 0, got -1``). Paths to drivers and observations
are relative to the catchment file.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import fields, replace
from pathlib import Path

import tomli_w

from chemistry.errors import InputError

from ..io.columns import check_mapping
from ..io.files import _atomic_write, check_date_format, read_toml
from ..processes.allogenic_contact import RATE_LAWS as CONTACT_RATE_LAWS
from ..processes.allogenic_contact import SYSTEMS as CONTACT_SYSTEMS
from ..processes.landuse import LAND_USE_CLASSES, PARAMETER_BOUNDS, PARAMETER_NAMES, default_parameters
from ..processes.organic_acids import FATES as ORGANIC_ANION_FATES
from ..processes.organic_acids import MODES as ORGANIC_ACID_MODES
from ..processes.reaches import ReachParameters, reach_parameters_to_dict
from ..processes.soil_solutes import MIXING_CHOICES
from ..registry import bounds_of
from .period import parse_period
from .schema import (AcidInputs, AllogenicContact, AllogenicWater, Catchment, ChemistryOptions, DriverSpec,  # noqa: F401 (re-exported)
                     Hydrotope, LandUseParameters, Lithology, ObservationSpec, ReservoirParameters, SnowParameters,
                     SurfaceWaterOptions)


class CatchmentError(InputError):
    """A catchment file is missing, unreadable or has an invalid key."""


# ------------------------------------------------------------------------------------------------------------
_TOP = {"name", "description", "location", "area_km2", "drivers", "observations", "land_use", "hydrotopes",
        "land_use_parameters", "lithology", "snow", "reservoirs", "chemistry", "acid_inputs", "allogenic_water",
        "allogenic_contact", "allogenic_land_use", "simulation", "calibration", "reaches", "surface_water"}


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


def _dataclass_from(reader: _Reader, cls, table: dict, where: str, choices: dict | None = None):
    """A section's dataclass from its TOML table: every key known, text keys checked against ``choices`` (or any
    non-empty text for ``database``), numbers within the bounds declared with the field
    (:mod:`karstmodel.registry`)."""
    if not isinstance(table, dict):
        reader.err(where.rstrip(". "), "must be a table")
    names = {f.name: f for f in fields(cls)}
    reader.known(table, names, where)
    bounds = bounds_of(cls)
    kw = {}
    for k, v in table.items():
        if choices and k in choices:
            kw[k] = reader.choice(table, k, where, choices[k], None)
        elif k in ("database",):
            if not isinstance(v, str):
                reader.err(f"{where}{k}", "must be a string")
            kw[k] = v
        else:
            lo, hi = bounds.get(k, (None, None))
            kw[k] = reader.number(table, k, where, lo=lo, hi=hi, integer=(names[k].type == "int"))
    return cls(**kw)


def _snow_from(r: _Reader, tbl) -> SnowParameters:
    """[snow]: the degree-day numbers, and the optional elevation bands (two arrays of equal length; fractions > 0
    summing to 1)."""
    if not isinstance(tbl, dict):
        r.err("[snow]", "must be a table")
    tbl = dict(tbl)
    bands = {k: tbl.pop(k) for k in ("band_elevations_m", "band_fractions") if k in tbl}
    snow = _dataclass_from(r, SnowParameters, tbl, "[snow] ")
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
    z_lo, z_hi = bounds_of(SnowParameters)["forcing_elevation_m"]
    if not all(z_lo <= x <= z_hi for x in z):
        r.err("[snow] band_elevations_m", f"must be within {z_lo:g} .. {z_hi:g} m")
    if not all(x > 0.0 for x in f):
        r.err("[snow] band_fractions", "every fraction must be > 0")
    if abs(sum(f) - 1.0) > 1e-6:
        r.err("[snow] band_fractions", f"must sum to 1, they sum to {sum(f):.6g}")
    return replace(snow, band_elevations_m=z, band_fractions=f)


_CHEM_CHOICES = {"recharge_system": ("open", "closed", "mixed"), "matrix": ("equilibrium", "none"),
                 "conduit": ("kinetic", "equilibrium", "none"), "soil_co2_model": ("process", "brook"),
                 "prior_climate": ("all", "subtropical"), "soil_solute_mixing": MIXING_CHOICES,
                 "organic_acids": ORGANIC_ACID_MODES, "organic_anion_fate": ORGANIC_ANION_FATES}


def acid_inputs_from(reader: KeyReader, tbl: dict, base: AcidInputs) -> AcidInputs:
    """An ``[acid_inputs]`` table (catchment or scenario file) on top of ``base``: ``sulfuric_mmol_l`` and
    ``nitric_mmol_l`` (numbers within their declared bounds, 0..20 mmol/L) and ``[acid_inputs.land_use.<class>]`` tables with the same two
    keys (missing ones 0); any other key, a text value, a negative value or a class given as a number is refused
    naming the key."""
    where = "[acid_inputs] "
    keys = ("sulfuric_mmol_l", "nitric_mmol_l")
    bounds = bounds_of(AcidInputs)
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
        by_lu[cls] = tuple(reader.number(sub, k, w, default=0.0, lo=bounds[k][0], hi=bounds[k][1]) for k in keys)
    return AcidInputs(**{k: reader.number(tbl, k, where, default=getattr(base, k), lo=bounds[k][0], hi=bounds[k][1])
                         for k in keys}, by_land_use=by_lu)


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


def _column_map(reader: KeyReader, table: dict, kind: str) -> tuple:
    """A ``[drivers.columns]`` / ``[observations.columns]`` table (file column = model column) as a tuple of pairs;
    targets checked by :func:`karstmodel.io.columns.check_mapping`."""
    tbl = reader.table(table, "columns", f"[{kind}] ")
    try:
        return tuple(check_mapping(tbl, kind, f"[{kind}.columns]").items())
    except InputError as exc:
        reader.err(f"[{kind}.columns]", exc.message.split(": ", 1)[-1])


def _date_format(reader: KeyReader, table: dict, kind: str) -> str | None:
    """``date_format`` of a file's table: a strftime format with day, month and year (or None)."""
    v = reader.string(table, "date_format", f"[{kind}] ")
    if v is not None:
        try:
            check_date_format(v, "date_format")
        except InputError as exc:
            reader.err(f"[{kind}] date_format", exc.message.split(": ", 1)[-1])
    return v


def _fractions(reader: _Reader, table: dict, where: str, allowed) -> dict:
    reader.known(table, allowed, where)
    out = {k: reader.number(table, k, where, lo=0.0, hi=1.0) for k in table}
    return out


ROCKS = ("mixed", "carbonate", "non_carbonate")


def _allogenic_hydrotopes(r: _Reader, doc: dict, hydrotopes: list, lith: Lithology, defaults: dict) -> list:
    """``[allogenic_land_use]``: the non-carbonate (allogenic) area's own land use, class -> fraction of that area
    (summing to 1), each class a hydrotope ``allogenic_<class>`` on non-carbonate rock with the class's parameters
    (``[land_use_parameters]`` included). The hydrotopes of ``[land_use]`` / ``[[hydrotopes]]`` then cover the
    carbonate area: their fractions (summing to 1) are fractions of it. Without the table every hydrotope covers
    both rocks in the lithology's proportions (files written before it load as they did)."""
    tbl = r.table(doc, "allogenic_land_use")
    where = "[allogenic_land_use] "
    if lith.non_carbonate <= 0:
        r.err(where.strip(), "the catchment has no non-carbonate area ([lithology] non_carbonate = 0)")
    for k in tbl:
        if k not in LAND_USE_CLASSES:
            r.err(f"{where}{k}", f"unknown land-use class (known: {', '.join(LAND_USE_CLASSES)})")
    fr = _fractions(r, tbl, where, LAND_USE_CLASSES)
    if abs(sum(fr.values()) - 1.0) > 1e-6:
        r.err(where.strip(), f"fractions of the non-carbonate area must sum to 1, they sum to {sum(fr.values()):.6g}")
    if any(h.rock != "mixed" for h in hydrotopes):
        r.err(where.strip(), "give either [allogenic_land_use] or hydrotopes with a rock key, not both")
    names = {h.name for h in hydrotopes}
    out = [replace(h, fraction=h.fraction * lith.carbonate, rock="carbonate") for h in hydrotopes]
    for k, v in fr.items():
        if v <= 0:
            continue
        nm = f"allogenic_{k}"
        if nm in names:
            r.err(where.strip(), f"a hydrotope is already named {nm!r}")
        out.append(Hydrotope(nm, k, v * lith.non_carbonate, defaults[k], "non_carbonate"))
    return [h for h in out if h.fraction > 0]


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
    r.known(drv, {"file", "pet", "gap_fill", "max_gap_days", "columns", "date_format"}, "[drivers] ")
    drivers = DriverSpec(file=(base / r.string(drv, "file", "[drivers] ")).resolve(),
                         pet=r.choice(drv, "pet", "[drivers] ", ("column", "oudin", "hargreaves"), "oudin"),
                         gap_fill=r.choice(drv, "gap_fill", "[drivers] ", ("none", "linear", "climatology"), "none"),
                         max_gap_days=r.number(drv, "max_gap_days", "[drivers] ", default=5, lo=1, hi=366,
                                               integer=True),
                         columns=_column_map(r, drv, "drivers"), date_format=_date_format(r, drv, "drivers"))
    obs = r.table(doc, "observations")
    r.known(obs, {"file", "discharge", "columns", "date_format"}, "[observations] ")
    observations = ObservationSpec(file=(base / r.string(obs, "file", "[observations] ")).resolve()
                                   if "file" in obs else None,
                                   discharge=r.choice(obs, "discharge", "[observations] ", ("spring", "outlet"),
                                                      "spring"),
                                   columns=_column_map(r, obs, "observations"),
                                   date_format=_date_format(r, obs, "observations"))

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
            r.known(h, set(PARAMETER_NAMES) | {"name", "land_use", "fraction", "rock"}, where)
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
            rock = r.choice(h, "rock", where, ROCKS, "mixed")
            hydrotopes.append(Hydrotope(nm, lu, frac, defaults[lu].with_updates(**upd), rock))
    else:
        lu_tbl = doc.get("land_use")
        if not isinstance(lu_tbl, dict) or not lu_tbl:
            r.err("land_use", "missing: give [land_use] fractions (e.g. forest = 0.6) or [[hydrotopes]]")
        for k in lu_tbl:
            if k not in LAND_USE_CLASSES:
                r.err(f"[land_use] {k}", f"unknown land-use class (known: {', '.join(LAND_USE_CLASSES)})")
        fr = _fractions(r, lu_tbl, "[land_use] ", LAND_USE_CLASSES)
        hydrotopes = [Hydrotope(k, k, v, defaults[k]) for k, v in fr.items() if v > 0]
    lit_tbl = r.table(doc, "lithology") if "lithology" in doc else {"limestone": 1.0}
    # a [lithology] table gives the rock fractions that are present: a rock it leaves out covers no area
    lith = _dataclass_from(r, Lithology, {"limestone": 0.0, **lit_tbl}, "[lithology] ")
    s = lith.limestone + lith.dolomite + lith.non_carbonate
    if abs(s - 1.0) > 1e-6:
        r.err("[lithology]", f"limestone + dolomite + non_carbonate must sum to 1, they sum to {s:.6g}")
    if "allogenic_land_use" in doc:
        hydrotopes = _allogenic_hydrotopes(r, doc, hydrotopes, lith, defaults)
    total = sum(h.fraction for h in hydrotopes)
    if abs(total - 1.0) > 1e-6:
        r.err("land_use" if "land_use" in doc else "hydrotopes",
              f"fractions must sum to 1, they sum to {total:.6g}")

    snow = _snow_from(r, doc.get("snow", {}))
    res = _dataclass_from(r, ReservoirParameters, doc.get("reservoirs", {}), "[reservoirs] ")
    chem = _dataclass_from(r, ChemistryOptions, chem_tbl, "[chemistry] ", _CHEM_CHOICES)

    acids = acid_inputs_from(r, r.table(doc, "acid_inputs"), AcidInputs())
    allo = _dataclass_from(r, AllogenicWater, doc.get("allogenic_water", {}), "[allogenic_water] ")
    contact = _dataclass_from(r, AllogenicContact, doc.get("allogenic_contact", {}), "[allogenic_contact] ",
                              {"system": CONTACT_SYSTEMS, "rate_law": CONTACT_RATE_LAWS})

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
                     calibration=dict(doc.get("calibration", {})), reaches=tuple(reaches), surface_water=sw,
                     allogenic_contact=contact)


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


def is_bundled(path) -> bool:
    """Whether ``path`` is a file of a bundled catchment or station (``catchments/<name>/``)."""
    try:
        return Path(path).resolve().parent.parent == _bundled_dir().resolve()
    except OSError:
        return False


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
                      "max_gap_days": c.drivers.max_gap_days, **_reading(c.drivers)}
    if c.observations.file is not None:
        doc["observations"] = {"file": rel(c.observations.file), "discharge": c.observations.discharge,
                               **_reading(c.observations)}
    doc["hydrotopes"] = [{"name": h.name, "land_use": h.land_use, "fraction": h.fraction,
                          **({"rock": h.rock} if h.rock != "mixed" else {}), **dc(h.params)}
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
    if c.allogenic_contact != AllogenicContact():
        doc["allogenic_contact"] = dc(c.allogenic_contact)
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


def _reading(spec) -> dict:
    """The ``date_format`` and ``columns`` keys of a file's table (only those that are set)."""
    out = {}
    if spec.date_format:
        out["date_format"] = spec.date_format
    if spec.columns:
        out["columns"] = dict(spec.columns)
    return out


def write_catchment(c: Catchment, path) -> Path:
    """Write ``c`` as a catchment file (atomic), data paths relative to the file's folder."""
    path = Path(path)
    doc = catchment_to_dict(c, path.parent.resolve())
    text = tomli_w.dumps(doc)
    _atomic_write(path, lambda fh: fh.write(text))
    return path
