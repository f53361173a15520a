#!/usr/bin/env python
"""Developer script: make the 16 Thames tributary stations from the CEH Thames Initiative file (deterministic).

    python catchments/thames_tributaries/make_data.py [--nrfa-daily EVENLODE_DAILY_CSV]

Reads ``thames_initiative_weekly_2009_2013_tributaries.csv`` next to this script (the CEH weekly file, header as
published: units in the column names, dates dd/mm/yyyy, detection-limit values such as ``<0.1`` verbatim) and
writes, per site, ``<site>/samples.csv`` (unit-named columns, one row per sample in source order) and
``<site>/station.toml``. Conversions (PROVENANCE.md):

* ``datetime`` = sampling date (dd/mm/yyyy) and time (hh:mm) as ISO ``YYYY-MM-DDTHH:MM``; a sample without a time
  gets 00:00 and ``time_known = False``;
* ``alk_meq_l`` = Gran alkalinity in microequivalents per litre (column ``Alkalinity (u equ.l-1)``) / 1000,
  done in decimal arithmetic so that the digits are exact (4915 -> 4.915);
* every other value is copied as text, unchanged (``<0.1`` stays ``<0.1``; the station reader takes half the limit
  and counts it); units are those of the source column, written into the new name;
* ``temp_c_flag`` = ``R`` (rejected: the station reader drops the value and counts it) where the water temperature is
  outside :data:`TEMP_RANGE_C`; the value itself is kept as published (one sample: 118 C at the Jubilee River on
  2012-10-09, a transcription error; which digit is wrong cannot be known, so nothing is corrected).

``--nrfa-daily`` (the Evenlode at Cassington Mill daily file with ``date, q_m3_s`` = NRFA 39034 gauged daily
flow) also writes ``evenlode_cassington/discharge.csv`` for the sampling period; without it that file is kept as
it is. Not installed with the package.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "thames_initiative_weekly_2009_2013_tributaries.csv"
SITE_COLUMN = "Site"
DATE_COLUMN = "Sampling date (dd/mm/yyyy)"
TIME_COLUMN = "Sampling time (hh:mm)"
ALK_COLUMN = "Alkalinity (u equ.l-1)"
#: the sampling period of the Thames Initiative tributary file (Bowes et al. 2018); the discharge file covers it
PERIOD = ("2009-03-01", "2013-02-28")

#: plausible water temperature of a lowland English river (C); outside it the value is flagged R
TEMP_RANGE_C = (-1.0, 40.0)

#: source column (header stripped of surrounding blanks) -> unit-named column; the unit is the source's
COLUMNS = {
    "Water temperature (C)": "temp_c",
    "pH": "ph",
    ALK_COLUMN: "alk_meq_l",  # converted: / 1000
    "Dissolved calcium          (mg l-1)": "ca_mg_l",
    "Dissolved magnesium (mg l-1)": "mg_mg_l",
    "Dissolved sodium (mg l-1)": "na_mg_l",
    "Dissolved potassium (mg l-1)": "k_mg_l",
    "Dissolved chloride (mg l-1)": "cl_mg_l",
    "Dissolved sulphate    (mg l-1-SO4)": "so4_mg_l",
    "Dissolved nitrate     (mg l-1-NO3)": "no3_mg_l",
    "Mean daily river discharge (m3 s-1)": "q_m3_s",
    # pass-through (not used by the speciation)
    "Dissolved organic carbon (mg l-1)": "doc_mg_l",
    "Dissolved silicon (mg l-1-Si)": "si_mg_si_l",
    "Ammonium (mg l-1-NH4)": "nh4_mg_l",
    "Dissolved nitrite       (mg l-1-NO2)": "no2_mg_l",
    "Dissolved fluoride (mg l-1)": "f_mg_l",
    "Dissolved bromide   (mg l-1-Br)": "br_mg_l",
    "Total dissolved nitrogen            (mg l-1-N)": "tdn_mg_n_l",
    "Soluble reactive phosphorus (ug l-1-P)": "srp_ug_p_l",
    "Total dissolved phosphorus (ug l-1-P)": "tdp_ug_p_l",
    "Total phosphorus (ug l-1-P)": "tp_ug_p_l",
    "Suspended solids     (mg l-1)": "ss_mg_l",
    "Chlorophyll-a (ug l-1)": "chla_ug_l",
}

#: folder name -> site name in the source file. "Lodden" is the source's spelling of the River Loddon.
SITES = {
    "thame_wheatley": "River Thame at Wheatley",
    "ray_islip": "River Ray at Islip",
    "cherwell_hampton_poyle": "River Cherwell at Hampton Poyle",
    "evenlode_cassington": "River Evenlode at Cassington Mill",
    "windrush_newbridge": "River Windrush at Newbridge",
    "leach_lechlade": "River Leach at Mill Lane,Lechlade",
    "cole_lynt_bridge": "River Cole at Lynt Bridge",
    "coln_whelford": "River Coln at Whelford",
    "ock_abingdon": "River Ock at Abingdon",
    "pang_tidmarsh": "River Pang at Tidmarsh",
    "loddon_charvil": "River Lodden at Charvil",
    "cut_paley_street": "The Cut at Paley Street",
    "wye_bourne_end": "River Wye at Bourne End",
    "kennet_woolhampton": "River Kennet at Woolhampton",
    "enborne_brimpton": "River Enborne at Brimpton",
    "jubilee_pococks_bridge": "Jubilee River at Pocock's Bridge",
}

#: NRFA gauging station whose daily flow is bundled as the continuous [discharge] record (only where the sample
#: discharge of the source file equals that station's gauged daily flow on every sample day: checked by main)
DISCHARGE = {"evenlode_cassington": "NRFA 39034 Evenlode at Cassington Mill, gauged daily flow"}


class SourceError(ValueError):
    """The source file does not have the expected layout (the message names the file, column and file line)."""


def read_source(path=SOURCE) -> pd.DataFrame:
    """The CEH file as text (nothing parsed), header names stripped of surrounding blanks."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in (SITE_COLUMN, DATE_COLUMN, TIME_COLUMN, *COLUMNS) if c not in df.columns]
    if missing:
        raise SourceError(f"{path}: missing column {missing[0]!r}")
    return df


def select_site(df: pd.DataFrame, site: str) -> pd.DataFrame:
    """Rows of one site (exact name), in source order; ``source_line`` is the row's line in the file (header = 1)."""
    rows = df.index[df[SITE_COLUMN] == site]
    if len(rows) == 0:
        raise SourceError(f"no rows for site {site!r} (column {SITE_COLUMN!r})")
    out = df.loc[rows].copy()
    out["source_line"] = rows.to_numpy() + 2
    return out.reset_index(drop=True)


def iso_datetime(dates: pd.Series, times: pd.Series, lines=None) -> tuple[pd.Series, pd.Series]:
    """ISO ``YYYY-MM-DDTHH:MM`` from dd/mm/yyyy dates and hh:mm times (empty time -> 00:00, time_known False).
    An unparsable value raises :class:`SourceError` naming the column and file line."""
    lines = list(range(2, len(dates) + 2)) if lines is None else list(lines)
    d = pd.to_datetime(dates.str.strip(), format="%d/%m/%Y", errors="coerce")
    t_txt = times.str.strip()
    known = t_txt != ""
    t = pd.to_datetime(t_txt.where(known, "00:00"), format="%H:%M", errors="coerce")
    for col, bad in ((DATE_COLUMN, d.isna()), (TIME_COLUMN, t.isna())):
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise SourceError(f"column {col!r}, line {lines[i]}: cannot parse "
                              f"{(dates if col == DATE_COLUMN else times).iloc[i]!r}")
    iso = d.dt.strftime("%Y-%m-%d") + "T" + t.dt.strftime("%H:%M")
    return iso.rename("datetime"), known.rename("time_known")


def ueq_to_meq(text: str, line=None) -> str:
    """Microequivalents per litre -> milliequivalents per litre (/ 1000) in exact decimal arithmetic, keeping a
    detection-limit ``<`` and leaving an empty value empty."""
    s = str(text).strip()
    if s == "":
        return ""
    lt = s.startswith("<")
    try:
        v = Decimal(s.lstrip("<").strip())
    except InvalidOperation:
        raise SourceError(f"column {ALK_COLUMN!r}, line {line}: not a number: {text!r}") from None
    out = format((v / Decimal(1000)).normalize(), "f")
    return ("<" if lt else "") + out


def site_samples(df: pd.DataFrame, site: str) -> pd.DataFrame:
    """The unit-named samples table of one site (module docstring)."""
    rows = select_site(df, site)
    dt, known = iso_datetime(rows[DATE_COLUMN], rows[TIME_COLUMN], rows["source_line"])
    out = pd.DataFrame({"datetime": dt, "time_known": known})
    for src, dst in COLUMNS.items():
        col = rows[src].str.strip()
        if src == ALK_COLUMN:
            col = pd.Series([ueq_to_meq(v, ln) for v, ln in zip(col, rows["source_line"])], index=rows.index)
        out[dst] = col
        if dst == "temp_c":
            t = pd.to_numeric(col, errors="coerce")
            out["temp_c_flag"] = ((t < TEMP_RANGE_C[0]) | (t > TEMP_RANGE_C[1])).map({True: "R", False: ""})
    out["source_line"] = rows["source_line"]
    return out


def station_toml(folder: str, site: str, samples: pd.DataFrame, has_discharge: bool) -> str:
    first, last = samples["datetime"].iloc[0][:10], samples["datetime"].iloc[-1][:10]
    lines = [
        f"# {site}: CEH Thames Initiative weekly water quality, a station (no weather drivers).",
        "# Made by catchments/thames_tributaries/make_data.py; schema: catchments/README.md, section \"Stations\";",
        "# data, licence and conversions: ../PROVENANCE.md.",
        'kind = "station"',
        f'name = "thames_tributaries/{folder}"',
        f'description = "{site} (Thames basin, UK): {len(samples)} weekly CEH Thames Initiative samples '
        f'{first}..{last} (laboratory pH, Gran alkalinity, major ions; mean daily discharge of the sample day)."',
        "# area_km2 and [location]: not in the bundled sources, so not given (no per-km2 values; the sinks are mass",
        "# fluxes, t C/yr). Add them from the NRFA station record of the site's gauge if you have it.",
        "",
        "[samples]",
        'file = "samples.csv"',
    ]
    if has_discharge:
        lines += ["", "[discharge]", 'file = "discharge.csv"',
                  f'note = "{DISCHARGE[folder]} (m3/s), {PERIOD[0]}..{PERIOD[1]}; the sample discharges of the CEH '
                  'file are this series on the sample days."']
    lines += ["", "[model]", 'mineral = "calcite"', 'rating_seasonal = "auto"', "sink_fraction = 0.5",
              "bootstrap = 2000", "seed = 1", "", "[calibration]",
              '# the split of issue 11 (C-Q rating fitted on the first two years, scored on the last two)',
              f'calibration_period = "{PERIOD[0]}:2011-02-28"', f'validation_period = "2011-03-01:{PERIOD[1]}"',
              'objective = "kge"', "seed = 1", ""]
    return "\n".join(lines)


def daily_discharge(path, samples: pd.DataFrame) -> pd.DataFrame:
    """The gauged daily flow over :data:`PERIOD`; checks that it equals the sample discharges on the sample days
    (to the source's 3 significant digits)."""
    d = pd.read_csv(path, usecols=["date", "q_m3_s"], dtype={"date": str})
    sel = d[(d["date"] >= PERIOD[0]) & (d["date"] <= PERIOD[1])].reset_index(drop=True)
    q = sel.set_index("date")["q_m3_s"]
    day = samples["datetime"].str[:10]
    qs = pd.to_numeric(samples["q_m3_s"])
    diff = (q.reindex(day).to_numpy() - qs.to_numpy())
    if not (abs(diff) <= 0.005 + 1e-9).all():
        raise SourceError(f"{path}: daily flow differs from the sample discharge (max {abs(diff).max():.4g} m3/s)")
    return sel


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nrfa-daily", help="Evenlode daily file (date, q_m3_s = NRFA 39034) for discharge.csv")
    args = ap.parse_args(argv)
    df = read_source(SOURCE)
    print(SOURCE.name, hashlib.sha256(SOURCE.read_bytes()).hexdigest(), f"{len(df)} rows")
    unknown = sorted(set(df[SITE_COLUMN]) - set(SITES.values()))
    if unknown:
        raise SourceError(f"{SOURCE}: site(s) without a folder: {unknown}")
    for folder, site in SITES.items():
        smp = site_samples(df, site)
        d = HERE / folder
        d.mkdir(exist_ok=True)
        smp.to_csv(d / "samples.csv", index=False, lineterminator="\n")
        has_q = folder in DISCHARGE and (args.nrfa_daily or (d / "discharge.csv").exists())
        if folder in DISCHARGE and args.nrfa_daily:
            q = daily_discharge(args.nrfa_daily, smp)
            q.to_csv(d / "discharge.csv", index=False, lineterminator="\n")
            print(f"  {folder}/discharge.csv: {len(q)} days from {Path(args.nrfa_daily).name} "
                  f"(sha256 {hashlib.sha256(Path(args.nrfa_daily).read_bytes()).hexdigest()})")
        (d / "station.toml").write_text(station_toml(folder, site, smp, bool(has_q)), encoding="utf-8")
        print(f"  {folder}: {len(smp)} samples {smp['datetime'].iloc[0][:10]}..{smp['datetime'].iloc[-1][:10]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
