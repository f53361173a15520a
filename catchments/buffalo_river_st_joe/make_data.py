#!/usr/bin/env python
"""Developer script: make the Buffalo River station samples from the tidy test file (deterministic, no network).

    python catchments/buffalo_river_st_joe/make_data.py [TIDY_CSV]    # default tests/data/buffalo_river_st_joe.csv

``tests/data/buffalo_river_st_joe.csv`` was made from the USGS/olm export by ``tools/prepare_data.py`` (units
resolved row by row, see tests/data/PROVENANCE.md). Here only ``spc_us_cm`` is renamed ``ec_us_cm`` (the
observation column name of karstmodel) and the columns are put in a station order; values are unchanged.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ORDER = ["datetime", "temp_c", "ph", "alk_mg_l_caco3", "ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l",
         "so4_mg_l", "no3_mg_l", "no3_mg_l_nondetect", "ec_us_cm", "q_m3_s", "q_source", "q_daily_mean_m3_s",
         "usgs_co2_mg_l", "alk_pcode", "no3_rule", "time_known", "timezone"]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    src = Path(argv[0]) if argv else HERE.parents[1] / "tests" / "data" / "buffalo_river_st_joe.csv"
    df = pd.read_csv(src, dtype={"alk_pcode": str}).rename(columns={"spc_us_cm": "ec_us_cm"})
    df[ORDER].to_csv(HERE / "samples.csv", index=False, na_rep="", lineterminator="\n")
    print(src.name, hashlib.sha256(src.read_bytes()).hexdigest(), f"{len(df)} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
