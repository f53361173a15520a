"""Chemistry sample files as they come: the samples of `karstmodel speciate`, a station's samples, discharge and
soil-CO2 files and the chemistry samples of an observations file (the chemograph) are read through the same dialect
detection (`;`/tab, decimal commas) and date rules (day-first detected, ambiguous refused) as drivers. A `;` file
with decimal commas and a tab file give the comma file's numbers; every refusal names file, column and line."""
from __future__ import annotations

import csv
import io
import logging
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry.errors import InputError
from karst_helpers import base_doc, synthetic_drivers
from karst_helpers import write_catchment as write_case
from karstmodel.cli import main
from karstmodel.config.catchment import load_catchment
from karstmodel.io.files import read_csv, write_csv_atomic
from karstmodel.reporting.outputs import chemistry_samples
from karstmodel.workflows.stations import load_station
from karstmodel.workflows.stations.data import load_station_data
from repo_paths import REPO

BS = REPO / "catchments" / "blowing_springs"
_DOT = re.compile(r"^[<>]?[+-]?(\d+\.\d*|\.\d+)$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?$")


def _rewrite(src, dst, delimiter: str, decimal_comma: bool = False, day_first: bool = False) -> None:
    """``src`` (a comma CSV) as another dialect: ``delimiter``, '.' -> ',' in numbers, ISO dates as DD.MM.YYYY."""
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    out = [rows[0]]
    for row in rows[1:]:
        cells = []
        for c in row:
            if decimal_comma and _DOT.match(c):
                c = c.replace(".", ",")
            m = _ISO.match(c) if day_first else None
            if m:
                c = f"{m[3]}.{m[2]}.{m[1]}" + (f" {m[4]}" if m[4] else "")
            cells.append(c)
        out.append(cells)
    with open(dst, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(out)


SAMPLES = ("date,temp_c,ph,alk_meq_l,ca_mg_l,mg_mg_l,no3_mg_l,site\n"
           "2009-03-02,9.1,7.91,5.12,110.5,12.25,<0.5,spring A\n"
           "2009-03-16,9.4,8.02,4.98,104.75,11.5,30.1,spring A\n"
           "2009-03-30,10.05,7.95,5.01,108.0,12.0,29.4,spring B\n")


def _speciate_cli(path, out) -> pd.DataFrame:
    assert main(["speciate", str(path), "-o", str(out)]) == 0
    return pd.read_csv(out)


def test_speciate_reads_semicolon_decimal_comma_and_tab_files_as_the_comma_file(tmp_path, capsys):
    comma = tmp_path / "samples.csv"
    comma.write_text(SAMPLES, encoding="utf-8")
    semi, tab = tmp_path / "samples_eu.csv", tmp_path / "samples_tab.csv"
    _rewrite(comma, semi, ";", decimal_comma=True)
    _rewrite(comma, tab, "\t")
    assert "7,91" in semi.read_text() and "\t" in tab.read_text()
    ref = _speciate_cli(comma, tmp_path / "ref.csv")
    # comma files: byte for byte what the comma-only reader gave
    old = tmp_path / "old.csv"
    write_csv_atomic(chemistry.speciate(read_csv(comma), source=str(comma)), old)
    assert (tmp_path / "ref.csv").read_bytes() == old.read_bytes()
    assert np.isfinite(ref["dic_mmol_l"]).all() and (ref["speciation_error"].isna()).all()
    for variant in (semi, tab):
        got = _speciate_cli(variant, tmp_path / f"{variant.stem}.out.csv")
        err = capsys.readouterr().err
        assert f"{variant}: read as {'semicolon' if variant == semi else 'tab'}-separated" in err
        assert ("decimal commas" in err) == (variant == semi)
        assert list(got.columns) == list(ref.columns)
        num = [c for c in ref.columns if ref[c].dtype.kind == "f"]
        assert {"temp_c", "ph", "alk_meq_l", "ca_mg_l", "dic_mmol_l", "log_pco2", "si_calcite"} <= set(num)
        np.testing.assert_allclose(got[num].to_numpy(float), ref[num].to_numpy(float), rtol=1e-12, atol=1e-12)
        pd.testing.assert_series_equal(got["site"], ref["site"])


def test_speciate_semicolon_file_end_to_end_through_python_m_karstmodel(tmp_path):
    semi = tmp_path / "eu.csv"
    (tmp_path / "c.csv").write_text(SAMPLES, encoding="utf-8")
    _rewrite(tmp_path / "c.csv", semi, ";", decimal_comma=True)
    r = subprocess.run([sys.executable, "-m", "karstmodel", "speciate", str(semi)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-400:]
    out = pd.read_csv(io.StringIO(r.stdout))
    assert len(out) == 3 and out["ph"].tolist() == [7.91, 8.02, 7.95]
    assert "read as semicolon-separated (';'), decimal commas" in r.stderr
    # mixed decimal marks are refused naming the file and both lines, nothing written, exit 2
    bad = tmp_path / "mixed.csv"
    bad.write_text("temp_c;ph;alk_meq_l\n9,1;7,9;5,1\n9.4;8.0;5.0\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "karstmodel", "speciate", str(bad), "-o", str(tmp_path / "o.csv")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and str(bad) in r.stderr and "line 3" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.csv").exists()


def _station_copy(tmp_path, delimiter=",", decimal_comma=False, day_first=False):
    d = tmp_path / f"bs_{ord(delimiter)}_{int(decimal_comma)}_{int(day_first)}"
    d.mkdir()
    shutil.copy(BS / "station.toml", d / "station.toml")
    for name in ("samples.csv", "soil_co2.csv", "little_sugar_creek_daily.csv"):
        _rewrite(BS / name, d / name, delimiter, decimal_comma, day_first)
    return d / "station.toml"


@pytest.fixture(scope="module")
def bs_data():
    return load_station_data(load_station(BS / "station.toml"))


def _same_station_data(a, b):
    pd.testing.assert_frame_equal(a.samples, b.samples, check_exact=False, rtol=1e-12, atol=1e-12)
    pd.testing.assert_frame_equal(a.soil_co2, b.soil_co2, check_exact=False, rtol=1e-12, atol=1e-12)
    pd.testing.assert_series_equal(a.discharge, b.discharge, check_exact=False, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("delimiter, decimal_comma, day_first", [(";", True, True), ("\t", False, False),
                                                                 (",", False, True)])
def test_station_files_in_other_dialects_give_the_same_data(tmp_path, bs_data, delimiter, decimal_comma, day_first,
                                                             caplog):
    path = _station_copy(tmp_path, delimiter, decimal_comma, day_first)
    text = (path.parent / "samples.csv").read_text()
    assert (delimiter in text.splitlines()[0]) and (("14,6" in text) == decimal_comma)
    assert ("22.06.2011 09:20" in text) == day_first
    with caplog.at_level(logging.INFO, logger="karstmodel.io"):
        got = load_station_data(load_station(path))
    _same_station_data(got, bs_data)
    assert len(got.samples) == 72 and got.samples["datetime"].iloc[0] == pd.Timestamp("2011-06-22 09:20")
    msgs = [r.getMessage() for r in caplog.records]
    if day_first:
        assert f"{path.parent / 'samples.csv'}: dates in column 'datetime' read day-first (DD.MM.YYYY)" in msgs
    if delimiter != ",":
        assert any(m.startswith(f"{path.parent / 'soil_co2.csv'}: read as") for m in msgs)


def test_ambiguous_station_dates_refused_naming_file_column_line_and_read_with_date_format(tmp_path):
    path = _station_copy(tmp_path, ";", True, day_first=True)
    samples = path.parent / "samples.csv"
    lines = samples.read_text().splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if int(ln.split(".")[0]) <= 12]  # only days <= 12: no order shown
    assert 5 < len(keep) < len(lines)
    samples.write_text("\n".join(keep) + "\n")
    with pytest.raises(InputError) as e:
        load_station_data(load_station(path))
    msg = str(e.value)
    assert str(samples) in msg and "'datetime'" in msg and "row 2" in msg and "ambiguous dates" in msg
    assert "[samples]" in msg and "date_format" in msg
    toml = path.read_text().replace('baseflow_label = "baseflow"', 'baseflow_label = "baseflow"\n'
                                    'date_format = "%d.%m.%Y %H:%M"')
    path.write_text(toml)
    st = load_station(path)
    assert st.samples_date_format == "%d.%m.%Y %H:%M"
    got = load_station_data(st).samples["datetime"]
    first = keep[1].split(";")[0]
    assert got.iloc[0] == pd.to_datetime(first, format="%d.%m.%Y %H:%M") and got.iloc[0].day <= 12
    bad = path.read_text().replace('date_format = "%d.%m.%Y %H:%M"', 'date_format = "DD.MM.YYYY"')
    path.write_text(bad)
    with pytest.raises(InputError, match=r"\[samples\] date_format.*not a date format"):
        load_station(path)


def test_chemograph_samples_read_with_the_catchment_columns_and_date_format(tmp_path):
    """The chemograph's samples come from the observations file as the catchment reads it ([observations]
    columns and date_format), also in a ';' file with decimal commas."""
    drv = synthetic_drivers(days=60, seed=2)
    dates = pd.to_datetime(drv["date"])
    obs = pd.DataFrame({"Datum": dates.dt.strftime("%m/%d/%Y"), "Q_m3_s": 0.5})
    sample = np.arange(len(dates)) % 7 == 0  # day 1, 8, ...: with month-first dates, no day-first reading shows
    for col, v in (("temp_c", 9.5), ("ph", 7.25), ("alk_meq_l", 4.75), ("ca_mg_l", 81.5)):
        obs[col] = np.where(sample, v, np.nan)
    doc = base_doc(observations={"file": "observations.csv", "discharge": "spring",
                                 "columns": {"Datum": "date"}, "date_format": "%m/%d/%Y"})
    path = write_case(tmp_path, doc, drv, None)
    plain = tmp_path / "plain.csv"
    obs.to_csv(plain, index=False)
    _rewrite(plain, tmp_path / "observations.csv", ";", decimal_comma=True)
    assert "7,25" in (tmp_path / "observations.csv").read_text()
    c = load_catchment(path)
    chem = chemistry_samples(c, pd.DatetimeIndex(dates, name="date"))
    ca = chem["ca_mmol_l"].dropna()
    assert list(ca.index) == list(dates[sample])
    np.testing.assert_allclose(ca.to_numpy(), 81.5 / 40.078, rtol=1e-12)
    np.testing.assert_allclose(chem["ph"].dropna().to_numpy(), 7.25, rtol=0, atol=1e-12)
