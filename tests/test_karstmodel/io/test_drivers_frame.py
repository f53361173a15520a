"""Drivers given as a pandas DataFrame (the Python API) go through the same checks, gap filling and PET as a
drivers file: the same run, to the last digit, and errors that name the column and row position."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chemistry.errors import InputError
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.io.drivers import drivers_from_frame, load_drivers
from karstmodel.model.simulate import simulate


@pytest.fixture(scope="module")
def kerschbaum():
    return load_catchment(resolve_catchment("kerschbaum"))


def test_a_frame_gives_the_same_drivers_as_its_file(kerschbaum):
    c = kerschbaum
    from_file = load_drivers(c.drivers, c.latitude, c.start, c.end)
    raw = pd.read_csv(c.drivers.file)
    indexed = raw.drop(columns="date").set_index(pd.DatetimeIndex(pd.to_datetime(raw["date"]), name="date"))
    for frame in (raw, indexed):
        d = drivers_from_frame(frame, c.drivers, c.latitude, c.start, c.end)
        pd.testing.assert_frame_equal(d.data, from_file.data, check_exact=True)
        assert d.filled == from_file.filled


def test_simulate_accepts_a_dataframe(kerschbaum):
    c = kerschbaum
    frame = pd.read_csv(c.drivers.file)
    a = simulate(c, drivers=frame, with_reaches=False)
    b = simulate(c, with_reaches=False)
    assert a.summary["carbon_sink_tc_km2_yr"] == b.summary["carbon_sink_tc_km2_yr"]
    np.testing.assert_array_equal(a.timeseries["spring_mm"].to_numpy(), b.timeseries["spring_mm"].to_numpy())


def test_frame_errors_name_the_column_and_position(kerschbaum):
    c = kerschbaum
    frame = pd.read_csv(c.drivers.file)
    frame.loc[7, "precip_mm"] = -1.0
    with pytest.raises(InputError, match=r"drivers DataFrame, precip_mm\[7\]: negative precipitation"):
        drivers_from_frame(frame, c.drivers, c.latitude)
    with pytest.raises(InputError, match="'date' column or a DatetimeIndex"):
        drivers_from_frame(frame.drop(columns="date"), c.drivers, c.latitude)
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        drivers_from_frame(frame.to_numpy(), c.drivers, c.latitude)
