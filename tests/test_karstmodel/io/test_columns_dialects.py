"""Data as it comes: column names of other data sets (CAMELS-GB, CAMELS-US, MeteoSwiss), an explicit column mapping,
semicolon/tab files with decimal commas and day-first dates. The CAMELS-GB Coln file and its European variant must
give the bundled canonical files' drivers and discharge to the last digit; every refusal names file, column, line."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from chemistry.errors import InputError
from karstmodel.config.catchment import DriverSpec, load_catchment, write_catchment
from karstmodel.io.columns import parse_mapping, resolve
from karstmodel.io.drivers import load_drivers
from karstmodel.io.files import parse_times, read_csv
from karstmodel.io.observations import load_discharge_observations, read_station_file
from karstmodel.workflows.init import init_catchment
from repo_paths import REPO as ROOT

COLN = ROOT / "catchments" / "coln_bibury"
AREA = 106.7


AS_DOWNLOADED = COLN / "as_downloaded" / "camelsgb_39020_Coln_at_Bibury_daily_1999_2008.csv"


def _coln_camels_gb(tmp_path):
    """The CAMELS-GB file of the Coln as downloaded (columns date, P_mm_d, PET_mm_d, T_degC, Q_mm_d; Q in mm/d; one
    file) and the same data as a European export (';', decimal commas, DD.MM.YYYY)."""
    path = tmp_path / "39020_daily.csv"
    path.write_bytes(AS_DOWNLOADED.read_bytes())
    gb = pd.read_csv(path, dtype=str)
    assert list(gb.columns) == ["date", "P_mm_d", "PET_mm_d", "T_degC", "Q_mm_d"]
    eu = gb.copy()
    eu["date"] = pd.to_datetime(eu["date"]).dt.strftime("%d.%m.%Y")
    for c in ("P_mm_d", "PET_mm_d", "T_degC", "Q_mm_d"):
        eu[c] = eu[c].str.replace(".", ",", regex=False)
    eu_path = tmp_path / "39020_europe.csv"
    eu.to_csv(eu_path, index=False, sep=";")
    return path, eu_path


def test_camels_gb_coln_names_give_the_bundled_drivers_and_discharge(tmp_path, caplog):
    path, _ = _coln_camels_gb(tmp_path)
    with caplog.at_level(logging.INFO, logger="karstmodel.io"):
        got = load_drivers(DriverSpec(file=path, pet="column"), 51.76).data
        q = load_discharge_observations(path, AREA)
    ref = load_drivers(DriverSpec(file=COLN / "drivers.csv", pet="column"), 51.76).data
    pd.testing.assert_frame_equal(got, ref[got.columns], check_exact=True)
    q_ref = load_discharge_observations(COLN / "observations.csv", AREA)
    pd.testing.assert_frame_equal(q, q_ref, check_exact=True)
    assert len(got) == 3653 and got["precip_mm"].sum() == pytest.approx(ref["precip_mm"].sum(), rel=0, abs=0)
    msgs = [r.getMessage() for r in caplog.records]
    assert f"{path}: read column 'P_mm_d' as precip_mm, 'PET_mm_d' as pet_mm, 'T_degC' as temp_c" in msgs
    assert f"{path}: read column 'Q_mm_d' as q_mm_d" in msgs


def test_semicolon_decimal_comma_day_first_variant_gives_the_same_drivers(tmp_path, caplog):
    path, eu = _coln_camels_gb(tmp_path)
    assert eu.read_text().splitlines()[1] == "01.01.1999;8,49;0,56;7,16;2,17"
    with caplog.at_level(logging.INFO, logger="karstmodel.io"):
        a = load_drivers(DriverSpec(file=eu, pet="column"), 51.76).data
        qa = load_discharge_observations(eu, AREA)
    b = load_drivers(DriverSpec(file=path, pet="column"), 51.76).data
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(qa, load_discharge_observations(path, AREA), check_exact=True)
    msgs = [r.getMessage() for r in caplog.records]
    assert f"{eu}: read as semicolon-separated (';'), decimal commas" in msgs
    assert f"{eu}: dates in column 'date' read day-first (DD.MM.YYYY)" in msgs


def test_tab_file_with_decimal_points(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("date\tprecip_mm\ttemp_c\n2001-01-01\t1.5\t-2.25\n2001-01-02\t0\t3\n")
    df = read_csv(p, dialects=True)
    assert df["precip_mm"].tolist() == [1.5, 0.0] and df["temp_c"].tolist() == [-2.25, 3.0]


def test_mixed_decimal_marks_refused_naming_both_lines(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("date;precip_mm\n2001-01-01;1,5\n2001-01-02;2\n2001-01-03;1.234\n")
    with pytest.raises(InputError, match=r"m.csv, row 4: mixed decimal marks: '1,5' in line 2 and '1.234' in line 4"):
        read_csv(p, dialects=True)


def test_two_delimiters_in_header_refused(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("date;precip,mm\n2001-01-01;1,5\n2001-01-02;2,0\n")
    with pytest.raises(InputError, match=r"x.csv, row 1: cannot tell the delimiter"):
        read_csv(p, dialects=True)


def test_comma_files_without_dialects_keep_the_old_refusal(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("temp_c;ph\n10;7,2\n")
    with pytest.raises(InputError, match="semicolon-separated"):
        read_csv(p)


@pytest.mark.parametrize("values, expected, order", [
    (["31.12.2001", "01.01.2002"], ["2001-12-31", "2002-01-01"], "day-first (DD.MM.YYYY)"),
    (["12/31/2001", "01/01/2002"], ["2001-12-31", "2002-01-01"], "month-first (MM/DD/YYYY)"),
    (["13/01/2001 06:30", "14/01/2001 07:00"], ["2001-01-13 06:30", "2001-01-14 07:00"], "day-first (DD/MM/YYYY)"),
])
def test_dates_with_the_year_last_read_in_the_order_the_column_shows(values, expected, order, caplog):
    with caplog.at_level(logging.INFO, logger="karstmodel.io"):
        t = parse_times(pd.Series(values), "f.csv", "date")
    assert list(t) == list(pd.to_datetime(expected))
    assert caplog.records[-1].getMessage() == f"f.csv: dates in column 'date' read {order}"


def test_ambiguous_dates_refused_with_a_hint_and_read_with_a_format():
    s = pd.Series(["01.02.2001", "02.02.2001", "03.02.2001"])
    with pytest.raises(InputError) as e:
        parse_times(s, "f.csv", "date")
    msg = str(e.value)
    assert msg.startswith("f.csv, column 'date', row 2: ambiguous dates: no day above 12")
    assert "--date-format" in msg and "date_format" in msg
    t = parse_times(s, "f.csv", "date", date_format="%d.%m.%Y")
    assert list(t) == list(pd.to_datetime(["2001-02-01", "2001-02-02", "2001-02-03"]))
    with pytest.raises(InputError, match=r"row 3: date/time '2001-02-03' does not match the date format '%d.%m.%Y'"):
        parse_times(pd.Series(["01.02.2001", "2001-02-03"]), "f.csv", "date", date_format="%d.%m.%Y")


@pytest.mark.parametrize("values, fragment", [
    (["31.12.2001", "2002-01-01"], "row 3: date '2002-01-01' is not written like '31.12.2001'"),
    (["31.12.2001", "12/31/2001"], "uses another separator"),
    (["31.12.2001", "12.31.2001"], "put the day first and last"),
    (["01/02/01"], "--date-format"),  # two-digit years are never guessed
])
def test_inconsistent_or_two_digit_year_dates_refused(values, fragment):
    with pytest.raises(InputError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        parse_times(pd.Series(values), "f.csv", "date")


@pytest.mark.parametrize("name, target", [
    ("P_mm_d", "precip_mm"), ("prcp(mm/day)", "precip_mm"), ("PET_mm_d", "pet_mm"), ("T_degC", "temp_c"),
    ("tmax(C)", "tmax_c"), ("Tmin_degC", "tmin_c"), ("rre150d0", "precip_mm"), ("tre200d0", "temp_c"),
])
def test_driver_names_with_units_recognised(name, target):
    renames, recognised = resolve(["date", name], "drivers")
    assert renames == {name: target} and recognised == [(name, target)]


@pytest.mark.parametrize("name, target", [("Q_mm_d", "q_mm_d"), ("Q (m3/s)", "q_m3_s"), ("flow_l_s", "q_l_s"),
                                          ("discharge_cumecs", "q_m3_s")])
def test_discharge_names_with_units_recognised(name, target):
    assert resolve(["Date", name], "observations")[0] == {"Date": "date", name: target}


@pytest.mark.parametrize("kind, name", [("drivers", "precipitation"), ("drivers", "prcp"), ("drivers", "pet"),
                                        ("drivers", "temperature"), ("drivers", "tmean"),
                                        ("observations", "discharge"), ("observations", "flow"),
                                        ("observations", "Q"), ("observations", "discharge_spec")])
def test_names_without_a_unit_refused_asking_for_it(kind, name):
    with pytest.raises(InputError) as e:
        resolve(["date", name], kind, source="in.csv")
    msg = str(e.value)
    assert msg.startswith(f"in.csv, column '{name}', row 1: the name gives no unit: say what it is with --columns")
    assert "\n" not in msg


def test_air_temperature_never_taken_for_water_temperature():
    """An observations file from the same export as the drivers (CAMELS-GB: one file) has T_degC: the air."""
    assert resolve(["date", "T_degC", "Q_mm_d"], "observations")[0] == {"Q_mm_d": "q_mm_d"}


def test_explicit_mapping_and_its_refusals(tmp_path):
    assert parse_mapping("precipitation=precip_mm, discharge=q_mm_d") == {"precipitation": "precip_mm",
                                                                          "discharge": "q_mm_d"}
    assert resolve(["date", "precipitation"], "drivers", {"precipitation": "precip_mm"})[0] == {
        "precipitation": "precip_mm"}
    with pytest.raises(InputError, match="expected FILE_COLUMN=model_column pairs"):
        parse_mapping("precipitation")
    with pytest.raises(InputError, match=r"d.csv, column 'rain': the column mapping names 'rain', which is not in"):
        resolve(["date", "prcp"], "drivers", {"rain": "precip_mm"}, "d.csv")
    with pytest.raises(InputError, match=r"two columns give precip_mm: 'precip_mm' and 'P_mm_d'"):
        resolve(["date", "precip_mm", "P_mm_d"], "drivers", source="d.csv")


def test_missing_column_names_what_is_expected_and_the_mapping(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,rainfall_in,temp_c\n2001-01-01,1,2\n")
    with pytest.raises(InputError) as e:
        load_drivers(DriverSpec(file=p), 47.0)
    msg = str(e.value)
    assert msg.startswith(f"{p}, column 'precip_mm': missing required column (needed: date, precip_mm, temp_c; "
                          "found: date, rainfall_in, temp_c)") and "--columns" in msg


def test_init_reads_the_camels_gb_file_with_no_edits_and_the_european_variant_alike(tmp_path):
    path, eu = _coln_camels_gb(tmp_path)
    a = init_catchment(tmp_path / "gb", path, 51.76, -1.83, AREA, path, discharge="outlet")
    b = init_catchment(tmp_path / "eu", eu, 51.76, -1.83, AREA, eu, discharge="outlet")
    ca, cb = load_catchment(a), load_catchment(b)
    assert dict(ca.drivers.columns) == {"P_mm_d": "precip_mm", "PET_mm_d": "pet_mm", "T_degC": "temp_c"}
    assert dict(ca.observations.columns) == {"Q_mm_d": "q_mm_d"} and ca.drivers.pet == "column"
    assert ca.calibration["calibration_period"] == cb.calibration["calibration_period"] == "2000-01-01:2005-05-25"
    da = load_drivers(ca.drivers, ca.latitude).data
    pd.testing.assert_frame_equal(da, load_drivers(cb.drivers, cb.latitude).data, check_exact=True)
    qa = load_discharge_observations(ca.observations.file, AREA, None, ca.observations.columns)
    qb = load_discharge_observations(cb.observations.file, AREA, None, cb.observations.columns)
    pd.testing.assert_frame_equal(qa, qb, check_exact=True)
    assert (tmp_path / "gb" / "drivers.csv").read_bytes() == path.read_bytes()  # the user's file, as downloaded


def test_karstmodel_init_cli_on_the_camels_gb_file_as_downloaded(tmp_path, monkeypatch, capsys):
    """The README's first command on the Coln file, no edits: aliases recognised and reported, exit 0."""
    from karstmodel.cli import main
    path, eu = _coln_camels_gb(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["--lat", "51.76", "--lon", "-1.83", "--area-km2", "106.7", "--discharge", "outlet"]
    assert main(["init", "coln", "--drivers", str(path), "--observations", str(path), *args]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"karstmodel init: {path}: read column 'P_mm_d' as precip_mm, 'PET_mm_d' as pet_mm, 'T_degC' as "
                   "temp_c", f"karstmodel init: {path}: read column 'Q_mm_d' as q_mm_d"]
    assert main(["init", "coln_eu", "--drivers", str(eu), "--observations", str(eu), *args,
                 "--columns", "P_mm_d=precip_mm,PET_mm_d=pet_mm,T_degC=temp_c,Q_mm_d=q_mm_d"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"karstmodel init: {eu}: read as semicolon-separated (';'), decimal commas",
                   f"karstmodel init: {eu}: dates in column 'date' read day-first (DD.MM.YYYY)"]
    assert load_catchment(tmp_path / "coln").drivers.columns == load_catchment(tmp_path / "coln_eu").drivers.columns
    assert main(["init", "bad", "--drivers", str(path), *args, "--columns", "P_mm_d"]) == 2
    assert capsys.readouterr().err.strip() == ("karstmodel init: error: --columns: expected FILE_COLUMN=model_column "
                                               "pairs separated by commas, like P_mm_d=precip_mm,Q_mm_d=q_mm_d; got "
                                               "'P_mm_d'")
    assert not (tmp_path / "bad").exists()


def test_init_with_a_mapping_and_a_date_format_written_to_the_catchment_file(tmp_path):
    """CAMELS-GB's own unit-less names (precipitation, pet, temperature, discharge_spec), dates DD/MM/YYYY."""
    days = pd.date_range("2001-01-01", periods=900, freq="D")
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "precipitation": np.round(rng.random(900) * 5, 2),
                       "pet": 1.0, "temperature": np.round(8 + rng.normal(0, 3, 900), 2),
                       "discharge_spec": np.round(1 + rng.random(900), 3)})
    p = tmp_path / "cgb.csv"
    df.to_csv(p, index=False)
    with pytest.raises(InputError, match=r"cgb.csv, column 'precipitation', row 1: the name gives no unit"):
        init_catchment(tmp_path / "x", p, 51.0, -1.0, 10.0, p)
    mapping = "precipitation=precip_mm,pet=pet_mm,temperature=temp_c,discharge_spec=q_mm_d"
    with pytest.raises(InputError, match=r"--columns: rain=precip_mm: no file has a column 'rain' that can be "):
        init_catchment(tmp_path / "x", p, 51.0, -1.0, 10.0, p, columns="rain=precip_mm")
    with pytest.raises(InputError, match=r"--date-format: 'dd/mm/yyyy' is not a date format"):
        init_catchment(tmp_path / "x", p, 51.0, -1.0, 10.0, p, columns=mapping, date_format="dd/mm/yyyy")
    assert not (tmp_path / "x").exists()
    path = init_catchment(tmp_path / "x", p, 51.0, -1.0, 10.0, p, columns=mapping, date_format="%d/%m/%Y")
    text = path.read_text()
    assert 'columns = { precipitation = "precip_mm", pet = "pet_mm", temperature = "temp_c" }' in text
    assert 'columns = { discharge_spec = "q_mm_d" }' in text and text.count('date_format = "%d/%m/%Y"') == 2
    c = load_catchment(path)
    assert c.drivers.date_format == "%d/%m/%Y" and dict(c.observations.columns) == {"discharge_spec": "q_mm_d"}
    data = load_drivers(c.drivers, c.latitude).data
    assert data.index[0] == pd.Timestamp("2001-01-01") and len(data) == 900
    assert data["precip_mm"].to_numpy().tolist() == df["precipitation"].tolist()
    # the catchment file round-trips the reading keys
    c2 = load_catchment(write_catchment(c, tmp_path / "copy.toml"))
    assert c2.drivers.columns == c.drivers.columns and c2.observations.date_format == "%d/%m/%Y"


def test_init_refuses_ambiguous_dates_before_writing(tmp_path):
    p = tmp_path / "short.csv"
    p.write_text("date;P_mm_d;T_degC\n" + "".join(f"{d:02d}.01.2001;1,0;2,5\n" for d in range(1, 13)))
    with pytest.raises(InputError, match=r"short.csv, column 'date', row 2: ambiguous dates"):
        init_catchment(tmp_path / "x", p, 51.0, -1.0, 10.0)
    assert not (tmp_path / "x").exists()


def test_init_reading_refused_on_gaps_is_not_misreported(tmp_path):
    """Day-first dates with gaps: the error is the gap, not a date-format problem."""
    p = tmp_path / "d.csv"
    p.write_text("date;P_mm_d;T_degC\n" + "".join(f"{d:02d}.01.2001;1,0;2,5\n" for d in (1, 2, 14, 15)))
    with pytest.raises(InputError, match=r"d.csv, column 'precip_mm': 11 missing day\(s\)"):
        load_drivers(DriverSpec(file=p), 47.0)


@pytest.mark.parametrize("table, fragment", [
    ('[drivers.columns]\nP_mm_d = "precip"\n', "[drivers.columns]: P_mm_d = 'precip': not a drivers column"),
    ('[observations]\nfile = "o.csv"\ndate_format = "dd.mm.yyyy"\n', "[observations] date_format: 'dd.mm.yyyy' is not"),
])
def test_catchment_file_reading_keys_checked(tmp_path, table, fragment):
    from karst_helpers import base_doc, toml_text
    text = toml_text(base_doc())
    if table.startswith("[drivers.columns]"):
        text = text.replace('pet = "oudin"', 'pet = "oudin"\n\n' + table)
    else:
        text += "\n" + table
    (tmp_path / "catchment.toml").write_text(text)
    with pytest.raises(InputError, match=fragment.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        load_catchment(tmp_path / "catchment.toml")


def test_samples_as_a_dataframe_go_through_the_file_checks(tmp_path):
    samples = pd.DataFrame({"date": ["2009-03-02", "2009-03-09", "2009-03-16"], "temp_c": [9.1, 9.4, 10.0],
                            "ph": [7.9, 8.0, 7.95], "alk_meq_l": [5.1, 5.0, 4.9], "ca_mg_l": [110.0, "<0.5", 105.0],
                            "no3_mg_l": [30.0, 31.0, 29.0]})
    p = tmp_path / "samples.csv"
    samples.to_csv(p, index=False)
    from_file = read_station_file(p)
    from_frame = read_station_file(samples)
    pd.testing.assert_frame_equal(from_file, from_frame, check_exact=True)
    assert from_frame.attrs["censored"] == {"ca_mg_l": 1}
    bad = samples.assign(ph=[7.9, 15.0, 7.9])
    with pytest.raises(InputError, match=r"observations DataFrame, ph\[1\]: value 15.0 out of range"):
        read_station_file(bad)
    with pytest.raises(InputError, match=r"observations DataFrame, date\[2\]: cannot parse date/time 'x'"):
        read_station_file(samples.assign(date=["2009-03-02", "2009-03-09", "x"]))


def test_run_and_validate_take_a_mapping_and_a_date_format_on_the_command_line(tmp_path, monkeypatch, capsys):
    from karst_helpers import base_doc, synthetic_drivers
    from karst_helpers import write_catchment as write_case
    from karstmodel.cli import main
    drv = synthetic_drivers(days=400, seed=3).rename(columns={"precip_mm": "precipitation"})
    drv["date"] = pd.to_datetime(drv["date"]).dt.strftime("%d/%m/%Y")
    path = write_case(tmp_path / "c", base_doc(simulation={"warmup_days": 60}), drv)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "-o", "a", "--no-figures"]) == 2
    assert "'precipitation', row 1: the name gives no unit" in capsys.readouterr().err
    assert main(["run", str(path), "-o", "a", "--no-figures", "--columns", "precipitation=precip_mm",
                 "--date-format", "%d/%m/%Y"]) == 0
    ts = pd.read_csv(tmp_path / "a" / "timeseries.csv")
    assert ts["date"].iloc[0] == "2001-01-01" and len(ts) == 400
    assert np.allclose(ts["precip_mm"].to_numpy(), drv["precipitation"].to_numpy(), rtol=0, atol=0)
    assert main(["validate", "blowing_springs", "--columns", "a=precip_mm", "-o", "b"]) == 2
    assert "apply to catchments, not stations" in capsys.readouterr().err and not (tmp_path / "b").exists()
