"""The chain up to a given day (:func:`karstmodel.model.chem_pass.chain_columns`, the lean path of chemistry
calibration) gives the whole run's daily columns (``simulate(...).timeseries``) on those days to 1e-10 relative:
the same initial state and spin-up, then a causal chain."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from karst_helpers import synthetic_drivers
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.io.drivers import Drivers
from karstmodel.model.chem_pass import chain_columns
from karstmodel.model.simulate import simulate

COLUMNS = ("spring_mm", "outlet_runoff_mm", "dic_mmol_l", "ca_mmol_l", "ph", "outlet_dic_mmol_l", "outlet_ca_mmol_l")


@pytest.mark.slow  # two full-chain runs of 3 years (~6 s with a warm numba cache)
def test_first_days_of_the_chain_are_the_whole_runs():
    c = load_catchment(resolve_catchment("coln_bibury"))
    raw = synthetic_drivers(days=3 * 365, seed=4, t_mean=10.0, t_amp=7.0)
    data = raw.set_index(pd.DatetimeIndex(raw.pop("date")))
    data["pet_mm"] = np.maximum(0.0, 0.3 + 0.1 * data["temp_c"])
    ts = simulate(c, drivers=Drivers(data=data, filled={}, source="test"), observations=None,
                  with_reaches=False).timeseries
    for days in (400, 800):
        got = chain_columns(c, data, COLUMNS, days)
        for k in COLUMNS:
            ref = ts[k].to_numpy()[:days]
            assert got[k].shape == (days,) and np.isfinite(ref).sum() > days // 2, k
            np.testing.assert_allclose(got[k], ref, rtol=1e-10, atol=1e-300, err_msg=k)
