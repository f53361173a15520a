"""The groundwater store of the non-carbonate area (``[reservoirs] nonkarst_baseflow_*``) and the diffuse
percolation of epikarst overflow into the matrix (``overflow_to_matrix_fraction``): analytic recessions, closed
water and carbon balances with the stores active, the defaults reproducing the former model exactly, and the
key-by-key validation of the catchment file.

Analytic reference: dS/dt = -k S^a has S(t) = S0 exp(-k t) for a = 1 and S(t) = [S0^(1-a) + (a-1) k t]^(1/(1-a))
otherwise. GR4J's routing store (Perrin et al. 2003, J. Hydrol. 279:275) updates R <- R [1 + (R/X3)^4]^(-1/4) each
day, which is that solution for a = 5, k = 1 / (4 X3^4), t = 1 d.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from karst_helpers import base_doc, run_doc, storage_columns, synthetic_drivers, write_catchment
from karstmodel.workflows.calibration import default_parameters
from karstmodel.config.catchment import CatchmentError, ReservoirParameters, load_catchment
from karstmodel.processes.karst_stores import simulate_karst
from karstmodel.processes.routing import route_store, steady_state_storage
from karstmodel.model.simulate import simulate, simulate_water


def power_law(s0, k, a, t):
    if a == 1.0:
        return s0 * math.exp(-k * t)
    base = s0 ** (1 - a) + (a - 1) * k * t
    return 0.0 if base <= 0 else base ** (1 / (1 - a))


# ------------------------------------------------------------------------------------------------------------
# the store alone
@pytest.mark.parametrize("k,a", [(0.02, 1.0), (0.003, 1.5), (1e-7, 5.0), (0.3, 0.7)])
def test_store_recession_matches_analytic_solution(k, a):
    """No inflow: day-by-day storage follows the exact recession; the outflow adds up to what left the store."""
    n, s0 = 200, 150.0
    out = route_store(np.zeros(n), k, a, s0)
    expected = np.array([power_law(s0, k, a, t) for t in range(1, n + 1)])
    np.testing.assert_allclose(out["store_mm"], expected, rtol=1e-12, atol=1e-12 * s0)
    assert out["out_mm"].sum() + out["store_mm"][-1] == pytest.approx(s0, rel=1e-13)


def test_store_with_exponent_5_is_the_gr4j_routing_store():
    """a = 5, k = 1/(4 X3^4): one day of the store is GR4J's routing-store update R [1 + (R/X3)^4]^(-1/4)."""
    x3 = 90.0
    k = 1.0 / (4.0 * x3 ** 4)
    r = 0.0
    inflow = np.array([30.0, 0.0, 55.0, 12.0, 0.0, 0.0, 80.0, 3.0])
    got = route_store(inflow, k, 5.0, 0.0)
    for t, p in enumerate(inflow):
        r += p
        r_new = r * (1.0 + (r / x3) ** 4) ** -0.25
        assert got["out_mm"][t] == pytest.approx(r - r_new, rel=1e-11)
        assert got["store_mm"][t] == pytest.approx(r_new, rel=1e-12)
        r = r_new


def test_store_steady_state_and_well_mixed_solutes():
    """Constant inflow from the steady state: storage stays at S* = (Q/k)^(1/a); a tracer entering at constant
    concentration leaves at that concentration, and masses balance to round-off."""
    q, k, a = 1.7, 0.004, 1.6
    s_star = steady_state_storage(q, k, a)
    assert k * s_star ** a == pytest.approx(q, rel=1e-14)
    n = 400
    conc = np.array([2.5, 0.3])
    out = route_store(np.full(n, q), k, a, s_star, mass_in=np.tile(q * conc, (n, 1)), m0=conc * s_star)
    # daily pulse then recession: the end-of-day storage of the discrete steady state is within ~Q/2 of S*
    # (here 43.09 against 43.93 mm), so starting from S* the store drifts by less than 3 %
    assert np.ptp(out["store_mm"]) < 0.03 * s_star
    np.testing.assert_allclose(out["out_mass"] / out["out_mm"][:, None], np.tile(conc, (n, 1)), rtol=1e-12)
    mass_resid = n * q * conc + conc * s_star - out["out_mass"].sum(axis=0) - out["store_mass"][-1]
    assert np.all(np.abs(mass_resid) < 1e-10 * n * q * conc)
    assert steady_state_storage(0.0, k, a) == 0.0


def test_overflow_to_matrix_by_hand():
    """One day, E0 = 0, inflow 100 mm, E_max = 40, k_E = 0.2, conduit share 0.25, half the overflow lost and 40 % of
    the rest to the matrix: overflow 60 (30 lost, 12 to M, 18 to C); Q_E = 40 (1 - e^-0.2)."""
    res = ReservoirParameters(epikarst_k_per_d=0.2, epikarst_max_mm=40.0, conduit_fraction=0.25,
                              overflow_outside_fraction=0.5, overflow_to_matrix_fraction=0.4, matrix_k_per_d=0.01,
                              conduit_k_per_d=0.3)
    one, z = np.array([100.0]), np.zeros(1)
    out = simulate_karst(one, z, z, res, e0=0.0, m0=0.0, c0=0.0)
    qe = 40.0 * (1.0 - math.exp(-0.2))
    assert out["other_outlets_mm"][0] == pytest.approx(30.0, abs=1e-12)
    assert out["epikarst_to_matrix_mm"][0] == pytest.approx(0.75 * qe + 12.0, abs=1e-12)
    assert out["epikarst_to_conduit_mm"][0] == pytest.approx(0.25 * qe + 18.0, abs=1e-12)
    assert out["matrix_mm"][0] == pytest.approx((0.75 * qe + 12.0) * math.exp(-0.01), abs=1e-12)


# ------------------------------------------------------------------------------------------------------------
# whole runs
def _doc(**res):
    return base_doc(land_use={"forest": 0.5, "grassland": 0.5},
                    lithology={"limestone": 0.5, "dolomite": 0.0, "non_carbonate": 0.5, "allogenic_to_karst": 0.4},
                    reservoirs={"surface_k_per_d": 0.3, "epikarst_max_mm": 20.0, **res})


ACTIVE = {"nonkarst_baseflow_fraction": 0.6, "nonkarst_baseflow_k_per_d": 0.004, "nonkarst_baseflow_exponent": 1.4,
          "overflow_to_matrix_fraction": 0.5}


def test_defaults_reproduce_the_former_model(tmp_path):
    """Without the new keys a catchment gives the numbers of the model before they existed (values computed with
    commit 85bdd7e, the parent of this change), and the new keys at their defaults change nothing, whatever the
    (inactive) store constants are."""
    drivers = synthetic_drivers(days=3 * 365, seed=1)
    r = run_doc(tmp_path / "a", _doc(), drivers)
    s = r.summary
    before = {"runoff_mm_yr": 450.2497515492473, "outlet_runoff_mm_yr": 640.7954729665777,
              "carbon_sink_tc_km2_yr": 8.978596212151533, "dic_mmol_l_flow_weighted": 3.3235614164721623,
              "outlet_dic_mmol_l_flow_weighted": 2.5163664646040886, "dic_export_outlet_tc_km2_yr": 19.367613352369702}
    # water exactly; chemistry-derived values to the Newton tolerance. The sink uses Zeng's published 12 g/mol C,
    # the DIC export the database's 12.0111 g/mol (chemistry.constants); DIC moved -3.5e-6 relative when soil CO2
    # took the same 12.0111 g/mol (it used 12.011), and the chemistry values -1.5e-4 relative when soil CO2 took the
    # standard-atmosphere pressure at 500 m (chemistry.constants.standard_pressure_atm, 0.044 % below the former
    # isothermal exp(-z/8434 m); before: sink 8.97994363939003, DIC 3.324060186778294); the water is unchanged
    for k, v in before.items():
        assert s[k] == pytest.approx(v, rel=1e-12 if "runoff" in k else 1e-9), k
    assert r.timeseries["surface_runoff_mm"].sum() == pytest.approx(571.2458999369658, rel=1e-12)
    assert s["water_balance"]["storage_change_mm"] == pytest.approx(-23.92398459035624, rel=1e-10)
    assert r.timeseries["nonkarst_baseflow_mm"].abs().max() == 0.0
    explicit = run_doc(tmp_path / "b", _doc(nonkarst_baseflow_fraction=0.0, nonkarst_baseflow_k_per_d=0.5,
                                            nonkarst_baseflow_exponent=3.0, overflow_to_matrix_fraction=0.0),
                       drivers)
    for col in r.timeseries.columns:
        np.testing.assert_array_equal(explicit.timeseries[col].to_numpy(), r.timeseries[col].to_numpy(), col)


def test_balances_close_with_the_new_stores_active(tmp_path):
    r = run_doc(tmp_path, _doc(**ACTIVE), synthetic_drivers(days=4 * 365, seed=2))
    s, ts = r.summary, r.timeseries
    assert s["water_balance_error"] < 1e-12
    assert s["carbon_balance_error"] < 1e-12
    # from the table's own columns (storages include the non-karst groundwater store)
    assert "nonkarst_baseflow_store_mm" in storage_columns()
    st = ts[list(storage_columns())].sum(axis=1).to_numpy()
    f = ts.iloc[1:]
    out = (f["interception_evap_mm"].sum() + f["aet_mm"].sum() + f["spring_mm"].sum() + f["surface_runoff_mm"].sum()
           + f["other_outlets_mm"].sum())
    assert abs(f["precip_mm"].sum() - out - (st[-1] - st[0])) < 1e-10 * f["precip_mm"].sum()
    wb = s["water_balance"]
    assert wb["nonkarst_baseflow_mm"] == pytest.approx(ts["nonkarst_baseflow_mm"].sum(), rel=1e-12)
    assert 0.0 < wb["nonkarst_baseflow_mm"] < wb["surface_runoff_mm"]
    # the store starts at the steady state of its mean inflow: over the record it changes by far less than 1 % of
    # the precipitation (an empty start would fill it by ~its mean storage, 21 mm here)
    assert abs(ts["nonkarst_baseflow_store_mm"].iloc[-1] - ts["nonkarst_baseflow_store_mm"].iloc[0]) < \
        0.002 * wb["precip_mm"]
    cb = s["carbon_balance"]
    assert 0.0 < cb["dic_export_nonkarst_baseflow_mmol_m2"] < cb["dic_export_surface_mmol_m2"]
    # the baseflow carries allogenic water: its DIC is that of soil CO2 in soft water, well below the spring's
    base_dic = cb["dic_export_nonkarst_baseflow_mmol_m2"] / wb["nonkarst_baseflow_mm"]
    assert 0.0 < base_dic < 0.5 * s["dic_mmol_l_flow_weighted"]


def test_baseflow_raises_low_flows_and_keeps_the_volume(tmp_path):
    """Sending non-karst recharge through a slow store instead of the quick one: the same long-term volume, but
    dry-weather flows are higher (the point of the store)."""
    drivers = synthetic_drivers(days=5 * 365, seed=4)
    a = run_doc(tmp_path / "a", _doc(), drivers).timeseries
    b = run_doc(tmp_path / "b", _doc(nonkarst_baseflow_fraction=0.8, nonkarst_baseflow_k_per_d=0.01), drivers).timeseries
    assert b["outlet_runoff_mm"].sum() == pytest.approx(a["outlet_runoff_mm"].sum(), rel=0.02)
    assert np.percentile(b["surface_runoff_mm"], 5) > 3.0 * np.percentile(a["surface_runoff_mm"], 5)


def test_water_only_path_equals_the_full_run(tmp_path):
    path = write_catchment(tmp_path, _doc(**ACTIVE), synthetic_drivers(days=3 * 365, seed=5))
    c = load_catchment(path)
    full = simulate(c)
    w = simulate_water(c, full.drivers.data)
    np.testing.assert_allclose(w.outlet_mm, full.timeseries["outlet_runoff_mm"].to_numpy(), rtol=1e-12, atol=1e-12)


def test_initial_store_from_the_file(tmp_path):
    """``initial_nonkarst_baseflow_mm`` replaces the steady-state start: without warm-up, day 1 starts from it."""
    c = load_catchment(write_catchment(tmp_path, _doc(**ACTIVE, initial_nonkarst_baseflow_mm=123.0),
                                       synthetic_drivers(days=2 * 365, seed=6)))
    assert c.reservoirs.initial_nonkarst_baseflow_mm == 123.0
    r = simulate(replace(c, warmup_days=0))
    ts, lith = r.timeseries, c.lithology
    inflow = sum(r.hydrotope_series[h.name]["recharge_mm"].iloc[0] * h.fraction for h in c.hydrotopes) \
        * lith.non_carbonate * (1.0 - lith.allogenic_to_karst) * c.reservoirs.nonkarst_baseflow_fraction
    assert ts["nonkarst_baseflow_store_mm"].iloc[0] + ts["nonkarst_baseflow_mm"].iloc[0] == pytest.approx(
        123.0 + inflow, rel=1e-12)
    assert r.summary["water_balance_error"] < 1e-12
    assert r.summary["carbon_balance_error"] < 1e-12


# ------------------------------------------------------------------------------------------------------------
# catchment file and calibration
@pytest.mark.parametrize("key,value,needle", [
    ("nonkarst_baseflow_fraction", 1.5, "must be <= 1"),
    ("nonkarst_baseflow_fraction", -0.1, "must be >= 0"),
    ("nonkarst_baseflow_k_per_d", 0.0, "must be >= 1e-12"),
    ("nonkarst_baseflow_exponent", 9.0, "must be <= 5"),
    ("initial_nonkarst_baseflow_mm", -1.0, "must be >= 0"),
    ("overflow_to_matrix_fraction", 2.0, "must be <= 1"),
    ("nonkarst_baseflow_k_per_d", "fast", "must be a number"),
])
def test_bad_values_name_the_key(tmp_path, key, value, needle):
    path = write_catchment(tmp_path, _doc(**{key: value}))
    with pytest.raises(CatchmentError) as ei:
        load_catchment(path)
    msg = str(ei.value)
    assert f"[reservoirs] {key}" in msg and needle in msg and str(path) in msg, msg


def test_calibration_specs_only_where_the_area_exists(tmp_path):
    drivers = synthetic_drivers(days=2 * 365, seed=1)
    outlet = _doc()
    outlet["observations"] = {"discharge": "outlet"}
    names = [p.name for p in default_parameters(load_catchment(write_catchment(tmp_path / "a", outlet, drivers)))]
    assert {"reservoirs.nonkarst_baseflow_fraction", "reservoirs.nonkarst_baseflow_unit_storage_mm",
            "reservoirs.nonkarst_baseflow_exponent", "reservoirs.overflow_to_matrix_fraction",
            "hydrotopes.*.recharge_shape"} <= set(names)
    # all limestone: no non-karst groundwater to calibrate; the matrix percolation stays
    names = [p.name for p in default_parameters(load_catchment(write_catchment(tmp_path / "b", base_doc(), drivers)))]
    assert "reservoirs.nonkarst_baseflow_fraction" not in names
    assert not any(n.startswith("reservoirs.nonkarst_baseflow") for n in names)
    assert "reservoirs.overflow_to_matrix_fraction" in names
    # spring discharge: the non-karst baseflow never reaches the spring, so it is not calibrated against it
    spring = _doc()
    spring["observations"] = {"discharge": "spring"}
    names = [p.name for p in default_parameters(load_catchment(write_catchment(tmp_path / "c", spring, drivers)))]
    assert "reservoirs.nonkarst_baseflow_fraction" not in names


def test_one_value_for_every_hydrotope(tmp_path):
    """``hydrotopes.*.<field>`` (used for the HBV recharge shape) sets the field in every hydrotope."""
    from karstmodel.config.parameters import apply_parameters, parameter_value
    c = load_catchment(write_catchment(tmp_path, _doc()))
    assert parameter_value(c, "hydrotopes.*.recharge_shape") == 2.0
    c2 = apply_parameters(c, {"hydrotopes.*.recharge_shape": 4.5})
    assert [h.params.recharge_shape for h in c2.hydrotopes] == [4.5, 4.5]
    assert parameter_value(c2, "hydrotopes.*.recharge_shape") == 4.5
