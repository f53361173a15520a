#!/usr/bin/env python
"""Developer script: make the Blowing Springs station files from the reference data (deterministic, no network).

    python catchments/blowing_springs/make_data.py SOURCE_DIR    # the folder holding blowing_springs_chemistry.csv

Writes, next to this script: ``samples.csv`` (site BS01), ``soil_co2.csv`` (sites L1, L2) and
``little_sugar_creek_daily.csv`` (USGS 07188838, converted to m3/s). Conversions are described in PROVENANCE.md;
this script is what produced the shipped files (not installed with the package).
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: m3 per ft3, exact by definition of the international foot (0.3048 m)
M3_PER_FT3 = 0.3048 ** 3
HERE = Path(__file__).resolve().parent


def _iso(date: pd.Series, time: pd.Series) -> pd.Series:
    d = pd.to_datetime(date, format="%Y/%m/%d")
    t = time.astype(str).str.strip().str.zfill(5)
    return (d.dt.strftime("%Y-%m-%d") + "T" + t).rename("datetime")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[0])
    raw = pd.read_csv(src / "blowing_springs_chemistry.csv").replace(-9999, np.nan)
    raw["Flag"] = raw["Flag"].replace({"-9999": "", -9999: ""}).fillna("")

    bs = raw[raw["Site"] == "BS01"].reset_index(drop=True)
    out = pd.DataFrame({
        "datetime": _iso(bs["Date"], bs["Time"]),
        "temp_c": bs["Temp_pH"],
        "ph": bs["pH"],
        "temp_c_est": bs["Temp_est"],
        "ph_est": bs["pH_est"],
        "ec_us_cm": bs["SpecCond"],
        "ca_mg_l": bs["Ca"],
        "ca_mg_l_flag": bs["Flag"].astype(str).str.strip(),
        "dic_mg_c_l": bs["DIC"],
        "q_m3_s": bs["Discharge"],
        "cave_air_co2_ppmv": bs["CO2"],
        "d13c_dic_permil": bs["DIC_iso"],
        "d13c_co2_permil": bs["CO2_iso"],
        "ion_balance_pct": bs["Balance"],
        "flow_condition": bs["Flow"],
        "season": bs["Season"],
    })
    out.to_csv(HERE / "samples.csv", index=False, na_rep="", lineterminator="\n")

    soil = raw[raw["Site"].isin(["L1", "L2"])].reset_index(drop=True)
    so = pd.DataFrame({
        "date": pd.to_datetime(soil["Date"], format="%Y/%m/%d").dt.strftime("%Y-%m-%d"),
        "time": soil["Time"].astype(str).str.strip().str.zfill(5),
        "site": soil["Site"],
        "soil_co2_ppmv": soil["CO2"],
        "d13c_co2_permil": soil["CO2_iso"],
    })
    so.to_csv(HERE / "soil_co2.csv", index=False, na_rep="", lineterminator="\n")

    lsc = pd.read_csv(src / "Little-Sugar-Creek-discharge.csv")
    lsc = lsc.rename(columns={lsc.columns[0]: "date"})
    q = pd.DataFrame({"date": lsc["date"], "q_m3_s": (lsc["discharge"] * M3_PER_FT3).map(lambda v: float(f"{v:.6g}")),
                      "q_ft3_s": lsc["discharge"], "quality": lsc["quality"]})
    q.to_csv(HERE / "little_sugar_creek_daily.csv", index=False, na_rep="", lineterminator="\n")
    for name in ("blowing_springs_chemistry.csv", "Little-Sugar-Creek-discharge.csv"):
        print(name, hashlib.sha256((src / name).read_bytes()).hexdigest())
    print(f"samples {len(out)}, soil {len(so)}, discharge days {len(q)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
