"""One formula each (chemistry.constants, chemistry.thermo): barometric pressure, water density and the
mm/d <-> m3/s factor are computed once and every process uses that one computation."""
import numpy as np
import pytest

from chemistry import thermo
from chemistry.constants import MM_D_PER_M3_S_KM2, standard_pressure_atm
from karstmodel.io.observations import m3_s_to_mm_d, mm_d_to_m3_s
from karstmodel.processes import soil_co2
from karstmodel.processes.reaches import gas_exchange, light


def test_standard_pressure_vs_the_us_standard_atmosphere_1976_table():
    """U.S. Standard Atmosphere 1976, Table I (geopotential altitude): 95460.8 Pa at 500 m, 89874.6 Pa at 1000 m,
    79495.2 Pa at 2000 m, 61640.2 Pa at 4000 m."""
    z = np.array([0.0, 500.0, 1000.0, 2000.0, 4000.0])
    table_pa = np.array([101325.0, 95460.8, 89874.6, 79495.2, 61640.2])
    np.testing.assert_allclose(standard_pressure_atm(z) * 101325.0, table_pa, atol=1.0)


@pytest.mark.parametrize("z", [0.0, 650.0, 1253.0, 2500.0])
def test_soil_co2_and_light_use_the_one_pressure(z):
    assert soil_co2.pressure_atm(z) == light.pressure_ratio_from_elevation(z) == float(standard_pressure_atm(z))


def test_compiled_water_density_is_wagner_pruss():
    """The reaches' compiled density is chemistry.thermo's (Wagner & Pruss 2002, eq. 2.6); IAPWS-95 at 0.101325 MPa
    gives 999.975 kg/m3 at 4 C and 998.206 at 20 C, met to 1e-5 relative (the auxiliary equation; Tilton & Taylor's
    relative density, 1 at 4 C, was 2.5e-5 high in g/cm3)."""
    t = np.linspace(0.0, 40.0, 41)
    np.testing.assert_allclose([gas_exchange.water_density_g_cm3(float(x)) for x in t],
                               thermo.water_density_g_cm3(t), rtol=1e-14)
    assert gas_exchange.water_density_g_cm3(4.0) * 1000.0 == pytest.approx(999.975, abs=1e-2)
    assert gas_exchange.water_density_g_cm3(20.0) * 1000.0 == pytest.approx(998.206, abs=1e-2)


def test_discharge_conversion_round_trip():
    assert MM_D_PER_M3_S_KM2 == 86.4  # 86400 s/d / 1e6 m2/km2 x 1000 mm/m
    assert m3_s_to_mm_d(1.0, 1.0) == pytest.approx(86.4, rel=1e-15)
    q = np.array([0.0, 0.37, 12.5])
    np.testing.assert_allclose(mm_d_to_m3_s(m3_s_to_mm_d(q, 57.4), 57.4), q, rtol=1e-15)
