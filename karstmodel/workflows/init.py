"""Scaffold a new catchment folder from a drivers CSV (and an observations CSV) with documented defaults."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import tomllib

import tomli_w

from chemistry.errors import InputError

from ..config.catchment import DriverSpec, catchment_from_dict
from ..config.schema import Lithology, ReservoirParameters, SnowParameters
from ..io.columns import (COLUMNS_SYNTAX, DISCHARGE_COLUMNS, missing_message, parse_mapping, report_line, resolve,
                          split_mapping)
from ..io.notes import note
from ..io.drivers import load_drivers
from ..io.files import _umask_mode, check_date_format, read_csv
from ..io.observations import read_station_file
from ..processes.allogenic_contact import AllogenicContact
from ..processes.landuse import LAND_USE_CLASSES
from ..registry import declared

WARMUP_DAYS = 365
CALIBRATION_SHARE = 0.6
MIN_SPLIT_DAYS = 100


def split_sample_periods(driver_days: pd.DatetimeIndex, observed_q_days, warmup_days: int = WARMUP_DAYS) -> tuple:
    """The scaffold's default periods for a split-sample test (Klemes 1986, Hydrol. Sci. J. 31(1) 13-24) as
    ``("START:END", "START:END")`` with ISO dates; the 60/40 share is this scaffold's choice, to adapt. Rule: the days with observed discharge that lie in the drivers' record after its first
    ``warmup_days`` days (the model's spin-up) are sorted; the first ``floor(0.6 n)`` of them form the calibration
    period (first to last of those days), the remaining days the validation period. Whole days; at least
    ``MIN_SPLIT_DAYS`` observed days after the warm-up are needed, else :class:`InputError` saying how many."""
    driver_days = pd.DatetimeIndex(driver_days).normalize()
    first = driver_days[warmup_days] if warmup_days < len(driver_days) else None
    days = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(observed_q_days).normalize())).sort_values()
    days = days[(days >= first) & (days <= driver_days[-1])] if first is not None else days[:0]
    n = len(days)
    if n < MIN_SPLIT_DAYS:
        after = f"after the {warmup_days}-day warm-up (from {first.date()})" if first is not None else (
            f"after the {warmup_days}-day warm-up (the drivers hold only {len(driver_days)} days)")
        raise InputError(f"record too short to split into calibration and validation periods: {n} days with "
                         f"observed discharge {after} within the drivers' record; at least {MIN_SPLIT_DAYS} are "
                         f"needed")
    n_cal = int(np.floor(CALIBRATION_SHARE * n))
    return (f"{days[0].date()}:{days[n_cal - 1].date()}", f"{days[n_cal].date()}:{days[-1].date()}")


def _pairs(text: str | None, what: str, allowed) -> dict:
    if not text:
        return {}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise InputError(f"--{what}: expected name=fraction pairs like forest=0.6,grassland=0.4, got {part!r}")
        k, v = (x.strip() for x in part.split("=", 1))
        if k not in allowed:
            raise InputError(f"--{what}: unknown class {k!r} (known: {', '.join(allowed)})")
        try:
            out[k] = float(v)
        except ValueError:
            raise InputError(f"--{what}: {k} = {v!r} is not a number") from None
        if not 0 <= out[k] <= 1:
            raise InputError(f"--{what}: {k} = {out[k]} must lie in 0..1")
    s = sum(out.values())
    if abs(s - 1.0) > 1e-6:
        raise InputError(f"--{what}: fractions must sum to 1, they sum to {s:.6g}")
    return out


TEMPLATE = """# Catchment file written by `karstmodel init` on the data in this folder. Every value below is a documented
# default to adapt to your site (schema: catchments/README.md in the karstmodel sources). Calibrate with
#   karstmodel calibrate {folder}
# and validate with `karstmodel validate {folder}`.
name = "{name}"
description = "Scaffolded by karstmodel init; describe the site, its data and their sources here."
area_km2 = {area}                 # recharge area of the spring / area of the gauged catchment (calibrate if unsure)

[location]
latitude = {lat}
longitude = {lon}
elevation_m = {elev}              # mean elevation (barometric pressure for soil pCO2)

[drivers]
file = "drivers.csv"
pet = "{pet}"                     # "column" uses pet_mm; "oudin" (Oudin 2005) from temperature and latitude
gap_fill = "none"                 # gaps are refused; "linear" or "climatology" fill them (reported in summary.json)
{drivers_reading}
{observations}
[land_use]                        # area fractions; classes: {classes}
{land_use}

[lithology]                       # area fractions; non_carbonate = allogenic area draining into the karst
{lithology}
allogenic_to_karst = {allogenic_to_karst}
{allogenic}
[snow]                            # degree-day snow (Martinec 1960)
threshold_c = {threshold_c}
melt_factor_mm_c_d = {melt_factor_mm_c_d}

[reservoirs]                      # epikarst / matrix / conduit (KarstMod-like), storages in mm; calibrate them
epikarst_k_per_d = {epikarst_k_per_d}
epikarst_max_mm = {epikarst_max_mm}
conduit_fraction = {conduit_fraction}
matrix_k_per_d = {matrix_k_per_d}
conduit_k_per_d = {conduit_k_per_d}

[chemistry]
recharge_system = "open"          # open / closed / mixed dissolution in the soil and epikarst
matrix = "equilibrium"
conduit = "kinetic"
prior_climate = "{climate}"        # SRDB soil-respiration priors: "all" climates or "subtropical" (MAT 14-22 C)
# soil_solute_mixing = "none"     # solute residence in the soil: "none", "soil_water" (a well-mixed store of the
                                  # day's soil water, drained by recharge) or "fixed" (soil_mixing_volume_mm)
# organic_acids = "none"          # organic-acid weathering in the soil: "none" or "soil_doc" (soil-water DOC x
                                  # doc_charge_ueq_mg_c, booked as non-carbonic weathering)

[simulation]
warmup_days = {warmup}

[calibration]                     # periods as START:END; parameters default to the recharge area, reservoirs,
objective = "kge"                 # snow melt, root-zone storage and preferential-flow scales
seed = 1
maxiter = 60
{periods}"""


def _allogenic_block(lith: dict) -> str:
    """Commented tables for a catchment with a non-carbonate (allogenic) area: its own land use and how its water
    meets the carbonate (karstmodel.processes.allogenic_contact), the values and units from the declarations."""
    if not lith.get("non_carbonate"):
        return ""
    lines = ["", "# [allogenic_land_use]           # the non-carbonate area's own land use (fractions of that area);",
             "# grassland = 1.0                # with it, [land_use] above covers the carbonate area only",
             "# [allogenic_contact]            # how allogenic water meets the carbonate before the conduits",
             '# system = "none"                # "none", "closed" or "open" (in contact with air)',
             '# rate_law = "pwp"               # "pwp" (surface-controlled) or "mixed" (PWP + boundary-layer transport)']
    for f in fields(AllogenicContact):
        p = declared(AllogenicContact).get(f.name)
        if p is not None:
            lines.append(f"# {f.name} = {f.default!r}".ljust(32) + f" # {p.unit}; {p.source}")
    return "\n".join(lines) + "\n"


def _declared_defaults() -> dict:
    """The scaffold's parameter values: the declared defaults (karstmodel.registry), not copies."""
    out = {}
    for cls in (Lithology, SnowParameters, ReservoirParameters):
        out.update({f.name: f.default for f in fields(cls) if f.name in declared(cls)})
    return out


def _report(source: str, recognised: list) -> None:
    line = report_line(source, recognised)
    if line:
        note(line)


def _reading_lines(mapping: dict, date_format: str | None) -> str:
    """``columns = {...}`` and ``date_format`` lines of a file's table in the scaffold (empty when not needed)."""
    out = ""
    if mapping:
        pairs = ", ".join(f"{_toml_key(k)} = {_toml_string(v)}" for k, v in mapping.items())
        out += f"columns = {{ {pairs} }}   # file column = model column\n"
    if date_format:
        out += f"date_format = {_toml_string(date_format)}\n"
    return out


def init_catchment(folder, drivers_csv, latitude: float, longitude: float, area_km2: float,
                   observations_csv=None, land_use: str | None = None, lithology: str | None = None,
                   elevation_m: float = 0.0, name: str | None = None, discharge: str = "spring",
                   columns: str | dict | None = None, date_format: str | None = None) -> Path:
    """Create ``folder`` with ``catchment.toml``, ``drivers.csv`` (and ``observations.csv``). The folder must not
    exist or be empty; on any error nothing is left behind. Every file is checked first; an observations file needs
    a discharge column (q_m3_s, q_l_s or q_mm_d) and then sets ``[calibration] calibration_period`` and
    ``validation_period`` by :func:`split_sample_periods` (after the warm-up, the first 60 % of the days with
    observed discharge calibrate, the rest validate).

    The CSVs are copied as they are (delimiter, decimal commas and dates as :func:`karstmodel.io.read_csv` and
    :func:`karstmodel.io.parse_times` detect them). ``columns`` (``"P_mm_d=precip_mm,..."`` or a dict: file column
    -> model column) and the names recognised by :mod:`karstmodel.io.columns` are written to the catchment file as
    ``columns`` tables of ``[drivers]`` and ``[observations]``, ``date_format`` (strftime, e.g. ``%d.%m.%Y``) as
    their ``date_format`` key, so that later commands read the copies the same way."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("exists and is not an empty folder; choose a new folder", file=str(folder))
    if not -90 <= latitude <= 90:
        raise InputError(f"--lat {latitude} outside -90..90")
    if not -180 <= longitude <= 180:
        raise InputError(f"--lon {longitude} outside -180..180")
    if not area_km2 > 0:
        raise InputError(f"--area-km2 must be > 0, got {area_km2}")
    if date_format is not None:
        check_date_format(date_format, "--date-format")
    lu = _pairs(land_use, "land-use", LAND_USE_CLASSES) or {"forest": 0.5, "grassland": 0.3, "cropland": 0.2}
    lith = _pairs(lithology, "lithology", ("limestone", "dolomite", "non_carbonate")) or {"limestone": 1.0}
    mapping = parse_mapping(columns) if isinstance(columns, str) or columns is None else dict(columns)
    head = read_csv(drivers_csv, dialects=True)
    obs_head = read_csv(observations_csv, dialects=True) if observations_csv is not None else None
    drv_map, obs_map = split_mapping(mapping, list(head.columns),
                                      list(obs_head.columns) if obs_head is not None else None)
    drv_renames, recognised = resolve(head.columns, "drivers", drv_map, str(drivers_csv))
    _report(str(drivers_csv), recognised)
    drv_map = {**drv_map, **drv_renames}  # the recognised names too: the catchment file states every mapping
    pet = "column" if "pet_mm" in [drv_renames.get(c, c) for c in head.columns] else "oudin"
    # check the drivers now (clear errors before anything is written)
    drv = load_drivers(DriverSpec(file=Path(drivers_csv), pet=pet, columns=tuple(drv_map.items()),
                                  date_format=date_format), latitude)
    mean_t = float(drv.data["temp_c"].mean())
    if observations_csv is not None:
        obs_renames, recognised = resolve(obs_head.columns, "observations", obs_map, str(observations_csv))
        _report(str(observations_csv), recognised)
        obs_map = {**obs_map, **obs_renames}
        obs_cols = [obs_renames.get(c, c) for c in obs_head.columns]
        if "date" not in obs_cols and "datetime" not in obs_cols:
            raise InputError(missing_message("observations", ("date or datetime",), obs_head.columns),
                             file=str(observations_csv), column="date")
        if not any(c in obs_cols for c in DISCHARGE_COLUMNS):
            raise InputError(f"no discharge column ({', '.join(DISCHARGE_COLUMNS)}); columns found: "
                             f"{', '.join(map(str, obs_head.columns))}; map one with {COLUMNS_SYNTAX}",
                             file=str(observations_csv))
        # times, numbers and ranges: the errors name the user's file and line
        st = read_station_file(observations_csv, tuple(obs_map.items()), date_format)
        has_q = np.zeros(len(st), dtype=bool)
        for col in DISCHARGE_COLUMNS:
            if col in st.columns:
                has_q |= np.isfinite(st[col].to_numpy(dtype=float))
        try:
            cal_period, val_period = split_sample_periods(drv.data.index, st["datetime"][has_q])
        except InputError as exc:
            raise InputError(exc.message, file=str(observations_csv)) from None
    name = name or folder.name
    periods = (f'calibration_period = "{cal_period}"    # default split: after the warm-up, the first 60 % of the '
               f'days with observed discharge\nvalidation_period = "{val_period}"     # the remaining 40 %\n'
               if observations_csv is not None else "")
    obs_block = (f'[observations]\nfile = "observations.csv"\ndischarge = "{discharge}"   # the observed q is the '
                 f'spring discharge or the total outlet runoff\n{_reading_lines(obs_map, date_format)}'
                 ) if observations_csv is not None else ""
    text = TEMPLATE.format(name=_toml_string(name)[1:-1], folder=" ".join(str(folder).split()), area=area_km2,
                           lat=latitude, lon=longitude, elev=elevation_m,
                           pet=pet, observations=obs_block, drivers_reading=_reading_lines(drv_map, date_format), periods=periods, classes=", ".join(LAND_USE_CLASSES),
                           land_use="\n".join(f"{k} = {v}" for k, v in lu.items()),
                           lithology="\n".join(f"{k} = {v}" for k, v in lith.items()), allogenic=_allogenic_block(lith),
                           warmup=WARMUP_DAYS, climate="subtropical" if 14 <= mean_t <= 22 else "all", **_declared_defaults())
    # the scaffold must be valid; checked under its final name, so an error never names a temporary file
    catchment_from_dict(tomllib.loads(text), folder.resolve() / "catchment.toml")
    created = []
    parent = folder.resolve().parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    for anc in [folder.resolve(), *folder.resolve().parents]:
        if anc.exists():
            if not anc.is_dir():
                raise InputError(f"{anc} is not a folder", file=str(folder))
            break
    tmp = None
    try:
        folder.resolve().parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".karstmodel-init-", dir=folder.resolve().parent))
        os.chmod(tmp, 0o777 & ~(0o666 & ~_umask_mode()))
        shutil.copyfile(drivers_csv, tmp / "drivers.csv")
        if observations_csv is not None:
            shutil.copyfile(observations_csv, tmp / "observations.csv")
        (tmp / "catchment.toml").write_text(text, encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        tmp.rename(folder)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot create the catchment folder: {exc.strerror}", file=str(folder)) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
            for d in created:
                try:
                    d.rmdir()
                except OSError:
                    break
    return folder / "catchment.toml"


def _toml_key(text: str) -> str:
    """``text`` as a TOML key: bare when it may be, else a quoted string."""
    return text if text and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in text) else _toml_string(text)


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped), by tomli_w."""
    return tomli_w.dumps({"v": text}).split("=", 1)[1].strip()
