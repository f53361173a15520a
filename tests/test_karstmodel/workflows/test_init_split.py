"""The init -> validate loop: the scaffold's default split-sample periods after the warm-up, the refusal of
observations without discharge or too short to split, and validate's "full record (no split)" metrics without the
warm-up days."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chemistry.errors import InputError
from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import load_catchment
from karstmodel.model.simulate import simulate
from karstmodel.workflows.init import MIN_SPLIT_DAYS, init_catchment, split_sample_periods
from karstmodel.workflows.report import FULL_RECORD, validate_catchment

DAYS = 3 * 365  # 2001-01-01 .. 2003-12-31; the 365-day warm-up ends 2001-12-31


def _files(tmp_path, obs: pd.DataFrame):
    drv = synthetic_drivers(days=DAYS, seed=4)
    drv.to_csv(tmp_path / "drv.csv", index=False)
    obs.to_csv(tmp_path / "obs.csv", index=False)
    return tmp_path / "drv.csv", tmp_path / "obs.csv", drv


def _init(tmp_path, obs):
    d, o, _ = _files(tmp_path, obs)
    return init_catchment(tmp_path / "site", d, 47.0, 14.0, 5.0, o)


def test_split_daily_record_60_40_after_warmup():
    """730 observed days after the warm-up: floor(0.6 * 730) = 438 calibrate (2002-01-01 + 437 d = 2003-03-14)."""
    days = pd.date_range("2001-01-01", periods=DAYS, freq="D")
    assert split_sample_periods(days, days) == ("2002-01-01:2003-03-14", "2003-03-15:2003-12-31")


def test_split_counts_observed_days_only_and_ignores_warmup_and_times():
    """Every other day observed (at 10:30, so times are cut to whole days): 365 observed days after the warm-up,
    219 calibrate (day 366 .. day 802 of the record), 146 validate (day 804 .. day 1094)."""
    days = pd.date_range("2001-01-01", periods=DAYS, freq="D")
    obs = days[::2] + pd.Timedelta(hours=10, minutes=30)
    assert split_sample_periods(days, obs) == ("2002-01-02:2003-03-14", "2003-03-16:2003-12-31")


def test_split_refuses_short_records_and_says_how_many_days():
    days = pd.date_range("2001-01-01", periods=365 + MIN_SPLIT_DAYS - 1, freq="D")
    with pytest.raises(InputError, match=f"{MIN_SPLIT_DAYS - 1} days with observed discharge after the 365-day "
                                         f"warm-up .*at least {MIN_SPLIT_DAYS} are needed"):
        split_sample_periods(days, days)
    ok = pd.date_range("2001-01-01", periods=365 + MIN_SPLIT_DAYS, freq="D")
    cal, val = split_sample_periods(ok, ok)
    assert cal == "2002-01-01:2002-03-01" and val == "2002-03-02:2002-04-10"  # 60 and 40 days
    with pytest.raises(InputError, match="the drivers hold only 200 days"):
        split_sample_periods(ok[:200], ok[:200])


def test_init_writes_periods_that_load(tmp_path):
    dates = pd.date_range("2001-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d")
    path = _init(tmp_path, pd.DataFrame({"date": dates, "q_mm_d": 1.0 + 0.5 * np.sin(np.arange(DAYS) / 40.0)}))
    text = path.read_text()
    assert 'calibration_period = "2002-01-01:2003-03-14"' in text
    assert 'validation_period = "2003-03-15:2003-12-31"' in text
    c = load_catchment(path)
    assert c.calibration["calibration_period"] == "2002-01-01:2003-03-14" and c.warmup_days == 365


def test_init_refuses_observations_without_discharge(tmp_path):
    dates = pd.date_range("2001-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d")
    with pytest.raises(InputError) as e:
        _init(tmp_path, pd.DataFrame({"date": dates, "ca_mg_l": 80.0, "level_cm": 1.0}))
    msg = str(e.value)
    assert "obs.csv" in msg and "no discharge column (q_m3_s, q_l_s, q_mm_d)" in msg
    assert "columns found: date, ca_mg_l, level_cm" in msg and "--columns" in msg
    assert not (tmp_path / "site").exists()


def test_init_refuses_a_record_too_short_to_split(tmp_path):
    dates = pd.date_range("2001-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d")
    obs = pd.DataFrame({"date": dates[:400], "q_m3_s": 0.2})  # 35 days after the warm-up
    with pytest.raises(InputError, match=r"obs\.csv: record too short .*: 35 days .*at least 100 are needed"):
        _init(tmp_path, obs)
    assert not (tmp_path / "site").exists()


def test_validate_without_periods_is_full_record_after_warmup(tmp_path):
    """No periods: one block labelled "full record (no split)"; its KGE and n, computed by hand on the days after the
    365-day warm-up, equal the reported ones."""
    drv = synthetic_drivers(days=2 * 365, seed=4)
    q = 0.8 + 0.6 * np.sin(np.arange(len(drv)) / 25.0)
    obs = pd.DataFrame({"date": drv["date"], "q_mm_d": np.round(q, 4)})
    doc = base_doc(observations={"file": "observations.csv", "discharge": "spring"})
    c = load_catchment(write_catchment(tmp_path / "c", doc, drv, obs))
    s = validate_catchment(c, tmp_path / "out", figures=False)
    assert list(s["metrics"]) == [FULL_RECORD] == ["full record (no split)"]
    assert s["metrics_periods"][FULL_RECORD] == ["2002-01-01", None]
    sim = simulate(c).timeseries["spring_mm"].to_numpy()[365:]
    o = obs["q_mm_d"].to_numpy()[365:]
    r = np.corrcoef(sim, o)[0, 1]
    kge = 1 - np.sqrt((r - 1) ** 2 + (sim.std() / o.std() - 1) ** 2 + (sim.mean() / o.mean() - 1) ** 2)
    m = s["metrics"][FULL_RECORD]["q"]
    assert m["n"] == 365
    assert m["kge"] == pytest.approx(kge, abs=1e-12)
