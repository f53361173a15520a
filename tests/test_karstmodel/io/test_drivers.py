"""Forcing (karstmodel.io.drivers): PET formulas by hand (FAO-56), sub-daily aggregation, the gap policy and the
errors for bad driver files (file, column and row named; the row is the line number in the file)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chemistry.errors import InputError
from karst_helpers import base_doc, run_doc, synthetic_drivers
from karstmodel.config.catchment import DriverSpec
from karstmodel.io.drivers import extraterrestrial_radiation_mj_m2_d, load_drivers, pet_hargreaves, pet_oudin


def fao56_ra(lat_deg: float, doy: int) -> float:
    """Ra by hand, FAO-56 (Allen et al. 1998) eqs. 21 (Ra), 23 (dr), 24 (delta), 25 (omega_s)."""
    phi = math.radians(lat_deg)
    dr = 1 + 0.033 * math.cos(2 * math.pi / 365 * doy)
    delta = 0.409 * math.sin(2 * math.pi / 365 * doy - 1.39)
    ws = math.acos(-math.tan(phi) * math.tan(delta))
    return 24 * 60 / math.pi * 0.0820 * dr * (ws * math.sin(phi) * math.sin(delta)
                                               + math.cos(phi) * math.cos(delta) * math.sin(ws))


def _spec(path: Path, **kw) -> DriverSpec:
    return DriverSpec(file=path, **kw)


def _write(tmp_path: Path, df: pd.DataFrame, name: str = "drivers.csv") -> Path:
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


# ------------------------------------------------------------------------------------------------------------
def test_ra_fao56_example_8():
    """FAO-56 Example 8: 20 deg S, 3 September (J = 246): Ra = 32.2 MJ m-2 d-1 (published, 3 digits)."""
    assert float(extraterrestrial_radiation_mj_m2_d(-20.0, 246)) == pytest.approx(32.2, abs=0.05)
    assert float(extraterrestrial_radiation_mj_m2_d(-20.0, 246)) == pytest.approx(fao56_ra(-20.0, 246), rel=1e-12)


def test_oudin_by_hand_15_july_kerschbaum(tmp_path):
    """15 July (J = 196), 47.96 N, T = 20 C: Ra = 40.391 MJ m-2 d-1 (eqs. 21-25);
    Oudin et al. (2005) eq. 3: PET = Ra / (lambda rho) (T + 5) / 100 = 40.391 / 2.45 x 0.25 = 4.1216 mm/d."""
    ra = fao56_ra(47.96, 196)
    assert ra == pytest.approx(40.3913, abs=1e-4)
    expected = ra / 2.45 * (20.0 + 5.0) / 100.0
    assert expected == pytest.approx(4.12156, abs=1e-5)
    assert float(pet_oudin(20.0, 47.96, 196)) == pytest.approx(expected, rel=1e-12)
    # the same through a drivers file (the PET column the model uses)
    df = pd.DataFrame({"date": ["2001-07-14", "2001-07-15", "2001-07-16"], "precip_mm": [0.0, 1.0, 0.0],
                       "temp_c": [18.0, 20.0, -6.0]})
    d = load_drivers(_spec(_write(tmp_path, df), pet="oudin"), 47.96)
    assert d.data.loc["2001-07-15", "pet_mm"] == pytest.approx(expected, rel=1e-12)
    assert d.data.loc["2001-07-16", "pet_mm"] == 0.0  # T <= -5 C: no PET
    assert d.data.loc["2001-07-14", "pet_mm"] == pytest.approx(fao56_ra(47.96, 195) / 2.45 * 0.23, rel=1e-12)


def test_hargreaves_by_hand(tmp_path):
    """FAO-56 eq. 52: ET0 = 0.0023 (T + 17.8) sqrt(Tmax - Tmin) 0.408 Ra; T = 20, Tmax = 27, Tmin = 13 C on
    15 July at 47.96 N: 0.0023 x 37.8 x sqrt(14) x 0.408 x 40.391 = 5.3608 mm/d."""
    expected = 0.0023 * 37.8 * math.sqrt(14.0) * 0.408 * fao56_ra(47.96, 196)
    assert expected == pytest.approx(5.3608, abs=1e-4)
    assert float(pet_hargreaves(20.0, 13.0, 27.0, 47.96, 196)) == pytest.approx(expected, rel=1e-12)
    df = pd.DataFrame({"date": ["2001-07-15"], "precip_mm": [0.0], "temp_c": [20.0], "tmin_c": [13.0],
                       "tmax_c": [27.0]})
    d = load_drivers(_spec(_write(tmp_path, df), pet="hargreaves"), 47.96)
    assert d.data["pet_mm"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_hargreaves_needs_extremes_in_a_daily_file(tmp_path):
    df = pd.DataFrame({"date": ["2001-07-15", "2001-07-16"], "precip_mm": [0.0, 0.0], "temp_c": [20.0, 21.0]})
    with pytest.raises(InputError) as ei:
        load_drivers(_spec(_write(tmp_path, df), pet="hargreaves"), 47.96)
    assert ei.value.column == "tmin_c" and "hargreaves" in str(ei.value)


def test_pet_column_is_used_as_given(tmp_path):
    df = pd.DataFrame({"date": ["2001-07-15", "2001-07-16"], "precip_mm": [0.0, 0.0], "temp_c": [20.0, 21.0],
                       "pet_mm": [3.3, 2.2]})
    d = load_drivers(_spec(_write(tmp_path, df), pet="column"), 47.96)
    assert d.data["pet_mm"].tolist() == [3.3, 2.2]


def test_subdaily_aggregated_to_daily(tmp_path):
    """6-hourly records: precipitation and PET summed per day, temperature averaged, tmin/tmax = daily min/max."""
    times = pd.date_range("2001-05-01 00:00", periods=12, freq="6h")  # 3 days
    precip = [0.0, 1.5, 2.5, 0.0, 4.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.2, 0.4]
    temp = [4.0, 8.0, 14.0, 10.0, 5.0, 9.0, 15.0, 11.0, -1.0, 3.0, 7.0, 3.0]
    pet = [0.0, 0.5, 1.0, 0.25] * 3
    df = pd.DataFrame({"date": times.strftime("%Y-%m-%d %H:%M"), "precip_mm": precip, "temp_c": temp,
                       "pet_mm": pet})
    d = load_drivers(_spec(_write(tmp_path, df), pet="column"), 47.0)
    assert d.aggregated_from_subdaily
    assert list(d.data.index.strftime("%Y-%m-%d")) == ["2001-05-01", "2001-05-02", "2001-05-03"]
    np.testing.assert_allclose(d.data["precip_mm"], [4.0, 4.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(d.data["temp_c"], [9.0, 10.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(d.data["tmin_c"], [4.0, 5.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(d.data["tmax_c"], [14.0, 15.0, 7.0], atol=1e-12)
    np.testing.assert_allclose(d.data["pet_mm"], [1.75, 1.75, 1.75], atol=1e-12)
    # Hargreaves from the aggregated extremes
    d2 = load_drivers(_spec(_write(tmp_path, df.drop(columns="pet_mm"), "d2.csv"), pet="hargreaves"), 47.0)
    ra = fao56_ra(47.0, 121)
    assert d2.data["pet_mm"].iloc[0] == pytest.approx(0.0023 * (9.0 + 17.8) * math.sqrt(10.0) * 0.408 * ra, rel=1e-12)


# ------------------------------------------------------------------------------------------------------------
def _gappy(days=3 * 365):
    df = synthetic_drivers(days=days, seed=5)
    return df


def test_gap_refused_with_gap_fill_none(tmp_path):
    df = _gappy()
    df.loc[40, "temp_c"] = np.nan
    with pytest.raises(InputError) as ei:
        load_drivers(_spec(_write(tmp_path, df), gap_fill="none"), 47.0)
    e = ei.value
    assert e.column == "temp_c" and "temp_c" in str(e) and str(tmp_path / "drivers.csv") in str(e)
    assert "2001-02-10" in str(e) and "gap_fill" in str(e)
    # a missing day (row absent): every variable is missing; the first one checked is named
    df2 = _gappy().drop(index=[100, 101])
    with pytest.raises(InputError) as ei:
        load_drivers(_spec(_write(tmp_path, df2, "d2.csv"), gap_fill="none"), 47.0)
    assert ei.value.column == "precip_mm" and "2 missing day(s)" in str(ei.value)


def test_gap_fill_linear_values(tmp_path):
    df = _gappy()
    df.loc[[40, 41], "temp_c"] = np.nan
    df.loc[39, "temp_c"], df.loc[42, "temp_c"] = 10.0, 16.0
    df.loc[70, "precip_mm"] = np.nan  # 12 March 2001
    d = load_drivers(_spec(_write(tmp_path, df), gap_fill="linear", max_gap_days=5), 47.0)
    assert d.data["temp_c"].iloc[40] == pytest.approx(12.0, abs=1e-12)
    assert d.data["temp_c"].iloc[41] == pytest.approx(14.0, abs=1e-12)
    # precipitation: long-term mean daily precipitation of that calendar month (March, all years, observed days)
    dates = pd.to_datetime(df["date"])
    march = df.loc[(dates.dt.month == 3) & df["precip_mm"].notna(), "precip_mm"]
    assert d.data["precip_mm"].iloc[70] == pytest.approx(march.mean(), rel=1e-12)
    assert d.filled == {"precip_mm": 1, "temp_c": 2}
    # PET is computed from the filled temperature
    assert d.data["pet_mm"].iloc[40] == pytest.approx(fao56_ra(47.0, 41) / 2.45 * 0.17, rel=1e-12)


def test_gap_fill_linear_refuses_long_gaps(tmp_path):
    df = _gappy()
    df.loc[200:206, "temp_c"] = np.nan  # 7 days
    with pytest.raises(InputError) as ei:
        load_drivers(_spec(_write(tmp_path, df), gap_fill="linear", max_gap_days=5), 47.0)
    assert ei.value.column == "temp_c" and "7 days" in str(ei.value)


def test_gap_fill_climatology_values(tmp_path):
    df = _gappy()
    i = 365 + 68  # 2002-03-10 (day of year 69 in the non-leap years 2001-2003)
    assert df.loc[i, "date"] == "2002-03-10"
    df.loc[i, "temp_c"] = np.nan
    d = load_drivers(_spec(_write(tmp_path, df), gap_fill="climatology"), 47.0)
    ref = (df.loc[68, "temp_c"] + df.loc[365 * 2 + 68, "temp_c"]) / 2.0  # 2001-03-10 and 2003-03-10
    assert d.data["temp_c"].iloc[i] == pytest.approx(ref, rel=1e-12)
    assert d.filled == {"temp_c": 1}


def test_filled_count_reported_in_summary(tmp_path):
    df = synthetic_drivers(days=2 * 365, seed=9)
    df.loc[[30, 31, 32], "temp_c"] = np.nan
    df = df.drop(index=[400])  # a missing day: precip and temp both filled
    res = run_doc(tmp_path, base_doc(drivers={"gap_fill": "climatology"}), df)
    assert res.summary["drivers"]["filled_values"] == {"precip_mm": 1, "temp_c": 4}
    assert len(res.timeseries) == 2 * 365  # nothing dropped
    assert res.timeseries["precip_mm"].notna().all()


# ------------------------------------------------------------------------------------------------------------
def _bad_file(tmp_path, df, text_edit=None):
    p = _write(tmp_path, df)
    if text_edit is not None:
        lines = p.read_text().splitlines()
        text_edit(lines)
        p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as ei:
        load_drivers(_spec(p), 47.0)
    return p, ei.value


def _line(path: Path, row: int) -> str:
    return path.read_text().splitlines()[row - 1]


def test_negative_rain_names_file_column_row(tmp_path):
    df = _gappy(60)
    df.loc[17, "precip_mm"] = -2.5
    p, e = _bad_file(tmp_path, df)
    assert (e.file, e.column, e.row) == (str(p), "precip_mm", 19)
    assert "-2.5" in _line(p, e.row)  # the row is the line number in the file (header = line 1)
    assert str(p) in str(e) and "'precip_mm'" in str(e) and "row 19" in str(e)


def test_unparsable_date(tmp_path):
    df = _gappy(60)
    df["date"] = df["date"].astype(object)
    df.loc[9, "date"] = "2001-02-30x"
    p, e = _bad_file(tmp_path, df)
    assert (e.column, e.row) == ("date", 11)
    assert "2001-02-30x" in str(e) and "2001-02-30x" in _line(p, 11) and str(p) in str(e)


def test_non_increasing_dates(tmp_path):
    df = _gappy(60)

    def swap(lines):
        lines[21], lines[22] = lines[22], lines[21]  # file lines 22 and 23
    p, e = _bad_file(tmp_path, df, swap)
    assert (e.column, e.row) == ("date", 23) and "increase" in str(e) and str(p) in str(e)

    def dup(lines):
        lines[30] = lines[29]  # the same date twice at lines 30 and 31
    p, e = _bad_file(tmp_path, df, dup)
    assert (e.column, e.row) == ("date", 31)


def test_missing_column(tmp_path):
    p, e = _bad_file(tmp_path, _gappy(30).drop(columns="temp_c"))
    assert e.column == "temp_c" and "missing" in str(e) and str(p) in str(e)


def test_not_a_number_and_unitless_names(tmp_path):
    df = _gappy(30)
    df["temp_c"] = df["temp_c"].astype(object)
    df.loc[4, "temp_c"] = "warm"
    p, e = _bad_file(tmp_path, df)
    assert (e.column, e.row) == ("temp_c", 6) and "warm" in str(e)
    p, e = _bad_file(tmp_path, _gappy(30).rename(columns={"precip_mm": "precip"}))
    assert e.column == "precip" and "precip_mm" in str(e)
    df = _gappy(30)
    df.loc[3, "temp_c"] = 285.0  # Kelvin by mistake
    p, e = _bad_file(tmp_path, df)
    assert (e.column, e.row) == ("temp_c", 5)


def test_simulation_period_selects_dates(tmp_path):
    df = _gappy(400)
    d = load_drivers(_spec(_write(tmp_path, df)), 47.0, start="2001-03-01", end="2001-03-31")
    assert len(d.data) == 31
    assert d.data["precip_mm"].sum() == pytest.approx(df.loc[59:89, "precip_mm"].sum(), abs=1e-9)
