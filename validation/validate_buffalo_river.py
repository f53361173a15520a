"""Split-sample validation of the Buffalo River near St. Joe station (USGS 07056000; no weather drivers).

No CO2 was measured, so there is no equilibrium-model check: the C-Q rating (ln DIC = a + b ln Q [+ season], DIC
from alkalinity, pH and temperature by speciation) is fitted on the samples before 1975 and validated on
1975-1998; the observation-based sink (flux mode, Zeng et al. 2019) is reported per km2 over 2147 km2 with a
bootstrap interval and the carbonic-acid range (DIC - 2 SO4 - NO3). Data: USGS NWIS via
CovingtonResearchGroup/olm-examples (catchments/buffalo_river_st_joe/PROVENANCE.md).

    python validation/validate_buffalo_river.py [--seed 1] [-o validation/output/buffalo_river_st_joe] [--no-figures]
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from validate_blowing_springs import main  # noqa: E402  (same calibrate + validate + print)

if __name__ == "__main__":
    sys.exit(main(name="buffalo_river_st_joe"))
