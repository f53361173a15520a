"""Recharge equilibria, solute transport and saturated-zone reactions (karstmodel.processes.dissolution), against direct
solves of the chemistry core (chemistry.equilibrate), conservation of solute mass, and the two effects the
accounting must show: undersaturated allogenic water raises the sink, strong acids lower the carbonic share."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from karst_helpers import base_doc, run_doc, synthetic_drivers
from karstmodel.accounting.sink import sink_flux
from karstmodel.config.catchment import ReservoirParameters
from karstmodel.processes.dissolution import IDX, N_BASE, equilibrium_table, react_outflow, transport
from karstmodel.processes.karst_stores import simulate_karst

SOFT_WATER = (("ca", 0.10), ("mg", 0.05), ("na", 0.10), ("k", 0.02), ("cl", 0.10), ("so4", 0.05))


# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mineral,water", [("calcite", ()), ("dolomite", ()), ("calcite", (("so4", 0.3),)),
                                           ("dolomite", (("no3", 0.4),)), ("none", SOFT_WATER)],
                         ids=["calcite", "dolomite", "calcite+H2SO4", "dolomite+HNO3", "allogenic"])
def test_equilibrium_table_vs_direct_solves(mineral, water):
    """Bicubic tables over (T, log pCO2) vs chemistry.equilibrate at 150 random off-grid points: < 0.1 %."""
    table = equilibrium_table(mineral, "open", 0.0, water, "phreeqc.dat")
    rng = np.random.default_rng(abs(hash((mineral, water))) % 2**32)
    t = rng.uniform(0.2, 44.8, 150)
    p = 10 ** rng.uniform(-3.98, -0.52, 150)
    got = table(t, p)
    ref = chemistry.equilibrate(t, p, mineral=mineral, system="open",
                                water={f"{k}_mmol_kgw": v for k, v in water} or None)
    assert ref["converged"].all()
    for k in ("ca", "mg", "dic"):
        r = ref[f"{k}_mmol_kgw"].to_numpy()
        if not np.any(r > 0):
            continue
        err = np.max(np.abs(got[k] / r - 1.0))
        assert err < 1e-3, f"{mineral} {k}: max relative interpolation error {err:.2e}"
    print(f"table {mineral} {water[:1]}: max rel. error DIC {np.max(np.abs(got['dic'] / ref['dic_mmol_kgw'] - 1)):.2e}")


# ------------------------------------------------------------------------------------------------------------
def _constant(days: int, temp: float) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2001-01-01", periods=days).strftime("%Y-%m-%d"),
                         "precip_mm": 3.0, "temp_c": temp, "pet_mm": 1.5})


def test_steady_state_equals_open_system_equilibrium(tmp_path):
    """Constant forcing for 5 years, one forest hydrotope on limestone: the spring at the end equals
    chemistry.equilibrate(soil T, soil pCO2, calcite, open) (closed re-equilibration at the same T changes
    nothing), within the table tolerance of 0.5 %."""
    doc = base_doc(drivers={"pet": "column"}, reservoirs={"matrix_k_per_d": 0.05})
    res = run_doc(tmp_path, doc, _constant(5 * 365, 12.0))
    last = res.timeseries.iloc[-1]
    assert last["soil_temp_c"] == pytest.approx(12.0, abs=1e-9) and res.summary["groundwater_temp_c"] == 12.0
    p = last["soil_pco2_ppm_forest"] * 1e-6
    ref = chemistry.equilibrate(12.0, p, mineral="calcite", system="open").iloc[0]
    print(f"steady state: Ca {last['ca_mmol_l']:.6f} vs {ref['ca_mmol_kgw']:.6f}, DIC {last['dic_mmol_l']:.6f} vs "
          f"{ref['dic_mmol_kgw']:.6f} mmol/L at {p * 1e6:.0f} ppm")
    assert last["ca_mmol_l"] == pytest.approx(ref["ca_mmol_kgw"], rel=5e-3)
    assert last["dic_mmol_l"] == pytest.approx(ref["dic_mmol_kgw"], rel=5e-3)
    # at steady state the spring is saturated and in CO2 equilibrium with the soil air
    assert abs(last["si_calcite"]) < 2e-3
    assert last["pco2_ppm"] == pytest.approx(last["soil_pco2_ppm_forest"], rel=2e-3)
    # water: spring = recharge = P - ET
    assert last["spring_mm"] == pytest.approx(1.5, rel=1e-9)


@pytest.mark.parametrize("rock", ["limestone", "dolomite"])
def test_open_recharge_then_closed_reequilibration_at_groundwater_temperature(tmp_path, rock):
    """Soil (and air) at 15 C, groundwater at 8 C, matrix and conduits at equilibrium: the spring equals the
    open-system recharge water re-equilibrated in a closed system at 8 C; the carbonate dissolved in the
    reservoirs (timeseries columns) equals spring_mm x (Ca + Mg gained)."""
    mineral = "calcite" if rock == "limestone" else "dolomite"
    lith = {"limestone": 1.0 if rock == "limestone" else 0.0, "dolomite": 0.0 if rock == "limestone" else 1.0,
            "non_carbonate": 0.0}
    doc = base_doc(drivers={"pet": "column"}, lithology=lith, reservoirs={"matrix_k_per_d": 0.05},
                   chemistry={"groundwater_temp_c": 8.0, "conduit": "equilibrium"})
    res = run_doc(tmp_path, doc, _constant(4 * 365, 15.0))
    last = res.timeseries.iloc[-1]
    p = last["soil_pco2_ppm_forest"] * 1e-6
    rech = chemistry.equilibrate(15.0, p, mineral=mineral, system="open").iloc[0]
    water = {k: rech[k] for k in ("ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw")}
    ref = chemistry.equilibrate(8.0, None, mineral=mineral, system="closed", water=water).iloc[0]
    for k in ("ca", "mg", "dic"):
        assert last[f"{k}_mmol_l"] == pytest.approx(ref[f"{k}_mmol_kgw"], rel=1e-3, abs=1e-9), k
    gained = (ref["ca_mmol_kgw"] + ref["mg_mmol_kgw"]) - (rech["ca_mmol_kgw"] + rech["mg_mmol_kgw"])
    assert gained > 0.01  # cooler groundwater: a closed system dissolves more
    diss = last["matrix_dissolution_mmol_m2_d"] + last["conduit_dissolution_mmol_m2_d"]
    assert diss == pytest.approx(last["spring_mm"] * gained, rel=2e-3)


# ------------------------------------------------------------------------------------------------------------
def test_transport_conserves_mass_and_keeps_a_uniform_concentration():
    """Carry a tracer of uniform concentration through E, M, C with random flows: outflow concentration stays
    exactly that concentration, and inputs + initial = outputs + final storage."""
    rng = np.random.default_rng(3)
    n = 300
    slow = np.where(rng.random(n) < 0.4, rng.exponential(6, n), 0.0)
    fast = 0.1 * slow
    allo = np.where(rng.random(n) < 0.3, rng.exponential(3, n), 0.0)
    res = ReservoirParameters(epikarst_max_mm=20.0, overflow_outside_fraction=0.3, epikarst_exponent=1.5,
                              conduit_exponent=0.8)
    e0, m0, c0 = 5.0, 150.0, 2.0
    k = simulate_karst(slow, fast, allo, res, e0=e0, m0=m0, c0=c0)
    flows = {"slow_in_mm": slow, "fast_in_mm": fast, "allogenic_in_mm": allo, **k}
    conc = np.array([2.0, 0.5, 3.0])  # three tracers, mmol/L
    tr = transport(flows, slow[:, None] * conc, fast[:, None] * conc, allo[:, None] * conc, (e0, m0, c0),
                   (e0 * conc, m0 * conc, c0 * conc))
    for name, q in (("matrix_out_mass", k["matrix_out_mm"]), ("conduit_out_mass", k["conduit_out_mm"]),
                    ("other_outlets_mass", k["other_outlets_mm"])):
        np.testing.assert_allclose(tr[name], q[:, None] * conc[None, :], rtol=1e-12, atol=1e-12)
    # mass balance of a tracer entering only with the allogenic water
    z = np.zeros((n, 1))
    tr2 = transport(flows, z, z, allo[:, None] * 1.0, (e0, m0, c0), (np.zeros(1), np.zeros(1), np.zeros(1)))
    out = tr2["matrix_out_mass"].sum() + tr2["conduit_out_mass"].sum() + tr2["other_outlets_mass"].sum()
    assert out + tr2["storage_mass_end"].sum() == pytest.approx(allo.sum(), rel=1e-12)
    assert tr2["matrix_out_mass"].sum() == 0.0  # allogenic water enters the conduits, never the matrix


def test_kinetic_conduit_reaction_approaches_equilibrium():
    """An undersaturated water (soft water with soil CO2) in a conduit of radius 5 mm (A/V = 4 cm-1):
    first-order approach c(t) = c_eq - (c_eq - c0) exp(-k t) to the closed-system equilibrium
    (chemistry.equilibrate), with k = (A/V) r_PWP / (c_eq - c0): the initial rate is the PWP rate of the water,
    computed here by hand from Plummer, Wigley & Parkhurst (1978): r = k1 a_H + k2 a_CO2 + k3 (SI -> 0 term
    1 - Omega^(2/3)), log k1 = 0.198 - 444/T, log k2 = 2.84 - 2177/T, log k3 = -5.86 - 317/T (mmol cm-2 s-1)."""
    conc = np.zeros((5, N_BASE))
    conc[:, IDX["ca"]] = 0.1
    conc[:, IDX["dic"]] = 1.5
    conc[:, IDX["mg"]] = 0.05
    flow = np.ones(5)
    residence = np.array([1e-5, 1e-3, 0.01, 0.05, 1e6])  # days
    av = 2.0 / 0.5  # cm-1
    out, dissolved = react_outflow(conc, flow, 10.0, "kinetic", "calcite", residence_days=residence,
                                   surface_to_volume_cm_1=av)
    eq = chemistry.equilibrate(10.0, None, mineral="calcite", system="closed",
                               water={"ca_mmol_kgw": 0.1, "mg_mmol_kgw": 0.05, "dic_mmol_kgw": 1.5}).iloc[0]
    full = eq["ca_mmol_kgw"] - 0.1
    assert full > 0.3
    assert np.all(np.diff(dissolved) > 0) and dissolved[0] > 0
    assert dissolved[-1] == pytest.approx(full, rel=1e-9)
    assert out[-1, IDX["dic"]] == pytest.approx(eq["dic_mmol_kgw"], rel=1e-9)
    # first order: ln(1 - d/full) proportional to the residence time
    lam = -np.log(1.0 - dissolved[:4] / full) / residence[:4]
    np.testing.assert_allclose(lam, lam[0], rtol=1e-6)
    # initial rate = PWP rate of the inflowing water, by hand
    w = chemistry.speciate_totals(10.0, {"ca": 1e-4, "mg": 5e-5, "dic": 1.5e-3}).iloc[0]
    tk = 283.15
    k1, k2, k3 = 10 ** (0.198 - 444 / tk), 10 ** (2.84 - 2177 / tk), 10 ** (-5.86 - 317 / tk)
    a_co2 = w["co2aq_mmol_kgw"] / 1000 * 10 ** (0.1 * w["ionic_strength"])
    r = (k1 * 10 ** -w["ph"] + k2 * a_co2 + k3) * (1 - 10 ** (2 / 3 * w["si_calcite"]))  # mmol cm-2 s-1
    initial = av * r * 1000.0  # mmol L-1 s-1 (mmol cm-3 = 1000 mmol L-1)
    assert lam[0] / 86400.0 * full == pytest.approx(initial, rel=1e-3)
    # rock carbon follows the dissolved mineral one to one
    np.testing.assert_allclose(out[:, IDX["rock_c"]], dissolved, rtol=1e-12)
    same, none = react_outflow(conc, flow, 10.0, "none", "calcite")
    np.testing.assert_array_equal(same, conc)
    assert np.all(none == 0)


# ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drivers3():
    return synthetic_drivers(days=3 * 365, seed=2)


def test_undersaturated_allogenic_water_raises_the_sink(tmp_path, drivers3):
    """non_carbonate = 0.3: its runoff into the karst (allogenic_to_karst = 1) vs out at the surface (= 0)."""
    lith = {"limestone": 0.7, "dolomite": 0.0, "non_carbonate": 0.3}
    into = run_doc(tmp_path / "into", base_doc(lithology={**lith, "allogenic_to_karst": 1.0}), drivers3)
    away = run_doc(tmp_path / "away", base_doc(lithology={**lith, "allogenic_to_karst": 0.0}), drivers3)
    s1, s0 = into.summary, away.summary
    print(f"allogenic: sink {s1['carbon_sink_tc_km2_yr']:.3f} (into karst) vs {s0['carbon_sink_tc_km2_yr']:.3f} "
          f"t C km-2 yr-1; allogenic share {s1['carbon_sink_allogenic_tc_km2_yr']:.3f}; conduit dissolution "
          f"{into.timeseries['conduit_dissolution_mmol_m2_d'].mean():.4f} vs "
          f"{away.timeseries['conduit_dissolution_mmol_m2_d'].mean():.4f} mmol m-2 d-1")
    assert s1["carbon_sink_tc_km2_yr"] > s0["carbon_sink_tc_km2_yr"] + 0.1
    # the water arriving from the non-carbonate area is strongly undersaturated with calcite
    table = equilibrium_table("none", "open", 0.0, SOFT_WATER, "phreeqc.dat")
    dic = float(table(10.0, 5e-3)["dic"])
    sp = chemistry.speciate_totals(10.0, {"ca": 1e-4, "mg": 5e-5, "na": 1e-4, "k": 2e-5, "cl": 1e-4, "so4": 5e-5,
                                          "dic": dic / 1000.0})
    assert float(sp["si_calcite"].iloc[0]) < -1.5
    # ... so it dissolves carbonate in the conduits: positive every day, and more than without it
    cd1 = into.timeseries["conduit_dissolution_mmol_m2_d"]
    cd0 = away.timeseries["conduit_dissolution_mmol_m2_d"]
    assert (cd1 > 0).all() and cd1.mean() > 0.05
    assert cd1.sum() > cd0.sum() + 50.0
    assert s1["carbon_sink_allogenic_tc_km2_yr"] > 0.1 and s0["carbon_sink_allogenic_tc_km2_yr"] == 0.0
    # the same total runoff leaves the catchment (spring + surface), only the path differs
    assert s1["outlet_runoff_mm_yr"] == pytest.approx(s0["outlet_runoff_mm_yr"], rel=5e-3)
    # whole-outlet DIC export also rises (carbonate dissolved by the allogenic water)
    assert s1["dic_export_outlet_tc_km2_yr"] > s0["dic_export_outlet_tc_km2_yr"]
    for s in (s0, s1):
        assert s["water_balance_error"] < 1e-9 and s["carbon_balance_error"] < 1e-9


def test_acid_inputs_lower_the_carbonic_share(tmp_path, drivers3):
    acid = run_doc(tmp_path / "acid", base_doc(acid_inputs={"sulfuric_mmol_l": 0.3}), drivers3)
    pure = run_doc(tmp_path / "pure", base_doc(), drivers3)
    sa, sp = acid.summary, pure.summary
    ts = acid.timeseries
    q = ts["spring_mm"]
    # flow-weighted from the spring's own columns: (DIC - 2 SO4 - NO3) / DIC (all sulfate here is acid sulfate)
    share = float((q * (ts["dic_mmol_l"] - 2 * ts["so4_mmol_l"] - ts["no3_mmol_l"])).sum() / (q * ts["dic_mmol_l"]).sum())
    print(f"acid: carbonic share {sa['carbonic_share_of_dic']:.6f} (timeseries {share:.6f}); (Ca+Mg)/HCO3 median "
          f"{ts['ca_mg_hco3_ratio'].median():.4f} vs {pure.timeseries['ca_mg_hco3_ratio'].median():.4f}; sink "
          f"{sa['carbon_sink_tc_km2_yr']:.3f} vs {sp['carbon_sink_tc_km2_yr']:.3f}")
    assert ts["so4_mmol_l"].to_numpy() == pytest.approx(0.3, rel=1e-9)
    assert sa["carbonic_share_of_dic"] < 0.95
    assert sa["carbonic_share_of_dic"] == pytest.approx(share, rel=1e-9)
    assert sp["carbonic_share_of_dic"] == pytest.approx(1.0, abs=1e-12)
    # the Ca+Mg/HCO3 diagnostic: ~0.5 for carbonic-acid weathering, higher with sulfuric acid
    r_acid = ts["ca_mg_hco3_ratio"].median()
    r_pure = pure.timeseries["ca_mg_hco3_ratio"].median()
    assert r_pure == pytest.approx(0.5, abs=0.03)
    assert r_acid > r_pure + 0.05
    # the sink counts carbonic-acid DIC only: 0.5 x M_C x R x DIC_carbonic
    assert sa["carbon_sink_tc_km2_yr"] == pytest.approx(
        float(sink_flux(sa["runoff_mm_yr"] / 1000.0, sa["dic_carbonic_mmol_l_flow_weighted"])), rel=1e-12)
    assert sa["carbon_sink_tc_km2_yr"] < sp["carbon_sink_tc_km2_yr"]
    assert sa["carbon_balance_error"] < 1e-9


def test_nitric_acid_by_land_use(tmp_path, drivers3):
    """HNO3 from cropland only (per-class acid input): carbonic share = (DIC - NO3_acid)/DIC, flow-weighted."""
    doc = base_doc(land_use={"forest": 0.5, "cropland": 0.5},
                   acid_inputs={"land_use": {"cropland": {"nitric_mmol_l": 0.4}}})
    res = run_doc(tmp_path, doc, drivers3)
    ts = res.timeseries
    q = ts["spring_mm"]
    share = float((q * (ts["dic_mmol_l"] - ts["no3_mmol_l"])).sum() / (q * ts["dic_mmol_l"]).sum())
    assert 0.0 < ts["no3_mmol_l"].mean() < 0.4  # diluted by the forest recharge
    assert res.summary["carbonic_share_of_dic"] == pytest.approx(share, rel=1e-9)
    assert res.summary["carbonic_share_of_dic"] < 0.99


def test_blended_recharge_table_equals_the_area_weighted_tables():
    """Limestone/dolomite recharge from one blended spline equals the area-weighted sum of the two tables."""
    from karstmodel.processes.dissolution import _carbonate_recharge, equilibrium_table
    rng = np.random.default_rng(5)
    ts = rng.uniform(0.0, 30.0, 400)
    p = 10 ** rng.uniform(-3.5, -1.0, 400)
    # limestone 0.3 and dolomite 0.5 of the area: limestone share of the carbonate 0.375
    got = _carbonate_recharge(ts, p, 0.3 / 0.8, "closed", 0.0, (), "phreeqc.dat")
    cal = equilibrium_table("calcite", "closed", 0.0, (), "phreeqc.dat")(ts, p)
    dol = equilibrium_table("dolomite", "closed", 0.0, (), "phreeqc.dat")(ts, p)
    for k in ("ca", "mg", "dic"):
        np.testing.assert_allclose(got[k], 0.375 * cal[k] + 0.625 * dol[k], rtol=1e-12, atol=1e-14)
