"""Lake and reservoir reaches (karstmodel.processes.reaches.lake): residence time and stratification against
closed-form solutions, carbon and O2 balances to 1e-10, the deep layer's own balance and the fate shares.

References: the conservative-tracer response of a well-mixed tank, T(t) = T_in + (T_0 - T_in) exp(-t Q / V); of the
surface layer alone when the deep layer does not exchange (tau = A z_epi / Q); mass balance of the deep-layer step;
the burial-efficiency function at its limits.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from karstmodel.processes import reaches as sw
from karstmodel.processes.reaches import lake as lk

BAL_TOL = 1e-10
AREA_M2, DEPTH_M, Q_M3_S = 2.0e4, 8.0, 0.5


def _inflow(days, temp_c, q=Q_M3_S, start="2021-01-01"):
    idx = pd.date_range(start, periods=days, freq="D")
    return pd.DataFrame({"q_m3_s": q, "temp_c": temp_c, "ca": 2.0, "mg": 0.3, "dic": 4.5, "cl": 0.1}, index=idx)


def _lake(**kw):
    base = dict(name="lake", kind="lake", area_m2=AREA_M2, depth_m=DEPTH_M, macrophyte_cover=0.0, chl_a_ug_l=0.0,
                calcite_rate_factor=0.0)
    base.update(kw)
    return sw.ReachParameters(**base)


def _run(inf, reaches, **kw):
    kw.setdefault("latitude_deg", 26.25)
    kw.setdefault("longitude_deg", 105.77)
    kw.setdefault("spinup_days", 0)
    kw.setdefault("dt_minutes", 60.0)
    kw.setdefault("inflow_interpolation", "hold")
    return sw.simulate_reaches(inf, reaches, **kw)


def _assert_balanced(res, tol=BAL_TOL):
    for key in ("carbon", "o2"):
        assert res.balances[key]["relative_residual"] < tol, (key, res.balances[key])
        for name, b in res.balances["by_reach"].items():
            assert b[key]["relative_residual"] < tol, (name, key, b[key])


def _tracer_response(reach, z_m):
    """Inflow temperature steps from 5 to 15 C at the start of day 2; without air temperature or forced water
    temperature, temperature is a conservative tracer: T(t) = 15 - 10 exp(-t Q / (A z))."""
    temps = np.r_[5.0, np.full(9, 15.0)]
    res = _run(_inflow(10, temps), [reach])
    t = res.reach("lake")["temp_c"]
    after = t.index >= pd.Timestamp("2021-01-02")
    elapsed_s = (t.index[after] - pd.Timestamp("2021-01-02")).total_seconds().to_numpy()
    expected = 15.0 - 10.0 * np.exp(-elapsed_s * Q_M3_S / (AREA_M2 * z_m))
    return t[after].to_numpy(), expected, res


def test_well_mixed_lake_has_residence_time_volume_over_discharge():
    """stratification = false: one tank, tau = A D / Q = 3.70 d; the response matches to 1e-9 C."""
    model, expected, res = _tracer_response(_lake(stratification=False), DEPTH_M)
    assert AREA_M2 * DEPTH_M / Q_M3_S / 86400 == pytest.approx(3.7037, abs=1e-4)
    np.testing.assert_allclose(model, expected, atol=1e-9)
    assert "stratified" not in res.reach("lake").columns
    _assert_balanced(res)


def test_stratified_lake_flushes_only_its_surface_layer():
    """Warm inflow over a cold lake with no exchange across the thermocline: the surface layer (4 m) responds with
    tau = A z_epi / Q = 1.85 d, half the well-mixed time, and the lake is reported stratified once the layers
    differ by more than 1 C (after 10 (1 - exp(-t/tau)) > 1, i.e. 4.7 h)."""
    reach = _lake(epilimnion_depth_m=4.0, mixing_exchange_m_d=0.0, hypolimnion_exchange_m_d=0.0)
    model, expected, res = _tracer_response(reach, 4.0)
    np.testing.assert_allclose(model, expected, atol=1e-9)
    strat = res.reach("lake")["stratified"]
    assert strat[strat.index >= pd.Timestamp("2021-01-02 05:00")].min() == 1.0
    assert strat[strat.index < pd.Timestamp("2021-01-02 04:00")].max() == 0.0
    # the deep layer keeps its 5 C water and the inflow's DIC: nothing flows through it
    assert res.reach("lake")["hypolimnion_dic_mmol_l"].iloc[-1] == pytest.approx(4.5, abs=1e-12)
    _assert_balanced(res)


def test_overturn_homogenises_the_layers():
    """Cold inflow onto a warmer lake makes the surface water denser than the deep water: the layers overturn
    every step, so the whole lake responds as one tank (tau = A D / Q) even with no wind mixing."""
    temps = np.r_[15.0, np.full(9, 5.0)]
    reach = _lake(epilimnion_depth_m=4.0, mixing_exchange_m_d=0.0, hypolimnion_exchange_m_d=0.0)
    res = _run(_inflow(10, temps), [reach])
    t = res.reach("lake")["temp_c"]
    after = t.index >= pd.Timestamp("2021-01-05")
    elapsed_d = (t.index[after] - pd.Timestamp("2021-01-02")).total_seconds().to_numpy() / 86400
    whole = 5.0 + 10.0 * np.exp(-elapsed_d * 86400 * Q_M3_S / (AREA_M2 * DEPTH_M))
    # operator splitting (mix, then flow through the surface layer over the step): within 0.1 C of one tank
    np.testing.assert_allclose(t[after].to_numpy(), whole, atol=0.1)
    assert res.reach("lake")["stratified"].max() == 0.0
    _assert_balanced(res)


@pytest.fixture(scope="module")
def seasonal():
    """A productive 8 m lake over one year with a forced seasonal surface temperature (5-23 C), with and
    without stratification."""
    days = pd.date_range("2021-01-01", periods=365, freq="D")
    doy = np.arange(365)
    t_water = pd.Series(14.0 - 9.0 * np.cos(2 * np.pi * (doy - 15) / 365), index=days)
    inf = _inflow(365, 12.0)
    kw = dict(macrophyte_cover=0.3, macrophyte_biomass_g_m2=150.0, chl_a_ug_l=8.0, calcite_rate_factor=1.0,
              littoral_depth_m=1.5)
    on = _run(inf, [_lake(**kw)], water_temp=t_water)
    off = _run(inf, [_lake(stratification=False, **kw)], water_temp=t_water)
    return on, off


def test_seasonal_stratification_on_and_off(seasonal):
    """Stratified from spring to late summer and mixed in winter; the deep layer loses O2 while stratified;
    switched off, the lake never stratifies and has no deep layer (residence time 3.7 d, so the deep layer's O2
    falls by about a quarter only). Carbon and O2 balances close to 1e-10."""
    on, off = seasonal
    d = on.reach("lake", daily=True)
    strat = d["stratified"]
    assert strat["2021-06-01":"2021-07-31"].min() == 1.0
    assert strat["2021-01-01":"2021-01-31"].max() == 0.0
    assert strat["2021-11-15":"2021-12-31"].max() == 0.0
    assert 100 <= (strat > 0.5).sum() <= 250
    do = d["hypolimnion_do_mg_l"]
    assert do["2021-08-29"] < do["2021-03-02"] - 2.0  # consumed under the thermocline (11.1 -> 8.2 mg/L)
    assert do["2021-10-08"] > do["2021-08-29"] + 2.0  # re-aerated after the autumn overturn
    assert "stratified" not in off.reach("lake", daily=True).columns
    for res in (on, off):
        _assert_balanced(res)


def test_lake_fate_books_buried_autochthonous_oc(seasonal):
    """sediment = buried autochthonous OC + calcite (no allochthonous OC); the shares sum to 1; the OC formed
    (NPP) exceeds what is buried plus exported."""
    on, off = seasonal
    for res in (on, off):
        f, det = res.fate, res.fate_detail
        assert sum(f[k] for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")) == \
            pytest.approx(1.0, abs=1e-12)
        assert f["buried_autochthonous_oc"] + f["calcite_deposited"] == pytest.approx(f["sediment"], abs=1e-12)
        assert f["buried_autochthonous_oc"] > 0
        assert det["autochthonous_oc_formed_mol"] > det["autochthonous_oc_buried_mol"] + \
            det["autochthonous_oc_exported_mol"]


def test_hypolimnion_step_conserves_carbon():
    """The deep layer's step: OC in + OC stored before = OC stored after + mineralised + buried, to rounding;
    the O2 consumed is what the layer lost."""
    n_state, n_e = 3, 4
    s = np.zeros(lk.state_width(n_state, n_e))
    h = n_state
    area, z = 1e4, 5.0
    s[h + lk.H_T], s[h + lk.H_O2], s[h + lk.H_OC], s[h + lk.H_V] = 8.0, 0.2, 0.05, area * z
    s[h + lk.H_C0 + 1] = 4.0
    before_c = area * z * (s[h + lk.H_OC] + s[h + lk.H_C0 + 1])
    before_o2 = area * z * s[h + lk.H_O2]
    out = np.zeros(4)
    settle_in = 30.0
    lk.hypolimnion_step(s, n_state, area, z, settle_in, 0.1, 2.0, 0.5, 0.2, 0.4, 0.03, 1.0, 3600.0, out)
    after_c = area * z * (s[h + lk.H_OC] + s[h + lk.H_C0 + 1])
    assert before_c + settle_in == pytest.approx(after_c + out[2], rel=1e-14)
    assert before_o2 - area * z * s[h + lk.H_O2] == pytest.approx(out[3], rel=1e-12)
    assert out[0] > 0 and out[1] > 0 and out[2] > 0


@pytest.mark.parametrize("o2, expected", [(0.0, 0.4), (1e9, 0.2), (0.03, 0.3)])
def test_burial_efficiency_limits(o2, expected):
    """Anoxic: the anoxic value; fully oxic: the oxic value; at O2 = K: their mean."""
    assert lk.burial_efficiency(o2, 0.2, 0.4, 0.03) == pytest.approx(expected, rel=1e-9)


def test_mixing_regime_uses_density():
    """Warm over cold is stratified; cold over warm overturns; within 1 C mixed; 2 C over 4 C (inverse winter
    stratification, the surface lighter) is stratified."""
    assert lk.mixing_regime(20.0, 8.0, 1.0) == lk.STRATIFIED
    assert lk.mixing_regime(8.0, 20.0, 1.0) == lk.OVERTURN
    assert lk.mixing_regime(8.5, 8.0, 1.0) == lk.MIXED
    assert lk.mixing_regime(2.0, 4.0, 1.0) == lk.STRATIFIED


def test_reservoir_is_a_lake_and_bad_geometry_is_refused():
    r = sw.ReachParameters(name="r", kind="reservoir", area_m2=1e5, depth_m=12.0)
    assert r.is_lake and r.hypolimnion_depth_m == pytest.approx(8.0)
    assert sw.ReachParameters(name="p", kind="lake", area_m2=1e4, depth_m=3.0).hypolimnion_depth_m == 0.0
    with pytest.raises(ValueError, match="lake 'x': area_m2 and depth_m must be > 0"):
        sw.ReachParameters(name="x", kind="lake", area_m2=1e4)
    with pytest.raises(ValueError, match="kind must be one of"):
        sw.ReachParameters(name="x", kind="sea")
    assert math.isfinite(r.surface_layer_depth_m)
