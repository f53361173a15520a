"""Stations: what chemistry monitoring can test when no meteorological drivers exist.

A *station* (``station.toml`` with ``kind = "station"``; schema in ``catchments/README.md``, section "Stations") is a
sampling point with water chemistry and sample-time discharge, optionally a continuous daily discharge record and
soil-gas CO2. Without precipitation and temperature the catchment model cannot run, so ``karstmodel validate`` and
``karstmodel calibrate`` test what the data can test, and say so:

1. **Speciation** of every sample with the chemistry core (:func:`chemistry.speciate`): pCO2, SI calcite/dolomite,
   DIC, charge balance, with summary statistics.
2. **Observation-based sink** (flux mode; Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1:
   CSF = 0.5 x 12 x R x DIC). (a) From the samples alone: discharge-weighted DIC at sample times times the mean
   sample discharge, i.e. the mean of the instantaneous loads Q_i DIC_i. This is biased towards the sampled flow
   conditions (storms are often over-sampled, floods under-sampled); the bias is reported, not corrected.
   (b) Where a continuous daily discharge exists: a concentration-discharge rating
   ln DIC = a + b ln Q (+ c sin 2 pi d/365.25 + e cos 2 pi d/365.25 when the seasonal terms lower the AIC by more
   than 2), fitted by ordinary least squares on the samples, back-transformed with Duan's smearing estimator
   (Duan 1983, J. Am. Stat. Assoc. 78:605, eq. 2: E[DIC] = exp(X b) x mean(exp(residuals))) and applied to the
   daily discharge (the rating-curve load method, e.g. Cohn et al. 1989, Water Resour. Res. 25:937).
   Uncertainty: a non-parametric bootstrap over the samples (refit, re-smear, re-apply), 90 % percentile interval.
   (c) Carbonic-acid share: sulfuric (and nitric) acid dissolve carbonate without consuming CO2
   (2 CaCO3 + H2SO4 -> 2 Ca2+ + 2 HCO3- + SO4 2-; CaCO3 + HNO3 -> Ca2+ + HCO3- + NO3-). Removing 2 SO4 (+ NO3)
   from DIC is an upper bound of that correction (SO4 may also come from gypsum or deposition), so the carbonic-
   only sink is reported as a range [DIC - 2 SO4 - NO3, DIC]. The (Ca+Mg)/HCO3 molar ratio (0.5 for pure carbonic-
   acid weathering of calcite or dolomite) is reported as a diagnostic.
3. **Chemistry-model check** (where soil or cave-air CO2 exists): spring DIC predicted by carbonate equilibrium
   (:func:`chemistry.equilibrate`, open, closed and mixed systems, the recharge systems of the catchment model)
   from the measured CO2 at the sample temperature, against the observed DIC (KGE, NSE, PBIAS, RMSE). Recharge
   pCO2 = ``pco2_factor`` x measured CO2 mole fraction x barometric pressure at the station's elevation. This
   tests karstmodel's dissolution coupling on real data; soil CO2 of Blowing Springs: Covington, Knierim, Young,
   Rodriguez & Gnoza (2021), J. Hydrol. 593:125824. Options: the recharge CO2 as the mean soil CO2 of the
   ``[soil_co2] mean_days`` before the sample (recharge memory: spring water is a mixture of water recharged over
   that window, a uniform transit-time distribution; Maloszewski & Zuber 1982, J. Hydrol. 57:207, lumped
   transit-time models), and with ``[model] degassing = "cave_air"`` CO2 exchange of the recharge water with the
   cave air before the outlet at fixed Ca (:mod:`karstmodel.cave_degassing`), which sets pH, pCO2 and SI.
4. **Calibration** (``calibrate``): split sample. The chemistry-model parameters (``pco2_factor`` per system and
   the ``gas_water_ratio`` of the mixed system) are fitted on the calibration period with
   ``scipy.optimize.differential_evolution`` (seeded, vectorised; Storn & Price 1997), with degassing then the
   ``exchange_number`` on the pH of the calibration samples (:func:`fit_exchange_number`), and the rating on the
   calibration samples; metrics are reported for both periods; the calibrated ``station.toml`` is written.

Units: DIC in mmol/L (observed DIC = dic_mg_c_l / 12.0111, the formula weight of C in the pinned database, as
:func:`chemistry.speciate` uses); equilibrium results are per kg of water and are compared with per-litre
observations without conversion (difference below 0.05 % for these dilute waters). Carbon masses use the same
12.0111 g/mol (:data:`karstmodel.accounting.M_C`) in Zeng et al. (2019) eq. 1; a year is 365.25 days.
"""
from __future__ import annotations

import copy
import math
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

import tomllib

from chemistry.constants import M_C_G_MOL
from chemistry.errors import InputError

from ..config.catchment import KeyReader
from ..accounting import metrics as M
from ..accounting.sink import CO2_PER_C, M_C, ZENG_C_G_MOL, sink_flux
from ..processes.cave_degassing import exchange_with_cave_air
from ..io.files import (_atomic_write, atomic_output_dir, read_toml, default_output_dir, parse_times, read_csv, write_csv_atomic,
                 write_json_atomic)
from ..config.catchment import ChemistryOptions
from ..io.observations import read_station_file
import chemistry
from ..processes.soil_co2 import pressure_atm as _soil_pressure_atm
from scipy.optimize import differential_evolution, minimize_scalar
from .calibration import parse_period
from ..reporting.plots import _plt, _save

SECONDS_PER_YEAR = 86400.0 * 365.25
#: g/mol C as in the pinned database (SOLUTION_MASTER_SPECIES), the factor chemistry.speciate uses for dic_mg_c_l
GFW_C = M_C_G_MOL
SYSTEMS = ("open", "closed", "mixed")
CO2_SOURCES = ("soil", "cave_air")
CAVE_AIR_COLUMN = "cave_air_co2_ppmv"
CARBON_COLUMNS = ("hco3_mg_l", "alk_mg_l_caco3", "alk_meq_l", "dic_mg_c_l")
ION_COLUMNS = ("ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l", "no3_mg_l")
OBJECTIVES = ("kge", "nse", "rmse")
DEGASSING = ("none", "cave_air")


class StationError(InputError):
    """A station file is missing, unreadable or has an invalid key (the message names the file and the key)."""


# ------------------------------------------------------------------------------------------------------------
# the station file
@dataclass(frozen=True)
class SystemParameters:
    """Parameters of one recharge system: recharge pCO2 = ``pco2_factor`` x measured CO2; ``gas_water_ratio``
    (L gas per kg water) only for the mixed system; ``exchange_number`` (k_L T / h) of the CO2 exchange with cave
    air before the outlet (:mod:`karstmodel.cave_degassing`), used with ``[model] degassing = "cave_air"``."""

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
    """The catchment model's default (karstmodel.catchment.ChemistryOptions), so that an uncalibrated station
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
    r.known(smp, {"file", "estimates", "flow_column", "baseflow_label"}, "[samples] ")
    samples_file = (base / r.string(smp, "file", "[samples] ", required=True)).resolve()
    estimates = r.choice(smp, "estimates", "[samples] ", ("fill", "ignore"), "ignore")
    flow_column = r.string(smp, "flow_column", "[samples] ", default=None)
    baseflow_label = r.string(smp, "baseflow_label", "[samples] ", default="baseflow")

    dis = r.table(doc, "discharge")
    r.known(dis, {"file", "scale", "offset_m3_s", "note"}, "[discharge] ")
    discharge_file = (base / r.string(dis, "file", "[discharge] ", required=True)).resolve() if dis else None
    scale = r.number(dis, "scale", "[discharge] ", default=1.0, lo=0.0, lo_open=True)
    offset = r.number(dis, "offset_m3_s", "[discharge] ", default=0.0, lo=-1e6, hi=1e6)
    note = dis.get("note", "")
    if not isinstance(note, str):
        r.err("[discharge] note", "must be a string")

    soil = r.table(doc, "soil_co2")
    r.known(soil, {"file", "max_days", "mean_days"}, "[soil_co2] ")
    soil_file = (base / r.string(soil, "file", "[soil_co2] ", required=True)).resolve() if soil else None
    max_days = r.number(soil, "max_days", "[soil_co2] ", default=21.0, lo=0.0, hi=3650)
    mean_days = r.number(soil, "mean_days", "[soil_co2] ", default=0.0, lo=0.0, hi=3650)

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
                   baseflow_label=baseflow_label, discharge_file=discharge_file, discharge_scale=scale,
                   discharge_offset_m3_s=offset, discharge_note=note, soil_co2_file=soil_file,
                   soil_co2_max_days=max_days, co2_source=co2_source, system=system, mineral=mineral,
                   soil_co2_mean_days=mean_days, degassing=degassing, cave_air_max_days=cave_days,
                   parameters=params, rating_seasonal=seasonal, sink_fraction=frac, bootstrap=nboot, seed=seed,
                   database=database, calibration_period=cper, validation_period=vper, objective=objective,
                   fit_samples=fit_samples, maxiter=maxiter, popsize=popsize, calibration_seed=cseed, bounds=bounds,
                   raw=doc)


# ------------------------------------------------------------------------------------------------------------
# data
@dataclass
class StationData:
    samples: pd.DataFrame  # one row per sample, source order; 'datetime' column
    soil_co2: pd.DataFrame | None  # per date: site columns and 'mean_ppmv'
    discharge: pd.Series | None  # daily q_m3_s after the transform (DatetimeIndex)
    notes: list = field(default_factory=list)


def _numeric_column(df: pd.DataFrame, col: str, path, positive=False) -> np.ndarray:
    raw = df[col]
    vals = pd.to_numeric(raw, errors="coerce")
    text = raw.astype("string").str.strip().fillna("")
    bad = vals.isna().to_numpy() & (text != "").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {raw.iloc[i]!r}", file=str(path), column=col, row=i + 2)
    v = vals.to_numpy(dtype=float)
    badr = np.isfinite(v) & ((v <= 0) if positive else (v < 0))
    if badr.any():
        i = int(np.flatnonzero(badr)[0])
        raise InputError(f"value {v[i]} out of range (must be {'> 0' if positive else '>= 0'})", file=str(path),
                         column=col, row=i + 2)
    return v


def load_samples(st: Station) -> pd.DataFrame:
    """Samples with unit-named columns (karstmodel.observations.read_station_file: QA flags, detection limits)
    plus the station columns it does not read (cave-air CO2, estimates, flow condition)."""
    path = st.samples_file
    df = read_station_file(path)
    raw = read_csv(path)
    missing = [c for c in ("temp_c", "ph") if c not in df.columns]
    if missing:
        raise InputError(f"missing required column {missing[0]!r} (samples need temp_c, ph and a carbon column)",
                         file=str(path), column=missing[0])
    if not any(c in df.columns for c in CARBON_COLUMNS):
        raise InputError(f"no carbon column; give one of {list(CARBON_COLUMNS)}", file=str(path))
    for col in ("temp_c_est", "ph_est", CAVE_AIR_COLUMN):
        if col in raw.columns:
            df[col] = _numeric_column(raw, col, path, positive=(col == CAVE_AIR_COLUMN))
    for col in ("ph_est",):
        if col in df.columns:
            v = df[col].to_numpy()
            bad = np.isfinite(v) & ((v < 0) | (v > 14))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"value {v[i]} out of range", file=str(path), column=col, row=i + 2)
    if st.flow_column is not None:
        if st.flow_column not in raw.columns:
            raise InputError("flow column named in [samples] flow_column not found", file=str(path),
                             column=st.flow_column)
        df["flow_condition"] = raw[st.flow_column].astype("string").str.strip().str.lower().fillna("").to_numpy()
    df["ph_source"] = np.where(np.isfinite(df["ph"]), "measured", "")
    df["temp_source"] = np.where(np.isfinite(df["temp_c"]), "measured", "")
    if st.estimates == "fill":
        for col, est in (("ph", "ph_est"), ("temp_c", "temp_c_est")):
            if est in df.columns:
                use = ~np.isfinite(df[col].to_numpy()) & np.isfinite(df[est].to_numpy())
                df.loc[use, col] = df.loc[use, est]
                df.loc[use, "ph_source" if col == "ph" else "temp_source"] = "estimate"
    if "q_m3_s" not in df.columns:
        if "q_l_s" in df.columns:
            df["q_m3_s"] = df["q_l_s"] / 1000.0
        else:
            df["q_m3_s"] = np.nan
    df = df.reset_index(drop=True)
    df.attrs["file"] = str(path)
    return df


def _parse_dates(df: pd.DataFrame, path, column: str = "date") -> pd.Series:
    """The ``date`` column as timestamps; an unparsable value raises an error naming file, column and row."""
    return parse_times(df[column], path, column)


def load_soil_co2(st: Station) -> pd.DataFrame | None:
    """Soil-gas CO2 (ppmv) per date: one column per site and ``mean_ppmv`` (arithmetic mean of the sites)."""
    if st.soil_co2_file is None:
        return None
    path = st.soil_co2_file
    df = read_csv(path)
    for col in ("date", "soil_co2_ppmv"):
        if col not in df.columns:
            raise InputError("missing required column", file=str(path), column=col)
    dates = _parse_dates(df, path)
    v = _numeric_column(df, "soil_co2_ppmv", path, positive=True)
    site = df["site"].astype(str) if "site" in df.columns else pd.Series(["soil"] * len(df))
    tab = pd.DataFrame({"date": dates.dt.normalize(), "site": site.to_numpy(), "ppmv": v}).dropna(subset=["ppmv"])
    if tab.empty:
        raise InputError("no soil CO2 values", file=str(path), column="soil_co2_ppmv")
    wide = tab.pivot_table(index="date", columns="site", values="ppmv", aggfunc="mean").sort_index()
    wide["mean_ppmv"] = wide.mean(axis=1)
    wide.columns.name = None
    return wide


def load_discharge(st: Station) -> pd.Series | None:
    """Continuous daily discharge (m3/s) with the station's linear transform q = scale x q_file + offset."""
    if st.discharge_file is None:
        return None
    path = st.discharge_file
    df = read_csv(path)
    if "date" not in df.columns:
        raise InputError("missing required column", file=str(path), column="date")
    col = "q_m3_s" if "q_m3_s" in df.columns else "q_l_s" if "q_l_s" in df.columns else None
    if col is None:
        raise InputError("no discharge column (q_m3_s or q_l_s)", file=str(path), column="q_m3_s")
    dates = _parse_dates(df, path)
    if dates.duplicated().any():
        i = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
        raise InputError("duplicate date", file=str(path), column="date", row=i + 2)
    q = _numeric_column(df, col, path)
    if col == "q_l_s":
        q = q / 1000.0
    q = st.discharge_scale * q + st.discharge_offset_m3_s
    s = pd.Series(q, index=pd.DatetimeIndex(dates.dt.normalize(), name="date"), name="q_m3_s").sort_index()
    s = s[np.isfinite(s.to_numpy())]
    if (s <= 0).any():
        raise InputError("discharge after the [discharge] transform is <= 0", file=str(path), column=col)
    if s.empty:
        raise InputError("no discharge values", file=str(path), column=col)
    return s


def load_station_data(st: Station) -> StationData:
    return StationData(samples=load_samples(st), soil_co2=load_soil_co2(st), discharge=load_discharge(st))


# ------------------------------------------------------------------------------------------------------------
# (a) speciation
def speciate_samples(samples: pd.DataFrame, database: str = "phreeqc.dat") -> pd.DataFrame:
    """:func:`chemistry.speciate` on every sample (temp_c, ph, the carbon column(s), the measured major ions)."""
    cols = ["temp_c", "ph"] + [c for c in CARBON_COLUMNS + ION_COLUMNS if c in samples.columns]
    return chemistry.speciate(samples[cols].reset_index(drop=True), database=database)


def observed_dic(samples: pd.DataFrame, speciated: pd.DataFrame) -> np.ndarray:
    """Observed DIC (mmol/L): measured DIC where given (dic_mg_c_l / 12.0111), otherwise DIC from the speciation
    (alkalinity or HCO3- with pH and temperature)."""
    sp = speciated["dic_mmol_l"].to_numpy(dtype=float)
    if "dic_mg_c_l" in samples.columns:
        meas = samples["dic_mg_c_l"].to_numpy(dtype=float) / GFW_C
        return np.where(np.isfinite(meas), meas, sp)
    return sp


def describe(values) -> dict:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0}
    q = np.percentile(v, [5, 25, 50, 75, 95])
    return {"n": int(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "min": float(v.min()), "p05": float(q[0]), "p25": float(q[1]), "median": float(q[2]),
            "p75": float(q[3]), "p95": float(q[4]), "max": float(v.max())}


def speciation_summary(samples: pd.DataFrame, sp: pd.DataFrame) -> dict:
    ok = sp["speciation_error"].fillna("") == ""
    out = {"n_samples": int(len(sp)), "n_speciated": int(ok.sum()),
           "errors": {str(k): int(v) for k, v in sp.loc[~ok, "speciation_error"].value_counts().items()},
           "carbon_input": {str(k): int(v) for k, v in sp.loc[ok, "carbon_input"].value_counts().items()}}
    for col in ("log_pco2", "si_calcite", "si_dolomite", "dic_mmol_l", "hco3_mmol_l", "ionic_strength",
                "charge_balance_pct"):
        if col in sp.columns:
            out[col] = describe(sp.loc[ok, col])
    out["pco2_ppm"] = describe(10.0 ** sp.loc[ok, "log_pco2"] * 1e6)
    ions = [c for c in ION_COLUMNS if c in samples.columns]
    out["ions_measured"] = ions
    complete = {"ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l"} <= set(ions)
    out["charge_balance_note"] = ("major ions measured: the charge balance checks the analyses" if complete else
                                  f"only {', '.join(ions) or 'no ions'} measured: the charge balance reflects the "
                                  "unmeasured ions, not the analytical quality")
    return out


def stoichiometry(samples: pd.DataFrame, sp: pd.DataFrame) -> tuple[dict, np.ndarray | None]:
    """(Ca+Mg)/HCO3 molar ratio (0.5 for carbonic-acid weathering of calcite/dolomite; larger with sulfuric or
    nitric acid). HCO3 = free HCO3- + CaHCO3+ + MgHCO3+ from the speciation; Ca, Mg analytical totals.
    Returns (summary, per-sample ratio)."""
    if "ca_mg_l" not in samples.columns:
        return {"note": "Ca not measured"}, None
    ca = samples["ca_mg_l"].to_numpy(float) / 40.078
    mg = samples["mg_mg_l"].to_numpy(float) / 24.305 if "mg_mg_l" in samples.columns else 0.0
    hco3 = sp["hco3_mmol_l"].to_numpy(float)
    for c in ("cahco3_mmol_l", "mghco3_mmol_l"):
        if c in sp.columns:
            hco3 = hco3 + np.nan_to_num(sp[c].to_numpy(float))
    ratio = (ca + mg) / hco3
    name = "ca_mg_over_hco3" if "mg_mg_l" in samples.columns else "ca_over_hco3"
    d = describe(ratio)
    v = ratio[np.isfinite(ratio)]
    d["share_above_0_55"] = float(np.mean(v > 0.55)) if v.size else float("nan")
    return {"ratio": name, **d, "reference": 0.5,
            "note": ("Mg not measured: Ca/HCO3 only (a lower bound of (Ca+Mg)/HCO3)" if name == "ca_over_hco3"
                     else "(Ca+Mg)/HCO3 = 0.5 for carbonic-acid weathering of calcite and dolomite")}, ratio


# ------------------------------------------------------------------------------------------------------------
# (b) observation-based sink
def carbon_flux_t_c_yr(q_m3_s, dic_mmol_l, fraction: float = 0.5):
    """Carbon flux (t C/yr) of ``fraction`` x DIC carried by discharge: fraction x DIC [mol/m3] x Q [m3/s]
    x 365.25 x 86400 s x 12 g/mol x 1e-6 t/g (Zeng et al. 2019, eq. 1, as a mass flux)."""
    return fraction * np.asarray(dic_mmol_l, float) * np.asarray(q_m3_s, float) * SECONDS_PER_YEAR * ZENG_C_G_MOL * 1e-6


def _flux_block(t_c_yr: float, area_km2, mean_q: float, dic_fw: float, fraction: float) -> dict:
    out = {"carbon_sink_t_c_yr": float(t_c_yr), "carbon_sink_t_co2_yr": float(t_c_yr * CO2_PER_C),
           "dic_export_t_c_yr": float(t_c_yr / fraction) if fraction > 0 else float("nan"),
           "mean_q_m3_s": float(mean_q), "dic_mmol_l_flow_weighted": float(dic_fw)}
    if area_km2:
        r_m_yr = mean_q * SECONDS_PER_YEAR / (area_km2 * 1e6)
        out["runoff_mm_yr"] = float(r_m_yr * 1000.0)
        out["carbon_sink_tc_km2_yr"] = float(sink_flux(r_m_yr, dic_fw) * fraction / 0.5)
        out["carbon_sink_t_co2_km2_yr"] = out["carbon_sink_tc_km2_yr"] * CO2_PER_C
    return out


def flux_from_samples(q_m3_s, dic_mmol_l, area_km2=None, fraction: float = 0.5) -> dict:
    """Flux mode from samples: mean sample discharge x discharge-weighted DIC (= the mean instantaneous load)."""
    q = np.asarray(q_m3_s, float)
    d = np.asarray(dic_mmol_l, float)
    ok = np.isfinite(q) & np.isfinite(d)
    if ok.sum() < 1:
        raise ValueError("no sample with both discharge and DIC")
    q, d = q[ok], d[ok]
    dic_fw = float(np.sum(q * d) / np.sum(q))
    mean_q = float(np.mean(q))
    out = _flux_block(float(carbon_flux_t_c_yr(mean_q, dic_fw, fraction)), area_km2, mean_q, dic_fw, fraction)
    out["n"] = int(ok.sum())
    return out


def bootstrap_samples_flux(q, d, n_boot: int, rng, fraction=0.5) -> np.ndarray:
    q = np.asarray(q, float)
    d = np.asarray(d, float)
    ok = np.isfinite(q) & np.isfinite(d)
    q, d = q[ok], d[ok]
    if n_boot <= 0 or q.size < 2:
        return np.array([])
    idx = rng.integers(0, q.size, size=(n_boot, q.size))
    load = np.mean(q[idx] * d[idx], axis=1)  # mean of Q_i DIC_i = mean Q x flow-weighted DIC
    return carbon_flux_t_c_yr(1.0, load, fraction)


# --- concentration-discharge rating
@dataclass
class Rating:
    """ln DIC = X b, X = [1, ln Q (, sin 2 pi d/365.25, cos 2 pi d/365.25)], OLS; Duan (1983) smearing."""

    coef: np.ndarray
    seasonal: bool
    n: int
    r2: float
    adj_r2: float
    residual_se: float
    smearing: float
    aic: float
    aic_alternative: float | None = None
    q_range: tuple = (float("nan"), float("nan"))

    def as_dict(self) -> dict:
        names = ["a", "b_lnq"] + (["c_sin", "d_cos"] if self.seasonal else [])
        return {"form": "ln(DIC mmol/L) = a + b ln(Q m3/s)" + (" + c sin(2 pi doy/365.25) + d cos(2 pi doy/365.25)"
                                                               if self.seasonal else ""),
                "coefficients": {k: float(v) for k, v in zip(names, self.coef)}, "seasonal": self.seasonal,
                "n": self.n, "r2": self.r2, "adj_r2": self.adj_r2, "residual_se": self.residual_se,
                "smearing_factor": self.smearing, "aic": self.aic, "aic_other_form": self.aic_alternative,
                "q_range_m3_s": list(self.q_range)}


def _season_angle(times) -> np.ndarray:
    t = pd.DatetimeIndex(times)
    return 2.0 * np.pi * (t.day_of_year.to_numpy(float) - 1.0 + t.hour.to_numpy(float) / 24.0) / 365.25


def rating_design(q, times, seasonal: bool) -> np.ndarray:
    q = np.asarray(q, float)
    cols = [np.ones_like(q), np.log(q)]
    if seasonal:
        a = _season_angle(times)
        cols += [np.sin(a), np.cos(a)]
    return np.column_stack(cols)


def _ols(X, y):
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return coef, resid


def fit_rating(q, dic, times, seasonal="auto") -> Rating:
    """Fit the C-Q rating by ordinary least squares on ln DIC. ``seasonal``: True, False or "auto" (the seasonal
    terms are kept when they lower the AIC, n ln(SSE/n) + 2p, by more than 2)."""
    q = np.asarray(q, float)
    d = np.asarray(dic, float)
    t = pd.DatetimeIndex(times)
    ok = np.isfinite(q) & np.isfinite(d) & (q > 0) & (d > 0)
    q, d, t = q[ok], d[ok], t[ok]
    n = int(q.size)
    if n < 3:
        raise ValueError(f"a C-Q rating needs at least 3 samples with discharge and DIC, got {n}")
    y = np.log(d)

    def one(seas):
        X = rating_design(q, t, seas)
        p = X.shape[1]
        if n <= p:
            return None
        coef, resid = _ols(X, y)
        sse = float(resid @ resid)
        sst = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - sse / sst if sst > 0 else float("nan")
        adj = 1.0 - (1.0 - r2) * (n - 1) / (n - p) if sst > 0 else float("nan")
        aic = n * math.log(max(sse, 1e-300) / n) + 2 * p
        return Rating(coef=coef, seasonal=seas, n=n, r2=r2, adj_r2=adj, residual_se=math.sqrt(sse / (n - p)),
                      smearing=float(np.mean(np.exp(resid))), aic=aic, q_range=(float(q.min()), float(q.max())))

    base = one(False)
    seas = one(True) if n > 4 else None
    if seasonal in (True, "true"):
        if seas is None:
            raise ValueError("too few samples for the seasonal rating")
        chosen, other = seas, base
    elif seasonal in (False, "false") or seas is None:
        chosen, other = base, seas
    else:
        chosen, other = (seas, base) if seas.aic < base.aic - 2.0 else (base, seas)
    chosen.aic_alternative = other.aic if other is not None else None
    return chosen


def predict_rating(r: Rating, q, times) -> np.ndarray:
    """Mean DIC (mmol/L) from the rating, bias-corrected with the smearing factor (Duan 1983)."""
    q = np.asarray(q, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        X = rating_design(np.where(q > 0, q, np.nan), times, r.seasonal)
    return np.exp(X @ r.coef) * r.smearing


def rating_load(q_s, dic_s, t_s, q_daily: pd.Series, seasonal, n_boot: int, rng, fraction=0.5,
                area_km2=None) -> dict:
    """Rating-curve load: the rating fitted on the samples applied to the daily discharge, mean over the days;
    bootstrap over the samples (rating form fixed to the one chosen on all samples)."""
    r = fit_rating(q_s, dic_s, t_s, seasonal)
    qd = q_daily.to_numpy(float)
    td = q_daily.index
    dic_d = predict_rating(r, qd, td)
    mean_q = float(np.mean(qd))
    mean_load = float(np.mean(qd * dic_d))
    out = _flux_block(float(carbon_flux_t_c_yr(1.0, mean_load, fraction)), area_km2, mean_q,
                      mean_load / mean_q, fraction)
    out["rating"] = r.as_dict()
    out["n_days"] = int(qd.size)
    out["period"] = {"start": str(td[0].date()), "end": str(td[-1].date())}
    lo, hi = r.q_range
    out["share_days_outside_sampled_q"] = float(np.mean((qd < lo) | (qd > hi)))
    out["share_load_outside_sampled_q"] = float(np.sum((qd * dic_d)[(qd < lo) | (qd > hi)]) / np.sum(qd * dic_d))
    boots = []
    q_s, dic_s = np.asarray(q_s, float), np.asarray(dic_s, float)
    t_s = pd.DatetimeIndex(t_s)
    ok = np.isfinite(q_s) & np.isfinite(dic_s) & (q_s > 0) & (dic_s > 0)
    qs, ds, ts = q_s[ok], dic_s[ok], t_s[ok]
    Xd = rating_design(qd, td, r.seasonal)
    Xs = rating_design(qs, ts, r.seasonal)
    ys = np.log(ds)
    for _ in range(max(int(n_boot), 0)):
        idx = rng.integers(0, qs.size, qs.size)
        X, y = Xs[idx], ys[idx]
        if np.linalg.matrix_rank(X) < X.shape[1]:
            continue
        coef, resid = _ols(X, y)
        boots.append(float(np.mean(qd * np.exp(Xd @ coef) * np.mean(np.exp(resid)))))
    boots = carbon_flux_t_c_yr(1.0, np.array(boots), fraction)
    out["daily"] = pd.DataFrame({"q_m3_s": qd, "dic_mmol_l": dic_d,
                                 "carbon_sink_kg_c_d": fraction * qd * dic_d * 86400 * M_C * 1e-3}, index=td)
    return out, boots


def _interval(boots: np.ndarray, point: float, per_km2_factor=None) -> dict:
    b = np.asarray(boots, float)
    b = b[np.isfinite(b)]
    if b.size < 10:
        return {"method": "none (too few bootstrap replicates)"}
    lo, med, hi = np.percentile(b, [5, 50, 95])
    out = {"method": "bootstrap over samples, 5-95 % percentiles", "n_boot": int(b.size),
           "t_c_yr": [float(lo), float(hi)], "t_c_yr_median": float(med),
           "t_co2_yr": [float(lo * CO2_PER_C), float(hi * CO2_PER_C)],
           "contains_point_estimate": bool(lo <= point <= hi)}
    if per_km2_factor:
        out["tc_km2_yr"] = [float(lo / per_km2_factor), float(hi / per_km2_factor)]
    return out


def carbonic_dic(samples: pd.DataFrame, dic: np.ndarray) -> tuple[np.ndarray | None, str]:
    """DIC minus the strong-acid share: 2 SO4 (+ NO3 where measured), mmol/L; None without SO4."""
    if "so4_mg_l" not in samples.columns or not np.isfinite(samples["so4_mg_l"]).any():
        return None, "SO4 not measured: the sink is an upper bound with respect to sulfuric-acid weathering"
    so4 = samples["so4_mg_l"].to_numpy(float) / 96.064
    corr = 2.0 * so4
    what = "2 SO4"
    if "no3_mg_l" in samples.columns:
        corr = corr + np.nan_to_num(samples["no3_mg_l"].to_numpy(float) / 62.0067)
        what = "2 SO4 + NO3"
    return dic - corr, f"DIC - {what} (all SO4 from sulfide oxidation, all NO3 from nitrification: upper bound)"


# ------------------------------------------------------------------------------------------------------------
# (c) chemistry model
def co2_at_samples(st: Station, data: StationData, source: str) -> pd.DataFrame:
    """Measured CO2 (ppmv) for each sample: ``soil`` = the site mean of the nearest soil-gas date within
    ``[soil_co2] max_days``, or with ``[soil_co2] mean_days`` > 0 the mean of the site means of all soil-gas dates
    in the ``mean_days`` before the sample (a recharge memory: spring water that recharged over the preceding weeks
    to months, a boxcar transit-time distribution; ``co2_days`` is then the age of the newest date);
    ``cave_air`` = the sample's own cave-air CO2, or, with ``[model] cave_air_max_days``
    > 0, that of the nearest sample (in time) with one within that many days (a documented gap-filling choice:
    cave-air CO2 changes with the season of the airflow direction, Covington et al. 2021)."""
    s = data.samples
    n = len(s)
    out = pd.DataFrame({"co2_ppmv": np.full(n, np.nan), "co2_date": pd.NaT, "co2_days": np.full(n, np.nan)})
    if source == "cave_air":
        if CAVE_AIR_COLUMN in s.columns:
            c = s[CAVE_AIR_COLUMN].to_numpy(float)
            out["co2_ppmv"] = c
            out["co2_days"] = np.where(np.isfinite(c), 0.0, np.nan)
            have = np.flatnonzero(np.isfinite(c))
            if st.cave_air_max_days > 0 and have.size:
                t = s["datetime"].to_numpy("datetime64[ns]")
                diff = np.abs((t[:, None] - t[None, have]).astype("timedelta64[s]").astype(float)) / 86400.0
                j = np.argmin(diff, axis=1)
                dd = diff[np.arange(n), j]
                fill = ~np.isfinite(c) & (dd <= st.cave_air_max_days)
                out.loc[fill, "co2_ppmv"] = c[have[j[fill]]]
                out.loc[fill, "co2_days"] = dd[fill]
        return out
    soil = data.soil_co2
    if soil is None:
        return out
    sd = soil.index.to_numpy("datetime64[ns]")
    t = s["datetime"].dt.normalize().to_numpy("datetime64[ns]")
    if st.soil_co2_mean_days > 0:  # recharge memory: the mean of the soil-gas dates in (t - mean_days, t]
        age = (t[:, None] - sd[None, :]).astype("timedelta64[h]").astype(float) / 24.0
        win = (age >= 0) & (age < st.soil_co2_mean_days)
        cnt = win.sum(axis=1)
        with np.errstate(invalid="ignore"):
            out["co2_ppmv"] = np.where(cnt > 0, (win * soil["mean_ppmv"].to_numpy()[None, :]).sum(axis=1) / cnt,
                                       np.nan)
        newest = np.where(win, age, np.inf).min(axis=1)
        j = np.argmin(np.where(win, age, np.inf), axis=1)
        out["co2_date"] = pd.DatetimeIndex(np.where(cnt > 0, sd[j], np.datetime64("NaT")))
        out["co2_days"] = np.where(cnt > 0, newest, np.nan)
        return out
    diff = np.abs((t[:, None] - sd[None, :]).astype("timedelta64[h]").astype(float)) / 24.0
    j = np.argmin(diff, axis=1)
    dd = diff[np.arange(n), j]
    ok = dd <= st.soil_co2_max_days
    out["co2_ppmv"] = np.where(ok, soil["mean_ppmv"].to_numpy()[j], np.nan)
    out["co2_date"] = pd.DatetimeIndex(np.where(ok, sd[j], np.datetime64("NaT")))
    out["co2_days"] = np.where(ok, dd, np.nan)
    return out


def pressure_atm(elevation_m: float) -> float:
    return float(_soil_pressure_atm(elevation_m))


def predict_equilibrium(temp_c, co2_ppmv, system: str, params: SystemParameters, mineral="calcite",
                        p_atm: float = 1.0, database="phreeqc.dat") -> pd.DataFrame:
    """:func:`chemistry.equilibrate` at pCO2 = pco2_factor x CO2 (ppmv) x 1e-6 x P (atm): the spring DIC predicted
    from measured CO2 (columns of equilibrate; rows where the input is missing are NaN)."""
    t = np.asarray(temp_c, float)
    c = np.asarray(co2_ppmv, float)
    ok = np.isfinite(t) & np.isfinite(c) & (c > 0)
    n = t.size
    kw = {"gas_water_ratio": params.gas_water_ratio} if system == "mixed" else {}
    eq = chemistry.equilibrate(t[ok], params.pco2_factor * c[ok] * 1e-6 * p_atm, mineral=mineral, system=system,
                               database=database, **kw)
    num = [col for col in eq.columns if pd.api.types.is_numeric_dtype(eq[col])]
    out = pd.DataFrame(np.nan, index=range(n), columns=num)
    out.loc[np.flatnonzero(ok), num] = eq[num].to_numpy(float)
    if "converged" in eq.columns:
        bad = np.flatnonzero(ok)[~eq["converged"].to_numpy(bool)]
        out.loc[bad, num] = np.nan
    return out


def predict_degassed(stage1: pd.DataFrame, cave_ppmv, exchange_number: float, p_atm: float = 1.0,
                     database="phreeqc.dat") -> pd.DataFrame:
    """The recharge water of :func:`predict_equilibrium` after CO2 exchange with the cave air (CO2 in ppmv x 1e-6 x
    P atm) over ``exchange_number`` before the outlet, Ca unchanged (:func:`karstmodel.cave_degassing.
    exchange_with_cave_air`); rows without cave-air CO2 or without a recharge water are NaN."""
    return exchange_with_cave_air(stage1, np.asarray(cave_ppmv, float) * 1e-6 * p_atm, exchange_number, database)


def fit_exchange_number(st: Station, stage1: pd.DataFrame, cave_ppmv, ph_obs, p_atm: float = 1.0):
    """The exchange number that minimises the RMSE of the outlet pH (degassing sets pH, pCO2 and SI but leaves Ca
    and the alkalinity, hence nearly all of the DIC, to the recharge stage, so pH is the observable that constrains
    it) with the recharge water ``stage1`` fixed; bounded scalar search in log10 N (Brent's method, scipy
    ``minimize_scalar``) within ``[calibration.parameters] exchange_number``. Returns (N, RMSE of pH, evaluations)."""
    lo, hi, tr = st.bounds["exchange_number"]
    obs = np.asarray(ph_obs, float)
    cave = np.asarray(cave_ppmv, float) * 1e-6 * p_atm
    to_n = (lambda u: 10.0 ** u) if tr == "log" else (lambda u: u)
    a, b = (math.log10(lo), math.log10(hi)) if tr == "log" else (lo, hi)
    count = [0]

    def loss(u):
        count[0] += 1
        ph = exchange_with_cave_air(stage1, cave, to_n(u), st.database)["ph"].to_numpy(float)
        m = M.rmse(ph, obs)
        return m if np.isfinite(m) else 1e3

    res = minimize_scalar(loss, bounds=(a, b), method="bounded", options={"xatol": 1e-4})
    return float(to_n(res.x)), float(res.fun), count[0]


def degassing_block(stage1: pd.DataFrame, out: pd.DataFrame, samples: pd.DataFrame, speciated: pd.DataFrame,
                    dic_obs, masks: dict, base_mask) -> dict:
    """Before/after metrics of the degassing stage on the same samples (those with soil and cave-air CO2): DIC,
    pH and SI calcite of the recharge water (``*_no_degassing``) and of the outlet water, Ca (unchanged by the
    exchange), with the mean error ``me`` (prediction - observation) for pH and SI; the exchange and the CO2
    degassed per sample described."""
    have = np.isfinite(out["dic_mmol_kgw"].to_numpy(float)) & np.isfinite(np.asarray(dic_obs, float))
    obs = {"dic_mmol_l": np.asarray(dic_obs, float), "ph": samples["ph"].to_numpy(float),
           "si_calcite": speciated["si_calcite"].to_numpy(float)}
    if "ca_mg_l" in samples.columns:
        obs["ca_mmol_l"] = samples["ca_mg_l"].to_numpy(float) / 40.078
    col = {"dic_mmol_l": "dic_mmol_kgw", "ph": "ph", "si_calcite": "si_calcite", "ca_mmol_l": "ca_mmol_kgw"}

    def one(pred, o, m):
        with np.errstate(invalid="ignore", divide="ignore"):  # log-NSE of a signed SI is undefined (NaN)
            r = _metrics(pred, o, m)
        p = np.asarray(pred, float)[m]
        if np.isfinite(p).sum() > 1 and np.nanstd(p) < 1e-9:  # SI of the recharge water: 0 by construction
            r["r"] = r["kge"] = float("nan")
        d = p - o[m]
        r["me"] = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
        return r

    met = {}
    for k, m in {**masks, "all": np.ones(len(samples), bool)}.items():
        blk = {}
        for var, o in obs.items():
            after = out[col[var]].to_numpy(float)
            before = stage1[col[var]].to_numpy(float)
            blk[var] = one(after, o, m & have)
            if var != "ca_mmol_l":
                blk[f"{var}_no_degassing"] = one(before, o, m & have)
        if base_mask is not None:
            blk["dic_mmol_l_baseflow"] = one(out["dic_mmol_kgw"].to_numpy(float), obs["dic_mmol_l"],
                                             m & have & base_mask)
            blk["dic_mmol_l_baseflow_no_degassing"] = one(stage1["dic_mmol_kgw"].to_numpy(float),
                                                          obs["dic_mmol_l"], m & have & base_mask)
        met[k] = blk
    return {"n_with_cave_air_co2": int(have.sum()), "metrics": met,
            "co2_degassed_mmol_kgw": describe(out["co2_degassed_mmol_kgw"].to_numpy(float)[have]),
            "equilibration_fraction": describe(out["equilibration_fraction"].to_numpy(float)[have]),
            "co2_degassed_share_of_dic": describe((out["co2_degassed_mmol_kgw"]
                                                   / out["dic_initial_mmol_kgw"]).to_numpy(float)[have])}


def _sample_mask(times: pd.Series, period) -> np.ndarray:
    """Samples whose date lies in [start, end] (both inclusive, whole days)."""
    d = pd.DatetimeIndex(times).normalize()
    m = np.ones(len(d), dtype=bool)
    if period is None:
        return m
    a, b = period
    if a is not None:
        m &= d >= a.normalize()
    if b is not None:
        m &= d <= b.normalize()
    return m


def _periods(st: Station, calibration=None, validation=None) -> dict:
    c = parse_period(calibration, "--calibration") if calibration is not None else st.calibration_period
    v = parse_period(validation, "--validation") if validation is not None else st.validation_period
    if c is None and v is None:
        return {"validation": None}
    out = {}
    if c is not None:
        out["calibration"] = c
    if v is not None:
        out["validation"] = v
    if c is not None and v is None:  # the rest of the record
        out["validation"] = ("rest", c)
    if v is not None and c is None:
        out["calibration"] = ("rest", v)
    return out


def _period_masks(times, periods: dict) -> dict:
    out = {}
    for k, p in periods.items():
        if isinstance(p, tuple) and len(p) == 2 and p[0] == "rest":
            out[k] = ~_sample_mask(times, p[1])
        else:
            out[k] = _sample_mask(times, p)
    return out


def _period_text(p) -> list | None:
    if p is None:
        return None
    if isinstance(p, tuple) and p and p[0] == "rest":
        return ["rest of the record", None]
    return [str(a.date()) if a is not None else None for a in p]


def _objective_value(pred: np.ndarray, obs: np.ndarray, objective: str) -> float:
    if objective == "kge":
        m = M.kge(pred, obs)
        return 1.0 - m if np.isfinite(m) else 10.0
    if objective == "nse":
        m = M.nse(pred, obs)
        return 1.0 - m if np.isfinite(m) else 10.0
    m = M.rmse(pred, obs)
    return m if np.isfinite(m) else 1e3


class EquilibriumObjective:
    """Loss of the equilibrium prediction on the fitting samples; vectorised over a population (scipy's
    ``differential_evolution(..., vectorized=True)`` passes x with shape (N, S)): one equilibrate call per
    generation."""

    def __init__(self, temp_c, co2_ppmv, obs, system, names, transforms, mineral, p_atm, objective, database):
        self.t, self.c, self.obs = (np.asarray(a, float) for a in (temp_c, co2_ppmv, obs))
        self.system, self.names, self.transforms = system, names, transforms
        self.mineral, self.p_atm, self.objective, self.database = mineral, p_atm, objective, database
        self.evaluations = 0

    def values(self, x) -> dict:
        return {n: (10.0 ** u if tr == "log" else u) for n, u, tr in zip(self.names, x, self.transforms)}

    def __call__(self, x):
        x = np.asarray(x, float)
        single = x.ndim == 1
        X = x[:, None] if single else x
        S, n = X.shape[1], self.t.size
        vals = [self.values(X[:, s]) for s in range(S)]
        f = np.array([v.get("pco2_factor", 1.0) for v in vals])
        p = (f[:, None] * self.c[None, :] * 1e-6 * self.p_atm).ravel()
        t = np.tile(self.t, S)
        kw = {}
        if self.system == "mixed":
            g = np.array([v["gas_water_ratio"] for v in vals])
            kw["gas_water_ratio"] = np.repeat(g, n)
        eq = chemistry.equilibrate(t, p, mineral=self.mineral, system=self.system, database=self.database, **kw)
        dic = eq["dic_mmol_kgw"].to_numpy(float)
        if "converged" in eq.columns:
            dic = np.where(eq["converged"].to_numpy(bool), dic, np.nan)
        dic = dic.reshape(S, n)
        self.evaluations += S
        loss = np.array([_objective_value(dic[s], self.obs, self.objective) if np.isfinite(dic[s]).all() else 1e3
                         for s in range(S)])
        return float(loss[0]) if single else loss


def fit_equilibrium(st: Station, temp_c, co2_ppmv, obs, system: str, seed: int, objective: str | None = None):
    """Fit ``pco2_factor`` (and ``gas_water_ratio`` for the mixed system) with scipy's differential evolution
    (seeded, vectorised, L-BFGS-B polish). Returns (SystemParameters, loss, parameter sets evaluated)."""
    names = ["pco2_factor"] + (["gas_water_ratio"] if system == "mixed" else [])
    trs = [st.bounds[n][2] for n in names]
    bounds = [((math.log10(st.bounds[n][0]), math.log10(st.bounds[n][1])) if st.bounds[n][2] == "log"
               else (st.bounds[n][0], st.bounds[n][1])) for n in names]
    obj = EquilibriumObjective(temp_c, co2_ppmv, obs, system, names, trs, st.mineral, pressure_atm(st.elevation_m),
                               objective or st.objective, st.database)
    res = differential_evolution(obj, bounds, seed=seed, maxiter=st.maxiter, popsize=st.popsize, tol=1e-6,
                                 polish=True, vectorized=True, updating="deferred")
    v = obj.values(res.x)
    # scipy counts vectorised calls in nfev; the objective counts the parameter sets it evaluated
    return SystemParameters(v["pco2_factor"], v.get("gas_water_ratio")), float(res.fun), int(obj.evaluations)


# ------------------------------------------------------------------------------------------------------------
# the whole evaluation
def _metrics(pred, obs, mask) -> dict:
    """karstmodel.metrics.all_metrics plus the Pearson correlation r (the KGE component that a level parameter such
    as pco2_factor cannot change)."""
    p, o = np.asarray(pred, float)[mask], np.asarray(obs, float)[mask]
    out = M.all_metrics(p, o)
    ok = np.isfinite(p) & np.isfinite(o)
    out["r"] = float(np.corrcoef(p[ok], o[ok])[0, 1]) if ok.sum() > 2 and p[ok].std() > 0 and o[ok].std() > 0 \
        else float("nan")
    return out


def evaluate_station(st: Station, data: StationData, periods: dict, rng_seed: int | None = None) -> dict:
    """Everything ``validate`` reports, as a dict (plus private frames under ``_frames`` for files and figures)."""
    s = data.samples
    times = s["datetime"]
    sp = speciate_samples(s, st.database)
    dic = observed_dic(s, sp)
    q = s["q_m3_s"].to_numpy(float)
    masks = _period_masks(times, periods)
    flow = s["flow_condition"].to_numpy(str) if "flow_condition" in s.columns else None
    base_mask = (flow == st.baseflow_label.lower()) if flow is not None else None
    fit_mask = base_mask if (st.fit_samples == "baseflow" and base_mask is not None) else np.ones(len(s), bool)
    rng = np.random.default_rng(st.seed if rng_seed is None else rng_seed)
    area = st.area_km2
    notes = []

    # (a) speciation
    spec = speciation_summary(s, sp)
    stoich, ratio = stoichiometry(s, sp)
    if "ph_source" in s.columns:
        spec["ph_from_estimates"] = int((s["ph_source"] == "estimate").sum())
        spec["temp_from_estimates"] = int((s["temp_source"] == "estimate").sum())

    # (b) sinks
    sinks = {}
    qd_ok = np.isfinite(q) & np.isfinite(dic)
    if qd_ok.sum() >= 1:
        fm = flux_from_samples(q, dic, area, st.sink_fraction)
        fm["period"] = {"start": str(times[qd_ok].min().date()), "end": str(times[qd_ok].max().date())}
        boots = bootstrap_samples_flux(q, dic, st.bootstrap, rng, st.sink_fraction)
        fm["interval_90"] = _interval(boots, fm["carbon_sink_t_c_yr"], area)
        fm["definition"] = (f"{st.sink_fraction} x 12 x mean(Q_i x DIC_i) over samples = mean sample Q x "
                            "discharge-weighted DIC (Zeng et al. 2019 eq. 1 as a mass flux)")
        bias = {"mean_sample_q_m3_s": float(np.mean(q[qd_ok])), "median_sample_q_m3_s": float(np.median(q[qd_ok]))}
        if flow is not None:
            bias["share_storm_samples"] = float(np.mean(flow[qd_ok] != st.baseflow_label.lower()))
        if data.discharge is not None:
            qd = data.discharge.to_numpy(float)
            bias["mean_daily_q_m3_s"] = float(qd.mean())
            bias["ratio_mean_sample_q_to_mean_daily_q"] = float(np.mean(q[qd_ok]) / qd.mean())
            bias["daily_q_period"] = [str(data.discharge.index[0].date()), str(data.discharge.index[-1].date())]
            sample_span = (times.min(), times.max())
            overlap = data.discharge[(data.discharge.index >= sample_span[0].normalize())
                                     & (data.discharge.index <= sample_span[1].normalize())]
            bias["daily_q_overlaps_samples"] = bool(len(overlap) > 0)
        bias["statement"] = ("samples are not flow-proportional: the sample-based flux weights the sampled flow "
                             "conditions (intensive storm sampling raises the mean sample discharge; unsampled "
                             "floods and droughts are missing); it is not an annual load")
        fm["sampling_bias"] = bias
        sinks["flux_from_samples"] = fm
        dic_c, cnote = carbonic_dic(s, dic)
        if dic_c is not None:
            fc = flux_from_samples(q, dic_c, area, st.sink_fraction)
            bc = bootstrap_samples_flux(q, dic_c, st.bootstrap, rng, st.sink_fraction)
            fc["interval_90"] = _interval(bc, fc["carbon_sink_t_c_yr"], area)
            fm["carbonic_only"] = {**fc, "definition": cnote}
            fm["range_t_c_yr"] = [fc["carbon_sink_t_c_yr"], fm["carbon_sink_t_c_yr"]]
            if area:
                fm["range_tc_km2_yr"] = [fc["carbon_sink_tc_km2_yr"], fm["carbon_sink_tc_km2_yr"]]
        else:
            fm["carbonic_only"] = {"note": cnote}
    else:
        notes.append("no sample has both discharge and DIC: no observation-based sink")
    daily = None
    if data.discharge is not None and qd_ok.sum() >= 3:
        rl, boots = rating_load(q, dic, times, data.discharge, st.rating_seasonal, st.bootstrap, rng,
                                st.sink_fraction, area)
        daily = rl.pop("daily")
        rl["interval_90"] = _interval(boots, rl["carbon_sink_t_c_yr"], area)
        rl["definition"] = ("C-Q rating fitted on all samples, smearing back-transform (Duan 1983), applied to the "
                            f"daily discharge; {st.sink_fraction} x 12 x mean daily load")
        rl["interval_90"]["covers"] = ("rating (sampling) uncertainty only; not the uncertainty of the daily "
                                       "discharge or its transform, nor of transferring the rating in time")
        rl["discharge"] = {"file": str(st.discharge_file), "transform": {"scale": st.discharge_scale,
                                                                         "offset_m3_s": st.discharge_offset_m3_s},
                           "note": st.discharge_note,
                           "overlaps_samples": sinks.get("flux_from_samples", {}).get("sampling_bias", {})
                           .get("daily_q_overlaps_samples")}
        sinks["rating_on_daily_discharge"] = rl
        dic_c, cnote = carbonic_dic(s, dic)
        if dic_c is not None:
            rc, bc = rating_load(q, dic_c, times, data.discharge, st.rating_seasonal, st.bootstrap, rng,
                                 st.sink_fraction, area)
            rc.pop("daily")
            rc["interval_90"] = _interval(bc, rc["carbon_sink_t_c_yr"], area)
            rl["carbonic_only"] = {k: rc[k] for k in rc if k not in ("rating",)} | {"definition": cnote}
            rl["range_t_c_yr"] = [rc["carbon_sink_t_c_yr"], rl["carbon_sink_t_c_yr"]]
        else:
            rl["carbonic_only"] = {"note": cnote}
    elif data.discharge is None:
        notes.append("no continuous discharge ([discharge] file): the sink is the sample-based flux only; add a daily "
                     "discharge record to get a rating-based load")

    # C-Q rating split sample (fitted on the calibration samples)
    cq = {}
    rcal = None
    rating_pred = np.full(len(s), np.nan)
    cal_mask = masks.get("calibration", np.ones(len(s), bool)) if "calibration" in masks else masks["validation"]
    try:
        rcal = fit_rating(q[cal_mask], dic[cal_mask], times[cal_mask], st.rating_seasonal)
        rating_pred = predict_rating(rcal, q, times)
        cq = {"fitted_on": "calibration period" if "calibration" in masks else "all samples", **rcal.as_dict()}
    except ValueError as exc:
        cq = {"note": str(exc)}
    try:
        rall = fit_rating(q, dic, times, st.rating_seasonal)
        cq_all = rall.as_dict()
    except ValueError as exc:
        rall, cq_all = None, {"note": str(exc)}

    # (c) chemistry model
    p_atm = pressure_atm(st.elevation_m)
    temp = s["temp_c"].to_numpy(float)
    tmed = float(np.nanmedian(temp))
    temp_used = np.where(np.isfinite(temp), temp, tmed)
    chem = {"pressure_atm": p_atm, "mineral": st.mineral, "primary": {"co2_source": st.co2_source,
                                                                     "system": st.system},
            "temperature": f"sample temperature ({int((~np.isfinite(temp)).sum())} samples without one use the "
                           f"station median {tmed:.2f} C)", "sources": {}}
    preds, stage1s = {}, {}
    cave = co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy(float)
    for src in CO2_SOURCES:
        co2 = co2_at_samples(st, data, src)
        c = co2["co2_ppmv"].to_numpy(float)
        have = np.isfinite(c) & np.isfinite(dic)
        if st.degasses(src):
            have &= np.isfinite(cave)
        if have.sum() < 3:
            continue
        block = {"n_matched": int(have.sum()), "co2_ppmv": describe(c[have]), "systems": {}}
        if src == "soil":
            block["max_days"] = st.soil_co2_max_days
            block["mean_days"] = st.soil_co2_mean_days
            block["n_samples_without_soil_co2_within_max_days"] = int((np.isfinite(dic) & ~np.isfinite(c)).sum())
            block["definition"] = ("mean of the soil sites on the soil-gas date nearest to the sample"
                                   if not st.soil_co2_mean_days else
                                   f"mean of the soil sites, averaged over the soil-gas dates in the "
                                   f"{st.soil_co2_mean_days:g} days before the sample")
        else:
            block["definition"] = "cave-air CO2 measured with the sample" + (
                f" (or with the nearest sample within {st.cave_air_max_days:g} days)" if st.cave_air_max_days else "")
        if st.degasses(src):
            block["degassing"] = ("the recharge water exchanges CO2 with the cave air (column cave_air_co2_ppmv"
                                  + (f", nearest sample within {st.cave_air_max_days:g} days" if st.cave_air_max_days
                                     else "") + ") before the outlet, Ca unchanged (karstmodel.cave_degassing); "
                                  "no prediction without cave-air CO2")
        for system in SYSTEMS:
            prm = st.params(src, system)
            eq = predict_equilibrium(temp_used, c, system, prm, st.mineral, p_atm, st.database)
            if st.degasses(src):
                stage1s[(src, system)] = eq
                eq = predict_degassed(eq, cave, prm.exchange_number, p_atm, st.database)
            pdic = eq["dic_mmol_kgw"].to_numpy(float)
            preds[(src, system)] = (eq, co2)
            met = {}
            for k, m in masks.items():
                met[k] = {"dic_mmol_l": _metrics(pdic, dic, m & have)}
                if base_mask is not None:
                    met[k]["dic_mmol_l_baseflow"] = _metrics(pdic, dic, m & have & base_mask)
                if "ca_mg_l" in s.columns:
                    met[k]["ca_mmol_l"] = _metrics(eq["ca_mmol_kgw"], s["ca_mg_l"].to_numpy(float) / 40.078,
                                                   m & have)
            met["all"] = {"dic_mmol_l": _metrics(pdic, dic, have)}
            if base_mask is not None:
                met["all"]["dic_mmol_l_baseflow"] = _metrics(pdic, dic, have & base_mask)
            block["systems"][system] = {"parameters": {"pco2_factor": prm.pco2_factor,
                                                       **({"gas_water_ratio": prm.gas_water_ratio}
                                                          if system == "mixed" else {}),
                                                       **({"exchange_number": prm.exchange_number}
                                                          if st.degasses(src) else {})},
                                        "metrics": met,
                                        "mean_predicted_dic_mmol_l": float(np.nanmean(pdic[have])),
                                        "mean_observed_dic_mmol_l": float(np.mean(dic[have]))}
            if st.degasses(src):
                block["systems"][system]["degassing"] = degassing_block(stage1s[(src, system)], eq, s, sp, dic,
                                                                        masks, base_mask)
        ref = "calibration" if "calibration" in masks else "validation"
        score = {k: v["metrics"][ref]["dic_mmol_l"]["kge"] for k, v in block["systems"].items()}
        score = {k: v for k, v in score.items() if v is not None and np.isfinite(v)}
        block["best_system"] = max(score, key=score.get) if score else None
        block["best_by"] = f"KGE of DIC in the {ref} period"
        chem["sources"][src] = block
    if not chem["sources"]:
        chem = {"note": "no soil CO2 ([soil_co2] file) or cave-air CO2 (column cave_air_co2_ppmv) with at least 3 "
                        "samples: the chemistry model cannot be checked at this station"}

    # metrics block (layout of docs/interface.md)
    metrics, models = {}, {}
    primary = preds.get((st.co2_source, st.system))
    for k, m in masks.items():
        blk = {}
        if primary is not None:
            pd_ = primary[0]["dic_mmol_kgw"].to_numpy(float)
            have = np.isfinite(primary[1]["co2_ppmv"].to_numpy(float))
            blk["dic_mmol_l"] = _metrics(pd_, dic, m & have)
            if base_mask is not None:
                blk["dic_mmol_l_baseflow"] = _metrics(pd_, dic, m & have & base_mask)
            if "ca_mg_l" in s.columns:
                blk["ca_mmol_l"] = _metrics(primary[0]["ca_mmol_kgw"], s["ca_mg_l"].to_numpy(float) / 40.078,
                                            m & have)
            if st.degasses(st.co2_source):
                blk["ph"] = _metrics(primary[0]["ph"], s["ph"].to_numpy(float), m & have)
                with np.errstate(invalid="ignore", divide="ignore"):  # log-NSE of a signed SI is undefined (NaN)
                    blk["si_calcite"] = _metrics(primary[0]["si_calcite"], sp["si_calcite"].to_numpy(float),
                                                 m & have)
        else:
            blk["dic_mmol_l"] = _metrics(rating_pred, dic, m)
        blk["dic_mmol_l_cq"] = _metrics(rating_pred, dic, m)
        metrics[k] = blk
    if primary is not None:
        prm = st.params(st.co2_source, st.system)
        models["dic_mmol_l"] = (f"{st.system}-system {st.mineral} equilibrium at {prm.pco2_factor:.4g} x "
                                f"{st.co2_source.replace('_', '-')} CO2"
                                + (f", gas/water {prm.gas_water_ratio:.4g} L/kg" if st.system == "mixed" else "")
                                + " (chemistry.equilibrate)"
                                + (f", then CO2 exchange with the cave air over exchange number "
                                   f"{prm.exchange_number:.4g}, Ca unchanged (karstmodel.cave_degassing)"
                                   if st.degasses(st.co2_source) else ""))
        if base_mask is not None:
            models["dic_mmol_l_baseflow"] = models["dic_mmol_l"] + ", baseflow samples only"
        if "ca_mg_l" in s.columns:
            models["ca_mmol_l"] = "Ca of the same equilibrium"
        if st.degasses(st.co2_source):
            models["ph"] = "pH of the same outlet water (observed: measured pH)"
            models["si_calcite"] = "SI calcite of the same outlet water (observed: speciated sample)"
    else:
        models["dic_mmol_l"] = "C-Q rating (no CO2 measurements for an equilibrium model at this station)"
    models["dic_mmol_l_cq"] = f"C-Q rating fitted on the {cq.get('fitted_on', 'calibration period')}"

    # summary keys of docs/interface.md: the best available sink estimate
    best_key = "rating_on_daily_discharge" if "rating_on_daily_discharge" in sinks else "flux_from_samples"
    best = sinks.get(best_key, {})
    summary = {
        "station": st.name, "kind": "station", "description": st.description,
        "source": str(st.source), "area_km2": area,
        "period": {"start": str(times.min().date()), "end": str(times.max().date()), "samples": int(len(s))},
        "carbon_sink_tc_km2_yr": best.get("carbon_sink_tc_km2_yr"),
        "carbon_sink_t_c_yr": best.get("carbon_sink_t_c_yr"),
        "carbon_sink_t_co2_yr": best.get("carbon_sink_t_co2_yr"),
        "runoff_mm_yr": best.get("runoff_mm_yr"),
        "dic_mmol_l_flow_weighted": best.get("dic_mmol_l_flow_weighted"),
        "sink_basis": best_key if best else None,
        "sink_accounting": "carbonic-acid share (x 0.5) of the DIC carried past the station, outlet based; "
                           + ("per km2 over the given area" if area else
                              "no area given: mass fluxes only (t C/yr, t CO2/yr), no per-km2 values"),
        "water_balance_error": None, "carbon_balance_error": None,
        "balances_note": "a station has no model balances (no drivers); the sinks are observation based",
        "chemistry_backend": "native", "database": st.database,
        "metrics": metrics, "metrics_models": models,
        "metrics_periods": {k: _period_text(p) for k, p in periods.items()},
        "metrics_n_samples": {k: int(m.sum()) for k, m in masks.items()},
        "speciation": spec, "stoichiometry": stoich, "sinks": sinks,
        "cq_rating": {"split_sample": cq, "all_samples": cq_all},
        "chemistry_model": chem, "notes": notes,
    }
    frames = {"samples": s, "speciated": sp, "dic": dic, "ratio": ratio, "daily": daily, "preds": preds,
              "stage1": stage1s,
              "rating_pred": rating_pred, "rating_cal": rcal,
              "rating_all": rall, "masks": masks, "base_mask": base_mask, "soil": data.soil_co2,
              "fit_mask": fit_mask, "discharge": data.discharge}
    summary["_frames"] = frames
    return summary


# ------------------------------------------------------------------------------------------------------------
# outputs
def _fmt(v, nd=2):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{nd}f}"


def _sig(v, n=3):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{n}g}"


def _ratio_label(name: str) -> str:
    return {"ca_mg_over_hco3": "(Ca+Mg)/HCO3", "ca_over_hco3": "Ca/HCO3"}.get(name, name)


def result_lines(s: dict) -> list[str]:
    """Short result lines for the command line."""
    L = []
    sp = s["speciation"]
    L.append(f"samples {s['period']['samples']} ({s['period']['start']} .. {s['period']['end']}), speciated "
             f"{sp['n_speciated']}: log pCO2 median {_fmt(sp['log_pco2'].get('median'))} "
             f"(5-95 % {_fmt(sp['log_pco2'].get('p05'))} .. {_fmt(sp['log_pco2'].get('p95'))}), SI calcite median "
             f"{_fmt(sp['si_calcite'].get('median'))}, DIC median {_fmt(sp['dic_mmol_l'].get('median'))} mmol/L")
    st_ = s.get("stoichiometry", {})
    if "median" in st_:
        L.append(f"{_ratio_label(st_['ratio'])} molar median {_fmt(st_['median'])} (carbonic-acid weathering: 0.5)")
    for key, label in (("flux_from_samples", "sink from samples (flux mode, sampling-biased)"),
                       ("rating_on_daily_discharge", "sink from C-Q rating x daily discharge")):
        b = s["sinks"].get(key)
        if not b:
            continue
        iv = b.get("interval_90", {})
        txt = f"{label}: {_sig(b['carbon_sink_t_c_yr'])} t C/yr"
        if "t_c_yr" in iv:
            txt += f" (90 % {_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])})"
        txt += f" = {_sig(b['carbon_sink_t_co2_yr'])} t CO2/yr"
        if b.get("carbon_sink_tc_km2_yr") is not None:
            txt += f"; {_sig(b['carbon_sink_tc_km2_yr'])} t C km-2 yr-1"
        L.append(txt)
        if "range_t_c_yr" in b:
            L.append(f"  carbonic-acid only (minus strong-acid upper bound): {_sig(b['range_t_c_yr'][0])} .. "
                     f"{_sig(b['range_t_c_yr'][1])} t C/yr")
    cm = s.get("chemistry_model", {})
    for src, blk in cm.get("sources", {}).items():
        parts = []
        for system, v in blk["systems"].items():
            mm = v["metrics"]
            parts.append(system + " " + "/".join(_fmt(mm[k]["dic_mmol_l"]["kge"]) for k in mm if k != "all"))
        per = "/".join(k for k in next(iter(blk["systems"].values()))["metrics"] if k != "all")
        L.append(f"equilibrium DIC from {src.replace('_', '-')} CO2 (n={blk['n_matched']}), KGE {per}: "
                 + ", ".join(parts) + f"; best {blk['best_system']}")
        for system, v in blk["systems"].items():
            if "degassing" not in v:
                continue
            mm = {k: x for k, x in v["degassing"]["metrics"].items() if k != "all"}
            L.append(f"  {system} + cave-air degassing (exchange number {_sig(v['parameters']['exchange_number'])})"
                     f", {'/'.join(mm)}: DIC KGE "
                     + "/".join(f"{_fmt(x['dic_mmol_l_no_degassing']['kge'])}->{_fmt(x['dic_mmol_l']['kge'])}"
                                for x in mm.values())
                     + ", pH RMSE " + "/".join(f"{_fmt(x['ph_no_degassing']['rmse'])}->{_fmt(x['ph']['rmse'])}"
                                               for x in mm.values()))
    for k, blk in s["metrics"].items():
        m = blk.get("dic_mmol_l_cq")
        if m and m["n"]:
            L.append(f"C-Q rating {k} (n={m['n']}): KGE {_fmt(m['kge'])}, NSE {_fmt(m['nse'])}, "
                     f"PBIAS {_fmt(m['pbias'], 1)} %")
    return L


def _metrics_rows(metrics: dict) -> list[str]:
    rows = ["| period | variable | n | KGE | NSE | PBIAS % | RMSE | MAE |", "|---|---|---|---|---|---|---|---|"]
    for per, blk in metrics.items():
        for var, m in blk.items():
            rows.append(f"| {per} | {var} | {m['n']} | {_fmt(m['kge'], 3)} | {_fmt(m['nse'], 3)} | "
                        f"{_fmt(m['pbias'], 1)} | {_sig(m['rmse'])} | {_sig(m['mae'])} |")
    return rows


def _report(s: dict, title: str, figs: dict, extra: list[str] | None = None) -> str:
    L = [f"# {title}", "", f"Station `{s['station']}` ({s['source']}). {s['description']}".strip(), "",
         f"Samples {s['period']['samples']}, {s['period']['start']} .. {s['period']['end']}. "
         + (f"Area {s['area_km2']:g} km2." if s["area_km2"] else "No area given: sinks as mass fluxes only."),
         "", "No meteorological drivers: the catchment model is not run. What is tested here: speciation of the "
         "samples, observation-based sinks, the C-Q rating (split sample) and, where CO2 was measured, the "
         "equilibrium chemistry of karstmodel's recharge (open/closed/mixed) against observed DIC.", ""]
    sp = s["speciation"]
    L += ["## Speciation (chemistry.speciate, native solver, pinned phreeqc.dat)", "",
          f"{sp['n_speciated']} of {sp['n_samples']} samples speciated"
          + ("; not speciated: " + "; ".join(f"{k} x{v}" for k, v in sp["errors"].items()) if sp["errors"] else "")
          + (f"; pH from estimates (ph_est) in {sp.get('ph_from_estimates', 0)} samples" if sp.get(
              "ph_from_estimates") else "") + ".", "",
          "| quantity | n | median | 5 % | 25 % | 75 % | 95 % | min | max |", "|---|---|---|---|---|---|---|---|---|"]
    for k in ("log_pco2", "pco2_ppm", "si_calcite", "si_dolomite", "dic_mmol_l", "ionic_strength",
              "charge_balance_pct"):
        d = sp.get(k, {})
        if d.get("n"):
            L.append(f"| {k} | {d['n']} | {_sig(d['median'], 4)} | {_sig(d['p05'], 4)} | {_sig(d['p25'], 4)} | "
                     f"{_sig(d['p75'], 4)} | {_sig(d['p95'], 4)} | {_sig(d['min'], 4)} | {_sig(d['max'], 4)} |")
    L += ["", f"Charge balance: {sp['charge_balance_note']}."]
    st_ = s["stoichiometry"]
    if "median" in st_:
        L += ["", f"Stoichiometry: {_ratio_label(st_['ratio'])} median {_fmt(st_['median'])} "
              f"(25-75 % {_fmt(st_['p25'])} .. "
              f"{_fmt(st_['p75'])}, n = {st_['n']}); {st_['note']}; share of samples above 0.55: "
              f"{_fmt(100 * st_['share_above_0_55'], 0)} %."]
    L += ["", "## Observation-based carbon sink (Zeng et al. 2019, flux mode)", "", s["sink_accounting"] + ".", ""]
    L += ["| estimate | t C/yr | 90 % interval | t CO2/yr | t C km-2 yr-1 | flow-weighted DIC mmol/L | mean Q m3/s |",
          "|---|---|---|---|---|---|---|"]
    for key, b in s["sinks"].items():
        for label, bb in ((key, b), (key + ", carbonic only", b.get("carbonic_only", {}))):
            if "carbon_sink_t_c_yr" not in bb:
                continue
            iv = bb.get("interval_90", {})
            L.append(f"| {label} | {_sig(bb['carbon_sink_t_c_yr'])} | "
                     + (f"{_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])}" if "t_c_yr" in iv else "n/a")
                     + f" | {_sig(bb['carbon_sink_t_co2_yr'])} | {_sig(bb.get('carbon_sink_tc_km2_yr'))} | "
                     f"{_sig(bb['dic_mmol_l_flow_weighted'], 4)} | {_sig(bb['mean_q_m3_s'])} |")
    fm = s["sinks"].get("flux_from_samples")
    if fm:
        b = fm["sampling_bias"]
        L += ["", f"Sampling bias: {b['statement']}. Mean sample discharge {_sig(b['mean_sample_q_m3_s'])} m3/s, "
              f"median {_sig(b['median_sample_q_m3_s'])} m3/s"
              + (f", storm samples {_fmt(100 * b['share_storm_samples'], 0)} %" if "share_storm_samples" in b else "")
              + (f"; mean daily discharge of the continuous record {_sig(b['mean_daily_q_m3_s'])} m3/s "
                 f"({b['daily_q_period'][0]} .. {b['daily_q_period'][1]}, ratio "
                 f"{_fmt(b['ratio_mean_sample_q_to_mean_daily_q'])})"
                 if "mean_daily_q_m3_s" in b else "") + "."]
        if "note" in fm.get("carbonic_only", {}):
            L.append(f"Strong acids: {fm['carbonic_only']['note']}.")
    rl = s["sinks"].get("rating_on_daily_discharge")
    if rl:
        r = rl["rating"]
        L += ["", f"Rating load: {r['form']}, n = {r['n']}, R2 = {_fmt(r['r2'], 3)}, residual SE "
              f"{_fmt(r['residual_se'], 3)} (ln units), smearing factor {_fmt(r['smearing_factor'], 4)}; "
              f"coefficients " + ", ".join(f"{k} = {v:.4g}" for k, v in r["coefficients"].items())
              + f"; daily discharge {rl['period']['start']} .. {rl['period']['end']} ({rl['n_days']} days), "
              f"{_fmt(100 * rl['share_days_outside_sampled_q'], 1)} % of the days "
              f"({_fmt(100 * rl['share_load_outside_sampled_q'], 1)} % of the load) outside the sampled discharge "
              f"range {_sig(r['q_range_m3_s'][0])} .. {_sig(r['q_range_m3_s'][1])} m3/s."]
        if rl.get("interval_90", {}).get("covers"):
            L.append(f"The 90 % interval covers the {rl['interval_90']['covers']}.")
        if rl["discharge"].get("note"):
            L.append(f"Discharge: {rl['discharge']['note']}")
        if rl["discharge"].get("overlaps_samples") is False:
            L.append("The daily discharge record does not overlap the sampling period: the rating is transferred "
                     "in time (assumes an unchanged C-Q relation).")
    L += ["", "## Model checks: metrics per period", "",
          "Periods: " + "; ".join(f"{k} {v}" for k, v in s["metrics_periods"].items())
          + ". Variables: " + "; ".join(f"`{k}` = {v}" for k, v in s["metrics_models"].items()) + ".", ""]
    L += _metrics_rows(s["metrics"])
    cm = s["chemistry_model"]
    if "sources" in cm:
        L += ["", "## Chemistry model: equilibrium DIC from measured CO2", "",
              f"Recharge pCO2 = pco2_factor x CO2 (ppmv) x 1e-6 x {cm['pressure_atm']:.4f} atm (barometric pressure "
              f"at the station elevation); mineral {cm['mineral']}; {cm['temperature']}.", "",
              "| CO2 source | system | parameters | period | n | KGE DIC | r | NSE DIC | PBIAS % | RMSE mmol/L | "
              "KGE DIC baseflow |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for src, blk in cm["sources"].items():
            for system, v in blk["systems"].items():
                ptxt = ", ".join(f"{k} {_sig(x, 4)}" for k, x in v["parameters"].items())
                for per, mm in v["metrics"].items():
                    d = mm["dic_mmol_l"]
                    b = mm.get("dic_mmol_l_baseflow", {})
                    L.append(f"| {src} | {system} | {ptxt} | {per} | {d['n']} | {_fmt(d['kge'], 3)} | "
                             f"{_fmt(d['r'], 2)} | {_fmt(d['nse'], 3)} | {_fmt(d['pbias'], 1)} | {_sig(d['rmse'])} | "
                             f"{_fmt(b.get('kge'), 3) if b else 'n/a'} |")
            L.append(f"| {src} | best: **{blk['best_system']}** ({blk['best_by']}) | | | | | | | | | |")
        L += ["", "Storm samples mix undersaturated event water and are not at equilibrium with soil air; the "
              "baseflow columns isolate the equilibrium test."]
        deg = [(src, system, v) for src, blk in cm["sources"].items() for system, v in blk["systems"].items()
               if "degassing" in v]
        if deg:
            L += ["", "### CO2 exchange with the cave air before the outlet (karstmodel.cave_degassing)", "",
                  "The recharge water above exchanges CO2 with the cave air (first-order exchange, exchange number "
                  "N = k_L T / h; Ca and alkalinity unchanged, calcite precipitation inhibited). Same samples "
                  "before (recharge water) and after (outlet water); `me` = mean error (prediction - observation).",
                  "", "| system | N | period | n | KGE DIC before | after | PBIAS DIC before | after | pH RMSE before "
                  "| after | pH me before | after | SI me before | after | CO2 degassed mmol/L (median) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
            for src, system, v in deg:
                d = v["degassing"]
                for per, mm in d["metrics"].items():
                    a, b = mm["dic_mmol_l"], mm["dic_mmol_l_no_degassing"]
                    L.append(f"| {system} | {_sig(v['parameters']['exchange_number'])} | {per} | {a['n']} | "
                             f"{_fmt(b['kge'])} | {_fmt(a['kge'])} | {_fmt(b['pbias'], 1)} | {_fmt(a['pbias'], 1)} | "
                             f"{_fmt(mm['ph_no_degassing']['rmse'])} | {_fmt(mm['ph']['rmse'])} | "
                             f"{_fmt(mm['ph_no_degassing']['me'])} | {_fmt(mm['ph']['me'])} | "
                             f"{_fmt(mm['si_calcite_no_degassing']['me'])} | {_fmt(mm['si_calcite']['me'])} | "
                             f"{_sig(d['co2_degassed_mmol_kgw'].get('median'))} |")
    else:
        L += ["", f"Chemistry model: {cm['note']}."]
    if s.get("notes"):
        L += ["", "## Notes", ""] + [f"- {n}" for n in s["notes"]]
    L += (extra or [])
    L += ["", "## Figures", ""] + [f"![{k}]({Path(p).name})" for k, p in figs.items()]
    L += ["", "References: Zeng, Liu & Kaufmann (2019) Nat. Commun. 10:5749; Duan (1983) J. Am. Stat. Assoc. "
          "78:605; Covington et al. (2021) J. Hydrol. 593:125824; Knierim et al. (2015) (Blowing Springs discharge "
          "relation); Plummer & Busenberg (1982) GCA 46:1011 and the PHREEQC 3.7.3 database."]
    return "\n".join(L) + "\n"


def _figures(s: dict, outdir: Path, st: Station) -> dict:
    plt = _plt()
    fr = s["_frames"]
    smp, sp, dic = fr["samples"], fr["speciated"], fr["dic"]
    t = pd.DatetimeIndex(smp["datetime"])
    masks = fr["masks"]
    base = fr["base_mask"]
    colors = {"calibration": "tab:blue", "validation": "tab:green"}
    figs = {}

    def period_of(i):
        for k, m in masks.items():
            if m[i]:
                return k
        return "other"

    per = np.array([period_of(i) for i in range(len(smp))])

    # 1. observed vs predicted DIC (per source and system), 1:1
    srcs = [src for src in CO2_SOURCES if (src, "open") in fr["preds"]]
    if srcs:
        fig, axes = plt.subplots(len(srcs), 3, figsize=(11, 3.6 * len(srcs)), squeeze=False)
        for r, src in enumerate(srcs):
            for c, system in enumerate(SYSTEMS):
                ax = axes[r, c]
                eq, co2 = fr["preds"][(src, system)]
                pdic = eq["dic_mmol_kgw"].to_numpy(float)
                ok = np.isfinite(pdic) & np.isfinite(dic)
                for k in list(masks) + ["other"]:
                    for storm in (False, True):
                        sel = ok & (per == k)
                        if base is not None:
                            sel &= (~base) if storm else base
                        elif storm:
                            continue
                        if sel.any():
                            ax.scatter(dic[sel], pdic[sel], s=22, marker="^" if storm else "o",
                                       color=colors.get(k, "0.5"), alpha=0.8, lw=0,
                                       label=f"{k}{' (storm)' if storm else ''}")
                if ok.any():
                    lo = min(dic[ok].min(), pdic[ok].min()) * 0.9
                    hi = max(dic[ok].max(), pdic[ok].max()) * 1.05
                    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
                    ax.set_xlim(lo, hi)
                    ax.set_ylim(lo, hi)
                blk = s["chemistry_model"]["sources"][src]["systems"][system]
                txt = "\n".join(f"KGE {k} {_fmt(v['dic_mmol_l']['kge'])}" for k, v in blk["metrics"].items()
                                if k != "all")
                ax.text(0.03, 0.97, txt, transform=ax.transAxes, va="top", fontsize=8)
                prm = ", ".join(f"{k.replace('_', ' ')} {_sig(v)}" for k, v in blk["parameters"].items())
                ax.set_title(f"{src.replace('_', '-')} CO2, {system} ({prm})", fontsize=8)
                ax.set_xlabel("observed DIC (mmol/L)")
                ax.set_ylabel("equilibrium DIC (mmol/L)")
        axes[0, 0].legend(frameon=False, fontsize=7, loc="lower right")
        fig.suptitle(f"{st.name}: spring DIC predicted by carbonate equilibrium from measured CO2")
        fig.tight_layout()
        p = outdir / "dic_observed_vs_predicted.png"
        _save(fig, p)
        figs["dic_observed_vs_predicted"] = p

    # 2. time series: CO2, observed and predicted DIC, discharge
    fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    ax = axes[0]
    soil = fr["soil"]
    if soil is not None:
        for col in soil.columns:
            ax.semilogy(soil.index, soil[col], marker="o", ms=3, lw=0.8 if col == "mean_ppmv" else 0.5,
                        label=f"soil {col}" if col != "mean_ppmv" else "soil mean", color=None)
    if CAVE_AIR_COLUMN in smp.columns and np.isfinite(smp[CAVE_AIR_COLUMN]).any():
        ax.semilogy(t, smp[CAVE_AIR_COLUMN], "s", ms=3, color="tab:brown", label="cave air")
    ax.semilogy(t, 10.0 ** sp["log_pco2"] * 1e6, "k.", ms=4, label="spring water pCO2 (speciation)")
    ax.set_ylabel("CO2 (ppmv)")
    ax.legend(frameon=False, fontsize=7, ncol=3)
    ax = axes[1]
    ax.plot(t, dic, "ko", ms=4, label="observed DIC")
    src = st.co2_source if (st.co2_source, "open") in fr["preds"] else (srcs[0] if srcs else None)
    if src:
        for system, col, mk in zip(SYSTEMS, ("tab:red", "tab:blue", "tab:purple"), ("x", "1", "s")):
            pdic = fr["preds"][(src, system)][0]["dic_mmol_kgw"].to_numpy(float)
            ok = np.isfinite(pdic)
            ax.plot(t[ok], pdic[ok], mk, color=col, ms=6 if mk != "s" else 5, mfc="none",
                    label=f"{system} ({src.replace('_', '-')} CO2)")
    ok = np.isfinite(fr["rating_pred"])
    ax.plot(t[ok], fr["rating_pred"][ok], "+", color="tab:orange", ms=6, label="C-Q rating")
    ax.set_ylabel("DIC (mmol/L)")
    ax.legend(frameon=False, fontsize=7, ncol=5)
    ax = axes[2]
    q = smp["q_m3_s"].to_numpy(float)
    if np.isfinite(q).any():
        ax.semilogy(t, q, "k.", ms=4, label="sample discharge")
        ax.set_ylabel("Q (m3/s)")
    for ax_ in axes:
        for k, m in masks.items():
            if m.any():
                ax_.axvspan(t[m].min(), t[m].max(), color=colors.get(k, "0.8"), alpha=0.06, lw=0)
    axes[0].set_title(f"{st.name}: CO2, spring DIC and discharge at sample times (shading: calibration blue, "
                      "validation green)", fontsize=9)
    p = outdir / "dic_timeseries.png"
    _save(fig, p)
    figs["dic_timeseries"] = p

    # 3. C-Q rating
    r_all, r_cal = fr["rating_all"], fr["rating_cal"]
    okq = np.isfinite(q) & np.isfinite(dic) & (q > 0)
    if okq.sum() >= 3 and r_all is not None:
        fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 4.2))
        for k in list(masks) + ["other"]:
            sel = okq & (per == k)
            if sel.any():
                a0.scatter(q[sel], dic[sel], s=18, color=colors.get(k, "0.5"), alpha=0.8, lw=0, label=k)
        qq = np.geomspace(q[okq].min(), q[okq].max(), 100)
        for r, lab, ls in ((r_all, "all samples", "-"), (r_cal, "calibration samples", "--")):
            if r is None:
                continue
            c = r.coef
            a0.plot(qq, np.exp(c[0] + c[1] * np.log(qq)) * r.smearing, "k" + ls, lw=1,
                    label=f"{lab}: b = {c[1]:.3f}, R2 = {r.r2:.2f}" + (" (+season; drawn with the seasonal terms at 0)"
                                                                      if r.seasonal else ""))
        if fr["daily"] is not None:
            qd = fr["daily"]["q_m3_s"]
            a0.axvspan(qd.min(), qd.max(), color="tab:orange", alpha=0.07, lw=0, label="daily discharge range")
        a0.set_xscale("log")
        a0.set_yscale("log")
        a0.set_xlabel("discharge (m3/s)")
        a0.set_ylabel("DIC (mmol/L)")
        a0.legend(frameon=False, fontsize=7, loc="lower left")
        a0.set_title("C-Q rating ln DIC = a + b ln Q (smearing back-transform)", fontsize=9)
        rp = fr["rating_pred"]
        ok = okq & np.isfinite(rp)
        for k in list(masks) + ["other"]:
            sel = ok & (per == k)
            if sel.any():
                a1.scatter(dic[sel], rp[sel], s=18, color=colors.get(k, "0.5"), alpha=0.8, lw=0, label=k)
        if ok.any():
            lo, hi = min(dic[ok].min(), rp[ok].min()) * 0.9, max(dic[ok].max(), rp[ok].max()) * 1.05
            a1.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        a1.set_xlabel("observed DIC (mmol/L)")
        a1.set_ylabel("rating DIC (mmol/L), fitted on calibration")
        txt = "\n".join(f"{k}: KGE {_fmt(v['dic_mmol_l_cq']['kge'])}, NSE {_fmt(v['dic_mmol_l_cq']['nse'])}"
                        for k, v in s["metrics"].items())
        a1.text(0.03, 0.97, txt, transform=a1.transAxes, va="top", fontsize=8)
        a1.legend(frameon=False, fontsize=7, loc="lower right")
        fig.suptitle(f"{st.name}: concentration-discharge rating")
        fig.tight_layout()
        p = outdir / "cq_rating.png"
        _save(fig, p)
        figs["cq_rating"] = p

    # 4. speciation time series
    fig, axes = plt.subplots(4, 1, figsize=(11, 8.5), sharex=True)
    axes[0].plot(t, sp["log_pco2"], "k.", ms=5)
    axes[0].set_ylabel("log pCO2 (atm)")
    axes[1].plot(t, sp["si_calcite"], "o", ms=3, color="tab:blue", label="calcite")
    if np.isfinite(sp["si_dolomite"]).any():
        axes[1].plot(t, sp["si_dolomite"], "s", ms=3, color="tab:red", label="dolomite")
    axes[1].axhline(0, color="k", lw=0.6)
    axes[1].set_ylabel("saturation index")
    axes[1].legend(frameon=False, fontsize=7)
    axes[2].plot(t, dic, "o", ms=3, color="tab:green")
    axes[2].set_ylabel("DIC (mmol/L)")
    if fr["ratio"] is not None:
        axes[3].plot(t, fr["ratio"], "o", ms=3, color="tab:purple")
        axes[3].axhline(0.5, color="k", lw=0.6, ls="--")
        axes[3].set_ylabel(_ratio_label(s["stoichiometry"]["ratio"]) + " (molar)")
    axes[0].set_title(f"{st.name}: speciation of the samples (chemistry.speciate)", fontsize=9)
    p = outdir / "speciation_timeseries.png"
    _save(fig, p)
    figs["speciation_timeseries"] = p

    # 5. daily load
    if fr["daily"] is not None:
        d = fr["daily"]
        rl = s["sinks"]["rating_on_daily_discharge"]
        fig, (a0, a1) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True)
        a0.semilogy(d.index, d["q_m3_s"], color="tab:blue", lw=0.8)
        lo, hi = rl["rating"]["q_range_m3_s"]
        a0.axhspan(lo, hi, color="0.5", alpha=0.12, lw=0, label="sampled discharge range")
        a0.set_ylabel("Q (m3/s)")
        a0.legend(frameon=False, fontsize=7)
        a1.plot(d.index, d["carbon_sink_kg_c_d"], color="tab:green", lw=0.7)
        g = d["carbon_sink_kg_c_d"].resample("YS")
        ann = (g.mean() * 365.25 / 1000.0)[g.count() >= 300]  # complete calendar years only
        a1.set_ylabel("carbonic sink (kg C/d)")
        iv = rl["interval_90"]
        a1.set_title(f"mean {_sig(rl['carbon_sink_t_c_yr'])} t C/yr"
                     + (f" (90 % {_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])})" if "t_c_yr" in iv else "")
                     + "; complete calendar years (t C): " + ", ".join(f"{y.year}: {v:.2g}" for y, v in ann.items()),
                     fontsize=8)
        a0.set_title(f"{st.name}: daily discharge and the rating-based carbon sink", fontsize=9)
        p = outdir / "daily_load.png"
        _save(fig, p)
        figs["daily_load"] = p
    return figs


def _write_outputs(s: dict, st: Station, outdir: Path, title: str, figures: bool, extra=None) -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    fr = s["_frames"]
    smp = fr["samples"]
    tab = smp.copy()
    tab["datetime"] = pd.DatetimeIndex(tab["datetime"]).strftime("%Y-%m-%dT%H:%M")
    sp = fr["speciated"]
    for c in ("log_pco2", "pco2_atm", "si_calcite", "si_dolomite", "dic_mmol_l", "hco3_mmol_l", "co3_mmol_l",
              "co2aq_mmol_l", "ionic_strength", "charge_balance_pct", "carbon_input", "speciation_error"):
        if c in sp.columns:
            tab[f"{c}" if c not in tab.columns else f"{c}_speciated"] = sp[c].to_numpy()
    tab["dic_obs_mmol_l"] = fr["dic"]
    tab["dic_cq_rating_mmol_l"] = fr["rating_pred"]
    for (src, system), (eq, co2) in fr["preds"].items():
        tab[f"{src}_co2_ppmv"] = co2["co2_ppmv"].to_numpy()
        tab[f"dic_{src}_{system}_mmol_l"] = eq["dic_mmol_kgw"].to_numpy()
        if (src, system) in fr.get("stage1", {}):
            tab[f"dic_{src}_{system}_no_degassing_mmol_l"] = fr["stage1"][(src, system)]["dic_mmol_kgw"].to_numpy()
            for c in ("ph", "si_calcite", "log_pco2", "co2_degassed_mmol_kgw", "equilibration_fraction"):
                tab[f"{c}_{src}_{system}"] = eq[c].to_numpy()
    for k, m in fr["masks"].items():
        tab[f"in_{k}"] = m
    paths = {"samples": outdir / "samples_evaluated.csv"}
    write_csv_atomic(tab, paths["samples"], float_format="%.6g")
    if fr["daily"] is not None:
        d = fr["daily"].reset_index()
        d["date"] = d["date"].dt.strftime("%Y-%m-%d")
        paths["daily"] = outdir / "daily_load.csv"
        write_csv_atomic(d, paths["daily"], float_format="%.6g")
    figs = _figures(s, outdir, st) if figures else {}
    clean = {k: v for k, v in s.items() if k != "_frames"}
    clean["outputs"] = {k: Path(v).name for k, v in {**paths, **figs}.items()}
    return clean, figs, paths


def _outdir(st: Station, outdir, suffix: str) -> Path:
    return Path(outdir) if outdir else default_output_dir(st.name, f"-{suffix}")


def station_inputs(st: Station) -> list:
    """The station's own files: an output folder must never hold (and so replace) them."""
    return [p for p in (st.source, st.samples_file, st.discharge_file, st.soil_co2_file) if p is not None]


def validate_station(path, outdir: Path | None = None, figures: bool = True, calibration=None,
                     validation=None, reported_dir: Path | None = None) -> dict:
    """Validate a station as it stands (module docstring): speciation, observation-based sinks, C-Q rating and the
    equilibrium chemistry model with the station file's parameters. Writes ``summary.json`` (``metrics`` block
    as docs/interface.md), ``report.md``, ``samples_evaluated.csv``, ``daily_load.csv`` (with continuous discharge)
    and figures into ``outdir`` (default ``karstmodel-output/<name>-validate``). Returns the summary with
    ``station, kind, lines, output_dir``. Nothing is written when an input is bad. ``reported_dir``: the folder
    named as ``output_dir`` when ``outdir`` is a temporary one (a station group written as one unit)."""
    st = load_station(path)
    data = load_station_data(st)
    periods = _periods(st, calibration, validation)
    out = _outdir(st, outdir, "validate")
    with atomic_output_dir(out, protect=station_inputs(st)) as tmp:
        s = evaluate_station(st, data, periods)
        clean, figs, _ = _write_outputs(s, st, tmp, f"Validation of station {st.name}", figures)
        clean["lines"] = result_lines(clean)
        clean["output_dir"] = str(reported_dir if reported_dir is not None else out)
        write_json_atomic({k: v for k, v in clean.items() if k != "lines"}, tmp / "summary.json")
        text = _report(clean, f"Validation of station {st.name}", figs)
        _atomic_write(tmp / "report.md", lambda fh: fh.write(text))
    return clean


# ------------------------------------------------------------------------------------------------------------
# calibration
def calibrate_chemistry(st: Station, data: StationData, periods: dict, seed: int) -> dict:
    """Fit the equilibrium parameters per CO2 source and system on the calibration samples. Returns
    {source: {system: {"parameters", "loss", "evaluations", "n"}}, "best": {source: system}}."""
    s = data.samples
    sp = speciate_samples(s, st.database)
    dic = observed_dic(s, sp)
    masks = _period_masks(s["datetime"], periods)
    cal = masks.get("calibration", np.ones(len(s), bool))
    if st.fit_samples == "baseflow" and "flow_condition" in s.columns:
        cal = cal & (s["flow_condition"].to_numpy(str) == st.baseflow_label.lower())
    temp = s["temp_c"].to_numpy(float)
    temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
    cave = co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy(float)
    p_atm = pressure_atm(st.elevation_m)
    out = {}
    for src in CO2_SOURCES:
        c = co2_at_samples(st, data, src)["co2_ppmv"].to_numpy(float)
        use = cal & np.isfinite(c) & np.isfinite(dic)
        if use.sum() < 3:
            if np.isfinite(c).sum() >= 3:
                out[src] = {"note": f"only {int(use.sum())} calibration samples with {src} CO2: not calibrated"}
            continue
        res = {}
        for system in SYSTEMS:
            prm, loss, nfev = fit_equilibrium(st, temp[use], c[use], dic[use], system, seed)
            res[system] = {"parameters": prm, "loss": loss, "evaluations": nfev, "n": int(use.sum())}
            if st.degasses(src):  # then the exchange number on pH, the recharge water fixed (fit_exchange_number)
                use_n = use & np.isfinite(cave) & np.isfinite(s["ph"].to_numpy(float))
                if use_n.sum() < 3:
                    prm = replace(prm, exchange_number=st.params(src, system).exchange_number)
                    res[system]["note"] = (f"only {int(use_n.sum())} calibration samples with cave-air CO2 and pH: "
                                           "exchange_number not calibrated")
                else:
                    w = predict_equilibrium(temp[use_n], c[use_n], system, prm, st.mineral, p_atm, st.database)
                    xn, ph_rmse, ne = fit_exchange_number(st, w, cave[use_n], s["ph"].to_numpy(float)[use_n], p_atm)
                    prm = replace(prm, exchange_number=xn)
                    res[system].update(ph_rmse=ph_rmse, n_exchange=int(use_n.sum()), evaluations=nfev + ne)
                res[system]["parameters"] = prm
        res["best"] = min(SYSTEMS, key=lambda k: res[k]["loss"])
        out[src] = res
    return out


def _at_bound(v: float, bound: tuple, rel: float = 0.01) -> bool:
    """Within ``rel`` of the search range (in log10 for log-transformed parameters) from either bound."""
    lo, hi, tr = bound
    if tr == "log":
        v, lo, hi = math.log10(v), math.log10(lo), math.log10(hi)
    return min(v - lo, hi - v) <= rel * (hi - lo)


def _relpath(p: Path, base: Path) -> str:
    """``p`` relative to ``base`` when they share more than the file-system root, else absolute."""
    p, base = Path(p).resolve(), Path(base).resolve()
    try:
        common = Path(os.path.commonpath([p, base]))
        if common == Path(common.anchor):
            return str(p)
        return os.path.relpath(p, base)
    except ValueError:
        return str(p)


def station_document(st: Station, where: Path, updates: dict | None = None) -> dict:
    """The station as a TOML-ready dict with data paths relative to ``where`` (the folder the file goes to)."""
    doc = copy.deepcopy(st.raw)
    where = Path(where).resolve()
    doc["samples"]["file"] = _relpath(st.samples_file, where)
    if st.discharge_file is not None:
        doc["discharge"]["file"] = _relpath(st.discharge_file, where)
    if st.soil_co2_file is not None:
        doc["soil_co2"]["file"] = _relpath(st.soil_co2_file, where)
    for k, v in (updates or {}).items():
        doc[k] = v
    return doc


def calibrate_station(path, outdir: Path | None = None, calibration=None, validation=None, seed=None,
                      figures: bool = True) -> dict:
    """Split-sample calibration (module docstring): equilibrium parameters per CO2 source and system fitted on the
    calibration period with scipy's differential evolution (seeded), the C-Q rating fitted on the calibration
    samples, metrics for both periods. Writes the calibrated ``station.toml`` (runnable by ``validate``),
    ``parameters.csv``, ``summary.json``, ``report.md`` and figures into ``outdir`` (default
    ``karstmodel-output/<name>-calibrate``)."""

    t0 = time.perf_counter()
    st = load_station(path)
    data = load_station_data(st)
    periods = _periods(st, calibration, validation)
    if "calibration" not in periods:
        raise StationError("no calibration period: set [calibration] calibration_period or --calibration START:END",
                           file=str(st.source))
    seed = st.calibration_seed if seed is None else int(seed)
    out = _outdir(st, outdir, "calibrate")
    with atomic_output_dir(out, protect=station_inputs(st)) as tmp:
        fits = calibrate_chemistry(st, data, periods, seed)

        # the calibrated station: parameters of every calibrated source/system, the primary system = best on calibration
        params = dict(st.parameters)
        model = dict(st.raw.get("model", {}))
        for src, res in fits.items():
            if "best" not in res:
                continue
            tbl = {}
            for system in SYSTEMS:
                prm = res[system]["parameters"]
                params[(src, system)] = prm
                tbl[system] = {"pco2_factor": float(prm.pco2_factor)}
                if system == "mixed":
                    tbl[system]["gas_water_ratio"] = float(prm.gas_water_ratio)
                if prm.exchange_number is not None:
                    tbl[system]["exchange_number"] = float(prm.exchange_number)
            model[src] = tbl
        system = fits.get(st.co2_source, {}).get("best", st.system)
        model["system"] = system
        cal_tbl = dict(st.raw.get("calibration", {}))
        for k, p in (("calibration_period", periods.get("calibration")), ("validation_period", periods.get("validation"))):
            if p is not None and not (isinstance(p, tuple) and p and p[0] == "rest"):
                cal_tbl[k] = ":".join(str(a.date()) if a is not None else "" for a in p)
        cal_tbl["seed"] = seed
        st_cal = replace(st, parameters=params, system=system)
        s = evaluate_station(st_cal, data, periods)  # bootstrap with [model] seed: validate reproduces it exactly
        calib = {"optimiser": "scipy.optimize.differential_evolution (vectorised, L-BFGS-B polish)", "seed": seed,
                 "objective": st.objective, "fit_samples": st.fit_samples, "maxiter": st.maxiter, "popsize": st.popsize,
                 "bounds": {k: list(v) for k, v in st.bounds.items()}, "primary_co2_source": st.co2_source,
                 "primary_system": system, "sources": {}}
        rows = []
        for src, res in fits.items():
            if "best" not in res:
                calib["sources"][src] = res
                continue
            blk = {"best_system": res["best"], "systems": {}}
            for sysname in SYSTEMS:
                r = res[sysname]
                pv = {"pco2_factor": r["parameters"].pco2_factor}
                if sysname == "mixed":
                    pv["gas_water_ratio"] = r["parameters"].gas_water_ratio
                if r["parameters"].exchange_number is not None:
                    pv["exchange_number"] = r["parameters"].exchange_number
                at = [k for k, v in pv.items() if _at_bound(v, st.bounds[k])]
                blk["systems"][sysname] = {"parameters": pv, "loss": r["loss"], "evaluations": r["evaluations"],
                                           "n_calibration_samples": r["n"], "at_bound": at}
                for k in ("ph_rmse", "n_exchange", "note"):
                    if k in r:
                        name = {"ph_rmse": "exchange_ph_rmse", "n_exchange": "n_calibration_samples_exchange",
                                "note": "exchange_note"}[k]
                        blk["systems"][sysname][name] = r[k]
                if sysname == "mixed" and "gas_water_ratio" in at:
                    lo_hi = "lower" if pv["gas_water_ratio"] < np.sqrt(st.bounds["gas_water_ratio"][0]
                                                                       * st.bounds["gas_water_ratio"][1]) else "upper"
                    blk["systems"][sysname]["note"] = (f"gas_water_ratio at its {lo_hi} bound: the mixed system collapses "
                                                       f"to the {'closed' if lo_hi == 'lower' else 'open'} system")
                for k, v in pv.items():
                    rows.append({"co2_source": src, "system": sysname, "parameter": k, "value": v, "loss": r["loss"]})
            calib["sources"][src] = blk
        calib["evaluations"] = int(sum(b["systems"][x]["evaluations"] for b in calib["sources"].values()
                                       if "systems" in b for x in b["systems"]))
        s["calibration"] = calib
        doc = station_document(st, out, {"model": model, "calibration": cal_tbl})
        text = tomli_w.dumps(doc)
        extra = ["", "## Calibration", "",
                 f"scipy.optimize.differential_evolution, seed {seed}, objective {st.objective} on "
                 f"{st.fit_samples} calibration samples, {calib['evaluations']} parameter sets evaluated (each one "
                 "equilibrium per sample). The primary "
                 f"system ({st.co2_source} CO2) is the one with the lowest calibration loss: **{system}**. The C-Q "
                 "rating is fitted on the calibration samples for the split-sample metrics (form by AIC there) and on "
                 "all samples for the load.", "", "| CO2 source | system | parameter | value | calibration loss |",
                 "|---|---|---|---|---|"]
        def _bound(r):
            return r["parameter"] in calib["sources"][r["co2_source"]]["systems"][r["system"]]["at_bound"]

        extra += [f"| {r['co2_source']} | {r['system']} | {r['parameter']} | {r['value']:.5g}"
                  f"{' (at bound)' if _bound(r) else ''} | {r['loss']:.4f} |" for r in rows]
        extra += [f"- {src} {k}: {b['note']}" for src, blk in calib["sources"].items() if "systems" in blk
                  for k, b in blk["systems"].items() if "note" in b]
        if not calib["sources"]:
            extra += ["", "No CO2 measurements: there are no equilibrium parameters to calibrate; the C-Q rating is fitted "
                      "on the calibration samples (ordinary least squares, closed form) and validated on the rest."]
        clean, figs, _ = _write_outputs(s, st_cal, tmp, f"Calibration of station {st.name}", figures)
        calib["seconds"] = time.perf_counter() - t0
        clean["calibration"] = calib
        _atomic_write(tmp / "station.toml", lambda fh: fh.write(text))
        write_csv_atomic(pd.DataFrame(rows, columns=["co2_source", "system", "parameter", "value", "loss"]),
                         tmp / "parameters.csv")
        clean["outputs"]["station"] = "station.toml"
        clean["outputs"]["parameters"] = "parameters.csv"
        lines = result_lines(clean)
        if not calib["sources"]:
            lines.append("no CO2 measurements: only the C-Q rating is calibrated (ordinary least squares on the "
                         "calibration samples, validated on the rest)")
        for src, blk in calib["sources"].items():
            if "systems" not in blk:
                lines.append(f"{src}: {blk.get('note', 'not calibrated')}")
                continue
            lines.append(f"calibrated ({src.replace('_', '-')} CO2): " + "; ".join(
                f"{k} " + ", ".join(f"{n} {v:.3g}" + (" (at bound)" if n in b["at_bound"] else "")
                                    for n, v in b["parameters"].items())
                for k, b in blk["systems"].items()) + f"; best {blk['best_system']}")
        clean["lines"] = lines
        clean["output_dir"] = str(out)
        write_json_atomic({k: v for k, v in clean.items() if k != "lines"}, tmp / "summary.json")
        rep = _report(clean, f"Calibration and validation of station {st.name}", figs, extra)
        _atomic_write(tmp / "report.md", lambda fh: fh.write(rep))
    return clean
