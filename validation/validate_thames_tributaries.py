"""All 16 Thames tributary stations (CEH Thames Initiative weekly samples 2009-2013, no weather drivers): each
station validated (speciation, sample-based flux, split-sample C-Q rating) and one summary table
(karstmodel.workflows.stations.summary; the same as ``karstmodel validate thames_tributaries``). Data:
catchments/thames_tributaries/PROVENANCE.md.

    python validation/validate_thames_tributaries.py [-o validation/output/thames_tributaries] [--no-figures]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.workflows.stations.summary import resolve_station_group, summarise_station_group  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(Path("validation") / "output" / "thames_tributaries"))
    ap.add_argument("--no-figures", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = summarise_station_group(resolve_station_group("thames_tributaries"), a.output, figures=not a.no_figures)
    print(Path(res["files"]["md"]).read_text(encoding="utf-8"))
    print(f"wrote {res['output_dir']}/ ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
