"""The soil organic-matter amendment pool (karstmodel.processes.organic_amendment, soil_co2, changes): first-order
decay of a pulse against the analytic exp(-k t) at constant soil temperature and moisture, the pool's carbon
balance, its decomposition added to the soil CO2 production, and the dates an amendment is spread on."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from karstmodel.config.catchment import Hydrotope
from karstmodel.processes.changes import OrganicAmendment
from karstmodel.processes.landuse import default_parameters
from karstmodel.processes.organic_amendment import decompose
from karstmodel.processes.soil_co2 import simulate_soil_co2


def test_pulse_decays_as_exp_minus_kt():
    k = 0.013  # d-1
    inputs = np.zeros(400)
    inputs[0] = 250.0
    got = decompose(inputs, np.full(400, k))
    t = np.arange(400) + 1.0  # end of day t (the pulse is spread at the start of day 0)
    assert np.max(np.abs(got["pool_g_m2"] / (250.0 * np.exp(-k * t)) - 1.0)) < 1e-10
    assert got["decomposed_g_m2_d"][0] == pytest.approx(250.0 * (1.0 - np.exp(-k)), rel=1e-12)


def test_pool_balance_closes_with_varying_inputs_and_rates():
    rng = np.random.default_rng(3)
    inputs = np.where(rng.random((900, 3)) < 0.02, rng.uniform(10, 500, (900, 3)), 0.0)
    rate = rng.uniform(0.0, 0.2, (900, 3))
    got = decompose(inputs, rate)
    resid = inputs.sum(axis=0) - got["decomposed_g_m2_d"].sum(axis=0) - got["pool_g_m2"][-1]
    assert np.all(np.abs(resid) <= 1e-10 * inputs.sum(axis=0))
    assert np.all(got["pool_g_m2"] >= 0) and np.all(got["decomposed_g_m2_d"] >= 0)


def _soil(amendments=(), temp=18.0, storage=0.5, days=200):
    p = default_parameters("all")["cropland"]
    h = Hydrotope("c", "cropland", 1.0, p)
    out = simulate_soil_co2(np.full(days, temp), np.full((days, 1), storage), [h], 500.0, 420.0, 0.0,
                            amendments=amendments)
    return p, out


def test_decay_in_the_soil_follows_q10_and_moisture_analytically():
    """At constant soil temperature T and relative storage w the rate is k10 Q10^((T-10)/10) f(WFPS), f rising
    linearly to 1 at WFPS 0.6 (Linn & Doran 1984): computed here by hand from the cropland parameters."""
    k10_yr, temp, w = 2.0, 18.0, 0.5
    inputs = np.zeros(200)
    inputs[0] = 300.0
    p, out = _soil([(0, inputs, k10_yr / 365.25)], temp, w)
    wfps = (p.wilting_point_m3_m3 + w * (p.field_capacity_m3_m3 - p.wilting_point_m3_m3)) / p.porosity
    assert wfps < 0.6
    k = k10_yr / 365.25 * p.q10 ** ((temp - 10.0) / 10.0) * wfps / 0.6
    t = np.arange(200) + 1.0
    pool = out["amendment_pool_gc_m2"][:, 0]
    assert np.max(np.abs(pool / (300.0 * np.exp(-k * t)) - 1.0)) < 1e-10
    # the decomposed carbon is added to the soil CO2 production, nothing else changes it
    _, base = _soil()
    assert np.allclose(out["production_gc_m2_d"] - base["production_gc_m2_d"], out["amendment_decomposition_gc_m2_d"],
                       rtol=0, atol=1e-12)
    assert np.all(out["pco2_atm"][1:, 0] > base["pco2_atm"][1:, 0])


def test_without_amendments_the_soil_is_unchanged():
    _, a = _soil()
    _, b = _soil([(0, np.zeros(200), 0.01)])
    assert np.array_equal(a["pco2_atm"], b["pco2_atm"])
    assert np.array_equal(a["production_gc_m2_d"], b["production_gc_m2_d"])
    assert not np.any(a["amendment_pool_gc_m2"])


def test_amendment_dates():
    idx = pd.date_range("2001-01-01", "2004-12-31", freq="D")
    a = OrganicAmendment("c", 100.0, ("2001-03-01", "2003-07-15"))
    on = idx[a.inputs(idx) > 0]
    assert list(on.strftime("%Y-%m-%d")) == ["2001-03-01", "2003-07-15"]
    b = OrganicAmendment("c", 50.0, every_year="04-10", start="2002-01-01", end="2003-12-31")
    assert list(idx[b.inputs(idx) > 0].strftime("%Y-%m-%d")) == ["2002-04-10", "2003-04-10"]
    assert b.inputs(idx).sum() == 100.0
    assert OrganicAmendment("c", 1.0).decay_rate_10c_per_yr == 2.0
