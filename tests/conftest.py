"""Shared fixtures for the chemistry test suite.

Every test compares a number with an independent reference (PHREEQC through ``chemistry.phreeqc`` with the
pinned database, an analytic solution, a published value or real station data) with a stated tolerance.
Random grids are seeded, so a failure is reproducible.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chemref import phreeqc_punch, random_grid, random_water, write_no_ion_pair_database

DATA = Path(__file__).resolve().parent / "data"


# ----------------------------------------------------------------------------------------------------------------
# data
@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def blowing_springs() -> pd.DataFrame:
    """Blowing Springs Cave BS01, NW Arkansas (tests/data/PROVENANCE.md): 72 real samples, DIC as carbon."""
    return pd.read_csv(DATA / "blowing_springs_bs01.csv")


@pytest.fixture(scope="session")
def buffalo_river() -> pd.DataFrame:
    """Buffalo River near St. Joe (USGS 07056000): 78 real samples, alkalinity as carbon, full major ions."""
    return pd.read_csv(DATA / "buffalo_river_st_joe.csv", dtype={"alk_pcode": str})


@pytest.fixture(scope="session")
def phreeqc_reference() -> pd.DataFrame:
    """Open-system calcite/dolomite equilibria from IPhreeqc 3.8.6 and four USGS databases (not the pinned ones)."""
    return pd.read_csv(DATA / "phreeqc_reference" / "calcite_dolomite_open_system_equilibrium_phreeqc.csv")


# ----------------------------------------------------------------------------------------------------------------
# helpers as fixtures
@pytest.fixture(scope="session")
def grid():
    return random_grid


@pytest.fixture(scope="session")
def water_grid():
    return random_water


@pytest.fixture(scope="session")
def punch():
    return phreeqc_punch


@pytest.fixture(scope="session")
def no_ion_pair_db(tmp_path_factory) -> Path:
    return write_no_ion_pair_database(tmp_path_factory.mktemp("db") / "pb1982_no_ion_pairs.dat")

