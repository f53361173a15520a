"""The Thames tributary stations (catchments/thames_tributaries): the CEH-file loader of make_data.py, the shipped
samples, the station reader on them and the station summary table against independent references (PHREEQC,
numpy.polyfit, hand calculations)."""
from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chemistry
from karstmodel.cli import main as cli_main
from karstmodel.workflows.stations.summary import (M_NO3, M_SO4, cq_slope, find_stations, resolve_station_group, station_row,
                                        strong_acid_share, summary_table)
from karstmodel.workflows.stations import load_station, load_station_data, observed_dic, speciate_samples
from repo_paths import REPO

ROOT = REPO / "catchments" / "thames_tributaries"
SECONDS_PER_YEAR = 365.25 * 86400.0


def _make_data():
    spec = importlib.util.spec_from_file_location("thames_make_data", ROOT / "make_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MD = _make_data()


@pytest.fixture(scope="module")
def raw():
    return MD.read_source(MD.SOURCE)


# ----------------------------------------------------------------------------------------------------------------
# the CEH file loader (make_data.py)
def test_dates_are_day_first_and_missing_times_flagged():
    dates = pd.Series(["03/03/2009", "13/02/2010", "01/12/2011"])
    times = pd.Series(["14:10", "09:05", ""])
    iso, known = MD.iso_datetime(dates, times)
    assert iso.tolist() == ["2009-03-03T14:10", "2010-02-13T09:05", "2011-12-01T00:00"]
    assert known.tolist() == [True, True, False]


def test_bad_date_names_column_and_file_line():
    with pytest.raises(MD.SourceError, match=r"Sampling date \(dd/mm/yyyy\).*line 3: cannot parse '2009-03-13'"):
        MD.iso_datetime(pd.Series(["03/03/2009", "2009-03-13"]), pd.Series(["10:00", "10:00"]))


def test_alkalinity_microequivalents_to_milliequivalents():
    assert MD.ueq_to_meq("4915") == "4.915"
    assert MD.ueq_to_meq(" 3929 ") == "3.929"
    assert MD.ueq_to_meq("<10") == "<0.01"  # a detection limit keeps its '<'
    assert MD.ueq_to_meq("") == ""
    with pytest.raises(MD.SourceError, match="line 7"):
        MD.ueq_to_meq("n/a", line=7)


def test_site_filter_and_a_known_row(raw):
    coln = MD.select_site(raw, "River Coln at Whelford")
    assert len(coln) == 202 and set(coln["Site"]) == {"River Coln at Whelford"}
    # the first Coln sample is line 1416 of the CEH file: 03/03/2009 14:10, Gran alkalinity 3929 ueq/L
    text = MD.SOURCE.read_text(encoding="utf-8").splitlines()
    first = text[int(coln["source_line"].iloc[0]) - 1].split(",")
    assert first[0] == "River Coln at Whelford" and first[1] == "03/03/2009" and first[5].strip() == "3929"
    smp = MD.site_samples(raw, "River Coln at Whelford")
    row = smp.iloc[0]
    assert row["datetime"] == "2009-03-03T14:10" and row["alk_meq_l"] == "3.929" and row["ca_mg_l"] == "102.7"
    assert float(row["alk_meq_l"]) * 1000 == pytest.approx(3929)
    with pytest.raises(MD.SourceError, match="no rows for site"):
        MD.select_site(raw, "River Coln at Bibury")


def test_shipped_samples_are_what_make_data_writes(raw):
    """The bundled per-site files are reproducible from the bundled CEH file, and detection limits stay verbatim."""
    assert sorted(p.parent.name for p in find_stations(ROOT)) == sorted(MD.SITES)
    total = 0
    for folder, site in MD.SITES.items():
        shipped = pd.read_csv(ROOT / folder / "samples.csv", dtype=str, keep_default_na=False)
        made = MD.site_samples(raw, site).astype(str)
        pd.testing.assert_frame_equal(shipped, made.reset_index(drop=True), check_dtype=False)
        total += len(shipped)
        n_lt = int(MD.select_site(raw, site)["Dissolved nitrite       (mg l-1-NO2)"].str.startswith("<").sum())
        assert int(shipped["no2_mg_l"].str.startswith("<").sum()) == n_lt
    assert total == len(raw) == 3118


# ----------------------------------------------------------------------------------------------------------------
# the station reader on these files
def test_detection_limit_and_rejected_temperature_in_the_station_reader(tmp_path):
    d = tmp_path / "site"
    shutil.copytree(ROOT / "coln_whelford", d)
    smp = pd.read_csv(d / "samples.csv", dtype=str, keep_default_na=False)
    smp.loc[3, "so4_mg_l"] = "<20"
    smp.to_csv(d / "samples.csv", index=False)
    s = load_station_data(load_station(d)).samples
    assert s["so4_mg_l"].iloc[3] == pytest.approx(10.0)  # half the limit
    assert s["alk_meq_l"].iloc[0] == pytest.approx(3.929)
    jub = load_station_data(load_station(ROOT / "jubilee_pococks_bridge")).samples
    i = int(np.flatnonzero(pd.DatetimeIndex(jub["datetime"]) == pd.Timestamp("2012-10-09 11:04"))[0])
    assert math.isnan(jub["temp_c"].iloc[i])  # 118 C in the source: flagged R, dropped
    assert np.nanmax(jub["temp_c"]) < 30


# ----------------------------------------------------------------------------------------------------------------
# the summary table against independent references
@pytest.fixture(scope="module")
def rows():
    out = {}
    for name in ("coln_whelford", "enborne_brimpton", "evenlode_cassington"):
        st = load_station(ROOT / name)
        data = load_station_data(st)
        out[name] = (st, data, station_row(st, data, name))
    return out


@pytest.mark.phreeqc
def test_dic_against_phreeqc_and_cq_slope_against_polyfit(rows):
    for name, (st, data, row) in rows.items():
        s = data.samples
        cols = ["temp_c", "ph", "alk_meq_l", "ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l",
                "no3_mg_l"]
        ref = chemistry.speciate(s[cols].reset_index(drop=True), backend="phreeqc")
        dic = ref["dic_mmol_l"].to_numpy(float)
        assert row["dic_mmol_l_median"] == pytest.approx(np.nanmedian(dic), rel=1e-4)
        assert row["si_calcite_median"] == pytest.approx(np.nanmedian(ref["si_calcite"]), abs=1e-3)
        assert row["log_pco2_median"] == pytest.approx(np.nanmedian(ref["log_pco2"]), abs=1e-3)
        q = s["q_m3_s"].to_numpy(float)
        for key, c in (("dic", dic), ("ca", s["ca_mg_l"].to_numpy(float))):
            ok = np.isfinite(q) & np.isfinite(c)
            coef, cov = np.polyfit(np.log(q[ok]), np.log(c[ok]), 1, cov=True)
            assert row[f"cq_b_{key}"] == pytest.approx(coef[0], abs=2e-4), (name, key)
            assert row[f"cq_b_{key}_se"] == pytest.approx(math.sqrt(cov[0, 0]), rel=0.02), (name, key)


def test_medians_shares_and_sample_flux_by_hand(rows):
    st, data, row = rows["coln_whelford"]
    s = data.samples
    assert row["n_samples"] == 202 and row["n_speciated"] == 201
    assert row["alk_meq_l_median"] == pytest.approx(np.nanmedian(s["alk_meq_l"]))
    # strong-acid share of the first sample by hand: SO4 29.5 mg/L, NO3 33 mg/L, Alk 3.929 meq/L
    strong = 2 * 29.5 / 96.06 + 33.0 / 62.00
    assert strong_acid_share(s.iloc[:1])[0] == pytest.approx(strong / (3.929 + strong), rel=1e-3)
    assert M_SO4 == pytest.approx(96.06, abs=0.01) and M_NO3 == pytest.approx(62.00, abs=0.01)
    # DIC export from the samples = 12 g/mol x mean(Q_i DIC_i) over the year (Zeng et al. 2019 eq. 1, all DIC)
    dic = observed_dic(s, speciate_samples(s))
    q = s["q_m3_s"].to_numpy(float)
    ok = np.isfinite(q) & np.isfinite(dic)
    by_hand = np.mean(q[ok] * dic[ok]) * SECONDS_PER_YEAR * 12.0 * 1e-6  # mmol/L = mol/m3; g -> t
    assert row["dic_export_samples_t_c_yr"] == pytest.approx(by_hand, rel=1e-9)
    assert row["q_mean_sample_m3_s"] == pytest.approx(np.mean(q[ok]))
    assert math.isnan(row["dic_export_samples_tc_km2_yr"])  # no area given, nothing per km2
    # the rating applied to the sample days reproduces the sample flux closely; only the Evenlode has daily Q
    assert row["dic_export_rating_sample_days_t_c_yr"] == pytest.approx(by_hand, rel=0.02)
    assert math.isnan(row["dic_export_rating_daily_t_c_yr"])
    assert np.isfinite(rows["evenlode_cassington"][2]["dic_export_rating_daily_t_c_yr"])


def test_clay_site_dilutes_carbonate_site_is_chemostatic(rows):
    """What the table is for: the Enborne (Tertiary clays and sands) is diluted at high flow and less saturated
    than the Cotswold Coln, which is chemostatic and supersaturated (laboratory pH)."""
    coln, enb = rows["coln_whelford"][2], rows["enborne_brimpton"][2]
    assert abs(coln["cq_b_dic"]) < 3 * coln["cq_b_dic_se"] + 0.01
    assert enb["cq_b_dic"] < -0.1 and enb["cq_b_dic"] + 3 * enb["cq_b_dic_se"] < 0
    assert coln["si_calcite_median"] > enb["si_calcite_median"] + 0.3


def test_cq_slope_exact_and_degenerate():
    q = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    r = cq_slope(q, 3.0 * q ** -0.2)
    assert r["b"] == pytest.approx(-0.2, abs=1e-12) and r["se_b"] == pytest.approx(0.0, abs=1e-12)
    assert r["a"] == pytest.approx(math.log(3.0)) and r["n"] == 5
    assert math.isnan(cq_slope([1.0, 2.0], [1.0, 1.0])["b"])
    assert math.isnan(cq_slope([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])["b"])  # no discharge variation


# ----------------------------------------------------------------------------------------------------------------
# the folder command
def _two_stations(tmp_path) -> Path:
    grp = tmp_path / "group"
    for name in ("leach_lechlade", "cut_paley_street"):
        shutil.copytree(ROOT / name, grp / name)
    return grp


def test_validate_folder_writes_one_table(tmp_path, capsys):
    grp = _two_stations(tmp_path)
    assert resolve_station_group(grp) == grp and resolve_station_group(grp / "leach_lechlade") is None
    out = tmp_path / "out"
    assert cli_main(["validate", str(grp), "-o", str(out), "--no-figures"]) == 0
    tab = pd.read_csv(out / "stations_summary.csv")
    assert tab["station"].tolist() == ["cut_paley_street", "leach_lechlade"]
    ref = summary_table(grp)
    assert tab["dic_mmol_l_median"].to_numpy() == pytest.approx(ref["dic_mmol_l_median"].to_numpy(), rel=1e-5)
    assert (out / "stations_summary.md").read_text().count("| cut_paley_street |") == 1
    v = json.loads((out / "leach_lechlade" / "summary.json").read_text())
    assert tab.set_index("station").loc["leach_lechlade", "cq_rating_kge_validation"] == pytest.approx(
        v["metrics"]["validation"]["dic_mmol_l_cq"]["kge"], rel=1e-5)
    cap = capsys.readouterr()
    assert "stations_summary.csv" in cap.out
    assert "stations validated: 2/2 (100 %)" in cap.err and "ETA 00:00" in cap.err  # progress, not on a terminal


def test_validate_folder_bad_input_writes_nothing(tmp_path, capsys):
    grp = _two_stations(tmp_path)
    p = grp / "leach_lechlade" / "samples.csv"
    lines = p.read_text().splitlines()
    lines[4] = lines[4].replace("T", "x", 1)  # file line 5: an unparsable time stamp
    p.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert cli_main(["validate", str(grp), "-o", str(out), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "leach_lechlade/samples.csv, column 'datetime', row 5: cannot parse date/time" in err, err
    assert not out.exists()


# ----------------------------------------------------------------------------------------------------------------
# the Coln climatology comparison (validation/validate_coln_whelford.py) on synthetic series
def test_climatology_measures_on_synthetic_series():
    spec = importlib.util.spec_from_file_location(
        "validate_coln_whelford", ROOT.parents[1] / "validation" / "validate_coln_whelford.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    days = pd.date_range("2001-01-01", "2002-12-31", freq="D")
    q = 1.0 + 0.5 * np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 15) / 365.25)  # high in January
    sim = pd.DataFrame({"q_m3_s": q, "dic_mmol_l": 4.0 * q ** -0.1, "ca_mmol_l": 2.0 * q ** 0.05,
                        "spring_dic_mmol_l": 4.0, "spring_q_m3_s": q}, index=days)
    obs = sim.iloc[::7].copy()
    obs["dic_mmol_l"] *= 1.25  # observed 25 % higher, same cycle and slope
    r = mod.compare(sim, obs)
    d = r["dic_mmol_l"]
    assert d["cq_slope"]["simulated"]["b"] == pytest.approx(-0.1, abs=1e-9)
    assert d["cq_slope"]["observed"]["b"] == pytest.approx(-0.1, abs=1e-9)
    fw = float(np.sum(q * 4.0 * q ** -0.1) / np.sum(q))
    assert d["flow_weighted_mean"]["simulated"] == pytest.approx(fw, rel=1e-12)
    assert d["median"]["relative_difference_pct"] == pytest.approx(100 * (1 / 1.25 - 1), abs=0.5)
    assert d["monthly_correlation"] == pytest.approx(1.0, abs=1e-3)
    assert d["month_of_min"] == {"simulated": 1, "observed": 1}  # dilution at the January high flow
    assert r["ca_mmol_l"]["month_of_max"]["simulated"] == 1
    assert r["spring_dic_mmol_l"]["simulated_median"] == pytest.approx(4.0)


def test_station_location_is_optional_but_complete_when_given(tmp_path):
    from karstmodel.workflows.stations import StationError, station_from_dict
    doc = {"kind": "station", "name": "x", "samples": {"file": "samples.csv"}}
    st = station_from_dict(doc, tmp_path / "station.toml")
    assert st.latitude is None and st.longitude is None and st.elevation_m == 0.0
    with pytest.raises(StationError, match=r"\[location\] latitude: missing required key"):
        station_from_dict({**doc, "location": {"elevation_m": 100.0}}, tmp_path / "station.toml")
