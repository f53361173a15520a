"""Property tests of the catchment chain (hypothesis): for random valid forcing and catchments, water and carbon
balances close, every output is finite, and the catchment area scales the whole-catchment fluxes (m3/s, t/yr)
and nothing else (depths, concentrations, per-km2 sinks).

Records are short (400-800 days) and the examples few, so the module runs in a few seconds after the first
(compiling) run.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karst_helpers import base_doc, storage_columns, synthetic_drivers
from karstmodel.config.catchment import catchment_from_dict
from karstmodel.io.drivers import Drivers, pet_oudin
from karstmodel.model.simulate import simulate

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw):
    """A random valid forcing record and catchment: record length, climate, rain regime, lithology, land use."""
    days = draw(st.integers(400, 800))
    forcing = dict(seed=draw(st.integers(0, 10_000)), t_mean=draw(st.floats(-2.0, 22.0)),
                   t_amp=draw(st.floats(0.5, 14.0)), wet_share=draw(st.floats(0.05, 0.9)),
                   wet_mean_mm=draw(st.floats(0.5, 25.0)))
    # dolomite shares below ~1e-10 leave so little Mg that log10 IAP(dolomite) underflows and SI dolomite is NaN
    # (no physical meaning at such shares): 0 or at least 1e-6
    dolomite = draw(st.one_of(st.just(0.0), st.floats(1e-6, 1.0)))
    non_carb = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5]))
    forest = draw(st.floats(0.0, 1.0))
    return days, forcing, dolomite, non_carb, forest


def _catchment(dolomite: float, non_carb: float, forest: float, area_km2: float = 10.0):
    carb = 1.0 - non_carb
    land = {"forest": forest, "grassland": 1.0 - forest} if 0.0 < forest < 1.0 else \
        {"forest" if forest >= 1.0 else "grassland": 1.0}
    doc = base_doc(area_km2=area_km2, land_use=land, simulation={"warmup_days": 120},
                   lithology={"limestone": carb * (1.0 - dolomite), "dolomite": carb * dolomite,
                              "non_carbonate": non_carb})
    return catchment_from_dict(doc, Path("property.toml"))


def _drivers(days: int, forcing: dict, latitude: float) -> Drivers:
    df = synthetic_drivers(days=days, **forcing)
    data = df.set_index(pd.DatetimeIndex(pd.to_datetime(df["date"]), name="date"))[["precip_mm", "temp_c"]]
    data["pet_mm"] = pet_oudin(data["temp_c"].to_numpy(), latitude, data.index.day_of_year.to_numpy())
    return Drivers(data=data, filled={}, source="hypothesis")


@SETTINGS
@given(cases())
def test_balances_close_and_outputs_finite(case):
    days, forcing, dolomite, non_carb, forest = case
    c = _catchment(dolomite, non_carb, forest)
    r = simulate(c, drivers=_drivers(days, forcing, c.latitude))
    s = r.summary
    assert abs(s["water_balance_error"]) < 1e-9 and abs(s["carbon_balance_error"]) < 1e-9, (
        s["water_balance_error"], s["carbon_balance_error"])
    ts = r.timeseries
    # the water balance once more from the table itself (days 2..N; storages at the end of each day)
    stor = ts[list(storage_columns())].sum(axis=1).to_numpy()
    f = ts.iloc[1:]
    resid = (f["precip_mm"].sum() - f["interception_evap_mm"].sum() - f["aet_mm"].sum() - f["spring_mm"].sum()
             - f["surface_runoff_mm"].sum() - f["other_outlets_mm"].sum() - (stor[-1] - stor[0]))
    assert abs(resid) <= 1e-9 * max(f["precip_mm"].sum(), 1.0), resid
    num = ts.select_dtypes("number")
    if c.lithology.dolomite == 0.0:  # no Mg anywhere: SI dolomite is undefined (log of 0), by design NaN
        num = num.drop(columns=["si_dolomite"])
    bad = [col for col in num.columns if not np.isfinite(num[col].to_numpy()).all()]
    assert not bad, bad
    for key in ("carbon_sink_tc_km2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted", "carbon_sink_t_co2_yr"):
        assert np.isfinite(s[key]), key
    assert s["carbon_sink_tc_km2_yr"] > 0.0 and s["runoff_mm_yr"] > 0.0


@SETTINGS
@given(cases(), st.floats(0.01, 100.0))
def test_area_scales_catchment_fluxes_not_concentrations(case, factor):
    days, forcing, dolomite, non_carb, forest = case
    a = _catchment(dolomite, non_carb, forest, area_km2=10.0)
    b = _catchment(dolomite, non_carb, forest, area_km2=10.0 * factor)
    drv = _drivers(days, forcing, a.latitude)
    ra, rb = simulate(a, drivers=drv), simulate(b, drivers=drv)
    ta, tb = ra.timeseries, rb.timeseries
    scaled = [col for col in ta.columns if col.endswith("_m3_s")]
    assert {"spring_q_m3_s", "outlet_q_m3_s"} <= set(scaled)
    for col in scaled:
        np.testing.assert_allclose(tb[col].to_numpy(), factor * ta[col].to_numpy(), rtol=1e-10, atol=0.0,
                                   err_msg=col)
    rest = ta.select_dtypes("number").drop(columns=scaled)
    pd.testing.assert_frame_equal(rb.timeseries[rest.columns], rest, rtol=1e-10, atol=0.0)
    sa, sb = ra.summary, rb.summary
    assert sb["carbon_sink_t_co2_yr"] == pytest.approx(factor * sa["carbon_sink_t_co2_yr"], rel=1e-10)
    for key in ("carbon_sink_tc_km2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted", "spring_ph_median",
                "precip_mm_yr", "aet_mm_yr"):
        assert sb[key] == pytest.approx(sa[key], rel=1e-10, abs=1e-14), key
