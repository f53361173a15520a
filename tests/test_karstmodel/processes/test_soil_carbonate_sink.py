"""CO2 consumed by carbonate dissolving in the soil (karstmodel.processes.soil_co2, ``soil_carbonate_fraction``):
the closed-form profile with a uniform sink against a finite-volume solution of d/dz (D dC/dz) = -(S(z) - U); the
column sink capped by what percolation carries away at calcite equilibrium (checked against chemistry.equilibrate);
no carbonate gives the profile without the sink bit for bit; the soil air never falls below the atmosphere."""
from __future__ import annotations

import numpy as np
import pytest

import chemistry
from karstmodel.config.catchment import Hydrotope
from karstmodel.processes import soil_co2 as sc
from karstmodel.processes.landuse import default_parameters
from karstmodel.processes.soil_co2 import (M_C, excess_at_depth_mol_m3, layer_mean_excess_mol_m3, pressure_atm,
                                          simulate_soil_co2)


def fv_profile(L, zp, flux, sink, d, n=2000):
    """Finite volumes for d/dz (D dC/dz) = -(S0 exp(-z/zp) - sink), C(0) = 0, no flux at L (uniform D)."""
    dz = L / n
    edges = np.arange(n + 1) * dz
    s0 = flux / (zp * (1.0 - np.exp(-L / zp)))
    src = s0 * zp * (np.exp(-edges[:-1] / zp) - np.exp(-edges[1:] / zp)) / dz - sink
    a = np.zeros((n, n))
    g = d / dz
    for i in range(n):
        a[i, i] -= 2 * g if i == 0 else g
        if i > 0:
            a[i, i - 1] += g
        if i < n - 1:
            a[i, i] -= g
            a[i, i + 1] += g
    return (np.arange(n) + 0.5) * dz, np.linalg.solve(a, -src * dz)


@pytest.mark.parametrize("L,zp,frac", [(0.6, 0.2, 0.3), (0.4, 0.13, 0.6), (1.0, 0.5, 0.1)])
def test_profile_with_uniform_sink_equals_finite_volumes(L, zp, frac):
    flux, d = 5e-6, 2e-6
    sink = frac * flux / L
    z, c_fv = fv_profile(L, zp, flux, sink, d)
    c = excess_at_depth_mol_m3(z, flux, L, zp, d, sink_mol_m3_s=sink)
    assert np.max(np.abs(c - c_fv)) / np.max(c_fv) < 2e-3
    # the layer mean integrates the same profile; no sink = the profile without it
    assert float(layer_mean_excess_mol_m3(0.1, 0.5, flux, L, zp, d, sink_mol_m3_s=sink)) < float(
        layer_mean_excess_mol_m3(0.1, 0.5, flux, L, zp, d))
    assert np.array_equal(excess_at_depth_mol_m3(z, flux, L, zp, d), excess_at_depth_mol_m3(z, flux, L, zp, d,
                                                                                            sink_mol_m3_s=None))


def _run(percolation_mm, frac=0.1, grain=1.0, temp=15.0, storage=0.5, days=30, **kw):
    p = default_parameters("all")["forest"].with_updates(soil_carbonate_fraction=frac, soil_carbonate_grain_mm=grain,
                                                         **kw)
    h = Hydrotope("f", "forest", 1.0, p)
    return simulate_soil_co2(np.full(days, temp), np.full((days, 1), storage), [h], 500.0, 420.0, 0.0,
                             percolation_mm=np.full((days, 1), percolation_mm))


def test_no_soil_carbonate_is_the_profile_without_sink_exactly():
    a = _run(5.0, frac=0.0)
    p = default_parameters("all")["forest"]
    b = simulate_soil_co2(np.full(30, 15.0), np.full((30, 1), 0.5), [Hydrotope("f", "forest", 1.0, p)], 500.0,
                          420.0, 0.0)
    assert np.array_equal(a["pco2_atm"], b["pco2_atm"])
    assert np.array_equal(a["pco2_10_50cm_atm"], b["pco2_10_50cm_atm"])
    assert not np.any(a["carbonate_co2_sink_gc_m2_d"])


def test_sink_is_what_percolation_carries_at_calcite_equilibrium():
    """Fine grains make the kinetic rate large, so the day's sink is percolation x Ca at open-system calcite
    equilibrium at the soil-air pCO2 without the sink (one CO2 per CaCO3): compared with a direct PHREEQC-type
    solve (chemistry.equilibrate)."""
    free = _run(0.0, frac=0.0)
    got = _run(4.0, grain=0.01)
    p0 = float(free["pco2_atm"][-1, 0])
    ca = float(chemistry.equilibrate(15.0, p0, mineral="calcite", system="open")["ca_mmol_kgw"].iloc[0])
    expect_gc = 4.0 * ca / 1000.0 * M_C  # L m-2 x mmol/L -> g C m-2 d-1
    assert float(got["carbonate_co2_sink_gc_m2_d"][-1, 0]) == pytest.approx(expect_gc, rel=2e-3)
    assert got["pco2_atm"][-1, 0] < p0
    # no percolation, no sink (stagnant soil water saturates)
    assert not np.any(_run(0.0)["carbonate_co2_sink_gc_m2_d"])
    # the kinetic limit binds for coarse, scarce carbonate: the sink falls with the carbonate surface
    coarse = float(_run(4.0, frac=1e-5, grain=50.0)["carbonate_co2_sink_gc_m2_d"][-1, 0])
    assert 0 < coarse < 0.5 * expect_gc
    assert float(_run(4.0, frac=2e-5, grain=50.0)["carbonate_co2_sink_gc_m2_d"][-1, 0]) == pytest.approx(2 * coarse,
                                                                                                       rel=1e-9)


def test_soil_air_never_below_the_atmosphere():
    out = _run(200.0, grain=0.01, r10_gc_m2_d=0.05)
    p_air = 420e-6 * pressure_atm(500.0)
    assert np.all(out["pco2_atm"] >= p_air * (1 - 1e-12))
    assert out["pco2_atm"][-1, 0] == pytest.approx(p_air, rel=1e-9)  # the cap at the atmosphere binds


def test_needs_percolation():
    p = default_parameters("all")["forest"].with_updates(soil_carbonate_fraction=0.1)
    with pytest.raises(ValueError, match="percolation"):
        simulate_soil_co2(np.full(5, 15.0), np.full((5, 1), 0.5), [Hydrotope("f", "forest", 1.0, p)], 500.0, 420.0,
                          0.0)


def test_run_profile_equals_the_closed_form_with_sink_and_tillage():
    """The base pCO2 of a tilled soil with carbonate equals excess_at_depth_mol_m3 with the run's production and
    sink (the two-layer profile with the uniform sink), so the layer mean and the base share one profile."""
    out = _run(6.0, temp=15.0, tillage_depth_m=0.25)
    p = default_parameters("all")["forest"].with_updates(soil_carbonate_fraction=0.1, tillage_depth_m=0.25)
    theta = p.wilting_point_m3_m3 + 0.5 * (p.field_capacity_m3_m3 - p.wilting_point_m3_m3)
    d0 = sc.co2_diffusivity_air_m2_s(15.0, pressure_atm(500.0))
    ds = d0 * sc.millington_quirk(p.porosity - theta, p.porosity)
    pt = p.porosity + p.tilled_porosity_increase
    dt = d0 * sc.millington_quirk(pt - theta, pt)
    flux = out["production_gc_m2_d"][-1, 0] / M_C / 86400.0
    sink = out["carbonate_co2_sink_gc_m2_d"][-1, 0] / M_C / 86400.0 / p.soil_depth_m
    assert sink > 0
    ex = excess_at_depth_mol_m3(p.soil_depth_m, flux, p.soil_depth_m, p.soil_depth_m * p.production_depth_fraction,
                                ds, dt, 0.25, sink)
    expect = 420e-6 * pressure_atm(500.0) + ex * sc.R_J_MOL_K * (15.0 + 273.15) / sc.P0_PA
    assert out["pco2_atm"][-1, 0] == pytest.approx(float(expect), rel=1e-12)
