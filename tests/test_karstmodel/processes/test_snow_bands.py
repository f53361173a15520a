"""Elevation bands of the degree-day snow model (``[snow] band_elevations_m`` / ``band_fractions``; HBV elevation
zones, CemaNeige bands) and the closed-catchment calibration option (``[calibration] closed_catchment``).

Hand-checked numbers: with a lapse rate gamma, band b has T_b = T + gamma (z_ref - z_b) / 100; with CemaNeige's
factor beta, P_b = P exp(beta (z_b - z_ref)) / sum_b f_b exp(beta (z_b - z_ref)).
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from karst_helpers import base_doc, run_doc, storage_columns, synthetic_drivers, write_catchment
from karstmodel.workflows.calibration import default_parameters, setup_from_catchment
from karstmodel.config.catchment import CatchmentError, SnowParameters, catchment_to_dict, load_catchment
from karstmodel.processes.snow import _snow_loop, band_forcing, catchment_swe, simulate_snow

BANDS = {"band_elevations_m": [700.0, 1200.0, 1900.0], "band_fractions": [0.5, 0.3, 0.2],
         "temperature_lapse_c_per_100m": 0.6, "precip_gradient_per_km": 0.41}


def _winter(seed=4, days=500):
    rng = np.random.default_rng(seed)
    doy = np.arange(days)
    temp = 2.0 + 9.0 * np.sin(2 * np.pi * (doy - 100) / 365.0) + rng.normal(0, 3, days)
    precip = np.where(rng.random(days) < 0.5, rng.exponential(6.0, days), 0.0)
    return precip, temp


def _prm(**kw):
    b = {k: (tuple(v) if isinstance(v, list) else v) for k, v in BANDS.items()}
    return SnowParameters(threshold_c=0.5, transition_c=1.0, melt_factor_mm_c_d=3.0, **{**b, **kw})


def test_band_forcing_by_hand():
    """Two bands 500 m either side of the mean: T +- 3 C with 0.6 C / 100 m; precipitation e^(-+0.205) scaled to
    keep the catchment mean; a day at T = 1 C, P = 10 mm: the low band (4 C) gets rain, the high band (-2 C) snow."""
    prm = SnowParameters(threshold_c=0.5, transition_c=1.0, melt_factor_mm_c_d=0.0, band_elevations_m=(500.0, 1500.0),
                         band_fractions=(0.5, 0.5), temperature_lapse_c_per_100m=0.6, precip_gradient_per_km=0.41)
    p, t, f = band_forcing(np.array([10.0]), np.array([1.0]), prm)
    np.testing.assert_allclose(t[0], [4.0, -2.0], rtol=0, atol=1e-12)
    w_low = math.exp(-0.205) / math.cosh(0.205)
    np.testing.assert_allclose(p[0], [10.0 * w_low, 10.0 * (2.0 - w_low)], rtol=1e-12)
    assert 0.5 * p[0, 0] + 0.5 * p[0, 1] == pytest.approx(10.0, rel=1e-15)
    out = simulate_snow(np.array([10.0]), np.array([1.0]), prm)
    assert out["rain_mm"][0] == pytest.approx(0.5 * 10.0 * w_low, rel=1e-12)
    assert out["rain_mm"][0] == pytest.approx(3.9891, abs=1e-4)
    assert out["snowfall_mm"][0] == pytest.approx(10.0 - 0.5 * 10.0 * w_low, rel=1e-12)
    np.testing.assert_allclose(out["swe_end"], [0.0, 10.0 * (2.0 - w_low)], rtol=1e-12)


def test_band_mass_balance_to_1e12():
    precip, temp = _winter()
    prm = _prm()
    out = simulate_snow(precip, temp, prm, swe0_mm=12.0)
    np.testing.assert_allclose(out["rain_mm"] + out["snowfall_mm"], precip, rtol=1e-13, atol=1e-12)
    swe_prev = np.concatenate([[12.0], out["swe_mm"][:-1]])
    np.testing.assert_allclose(out["snowfall_mm"] - out["melt_mm"], out["swe_mm"] - swe_prev, rtol=0, atol=1e-11)
    assert catchment_swe(out["swe_end"], prm) == pytest.approx(out["swe_mm"][-1], rel=1e-13)
    assert out["snowfall_mm"].sum() > 100.0 and out["melt_mm"].sum() > 100.0


def test_bands_spread_the_melt_and_keep_winter_rain():
    """Against one store at the mean elevation: the low band rains and melts in winter (more liquid water in
    Dec-Feb), the high bands keep snow later into the melt season (SWE lasts longer)."""
    precip, temp = _winter(seed=9, days=730)
    one = simulate_snow(precip, temp, replace(_prm(), band_elevations_m=(), band_fractions=()))
    bands = simulate_snow(precip, temp, _prm(precip_gradient_per_km=0.0))
    liquid1, liquid_b = one["rain_mm"] + one["melt_mm"], bands["rain_mm"] + bands["melt_mm"]
    doy = np.arange(730) % 365
    winter = (doy < 45) | (doy > 340)
    assert liquid_b[winter].sum() > 1.1 * liquid1[winter].sum()
    assert (bands["swe_mm"] > 1.0).sum() > (one["swe_mm"] > 1.0).sum()


def test_one_band_at_the_forcing_elevation_is_the_single_store():
    precip, temp = _winter(seed=3)
    single = simulate_snow(precip, temp, SnowParameters(melt_factor_mm_c_d=3.0))
    one_band = simulate_snow(precip, temp, SnowParameters(melt_factor_mm_c_d=3.0, band_elevations_m=(1000.0,),
                                                          band_fractions=(1.0,), precip_gradient_per_km=0.41))
    for k in ("rain_mm", "snowfall_mm", "melt_mm", "swe_mm"):
        np.testing.assert_array_equal(one_band[k], single[k], k)


def test_no_bands_is_bitwise_the_former_routine():
    precip, temp = _winter(seed=5)
    prm = SnowParameters(threshold_c=0.2, transition_c=2.0, melt_factor_mm_c_d=2.5)
    out = simulate_snow(precip, temp, prm, 7.0)
    ref = _snow_loop(precip, temp, 0.2, 2.0, 2.5, 7.0)
    for k, r in zip(("rain_mm", "snowfall_mm", "melt_mm", "swe_mm"), ref):
        np.testing.assert_array_equal(out[k], r, k)
    assert out["swe_end"] == float(ref[3][-1])


def test_pieces_equal_the_whole_record():
    """The per-band end state carries on: two pieces give the same series as one run."""
    precip, temp = _winter(seed=6, days=600)
    prm = _prm()
    whole = simulate_snow(precip, temp, prm)
    a = simulate_snow(precip[:250], temp[:250], prm)
    b = simulate_snow(precip[250:], temp[250:], prm, a["swe_end"])
    np.testing.assert_allclose(np.concatenate([a["swe_mm"], b["swe_mm"]]), whole["swe_mm"], rtol=1e-14, atol=1e-12)


def _cold_doc(**snow):
    return base_doc(location={"latitude": 47.0, "longitude": 14.0, "elevation_m": 1300.0},
                    snow={"threshold_c": 0.5, "melt_factor_mm_c_d": 3.0, **snow})


def test_catchment_with_bands_closes_its_balances(tmp_path):
    drivers = synthetic_drivers(days=4 * 365, seed=3, t_mean=3.0, t_amp=9.0)
    r = run_doc(tmp_path / "a", _cold_doc(**BANDS), drivers)
    s, ts = r.summary, r.timeseries
    assert s["water_balance_error"] < 1e-12
    assert s["carbon_balance_error"] < 1e-12
    st = ts[list(storage_columns())].sum(axis=1).to_numpy()
    f = ts.iloc[1:]
    out = (f["interception_evap_mm"].sum() + f["aet_mm"].sum() + f["spring_mm"].sum() + f["surface_runoff_mm"].sum()
           + f["other_outlets_mm"].sum())
    assert abs(f["precip_mm"].sum() - out - (st[-1] - st[0])) < 1e-10 * f["precip_mm"].sum()
    assert ts["swe_mm"].max() > 20.0  # snow does accumulate: the test is not vacuous
    # the bands change the run (same catchment without them)
    plain = run_doc(tmp_path / "b", _cold_doc(), drivers).timeseries
    assert not np.allclose(plain["spring_mm"].to_numpy(), ts["spring_mm"].to_numpy())


def test_bands_round_trip_through_the_writer(tmp_path):
    from karstmodel.config.catchment import write_catchment as write_c
    c = load_catchment(write_catchment(tmp_path / "a", _cold_doc(**BANDS), synthetic_drivers(days=400)))
    assert c.snow.band_elevations_m == (700.0, 1200.0, 1900.0) and c.snow.precip_gradient_per_km == 0.41
    c2 = load_catchment(write_c(c, tmp_path / "b" / "catchment.toml"))
    assert c2.snow == c.snow
    # without bands the writer adds no snow keys
    c3 = load_catchment(write_catchment(tmp_path / "c", _cold_doc(), synthetic_drivers(days=400)))
    assert set(catchment_to_dict(c3)["snow"]) == {"threshold_c", "transition_c", "melt_factor_mm_c_d"}


@pytest.mark.parametrize("snow,needle", [
    ({"band_elevations_m": [500.0, 900.0]}, "give both"),
    ({"band_elevations_m": [500.0, 900.0], "band_fractions": [1.0]}, "has 1 entries"),
    ({"band_elevations_m": [500.0, 900.0], "band_fractions": [0.5, 0.6]}, "must sum to 1"),
    ({"band_elevations_m": [500.0, 900.0], "band_fractions": [1.0, 0.0]}, "must be > 0"),
    ({"band_elevations_m": [500.0, 99999.0], "band_fractions": [0.5, 0.5]}, "within"),
    ({"temperature_lapse_c_per_100m": 5.0}, "must be <= 2"),
])
def test_bad_bands_name_the_key(tmp_path, snow, needle):
    path = write_catchment(tmp_path, _cold_doc(**snow))
    with pytest.raises(CatchmentError) as ei:
        load_catchment(path)
    assert "[snow]" in str(ei.value) and needle in str(ei.value), str(ei.value)


# ------------------------------------------------------------------------------------------------------------
def _outlet_doc(**cal):
    doc = base_doc(lithology={"limestone": 0.4, "dolomite": 0.0, "non_carbonate": 0.6})
    doc["observations"] = {"discharge": "outlet"}
    if cal:
        doc["calibration"] = cal
    return doc


def test_closed_catchment_keeps_the_area_and_no_other_outlets(tmp_path):
    drivers = synthetic_drivers(days=2 * 365, seed=1)
    open_ = {p.name: p for p in default_parameters(load_catchment(write_catchment(tmp_path / "a", _outlet_doc(),
                                                                                      drivers)))}
    assert open_["area_km2"].lower == pytest.approx(3.0) and open_["area_km2"].upper == pytest.approx(30.0)
    assert "reservoirs.overflow_outside_fraction" in open_
    c = load_catchment(write_catchment(tmp_path / "b", _outlet_doc(closed_catchment=True), drivers))
    closed = {p.name: p for p in setup_from_catchment(c, c.calibration).parameters}
    assert closed["area_km2"].lower == pytest.approx(9.5, rel=1e-12)
    assert closed["area_km2"].upper == pytest.approx(10.5, rel=1e-12)
    assert "reservoirs.overflow_outside_fraction" not in closed
    assert set(open_) - set(closed) == {"reservoirs.overflow_outside_fraction"}


def test_closed_catchment_refuses_other_outlets(tmp_path):
    doc = _outlet_doc(closed_catchment=True)
    doc["reservoirs"] = {"overflow_outside_fraction": 0.3}
    c = load_catchment(write_catchment(tmp_path / "a", doc))
    with pytest.raises(CatchmentError, match="overflow_outside_fraction = 0"):
        setup_from_catchment(c, c.calibration)
    c = load_catchment(write_catchment(tmp_path / "b", _outlet_doc(closed_catchment=1.0)))
    with pytest.raises(CatchmentError, match="true or false"):
        setup_from_catchment(c, c.calibration)
