"""Stations with CO2 exchange with cave air before the outlet (``[model] degassing = "cave_air"``).

References: the station's predictions against karstmodel.processes.cave_degassing applied by hand to chemistry.equilibrate,
the Blowing Springs numbers measured when the process was added (regression with tolerances), and the old options'
numbers unchanged (the bundled station without degassing).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chemistry
from karstmodel.workflows import stations as S
from karstmodel.processes.cave_degassing import exchange_with_cave_air
from repo_paths import REPO

BS = REPO / "catchments" / "blowing_springs" / "station.toml"


def _station(tmp: Path, model: dict | None = None, calibration: dict | None = None, mean_days: float = 0.0) -> Path:
    """A copy of the bundled station; ``mean_days`` 0 (the nearest soil-gas date) unless given."""
    import tomli_w
    st = S.load_station(BS)
    tmp.mkdir(parents=True, exist_ok=True)
    doc = S.station_document(st, tmp)
    doc["soil_co2"]["mean_days"] = mean_days
    doc["model"] = {**doc["model"], "bootstrap": 50, **(model or {})}
    doc["calibration"] = {**doc["calibration"], **(calibration or {})}
    p = tmp / "station.toml"
    p.write_text(tomli_w.dumps(doc))
    return p


@pytest.fixture(scope="module")
def degassed(tmp_path_factory):
    """Blowing Springs, open system at pco2_factor 1 (the bundled default) at the soil CO2 of the nearest soil-gas
    date, plus degassing, exchange number 1.6."""
    p = _station(tmp_path_factory.mktemp("bs_deg"), {"degassing": "cave_air", "exchange_number": 1.6})
    st = S.load_station(p)
    data = S.load_station_data(st)
    return st, data, S.evaluate_station(st, data, S._periods(st))


def _inputs(st, data):
    s = data.samples
    t = s["temp_c"].to_numpy(float)
    t = np.where(np.isfinite(t), t, np.nanmedian(t))
    soil = S.co2_at_samples(st, data, "soil")["co2_ppmv"].to_numpy()
    cave = S.co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy()
    return t, soil, cave


# ----------------------------------------------------------------------------------------------------------------
def test_station_keys(tmp_path):
    doc = {"kind": "station", "name": "x", "location": {"latitude": 36.0, "longitude": -94.0},
           "samples": {"file": "samples.csv"}}
    st = S.station_from_dict({**doc, "model": {"degassing": "cave_air", "exchange_number": 2.5,
                                                "soil": {"closed": {"exchange_number": 0.7}}}}, tmp_path / "s.toml")
    assert st.degasses("soil") and not st.degasses("cave_air")
    assert st.params("soil", "open").exchange_number == 2.5
    assert st.params("soil", "closed").exchange_number == 0.7
    assert st.params("cave_air", "open").exchange_number is None
    plain = S.station_from_dict(doc, tmp_path / "s.toml")
    assert plain.degassing == "none" and plain.params("soil", "open").exchange_number is None
    on = S.station_from_dict({**doc, "model": {"degassing": "cave_air"}}, tmp_path / "s.toml")
    assert on.params("soil", "mixed").exchange_number == S.DEFAULT_EXCHANGE_NUMBER
    for over, needle in (({"model": {"degassing": "yes"}}, "[model] degassing"),
                         ({"model": {"exchange_number": -1.0}}, "[model] exchange_number"),
                         ({"model": {"cave_air": {"open": {"exchange_number": 1.0}}}},
                          "[model.cave_air.open] exchange_number"),
                         ({"calibration": {"parameters": {"exchange_number": {"min": 0.0, "max": 5.0}}}},
                          "exchange_number")):
        with pytest.raises(S.StationError) as e:
            S.station_from_dict({**doc, **over}, tmp_path / "s.toml")
        assert needle in str(e.value), str(e.value)


def test_cave_air_gap_filling_takes_the_nearest_sample_within_max_days():
    st = S.load_station(BS)
    data = S.load_station_data(st)
    own = S.co2_at_samples(st, data, "cave_air")
    near = S.co2_at_samples(replace(st, cave_air_max_days=7.0), data, "cave_air")
    c = data.samples[S.CAVE_AIR_COLUMN].to_numpy()
    t = data.samples["datetime"]
    assert np.array_equal(own["co2_ppmv"].to_numpy(), c, equal_nan=True)
    have = np.flatnonzero(np.isfinite(c))
    for i in range(len(c)):
        d = np.abs((t.iloc[have] - t.iloc[i]).dt.total_seconds().to_numpy()) / 86400.0
        j = have[np.argmin(d)]
        if np.isfinite(c[i]):
            assert near["co2_ppmv"].iloc[i] == c[i] and near["co2_days"].iloc[i] == 0
        elif d.min() <= 7.0:
            assert near["co2_ppmv"].iloc[i] == c[j] and near["co2_days"].iloc[i] == pytest.approx(d.min())
        else:
            assert np.isnan(near["co2_ppmv"].iloc[i])
    # 2012-11-11 has no cave-air CO2; 2012-11-08 (3 days earlier, 532 ppmv) is the nearest
    k = int(np.flatnonzero(t.dt.strftime("%Y-%m-%d").to_numpy() == "2012-11-11")[0])
    assert near["co2_ppmv"].iloc[k] == 532.0


def test_predictions_are_the_exchange_applied_to_the_recharge_water(degassed):
    st, data, s = degassed
    t, soil, cave = _inputs(st, data)
    for system in S.SYSTEMS:
        eq, _ = s["_frames"]["preds"][("soil", system)]
        prm = st.params("soil", system)
        assert prm.exchange_number == 1.6
        ok = np.isfinite(soil)
        kw = {"gas_water_ratio": prm.gas_water_ratio} if system == "mixed" else {}
        rech = chemistry.equilibrate(t[ok], prm.pco2_factor * soil[ok] * 1e-6, system=system, **kw)
        ref = exchange_with_cave_air(rech, cave[ok] * 1e-6, 1.6)
        np.testing.assert_allclose(eq["dic_mmol_kgw"].to_numpy()[ok], ref["dic_mmol_kgw"], rtol=1e-9)
        np.testing.assert_allclose(eq["ph"].to_numpy()[ok], ref["ph"], rtol=1e-9)
        # Ca unchanged by the exchange; no prediction without cave-air CO2
        stage1 = s["_frames"]["stage1"][("soil", system)]
        both = ok & np.isfinite(cave)
        np.testing.assert_allclose(eq["ca_mmol_kgw"].to_numpy()[both], stage1["ca_mmol_kgw"].to_numpy()[both],
                                   rtol=1e-12)
        assert np.isnan(eq["dic_mmol_kgw"].to_numpy()[~both]).all()
    # the cave-air source is not degassed (its water is already at the cave-air CO2)
    assert ("cave_air", "open") not in s["_frames"]["stage1"]


def test_blowing_springs_before_after_regression(degassed):
    """Numbers measured when the process was added (pco2_factor 1, open system, exchange number 1.6); the samples
    with soil and cave-air CO2: 5 in the calibration period, 14 in the validation period."""
    st, data, s = degassed
    m = s["metrics"]
    assert m["calibration"]["dic_mmol_l"]["n"] == 5 and m["validation"]["dic_mmol_l"]["n"] == 14
    d = s["chemistry_model"]["sources"]["soil"]["systems"]["open"]["degassing"]
    assert d["n_with_cave_air_co2"] == 19
    v = d["metrics"]["validation"]
    # pH: the exchange with cave air explains most of the pH error of the recharge water
    assert v["ph_no_degassing"]["rmse"] == pytest.approx(0.423, abs=0.005)
    assert v["ph"]["rmse"] == pytest.approx(0.27, abs=0.01)
    assert v["ph_no_degassing"]["me"] == pytest.approx(-0.313, abs=0.005)
    assert v["ph"]["me"] == pytest.approx(-0.12, abs=0.01)
    assert v["ph"]["r"] > v["ph_no_degassing"]["r"] + 0.1
    # DIC: the exchange removes at most the excess CO2(aq): a few per cent, the KGE barely moves
    assert v["dic_mmol_l_no_degassing"]["kge"] == pytest.approx(0.38, abs=0.01)
    assert v["dic_mmol_l"]["kge"] == pytest.approx(0.39, abs=0.01)
    assert v["dic_mmol_l_no_degassing"]["pbias"] == pytest.approx(20.9, abs=0.2)
    assert v["dic_mmol_l"]["pbias"] == pytest.approx(18.7, abs=0.3)
    assert 0.0 < d["co2_degassed_share_of_dic"]["median"] < 0.05
    assert m["validation"]["ph"]["rmse"] == pytest.approx(v["ph"]["rmse"], rel=1e-12)
    # SI of the recharge water is 0 by construction: no correlation is defined
    assert np.isnan(v["si_calcite_no_degassing"]["r"])


def test_exchange_number_fitted_on_ph_is_plausible(degassed):
    """Calibrated on the pH of the 5 calibration-period baseflow samples with cave-air CO2: N = 1.63 at
    pco2_factor 1 (k_L T / h within the literature range 0.02 .. 200 of the module docstring)."""
    st, data, s = degassed
    t, soil, cave = _inputs(st, data)
    masks = S._period_masks(data.samples["datetime"], S._periods(st))
    use = (masks["calibration"] & np.isfinite(soil) & np.isfinite(cave)
           & (data.samples["flow_condition"].to_numpy(str) == "baseflow"))
    assert use.sum() == 5
    rech = S.predict_equilibrium(t[use], soil[use], "open", S.SystemParameters(1.0))
    n, rmse, evals = S.fit_exchange_number(st, rech, cave[use], data.samples["ph"].to_numpy()[use])
    assert n == pytest.approx(1.63, rel=0.03) and rmse == pytest.approx(0.092, abs=0.003) and evals > 5
    # the minimum: a factor 2 either way raises the RMSE of pH
    for f in (0.5, 2.0):
        out = exchange_with_cave_air(rech, cave[use] * 1e-6, f * n)["ph"].to_numpy()
        assert np.sqrt(np.mean((out - data.samples["ph"].to_numpy()[use]) ** 2)) > rmse + 0.01


def test_old_options_unchanged(tmp_path):
    """The bundled station without degassing and with the nearest soil-gas date (mean_days 0) gives the numbers
    it gave before either option existed."""
    st = replace(S.load_station(BS), bootstrap=50, soil_co2_mean_days=0.0)
    data = S.load_station_data(st)
    s = S.evaluate_station(st, data, S._periods(st))
    m = s["metrics"]
    assert m["validation"]["dic_mmol_l"]["n"] == 43 and m["calibration"]["dic_mmol_l"]["n"] == 18
    assert m["validation"]["dic_mmol_l"]["kge"] == pytest.approx(-0.298, abs=1e-3)
    assert m["calibration"]["dic_mmol_l"]["kge"] == pytest.approx(-0.124, abs=1e-3)
    assert "ph" not in m["validation"] and not s["_frames"]["stage1"]


def test_calibrate_with_degassing_writes_exchange_numbers(tmp_path):
    p = _station(tmp_path / "site", {"degassing": "cave_air"}, {"maxiter": 8, "popsize": 6})
    out = tmp_path / "cal"
    s = S.calibrate_station(p, out, figures=False)
    soil = s["calibration"]["sources"]["soil"]["systems"]
    for system, b in soil.items():
        x = b["parameters"]["exchange_number"]
        assert 0.5 < x < 3.0, (system, x)  # 1.08 .. 1.58 measured
        assert b["n_calibration_samples_exchange"] == 5 and b["exchange_ph_rmse"] < 0.1
    assert "exchange_number" not in s["calibration"]["sources"]["cave_air"]["systems"]["open"]["parameters"]
    st2 = S.load_station(out / "station.toml")
    assert st2.degassing == "cave_air"
    assert st2.params("soil", "open").exchange_number == pytest.approx(soil["open"]["parameters"]["exchange_number"])
    v = S.validate_station(out / "station.toml", tmp_path / "val", figures=False)
    for per in ("calibration", "validation"):
        for var in ("dic_mmol_l", "ph"):
            assert v["metrics"][per][var]["kge"] == pytest.approx(s["metrics"][per][var]["kge"], rel=1e-9)
    tab = pd.read_csv(tmp_path / "val" / "samples_evaluated.csv")
    assert {"ph_soil_open", "co2_degassed_mmol_kgw_soil_open", "dic_soil_open_no_degassing_mmol_l"} <= set(tab)
    rep = (tmp_path / "val" / "report.md").read_text()
    assert "CO2 exchange with the cave air" in rep


# ----------------------------------------------------------------------------------------------------------------
# recharge memory: [soil_co2] mean_days
def test_mean_days_is_the_mean_of_the_soil_gas_dates_in_the_window():
    st = S.load_station(BS)
    assert st.soil_co2_mean_days == 60.0  # the bundled station's choice (made on the calibration period)
    data = S.load_station_data(st)
    soil = pd.read_csv(BS.parent / "soil_co2.csv", parse_dates=["date"])
    per_date = soil.groupby("date")["soil_co2_ppmv"].mean()
    t = data.samples["datetime"].dt.normalize()
    for days in (15.0, 60.0):
        co2 = S.co2_at_samples(replace(st, soil_co2_mean_days=days), data, "soil")
        for i in range(len(t)):
            age = (t.iloc[i] - per_date.index).days.to_numpy()
            win = per_date[(age >= 0) & (age < days)]
            if len(win):
                assert co2["co2_ppmv"].iloc[i] == pytest.approx(win.mean(), rel=1e-12)
                assert co2["co2_days"].iloc[i] == (t.iloc[i] - win.index.max()).days
            else:
                assert np.isnan(co2["co2_ppmv"].iloc[i])
    # 2012-11-16 with 60 days, window (t - 60 d, t]: 2012-10-01 .. 2012-11-14 (5 dates; 2012-09-17 is exactly 60
    # days before and outside)
    k = int(np.flatnonzero(t.dt.strftime("%Y-%m-%d").to_numpy() == "2012-11-16")[0])
    co2 = S.co2_at_samples(st, data, "soil")["co2_ppmv"].iloc[k]
    dates = ["2012-10-01", "2012-10-08", "2012-10-19", "2012-10-31", "2012-11-14"]
    assert co2 == pytest.approx(per_date.loc[pd.to_datetime(dates)].mean(), rel=1e-12)


def test_bundled_default_with_recharge_memory_regression():
    """The bundled station (open system, pco2_factor 1, 60-day recharge memory, no degassing): numbers measured
    when the option was added; with the nearest soil-gas date the validation KGE of DIC was -0.30."""
    st = replace(S.load_station(BS), bootstrap=50)
    data = S.load_station_data(st)
    s = S.evaluate_station(st, data, S._periods(st))
    m = s["metrics"]
    assert m["validation"]["dic_mmol_l"]["n"] == 42 and m["calibration"]["dic_mmol_l"]["n"] == 19
    assert m["validation"]["dic_mmol_l"]["kge"] == pytest.approx(0.59, abs=0.01)
    assert m["calibration"]["dic_mmol_l"]["kge"] == pytest.approx(0.06, abs=0.01)
