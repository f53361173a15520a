"""karstmodel.processes.reaches (and its compiled carbonate speciation and gas exchange): analytic cases, conservation,
behaviour of the biological carbon pump, fate accounting.

References used here: chemistry.speciate_totals (the chemistry core) for the compiled speciation and for an
independent integration of degassing; chemistry.kinetics.pwp_rate for the compiled PWP rate; closed-form
solutions (exponential degassing of CO2-dominated water); USGS DOTABLES values for O2 solubility.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

import chemistry
from chemistry import thermo
from chemistry.kinetics import pwp_rate
from chemistry import carbonate as cb
from karstmodel.processes import reaches as sw
from karstmodel.processes.reaches import gas_exchange as gx
from karstmodel.processes.reaches.calcite import pwp_rate_mmol_cm2_s
from karstmodel.processes.reaches.carbon_pump import carbon_limitation

BAL_TOL = 1e-9


# ---------------------------------------------------------------------------------------------------------------
# helpers
def inflow(days=3, start="2021-06-20", q=0.0, temp=20.0, dic=4.8, ca=2.0, mg=0.3, na=0.1, k=0.03, cl=0.1,
           so4=0.15, no3=0.1, **extra):
    idx = pd.date_range(start, periods=days, freq="D")
    d = dict(q_m3_s=q, temp_c=temp, ca=ca, mg=mg, na=na, k=k, cl=cl, so4=so4, no3=no3, dic=dic)
    d.update(extra)
    return pd.DataFrame(d, index=idx)


def closed_pond(**kw):
    """A pond without inflow, biology, calcite or (unless set) gas exchange."""
    base = dict(name="pond", kind="pond", area_m2=1000.0, depth_m=1.0, macrophyte_cover=0.0, chl_a_ug_l=0.0,
                calcite_rate_factor=0.0, chemical_enhancement=False, k600_m_d=1e-12)
    base.update(kw)
    return sw.ReachParameters(**base)


def assert_balanced(res):
    for key in ("carbon", "o2"):
        assert res.balances[key]["relative_residual"] < BAL_TOL, (key, res.balances[key])
        for name, b in res.balances["by_reach"].items():
            assert b[key]["relative_residual"] < BAL_TOL, (name, key, b[key])
    shares = [res.fate[k] for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")]
    assert sum(shares) == pytest.approx(1.0, abs=1e-12)
    assert res.fate["stability"] == pytest.approx(1.0 - res.fate["degassed"], abs=1e-15)


def run(inf, reaches, **kw):
    kw.setdefault("latitude_deg", 26.25)
    kw.setdefault("longitude_deg", 105.77)
    kw.setdefault("spinup_days", 0)
    res = sw.simulate_reaches(inf, reaches, **kw)
    assert_balanced(res)
    return res


# ---------------------------------------------------------------------------------------------------------------
# compiled speciation against the chemistry core
def _random_waters(n, seed):
    rng = np.random.default_rng(seed)
    w = {"ca": rng.uniform(0.2, 3.5, n), "mg": rng.uniform(0.02, 1.5, n), "na": rng.uniform(0.02, 1.0, n),
         "k": rng.uniform(0.005, 0.1, n), "cl": rng.uniform(0.02, 1.0, n), "so4": rng.uniform(0.02, 0.8, n),
         "no3": rng.uniform(0.0, 0.5, n)}
    alk = 2 * w["ca"] + 2 * w["mg"] + w["na"] + w["k"] - w["cl"] - 2 * w["so4"] - w["no3"]
    keep = alk > 0.2
    w = {k: v[keep] for k, v in w.items()}
    # DIC from slightly below alkalinity (pH ~ 9) to well above it (pH ~ 6.3)
    w["dic"] = alk[keep] * rng.uniform(0.93, 2.5, keep.sum())
    t = rng.uniform(0.5, 35.0, keep.sum())
    return t, w


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_speciation_matches_chemistry_core(seed):
    t, w = _random_waters(400, seed)
    fast = cb.speciate_carbonate(t, w)
    ref = chemistry.speciate_totals(t, {k: v / 1000.0 for k, v in w.items()})
    assert fast["converged"].all() and ref["converged"].all()
    # issue tolerances: pH within 0.005, CO2/HCO3/CO3 within 0.5 %; the solver agrees to ~1e-9
    assert np.max(np.abs(fast["ph"] - ref["ph"])) < 1e-6
    for sp in ("co2aq", "hco3", "co3", "dic"):
        rel = np.abs(fast[f"{sp}_mmol_l"].to_numpy() / ref[f"{sp}_mmol_kgw"].to_numpy() - 1.0)
        assert rel.max() < 1e-6, sp
    assert np.max(np.abs(fast["si_calcite"] - ref["si_calcite"])) < 1e-6
    assert np.max(np.abs(fast["log_pco2"] - ref["log_pco2"])) < 1e-6
    np.testing.assert_allclose(fast["alk_meq_l"], ref["alk_meq_kgw"], rtol=1e-6)
    np.testing.assert_allclose(fast["ionic_strength"], ref["ionic_strength"], rtol=1e-6)


def test_compiled_speciation_two_element_water_and_warm_start():
    """Only Ca and DIC (the smallest model), a temperature series (warm starts from the previous sample)."""
    t = np.linspace(0.0, 40.0, 200)
    fast = cb.speciate_carbonate(t, {"ca": 1.5, "dic": np.linspace(2.8, 4.0, 200)})
    ref = chemistry.speciate_totals(t, {"ca": 1.5e-3, "dic": np.linspace(2.8, 4.0, 200) / 1000})
    assert np.max(np.abs(fast["ph"] - ref["ph"])) < 1e-6
    assert fast["iterations"].iloc[1:].max() <= 6  # warm starts converge in a few Newton steps


def test_buffer_factor_matches_finite_difference_of_core():
    t, w = _random_waters(30, 7)
    fast = cb.speciate_carbonate(t, w)
    h = 1e-4
    up = chemistry.speciate_totals(t, {k: (v + (h if k == "dic" else 0.0)) / 1000.0 for k, v in w.items()})
    dn = chemistry.speciate_totals(t, {k: (v - (h if k == "dic" else 0.0)) / 1000.0 for k, v in w.items()})
    fd = (up["co2aq_mmol_kgw"] - dn["co2aq_mmol_kgw"]).to_numpy() / (2 * h)
    np.testing.assert_allclose(fast["dco2_ddic"], fd, rtol=2e-4)


def test_buffer_factor_matches_fourth_order_finite_difference_of_compiled_core():
    """dCO2/dDIC of the kernel (implicit-function theorem, including the activity-coefficient term
    -dlog g(CO2)/dI dI/dDIC) against a fourth-order central difference of the kernel's own CO2 (step 1e-3 mmol/L:
    truncation ~1e-12, solver noise ~1e-7). What remains (max ~2.4e-6 relative) is the water activity, held fixed
    in the derivative as in the lagged Newton iteration; without the activity term the error is ~2.4e-5."""
    t, w = _random_waters(30, 7)
    fast = cb.speciate_carbonate(t, w)
    h = 1e-3

    def co2(step):
        return cb.speciate_carbonate(t, {k: v + (step if k == "dic" else 0.0) for k, v in w.items()})[
            "co2aq_mmol_l"].to_numpy()

    fd = (8.0 * (co2(h) - co2(-h)) - (co2(2 * h) - co2(-2 * h))) / (12.0 * h)
    np.testing.assert_allclose(fast["dco2_ddic"], fd, rtol=6e-6)


def test_debye_huckel_table_matches_thermo():
    system = cb.carbonate_system(("dic", "ca"))
    t = np.random.default_rng(3).uniform(0.0, 60.0, 300)
    a_ref, b_ref = thermo.debye_huckel_a_b(t)
    got = np.array([cb._dh_ab(x, system.dh_a, system.dh_b) for x in t])
    np.testing.assert_allclose(got[:, 0], a_ref, rtol=1e-7)
    np.testing.assert_allclose(got[:, 1], b_ref, rtol=1e-7)


def test_compiled_pwp_equals_chemistry_kinetics():
    rng = np.random.default_rng(5)
    for _ in range(200):
        t = rng.uniform(0.0, 40.0)
        a_h, a_co2, si, aw = 10 ** rng.uniform(-9.5, -6), 10 ** rng.uniform(-5.5, -2), rng.uniform(-2, 1.5), 0.9995
        assert pwp_rate_mmol_cm2_s(t, a_h, a_co2, si, aw) == pytest.approx(float(pwp_rate(t, a_h, a_co2, si, aw)),
                                                                             rel=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# gas exchange
def test_o2_solubility_against_usgs_dotables():
    # USGS DOTABLES (Benson & Krause 1984), fresh water, 760 mm Hg: mg/L
    for t, ref in ((0.0, 14.62), (10.0, 11.29), (20.0, 9.09), (30.0, 7.56)):
        assert gx.o2_saturation_mg_l(t, 1.0) == pytest.approx(ref, abs=0.01)
    # 523 mm Hg (French Creek) at 10 C: DOTABLES 7.73 mg/L
    assert gx.o2_saturation_mg_l(10.0, 523.0 / 760.0) == pytest.approx(7.73, abs=0.02)


def test_gas_transfer_relations():
    assert gx.k600_raymond_stream_m_d(0.005, 0.3) == pytest.approx(1162 * 0.005**0.77 * 0.3**0.85)
    assert 5.0 < gx.k600_raymond_stream_m_d(0.005, 0.3) < 10.0  # m/d, V in m/s
    assert gx.k600_cole_caraco_m_d(0.0) == pytest.approx(2.07 * 0.24)
    assert gx.schmidt_co2(20.0) == pytest.approx(1742 - 91.24 * 20 + 2.208 * 400 - 0.0219 * 8000)
    assert gx.schmidt_o2(20.0) == pytest.approx(530.46, abs=0.01)
    assert gx.k_gas_from_k600(2.0, 600.0) == pytest.approx(2.0)
    assert gx.k_gas_from_k600(2.0, 2400.0) == pytest.approx(1.0)


def test_chemical_enhancement_limits():
    k1, k2 = 10**-6.38, 10**-10.33
    low = gx.chemical_enhancement(20.0, 10**-4.0, k1, k2, 2.0 / 86400)
    high = gx.chemical_enhancement(20.0, 10**-9.0, k1, k2, 0.5 / 86400)
    fast = gx.chemical_enhancement(20.0, 10**-9.0, k1, k2, 20.0 / 86400)
    assert low == pytest.approx(1.0, abs=5e-3)  # CO2 dominates DIC: hydration cannot add a flux
    assert high > 1.3  # calcite-saturated, high-pH pond at low wind (Wanninkhof & Knox 1996: up to several-fold)
    assert 1.0 < fast < high  # a thin boundary layer leaves less time for hydration


# ---------------------------------------------------------------------------------------------------------------
# analytic cases
def test_degassing_of_co2_dominated_water_follows_exponential():
    """Acid water (pH ~4, DIC = CO2 to 0.5 %): CO2 - CO2_eq decays as exp(-k_CO2 t / z) in a closed pond without
    biology (the buffer factor dCO2/dDIC is 1 to within 0.5 %)."""
    z, k600, temp = 1.0, 2.0, 20.0
    inf = inflow(days=3, q=0.0, temp=temp, dic=1.0, ca=1e-3, mg=0.0, na=0.0, k=0.0, cl=0.1, so4=0.0, no3=0.0)
    res = run(inf, [closed_pond(depth_m=z, k600_m_d=k600)], water_temp=temp, dt_minutes=5)
    p = res.reach("pond")
    k_co2 = gx.k_gas_from_k600(k600, gx.schmidt_co2(temp))
    co2 = p["co2aq_mmol_l"].to_numpy()
    assert p["ph"].iloc[0] < 4.2 and co2[0] > 0.995 * p["dic_mmol_l"].iloc[0]
    # equilibrium CO2 at 420 uatm from the water's own Henry's constant: CO2 / pCO2 x pCO2_air
    co2_eq = (p["co2aq_mmol_l"] / p["pco2_uatm"]).to_numpy() * 420.0
    t_d = (p.index - p.index[0]) / pd.Timedelta(days=1)
    first = t_d <= 1.0
    excess = (co2 - co2_eq)[first] / (co2 - co2_eq)[0]
    np.testing.assert_allclose(excess, np.exp(-k_co2 * t_d[first] / z), rtol=0.01, atol=1e-4)
    # e-folding time from a log-linear fit of the first day
    slope = np.polyfit(t_d[first], np.log(excess), 1)[0]
    assert -1.0 / slope == pytest.approx(z / k_co2, rel=0.01)


def test_degassing_of_buffered_karst_water_matches_core_integration():
    """Calcite-buffered karst water (CO2 << DIC): the exact-linearised stepping against an independent ODE
    integration with the chemistry core, dDIC/dt = -(k/z)(CO2(DIC) - CO2_eq), CO2(DIC) from speciate_totals."""
    z, k600, temp = 0.5, 1.5, 15.0
    water = dict(ca=2.0, mg=0.3, na=0.1, k=0.03, cl=0.1, so4=0.15, no3=0.1)
    inf = inflow(days=2, q=0.0, temp=temp, dic=4.9, **water)
    res = run(inf, [closed_pond(depth_m=z, k600_m_d=k600)], water_temp=temp, dt_minutes=15)
    p = res.reach("pond")
    k_d = gx.k_gas_from_k600(k600, gx.schmidt_co2(temp))  # m/d

    def co2_and_eq(dic):
        s = chemistry.speciate_totals(temp, {**{k: v / 1000 for k, v in water.items()}, "dic": dic / 1000})
        co2 = float(s["co2aq_mmol_kgw"].iloc[0])
        return co2, co2 / float(s["pco2_atm"].iloc[0]) * 420e-6

    def rhs(_t, y):
        co2, eq = co2_and_eq(y[0])
        return [-(k_d / z) * (co2 - eq)]

    t_eval = ((p.index - p.index[0]) / pd.Timedelta(days=1)).to_numpy()[::8]
    ref = solve_ivp(rhs, (0.0, t_eval[-1]), [4.9], t_eval=t_eval, rtol=1e-9, atol=1e-12, method="LSODA")
    sim = p["dic_mmol_l"].to_numpy()[::8]
    change = 4.9 - ref.y[0][-1]
    assert change > 0.05  # a real test: DIC falls by more than 1 %
    np.testing.assert_allclose(sim, ref.y[0], atol=2e-3 * change)


def test_pco2_reaches_air_value_and_ph_rises():
    inf = inflow(days=12, q=0.0, temp=18.0, dic=4.9)
    res = run(inf, [closed_pond(depth_m=0.5, k600_m_d=3.0, chemical_enhancement=True)], water_temp=18.0,
              dt_minutes=30)
    p = res.reach("pond")
    assert p["pco2_uatm"].iloc[0] > 3000.0
    assert p["pco2_uatm"].iloc[-1] == pytest.approx(420.0, rel=0.01)
    assert p["ph"].iloc[-1] > p["ph"].iloc[0] + 0.7
    assert res.fate["degassed"] > 0.0


def test_closed_pond_gpp_equal_er_no_net_change():
    """All GPP respired at once (autotrophic fraction 1): GPP = ER at every step, so DIC does not change over a day
    although photosynthesis runs; O2 production equals consumption (PQ = RQ = 1)."""
    pond = closed_pond(chl_a_ug_l=30.0, autotrophic_resp_fraction=1.0, photosynthetic_quotient=1.0,
                       respiratory_quotient=1.0, respiration_k_o2_mmol_l=0.0)
    res = run(inflow(days=1, q=0.0, temp=20.0), [pond], water_temp=20.0)
    p = res.reach("pond")
    d = res.reach("pond", daily=True)
    assert d["gpp_g_c_m2_d"].iloc[0] > 0.5
    assert d["er_g_c_m2_d"].iloc[0] == pytest.approx(d["gpp_g_c_m2_d"].iloc[0], rel=1e-12)
    assert np.ptp(p["dic_mmol_l"]) < 1e-12 * 4.8
    o2 = p["do_mg_l"].to_numpy()
    assert abs(o2[-1] - o2[0]) < 1e-3 * o2[0]


def test_closed_pond_periodic_state_gpp_equals_er_over_a_day():
    """Phytoplankton NPP feeds a water-column organic pool respired at 2 d-1; after spin-up the closed pond is
    periodic: over a day GPP = ER and DIC returns to its morning value, with a clear diel cycle in between."""
    pond = closed_pond(chl_a_ug_l=40.0, oc_mineralisation_20_per_d=2.0, oc_settling_m_d=0.0)
    res = run(inflow(days=2, q=0.0, temp=20.0, start="2021-06-21"), [pond], water_temp=20.0, spinup_days=2)
    d = res.reach("pond", daily=True)
    assert d["gpp_g_c_m2_d"].iloc[-1] > 0.3
    assert d["er_g_c_m2_d"].iloc[-1] == pytest.approx(d["gpp_g_c_m2_d"].iloc[-1], rel=0.02)
    day = res.reach("pond").loc["2021-06-22"]["dic_mmol_l"]
    amplitude = np.ptp(day)
    assert amplitude > 0.01  # mmol/L: photosynthesis draws DIC down by day, respiration restores it at night
    assert abs(day.iloc[-1] - day.iloc[0]) < 0.05 * amplitude


# ---------------------------------------------------------------------------------------------------------------
# behaviour
def test_carbon_limitation_increases_with_dic():
    f = [carbon_limitation(c, h, 0.5, 0.1, 1.5) for c, h in ((0.01, 1.0), (0.02, 2.0), (0.05, 4.0))]
    assert f[0] < f[1] < f[2] < 1.0
    assert carbon_limitation(0.05, 4.0, 0.0, 0.1, 1.5) == pytest.approx(0.05 / 0.15)


def test_higher_dic_raises_gpp_at_same_light():
    """Two karst waters at the same pH (DIC = 1.05 x alkalinity), DIC 1.9 vs 5.3 mmol/L, in the same pond under the
    same light: the macrophytes (half of them HCO3- users) fix more carbon in the DIC-rich water."""
    pond = sw.ReachParameters(name="pond", kind="pond", area_m2=2000.0, depth_m=1.0, macrophyte_cover=0.6,
                              chl_a_ug_l=0.0, calcite_rate_factor=0.0)
    ions = dict(mg=0.1, na=0.1, k=0.03, cl=0.1, so4=0.15, no3=0.1)
    alk = lambda ca: 2 * ca + 0.2 + 0.1 + 0.03 - 0.1 - 0.3 - 0.1  # noqa: E731
    low = run(inflow(days=3, q=0.01, ca=1.0, dic=1.05 * alk(1.0), **ions), [pond], water_temp=20.0)
    high = run(inflow(days=3, q=0.01, ca=2.6, dic=1.05 * alk(2.6), **ions), [pond], water_temp=20.0)
    g_low = low.reach("pond", daily=True)["gpp_g_c_m2_d"].mean()
    g_high = high.reach("pond", daily=True)["gpp_g_c_m2_d"].mean()
    assert g_high > 1.15 * g_low
    assert abs(low.reach("pond", daily=True)["ph"].mean() - high.reach("pond", daily=True)["ph"].mean()) < 0.3


def test_diel_phase_dic_minimum_afternoon_o2_maximum_after_noon():
    pond = sw.ReachParameters(name="pond", kind="pond", area_m2=5000.0, depth_m=1.2, macrophyte_cover=0.8,
                              chl_a_ug_l=10.0)
    res = run(inflow(days=4, q=0.02, temp=18.0), [pond], air_temp_c=22.0, spinup_days=3)
    p = res.reach("pond")
    # local standard time at 105.77 E (UTC+7 nominal): apparent solar noon within a few minutes of 12:00 + 37 min
    noon_h = 12.0 - 4.0 * (105.77 - 105.0) / 60.0 - (-1.6) / 60.0
    for day in ("2021-06-21", "2021-06-22", "2021-06-23"):
        q = p.loc[day]
        h = q.index.hour + q.index.minute / 60.0
        t_dic_min = h[np.argmin(q["dic_mmol_l"].to_numpy())]
        t_o2_max = h[np.argmax(q["do_mg_l"].to_numpy())]
        t_dic_max = h[np.argmax(q["dic_mmol_l"].to_numpy())]
        assert noon_h < t_dic_min < noon_h + 7.0
        assert noon_h - 0.5 < t_o2_max < noon_h + 6.0
        assert t_dic_max < 9.0 or t_dic_max > 22.0  # DIC highest around dawn
        assert q["ph"].max() - q["ph"].min() > 0.02
        assert q["si_calcite"].to_numpy()[np.argmin(q["dic_mmol_l"].to_numpy())] > q["si_calcite"].min()


def test_macrophyte_cultivation_raises_aquatic_organic_share():
    base = sw.ReachParameters(name="stream", length_m=3000.0, width_m=6.0, depth_m=0.5, slope=0.002,
                              macrophyte_cover=0.1, chl_a_ug_l=1.0)
    inf = inflow(days=10, q=0.15, temp=16.0)
    r0 = run(inf, [base], spinup_days=10)
    r1 = run(inf, [base.with_cultivation(cover=0.8, biomass_g_m2=250.0)], spinup_days=10)
    assert r1.fate["aquatic_organic_carbon"] > 2.0 * r0.fate["aquatic_organic_carbon"]
    assert r1.fate_detail["bcp_fixed"] > r0.fate_detail["bcp_fixed"]
    assert r1.fate["sediment"] > r0.fate["sediment"]
    g0 = r0.reach("stream", daily=True)["gpp_g_o2_m2_d"].mean()
    g1 = r1.reach("stream", daily=True)["gpp_g_o2_m2_d"].mean()
    assert g1 > 2.0 * g0


def test_productive_pond_takes_up_atmospheric_co2_negative_degassed_share():
    """Inflow at air equilibrium and a very productive pond: pCO2 falls below the air value, the pond takes up CO2
    (degassed < 0) and stability exceeds 1, while the shares still sum to 1."""
    pond = sw.ReachParameters(name="pond", kind="pond", area_m2=20000.0, depth_m=0.8, macrophyte_cover=0.9,
                              macrophyte_biomass_g_m2=300.0, chl_a_ug_l=40.0, calcite_rate_factor=0.0,
                              wind_m_s=4.0)
    eq = chemistry.equilibrate(20.0, 420e-6, mineral="calcite", system="open")
    inf = inflow(days=5, q=0.005, temp=20.0, ca=float(eq["ca_mmol_kgw"].iloc[0]), mg=0.0, na=0.0, k=0.0, cl=0.0,
                 so4=0.0, no3=0.0, dic=float(eq["dic_mmol_kgw"].iloc[0]))
    res = run(inf, [pond], water_temp=20.0, spinup_days=5)
    assert res.reach("pond")["pco2_uatm"].min() < 300.0
    assert res.fate["degassed"] < 0.0
    assert res.fate["stability"] > 1.0


def test_chain_of_reaches_conserves_and_passes_water_downstream():
    """Stream with hydraulic geometry (varying discharge, 3 segments), calcite with a threshold, no carbonate bed,
    allochthonous litter, wind series, air-temperature model, then a pond: every balance closes."""
    days = 6
    idx = pd.date_range("2021-04-01", periods=days, freq="D")
    inf = inflow(days=days, start="2021-04-01", q=0.0, temp=15.0)
    inf["q_m3_s"] = np.linspace(0.2, 1.5, days)
    inf["do_mg_l"] = 8.0
    stream = sw.ReachParameters(name="stream", length_m=2500.0, n_segments=3, slope=0.01, calcite_si_crit=0.3,
                                bed_carbonate=False, allochthonous_oc_g_c_m2_d=1.5)
    pond = sw.ReachParameters(name="pond", kind="pond", area_m2=3000.0, depth_m=2.0, macrophyte_cover=0.5,
                              chl_a_ug_l=8.0)
    res = run(inf, [stream, pond], air_temp_c=pd.Series(np.linspace(8, 20, days), index=idx),
              wind_m_s=pd.Series(3.0, index=idx), cloudiness=0.4, spinup_days=2)
    st = res.reach("stream")
    np.testing.assert_allclose(st["velocity_m_s"] * st["width_m"] * st["depth_m"], st["q_m3_s"], rtol=0.02)
    np.testing.assert_allclose(st["k600_m_d"], gx.k600_raymond_stream_m_d(0.01, st["velocity_m_s"].to_numpy()),
                               rtol=1e-12)
    # the pond receives what the stream exports
    np.testing.assert_allclose(res.daily[("pond", "dic_in_mol_d")], res.daily[("stream", "dic_out_mol_d")],
                               rtol=1e-12)
    assert res.balances["by_reach"]["stream"]["carbon"]["inputs_mol"]["allochthonous"] > 0
    assert res.settings["tanks"] == 4


def test_time_step_convergence_in_a_fast_degassing_stream():
    """k600 ~17 m/d at 0.2 m depth (K ~ 85 d-1, e-folding ~17 min): 15-minute steps give the same fate and pCO2 as
    3-minute steps (exact integration of the linearised exchange within each step)."""
    st = sw.ReachParameters(name="s", length_m=2000.0, width_m=3.0, depth_m=0.2, slope=0.03, macrophyte_cover=0.5,
                            n_segments=4)
    inf = inflow(days=2, q=0.1, temp=15.0, dic=5.2)
    coarse = run(inf, [st], dt_minutes=15, spinup_days=1)
    fine = run(inf, [st], dt_minutes=3, spinup_days=1)
    assert coarse.reach("s")["k600_m_d"].iloc[0] > 15.0
    for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed"):
        assert coarse.fate[k] == pytest.approx(fine.fate[k], abs=2e-4, rel=2e-3)
    pc = coarse.reach("s")["pco2_uatm"].resample("1h").mean()
    pf = fine.reach("s")["pco2_uatm"].resample("1h").mean()
    np.testing.assert_allclose(pc, pf, rtol=0.02)


def test_inflow_defaults_and_errors():
    inf = inflow(days=2, q=0.1, temp=12.0)
    res = run(inf, [sw.ReachParameters(name="r", length_m=100.0)])
    assert res.reach("r")["do_mg_l"].iloc[0] == pytest.approx(gx.o2_saturation_mg_l(12.0, 1.0), rel=1e-9)
    with pytest.raises(ValueError, match="dic"):
        sw.simulate_reaches(inf.drop(columns=["dic"]), sw.ReachParameters(), latitude_deg=30.0)
    with pytest.raises(ValueError, match="consecutive"):
        sw.simulate_reaches(inf.iloc[[0]].set_axis([inf.index[0]]).pipe(lambda d: pd.concat(
            [d, d.set_axis([d.index[0] + pd.Timedelta(days=3)])])), sw.ReachParameters(), latitude_deg=30.0)
    bad = inf.copy()
    bad.loc[bad.index[1], "q_m3_s"] = -1.0
    with pytest.raises(ValueError, match="q_m3_s"):
        sw.simulate_reaches(bad, sw.ReachParameters(), latitude_deg=30.0)
    with pytest.raises(ValueError, match="unique"):
        sw.simulate_reaches(inf, [sw.ReachParameters(), sw.ReachParameters()], latitude_deg=30.0)
    with pytest.raises(ValueError, match="pond"):
        sw.ReachParameters(kind="pond")
    with pytest.raises(ValueError, match="macrophyte_cover"):
        sw.ReachParameters(macrophyte_cover=1.5)


def test_measured_par_and_held_inflow():
    """A measured PAR series replaces the clear-sky light (darkness: no GPP, respiration of litter goes on); "hold"
    keeps the daily inflow constant through each day."""
    inf = inflow(days=2, q=0.05, temp=15.0)
    inf["q_m3_s"] = [0.05, 0.1]
    pond = sw.ReachParameters(name="p", kind="pond", area_m2=1000.0, depth_m=1.0, macrophyte_cover=0.5,
                              allochthonous_oc_g_c_m2_d=1.0)
    dark = run(inf, [pond], par=pd.Series(0.0, index=inf.index), spinup_days=2, inflow_interpolation="hold")
    d = dark.reach("p", daily=True)
    assert (d["gpp_g_c_m2_d"] == 0.0).all() and (d["er_g_c_m2_d"] > 0.0).all()
    q = dark.reach("p")["q_m3_s"]
    assert q.loc["2021-06-20"].nunique() == 1 and q.loc["2021-06-21"].iloc[0] == 0.1
    lit = run(inf, [pond], par=1000.0)
    assert lit.reach("p", daily=True)["gpp_g_c_m2_d"].min() > 1.0


def test_parameters_round_trip_and_cultivation():
    r = sw.ReachParameters(name="a", macrophyte_cover=0.2)
    r2 = r.with_cultivation(cover=0.7)
    assert r2.macrophyte_cover == 0.7 and r.macrophyte_cover == 0.2
    assert sw.reach_parameters_from_dict(sw.reach_parameters_to_dict(r2)) == r2
    with pytest.raises(ValueError, match="unknown"):
        sw.reach_parameters_from_dict({"nope": 1})


def test_every_step_is_speciated_consistently_with_the_core():
    """The pH, CO2, pCO2 and SI reported at every step equal chemistry.speciate_totals applied to the state of that
    step (a closed pond with photosynthesis: Na and Cl stay at their inflow values, DIC and Ca change)."""
    pond = closed_pond(chl_a_ug_l=30.0, calcite_rate_factor=1.0, k600_m_d=0.5)
    res = run(inflow(days=1, q=0.0, temp=21.0, ca=2.0, dic=4.2, mg=0.0, na=0.3, k=0.0, cl=0.2, so4=0.0, no3=0.0),
              [pond], water_temp=21.0)
    p = res.reach("pond").iloc[::7]
    ref = chemistry.speciate_totals(p["temp_c"].to_numpy(), {"ca": p["ca_mmol_l"].to_numpy() / 1000,
                                                              "dic": p["dic_mmol_l"].to_numpy() / 1000,
                                                              "na": 0.3e-3, "cl": 0.2e-3})
    assert np.ptp(p["dic_mmol_l"]) > 0.01 and np.ptp(p["ca_mmol_l"]) > 1e-4
    np.testing.assert_allclose(p["ph"], ref["ph"], atol=1e-7)
    np.testing.assert_allclose(p["co2aq_mmol_l"], ref["co2aq_mmol_kgw"], rtol=1e-6)
    np.testing.assert_allclose(p["hco3_mmol_l"], ref["hco3_mmol_kgw"], rtol=1e-6)
    np.testing.assert_allclose(p["co3_mmol_l"], ref["co3_mmol_kgw"], rtol=1e-6)
    np.testing.assert_allclose(p["si_calcite"], ref["si_calcite"], atol=1e-7)
    np.testing.assert_allclose(p["pco2_uatm"], ref["pco2_atm"] * 1e6, rtol=1e-6)


def test_areal_rates_of_a_stream_use_its_bed_area_at_each_step():
    """A stream whose width follows its discharge (Leopold & Maddock) changes its bed area from step to step; its
    per-m2 rates divide each step's flux by that step's area: the daily GPP per m2 is the day's sum of the sub-daily
    per-m2 rates (to 1e-12), not the day's GPP over the first step's area (which differs here by > 10 %)."""
    days = 4
    inf = inflow(days=days, start="2021-06-01", q=0.0, temp=16.0)
    inf["q_m3_s"] = np.linspace(0.1, 2.0, days)
    stream = sw.ReachParameters(name="stream", length_m=1500.0, slope=0.01, macrophyte_cover=0.5)
    res = run(inf, [stream], spinup_days=0)
    st = res.reach("stream")
    assert st["width_m"].max() / st["width_m"].min() > 1.5
    per_step_h = res.settings["dt_minutes"] / 60.0
    from_sub = (st["gpp_mmol_c_m2_h"] * per_step_h * 1e-3).groupby(st.index.normalize()).sum().to_numpy()
    daily = res.daily[("stream", "gpp_g_c_m2_d")].to_numpy() / chemistry.constants.M_C_G_MOL
    np.testing.assert_allclose(daily, from_sub, rtol=1e-12)
    first_area = st["width_m"].iloc[0] * 1500.0
    gpp_mol_d = (st["gpp_mmol_c_m2_h"] * per_step_h * 1e-3 * st["width_m"] * 1500.0).groupby(
        st.index.normalize()).sum().to_numpy()
    assert np.max(np.abs(gpp_mol_d / first_area / daily - 1.0)) > 0.1
    assert res.balances["by_reach"]["stream"]["area_m2"] == pytest.approx(float((st["width_m"] * 1500.0).mean()),
                                                                         rel=1e-12)
