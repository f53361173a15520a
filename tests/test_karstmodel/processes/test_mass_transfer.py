"""Surface reaction in series with boundary-layer transport (karstmodel.processes.mass_transfer): the series rate
against its exact limits and the analytic solution of two linear rates in series, the water properties against
the IAPWS reference values, the diffusion coefficient against the tracer coefficients it comes from, and the
Sherwood correlation against hand-computed values."""
from __future__ import annotations

import numpy as np
import pytest

from karstmodel.processes.mass_transfer import (CA_HCO3_DIFFUSIVITY_25C_M2_S, D_CA_25C_M2_S, D_HCO3_25C_M2_S,
                                                boundary_layer_m, calcite_diffusivity_m2_s, channel_mass_transfer_m_s,
                                                kinematic_viscosity_m2_s, mixed_rate_mmol_cm2_s, sherwood_number,
                                                water_viscosity_pa_s)

RNG = np.random.default_rng(14)


def test_infinitely_fast_transport_gives_the_surface_rate_exactly():
    r_s = 10.0 ** RNG.uniform(-10, -6, 50)
    dc = RNG.uniform(0.01, 5.0, 50)
    assert np.array_equal(mixed_rate_mmol_cm2_s(r_s, np.inf, dc), r_s)
    assert np.array_equal(mixed_rate_mmol_cm2_s(-r_s, np.inf, -dc), -r_s)  # precipitation too


def test_no_transport_gives_no_dissolution():
    r_s = 10.0 ** RNG.uniform(-10, -6, 50)
    assert np.array_equal(mixed_rate_mmol_cm2_s(r_s, 0.0, RNG.uniform(0.01, 5.0, 50)), np.zeros(50))
    # at equilibrium, or where rate and undersaturation disagree in sign, nothing dissolves
    assert np.array_equal(mixed_rate_mmol_cm2_s([1e-8, 1e-8, 0.0], [1e-3, 1e-3, 1e-3], [0.0, -1.0, 1.0]), np.zeros(3))


def test_two_linear_rates_in_series_match_the_analytic_solution():
    """Surface r = alpha_s (c_eq - c_w), transport r = k_m (c_w - c): solved here for the wall concentration
    c_w = (alpha_s c_eq + k_m c) / (alpha_s + k_m) independently of the module's form, both fluxes equal, and the
    module's series rate equals them to 1e-12."""
    n = 200
    alpha_s = 10.0 ** RNG.uniform(-6, -2, n)  # cm/s
    k_m = 10.0 ** RNG.uniform(-6, -2, n)  # cm/s
    c_eq = RNG.uniform(0.5, 5.0, n) * 1e-3  # mmol/cm3
    c = c_eq * RNG.uniform(0.0, 0.99, n)
    c_w = (alpha_s * c_eq + k_m * c) / (alpha_s + k_m)
    surface, transport = alpha_s * (c_eq - c_w), k_m * (c_w - c)
    assert surface == pytest.approx(transport, rel=1e-12)
    got = mixed_rate_mmol_cm2_s(alpha_s * (c_eq - c), k_m, (c_eq - c) * 1e3)
    assert got == pytest.approx(surface, rel=1e-12)
    # never faster than either step alone
    assert np.all(got < alpha_s * (c_eq - c)) and np.all(got < k_m * (c_eq - c))
    # equal resistances halve the rate
    assert mixed_rate_mmol_cm2_s(2e-8, 1e-5, 2.0) == pytest.approx(1e-8, rel=1e-12)


def test_water_viscosity_against_iapws():
    """Kestin et al. (1978) against IAPWS 2008 (Huber et al. 2009, J. Phys. Chem. Ref. Data 38:101) at 0.1 MPa:
    1791.1, 1305.9, 1001.6, 890.0, 652.7 uPa s at 0.01, 10, 20, 25, 40 C."""
    ref = np.array([1791.1, 1305.9, 1001.6, 890.0, 652.7]) * 1e-6
    assert water_viscosity_pa_s([0.01, 10.0, 20.0, 25.0, 40.0]) == pytest.approx(ref, rel=1e-3)
    # nu = mu / rho: 1.004e-6 m2/s at 20 C (rho 998.2 kg/m3)
    assert kinematic_viscosity_m2_s(20.0) == pytest.approx(1.0016e-3 / 998.2, rel=1e-3)


def test_diffusivity_from_the_tracer_coefficients_and_stokes_einstein():
    """Nernst-Hartley of Ca(HCO3)2 from Li & Gregory (1974): 3 x 7.93 x 11.8 / (2 x 7.93 + 11.8) = 10.149e-6
    cm2/s; at 10 C x (283.15 / 298.15) x (890.0 / 1305.9) (IAPWS viscosities) = 6.569e-10 m2/s."""
    assert 3 * D_CA_25C_M2_S * D_HCO3_25C_M2_S / (2 * D_CA_25C_M2_S + D_HCO3_25C_M2_S) == pytest.approx(
        1.0149e-9, rel=1e-4)
    assert CA_HCO3_DIFFUSIVITY_25C_M2_S == pytest.approx(1.0149e-9, rel=1e-3)
    assert calcite_diffusivity_m2_s(25.0) == pytest.approx(CA_HCO3_DIFFUSIVITY_25C_M2_S, rel=1e-12)
    assert calcite_diffusivity_m2_s(10.0) == pytest.approx(1.015e-9 * 283.15 / 298.15 * 890.0 / 1305.9, rel=1e-3)


def test_sherwood_number_by_hand():
    """Linton & Sherwood: Re 1e4, Sc 1000: 0.023 x 10^3.32 x 10 = 0.023 x 2089.3 x 10 = 480.5; laminar 3.66."""
    assert sherwood_number(1e4, 1000.0) == pytest.approx(480.5, rel=1e-4)
    assert np.array_equal(sherwood_number([10.0, 2000.0], [1000.0, 1000.0]), [3.66, 3.66])
    assert sherwood_number(2300.0, 1000.0) == pytest.approx(0.023 * 2300.0 ** 0.83 * 10.0, rel=1e-12)


def test_channel_mass_transfer_by_hand():
    """The sitter_appenzell sinking-stream contact (0.05 m/s, 0.1 m deep) at 20 C: d_h 0.4 m, nu 1.0034e-6 m2/s,
    Re 19,932, D = 1.015e-9 x 293.15/298.15 x 890.0/1001.6 = 8.868e-10 m2/s, Sc 1131.5, Sh = 0.023 x 19,932^0.83 x
    1131.5^(1/3) = 0.023 x 3,703.6 x 10.420 = 887.7, k_m = Sh D / d_h = 1.968e-6 m/s, eps = d_h / Sh = 0.451 mm."""
    assert channel_mass_transfer_m_s(0.05, 0.1, 20.0) == pytest.approx(1.968e-6, rel=2e-3)
    assert boundary_layer_m(0.05, 0.1, 20.0) == pytest.approx(0.4 / 887.7, rel=2e-3)
    # faster and shallower flow thins the layer: k_m ~ v^0.83 h^-0.17 in turbulent flow
    assert channel_mass_transfer_m_s(0.5, 0.1, 20.0) / channel_mass_transfer_m_s(0.05, 0.1, 20.0) == pytest.approx(
        10.0 ** 0.83, rel=1e-9)
