"""karstmodel.processes.reaches.light: solar geometry (Spencer 1971), clear-sky PAR, cloudiness, light under water."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from karstmodel.processes.reaches import light as lt


def test_declination_solstices_and_equinoxes():
    # +23.44 deg at the June solstice, -23.44 in December, ~0 at the equinoxes (2021: 20 March 09:37 UTC = day
    # 79.4, 22 September 19:21 UTC = day 265.8). Spencer's series is a mean-year fit, and the equinox moves by up to
    # a day through the leap-year cycle (0.4 deg of declination per day), hence the 1-deg tolerance there.
    dec = np.rad2deg(lt.declination_rad(np.array([79.4, 172.0, 265.8, 355.5])))
    assert dec[1] == pytest.approx(23.44, abs=0.1)
    assert dec[3] == pytest.approx(-23.44, abs=0.1)
    assert abs(dec[0]) < 1.0 and abs(dec[2]) < 1.0


def test_equation_of_time_extremes():
    # known extremes: about -14.2 min in mid-February and +16.4 min in early November
    doy = np.arange(1, 366)
    eot = lt.equation_of_time_min(doy)
    assert eot.min() == pytest.approx(-14.2, abs=0.5)
    assert 40 <= doy[np.argmin(eot)] <= 48
    assert eot.max() == pytest.approx(16.4, abs=0.5)
    assert 300 <= doy[np.argmax(eot)] <= 310


def test_eccentricity_perihelion_aphelion():
    e = lt.eccentricity_factor(np.array([3.0, 185.0]))
    assert e[0] == pytest.approx(1.0342, abs=1e-3)  # (1/0.9833)^2
    assert e[1] == pytest.approx(0.9669, abs=1e-3)  # (1/1.0167)^2


@pytest.mark.parametrize("lat", [-35.0, 0.0, 26.25, 41.33, 60.0])
def test_noon_elevation_and_symmetry(lat):
    """Maximum elevation = 90 - |lat - declination|, reached at apparent solar noon; the day is symmetric."""
    lon, off = 15.0, 1.0  # on the time-zone meridian
    t = pd.date_range("2021-06-21", periods=24 * 60, freq="1min")
    h = lt.solar_elevation_deg(t, lat, lon, off)
    dec = np.rad2deg(lt.declination_rad(172.5))
    assert h.max() == pytest.approx(90.0 - abs(lat - dec), abs=0.05)
    noon_clock = 12.0 - lt.equation_of_time_min(172.5) / 60.0
    i = np.argmax(h)
    assert (t[i].hour + t[i].minute / 60.0) == pytest.approx(noon_clock, abs=2 / 60)
    if lat < 60.0 and lat > -35.0:
        up = np.flatnonzero(h > 0)
        mid = 0.5 * (up[0] + up[-1]) / 60.0
        assert mid == pytest.approx(noon_clock, abs=3 / 60)


def test_longitude_shifts_solar_noon():
    t = pd.date_range("2021-03-21", periods=1440, freq="1min")
    h0 = lt.solar_elevation_deg(t, 30.0, 105.0, 7.0)
    h1 = lt.solar_elevation_deg(t, 30.0, 100.0, 7.0)  # 5 deg west of the meridian: noon 20 min later
    assert (np.argmax(h1) - np.argmax(h0)) == pytest.approx(20, abs=1)


def test_clear_sky_shortwave_magnitude():
    t = pd.date_range("2021-06-21", periods=24 * 12, freq="5min")
    sw = lt.clear_sky_shortwave_w_m2(t, 45.0, 15.0, 1.0)
    assert 850.0 < sw.max() < 1050.0  # clear summer noon, mid-latitude, sea level
    assert np.all(sw >= 0.0)
    assert sw[0] == 0.0  # midnight
    daily_mj = sw.sum() * 300 / 1e6
    assert 25.0 < daily_mj < 35.0  # clear-sky daily total near 45 N in June (FAO-56 Rso ~ 31 MJ m-2 d-1)
    # higher elevation: more light
    assert lt.clear_sky_shortwave_w_m2(t, 45.0, 15.0, 1.0, elevation_m=3000).max() > sw.max()


def test_par_conversion_and_clouds():
    assert lt.shortwave_to_par_umol(1000.0) == pytest.approx(1000 * 0.47 * 4.57)
    assert lt.cloud_factor(0.0) == 1.0
    assert lt.cloud_factor(1.0) == pytest.approx(0.25)
    t = pd.date_range("2021-06-21", periods=96, freq="15min")
    clear = lt.surface_par_umol_m2_s(t, 26.0, 106.0, 8.0)
    cloudy = lt.surface_par_umol_m2_s(t, 26.0, 106.0, 8.0, cloudiness=pd.Series([1.0], index=[t[0]]))
    np.testing.assert_allclose(cloudy, 0.25 * clear)
    assert 1800 < clear.max() < 2300


def test_beer_lambert_and_mixed_layer_mean():
    i0, kd, z = 1500.0, 0.8, 2.5
    assert lt.light_at_depth(i0, z, kd) == pytest.approx(i0 * np.exp(-kd * z))
    num, _ = integrate.quad(lambda x: i0 * np.exp(-kd * x), 0, z)
    assert lt.mean_light_mixed_layer(i0, z, kd) == pytest.approx(num / z, rel=1e-10)
    assert lt.mean_light_mixed_layer(i0, 1.0, 1e-12) == pytest.approx(i0, rel=1e-9)
    assert lt.light_at_depth(i0, 0.0, kd, albedo=0.06) == pytest.approx(0.94 * i0)


def test_align_series_daily_at_noon_and_subdaily():
    days = pd.date_range("2021-01-01", periods=3, freq="D")
    s = pd.Series([0.0, 10.0, 20.0], index=days)
    t = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 12:00", "2021-01-02 00:00", "2021-01-03 18:00"])
    np.testing.assert_allclose(lt.align_series(s, t), [0.0, 0.0, 5.0, 20.0])
    sub = pd.Series([1.0, 3.0], index=pd.DatetimeIndex(["2021-01-01 06:00", "2021-01-01 08:00"]))
    np.testing.assert_allclose(lt.align_series(sub, pd.DatetimeIndex(["2021-01-01 07:00"])), [2.0])
    np.testing.assert_allclose(lt.align_series(4.0, t), 4.0)
    with pytest.raises(ValueError):
        lt.align_series(np.ones(3), t)


def test_clear_sky_evaluated_once_per_day_of_year_and_clock_time_equals_every_time():
    # three years (one a leap year) at 15 min, plus irregular times: evaluating each (day of year, clock time)
    # once must give what the formulas give at every time
    times = pd.date_range("2019-12-30", "2021-01-03", freq="15min").append(
        pd.DatetimeIndex(["1969-07-20 20:17:40", "2020-02-29 12:00:00.5", "2021-03-01 12:00:00"]))
    fast = lt.clear_sky_shortwave_w_m2(times, 47.5, 13.0, elevation_m=600.0)
    ref = lt._clear_sky_shortwave(times, 47.5, 13.0, None, 600.0)
    assert np.array_equal(fast, ref)
    assert fast.max() > 800.0 and (fast == 0.0).mean() > 0.4  # a day and a night, not a constant
