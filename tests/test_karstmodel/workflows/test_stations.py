"""Stations (karstmodel/workflows/stations/): chemistry-only validation and calibration of the two bundled stations.

Every number is checked against an independent reference: the flux by the Zeng et al. (2019) formula written out
by hand, the C-Q rating against numpy.polyfit and the normal equations, the smearing factor by its definition
(Duan 1983), speciation against chemistry.speciate, the equilibrium prediction against chemistry.equilibrate, the
discharge transform against the published relation, and the calibration by recovering known parameters from
synthetic data. The two CLI processes start together (module fixture) and overlap with the in-process bad-input
cases (``karstmodel.cli.main``, the console script's entry point).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chemistry
from karstmodel.workflows import stations as S
from karstmodel.config.catchment import resolve_catchment
from repo_paths import REPO

ROOT = REPO / "catchments"
BS = ROOT / "blowing_springs" / "station.toml"
BU = ROOT / "buffalo_river_st_joe" / "station.toml"
YEAR_S = 365.25 * 86400.0


def _command() -> list[str]:
    exe = shutil.which("karstmodel")
    if exe is None:
        cand = Path(sys.executable).with_name("karstmodel")
        exe = str(cand) if cand.exists() else None
    return [exe] if exe else [sys.executable, "-m", "karstmodel.cli"]


def _evaluate(path, bootstrap=300):
    st = replace(S.load_station(path), bootstrap=bootstrap)
    data = S.load_station_data(st)
    return st, data, S.evaluate_station(st, data, S._periods(st))


@pytest.fixture(scope="module")
def bs():
    return _evaluate(BS)


@pytest.fixture(scope="module")
def bu():
    return _evaluate(BU)


def _small_copy(tmp: Path, path=BS, edit=None, **calib) -> Path:
    """A copy of a bundled station in ``tmp`` (data paths rewritten) with a short calibration for tests;
    ``edit(doc)`` may change the TOML document before it is written."""
    import tomli_w
    st = S.load_station(path)
    tmp.mkdir(parents=True, exist_ok=True)
    doc = S.station_document(st, tmp)
    doc["calibration"] = {**doc.get("calibration", {}), "maxiter": 12, "popsize": 8, **calib}
    doc["model"] = {**doc.get("model", {}), "bootstrap": 100}
    if edit is not None:
        edit(doc)
    p = tmp / "station.toml"
    p.write_text(tomli_w.dumps(doc))
    return p


# ----------------------------------------------------------------------------------------------------------------
# station files and data
def test_bundled_stations_resolve_and_load():
    assert resolve_catchment("blowing_springs") == BS
    assert resolve_catchment("buffalo_river_st_joe") == BU
    assert resolve_catchment(str(ROOT / "blowing_springs")) == BS
    assert S.is_station(BS) and S.is_station(BU) and not S.is_station(ROOT / "kerschbaum" / "catchment.toml")
    b = S.load_station(BS)
    assert b.area_km2 is None  # unknown: never invented
    assert b.discharge_scale == 0.0066 and b.discharge_offset_m3_s == 0.0023
    u = S.load_station(BU)
    assert u.area_km2 == 2147 and u.soil_co2_file is None and u.discharge_file is None


def test_is_station_by_kind(tmp_path):
    p = _small_copy(tmp_path / "x")
    other = tmp_path / "x" / "my_site.toml"
    other.write_text(p.read_text())
    assert S.is_station(other)
    assert S.load_station(other).name == "blowing_springs"


def test_discharge_transform_is_the_published_relation():
    """Q_BS = 0.0066 Q_LSC + 0.0023 m3/s (Knierim et al. 2015), Q_LSC = ft3/s x 0.3048^3."""
    st = S.load_station(BS)
    q = S.load_discharge(st)
    raw = pd.read_csv(ROOT / "blowing_springs" / "little_sugar_creek_daily.csv")
    ref = 0.0066 * raw["q_ft3_s"].to_numpy() * 0.3048 ** 3 + 0.0023
    assert len(q) == 1205 and str(q.index[0].date()) == "2014-09-15" and str(q.index[-1].date()) == "2018-01-01"
    np.testing.assert_allclose(q.to_numpy(), ref, rtol=1e-5)


def test_soil_co2_nearest_date_mean(bs):
    st, data, _ = bs
    soil = pd.read_csv(ROOT / "blowing_springs" / "soil_co2.csv", parse_dates=["date"])
    co2 = S.co2_at_samples(replace(st, soil_co2_mean_days=0.0), data, "soil")  # the nearest-date rule
    t = data.samples["datetime"]
    for i in (4, 25, 40, 71):
        d = (soil["date"] - t[i].normalize()).abs().dt.days
        near = soil[d == d.min()]
        if d.min() <= 21:
            assert co2["co2_ppmv"][i] == pytest.approx(near["soil_co2_ppmv"].mean(), rel=1e-12)
        else:
            assert np.isnan(co2["co2_ppmv"][i])
    assert np.isnan(co2["co2_ppmv"][0])  # 2011-06-22: soil gas starts 2012-03-05


# ----------------------------------------------------------------------------------------------------------------
# (a) speciation
def test_speciation_equals_chemistry_speciate(bs, bu):
    for st, data, s in (bs, bu):
        smp = data.samples
        cols = ["temp_c", "ph"] + [c for c in S.CARBON_COLUMNS + S.ION_COLUMNS if c in smp.columns]
        ref = chemistry.speciate(smp[cols].reset_index(drop=True))
        got = s["_frames"]["speciated"]
        for c in ("log_pco2", "si_calcite", "dic_mmol_l", "charge_balance_pct"):
            np.testing.assert_array_equal(got[c].to_numpy(), ref[c].to_numpy())
        ok = ref["speciation_error"] == ""
        assert s["speciation"]["n_speciated"] == int(ok.sum())
        assert s["speciation"]["log_pco2"]["median"] == pytest.approx(float(np.median(ref.loc[ok, "log_pco2"])))
    assert bu[2]["speciation"]["n_speciated"] == 78
    # Blowing Springs: 10 pH/temperature estimates filled; rows without carbon or temperature are named
    assert bs[2]["speciation"]["ph_from_estimates"] == 10
    assert bs[2]["speciation"]["n_speciated"] == 66


def test_observed_dic_is_measured_dic(bs, bu):
    raw = pd.read_csv(ROOT / "blowing_springs" / "samples.csv")
    np.testing.assert_allclose(bs[2]["_frames"]["dic"], raw["dic_mg_c_l"] / 12.0111, rtol=1e-14)
    # Buffalo: DIC from alkalinity, pH and temperature by the speciation
    np.testing.assert_array_equal(bu[2]["_frames"]["dic"], bu[2]["_frames"]["speciated"]["dic_mmol_l"])


def test_stoichiometry_ratio(bu):
    st, data, s = bu
    sp = s["_frames"]["speciated"]
    smp = data.samples
    ratio = (smp["ca_mg_l"] / 40.078 + smp["mg_mg_l"] / 24.305) / (sp["hco3_mmol_l"] + sp["cahco3_mmol_l"]
                                                                     + sp["mghco3_mmol_l"])
    assert s["stoichiometry"]["ratio"] == "ca_mg_over_hco3"
    assert s["stoichiometry"]["median"] == pytest.approx(float(ratio.median()), rel=1e-12)


# ----------------------------------------------------------------------------------------------------------------
# (b) sinks
def test_flux_from_samples_by_hand(bu):
    """0.5 x 12 x R x DIC_fw (Zeng et al. 2019 eq. 1) with R = mean Q x year / A: per km2 and for the catchment."""
    st, data, s = bu
    q = data.samples["q_m3_s"].to_numpy()
    d = s["_frames"]["dic"]
    dic_fw = np.sum(q * d) / np.sum(q)
    r_m_yr = q.mean() * YEAR_S / 2147e6
    per_km2 = 0.5 * 12.0 * r_m_yr * dic_fw
    fm = s["sinks"]["flux_from_samples"]
    assert fm["dic_mmol_l_flow_weighted"] == pytest.approx(dic_fw, rel=1e-12)
    assert fm["carbon_sink_tc_km2_yr"] == pytest.approx(per_km2, rel=1e-12)
    assert fm["carbon_sink_t_c_yr"] == pytest.approx(per_km2 * 2147, rel=1e-12)
    assert fm["carbon_sink_t_co2_yr"] == pytest.approx(fm["carbon_sink_t_c_yr"] * 44.0111 / 12.0111, rel=1e-12)
    assert fm["runoff_mm_yr"] == pytest.approx(r_m_yr * 1000, rel=1e-12)
    iv = fm["interval_90"]
    assert iv["contains_point_estimate"] and iv["t_c_yr"][0] < fm["carbon_sink_t_c_yr"] < iv["t_c_yr"][1]
    # summary keys of docs/interface.md: the best available estimate (no continuous discharge here: the sample flux)
    assert s["sink_basis"] == "flux_from_samples"
    assert s["carbon_sink_tc_km2_yr"] == fm["carbon_sink_tc_km2_yr"]


def test_carbonic_only_range(bu):
    st, data, s = bu
    q = data.samples["q_m3_s"].to_numpy()
    smp = data.samples
    dc = s["_frames"]["dic"] - 2 * smp["so4_mg_l"].to_numpy() / 96.064 - np.nan_to_num(smp["no3_mg_l"] / 62.0067)
    ref = 0.5 * np.mean(q * dc) * YEAR_S * 12.0 * 1e-6
    fm = s["sinks"]["flux_from_samples"]
    assert fm["carbonic_only"]["carbon_sink_t_c_yr"] == pytest.approx(ref, rel=1e-12)
    lo, hi = fm["range_t_c_yr"]
    assert lo == pytest.approx(ref) and hi == fm["carbon_sink_t_c_yr"] and lo < hi


def test_no_area_no_per_km2(bs):
    s = bs[2]
    assert s["area_km2"] is None and s["carbon_sink_tc_km2_yr"] is None and s["runoff_mm_yr"] is None
    for b in s["sinks"].values():
        assert "carbon_sink_tc_km2_yr" not in b and b["carbon_sink_t_c_yr"] > 0
    assert "no per-km2" in s["sink_accounting"]


def test_rating_against_polyfit_and_normal_equations(bs):
    st, data, s = bs
    q = data.samples["q_m3_s"].to_numpy()
    d = s["_frames"]["dic"]
    t = data.samples["datetime"]
    ok = np.isfinite(q) & np.isfinite(d)
    x, y = np.log(q[ok]), np.log(d[ok])
    r = S.fit_rating(q, d, t, seasonal=False)
    b, a = np.polyfit(x, y, 1)
    assert r.coef[0] == pytest.approx(a, rel=1e-10) and r.coef[1] == pytest.approx(b, rel=1e-10)
    resid = y - (a + b * x)
    assert r.smearing == pytest.approx(np.mean(np.exp(resid)), rel=1e-12)  # Duan (1983)
    assert r.r2 == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-10)
    assert r.residual_se == pytest.approx(np.sqrt(np.sum(resid ** 2) / (ok.sum() - 2)), rel=1e-10)
    # seasonal form: the normal equations (X'X) c = X'y
    rs = S.fit_rating(q, d, t, seasonal=True)
    ang = 2 * np.pi * (pd.DatetimeIndex(t[ok]).day_of_year - 1 + pd.DatetimeIndex(t[ok]).hour / 24) / 365.25
    X = np.column_stack([np.ones_like(x), x, np.sin(ang), np.cos(ang)])
    np.testing.assert_allclose(rs.coef, np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-8)
    # "auto" keeps the form with the lower AIC (by more than 2)
    ra = S.fit_rating(q, d, t, seasonal="auto")
    assert ra.seasonal == (rs.aic < r.aic - 2)


def test_rating_load_by_hand_and_bootstrap(bs):
    st, data, s = bs
    rl = s["sinks"]["rating_on_daily_discharge"]
    q = data.samples["q_m3_s"].to_numpy()
    d = s["_frames"]["dic"]
    r = S.fit_rating(q, d, data.samples["datetime"], st.rating_seasonal)
    qd = data.discharge
    dic_d = np.exp(S.rating_design(qd.to_numpy(), qd.index, r.seasonal) @ r.coef) * r.smearing
    ref = 0.5 * np.mean(qd.to_numpy() * dic_d) * YEAR_S * 12.0 * 1e-6
    assert rl["carbon_sink_t_c_yr"] == pytest.approx(ref, rel=1e-12)
    assert rl["n_days"] == 1205 and rl["period"] == {"start": "2014-09-15", "end": "2018-01-01"}
    iv = rl["interval_90"]
    assert iv["n_boot"] >= 290 and iv["contains_point_estimate"]
    assert iv["t_c_yr"][0] < rl["carbon_sink_t_c_yr"] < iv["t_c_yr"][1]
    assert rl["discharge"]["overlaps_samples"] is False  # LSC record 2014-2018 vs chemistry 2011-2013
    assert s["sink_basis"] == "rating_on_daily_discharge"
    # the sample-based flux is biased high by the storm sampling: mean sample Q is several times the daily mean
    b = s["sinks"]["flux_from_samples"]["sampling_bias"]
    assert b["ratio_mean_sample_q_to_mean_daily_q"] > 2 and b["share_storm_samples"] > 0.3


# ----------------------------------------------------------------------------------------------------------------
# (c) chemistry model
def test_equilibrium_prediction_equals_equilibrate(bs):
    st, data, s = bs
    temp = data.samples["temp_c"].to_numpy()
    temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
    for (src, system), (eq, co2) in s["_frames"]["preds"].items():
        c = co2["co2_ppmv"].to_numpy()
        ok = np.isfinite(c)
        prm = st.params(src, system)
        kw = {"gas_water_ratio": prm.gas_water_ratio} if system == "mixed" else {}
        ref = chemistry.equilibrate(temp[ok], prm.pco2_factor * c[ok] * 1e-6, mineral="calcite", system=system, **kw)
        np.testing.assert_allclose(eq["dic_mmol_kgw"].to_numpy()[ok], ref["dic_mmol_kgw"].to_numpy(), rtol=1e-12)
        assert np.isnan(eq["dic_mmol_kgw"].to_numpy()[~ok]).all()
    # the uncalibrated mixed system uses the catchment model's default gas/water ratio
    from karstmodel.config.catchment import ChemistryOptions
    assert st.params("soil", "mixed").gas_water_ratio == ChemistryOptions().gas_water_ratio


def test_metrics_block_layout_and_values(bs):
    st, data, s = bs
    m = s["metrics"]
    assert set(m) == {"calibration", "validation"}
    for per in m.values():
        for var in ("dic_mmol_l", "dic_mmol_l_baseflow", "dic_mmol_l_cq"):
            assert {"kge", "nse", "log_nse", "pbias", "rmse", "n"} <= set(per[var])
    # values: the open-system prediction against the observed DIC on the validation samples, by hand
    eq, co2 = s["_frames"]["preds"][("soil", "open")]
    p = eq["dic_mmol_kgw"].to_numpy()
    o = s["_frames"]["dic"]
    sel = s["_frames"]["masks"]["validation"] & np.isfinite(p) & np.isfinite(o)
    r = np.corrcoef(p[sel], o[sel])[0, 1]
    kge = 1 - np.sqrt((r - 1) ** 2 + (p[sel].std() / o[sel].std() - 1) ** 2 + (p[sel].mean() / o[sel].mean() - 1) ** 2)
    assert m["validation"]["dic_mmol_l"]["kge"] == pytest.approx(kge, rel=1e-10)
    assert m["validation"]["dic_mmol_l"]["n"] == int(sel.sum())
    assert m["validation"]["dic_mmol_l"]["pbias"] == pytest.approx(100 * (p[sel] - o[sel]).sum() / o[sel].sum())


@pytest.mark.parametrize("system,f", [("open", 0.6), ("closed", 4.0)])
def test_fit_recovers_known_parameter(bs, system, f):
    """Synthetic truth: DIC made by equilibrate at a known pco2_factor; differential evolution finds it."""
    st, data, _ = bs
    c = S.co2_at_samples(st, data, "soil")["co2_ppmv"].to_numpy()
    ok = np.isfinite(c)
    t = np.full(ok.sum(), 14.4)
    obs = chemistry.equilibrate(t, f * c[ok] * 1e-6, system=system)["dic_mmol_kgw"].to_numpy()
    small = replace(st, maxiter=30, popsize=8)
    prm, loss, nfev = S.fit_equilibrium(small, t, c[ok], obs, system, seed=3)
    assert prm.pco2_factor == pytest.approx(f, rel=1e-3)
    assert loss < 1e-3 and nfev > 0
    again = S.fit_equilibrium(small, t, c[ok], obs, system, seed=3)  # seeded: reproducible
    assert again[0] == prm and again[1] == loss


# ----------------------------------------------------------------------------------------------------------------
# errors in station files
def _doc(**over):
    doc = {"kind": "station", "name": "x", "location": {"latitude": 36.0, "longitude": -94.0},
           "samples": {"file": "samples.csv"}}
    doc.update(over)
    return doc


@pytest.mark.parametrize("over,needle", [
    ({"kind": "catchment"}, "kind"),
    ({"area_km2": -3.0}, "area_km2"),
    ({"colour": "red"}, "colour: unknown key"),
    ({"location": {"latitude": 136.0, "longitude": 0.0}}, "[location] latitude"),
    ({"samples": {}}, "[samples] file"),
    ({"discharge": {"file": "q.csv", "scale": 0.0}}, "[discharge] scale"),
    ({"model": {"system": "half-open"}}, "[model] system"),
    ({"model": {"soil": {"open": {"gas_water_ratio": 1.0}}}}, "[model.soil.open] gas_water_ratio"),
    ({"calibration": {"samples": "baseflow"}}, "[calibration] samples"),
    ({"calibration": {"calibration_period": "2012-01-01:2011-01-01"}}, "[calibration] calibration_period"),
    ({"calibration": {"parameters": {"pco2_factor": {"min": 2.0, "max": 1.0}}}}, "pco2_factor"),
])
def test_bad_station_keys(tmp_path, over, needle):
    with pytest.raises(S.StationError) as e:
        S.station_from_dict(_doc(**over), tmp_path / "station.toml")
    msg = str(e.value)
    assert "station.toml" in msg and needle in msg, msg


# ----------------------------------------------------------------------------------------------------------------
# calibration, in process
def test_calibrate_writes_runnable_station_and_validate_reproduces_it(tmp_path):
    src = _small_copy(tmp_path / "site")
    out = tmp_path / "cal"
    s = S.calibrate_station(src, out, seed=2, figures=False)
    assert {"station", "kind", "lines", "output_dir"} <= set(s)
    for f in ("station.toml", "summary.json", "report.md", "report.html", "parameters.csv", "samples_evaluated.csv",
              "daily_load.csv"):
        assert (out / f).exists(), f
    cal = s["calibration"]
    assert cal["seed"] == 2 and "differential_evolution" in cal["optimiser"]
    soil = cal["sources"]["soil"]["systems"]
    assert set(soil) == {"open", "closed", "mixed"} and "gas_water_ratio" in soil["mixed"]["parameters"]
    lo, hi, _ = S.DEFAULT_BOUNDS["pco2_factor"]
    assert all(lo <= v["parameters"]["pco2_factor"] <= hi for v in soil.values())
    # the calibrated file runs in validate and gives the same metrics
    st2 = S.load_station(out / "station.toml")
    assert st2.system == cal["sources"]["soil"]["best_system"]
    assert st2.params("soil", "open").pco2_factor == pytest.approx(soil["open"]["parameters"]["pco2_factor"])
    v = S.validate_station(out / "station.toml", tmp_path / "val", figures=False)
    for per in ("calibration", "validation"):
        for var in ("dic_mmol_l", "dic_mmol_l_cq"):
            assert v["metrics"][per][var]["kge"] == pytest.approx(s["metrics"][per][var]["kge"], rel=1e-9)
    for key in ("flux_from_samples", "rating_on_daily_discharge"):
        assert v["sinks"][key]["interval_90"]["t_c_yr"] == s["sinks"][key]["interval_90"]["t_c_yr"]
    # the calibration improved the calibration-period fit of the primary (baseflow) objective over the defaults
    base = S.validate_station(src, tmp_path / "val0", figures=False)
    assert (v["metrics"]["calibration"]["dic_mmol_l_baseflow"]["kge"]
            > base["metrics"]["calibration"]["dic_mmol_l_baseflow"]["kge"])
    summary = json.loads((out / "summary.json").read_text())
    assert "_frames" not in summary and summary["metrics"]["validation"]["dic_mmol_l"]["n"] > 0


# ----------------------------------------------------------------------------------------------------------------
# the command line
@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    root = tmp_path_factory.mktemp("stations_cli")
    cmd = _command()
    small = _small_copy(root / "bs_small")
    bad = {}
    # bad inputs: a missing samples file, a bad key, a non-number in the samples, a negative soil CO2
    p = _small_copy(root / "bad_missing", edit=lambda doc: doc["samples"].update(file="nope.csv"))
    bad["missing_file"] = (p, ("nope.csv", "not found"))
    p = _small_copy(root / "bad_key", edit=lambda doc: doc["model"].update(system="ajar"))
    bad["bad_key"] = (p, ("station.toml", "[model] system", "ajar"))
    d = root / "bad_value"
    d.mkdir()
    smp = pd.read_csv(ROOT / "blowing_springs" / "samples.csv")
    smp["dic_mg_c_l"] = smp["dic_mg_c_l"].astype(object)
    smp.loc[6, "dic_mg_c_l"] = "n.d."
    smp.to_csv(d / "samples.csv", index=False)
    (d / "station.toml").write_text('kind = "station"\nname = "v"\n[location]\nlatitude = 36.0\nlongitude = -94.0\n'
                                    '[samples]\nfile = "samples.csv"\n')
    bad["bad_value"] = (d / "station.toml", ("samples.csv", "'dic_mg_c_l'", "row 8", "n.d."))
    d = root / "bad_soil"
    d.mkdir()
    soil = pd.read_csv(ROOT / "blowing_springs" / "soil_co2.csv")
    soil.loc[3, "soil_co2_ppmv"] = -5
    soil.to_csv(d / "soil.csv", index=False)
    p = _small_copy(d, edit=lambda doc: doc["soil_co2"].update(file="soil.csv"))
    bad["bad_soil"] = (p, ("soil.csv", "'soil_co2_ppmv'", "row 5"))
    procs = {
        "validate_bu": (cmd + ["validate", "buffalo_river_st_joe", "-o", str(root / "out_bu")], root / "out_bu"),
        "calibrate_bs": (cmd + ["calibrate", str(small), "-o", str(root / "out_cal"), "--seed", "4", "--no-figures"],
                         root / "out_cal"),
    }
    running = {k: (subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root), out)
               for k, (c, out) in procs.items()}
    res = {}
    # bad inputs through the same entry point in this process (while the two processes above run)
    import contextlib
    import io

    from karstmodel.cli import main
    for name, (path, needles) in bad.items():
        verb = "calibrate" if name == "bad_soil" else "validate"
        out = root / f"out_{name}"
        so, se = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
            rc = main([verb, str(path), "-o", str(out)])
        res[name] = {"rc": rc, "stdout": so.getvalue(), "stderr": se.getvalue(), "out": out, "needles": needles,
                     "verb": verb}
    for k, (pr, out) in running.items():
        so, se = pr.communicate(timeout=300)
        res[k] = {"rc": pr.returncode, "stdout": so, "stderr": se, "out": out}
    return res


@pytest.mark.slow  # shares the fixture running validate / calibrate in subprocesses (~6 s)
def test_cli_validate_buffalo(cli):
    r = cli["validate_bu"]
    assert r["rc"] == 0, r["stderr"]
    assert "Traceback" not in r["stderr"]
    out = r["out"]
    s = json.loads((out / "summary.json").read_text())
    for k in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted", "period",
              "water_balance_error", "carbon_balance_error", "chemistry_backend", "database", "metrics"):
        assert k in s, k
    assert set(s["metrics"]) == {"calibration", "validation"}
    assert s["metrics"]["validation"]["dic_mmol_l_cq"]["n"] == 49  # 1975-1998
    for f in ("cq_rating.png", "dic_timeseries.png", "speciation_timeseries.png"):
        data = (out / f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, f
    rep = (out / "report.md").read_text()
    assert "Zeng" in rep and "sampling" in rep.lower() and "t C km-2 yr-1" in rep
    assert f"{s['sinks']['flux_from_samples']['carbon_sink_tc_km2_yr']:.3g} t C km-2 yr-1" in r["stdout"]


@pytest.mark.slow  # shares the fixture running validate / calibrate in subprocesses (~6 s)
def test_cli_calibrate(cli):
    r = cli["calibrate_bs"]
    assert r["rc"] == 0, r["stderr"]
    out = r["out"]
    st = S.load_station(out / "station.toml")  # runnable as written
    assert st.calibration_seed == 4
    s = json.loads((out / "summary.json").read_text())
    assert s["calibration"]["seed"] == 4 and "validation" in s["metrics"]
    assert "calibrated (soil CO2)" in r["stdout"]
    assert not list(out.glob("*.png"))  # --no-figures


@pytest.mark.parametrize("name", ["missing_file", "bad_key", "bad_value", "bad_soil"])
@pytest.mark.slow  # shares the fixture running validate / calibrate in subprocesses (~6 s)
def test_cli_bad_input_exit_2_one_line_nothing_written(cli, name):
    r = cli[name]
    err = r["stderr"].strip()
    assert r["rc"] == 2, (r["rc"], err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"karstmodel {r['verb']}: error:"), err
    for n in r["needles"]:
        assert n in err, f"{n!r} not in {err!r}"
    out = r["out"]
    assert not out.exists() or not any(out.iterdir())
    assert r["stdout"] == ""
