"""Soil CO2 (karstmodel.processes.soil_co2): the production-diffusion formula by hand for one hydrotope and day, the
diffusion depth factor against numerical integration of the steady-state profile, the soil-temperature filter,
the Brook et al. (1983) relation, pCO2 >= atmosphere, and the seasonal range on the bundled Kerschbaum run."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from karst_helpers import bundled_run
from karstmodel.config.catchment import Hydrotope
from karstmodel.processes.landuse import LAND_USE_CLASSES, default_parameters
from karstmodel.processes.soil_co2 import depth_factor_m, simulate_soil_co2, soil_temperature

R = 8.314462618  # J mol-1 K-1
P0 = 101325.0  # Pa


def _hyd(cls="forest", **kw):
    p = default_parameters("all")[cls]
    return Hydrotope(cls, cls, 1.0, p.with_updates(**kw) if kw else p)


def steady_profile_excess(L: float, zp: float) -> float:
    """C(L) - C(0) per unit total production and unit diffusivity, from the steady-state diffusion equation
    D C'' = -S0 exp(-z/zp), C(0) = C_atm, C'(L) = 0 (no flux into the bedrock): integrating twice,
    C(L) - C(0) = (1/D) int_0^L z S(z) dz; divided by the column production int_0^L S(z) dz. Numerical quadrature."""
    num, _ = quad(lambda z: z * math.exp(-z / zp), 0.0, L, epsabs=0, epsrel=1e-13)
    den, _ = quad(lambda z: math.exp(-z / zp), 0.0, L, epsabs=0, epsrel=1e-13)
    return num / den


@pytest.mark.parametrize("L,zp", [(0.6, 0.198), (0.3, 0.099), (0.05, 0.025), (1.0, 5.0)])
def test_depth_factor_equals_integrated_profile(L, zp):
    assert float(depth_factor_m(L, zp)) == pytest.approx(steady_profile_excess(L, zp), rel=1e-10)


def test_depth_factor_limits():
    # nearly uniform production (zp >> L): factor -> L/2 - L^2 / (12 zp) (series of the closed form)
    assert float(depth_factor_m(0.5, 1e3)) == pytest.approx(0.25 - 0.25 / 12e3, rel=1e-7)
    assert float(depth_factor_m(0.0, 0.1)) == 0.0


def test_process_model_one_day_by_hand():
    """A forest hydrotope with R10 1.431 g C m-2 d-1, Q10 2.76, L 0.6 m, z_p 0.33 L, phi 0.60, theta_fc 0.32,
    theta_wp 0.10 (set here, not the shipped defaults), soil at 18 C, relative storage 0.5, 650 m a.s.l., 420 ppm;
    no soil-temperature lag."""
    hyd = _hyd("forest", r10_gc_m2_d=1.431, q10=2.76, soil_depth_m=0.6, production_depth_fraction=0.33, porosity=0.60,
               field_capacity_m3_m3=0.32, wilting_point_m3_m3=0.10)
    out = simulate_soil_co2(np.array([18.0]), np.array([[0.5]]), [hyd], elevation_m=650.0, atmospheric_co2_ppm=420.0,
                            lag_days=0.0)
    theta = 0.10 + 0.5 * (0.32 - 0.10)  # 0.21
    wfps = theta / 0.60  # 0.35
    f = wfps / 0.6  # Linn & Doran rising limb
    prod = 1.431 * 2.76 ** ((18.0 - 10.0) / 10.0) * f  # g C m-2 d-1
    p_atm = (1.0 - 2.25577e-5 * 650.0) ** 5.25588  # standard atmosphere, L/T0 = 0.0065/288.15 (U.S. Std. Atm. 1976)
    d0 = 1.381e-5 * ((18.0 + 273.15) / 273.15) ** 1.81 / p_atm  # Massman (1998), m2 s-1
    eps = 0.60 - theta
    ds = d0 * eps ** (10.0 / 3.0) / 0.60 ** 2  # Millington & Quirk (1961)
    flux = prod / 12.0111 / 86400.0  # mol m-2 s-1
    dc = flux * steady_profile_excess(0.6, 0.33 * 0.6) / ds  # mol m-3
    pco2 = 420e-6 * p_atm + dc * R * (18.0 + 273.15) / P0
    assert out["wfps"][0, 0] == pytest.approx(wfps, rel=1e-12)
    assert out["production_gc_m2_d"][0, 0] == pytest.approx(prod, rel=1e-12)
    assert out["pco2_atm"][0, 0] == pytest.approx(pco2, rel=1e-9)
    # the hand numbers themselves (a soil-air pCO2 of ~0.4 %, inside the field range of temperate forest soils)
    assert prod == pytest.approx(1.88054, abs=1e-5)
    assert pco2 * 1e6 == pytest.approx(3985.4, abs=0.1)


def test_moisture_response_falling_limb_by_hand():
    """Wet soil: relative storage 1 -> theta = theta_fc; with porosity 0.35, WFPS = 0.32/0.35 and
    f = 1 - 0.5 (WFPS - 0.6)/0.4 (Linn & Doran 1984 optimum at 60 %)."""
    hyd = _hyd("forest", porosity=0.35, field_capacity_m3_m3=0.32, r10_gc_m2_d=1.431)
    out = simulate_soil_co2(np.array([10.0]), np.array([[1.0]]), [hyd], 0.0, 420.0, 0.0)
    wfps = 0.32 / 0.35
    assert out["production_gc_m2_d"][0, 0] == pytest.approx(1.431 * (1.0 - 0.5 * (wfps - 0.6) / 0.4), rel=1e-12)


def test_soil_temperature_filter_by_hand():
    rng = np.random.default_rng(2)
    t = 8 + 10 * np.sin(np.arange(100) / 15.0) + rng.normal(0, 2, 100)
    lag = 10.0
    got = soil_temperature(t, lag)
    alpha = 1.0 - math.exp(-1.0 / lag)
    y = float(np.mean(t[:30]))
    for i in range(t.size):  # y_t = y_(t-1) + alpha (x_t - y_(t-1)), started at the mean of the first 30 days
        y = y + alpha * (t[i] - y)
        assert got[i] == pytest.approx(y, abs=1e-12)
    # under a snowpack (> 5 mm SWE) the soil stays >= 0 C
    swe = np.where(t < 2, 20.0, 0.0)
    snow = soil_temperature(t, lag, swe)
    assert np.all(snow[swe > 5] >= 0.0)
    np.testing.assert_allclose(snow[swe <= 5], got[swe <= 5], atol=0)


def test_pco2_never_below_atmosphere():
    rng = np.random.default_rng(5)
    n = 400
    temp = rng.uniform(-15, 35, n)
    rel = rng.uniform(0, 1, (n, len(LAND_USE_CLASSES)))
    hyds = [_hyd(c) for c in LAND_USE_CLASSES]
    for elev in (0.0, 2500.0):
        out = simulate_soil_co2(temp, rel, hyds, elev, 420.0, 5.0)
        atm = 420e-6 * (1.0 - 2.25577e-5 * elev) ** 5.25588  # standard atmosphere
        assert np.all(out["pco2_atm"] >= atm * (1 - 1e-12))
        # open water has no soil: exactly the atmospheric partial pressure
        j = LAND_USE_CLASSES.index("water")
        np.testing.assert_allclose(out["pco2_atm"][:, j], atm, rtol=1e-12)


def test_brook_model_by_hand():
    """Brook, Folkoff & Box (1983): log10 pCO2 = -3.47 + 2.09 (1 - exp(-0.00172 AET)), AET in mm/yr.
    Constant AET 2.5 mm/d = 912.5 mm/yr: log10 pCO2 = -3.47 + 2.09 x 0.79182 = -1.8151 -> 0.01531 atm."""
    n = 800
    aet = np.full((n, 1), 2.5)
    out = simulate_soil_co2(np.full(n, 10.0), np.full((n, 1), 0.5), [_hyd("grassland")], 0.0, 420.0, 0.0,
                            aet_mm=aet, model="brook")
    expected = 10 ** (-3.47 + 2.09 * (1 - math.exp(-0.00172 * 912.5)))
    assert expected == pytest.approx(0.01531, abs=1e-5)
    np.testing.assert_allclose(out["pco2_atm"][:, 0], expected, rtol=1e-12)
    # varying AET: an interior day uses the centred 365-day sum
    rng = np.random.default_rng(8)
    aet = rng.uniform(0, 5, (n, 1))
    out = simulate_soil_co2(np.full(n, 10.0), np.full((n, 1), 0.5), [_hyd("grassland")], 0.0, 420.0, 0.0,
                            aet_mm=aet, model="brook")
    day = 400
    annual = aet[day - 182: day + 183, 0].sum()
    assert out["pco2_atm"][day, 0] == pytest.approx(10 ** (-3.47 + 2.09 * (1 - math.exp(-0.00172 * annual))),
                                                    rel=1e-10)
    # no AET: the relation gives 10^-3.47 = 339 ppm, below the atmosphere: the model keeps the atmospheric value
    out = simulate_soil_co2(np.full(n, 10.0), np.full((n, 1), 0.5), [_hyd("grassland")], 0.0, 420.0, 0.0,
                            aet_mm=np.zeros((n, 1)), model="brook")
    np.testing.assert_allclose(out["pco2_atm"][:, 0], 420e-6, rtol=1e-12)


def test_kerschbaum_seasonal_range():
    """Soil-air pCO2 on the bundled Kerschbaum run: between hundreds and tens of thousands of ppm (field ranges:
    400-2,000 ppm in winter, 2,000-20,000 ppm in summer; docs/science.md, Soil CO2), and, under forest (83 % of the
    area), higher in summer than in winter. (The thin-soil urban hydrotope peaks in winter: wet soil, low
    air-filled porosity, slow diffusion.)"""
    res = bundled_run("kerschbaum")
    s = res.summary["soil_co2"]
    for name, v in s.items():
        assert 400.0 < v["pco2_ppm_p05"], (name, v)
        assert v["pco2_ppm_p95"] < 100000.0, (name, v)
        assert v["pco2_ppm_p05"] < v["pco2_ppm_mean"] < v["pco2_ppm_p95"]
    ts = res.timeseries
    col = ts["soil_pco2_ppm_forest"]
    summer = col[ts.index.month.isin([6, 7, 8])].mean()
    winter = col[ts.index.month.isin([12, 1, 2])].mean()
    assert 2000.0 < summer < 20000.0, summer
    assert 400.0 < winter < summer / 1.3, (summer, winter)
    # the summary percentiles are those of the time series
    assert s["forest"]["pco2_ppm_p95"] == pytest.approx(np.percentile(col, 95), rel=1e-12)


def test_soil_temperature_lag_is_scipy_lfilter_to_the_bit():
    """The compiled first-order lag gives scipy.signal.lfilter's numbers exactly (same operations, same order)."""
    from scipy.signal import lfilter

    from karstmodel.processes.soil_co2 import _first_order_lag

    rng = np.random.default_rng(7)
    x = rng.normal(9.0, 8.0, 5844)
    for lag_days in (0.3, 1.0, 5.0, 30.0):
        alpha = 1.0 - np.exp(-1.0 / lag_days)
        z0 = (1.0 - alpha) * float(np.mean(x[:30]))
        ref, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], x, zi=[z0])
        assert np.array_equal(_first_order_lag(x, alpha, z0), ref)
