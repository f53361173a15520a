"""Land-use and management scenarios: how much would an intervention change the karst carbon sink?

A scenario file (TOML) describes changes in time; :func:`apply_scenario` turns it into a catchment with split
hydrotopes and :mod:`karstmodel.processes.changes`; :func:`run_scenario` runs baseline and scenario over the same drivers,
over a parameter ensemble for uncertainty, and reports baseline, scenario and delta blocks (docs/interface.md).

.. code-block:: toml

    name = "reforestation"
    description = "30 % of cropland to forest"

    [[land_use_conversion]]          # a share of every hydrotope of a class (or one hydrotope) becomes another class
    from = "cropland"
    to = "forest"
    fraction = 0.3
    start = "2005-01-01"
    ramp_years = 10                  # hydrology (ET, interception, storage, preferential flow)
    soil_ramp_years = 20             # soil respiration and soil structure (1-2 decades; docs/science.md)
    shape = "linear"                 # or "exponential" (95 % reached after the ramp)

    [[soil_improvement]]             # organic matter and water-holding capacity
    land_use = "cropland"
    r10_factor = 1.15
    root_zone_storage_factor = 1.2
    start = "2005-01-01"
    ramp_years = 5

    [[irrigation]]                   # exogenous (allogenic) water
    land_use = "cropland"
    volume_mm_yr = 150               # mm over the irrigated hydrotopes per year, spread evenly over the months
    months = [5, 6, 7, 8]
    start = "2005-01-01"
    water = {ca_mmol_l = 0.2, na_mmol_l = 0.3, cl_mmol_l = 0.3, so4_mmol_l = 0.05}   # charge-balanced by HCO3-

    [[aquatic_cultivation]]          # submerged macrophytes in a reach below the spring (whole run)
    reach = "pond"
    macrophyte_cover = 0.8
    macrophyte_biomass_g_m2 = 250

    [[carbonate_powder]]             # calcite powder on the non-carbonate part of hydrotopes
    land_use = "cropland"
    dose_t_ha = 20
    grain_size_um = 100
    date = "2005-04-01"

    [acid_inputs]                    # e.g. fertiliser nitrification: replaces the catchment's class values
    land_use = {cropland = {nitric_mmol_l = 0.4}}

    [climate]                        # delta change or a projection file
    temp_delta_c = 2.0
    precip_factor = 1.05
    soil_temp_delta_c = 0.0          # soil-only warming (heating-cable design): soil CO2 and soil water, not air/PET/snow
    extend_to = "2060-12-31"         # repeat the record to this date, deltas growing linearly over the added days
    # file = "projection.csv"        # date, precip_mm, temp_c [, pet_mm] replacing the drivers

    [uncertainty]
    ensemble = 16                    # parameter sets (SRDB inter-quartile priors, or a GLUE sample file)
    glue_samples = "../out/glue_samples.csv"
    seed = 1

The baseline always runs on the catchment's own drivers, never on the scenario's climate; ``extend_to`` repeats the
record for both runs (without deltas it gives a land-use change time to complete its ramps).

Uncertainty: every ensemble member runs baseline and scenario with the same parameters, so the delta's interval
reflects parameter uncertainty, not noise. Without a GLUE sample file the ensemble varies, per land-use class, soil
respiration R10 and Q10 within the SRDB inter-quartile range (Latin hypercube) and the root-zone storage by
+-25 %. Interval rule: a 90 % interval (5th-95th percentile) needs at least :data:`MIN_MEMBERS_90` = 20 members;
from fewer the min-max range of the members is reported, with its expected coverage (n - 1) / (n + 1). A change
within 1e-6 of the baseline sink is "no change"; one whose interval spans zero has an "uncertain sign". The time to
reach 90 % of the new level is measured on the annual sink difference, relative to its mean over the last three
years; the new state (:func:`time_to_new_state`) and the catchment's response time (:func:`response_time`, with a
warning when the record is shorter) are reported with every run.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd


from chemistry.errors import InputError

from chemistry.constants import M_C_G_MOL

from ..accounting.sink import ZENG_C_G_MOL, compare_runs
from ..config.catchment import AcidInputs, Catchment, CatchmentError, Hydrotope, KeyReader, acid_inputs_from
from ..processes.changes import CarbonatePowder, Irrigation, ParameterRamp, SoilWarming
from ..io.drivers import MIN_RECORD_DAYS, Drivers, load_drivers, pet_hargreaves, pet_oudin
from ..io.files import read_toml
from ..processes.landuse import LAND_USE_CLASSES, default_parameters
from scipy.stats import qmc
from ..processes.landuse import soil_respiration_priors
from ..config.parameters import apply_parameters
from ..model.simulate import initial_state, simulate
from .._parallel import map_chunks
from .scenario_indicators import (MIN_MEMBERS_90, NO_CHANGE_RELATIVE, change_label, interval,  # noqa: F401
                                  response_time, time_to_new_state)

HYDROLOGY_FIELDS = ("crop_coefficient", "interception_capacity_mm", "root_zone_storage_mm", "fast_flow_fraction",
                    "recharge_shape", "et_threshold_fraction")
SOIL_FIELDS = ("r10_gc_m2_d", "q10", "soil_depth_m", "production_depth_fraction", "porosity", "field_capacity_m3_m3",
               "wilting_point_m3_m3")
_TOP = {"name", "description", "land_use_conversion", "soil_improvement", "irrigation", "aquatic_cultivation",
        "carbonate_powder", "acid_inputs", "climate", "uncertainty"}


class ScenarioError(CatchmentError):
    """A scenario file is missing or has an invalid key."""


def load_scenario(path) -> dict:
    """Read a scenario file; every table is checked against the catchment when applied."""
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


def scenario_inputs(doc: dict) -> list:
    """The files a scenario reads (the scenario file, a climate projection, a GLUE sample file): an output folder
    must never hold them."""
    base = Path(doc["_path"]).parent
    out = [Path(doc["_path"])]
    clim = doc.get("climate") or {}
    if isinstance(clim.get("file"), str):
        out.append((base / clim["file"]).resolve())
    unc = doc.get("uncertainty") or {}
    if isinstance(unc.get("glue_samples"), str):
        out.append((base / unc["glue_samples"]).resolve())
    return out


def _check_document(doc: dict) -> None:
    """Structure and plain values of a scenario file, checked on loading (before any run): tables where tables
    belong, a text ``name``, ``[uncertainty]`` and ``[climate]`` values of the right type and range. Changes that
    need the catchment (land-use classes, hydrotopes) are checked when applied."""
    r = _ScenarioReader(doc)
    if not isinstance(doc.get("name"), str) or not doc["name"].strip():
        r.err("name", f"must be a non-empty string, got {doc.get('name')!r}")
    for key in ("acid_inputs", "climate", "uncertainty"):
        r.table(doc, key)
    for key in ("land_use_conversion", "soil_improvement", "irrigation", "aquatic_cultivation", "carbonate_powder"):
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
            hyds.append(Hydrotope(name=name, land_use=to, fraction=src.fraction * frac, params=src.params))
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
    if "acid_inputs" in doc:
        c = replace(c, acids=acid_inputs_from(_ScenarioReader(doc), doc["acid_inputs"], c.acids))
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


def _climate_table(doc: dict) -> dict:
    tbl = doc.get("climate") or {}
    for key in tbl:
        if key not in _CLIMATE_KEYS:
            _err(doc, f"[climate] {key}", f"unknown key (allowed: {', '.join(sorted(_CLIMATE_KEYS))})")
    return tbl


def _extension(drivers: Drivers, doc: dict) -> tuple[pd.DataFrame, int, np.ndarray]:
    """The record repeated (cycled day by day from its first day) to ``[climate] extend_to``, unchanged; the
    number of days added; the day of year of the recorded day each day repeats (for Oudin PET)."""
    data = drivers.data
    tbl = _climate_table(doc)
    end = pd.Timestamp(_date(doc, tbl, "extend_to", "[climate] ", str(data.index[-1].date())))
    doy = data.index.day_of_year.to_numpy()
    if end <= data.index[-1]:
        return data, 0, doy
    n_extra = (end - data.index[-1]).days
    src = np.arange(len(data), len(data) + n_extra) % len(data)
    tiled = data.iloc[src].copy()
    tiled.index = pd.date_range(data.index[-1] + pd.Timedelta(days=1), periods=n_extra, freq="D", name="date")
    return pd.concat([data, tiled]), n_extra, np.concatenate([doy, doy[src]])


def baseline_drivers(drivers: Drivers, c: Catchment, doc: dict) -> Drivers:
    """Drivers of the baseline run: the catchment's record, unmodified, repeated to ``[climate] extend_to`` when the
    scenario extends it (so baseline and scenario cover the same days); never the scenario's climate deltas."""
    data, n_extra, _ = _extension(drivers, doc)
    if not n_extra:
        return drivers
    return Drivers(data=data, filled=drivers.filled, source=drivers.source + " (record repeated)")


def climate_drivers(drivers: Drivers, c: Catchment, doc: dict) -> Drivers:
    """Drivers of the scenario run under its [climate] table: delta change (air temperature, precipitation and PET
    factors) over the whole record, or, with ``extend_to``, the record repeated to that date with the deltas growing
    linearly over the added days (the recorded days unchanged); or a projection file. ``soil_temp_delta_c`` leaves
    the drivers alone (a :class:`~karstmodel.processes.changes.SoilWarming` change, :func:`climate_changes`)."""
    tbl = _climate_table(doc)
    if not tbl:
        return drivers
    where = "[climate] "
    if "file" in tbl:
        spec = replace(c.drivers, file=(Path(doc["_path"]).parent / tbl["file"]).resolve())
        return load_drivers(spec, c.latitude, min_days=MIN_RECORD_DAYS)
    dt = _num(doc, tbl, "temp_delta_c", where, 0.0, -15.0, 15.0)
    pf = _num(doc, tbl, "precip_factor", where, 1.0, 0.1, 5.0)
    ef = _num(doc, tbl, "pet_factor", where, 1.0, 0.1, 5.0)
    _num(doc, tbl, "soil_temp_delta_c", where, 0.0, -15.0, 15.0)
    if dt == 0.0 and pf == 1.0 and ef == 1.0:
        return baseline_drivers(drivers, c, doc)
    data, n_extra, doy = _extension(drivers, doc)
    ramp = np.ones(len(data))
    if n_extra:
        ramp[: len(data) - n_extra] = 0.0
        ramp[len(data) - n_extra:] = np.arange(1, n_extra + 1) / n_extra
    out = data.copy()
    out["temp_c"] = data["temp_c"].to_numpy() + ramp * dt
    out["precip_mm"] = data["precip_mm"].to_numpy() * (1.0 + ramp * (pf - 1.0))
    for col in ("tmin_c", "tmax_c"):
        if col in data.columns:
            out[col] = data[col].to_numpy() + ramp * dt
    if c.drivers.pet == "column":
        out["pet_mm"] = data["pet_mm"].to_numpy() * (1.0 + ramp * (ef - 1.0))
    elif c.drivers.pet == "hargreaves":
        out["pet_mm"] = pet_hargreaves(out["temp_c"].to_numpy(), out["tmin_c"].to_numpy(), out["tmax_c"].to_numpy(),
                                       c.latitude, doy)
    else:
        out["pet_mm"] = pet_oudin(out["temp_c"].to_numpy(), c.latitude, doy)
    if n_extra:  # the recorded days stay exactly as recorded
        out.iloc[: len(data) - n_extra] = data.iloc[: len(data) - n_extra]
    return Drivers(data=out, filled=drivers.filled, source=drivers.source + " (climate scenario)")


def climate_changes(doc: dict, record_end: str, period_start: str) -> tuple:
    """Changes of the catchment from the [climate] table: ``soil_temp_delta_c`` warms the soil only (soil CO2
    production, diffusion and soil-water chemistry), not air temperature, PET, snow or groundwater, as buried
    heating cables do in soil-warming experiments (:class:`~karstmodel.processes.changes.SoilWarming`). Over the
    whole record as a step, or with ``extend_to`` growing linearly over the added days like the other deltas."""
    tbl = _climate_table(doc)
    dts = _num(doc, tbl, "soil_temp_delta_c", "[climate] ", 0.0, -15.0, 15.0)
    if dts == 0.0:
        return ()
    end = pd.Timestamp(_date(doc, tbl, "extend_to", "[climate] ", record_end))
    last = pd.Timestamp(record_end)
    if end > last:
        return (SoilWarming(dts, str((last + pd.Timedelta(days=1)).date()), float((end - last).days)),)
    return (SoilWarming(dts, period_start, 0.0),)


# ------------------------------------------------------------------------------------------------------------
def prior_ensemble(c: Catchment, n: int, seed: int = 1) -> list[dict]:
    """Parameter sets from the SRDB inter-quartile priors (R10, Q10 per class) and +-25 % root-zone storage."""
    pri = soil_respiration_priors(c.chemistry.prior_climate)
    classes = sorted({h.land_use for h in c.hydrotopes if h.land_use != "water"})
    names = []
    bounds = []
    for cls in classes:
        row = pri.get(cls) or soil_respiration_priors("all")[cls]
        med = float(row["r10_gc_m2_d_median"])
        if med > 0:
            names.append(("r10", cls))
            bounds.append((float(row["r10_gc_m2_d_p25"]) / med, float(row["r10_gc_m2_d_p75"]) / med))
        names.append(("q10", cls))
        bounds.append((float(row["q10_p25"]), float(row["q10_p75"])))
    names.append(("rz", "*"))
    bounds.append((0.75, 1.25))
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    sets = []
    for row in u:
        s = {}
        for (kind, cls), (lo, hi), x in zip(names, bounds, row):
            v = lo + x * (hi - lo)
            if kind == "r10":
                s[f"land_use_scale.{cls}.r10_gc_m2_d"] = v
            elif kind == "q10":
                s[f"land_use.{cls}.q10"] = v
            else:
                s["hydrotopes.*.root_zone_storage_mm_scale"] = v
        sets.append(s)
    return sets


def _apply_member(c: Catchment, member: dict) -> Catchment:
    plain = {}
    hyds = list(c.hydrotopes)
    for k, v in member.items():
        if k.startswith("land_use_scale."):
            _, cls, field = k.split(".")
            hyds = [replace(h, params=replace(h.params, **{field: getattr(h.params, field) * v}))
                    if h.land_use == cls else h for h in hyds]
        else:
            plain[k] = v
    c = replace(c, hydrotopes=tuple(hyds))
    if plain:
        try:
            c = apply_parameters(c, plain)
        except KeyError:
            c = apply_parameters(c, {k: v for k, v in plain.items() if not k.startswith("land_use.")})
    return c


def glue_ensemble(path, n: int, seed: int = 1) -> list[dict]:
    """``n`` behavioural parameter sets drawn by weight from a GLUE sample file of ``karstmodel calibrate``."""
    df = pd.read_csv(path)
    if "behavioural" not in df.columns or "weight" not in df.columns:
        raise InputError("not a GLUE sample file (needs behavioural and weight columns)", file=str(path))
    beh = df[df["behavioural"].astype(bool)]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(beh), size=min(n, len(beh)), replace=False, p=beh["weight"] / beh["weight"].sum())
    cols = [c for c in beh.columns if c not in ("score", "weight", "behavioural")]
    return [beh.iloc[i][cols].to_dict() for i in pick]


def _same_start(base_c: Catchment, scen_c: Catchment, base_data: pd.DataFrame) -> Catchment:
    """The scenario catchment starting from the baseline's initial matrix and non-karst groundwater storage (the
    steady state of the baseline's mean inflow) and with the baseline's groundwater temperature (by default the mean
    air temperature of the run, one value per run), so that a scenario whose drivers change only after the record
    (``[climate] extend_to``) is identical to the baseline until its changes begin. The groundwater of such a
    scenario therefore does not warm (a limitation stated in docs/science.md, Scenarios)."""
    if scen_c.chemistry.groundwater_temp_c is None:
        t_gw = float(np.clip(np.mean(base_data["temp_c"].to_numpy(float)), 0.5, 40.0))  # as the chemistry stage
        scen_c = replace(scen_c, chemistry=replace(scen_c.chemistry, groundwater_temp_c=t_gw))
    st = initial_state(replace(base_c, changes=()), base_data)
    if st is None:
        return scen_c
    res = scen_c.reservoirs
    upd = {}
    if st.storage[1] is not None and res.initial_matrix_mm is None:
        upd["initial_matrix_mm"] = float(st.storage[1])
    if st.baseflow is not None and res.initial_nonkarst_baseflow_mm is None:
        upd["initial_nonkarst_baseflow_mm"] = float(st.baseflow)
    return replace(scen_c, reservoirs=replace(res, **upd)) if upd else scen_c


def _scenario_pairs(jobs):
    """Run baseline and scenario for ensemble members (spawned worker)."""
    out = []
    for base_c, scen_c, base_drv, scen_drv, pin, reaches in jobs:
        if pin:
            scen_c = _same_start(base_c, scen_c, base_drv.data)
        b = simulate(base_c, drivers=base_drv, observations=None, with_reaches=reaches)
        s = simulate(scen_c, drivers=scen_drv, observations=None, with_reaches=reaches)
        out.append((b, s))
    return out


def _annual_sink(run) -> pd.Series:
    """Each calendar year's sink (t C km-2) where the run's summary takes it: at the spring, or for a river gauge
    (``[observations] discharge = "outlet"``) at the gauge, 0.5 x 12 x gauge runoff x gauge carbonic DIC day by day
    (Zeng et al. 2019 eq. 1, as :func:`karstmodel.accounting.sink.outlet_summary`)."""
    ts = run.timeseries
    if run.catchment.observations.discharge == "outlet" and run.summary["carbon_sink_tc_km2_yr"] != 0.0:
        daily = 0.5 * ZENG_C_G_MOL * 1e-3 * np.nan_to_num(ts["outlet_runoff_mm"] * ts["outlet_dic_carbonic_mmol_l"])
        return pd.Series(daily, index=ts.index).groupby(ts.index.year).sum()
    return ts["carbon_sink_tc_km2_d"].groupby(ts.index.year).sum()


def time_to_fraction(delta_annual: pd.Series, start_year: int, fraction: float = 0.9) -> float | None:
    """Years after ``start_year`` until the annual delta first reaches ``fraction`` of its final level (mean of the
    last three years). None if the change never reaches it or has no direction."""
    final = float(delta_annual.iloc[-3:].mean())
    if not np.isfinite(final) or abs(final) < 1e-12:
        return None
    after = delta_annual[delta_annual.index >= start_year]
    hit = after[(after / final) >= fraction]
    return float(hit.index[0] - start_year + 1) if len(hit) else None


def _ramp_end(changes, period_start: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day a change begins and the day the last ramp completes."""
    starts, ends = [], []
    for ch in changes:
        if isinstance(ch, (ParameterRamp, SoilWarming)):
            t0 = pd.Timestamp(ch.start)
            starts.append(t0)
            ends.append(t0 + pd.Timedelta(days=float(getattr(ch, "ramp_days", 0.0))))
        elif isinstance(ch, Irrigation):
            starts.append(pd.Timestamp(ch.start or period_start))
            ends.append(starts[-1])
        elif isinstance(ch, CarbonatePowder):
            starts.append(pd.Timestamp(ch.date))
            ends.append(starts[-1])
    return (min(starts) if starts else pd.Timestamp(period_start)), (max(ends) if ends else pd.Timestamp(period_start))


def _block(summary: dict) -> dict:
    keys = ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "outlet_runoff_mm_yr",
            "dic_mmol_l_flow_weighted", "carbonic_share_of_dic", "aet_mm_yr", "soil_respiration_gc_m2_yr",
            "water_balance_error", "carbon_balance_error", "period", "chemistry_backend", "database",
            "carbon_sink_by_source_tc_km2_yr", "dic_export_tc_km2_yr", "carbon_balance")
    out = {k: summary[k] for k in keys if k in summary}
    if "fate" in summary:
        out["fate"] = summary["fate"]
    cb = summary.get("carbon_balance")
    if cb:
        # mmol C m-2 over the period -> t C km-2 yr-1 (1 g C m-2 = 1 t C km-2)
        k = M_C_G_MOL / 1000.0 / (summary["period"]["days"] / 365.25)
        out["soil_dic_leaching_tc_km2_yr"] = cb["soil_co2_uptake_mmol_m2"] * k
        out["carbon_balance_tc_km2_yr"] = {key.replace("_mmol_m2", "_tc_km2_yr"): v * k for key, v in cb.items()
                                           if key.endswith("_mmol_m2")}
    return out


def run_scenario(catchment: Catchment, scenario: dict, ensemble: int | None = None, workers: int = 1,
                 progress: bool = True) -> dict:
    """Baseline and scenario runs (central parameters and an ensemble). Returns the summary dict (baseline,
    scenario, delta, uncertainty, indicators, side effects, warnings) and the central results for figures.

    The baseline always runs on the catchment's own drivers (repeated to ``[climate] extend_to`` when the scenario
    extends the record), never on the scenario's climate; with ``extend_to`` the scenario starts from the baseline's
    initial storages, so both are identical until the first change. Intervals: a 90 % interval (5th-95th percentile)
    from at least :data:`MIN_MEMBERS_90` members, else the min-max range of the members with its expected coverage
    (n - 1) / (n + 1). Labels: :func:`change_label`; Zeng's index is not defined when runoff does not change."""
    c0 = catchment
    raw = load_drivers(c0.drivers, c0.latitude, c0.start, c0.end, min_days=MIN_RECORD_DAYS)
    base_drv = baseline_drivers(raw, c0, scenario)
    scen_drv = climate_drivers(raw, c0, scenario)
    start = str(base_drv.data.index[0].date())
    record_end = str(raw.data.index[-1].date())
    extended = len(base_drv.data) > len(raw.data)
    c_s = apply_scenario(c0, scenario, start)
    c_s = replace(c_s, changes=tuple(c_s.changes) + climate_changes(scenario, record_end, start))
    pin = extended and "file" not in (scenario.get("climate") or {})
    base = simulate(c0, drivers=base_drv, observations=None)
    scen = simulate(_same_start(c0, c_s, base_drv.data) if pin else c_s, drivers=scen_drv, observations=None)
    delta = compare_runs(base.summary, scen.summary)
    b_an, s_an = _annual_sink(base), _annual_sink(scen)
    d_an = s_an - b_an
    # when the changes begin and their ramps end (the climate deltas of an extension ramp over the added days)
    clim = _climate_table(scenario)
    t_first, t_ramp_end = _ramp_end(c_s.changes, start)
    climate_delta = "file" in clim or any(clim.get(k, d0) != d0 for k, d0 in (("temp_delta_c", 0.0),
                                                                               ("precip_factor", 1.0),
                                                                               ("pet_factor", 1.0)))
    if climate_delta:
        c_start = pd.Timestamp(record_end) + pd.Timedelta(days=1) if extended else pd.Timestamp(start)
        c_end = scen_drv.data.index[-1] if extended else pd.Timestamp(start)
        t_first = min(t_first, c_start) if c_s.changes else c_start
        t_ramp_end = max(t_ramp_end, c_end)
    start_year = t_first.year
    t90 = time_to_fraction(d_an, start_year)
    settle = time_to_new_state(b_an, s_an, start_year)
    resp = response_time(base.timeseries)
    ramp_years = max((t_ramp_end - t_first).days / 365.25, 0.0)
    response_years = ramp_years + resp["store_response_years"]
    after_years = (base_drv.data.index[-1] - t_first).days / 365.25 + 1.0 / 365.25
    # the change once the ramps are complete and the slowest store has turned over once: mean over those years
    settled_from = (t_ramp_end + pd.Timedelta(days=365.25 * resp["store_response_years"])).year + 1
    late = d_an.index[(d_an.index >= settled_from) & d_an.index.isin(b_an.index)]
    late_change = {"from_year": int(settled_from), "years": int(len(late)),
                   "delta_carbon_sink_tc_km2_yr": float(d_an.loc[late].mean()) if len(late) >= 3 else None,
                   "relative_change": float(d_an.loc[late].sum() / b_an.loc[late].sum())
                   if len(late) >= 3 and b_an.loc[late].sum() != 0 else None,
                   "definition": "mean annual change over the full years after the last ramp ends plus one "
                                 "turnover of the slowest store (None: fewer than 3 such years)"}
    no_change = change_label(delta["delta_carbon_sink_tc_km2_yr"], base.summary["carbon_sink_tc_km2_yr"]) == "no change"
    if no_change:
        settle = {"year": None, "years_after_start": None, "reached": False, "note": "no change of the sink"}
    warnings = []
    if after_years < response_years and not no_change:
        warnings.append(
            f"the record ends {after_years:.1f} years after the first change, shorter than the catchment's response "
            f"time {response_years:.1f} years (ramp {ramp_years:.1f} yr + turnover of the slowest store "
            f"{resp['store_response_years']:.1f} yr): the change reported is a transient, not the new state; "
            "extend the record with [climate] extend_to")
    # ensemble
    unc = scenario.get("uncertainty", {})
    n_ens = ensemble if ensemble is not None else unc.get("ensemble", 8)
    if isinstance(n_ens, bool) or not isinstance(n_ens, (int, np.integer)) or n_ens < 0:
        raise ValueError(f"ensemble must be a whole number >= 0, got {n_ens!r}")
    n_ens = int(n_ens)
    members = []
    if n_ens > 0:
        if "glue_samples" in unc:
            members = glue_ensemble((Path(scenario["_path"]).parent / unc["glue_samples"]).resolve(), n_ens,
                                    int(unc.get("seed", 1)))
        else:
            members = prior_ensemble(c0, n_ens, int(unc.get("seed", 1)))
    rows, an_b, an_s = [], [], []
    jobs = [(_apply_member(c0, m), _apply_member(c_s, m), base_drv, scen_drv, pin, False) for m in members]
    if jobs:
        results = map_chunks(_scenario_pairs, [[j] for j in jobs], workers, "scenario ensemble", len(jobs), progress)
        for b, s in results:
            d = compare_runs(b.summary, s.summary)
            rows.append({"baseline_sink_tc_km2_yr": b.summary["carbon_sink_tc_km2_yr"],
                         "scenario_sink_tc_km2_yr": s.summary["carbon_sink_tc_km2_yr"], **d,
                         "delta_soil_dic_leaching_tc_km2_yr": _block(s.summary).get("soil_dic_leaching_tc_km2_yr",
                                                                                    np.nan)
                         - _block(b.summary).get("soil_dic_leaching_tc_km2_yr", np.nan)})
            an_b.append(_annual_sink(b))
            an_s.append(_annual_sink(s))
    ens = pd.DataFrame(rows)
    uncertainty = {"members": int(len(rows)), "source": ("GLUE sample file" if "glue_samples" in unc else
                                                         "SRDB inter-quartile priors (R10, Q10) and root-zone storage +-25 %"),
                   "interval_rule": f"5th-95th percentile from >= {MIN_MEMBERS_90} members; with fewer, the min-max "
                                    "range of the members (expected coverage (n - 1) / (n + 1))"}
    for col in ("delta_carbon_sink_tc_km2_yr", "delta_carbon_sink_t_co2_yr", "delta_runoff_mm_yr", "delta_dic_mmol_l",
                "delta_soil_dic_leaching_tc_km2_yr", "baseline_sink_tc_km2_yr", "scenario_sink_tc_km2_yr"):
        if col in ens.columns and len(ens):
            uncertainty[col] = interval(ens[col].to_numpy())
    if len(ens):
        uncertainty["probability_sink_increases"] = float(np.mean(ens["sink_increases"]))
    bands = None
    if an_b:
        B, S = pd.concat(an_b, axis=1), pd.concat(an_s, axis=1)
        qs = [0.05, 0.5, 0.95] if len(an_b) >= MIN_MEMBERS_90 else [0.0, 0.5, 1.0]
        bands = {"baseline": B.quantile(qs, axis=1).T, "scenario": S.quantile(qs, axis=1).T,
                 "label": "5-95 %" if len(an_b) >= MIN_MEMBERS_90 else f"min-max of {len(an_b)}"}
    # decomposition of the change of the sink: CSF = k R D -> dCSF = k (dR D0 + R0 dD + dR dD)
    b, s = base.summary, scen.summary
    k = 0.5 * ZENG_C_G_MOL / 1000.0
    r0, d0 = b["runoff_mm_yr"], b["dic_carbonic_mmol_l_flow_weighted"]
    dr, dd = s["runoff_mm_yr"] - r0, s["dic_carbonic_mmol_l_flow_weighted"] - d0
    decomposition = {"from_runoff_tc_km2_yr": k * dr * d0, "from_dic_tc_km2_yr": k * r0 * dd,
                     "interaction_tc_km2_yr": k * dr * dd}
    side = {"runoff_change_mm_yr": delta["delta_runoff_mm_yr"],
            "runoff_change_m3_yr": delta["delta_runoff_mm_yr"] / 1000.0 * c0.area_km2 * 1e6,
            "carbonic_share_change": s.get("carbonic_share_of_dic", np.nan) - b.get("carbonic_share_of_dic", np.nan),
            "aet_change_mm_yr": s["aet_mm_yr"] - b["aet_mm_yr"],
            "irrigation_mm_yr": s["water_balance"].get("irrigation_mm", 0.0) * 365.25 / s["period"]["days"]}
    if "fate" in b and "fate" in s:
        delta["fate_change"] = {key: s["fate"][key] - b["fate"][key]
                                for key in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed", "stability")}
    blk_b, blk_s = _block(b), _block(s)
    if "soil_dic_leaching_tc_km2_yr" in blk_b and "soil_dic_leaching_tc_km2_yr" in blk_s:
        delta["delta_soil_dic_leaching_tc_km2_yr"] = (blk_s["soil_dic_leaching_tc_km2_yr"]
                                                      - blk_b["soil_dic_leaching_tc_km2_yr"])
    # honest labels and an index that is only reported where it is defined
    dsink = delta["delta_carbon_sink_tc_km2_yr"]
    label = change_label(dsink, b["carbon_sink_tc_km2_yr"], uncertainty.get("delta_carbon_sink_tc_km2_yr"))
    zeng, zeng_note = delta["zeng_index"], ""
    if abs(delta["delta_runoff_mm_yr"]) <= NO_CHANGE_RELATIVE * abs(r0) + 1e-12 or not np.isfinite(zeng):
        zeng = None
        zeng_note = "not defined: runoff does not change (I = (dDIC/DIC0) / (dR/R0) needs dR != 0)"
    delta["zeng_index"] = zeng
    delta["sink_change_label"] = label
    summary = {"scenario": {"name": scenario["name"], "description": scenario.get("description", ""),
                            "file": str(scenario.get("_path", "")),
                            "changes": [repr(ch) for ch in c_s.changes],
                            "hydrotopes": [{"name": h.name, "land_use": h.land_use, "fraction": h.fraction}
                                           for h in c_s.hydrotopes], **blk_s},
               "baseline": blk_b, "delta": delta, "uncertainty": uncertainty,
               "indicators": {"zeng_index": zeng, "zeng_index_note": zeng_note,
                              "exact_criterion_product": delta["exact_criterion_product"],
                              "sink_increases": bool(dsink > NO_CHANGE_RELATIVE * abs(b["carbon_sink_tc_km2_yr"])),
                              "change_label": label,
                              "no_change_tolerance_tc_km2_yr": NO_CHANGE_RELATIVE * abs(b["carbon_sink_tc_km2_yr"]),
                              "time_to_90pct_years": t90,
                              "new_state": settle, "change_start_year": start_year,
                              "ramp_end": str(t_ramp_end.date()), "change_after_response": late_change,
                              "decomposition": decomposition},
               "response_time": {**resp, "ramp_years": ramp_years, "response_years": response_years,
                                 "record_years_after_change": after_years},
               "warnings": warnings,
               "side_effects": side,
               # the keys of a run summary (docs/interface.md), for the scenario
               **{k_: s[k_] for k_ in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr",
                                       "dic_mmol_l_flow_weighted", "period", "water_balance_error",
                                       "carbon_balance_error", "chemistry_backend", "database")}}
    if "fate" in s:
        summary["fate"] = s["fate"]
    return {"summary": summary, "baseline": base, "scenario": scen, "annual": pd.DataFrame(
        {"baseline_tc_km2": b_an, "scenario_tc_km2": s_an, "delta_tc_km2": d_an}), "bands": bands, "ensemble": ens,
        "catchment": c_s}
