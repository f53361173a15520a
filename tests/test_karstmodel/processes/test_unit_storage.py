"""The calibration coordinate ``reservoirs.<store>_unit_storage_mm`` (karstmodel.config.parameters): the storage S1 at which
a power-law store dS/dt = -k S^a releases 1 mm/d, so k = S1^-a. It is a reparametrisation, not a new model
parameter: a catchment set by (k, a) or by the equivalent (S1, a) simulates the same, and catchments that do not
use it are unchanged.

References: GR4J's routing store is the store with a = 5, k = 1/(4 X3^4) (Perrin, Michel & Andreassian 2003,
J. Hydrol. 279:275), so S1 = (4 X3^4)^(1/5); the master recession curve of the store is
-dQ/dt = a k^(1/a) Q^(2 - 1/a) (Brutsaert & Nieber 1977, Water Resour. Res. 13:637).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from karst_helpers import base_doc, run_doc, synthetic_drivers, write_catchment
from karstmodel.workflows.calibration import default_parameters, setup_from_catchment
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.processes.routing import route_store
from karstmodel.config.parameters import apply_parameters, parameter_value
from karstmodel.model.simulate import simulate_water


def _doc(**res):
    return base_doc(land_use={"forest": 0.5, "grassland": 0.5},
                    lithology={"limestone": 0.5, "dolomite": 0.0, "non_carbonate": 0.5, "allogenic_to_karst": 0.4},
                    reservoirs={"surface_k_per_d": 0.3, "epikarst_max_mm": 20.0, **res})


def test_unit_storage_sets_k_with_the_exponent_of_the_same_call(tmp_path):
    c = load_catchment(write_catchment(tmp_path, _doc(), synthetic_drivers(days=400, seed=1)))
    # the order in the dict does not matter: the exponent is applied first
    for values in ({"reservoirs.matrix_unit_storage_mm": 36.0, "reservoirs.matrix_exponent": 2.5},
                   {"reservoirs.matrix_exponent": 2.5, "reservoirs.matrix_unit_storage_mm": 36.0}):
        c2 = apply_parameters(c, values)
        assert c2.reservoirs.matrix_exponent == 2.5
        assert c2.reservoirs.matrix_k_per_d == pytest.approx(36.0 ** -2.5, rel=1e-15)
        assert parameter_value(c2, "reservoirs.matrix_unit_storage_mm") == pytest.approx(36.0, rel=1e-12)
        # the store releases exactly 1 mm/d at S1
        assert c2.reservoirs.matrix_k_per_d * 36.0 ** 2.5 == pytest.approx(1.0, rel=1e-14)
    # without the exponent in the call, the catchment's exponent (here 1: k = 1/S1, a residence time of S1 days)
    c3 = apply_parameters(c, {"reservoirs.nonkarst_baseflow_unit_storage_mm": 80.0})
    assert c3.reservoirs.nonkarst_baseflow_k_per_d == pytest.approx(1.0 / 80.0, rel=1e-15)
    with pytest.raises(KeyError):
        apply_parameters(c, {"reservoirs.surface_unit_storage_mm": 5.0})  # the surface store has no exponent


def test_gr4j_routing_store_in_unit_storage_coordinates():
    """a = 5 and S1 = (4 X3^4)^(1/5) is GR4J's routing store: R <- R [1 + (R/X3)^4]^(-1/4) each day."""
    x3 = 86.5
    s1 = (4.0 * x3 ** 4) ** 0.2
    assert s1 == pytest.approx(46.78, abs=0.01)
    k = s1 ** -5.0
    r0 = 120.0
    got = route_store(np.zeros(3), k, 5.0, r0)["store_mm"]
    r = r0
    for t in range(3):
        r = r * (1.0 + (r / x3) ** 4) ** -0.25
        assert got[t] == pytest.approx(r, rel=1e-10)


@pytest.mark.parametrize("a,s1", [(1.0, 40.0), (2.5, 36.0), (4.9, 9.2)])
def test_master_recession_curve(a, s1):
    """Without inflow the relative recession rate follows -dQ/dt / Q = a k^(1/a) Q^(1 - 1/a) = a Q^(1-1/a) / S1:
    a nonlinear store recedes slowly at low flow (what the Sitter's observed low flows need)."""
    k = s1 ** -a
    out = route_store(np.zeros(400), k, a, 3.0 * s1)["store_mm"]
    s = out[200]
    q = k * s ** a
    rate = a * k * s ** (a - 1.0)  # -dQ/dt / Q = a k S^(a-1) for Q = k S^a
    assert rate == pytest.approx(a * q ** (1.0 - 1.0 / a) / s1, rel=1e-12)
    # the daily difference of the exact solution agrees with the instantaneous rate to the step's curvature
    s_next = out[201]
    q_next = k * s_next ** a
    assert (q - q_next) / (0.5 * (q + q_next)) == pytest.approx(rate, rel=0.05)


def test_default_calibration_searches_unit_storage_and_exponents(tmp_path):
    outlet = _doc()
    outlet["observations"] = {"discharge": "outlet"}
    c = load_catchment(write_catchment(tmp_path, outlet, synthetic_drivers(days=400, seed=1)))
    specs = {p.name: p for p in default_parameters(c)}
    assert "reservoirs.matrix_k_per_d" not in specs and "reservoirs.nonkarst_baseflow_k_per_d" not in specs
    m = specs["reservoirs.matrix_unit_storage_mm"]
    assert (m.lower, m.upper, m.transform) == (1.0, 1e5, "log")
    assert (specs["reservoirs.matrix_exponent"].lower, specs["reservoirs.matrix_exponent"].upper) == (0.5, 5.0)
    b = specs["reservoirs.nonkarst_baseflow_unit_storage_mm"]
    assert (b.lower, b.upper, b.transform) == (1.0, 1e4, "log")
    e = specs["reservoirs.nonkarst_baseflow_exponent"]
    assert (e.lower, e.upper) == (1.0, 5.0)
    # the old matrix search (k >= 1e-5, a <= 4) could not give a store with a = 4 slower than S1 = 17.8 mm;
    # the new one reaches GR4J-like stores (a = 5, S1 = 47 mm: k = 4.3e-9)
    assert (1e-5) ** -0.25 == pytest.approx(17.78, abs=0.01)
    assert m.lower < 47.0 < m.upper


def test_declared_parameters_are_untouched():
    """kerschbaum declares its own [calibration.parameters]: still (k, a) as in its file."""
    c = load_catchment(resolve_catchment("kerschbaum"))
    names = [p.name for p in setup_from_catchment(c, c.calibration).parameters]
    assert "reservoirs.matrix_k_per_d" in names
    assert not any(n.endswith("_unit_storage_mm") for n in names)


def test_same_simulation_by_k_or_by_unit_storage_and_balance_closes(tmp_path):
    """A strongly nonlinear matrix and non-karst store (k far below the former 1e-7 file limit): the same run
    whether set by k or by S1, the catchment file with k = 9e-9 loads, and water balances close."""
    drivers = synthetic_drivers(days=3 * 365, seed=3)
    a_m, s1_m, a_b, s1_b = 4.5, 60.0, 4.9, 9.2
    doc = _doc(nonkarst_baseflow_fraction=0.7, overflow_to_matrix_fraction=0.3,
               matrix_exponent=a_m, matrix_k_per_d=s1_m ** -a_m,
               nonkarst_baseflow_exponent=a_b, nonkarst_baseflow_k_per_d=s1_b ** -a_b)
    assert s1_m ** -a_m < 1e-7
    r = run_doc(tmp_path / "a", doc, drivers)
    assert r.summary["water_balance_error"] < 1e-12
    c0 = load_catchment(write_catchment(tmp_path / "b", _doc(nonkarst_baseflow_fraction=0.7,
                                                             overflow_to_matrix_fraction=0.3), drivers))
    c1 = apply_parameters(c0, {"reservoirs.matrix_exponent": a_m, "reservoirs.matrix_unit_storage_mm": s1_m,
                               "reservoirs.nonkarst_baseflow_exponent": a_b,
                               "reservoirs.nonkarst_baseflow_unit_storage_mm": s1_b})
    c2 = load_catchment(tmp_path / "a" / "catchment.toml")
    assert c1.reservoirs.matrix_k_per_d == pytest.approx(c2.reservoirs.matrix_k_per_d, rel=1e-14)
    from karstmodel.io.drivers import load_drivers
    data = load_drivers(c2.drivers, c2.latitude, c2.start, c2.end).data
    q1 = simulate_water(c1, data).outlet_mm
    q2 = simulate_water(c2, data).outlet_mm
    np.testing.assert_allclose(q1, q2, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(q2, r.timeseries["outlet_runoff_mm"].to_numpy(), rtol=1e-12, atol=1e-14)
    assert math.isfinite(q1.sum()) and q1.min() >= 0.0
