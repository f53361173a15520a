#!/usr/bin/env python
"""Developer script: make the Evenlode catchment files from the source files named in PROVENANCE.md.

    python catchments/evenlode_cassington/make_data.py SOURCE_DIR

``SOURCE_DIR`` holds ``evenlode_cassington_39034_daily_1975_2017.csv`` (daily forcing and NRFA flow) and
``thames_initiative_weekly_2009_2013_tributaries.csv`` (the CEH Thames Initiative weekly samples). Writes, next to
this script, ``drivers.csv`` and ``observations.csv`` for 1990-01-01..2017-09-30 (deterministic, no network; not
installed with the package). Conversions (all documented in PROVENANCE.md):

* drivers: ``precip_mm`` (NRFA catchment rainfall of 39008), ``temp_c`` = (tmax + tmin) / 2, ``tmin_c``,
  ``tmax_c``, ``pet_mm`` = the regional reference ET of the source (``et0_regional_mm``);
* observations: ``q_m3_s`` (NRFA gauged daily flow of 39034) on every day; on sample days the Evenlode's weekly
  chemistry: ``temp_c`` (water temperature), ``ph``, ``alk_meq_l`` = Gran alkalinity (ueq/L) / 1000, the dissolved
  major ions in mg/L (``ca_mg_l, mg_mg_l, na_mg_l, k_mg_l, cl_mg_l, so4_mg_l, no3_mg_l``), ``doc_mg_l``,
  ``si_mg_l`` (dissolved Si). The sample file's mean daily discharge equals the NRFA flow (to 0.005 m3/s) and
  is not repeated.
  Values such as ``<0.1`` (below the detection limit) are kept verbatim; the observation reader treats them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
START, END = "1990-01-01", "2017-09-30"
SITE = "River Evenlode at Cassington Mill"
#: CEH column (header as in the source file, stripped) -> unit-named column
SAMPLE_COLUMNS = {
    "Water temperature (C)": "temp_c",
    "pH": "ph",
    "Alkalinity (u equ.l-1)": "alk_ueq_l",
    "Dissolved calcium          (mg l-1)": "ca_mg_l",
    "Dissolved magnesium (mg l-1)": "mg_mg_l",
    "Dissolved sodium (mg l-1)": "na_mg_l",
    "Dissolved potassium (mg l-1)": "k_mg_l",
    "Dissolved chloride (mg l-1)": "cl_mg_l",
    "Dissolved sulphate    (mg l-1-SO4)": "so4_mg_l",
    "Dissolved nitrate     (mg l-1-NO3)": "no3_mg_l",
    "Dissolved organic carbon (mg l-1)": "doc_mg_l",
    "Dissolved silicon (mg l-1-Si)": "si_mg_l",
}


def samples(path: Path) -> pd.DataFrame:
    """The Evenlode's weekly samples with unit-named columns, one row per sampling date (text kept verbatim)."""
    raw = pd.read_csv(path, dtype=str)
    raw.columns = [c.strip() for c in raw.columns]
    cols = {k.strip(): v for k, v in SAMPLE_COLUMNS.items()}
    ev = raw[raw["Site"].str.strip() == SITE]
    out = pd.DataFrame({"date": pd.to_datetime(ev["Sampling date (dd/mm/yyyy)"], format="%d/%m/%Y")})
    for src, dst in cols.items():
        out[dst] = ev[src].str.strip()
    alk = pd.to_numeric(out.pop("alk_ueq_l"), errors="raise")
    out.insert(3, "alk_meq_l", (alk / 1000.0).round(4))
    if out["date"].duplicated().any():
        raise SystemExit("duplicate sampling dates for the Evenlode")
    return out.set_index("date")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[0])
    daily = pd.read_csv(src / "evenlode_cassington_39034_daily_1975_2017.csv", parse_dates=["date"]).set_index("date")
    daily = daily.loc[START:END]
    drivers = pd.DataFrame({"precip_mm": daily["precip_mm"], "temp_c": daily["temp_c"].round(4),
                            "tmin_c": daily["tmin_c"], "tmax_c": daily["tmax_c"],
                            "pet_mm": daily["et0_regional_mm"]})
    drivers.to_csv(HERE / "drivers.csv", date_format="%Y-%m-%d")
    obs = pd.DataFrame({"q_m3_s": daily["q_m3_s"]})
    chem = samples(src / "thames_initiative_weekly_2009_2013_tributaries.csv")
    obs = obs.join(chem, how="left")
    missing = chem.index.difference(obs.index)
    if len(missing):
        raise SystemExit(f"sample dates outside the daily record: {list(missing)}")
    obs.to_csv(HERE / "observations.csv", date_format="%Y-%m-%d")
    print(f"drivers.csv: {len(drivers)} days; observations.csv: {len(obs)} days, {len(chem)} samples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
