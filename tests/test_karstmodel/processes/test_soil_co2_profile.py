"""The soil CO2 profile at depth (karstmodel.processes.soil_co2): the closed form C(z) of the production-diffusion
profile, with and without a tilled plough layer, against a finite-difference solution of the steady-state
equation d/dz (D dC/dz) = -S(z), C(0) = 0, dC/dz(L) = 0; the 10-50 cm layer mean against quadrature; the limits
(zero production gives atmospheric CO2; no tillage gives the untilled profile bit for bit) and the monotonic
responses to production, soil thickness, soil moisture and tillage."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from karstmodel.config.catchment import Hydrotope
from karstmodel.processes.landuse import default_parameters
from karstmodel.processes.soil_co2 import (excess_at_depth_mol_m3, layer_mean_excess_mol_m3, simulate_soil_co2)


def finite_difference_profile(L, zp, flux, d_top, d_below, zt, n=4000):
    """Cell-centred finite volumes for d/dz (D dC/dz) = -S0 exp(-z/zp) with C(0) = 0 and no flux at L; D = d_top
    above zt, d_below under it (harmonic mean at faces). Returns the nodes z and C(z)."""
    dz = L / n
    zc = (np.arange(n) + 0.5) * dz
    s0 = flux / (zp * (1.0 - np.exp(-L / zp)))
    # exact source per cell (integral of S over the cell) / dz
    edges = np.arange(n + 1) * dz
    src = s0 * zp * (np.exp(-edges[:-1] / zp) - np.exp(-edges[1:] / zp)) / dz
    d = np.where(zc < zt, d_top, d_below)
    a = np.zeros((n, n))
    b = -src * dz
    for i in range(n):
        if i == 0:  # face at z = 0: Dirichlet C = 0, half-cell distance
            g = d[0] / (dz / 2)
            a[0, 0] -= g
        else:
            g = 2.0 / (1.0 / d[i - 1] + 1.0 / d[i]) / dz
            a[i, i] -= g
            a[i, i - 1] += g
        if i < n - 1:
            g = 2.0 / (1.0 / d[i] + 1.0 / d[i + 1]) / dz
            a[i, i] -= g
            a[i, i + 1] += g
    c = np.linalg.solve(a, b)
    return zc, c


@pytest.mark.parametrize("L,zp,zt", [(0.6, 0.2, 0.0), (0.5, 0.165, 0.25), (0.3, 0.1, 0.1), (1.0, 2.0, 0.3)])
def test_closed_form_profile_equals_finite_differences(L, zp, zt):
    flux, d_below, d_top = 5e-6, 2e-6, 3.5e-6  # mol m-2 s-1, m2 s-1
    z, c_fd = finite_difference_profile(L, zp, flux, d_top if zt > 0 else d_below, d_below, zt, n=2000)
    c = excess_at_depth_mol_m3(z, flux, L, zp, d_below, d_top if zt > 0 else None, zt)
    assert np.max(np.abs(c - c_fd)) / np.max(c_fd) < 2e-3
    # at the base: the depth factor of the untilled profile plus the plough-layer term
    assert float(excess_at_depth_mol_m3(L, flux, L, zp, d_below, d_top, zt)) == pytest.approx(c_fd[-1], rel=2e-3)


def test_layer_mean_equals_quadrature():
    L, zp, zt, flux, db, dt = 0.6, 0.2, 0.25, 4e-6, 1.5e-6, 2.5e-6
    ref = quad(lambda z: float(excess_at_depth_mol_m3(z, flux, L, zp, db, dt, zt)), 0.1, 0.5, points=[zt],
               epsrel=1e-12)[0] / 0.4
    assert float(layer_mean_excess_mol_m3(0.1, 0.5, flux, L, zp, db, dt, zt)) == pytest.approx(ref, rel=1e-10)
    # a soil shallower than the layer: the mean over 10 cm .. its base
    ref2 = quad(lambda z: float(excess_at_depth_mol_m3(z, flux, 0.3, zp, db)), 0.1, 0.3, epsrel=1e-12)[0] / 0.2
    assert float(layer_mean_excess_mol_m3(0.1, 0.5, flux, 0.3, zp, db)) == pytest.approx(ref2, rel=1e-10)


def _run(days=60, storage=0.5, temp=15.0, **kw):
    p = default_parameters("all")["cropland"]
    h = Hydrotope("c", "cropland", 1.0, p.with_updates(**kw) if kw else p)
    return simulate_soil_co2(np.full(days, temp), np.full((days, 1), storage), [h], 500.0, 420.0, 10.0)


def test_zero_production_gives_atmospheric_co2():
    out = _run(r10_gc_m2_d=0.0)
    p_air = 420e-6 * 101325.0 * (1 - 0.0065 * 500.0 / 288.15) ** 5.25588 / 101325.0  # US Std Atm 1976, eq. 33a
    assert np.allclose(out["pco2_atm"], p_air, rtol=1e-9)
    assert np.allclose(out["pco2_10_50cm_atm"], out["pco2_atm"], rtol=1e-12)


def test_no_tillage_is_the_untilled_profile_exactly():
    a = _run()
    b = _run(tillage_depth_m=0.0, tilled_porosity_increase=0.2)
    assert np.array_equal(a["pco2_atm"], b["pco2_atm"])


def test_monotonic_responses():
    base = _run()["pco2_atm"][-1, 0]
    assert _run(r10_gc_m2_d=2.0)["pco2_atm"][-1, 0] > base  # more production
    assert _run(soil_depth_m=0.8)["pco2_atm"][-1, 0] > base  # thicker soil
    assert _run(soil_depth_m=0.2)["pco2_atm"][-1, 0] < base
    assert _run(storage=0.9)["pco2_atm"][-1, 0] > base  # wetter: less air-filled pore space
    tilled = _run(tillage_depth_m=0.25)["pco2_atm"][-1, 0]
    deeper = _run(tillage_depth_m=0.4)["pco2_atm"][-1, 0]
    assert deeper < tilled < base  # a loosened plough layer vents CO2
    # the size of the tillage effect: D_t / D_b from Millington-Quirk at +0.05 porosity, here about -20 %
    assert tilled / base == pytest.approx(0.80, abs=0.05)
    # the layer mean lies between the atmosphere and the base value
    out = _run()
    assert np.all(out["pco2_10_50cm_atm"] < out["pco2_atm"]) and np.all(out["pco2_10_50cm_atm"] > 420e-6 * 0.94)
