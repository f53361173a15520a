#!/usr/bin/env python
"""Developer tool: turn the reference data in a source folder into the small tidy
files that karstmodel ships.

Run once from the repository root; the outputs are committed::

    python tools/prepare_data.py SOURCE_DIR [--dest REPO_ROOT]

SOURCE_DIR (required) holds the reference data sets. The script is deterministic and
uses no network. It writes:

* ``catchments/kerschbaum/``       drivers, observations, snow, LuKARS parameters
* ``catchments/sitter_appenzell/`` drivers, observations
* ``catchments/coln_bibury/``      drivers, observations
* ``catchments/brathay/``          drivers, observations
* ``tests/data/``                  Blowing Springs and Buffalo River chemistry,
                                   PHREEQC reference table

and a PROVENANCE.md next to each, with the numbers computed here.

Needs numpy, pandas and openpyxl (openpyxl only to read the USGS xlsx metadata
sheets; it is not a dependency of karstmodel).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
# g/mol; NO3- = N + 3 O (IUPAC standard atomic weights 14.0067 and 15.9994)
MW_N = 14.0067
MW_NO3 = 62.0049
NO3_PER_N = MW_NO3 / MW_N
# exact by definition of the international foot
M3_PER_FT3 = 0.3048**3

REPO_ROOT = Path(__file__).resolve().parents[1]
_DEST = [REPO_ROOT]  # set in main(); only used to print short paths


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(_DEST[0].resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def round_sig(x: float, digits: int) -> float:
    """Round to ``digits`` significant figures (NaN passes through)."""
    if x is None or not np.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, na_rep="", lineterminator="\n", encoding="utf-8")
    size = path.stat().st_size
    if size > 1_000_000:
        raise RuntimeError(f"{path} is {size} bytes (> 1 MB)")
    print(f"  wrote {_rel(path)} ({len(df)} rows, {size / 1024:.0f} kB)")


def write_text(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.strip() + "\n", encoding="utf-8")
    print(f"  wrote {_rel(path)}")


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    print(f"  copied {src.name} -> {_rel(dst)}")


def check_drivers(df: pd.DataFrame, name: str, required: list[str]) -> None:
    """Drivers must be gap-free, daily-contiguous, strictly increasing, P >= 0."""
    dates = pd.to_datetime(df["date"], format="%Y-%m-%d")
    steps = dates.diff().dropna()
    problems = []
    if not (steps == pd.Timedelta(days=1)).all():
        problems.append("dates not strictly increasing by exactly one day")
    for col in required:
        n = int(df[col].isna().sum())
        if n:
            problems.append(f"{n} missing values in {col}")
    if (df["precip_mm"] < 0).any():
        problems.append("negative precipitation")
    if "pet_mm" in df and (df["pet_mm"] < 0).any():
        problems.append("negative PET")
    if problems:
        raise ValueError(f"{name} drivers.csv fails checks: " + "; ".join(problems))


def annual(series: pd.Series) -> float:
    """Long-term mean of a daily depth series, mm per year (mean of available days x 365.25)."""
    return float(series.mean() * DAYS_PER_YEAR)


def fmt(x: float, nd: int = 0) -> str:
    return f"{x:,.{nd}f}"


def source_table(rows: list[tuple[str, Path]]) -> str:
    lines = ["| file in the source data folder | sha256 |", "|---|---|"]
    for label, p in rows:
        lines.append(f"| `{label}` | `{sha256(p)}` |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- Kerschbaum


def kerschbaum(src: Path, dest: Path) -> dict:
    sdir = src / "kerschbaum_spring"
    out = dest / "catchments" / "kerschbaum"
    print("kerschbaum")
    raw = pd.read_csv(sdir / "kerschbaum_py.csv", sep=";")
    date = pd.to_datetime(raw["date"], format="%d.%m.%Y").dt.strftime("%Y-%m-%d")

    drivers = pd.DataFrame(
        {"date": date, "precip_mm": raw["precipitation_mm_d"], "temp_c": raw["temperature"]}
    )
    check_drivers(drivers, "kerschbaum", ["precip_mm", "temp_c"])

    q_l_s = raw["discharge"].astype(float)
    obs = pd.DataFrame(
        {"date": date, "q_l_s": q_l_s, "q_m3_s": (q_l_s / 1000.0).round(5)}
    )
    gaps = obs["q_l_s"].isna()
    gap_years = obs.loc[gaps, "date"].str[:4].value_counts().sort_index()

    snow_raw = pd.read_csv(sdir / "snow_waidhofen.csv", sep=";")
    if not (snow_raw["date"] == raw["date"]).all():
        raise ValueError("snow_waidhofen.csv dates differ from kerschbaum_py.csv")
    t_same = bool((snow_raw["temp_mitterlug"] == raw["temperature"]).all())
    snow = pd.DataFrame({"date": date})
    for st in ("hohenlehen", "opponitz", "hinterlug"):
        snow[f"precip_mm_{st}"] = snow_raw[f"n_{st}"]
        snow[f"snow_depth_cm_{st}"] = snow_raw[f"snow_{st}"]
        snow[f"fresh_snow_cm_{st}"] = snow_raw[f"fresh_snow_{st}"]
    if snow.isna().any().any():
        raise ValueError("unexpected gaps in snow_waidhofen.csv")
    same_as_hinterlug = (raw["precipitation_mm_d"] == snow_raw["n_hinterlug"])
    n_diff = int((~same_as_hinterlug).sum())
    early = ~same_as_hinterlug & (date < "2005-09-01")
    n_diff_late = int((~same_as_hinterlug & (date >= "2005-09-01")).sum())
    early_txt = "; ".join(
        f"{date[i]}: precip_mm {raw['precipitation_mm_d'][i]}, Hinterlug {snow_raw['n_hinterlug'][i]}, "
        f"Hohenlehen {snow_raw['n_hohenlehen'][i]}, Opponitz {snow_raw['n_opponitz'][i]} mm"
        for i in np.flatnonzero(early.to_numpy())
    )
    snow_days = {st: int((snow_raw[f"snow_{st}"] > 0).sum()) for st in ("hohenlehen", "opponitz", "hinterlug")}

    write_csv(drivers, out / "drivers.csv")
    write_csv(obs, out / "observations.csv")
    write_csv(snow, out / "snow.csv")
    copy_file(sdir / "kerschbaum_input_parameters.txt", out / "lukars_parameters_bittner2018.txt")
    copy_file(sdir / "LICENSE_GPL-3.0_source_repo.txt", out / "LICENSE_GPL-3.0_source_repo.txt")

    area_m2 = 2.5e6
    q_mean = float(q_l_s.mean())
    q_mm_a = q_mean / 1000.0 * 86400 * DAYS_PER_YEAR / area_m2 * 1000.0
    s = {
        "name": "kerschbaum",
        "rows": len(drivers),
        "period": f"{drivers['date'].iloc[0]} .. {drivers['date'].iloc[-1]}",
        "P_mm_a": annual(drivers["precip_mm"]),
        "T_c": float(drivers["temp_c"].mean()),
        "Q_l_s": q_mean,
        "Q_mm_a": q_mm_a,
        "Q_min": float(q_l_s.min()),
        "Q_max": float(q_l_s.max()),
        "q_gaps": int(gaps.sum()),
    }
    s["summary"] = (
        f"rows {s['rows']}, {s['period']}, P {s['P_mm_a']:.0f} mm/a, T {s['T_c']:.2f} C, "
        f"Q {q_mean:.2f} L/s (= {q_mm_a:.0f} mm/a over 2.5 km2), {s['q_gaps']} days without Q"
    )
    gap_txt = ", ".join(f"{y}: {n}" for y, n in gap_years.items())
    annual_p = drivers.assign(y=drivers["date"].str[:4]).groupby("y")["precip_mm"].sum()

    text = f"""
# Kerschbaum spring (Waidhofen an der Ybbs, Austria): daily P, air T, spring discharge 2001-2016

Real measured daily forcing and spring discharge of a dolomite karst spring in the Northern
Calcareous Alps (Kerschbaum spring, Waidhofen a.d. Ybbs, Lower Austria; Hauptdolomit karst; the spring
is a drinking-water capture of the town). These are the data behind the LuKARS model paper:
Bittner et al. (2018) "Modeling the hydrological impact of land use change in a dolomite-dominated
karst system", J. Hydrol. Cite that paper.

## Source and licence

| item | value |
|---|---|
| repository | https://github.com/dbittner87/LuKARS |
| `kerschbaum_py.csv` | at HEAD commit `249eedb713ff2ee1c098c06fd99ef09835f90ed1` (2019-11-24); this version added in `1926ed1e78810dd85851d6f954496014ebe91828` |
| `snow_waidhofen.csv` | at commit `a20291f2e2b8abdc7705fb4ef1f2a1cbfd1eaddd` (2018-08-31); deleted from the repository in `4ccffe9`, exists only in history |
| `kerschbaum_input.txt` | at `249eedb...`; shipped here as `lukars_parameters_bittner2018.txt` (byte copy) |
| licence | the repository carries GNU GPL-3.0; copy in `LICENSE_GPL-3.0_source_repo.txt` (byte copy). The original data owners are not named in the repository (probably the Waidhofen waterworks and the Austrian hydrographic service). |

Files read (copies in the source data folder, `SOURCE_DIR/kerschbaum_spring/`):

{source_table([("kerschbaum_spring/kerschbaum_py.csv", sdir / "kerschbaum_py.csv"),
               ("kerschbaum_spring/snow_waidhofen.csv", sdir / "snow_waidhofen.csv"),
               ("kerschbaum_spring/kerschbaum_input_parameters.txt", sdir / "kerschbaum_input_parameters.txt"),
               ("kerschbaum_spring/LICENSE_GPL-3.0_source_repo.txt", sdir / "LICENSE_GPL-3.0_source_repo.txt")])}

## Files here

`drivers.csv` ({s['rows']} rows, daily {s['period']}, no gaps)

| column | source column (`kerschbaum_py.csv`) | unit | conversion |
|---|---|---|---|
| `date` | `date` (`dd.mm.yyyy`) | ISO date | reformatted |
| `precip_mm` | `precipitation_mm_d` | mm/d | none |
| `temp_c` | `temperature` (daily mean air T, Mitterlug station) | deg C | none |

`observations.csv` ({s['rows']} rows, one per day; **{s['q_gaps']} days have empty discharge**; rows are kept)

| column | source column | unit | conversion |
|---|---|---|---|
| `date` | `date` | ISO date | reformatted |
| `q_l_s` | `discharge` | L/s | none (2 decimals as in the source) |
| `q_m3_s` | `discharge` | m3/s | L/s / 1000, written with 5 decimals (an exact decimal shift) |

The unit L/s is inferred by the data hunter: the first version of the file (commit a20291f) had
`discharge_m3_d` with 2869 m3/d on 2001-01-01 = 33.2 L/s, the value in this file.
Gaps (empty field in the source, no other missing codes), days per year: {gap_txt}.

`snow.csv` ({len(snow)} rows, no gaps), from `snow_waidhofen.csv`, three stations
(`hohenlehen`, `opponitz`, `hinterlug`):

| column | source column | unit |
|---|---|---|
| `precip_mm_<station>` | `n_<station>` | mm/d |
| `snow_depth_cm_<station>` | `snow_<station>` | cm (**unit not stated in the source**; whole numbers 0-128, almost certainly cm) |
| `fresh_snow_cm_<station>` | `fresh_snow_<station>` | cm of new snow (same caveat) |

Days with snow cover > 0: {', '.join(f'{k} {v}' for k, v in snow_days.items())}.
The source's `temp_mitterlug` column is identical to `temp_c` in drivers.csv ({'checked: identical on every day' if t_same else 'NOT identical'}), so it is not repeated.
Use `snow.csv` to check a degree-day snow module (timing of snow cover and melt), not for mass balance.

`lukars_parameters_bittner2018.txt`: the authors' calibrated LuKARS parameter set (`name;value` lines),
a reference, not observations. `recharge area;2500000` (m2) and hydrotope shares 0.04, 0.13, 0.56, 0.27.

## Summary (computed by tools/prepare_data.py)

| item | value |
|---|---|
| rows / period | {s['rows']} days, {s['period']} |
| mean annual P | {s['P_mm_a']:.0f} mm/a (calendar-year totals {annual_p.min():.0f}-{annual_p.max():.0f} mm) |
| mean air T | {s['T_c']:.2f} deg C |
| mean Q | {q_mean:.2f} L/s (range {s['Q_min']:.2f}-{s['Q_max']:.2f}; {len(q_l_s) - s['q_gaps']} days with data) |
| Q as depth over the LuKARS area 2.5 km2 | {q_mm_a:.0f} mm/a (runoff ratio {q_mm_a / s['P_mm_a']:.2f}) |

Drivers checks passed: no missing P or T, dates strictly increasing and daily-contiguous, no negative P.

## Caveats

- `precip_mm` is the precipitation the authors used. Until 2005-08 it equals the Hinterlug station
  (`precip_mm_hinterlug` in snow.csv) except on {int(early.sum())} day(s); from 2005-09 on it differs on
  {n_diff_late} days ({n_diff} in all). The repository does not say how it was made.
- **Suspect value, kept as in the source:** {early_txt}. This is the August 2002 flood rain (the spring
  discharge rises from 32.6 to 39.9 L/s over 2002-08-06..08). The 0 in `precip_mm` is probably an error in the authors' series. It is not
  corrected here; a model run over 2002 may want to use `precip_mm_hinterlug` for that day.
- Water balance: Q over 2.5 km2 is only about {q_mm_a / s['P_mm_a']:.0%} of P. Either the recharge area is larger,
  or water leaves by other outlets, or the capture is incomplete. Calibrate the area; do not trust 2.5 km2.
- No EC, no water temperature, no hydrochemistry at the spring.
"""
    write_text(text, out / "PROVENANCE.md")
    return s


# --------------------------------------------------------------------------- Sitter


def sitter(src: Path, dest: Path) -> dict:
    sdir = src / "sitter_appenzell"
    out = dest / "catchments" / "sitter_appenzell"
    print("sitter_appenzell")
    met = pd.read_csv(sdir / "ch_sitter_appenzell_meteo.csv")
    dis = pd.read_csv(sdir / "ch_sitter_appenzell_discharge.csv")
    if not (met["date"] == dis["Date"]).all():
        raise ValueError("Sitter meteo and discharge dates differ")
    date = pd.to_datetime(met["date"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    sun = met["sunshine_dur(h)"]
    if sun.min() < 0 or sun.max() > 100:
        raise ValueError("sunshine column is not a percentage")
    drivers = pd.DataFrame(
        {
            "date": date,
            "precip_mm": met["precip(mm/day)"],
            "temp_c": met["temp(C)"],
            "pet_mm": met["pet_sim(mm/day)"],
            "sunshine_pct": sun,
        }
    )
    check_drivers(drivers, "sitter_appenzell", ["precip_mm", "temp_c", "pet_mm", "sunshine_pct"])
    obs = pd.DataFrame(
        {"date": date, "q_m3_s": dis["Discharge (m3/s)"], "q_mm_d": dis["Discharge (mm/d)"]}
    )
    if obs.isna().any().any():
        raise ValueError("unexpected gaps in Sitter discharge")

    # catchment area implied by the two discharge columns: A[km2] = Q[m3/s] * 86.4 / q[mm/d]
    ok = obs["q_mm_d"] >= 1.0  # avoid the rounding noise of small values
    area_rows = obs.loc[ok, "q_m3_s"] * 86.4 / obs.loc[ok, "q_mm_d"]
    area_sum = float(obs["q_m3_s"].sum() * 86.4 / obs["q_mm_d"].sum())

    write_csv(drivers, out / "drivers.csv")
    write_csv(obs, out / "observations.csv")
    copy_file(sdir / "LICENSE_MIT_source_repo.txt", out / "LICENSE_MIT_source_repo.txt")

    s = {
        "name": "sitter_appenzell",
        "rows": len(drivers),
        "period": f"{date.iloc[0]} .. {date.iloc[-1]}",
        "P_mm_a": annual(drivers["precip_mm"]),
        "PET_mm_a": annual(drivers["pet_mm"]),
        "Q_mm_a": annual(obs["q_mm_d"]),
        "Q_m3_s": float(obs["q_m3_s"].mean()),
        "T_c": float(drivers["temp_c"].mean()),
        "area_median": float(area_rows.median()),
        "area_min": float(area_rows.min()),
        "area_max": float(area_rows.max()),
        "area_sum": area_sum,
    }
    s["summary"] = (
        f"rows {s['rows']}, {s['period']}, P {s['P_mm_a']:.0f} mm/a, PET {s['PET_mm_a']:.0f} mm/a, "
        f"Q {s['Q_mm_a']:.0f} mm/a ({s['Q_m3_s']:.3f} m3/s), T {s['T_c']:.2f} C, "
        f"area from Q/q {s['area_sum']:.2f} km2 (median of rows {s['area_median']:.2f})"
    )
    text = f"""
# Sitter at Appenzell (Switzerland): CAMELS-CH daily P, T, PET, relative sunshine, Q, 1981-2020

Daily hydro-meteorological data from CAMELS-CH for the Sitter at Appenzell (CAMELS-CH id 2112), an
Alpine catchment that drains the Alpstein (Saentis) massif, whose Helvetic Cretaceous limestones
(Schrattenkalk, Seewerkalk) are strongly karstified. The karst fraction of the catchment has not been
quantified here (see the CAMELS-CH geology attributes). Mean elevation 1,253 m a.s.l. (CAMELS-CH,
per the hydrobricks `_readme.txt`). Q is measured (FOEN gauge); P and T are observation-based gridded
fields (MeteoSwiss); PET is simulated (CAMELS-CH `pet_sim`, PREVAH-based). No hydrochemistry.

## Source and licence

| item | value |
|---|---|
| repository | https://github.com/hydrobricks/hydrobricks (P. Horton) |
| commit | `31aeaa254f5de1a77b6d48c9795eeaf5c0df7da6`; the files were last changed in `0c5d67ab5ecb278257418a26a3cb3aae71fb3243` (2025-02-05) |
| paths | `tests/files/catchments/ch_sitter_appenzell/{{meteo.csv,discharge.csv,_readme.txt}}` |
| original data | CAMELS-CH (Hoege et al., 2023, ESSD, "CAMELS-CH: hydro-meteorological time series and landscape attributes for 331 catchments in hydrologic Switzerland"), id 2112 |
| licence | CAMELS-CH is distributed under CC BY 4.0 (not rechecked here; confirm on the Zenodo record). Attribution: FOEN (discharge), MeteoSwiss (meteorology), CAMELS-CH authors. The hydrobricks repository is MIT; copy in `LICENSE_MIT_source_repo.txt` (byte copy). |

Files read:

{source_table([("sitter_appenzell/ch_sitter_appenzell_meteo.csv", sdir / "ch_sitter_appenzell_meteo.csv"),
               ("sitter_appenzell/ch_sitter_appenzell_discharge.csv", sdir / "ch_sitter_appenzell_discharge.csv"),
               ("sitter_appenzell/LICENSE_MIT_source_repo.txt", sdir / "LICENSE_MIT_source_repo.txt")])}

The St. Gallen files of the same folder were not used.

## Files here

`drivers.csv` ({s['rows']} rows, daily {s['period']}, no gaps), from `ch_sitter_appenzell_meteo.csv`:

| column | source column | unit | conversion |
|---|---|---|---|
| `date` | `date` (`dd/mm/yyyy`) | ISO date | reformatted |
| `precip_mm` | `precip(mm/day)` | mm/d | none |
| `temp_c` | `temp(C)` | deg C | none |
| `pet_mm` | `pet_sim(mm/day)` | mm/d | none |
| `sunshine_pct` | `sunshine_dur(h)` | % of possible sunshine | none: the header says `h`, but the values run {sun.min():.2f}-{sun.max():.2f}, like the St. Gallen `rel_sun_dur(%)` column, so the unit is % |

`observations.csv` ({len(obs)} rows, no gaps), from `ch_sitter_appenzell_discharge.csv`:

| column | source column | unit | conversion |
|---|---|---|---|
| `date` | `Date` (`dd/mm/yyyy`) | ISO date | reformatted |
| `q_m3_s` | `Discharge (m3/s)` | m3/s | none (3 decimals as in the source) |
| `q_mm_d` | `Discharge (mm/d)` | mm/d | none (3 decimals) |

Values are written exactly as read (no rounding, no added digits).

## Catchment area

Not in the source files. Implied by the two discharge columns, A = Q[m3/s] x 86.4 / q[mm/d]:
{s['area_sum']:.2f} km2 from the ratio of the column sums; {s['area_median']:.2f} km2 median over the
{int(ok.sum())} days with q >= 1 mm/d (range {s['area_min']:.2f}-{s['area_max']:.2f}, rounding of the source values).
This agrees with the 74.4 km2 given in the reference provenance.

## Summary (computed by tools/prepare_data.py)

| item | value |
|---|---|
| rows / period | {s['rows']} days, {s['period']} |
| mean annual P | {s['P_mm_a']:.0f} mm/a |
| mean annual PET | {s['PET_mm_a']:.0f} mm/a |
| mean annual Q | {s['Q_mm_a']:.0f} mm/a (mean {s['Q_m3_s']:.3f} m3/s); runoff ratio {s['Q_mm_a'] / s['P_mm_a']:.2f} |
| P - Q | {s['P_mm_a'] - s['Q_mm_a']:.0f} mm/a (consistent with actual ET below PET) |
| mean air T | {s['T_c']:.2f} deg C |

Drivers checks passed: no missing values, dates strictly increasing and daily-contiguous, no negative P or PET.

## Use

Rainfall-runoff and snow in a karst-influenced Alpine catchment over 40 years; long-term P - Q to check
modelled AET; PET to test the model's own (temperature-based) PET formulation.
"""
    write_text(text, out / "PROVENANCE.md")
    return s


# --------------------------------------------------------------------------- CAMELS-GB

CAMELS_ATTRIBUTION = """\
© UK Centre for Ecology & Hydrology
© University of Bristol
Contains Environment Agency information © Environment Agency and/or database right
Derived from UK bedrock hydrogeological mapping and UK superficial productivity mapping, BGS © UKRI"""

CAMELS_SITES = {
    "coln_bibury": {
        "file": "camelsgb_39020_Coln_at_Bibury_daily_1999_2008.csv",
        "id": "39020",
        "title": "River Coln at Bibury (Cotswolds, England)",
        "geology": (
            "Jurassic oolitic limestone (Great and Inferior Oolite); groundwater- and spring-fed. "
            "The main 'karst-like' carbonate case of this set."
        ),
        "ref": {"P": 929, "PET": 533, "Q": 473, "BFI": 0.78},
    },
    "brathay": {
        "file": "camelsgb_73014_Brathay_at_Jeffy_Knotts_daily_1999_2008.csv",
        "id": "73014",
        "title": "Brathay at Jeffy Knotts (Lake District, England)",
        "geology": (
            "impermeable volcanic rocks, flashy: a NON-carbonate control catchment "
            "(compare its flashy response with the damped Coln)."
        ),
        "ref": {"P": 3045, "PET": 462, "Q": 2828, "BFI": 0.23},
    },
}


def camels(src: Path, dest: Path, name: str) -> dict:
    meta = CAMELS_SITES[name]
    sdir = src / "camelsgb_limestone"
    out = dest / "catchments" / name
    print(name)
    raw = pd.read_csv(sdir / meta["file"])
    date = pd.to_datetime(raw["date"], format="%Y-%m-%d").dt.strftime("%Y-%m-%d")
    drivers = pd.DataFrame(
        {"date": date, "precip_mm": raw["P_mm_d"], "temp_c": raw["T_degC"], "pet_mm": raw["PET_mm_d"]}
    )
    check_drivers(drivers, name, ["precip_mm", "temp_c", "pet_mm"])
    obs = pd.DataFrame({"date": date, "q_mm_d": raw["Q_mm_d"]})
    n_q_missing = int(obs["q_mm_d"].isna().sum())

    write_csv(drivers, out / "drivers.csv")
    write_csv(obs, out / "observations.csv")

    s = {
        "name": name,
        "rows": len(drivers),
        "period": f"{date.iloc[0]} .. {date.iloc[-1]}",
        "P_mm_a": annual(drivers["precip_mm"]),
        "PET_mm_a": annual(drivers["pet_mm"]),
        "Q_mm_a": annual(obs["q_mm_d"]),
        "T_c": float(drivers["temp_c"].mean()),
    }
    s["summary"] = (
        f"rows {s['rows']}, {s['period']}, P {s['P_mm_a']:.0f} mm/a, PET {s['PET_mm_a']:.0f} mm/a, "
        f"Q {s['Q_mm_a']:.0f} mm/a, T {s['T_c']:.2f} C"
    )
    ref = meta["ref"]
    readme = (sdir / "README_example_data_TOSSH.txt").read_text(encoding="utf-8")
    if "Open Government Licence" not in readme or "© UK Centre for Ecology & Hydrology" not in readme:
        raise ValueError("README_example_data_TOSSH.txt does not hold the expected attribution")

    text = f"""
# {meta['title']}: CAMELS-GB daily P, T, PET and Q, 1999-2008

NRFA / CAMELS-GB gauge **{meta['id']}**. Geology / behaviour: {meta['geology']}
(Geology from general knowledge of the catchment; confirm with the CAMELS-GB hydrogeology attributes
before quoting.) Q is measured (NRFA gauged daily flow). P is gridded gauge-based (CEH-GEAR), T from
CHESS-met, PET from CHESS-PE (Penman-Monteith, CAMELS-GB `pet`, without interception correction).
No hydrochemistry.

## Source and licence

| item | value |
|---|---|
| repository | https://github.com/TOSSHtoolbox/TOSSH (Toolbox for Streamflow Signatures in Hydrology) |
| commit | `81151bdb5b903e18525e1641f299b65292be1b0b` (HEAD); the data file dates from `1f36200c7d08c222a5b1663ac56682ca232a1f80` |
| path | `example/example_data/{meta['id']}_daily.mat` (converted to csv by the data hunter, see below), `example/example_data/README_example_data.txt` |
| original data | CAMELS-GB: Coxon, G., Addor, N., Bloomfield, J. P., et al. (2020) CAMELS-GB: hydrometeorological time series and landscape attributes for 671 catchments in Great Britain, Earth Syst. Sci. Data 12, 2459-2483, https://doi.org/10.5194/essd-12-2459-2020; dataset https://doi.org/10.5285/8344e4f3-d2ea-44f5-8afa-86d2987543a9 |
| licence | **Open Government Licence v3** (https://eidc.ceh.ac.uk/licences/OGL/plain). The TOSSH code is GPL-3, which does not apply to these data. |

Required attribution (verbatim from `README_example_data_TOSSH.txt`, "Copyright Information"):

```
{CAMELS_ATTRIBUTION}
```

The `.mat` file stores the time axis as a MATLAB `datetime` object that scipy cannot decode; the data
hunter read the vectors P, PET, T, Q (3,653 values) with `scipy.io.loadmat` and assigned the dates
1999-01-01..2008-12-31 (evidence: the 33029 `.mat` vectors are identical to the dated TOSSH csv; daily T of
39020 correlates with 33029 T at r = 0.983 at lag 0 against <= 0.93 at lag +-1 day; all files have the same length).

Files read:

{source_table([(f"camelsgb_limestone/{meta['file']}", sdir / meta['file']),
               ("camelsgb_limestone/README_example_data_TOSSH.txt", sdir / "README_example_data_TOSSH.txt")])}

## Files here

`drivers.csv` ({s['rows']} rows, daily {s['period']}, no gaps):

| column | source column | unit | conversion |
|---|---|---|---|
| `date` | `date` | ISO date | none |
| `precip_mm` | `P_mm_d` | mm/d | none |
| `temp_c` | `T_degC` | deg C | none |
| `pet_mm` | `PET_mm_d` | mm/d | none |

`observations.csv` ({len(obs)} rows, {n_q_missing} missing):

| column | source column | unit | conversion |
|---|---|---|---|
| `date` | `date` | ISO date | none |
| `q_mm_d` | `Q_mm_d` | mm/d (specific discharge) | none |

Values are written exactly as read (2 decimals as in the source).

## Catchment area

**Unknown here**: it is not in the source files, and no area is needed for work in mm. The NRFA station
metadata could not be consulted while preparing these files, so no area is given. Take it from the NRFA
station page or the CAMELS-GB topographic attributes (`area`) if you need Q in m3/s.

## Summary (computed by tools/prepare_data.py)

| item | value | reference provenance |
|---|---|---|
| rows / period | {s['rows']} days, {s['period']} | 3,653 days |
| mean annual P | {s['P_mm_a']:.0f} mm/a | {ref['P']:,} |
| mean annual PET | {s['PET_mm_a']:.0f} mm/a | {ref['PET']:,} |
| mean annual Q | {s['Q_mm_a']:.0f} mm/a (runoff ratio {s['Q_mm_a'] / s['P_mm_a']:.2f}) | {ref['Q']:,} |
| P - Q (long-term AET estimate) | {s['P_mm_a'] - s['Q_mm_a']:.0f} mm/a | |
| mean air T | {s['T_c']:.2f} deg C | |
| baseflow index (Lyne-Hollick, from the reference provenance) | | {ref['BFI']} |

Drivers checks passed: no missing values, dates strictly increasing and daily-contiguous, no negative P or PET.
"""
    write_text(text, out / "PROVENANCE.md")
    return s


# --------------------------------------------------------------------------- Blowing Springs


def blowing_springs(src: Path, dest: Path) -> dict:
    sdir = src / "blowing_springs"
    out = dest / "tests" / "data"
    print("blowing_springs")
    raw = pd.read_csv(sdir / "blowing_springs_chemistry.csv", na_values=[-9999, "-9999"])
    date = pd.to_datetime(raw["Date"], format="%Y/%m/%d").dt.strftime("%Y-%m-%d")
    time = pd.to_datetime(raw["Time"], format="%H:%M").dt.strftime("%H:%M")

    bs = raw["Site"] == "BS01"
    b = raw[bs]
    chem = pd.DataFrame(
        {
            "date": date[bs],
            "temp_c": b["Temp_pH"],
            "ph": b["pH"],
            "ca_mg_l": b["Ca"],
            "dic_mg_c_l": b["DIC"],
            "spc_us_cm": b["SpecCond"],
            "q_m3_s": b["Discharge"],
            "cave_air_co2_ppmv": b["CO2"],
            "author_hco3_mol_l": b["Bicarb"],
            "author_co3_mol_l": b["Carb"],
            "author_h2co3_mol_l": b["CarbAcid"],
            "author_co2aq_mol_l": b["CO2_aq"],
            "author_si_calcite": b["logSI"],
            "ph_est": b["pH_est"],
            "temp_est": b["Temp_est"],
            "time": time[bs],
            "flow_condition": b["Flow"],
        }
    )
    soil_rows = raw["Site"].isin(["L1", "L2"])
    sr = raw[soil_rows]
    soil = pd.DataFrame(
        {
            "date": date[soil_rows],
            "site": sr["Site"],
            "soil_co2_ppmv": sr["CO2"],
            "d13c_co2_permil": sr["CO2_iso"],
            "time": time[soil_rows],
        }
    )
    if len(chem) + len(soil) != len(raw):
        raise ValueError("unexpected sites in blowing_springs_chemistry.csv")
    write_csv(chem, out / "blowing_springs_bs01.csv")
    write_csv(soil, out / "blowing_springs_soil_co2.csv")

    # check which pH the authors used where only ph_est exists: speciate DIC (ideal solution,
    # K1, K2 of Plummer & Busenberg 1982) and compare with their HCO3-
    def hco3_mol_l(dic_mg_c_l, ph, t_c):
        tk = t_c + 273.15
        k1 = 10 ** (-356.3094 - 0.06091964 * tk + 21834.37 / tk + 126.8339 * np.log10(tk) - 1684915 / tk**2)
        k2 = 10 ** (-107.8871 - 0.03252849 * tk + 5151.79 / tk + 38.92561 * np.log10(tk) - 563713.9 / tk**2)
        h = 10.0 ** (-ph)
        return dic_mg_c_l / 12011.0 * k1 * h / (h * h + k1 * h + k1 * k2)

    has_auth = chem["author_hco3_mol_l"].notna() & chem["dic_mg_c_l"].notna()
    meas = has_auth & chem["ph"].notna() & chem["temp_c"].notna()
    est = has_auth & chem["ph"].isna() & chem["ph_est"].notna()
    dev_meas = (hco3_mol_l(chem.loc[meas, "dic_mg_c_l"], chem.loc[meas, "ph"], chem.loc[meas, "temp_c"])
                / chem.loc[meas, "author_hco3_mol_l"] - 1).abs()
    dev_est = (hco3_mol_l(chem.loc[est, "dic_mg_c_l"], chem.loc[est, "ph_est"], chem.loc[est, "temp_est"])
               / chem.loc[est, "author_hco3_mol_l"] - 1).abs()

    n = {c: int(chem[c].notna().sum()) for c in chem.columns}
    n_ph_any = int((chem["ph"].notna() | chem["ph_est"].notna()).sum())
    n_ph_est_only = int((chem["ph"].isna() & chem["ph_est"].notna()).sum())
    dup_keys = chem.duplicated(["date", "time"], keep=False)
    dups = sorted(set(chem.loc[dup_keys, "date"] + " " + chem.loc[dup_keys, "time"]))
    nsoil = soil["site"].value_counts().sort_index()
    return {
        "bs01_rows": len(chem),
        "soil_rows": len(soil),
        "n": n,
        "n_ph_any": n_ph_any,
        "n_ph_est_only": n_ph_est_only,
        "dups": dups,
        "soil_counts": nsoil.to_dict(),
        "soil_d13c_missing": int(soil["d13c_co2_permil"].isna().sum()),
        "period": f"{chem['date'].min()} .. {chem['date'].max()}",
        "soil_period": f"{soil['date'].min()} .. {soil['date'].max()}",
        "sha": sha256(sdir / "blowing_springs_chemistry.csv"),
        "n_meas": int(meas.sum()),
        "dev_meas_med": float(dev_meas.median()),
        "dev_meas_max": float(dev_meas.max()),
        "n_est": int(est.sum()),
        "dev_est_med": float(dev_est.median()),
        "dev_est_max": float(dev_est.max()),
    }


# --------------------------------------------------------------------------- Buffalo River

BUFFALO_MAP = {  # output column: source column
    "temp_c": "Temperature, water",
    "ph": "pH",
    "ca_mg_l": "Calcium",
    "mg_mg_l": "Magnesium",
    "na_mg_l": "Sodium",
    "k_mg_l": "Potassium",
    "cl_mg_l": "Chloride",
    "so4_mg_l": "Sulfate",
    "no3_mg_l": "Nitrate",
    "alk_mg_l_caco3": "Alkalinity",
    "usgs_co2_mg_l": "Carbon dioxide",
    "spc_us_cm": "Specific conductance",
}
EXPECTED_META = {  # source column: (allowed pcodes, allowed units) of single-valued results
    "Temperature, water": ({"00010"}, {"deg C"}),
    "pH": ({"00400"}, {"std units"}),
    "Calcium": ({"00915"}, {"mg/l"}),
    "Magnesium": ({"00925"}, {"mg/l"}),
    "Sodium": ({"00930"}, {"mg/l"}),
    "Potassium": ({"00935"}, {"mg/l"}),
    "Chloride": ({"00940"}, {"mg/l"}),
    "Sulfate": ({"00945"}, {"mg/l"}),
    "Alkalinity": ({"00410", "00418"}, {"mg/l CaCO3"}),
    "Carbon dioxide": ({"00405"}, {"mg/l"}),
    "Specific conductance": ({"00095", "00095; 90095"}, {"uS/cm @25C", "uS/cm @25C; uS/cm @25C"}),
    "Stream flow, mean. daily": ({"00060"}, {"cfs"}),
}


def _pcode(v) -> str:
    """The xlsx holds pcodes as text ('00410') or, where pandas wrote floats, as numbers."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (int, float)):
        return f"{int(v):05d}"
    return str(v).strip()


def buffalo(src: Path, dest: Path) -> dict:
    sdir = src / "buffalo_river_st_joe"
    out = dest / "tests" / "data"
    print("buffalo_river_st_joe")
    data = pd.read_csv(sdir / "USGS-07056000_samples_data.csv")
    data["datetime"] = pd.to_datetime(data["datetime"], format="%Y-%m-%d %H:%M:%S")
    data = data.set_index("datetime")
    pcu = pd.read_csv(sdir / "USGS-07056000_columns_pcode_units.csv", dtype=str)
    nd_csv = pd.read_csv(sdir / "USGS-07056000_samples_nondetect_flags.csv", index_col=0)

    sheets = pd.read_excel(sdir / "USGS-07056000-Dataframe.xlsx", sheet_name=None, index_col=0,
                           engine="openpyxl")
    xd = sheets["data"]
    if not (xd.index == data.index).all() or list(xd.columns) != list(data.columns):
        raise ValueError("xlsx 'data' sheet and samples_data.csv have different rows/columns")
    diff = np.nanmax(np.abs(xd.to_numpy(float) - data.to_numpy(float)))
    if diff > 1e-9 or not (xd.isna().to_numpy() == data.isna().to_numpy()).all():
        raise ValueError("xlsx 'data' sheet and samples_data.csv values differ")
    cnt, pco, uni, nd, tim, tz, frac = (sheets[k] for k in
                                        ("count", "pcode", "units", "nondetect", "time", "timezone", "fraction"))
    nd_bool = nd.astype(object).where(nd.notna(), False).astype(bool)
    nd_csv_bool = nd_csv.fillna(0).replace({"True": 1, "False": 0}).astype(float).astype(bool)
    if not (nd_csv_bool.to_numpy() == nd_bool.to_numpy()).all():
        raise ValueError("nondetect flags in the csv and the xlsx differ")

    # single-result columns: every present value must carry the expected pcode and unit, count 1
    # (Specific conductance may be the mean of field 00095 and lab 90095, both uS/cm at 25 C)
    for col, (codes, units) in EXPECTED_META.items():
        present = data[col].notna()
        got_codes = {_pcode(v) for v in pco.loc[present, col]}
        got_units = set(uni.loc[present, col].astype(str))
        if not got_codes <= codes or not got_units <= units:
            raise ValueError(f"unexpected pcode/unit for {col}: {got_codes} {got_units}")
        if col != "Specific conductance" and not (cnt.loc[present, col] == 1).all():
            raise ValueError(f"{col}: averaged values present")

    res = pd.DataFrame(index=data.index)
    for out_col, col in BUFFALO_MAP.items():
        if out_col != "no3_mg_l":
            res[out_col] = data[col]

    # ---- nitrate: pcode 00618 = mg/L as N, 71851 = mg/L as NO3. Where both were reported for one
    # sample (count 2, pcode '00618; 71851'), olm stored the MEAN of the two numbers. Both are the same
    # measurement, so value = (N + N*r)/2 and NO3 = 2*value*r/(1+r), with r = 62.0049/14.0067.
    r = NO3_PER_N
    v = data["Nitrate"]
    npc = pco["Nitrate"].map(_pcode)
    ncount = cnt["Nitrate"]
    no3 = pd.Series(np.nan, index=data.index)
    rule = pd.Series("", index=data.index)
    both = v.notna() & (npc == "00618; 71851") & (ncount == 2)
    only_no3 = v.notna() & (npc == "71851") & (ncount == 1)
    only_n = v.notna() & (npc == "00618") & (ncount == 1)
    no3[both] = 2 * v[both] * r / (1 + r)
    no3[only_no3] = v[only_no3]
    no3[only_n] = v[only_n] * r
    rule[both] = "mean_00618_71851"
    rule[only_no3] = "71851_as_no3"
    rule[only_n] = "00618_as_n"
    unresolved = v.notna() & ~(both | only_no3 | only_n)
    if unresolved.any():
        print(f"  WARNING: {int(unresolved.sum())} nitrate values with unknown unit left empty")
    res["no3_mg_l"] = no3.map(lambda x: round_sig(x, 3))
    # decomposition check: in 1949-1956 the primary report was NO3 to 0.1 mg/L, so the implied NO3
    # of those rows must sit on multiples of 0.1
    early = both & (data.index.year < 1960)
    resid_no3 = float((no3[early] - no3[early].round(1)).abs().max())
    n_early = int(early.sum())

    res["alk_mg_l_caco3"] = data["Alkalinity"]
    res["usgs_co2_mg_l"] = data["Carbon dioxide"]
    res["spc_us_cm"] = data["Specific conductance"]

    # ---- discharge. 'Stream flow, instantaneous' holds, on every row where present, the mean of
    # pcode 00061 (ft3/s) and 30209 (m3/s) for the same measurement (count 2). Recover m3/s as
    # 2*value*k/(1+k) with k = 0.3048**3 m3 per ft3. 'mean. daily' is pcode 00060, ft3/s.
    qi = data["Stream flow, instantaneous"]
    qpc = pco["Stream flow, instantaneous"].map(_pcode)
    qok = qi.notna() & (qpc == "00061; 30209") & (cnt["Stream flow, instantaneous"] == 2)
    if (qi.notna() & ~qok).any():
        print(f"  WARNING: {int((qi.notna() & ~qok).sum())} instantaneous Q values with unknown unit left empty")
    k = M3_PER_FT3
    q_inst = (2 * qi[qok] * k / (1 + k)).map(lambda x: round_sig(x, 3))
    q_daily = (data["Stream flow, mean. daily"] * k).map(lambda x: round_sig(x, 3))
    res["q_m3_s"] = q_daily
    res.loc[qok, "q_m3_s"] = q_inst
    res["q_source"] = np.where(qok, "instantaneous", np.where(q_daily.notna(), "daily_mean", ""))
    res["q_daily_mean_m3_s"] = q_daily
    inst_cfs = 2 * qi[qok] / (1 + k)
    ratio = inst_cfs / data.loc[qok, "Stream flow, mean. daily"]
    cfs_resid = float((inst_cfs / inst_cfs.map(lambda x: round_sig(x, 3)) - 1).abs().max())

    # ---- flags and metadata
    nd_cols = {}
    for out_col, col in list(BUFFALO_MAP.items()) + [("q_m3_s", "Stream flow, instantaneous")]:
        f = nd_bool[col]
        if f.any():
            res[out_col + "_nondetect"] = f.to_numpy()
            nd_cols[out_col] = int(f.sum())
    res["alk_pcode"] = pco["Alkalinity"].map(_pcode).where(data["Alkalinity"].notna(), "")
    res["no3_rule"] = rule
    # sample time: the 'time' sheet is empty for samples without a reported time (index shows 00:00)
    time_known = tim.notna().any(axis=1)
    tzone = tz.apply(lambda row: next((x for x in row if isinstance(x, str) and x), ""), axis=1)
    res["time_known"] = time_known.to_numpy()
    res["timezone"] = tzone.to_numpy()

    res.insert(0, "datetime", data.index.strftime("%Y-%m-%dT%H:%M"))
    res = res.reset_index(drop=True)
    first = ["datetime", *BUFFALO_MAP, "q_m3_s"]
    res = res[first + [c for c in res.columns if c not in first]]
    write_csv(res, out / "buffalo_river_st_joe.csv")

    site = pd.read_csv(sdir / "USGS-07056000-Site-Description.csv", header=None, index_col=0).iloc[:, 0]
    return {
        "rows": len(res),
        "period": f"{res['datetime'].iloc[0][:10]} .. {res['datetime'].iloc[-1][:10]}",
        "n_both": int(both.sum()),
        "n_both_nd": int((both & nd_bool["Nitrate"]).sum()),
        "n_only_no3": int(only_no3.sum()),
        "n_only_n": int(only_n.sum()),
        "n_no3_missing": int(v.isna().sum()),
        "n_unresolved": int(unresolved.sum()),
        "resid_no3": resid_no3,
        "n_early": n_early,
        "n_q_inst": int(qok.sum()),
        "n_q_daily_only": int((~qok & q_daily.notna()).sum()),
        "q_ratio_median": float(ratio.median()),
        "cfs_resid": cfs_resid,
        "q_ratio_min": float(ratio.min()),
        "q_ratio_max": float(ratio.max()),
        "nd_cols": nd_cols,
        "n_alk": res["alk_pcode"].value_counts().to_dict(),
        "alk_frac": {p: sorted(set(frac.loc[pco["Alkalinity"].map(_pcode) == p, "Alkalinity"].astype(str)))
                     for p in ("00410", "00418")},
        "n_spc_avg": int((cnt["Specific conductance"] == 2).sum()),
        "n_time_unknown": int((~time_known).sum()),
        "tz_counts": pd.Series(tzone).value_counts().to_dict(),
        "n_present": {c: int(res[c].notna().sum()) for c in BUFFALO_MAP},
        "drainage": f"{site.get('DrainageAreaMeasure/MeasureValue')} {site.get('DrainageAreaMeasure/MeasureUnitCode')}",
        "pcode_units_csv": pcu.to_dict("records"),
        "sha": {p.name: sha256(p) for p in sorted(sdir.iterdir()) if p.is_file() and p.name != "PROVENANCE.md"},
    }


def phreeqc_ref(src: Path, dest: Path) -> dict:
    sdir = src / "phreeqc_reference"
    out = dest / "tests" / "data" / "phreeqc_reference"
    print("phreeqc_reference")
    name = "calcite_dolomite_open_system_equilibrium_phreeqc.csv"
    copy_file(sdir / name, out / name)
    copy_file(sdir / "PROVENANCE.md", out / "PROVENANCE.md")
    rows = len(pd.read_csv(sdir / name))
    return {"rows": rows, "sha": sha256(sdir / name)}


def tests_provenance(dest: Path, bs: dict, bu: dict, ph: dict) -> None:
    n = bs["n"]
    pcu = "\n".join(
        f"| {r['column']} | {r['pcode']} | {r['units']} | {r['fraction'] if isinstance(r['fraction'], str) else ''} |"
        for r in bu["pcode_units_csv"]
    )
    sha_bu = "\n".join(f"| `buffalo_river_st_joe/{k}` | `{v}` |" for k, v in bu["sha"].items())
    nd_txt = ", ".join(f"`{c}_nondetect` ({v} rows true)" for c, v in bu["nd_cols"].items()) or "none"
    present = ", ".join(f"{c} {v}" for c, v in bu["n_present"].items())
    text = f"""
# tests/data: real chemistry samples and PHREEQC reference values for tests

All files here were made by `tools/prepare_data.py` from the project's reference folder
`SOURCE_DIR` (except the byte copies in `phreeqc_reference/`). Missing values are empty fields.
Dates are ISO 8601; times are local clock time.

## `blowing_springs_bs01.csv` and `blowing_springs_soil_co2.csv`

Blowing Springs Cave, Bella Vista, NW Arkansas, USA (about 36.446 N, -94.223 W): mantled karst in the
Mississippian Boone Formation limestone/chert. Real field measurements.

Source: repository CovingtonResearchGroup/Cave-Airflow-and-Dissolution-Rates-Blowing-Springs, commit
`81e74d0d92efa3b33c7518408b0b69a72daaa748`, file `Knierim-BS-Water-Chem-Data.csv` (in SOURCE_DIR as
`blowing_springs/blowing_springs_chemistry.csv`, sha256 `{bs['sha']}`).
Licence: MIT (repository); the chemistry is data of Knierim et al. (USGS / University of Arkansas).
Cite: Covington, M. D., Knierim, K. J., Young, H. A., Rodriguez, J., Gnoza, H. G. (2021) J. Hydrol. 593,
125824, and Knierim et al.

Conversion: rows of site `BS01` (cave stream at the spring outlet) go to `blowing_springs_bs01.csv`
(**all {bs['bs01_rows']} rows kept**, {bs['period']}, source order); rows of sites `L1`, `L2` (soil sites)
go to `blowing_springs_soil_co2.csv` ({bs['soil_rows']} rows: {', '.join(f'{k} {v}' for k, v in bs['soil_counts'].items())};
{bs['soil_period']}). The missing code -9999 became empty. `Date` `YYYY/MM/DD` became ISO; `Time`
`H:MM` became `HH:MM`. No unit conversion; values are written as read (the source pads them with zeros
to 11 decimals; those padding digits are dropped, so very small values appear as e.g. `6.3e-05`).

`blowing_springs_bs01.csv` columns (non-empty count in brackets):

| column | source column | unit |
|---|---|---|
| `date` | `Date` | ISO date |
| `temp_c` | `Temp_pH` ({n['temp_c']}) | deg C, water temperature at the pH measurement |
| `ph` | `pH` ({n['ph']}) | measured pH |
| `ca_mg_l` | `Ca` ({n['ca_mg_l']}) | mg/L |
| `dic_mg_c_l` | `DIC` ({n['dic_mg_c_l']}) | mg C/L |
| `spc_us_cm` | `SpecCond` ({n['spc_us_cm']}) | uS/cm at 25 C |
| `q_m3_s` | `Discharge` ({n['q_m3_s']}) | m3/s, spring discharge |
| `cave_air_co2_ppmv` | `CO2` ({n['cave_air_co2_ppmv']}) | ppmv, gas-phase pCO2 of the cave air at the site |
| `author_hco3_mol_l` | `Bicarb` ({n['author_hco3_mol_l']}) | mol/L HCO3-, computed by the authors |
| `author_co3_mol_l` | `Carb` ({n['author_co3_mol_l']}) | mol/L CO3--, computed by the authors |
| `author_h2co3_mol_l` | `CarbAcid` ({n['author_h2co3_mol_l']}) | mol/L H2CO3*, computed by the authors |
| `author_co2aq_mol_l` | `CO2_aq` ({n['author_co2aq_mol_l']}) | mol/L CO2(aq), computed by the authors |
| `author_si_calcite` | `logSI` ({n['author_si_calcite']}) | calcite saturation index (log10), computed by the authors |
| `ph_est` | `pH_est` ({n['ph_est']}) | pH estimated by the authors where not measured |
| `temp_est` | `Temp_est` ({n['temp_est']}) | deg C, temperature belonging to `ph_est` |
| `time` | `Time` | local time HH:MM |
| `flow_condition` | `Flow` | `baseflow` or `storm` |

Notes: {bs['n_ph_any']} rows have a measured or estimated pH; {bs['n_ph_est_only']} rows have only `ph_est`.
Check done here (ideal-solution speciation of DIC with K1, K2 of Plummer & Busenberg 1982): with `ph` and
`temp_c` it reproduces `author_hco3_mol_l` to {bs['dev_meas_med']:.1%} median ({bs['dev_meas_max']:.1%} max, {bs['n_meas']} rows);
on the {bs['n_est']} rows with only `ph_est` that carry the authors' values, `ph_est` and `temp_est` reproduce it to
{bs['dev_est_med']:.1%} median ({bs['dev_est_max']:.1%} max), so the authors used the estimates there. Rows sharing date and time
(field duplicates / replicates, kept as they are): {', '.join(bs['dups'])}.
The reference provenance reports that speciating DIC with pH and temperature reproduces the authors'
HCO3- to 0.2 % (median).

`blowing_springs_soil_co2.csv` columns: `date`; `site` (`L1`, `L2`); `soil_co2_ppmv` (source `CO2`,
soil-gas pCO2, ppmv); `d13c_co2_permil` (source `CO2_iso`, d13C of soil CO2, permil VPDB;
{bs['soil_d13c_missing']} empty); `time` (local HH:MM).

## `buffalo_river_st_joe.csv`

Buffalo River near St. Joe, Arkansas (USGS 07056000), drainage area {bu['drainage']} (2,147 km2)
of Mississippian/Ordovician carbonates (Boone Fm., Everton/Powell dolomites) and clastics of the Ozarks.
Real USGS discrete water-quality samples, {bu['rows']} rows, {bu['period']}.

Source: repository CovingtonResearchGroup/olm-examples, commit `c673c0750be98f5d28058cadc31f809b107a78e3`,
folder `Buffalo/USGS-07056000/`, made with the olm `WQXtoPandas` tool from NWIS. Licence: USGS data, US
public domain (repository MIT). Files read:

| file in the source data folder | sha256 |
|---|---|
{sha_bu}

Values come from `USGS-07056000_samples_data.csv`; the script checks that they equal the xlsx `data`
sheet and uses the xlsx sheets `count`, `pcode`, `units`, `nondetect`, `time`, `timezone`, `fraction`
(read with openpyxl) to resolve units row by row. `USGS-07056000_columns_pcode_units.csv` says:

| column | pcode | units | fraction |
|---|---|---|---|
{pcu}

### What the mixed-pcode columns really hold

An older version of olm's `olm/USGS/WQXtoPandas.py` (CovingtonResearchGroup/olm), when one sample had
several results for one characteristic and no pcode priority applied, stored the **running arithmetic mean
of the numbers** and joined the pcodes and units with `'; '` (`units = priorUnits + '; ' + units`); the
`count` sheet holds how many values were averaged. (The current olm no longer averages values with
different units.) In this file every value of
`Nitrate`, `Stream flow, instantaneous` and `Oxygen` with pcode `a; b` has `count` = 2: it is the mean
of one measurement expressed in two units. For nitrate and discharge the two units are related by a
fixed factor, so the mean can be turned back into either unit (to within the rounding of the two
reported numbers). Check: the recovered numbers are round, as reported values are (see below).

**Nitrate -> `no3_mg_l` (mg/L as NO3).** r = 62.0049/14.0067 = {NO3_PER_N:.5f}.

| source rows | pcode (`pcode` sheet), `count` | what the value is | conversion | rows |
|---|---|---|---|---|
| detected | `00618; 71851`, 2 | (N + NO3)/2, N = mg/L as N (00618), NO3 = mg/L as NO3 (71851) | NO3 = 2 x value x r/(1+r) | {bu['n_both'] - bu['n_both_nd']} |
| non-detect (`nondetect` true) | `00618; 71851`, 2 | mean of the two reporting limits (the `units` sheet says `mg/l CaCO3; mg/l CaCO3`, an olm artefact: the non-detect branch does not read the unit, so the previous result's unit is carried over) | same; the value is the reporting limit as NO3, flag `no3_mg_l_nondetect` | {bu['n_both_nd']} |
| detected | `71851`, 1 | mg/L as NO3 | none | {bu['n_only_no3']} |
| detected | `00618`, 1 | mg/L as N | NO3 = N x r | {bu['n_only_n']} |
| no nitrate | | | empty | {bu['n_no3_missing']} |

Unresolved rows (left empty): {bu['n_unresolved']}. Recovered values are rounded to 3 significant figures
(the rounding of the two reported numbers leaves an uncertainty below 0.5 %), e.g.
0.858 -> 1.4 mg/L NO3 (N 0.316), 0.407 -> 0.664 (N 0.15), non-detect 0.1355 -> 0.221 (reporting limit 0.05 mg/L as N),
0.0815 -> 0.133 (0.03 mg/L as N). Check: on the {bu['n_early']} rows of 1949-1956 (NO3 then reported to 0.1 mg/L)
every implied NO3 lies within {bu['resid_no3']:.4f} mg/L of a multiple of 0.1.
1994-10-19 has the value 0.1355 (= 0.05 mg/L as N) but is not flagged as a non-detect in the source; it is kept as reported.
Column `no3_rule` states per row which rule was used: `mean_00618_71851` (first two table rows),
`71851_as_no3`, `00618_as_n`, or empty (no nitrate).

**Discharge -> `q_m3_s`.** `Stream flow, instantaneous` is present on {bu['n_q_inst']} rows, each with pcode
`00061; 30209` and count 2: the value is (Q[ft3/s] + Q[m3/s])/2. With k = 0.3048^3 = {M3_PER_FT3:.9f} m3 per ft3,
Q[m3/s] = 2 x value x k/(1+k). Check: the implied ft3/s values are round numbers (e.g. 941 -> 1830 ft3/s,
25.7 -> 50.0 ft3/s; every one within {bu['cfs_resid']:.2%} of a 3-significant-figure number) and their ratio to the same day's mean daily flow (00060) has median {bu['q_ratio_median']:.3f}
(range {bu['q_ratio_min']:.2f}-{bu['q_ratio_max']:.2f}; the largest ratios are on the highest flows, where a
sample taken during a flood differs most from the daily mean).
`Stream flow, mean. daily` (pcode 00060, ft3/s, on all rows) is converted as Q[m3/s] = value x k.
`q_m3_s` is the instantaneous value where present ({bu['n_q_inst']} rows, `q_source` = `instantaneous`), otherwise the
daily mean ({bu['n_q_daily_only']} rows, 1949-1956, `q_source` = `daily_mean`). `q_daily_mean_m3_s` holds the daily
mean on all rows. Both are rounded to 3 significant figures (the precision of the reported ft3/s values).
No discharge value was left unresolved.

**Other columns** (no unit conversion; each value has a single pcode and count 1 unless stated):

| column | source column | pcode | unit |
|---|---|---|---|
| `datetime` | index | | local clock time `YYYY-MM-DDTHH:MM`; `timezone` column gives CST or CDT ({', '.join(f'{k}: {v}' for k, v in bu['tz_counts'].items() if k)}; empty where no time); `time_known` is false for {bu['n_time_unknown']} samples without a reported time (shown as 00:00) |
| `temp_c` | Temperature, water | 00010 | deg C |
| `ph` | pH | 00400 | field pH |
| `ca_mg_l`, `mg_mg_l`, `na_mg_l`, `k_mg_l`, `cl_mg_l`, `so4_mg_l` | Calcium, Magnesium, Sodium, Potassium, Chloride, Sulfate | 00915, 00925, 00930, 00935, 00940, 00945 | mg/L, dissolved |
| `alk_mg_l_caco3` | Alkalinity | 00410 ({bu['n_alk'].get('00410', 0)} rows, fraction {'/'.join(bu['alk_frac']['00410'])}) or 00418 ({bu['n_alk'].get('00418', 0)} rows, fraction {'/'.join(bu['alk_frac']['00418'])}); `alk_pcode` says which (a 5-digit code; read it as text to keep the leading zeros) | mg/L as CaCO3 |
| `usgs_co2_mg_l` | Carbon dioxide | 00405 | mg/L CO2, calculated by USGS from pH and alkalinity |
| `spc_us_cm` | Specific conductance | 00095; on {bu['n_spc_avg']} rows the mean of field 00095 and lab 90095 (same unit, count 2) | uS/cm at 25 C |

Non-detect flag columns (only where a flag is true in the source): {nd_txt}.
Non-empty values: {present}.
Not carried over: Organic carbon (DOC), and Oxygen (each value is the mean of mg/L (00300) and % saturation (00301),
which are not related by a fixed factor).

## `phreeqc_reference/`

Byte copies of `SOURCE_DIR/phreeqc_reference/calcite_dolomite_open_system_equilibrium_phreeqc.csv`
({ph['rows']} rows, sha256 `{ph['sha']}`) and its `PROVENANCE.md`. Reference values computed with IPhreeqc 3.8.6
and four USGS databases, not observations. Note: that PROVENANCE.md mentions "the pinned 3.7.3 databases in
`../../phreeqc/`"; that path is in the reference folder layout. In this repository the pinned databases are
in `chemistry/databases/`.
"""
    write_text(text, dest / "tests" / "data" / "PROVENANCE.md")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="folder holding the reference data sets (SOURCE_DIR)")
    ap.add_argument("--dest", default=str(REPO_ROOT), help="repository root to write into")
    args = ap.parse_args(argv)
    src, dest = Path(args.source), Path(args.dest)
    _DEST[0] = dest
    if not src.is_dir():
        print(f"source folder not found: {src}", file=sys.stderr)
        return 2

    summaries = [
        kerschbaum(src, dest),
        sitter(src, dest),
        camels(src, dest, "coln_bibury"),
        camels(src, dest, "brathay"),
    ]
    bs = blowing_springs(src, dest)
    bu = buffalo(src, dest)
    ph = phreeqc_ref(src, dest)
    tests_provenance(dest, bs, bu, ph)

    print("\nSummary")
    for s in summaries:
        print(f"  {s['name']}: {s['summary']}")
    print(f"  blowing_springs: BS01 {bs['bs01_rows']} rows, soil {bs['soil_rows']} rows")
    print(
        f"  buffalo_river_st_joe: {bu['rows']} rows; nitrate both-pcode {bu['n_both']} "
        f"(non-detect {bu['n_both_nd']}), NO3-only {bu['n_only_no3']}, unresolved {bu['n_unresolved']}; "
        f"Q instantaneous {bu['n_q_inst']}, daily-mean only {bu['n_q_daily_only']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
