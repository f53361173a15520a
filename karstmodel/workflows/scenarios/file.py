"""The scenario file: reading, checking every table against the catchment, and the catchment it makes."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd




from ...config.catchment import (AcidInputs, Catchment, CatchmentError, Hydrotope, KeyReader, _dataclass_from,
                                 acid_inputs_from)
from ...processes.allogenic_contact import RATE_LAWS as CONTACT_RATE_LAWS
from ...processes.allogenic_contact import SYSTEMS as CONTACT_SYSTEMS
from ...processes.changes import CarbonatePowder, Irrigation, OrganicAmendment, ParameterRamp
from ...io.files import read_toml
from ...processes.landuse import LAND_USE_CLASSES, default_parameters
from ...registry import bounds_of


HYDROLOGY_FIELDS = ("crop_coefficient", "interception_capacity_mm", "root_zone_storage_mm", "fast_flow_fraction",
                    "recharge_shape", "et_threshold_fraction")
SOIL_FIELDS = ("r10_gc_m2_d", "q10", "soil_depth_m", "production_depth_fraction", "porosity", "field_capacity_m3_m3",
               "wilting_point_m3_m3", "tillage_depth_m", "tilled_porosity_increase")
_TOP = {"name", "description", "land_use_conversion", "soil_improvement", "irrigation", "aquatic_cultivation",
        "carbonate_powder", "organic_amendment", "acid_inputs", "allogenic_contact", "climate", "uncertainty"}


class ScenarioError(CatchmentError):
    """A scenario file is missing or has an invalid key."""


def load_scenario(path) -> dict:
    """Read a scenario file; every table is checked against the catchment when applied.

    Parameters
    ----------
    path : str or path
        The scenario TOML file (schema: the :mod:`karstmodel.workflows.scenarios` docstring).

    Returns
    -------
    dict
        The parsed tables with ``_path`` (the file, for relative paths inside it).

    Raises
    ------
    ScenarioError
        A missing file, an unknown top-level key, a missing ``name`` or a bad value, naming the file and key.
    """
    path = Path(path)
    doc = read_toml(path, "scenario", ScenarioError)
    for k in doc:
        if k not in _TOP:
            raise ScenarioError(f"{k}: unknown key (allowed: {', '.join(sorted(_TOP))})", file=str(path))
    if "name" not in doc:
        raise ScenarioError("name: missing", file=str(path))
    doc["_path"] = path
    _check_document(doc)
    return doc


def _err(doc, key, msg):
    raise ScenarioError(f"{key}: {msg}", file=str(doc.get("_path")))


class _ScenarioReader(KeyReader):
    """The catchment file's key checks, with errors naming the scenario file."""

    error_class = ScenarioError

    def __init__(self, doc: dict):
        super().__init__(Path(doc.get("_path", "scenario")))


_UNCERTAINTY_KEYS = {"ensemble", "glue_samples", "seed"}


def scenario_files(doc: dict) -> list:
    """(role, path) of the files a scenario reads on top of its catchment's: the scenario file, a climate
    projection (``[climate] file``) and a GLUE sample file (``[uncertainty] glue_samples``), for the provenance
    of its outputs."""
    base = Path(doc["_path"]).parent
    out = [("scenario file", Path(doc["_path"]))]
    clim = doc.get("climate") or {}
    if isinstance(clim.get("file"), str):
        out.append(("climate projection", (base / clim["file"]).resolve()))
    unc = doc.get("uncertainty") or {}
    if isinstance(unc.get("glue_samples"), str):
        out.append(("GLUE sample file", (base / unc["glue_samples"]).resolve()))
    return out


def scenario_inputs(doc: dict) -> list:
    """The files a scenario reads (:func:`scenario_files`): an output folder must never hold them."""
    return [p for _, p in scenario_files(doc)]


def _check_document(doc: dict) -> None:
    """Structure and plain values of a scenario file, checked on loading (before any run): tables where tables
    belong, a text ``name``, ``[uncertainty]`` and ``[climate]`` values of the right type and range. Changes that
    need the catchment (land-use classes, hydrotopes) are checked when applied."""
    r = _ScenarioReader(doc)
    if not isinstance(doc.get("name"), str) or not doc["name"].strip():
        r.err("name", f"must be a non-empty string, got {doc.get('name')!r}")
    for key in ("acid_inputs", "allogenic_contact", "climate", "uncertainty"):
        r.table(doc, key)
    for key in ("land_use_conversion", "soil_improvement", "irrigation", "aquatic_cultivation", "carbonate_powder",
                "organic_amendment"):
        if key in doc and (not isinstance(doc[key], list) or not all(isinstance(t, dict) for t in doc[key])):
            r.err(key, f"must be an array of tables [[{key}]]")
    unc = doc.get("uncertainty", {})
    r.known(unc, _UNCERTAINTY_KEYS, "[uncertainty] ")
    r.number(unc, "ensemble", "[uncertainty] ", lo=0, hi=10000, integer=True)
    r.number(unc, "seed", "[uncertainty] ", lo=0, integer=True)
    r.string(unc, "glue_samples", "[uncertainty] ")
    clim = doc.get("climate", {})
    r.known(clim, _CLIMATE_KEYS, "[climate] ")
    for key, lo, hi in (("temp_delta_c", -15.0, 15.0), ("soil_temp_delta_c", -15.0, 15.0), ("precip_factor", 0.1, 5.0),
                        ("pet_factor", 0.1, 5.0)):
        r.number(clim, key, "[climate] ", lo=lo, hi=hi)
    if "extend_to" in clim:
        _date(doc, clim, "extend_to", "[climate] ", None)
    if "file" in clim:
        r.string(clim, "file", "[climate] ")
    if "acid_inputs" in doc:
        acid_inputs_from(r, doc["acid_inputs"], AcidInputs())


def _targets(doc, c: Catchment, tbl: dict, where: str) -> list[int]:
    if "hydrotope" in tbl:
        idx = [i for i, h in enumerate(c.hydrotopes) if h.name == tbl["hydrotope"]]
        if not idx:
            _err(doc, f"{where}hydrotope", f"no hydrotope {tbl['hydrotope']!r} in {c.name}")
        return idx
    lu = tbl.get("land_use", tbl.get("from"))
    if lu not in LAND_USE_CLASSES:
        _err(doc, f"{where}land_use", f"unknown land-use class {lu!r}")
    idx = [i for i, h in enumerate(c.hydrotopes) if h.land_use == lu]
    if not idx:
        _err(doc, f"{where}land_use", f"{c.name} has no {lu} hydrotope")
    return idx


def _num(doc, tbl, key, where, default=None, lo=None, hi=None):
    if key not in tbl:
        if default is None:
            _err(doc, f"{where}{key}", "missing")
        return default
    v = tbl[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        _err(doc, f"{where}{key}", f"must be a number, got {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        _err(doc, f"{where}{key}", f"must lie in {lo}..{hi}, got {v}")
    return float(v)


def _date(doc, tbl, key, where, default):
    v = tbl.get(key, default)
    try:
        return str(pd.Timestamp(str(v)).date())
    except (ValueError, TypeError, OverflowError):
        _err(doc, f"{where}{key}", f"not an ISO date (YYYY-MM-DD): {v!r}")


def apply_scenario(c: Catchment, doc: dict, period_start: str) -> Catchment:
    """The catchment under the scenario: converted areas as their own hydrotopes with ramped parameters,
    soil improvement and irrigation on their hydrotopes, carbonate powder, acid inputs, cultivated reaches."""
    hyds = list(c.hydrotopes)
    changes = []
    defaults = default_parameters(c.chemistry.prior_climate)
    for k, tbl in enumerate(doc.get("land_use_conversion", [])):
        where = f"[[land_use_conversion]] #{k + 1} "
        allowed = {"from", "hydrotope", "to", "fraction", "start", "ramp_years", "soil_ramp_years", "shape"}
        for key in tbl:
            if key not in allowed:
                _err(doc, f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        to = tbl.get("to")
        if to not in LAND_USE_CLASSES:
            _err(doc, f"{where}to", f"unknown land-use class {to!r}")
        frac = _num(doc, tbl, "fraction", where, lo=0.0, hi=1.0)
        start = _date(doc, tbl, "start", where, period_start)
        ramp = _num(doc, tbl, "ramp_years", where, 10.0, 0.0, 200.0) * 365.25
        soil_ramp = _num(doc, tbl, "soil_ramp_years", where, 20.0, 0.0, 200.0) * 365.25
        shape = tbl.get("shape", "linear")
        if shape not in ("linear", "exponential"):
            _err(doc, f"{where}shape", "must be 'linear' or 'exponential'")
        target = next((h.params for h in c.hydrotopes if h.land_use == to), defaults[to])
        for i in _targets(doc, c, tbl, where):
            src = hyds[i]
            name = f"{src.name}_to_{to}"
            hyds[i] = replace(src, fraction=src.fraction * (1.0 - frac))
            hyds.append(Hydrotope(name=name, land_use=to, fraction=src.fraction * frac, params=src.params,
                                  rock=src.rock))
            for f in HYDROLOGY_FIELDS + SOIL_FIELDS:
                a, b = getattr(src.params, f), getattr(target, f)
                if a != b:
                    changes.append(ParameterRamp(name, f, a, b, start, ramp if f in HYDROLOGY_FIELDS else soil_ramp,
                                                 shape))
    c = replace(c, hydrotopes=tuple(h for h in hyds if h.fraction > 0))
    for k, tbl in enumerate(doc.get("soil_improvement", [])):
        where = f"[[soil_improvement]] #{k + 1} "
        allowed = {"land_use", "hydrotope", "r10_factor", "root_zone_storage_factor", "porosity_factor", "start",
                   "ramp_years", "shape"}
        for key in tbl:
            if key not in allowed:
                _err(doc, f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        start = _date(doc, tbl, "start", where, period_start)
        ramp = _num(doc, tbl, "ramp_years", where, 5.0, 0.0, 200.0) * 365.25
        for i in _targets(doc, c, tbl, where):
            h = c.hydrotopes[i]
            for key, field in (("r10_factor", "r10_gc_m2_d"), ("root_zone_storage_factor", "root_zone_storage_mm"),
                               ("porosity_factor", "porosity")):
                if key in tbl:
                    fac = _num(doc, tbl, key, where, lo=0.1, hi=10.0)
                    v = getattr(h.params, field)
                    changes.append(ParameterRamp(h.name, field, v, v * fac, start, ramp, tbl.get("shape", "linear")))
    for k, tbl in enumerate(doc.get("irrigation", [])):
        where = f"[[irrigation]] #{k + 1} "
        allowed = {"land_use", "hydrotope", "volume_mm_yr", "months", "start", "end", "water"}
        for key in tbl:
            if key not in allowed:
                _err(doc, f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        vol = _num(doc, tbl, "volume_mm_yr", where, lo=0.0, hi=5000.0)
        months = tbl.get("months", list(range(1, 13)))
        if (not isinstance(months, list) or not months
                or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months)):
            _err(doc, f"{where}months", f"must be a non-empty array of month numbers 1..12, got {months!r}")
        months = tuple(months)
        days = sum(pd.Period(f"2001-{m:02d}").days_in_month for m in months)
        water_tbl = tbl.get("water", {})
        wkeys = {f"{e}_mmol_l": e for e in ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")}
        for key in water_tbl:
            if key not in wkeys:
                _err(doc, f"{where}water.{key}", f"unknown (allowed: {', '.join(wkeys)})")
        water = tuple((wkeys[key], _num(doc, water_tbl, key, f"{where}water.", lo=0.0, hi=100.0)) for key in water_tbl)
        for i in _targets(doc, c, tbl, where):
            changes.append(Irrigation(c.hydrotopes[i].name, vol / days, months,
                                      _date(doc, tbl, "start", where, period_start),
                                      _date(doc, tbl, "end", where, "2200-12-31"), water))
    for k, tbl in enumerate(doc.get("carbonate_powder", [])):
        where = f"[[carbonate_powder]] #{k + 1} "
        if c.lithology.non_carbonate <= 0:
            _err(doc, where.strip(), f"{c.name} has no non-carbonate area to spread carbonate on")
        dose = _num(doc, tbl, "dose_t_ha", where, lo=0.0, hi=1000.0)
        grain = _num(doc, tbl, "grain_size_um", where, lo=0.1, hi=1e5)
        date = _date(doc, tbl, "date", where, period_start)
        for i in _targets(doc, c, tbl, where):
            changes.append(CarbonatePowder(c.hydrotopes[i].name, dose, grain, date))
    for k, tbl in enumerate(doc.get("organic_amendment", [])):
        changes += _organic_amendments(doc, c, tbl, f"[[organic_amendment]] #{k + 1} ", period_start)
    if "acid_inputs" in doc:
        c = replace(c, acids=acid_inputs_from(_ScenarioReader(doc), doc["acid_inputs"], c.acids))
    if "allogenic_contact" in doc:
        # how the allogenic water meets the carbonate (karstmodel.processes.allogenic_contact): the scenario's keys
        # on top of the catchment's, checked against their declared bounds; a step change for the whole run
        if c.lithology.non_carbonate <= 0 or c.lithology.carbonate <= 0:
            _err(doc, "[allogenic_contact]", f"{c.name} has no allogenic water meeting carbonate (needs both "
                                             "non-carbonate and carbonate rock)")
        tbl = {**{k: v for k, v in vars(c.allogenic_contact).items()}, **doc["allogenic_contact"]}
        c = replace(c, allogenic_contact=_dataclass_from(_ScenarioReader(doc), type(c.allogenic_contact), tbl,
                                                         "[allogenic_contact] ",
                                                         {"system": CONTACT_SYSTEMS, "rate_law": CONTACT_RATE_LAWS}))
    if doc.get("aquatic_cultivation"):
        reaches = list(c.reaches)
        for k, tbl in enumerate(doc["aquatic_cultivation"]):
            where = f"[[aquatic_cultivation]] #{k + 1} "
            names = [r.name for r in reaches]
            if tbl.get("reach") not in names:
                _err(doc, f"{where}reach", f"no reach {tbl.get('reach')!r} (reaches: {', '.join(names) or 'none'})")
            j = names.index(tbl["reach"])
            reaches[j] = reaches[j].with_cultivation(
                cover=_num(doc, tbl, "macrophyte_cover", where, reaches[j].macrophyte_cover, 0.0, 1.0),
                biomass_g_m2=_num(doc, tbl, "macrophyte_biomass_g_m2", where, reaches[j].macrophyte_biomass_g_m2, 0.0,
                                  5000.0))
        c = replace(c, reaches=tuple(reaches))
    return replace(c, changes=tuple(c.changes) + tuple(changes))


_CLIMATE_KEYS = {"temp_delta_c", "precip_factor", "pet_factor", "soil_temp_delta_c", "extend_to", "file"}


def _organic_amendments(doc, c: Catchment, tbl: dict, where: str, period_start: str) -> list:
    """``[[organic_amendment]]``: organic carbon ``carbon_g_m2`` (g C per m2 of the hydrotope) spread on the soil of
    a land-use class (or one hydrotope) on ``date``/``dates`` and/or every year on ``every_year`` ("MM-DD") from
    ``start`` to ``end``, decomposing at ``decay_rate_10c_per_yr`` (karstmodel.processes.organic_amendment)."""
    allowed = {"land_use", "hydrotope", "carbon_g_m2", "date", "dates", "every_year", "start", "end",
               "decay_rate_10c_per_yr"}
    for key in tbl:
        if key not in allowed:
            _err(doc, f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    carbon = _num(doc, tbl, "carbon_g_m2", where, lo=0.0, hi=1e5)
    lo, hi = bounds_of(OrganicAmendment)["decay_rate_10c_per_yr"]
    rate = _num(doc, tbl, "decay_rate_10c_per_yr", where, OrganicAmendment.decay_rate_10c_per_yr, lo, hi)
    raw = tbl.get("dates", [])
    if not isinstance(raw, list):
        _err(doc, f"{where}dates", f"must be an array of ISO dates, got {raw!r}")
    dates = tuple(_date(doc, {"dates": d}, "dates", where, None) for d in raw)
    if "date" in tbl:
        dates += (_date(doc, tbl, "date", where, None),)
    every = tbl.get("every_year")
    if every is not None:
        try:
            pd.Timestamp(f"2000-{every}")
            ok = isinstance(every, str) and len(every) == 5
        except (ValueError, TypeError):
            ok = False
        if not ok:
            _err(doc, f"{where}every_year", f"must be a month and day 'MM-DD', got {every!r}")
    elif "start" in tbl or "end" in tbl:
        _err(doc, f"{where}start", "start/end need every_year")
    if not dates and every is None:
        _err(doc, f"{where}date", "missing: give date, dates or every_year")
    start = _date(doc, tbl, "start", where, period_start) if every is not None else None
    end = _date(doc, tbl, "end", where, "2200-12-31") if every is not None else None
    return [OrganicAmendment(c.hydrotopes[i].name, carbon, dates, every, start, end, rate)
            for i in _targets(doc, c, tbl, where)]
