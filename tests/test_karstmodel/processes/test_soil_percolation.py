"""Opt-in GR4J percolation of the soil store, ``[reservoirs] soil_percolation_nu`` (karstmodel.processes.soil_water).

GR4J's production store percolates every day, perc = S {1 - [1 + (nu S / X1)^4]^(-1/4)} with nu = 4/9 (Perrin,
Michel & Andreassian 2003, J. Hydrol. 279:275, eq. 8), the exact one-day integral of dS/dt = -(nu / X1)^4 S^5 / 4;
so n dry days take S0 to [S0^-4 + n (nu / X1)^4]^(-1/4). karstmodel's HBV soil (Bergstroem 1992) releases nothing
without input; with the key its soil percolates like GR4J's, after ET. Catchments without the key are unchanged
(the numbers below are those of the code before the key existed).
"""
from __future__ import annotations

import numpy as np
import pytest

from karst_helpers import base_doc, run_doc, synthetic_drivers, write_catchment
from karstmodel.workflows.calibration import default_parameters
from karstmodel.config.catchment import CatchmentError, load_catchment, resolve_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.processes.soil_water import _soil_loop
from karstmodel.model.simulate import simulate_water

NU = 4.0 / 9.0


def _dry_soil(days, s0, smax, nu, pet=0.0, rain=0.0):
    n, z = days, np.zeros((days, 1))
    one = np.ones((days, 1))
    return _soil_loop(np.full(n, rain), np.zeros(n), np.full(n, pet), z, smax * one, one, 2.0 * one, 0.7 * one,
                      z, np.array([s0]), np.zeros(1), nu)


def test_gr4j_percolation_numbers():
    smax = 100.0
    ei, aet, rech, soil, _ = _dry_soil(30, smax, smax, NU)
    # first day from a full store: 100 {1 - [1 + (4/9)^4]^(-1/4)} = 0.9523... mm (GR4J's 0.95 % a day)
    assert rech[0, 0] == pytest.approx(100.0 * (1.0 - (1.0 + NU ** 4) ** -0.25), rel=1e-14)
    assert rech[0, 0] == pytest.approx(0.95235, abs=1e-5)
    # thirty dry days: the exact solution of dS/dt = -(nu/S_max)^4 S^5 / 4
    expect = (smax ** -4 + np.arange(1, 31) * (NU / smax) ** 4) ** -0.25
    np.testing.assert_allclose(soil[:, 0], expect, rtol=1e-12)
    assert soil[-1, 0] == pytest.approx(82.39, abs=0.01)
    # mass: what percolated is what the soil lost (no ET, no input)
    assert rech[:, 0].sum() == pytest.approx(smax - soil[-1, 0], rel=1e-13)
    # nu = 0: no percolation at all (the HBV soil keeps its water on dry days)
    _, _, rech0, soil0, _ = _dry_soil(30, smax, smax, 0.0)
    assert not rech0.any() and (soil0 == smax).all()


def test_percolation_comes_after_et():
    _, aet, rech, soil, _ = _dry_soil(1, 50.0, 100.0, NU, pet=2.0)
    s_after_et = 50.0 - aet[0, 0]
    assert aet[0, 0] == pytest.approx(2.0 * 50.0 / 70.0, rel=1e-14)  # below LP S_max: PET x S / (LP S_max)
    x = NU * s_after_et / 100.0
    assert rech[0, 0] == pytest.approx(s_after_et * (1.0 - (1.0 + x ** 4) ** -0.25), rel=1e-14)
    assert soil[0, 0] == pytest.approx(s_after_et - rech[0, 0], rel=1e-14)


def _doc(**res):
    return base_doc(land_use={"forest": 0.5, "grassland": 0.5},
                    lithology={"limestone": 0.5, "dolomite": 0.0, "non_carbonate": 0.5, "allogenic_to_karst": 0.4},
                    reservoirs={"surface_k_per_d": 0.3, "epikarst_max_mm": 20.0, "nonkarst_baseflow_fraction": 0.5,
                                "nonkarst_baseflow_exponent": 3.0, "nonkarst_baseflow_k_per_d": 1e-3, **res})


def test_water_and_carbon_balance_close_with_percolation(tmp_path):
    # cold winters (snow cover for weeks) so that there are days without any liquid input
    drivers = synthetic_drivers(days=4 * 365, seed=5, t_mean=4.0, t_amp=10.0)
    r0 = run_doc(tmp_path / "off", _doc(), drivers)
    r1 = run_doc(tmp_path / "on", _doc(soil_percolation_nu=NU), drivers)
    for r in (r0, r1):
        assert r.summary["water_balance_error"] < 1e-12
        assert r.summary["carbon_balance_error"] < 1e-9
    ts0, ts1 = r0.timeseries, r1.timeseries
    liquid = (ts1["rain_mm"] + ts1["melt_mm"]).to_numpy()
    q0, q1 = ts0["outlet_runoff_mm"].to_numpy(), ts1["outlet_runoff_mm"].to_numpy()
    assert not np.array_equal(q0, q1)
    # the soil now drains: lower soil water, and the lowest flows are higher
    assert ts1["soil_water_mm"].mean() < ts0["soil_water_mm"].mean()
    assert np.quantile(q1, 0.05) > np.quantile(q0, 0.05)
    # days without any rain or melt exist (snow cover), and on them the soil still percolates
    dry = liquid == 0.0
    assert dry.sum() > 20
    assert (ts1["recharge_mm"].to_numpy()[dry] > 0).all()
    assert not (ts0["recharge_mm"].to_numpy()[(ts0["rain_mm"] + ts0["melt_mm"]).to_numpy() == 0.0] > 0).any()


def test_opt_in_identity(tmp_path):
    """Without the key (or with 0) nothing changes, bit for bit; the bundled kerschbaum and coln_bibury give the
    numbers of the code before the key existed; calibration parameters only change where the key is set."""
    drivers = synthetic_drivers(days=2 * 365, seed=2)
    c0 = load_catchment(write_catchment(tmp_path / "a", _doc(), drivers))
    c1 = load_catchment(write_catchment(tmp_path / "b", _doc(soil_percolation_nu=0.0), drivers))
    assert c0.reservoirs.soil_percolation_nu == 0.0
    data = load_drivers(c0.drivers, c0.latitude, c0.start, c0.end).data
    assert np.array_equal(simulate_water(c0, data).outlet_mm, simulate_water(c1, data).outlet_mm)
    names0 = [p.name for p in default_parameters(c0)]
    assert "reservoirs.soil_percolation_nu" not in names0
    c2 = load_catchment(write_catchment(tmp_path / "c", _doc(soil_percolation_nu=NU), drivers))
    names2 = [p.name for p in default_parameters(c2)]
    assert [n for n in names2 if n != "reservoirs.soil_percolation_nu"] == names0
    spec = {p.name: p for p in default_parameters(c2)}["reservoirs.soil_percolation_nu"]
    assert (spec.lower, spec.upper) == (0.1, 1.0)
    for name, total, last in (("kerschbaum", 13690.146482992865, 2.2944584050659094),
                              ("coln_bibury", 4835.221686237536, 1.4968621473731947)):
        c = load_catchment(resolve_catchment(name))
        assert c.reservoirs.soil_percolation_nu == 0.0
        d = load_drivers(c.drivers, c.latitude, c.start, c.end).data
        q = simulate_water(c, d).outlet_mm
        assert float(q.sum()) == pytest.approx(total, rel=1e-12)
        assert float(q[-1]) == pytest.approx(last, rel=1e-12)


def test_bad_value_is_a_catchment_error(tmp_path):
    with pytest.raises(CatchmentError, match="soil_percolation_nu"):
        load_catchment(write_catchment(tmp_path, _doc(soil_percolation_nu=-0.1), synthetic_drivers(days=400)))
