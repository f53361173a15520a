"""Bad-input matrix of `karstmodel speciate`, `karstmodel equilibrate` and the chemistry API (issue 15).

One row per case: the input, the expected exit code (CLI) or exception (API), fragments the message must contain,
the files written (none on error) and the input file's hash, which must be unchanged after the case. Every future
defect of these commands gets a row here.

The CLI runs in-process (``karstmodel.cli.main``) in a fresh folder per case; stderr is the one message line.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry.errors import InputError, InputTypeError
from karstmodel.cli import main

GOOD = "temp_c,ph,ca_mg_l,mg_mg_l,hco3_mg_l\n10,7.2,60,5,200\n12,7.4,55,6,190\n"


@dataclass(frozen=True)
class CliCase:
    name: str
    argv: tuple  # "IN" is replaced by the input file, "OUT" by the output path
    content: bytes | None  # the input file (None: no input file)
    code: int
    needles: tuple = ()  # fragments of stderr (all must occur)
    writes: tuple = ()  # files the case must leave in its folder besides the input (none on error)
    rows: dict = field(default_factory=dict)  # output column -> expected values (checked where writes)


def _b(text: str) -> bytes:
    return text.encode()


SPECIATE = [
    CliCase("duplicate_column", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,hco3_mg_l,ca_mg_l\n10,7.2,60,200,61\n"), 2,
            ("in.csv", "'ca_mg_l'", "row 1", "duplicate column")),
    CliCase("case_variant_ion", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,Ca_mg_L,hco3_mg_l\n10,7.2,60,200\n"), 2,
            ("in.csv", "'Ca_mg_L'", "rename it to 'ca_mg_l'")),
    CliCase("ion_in_mmol", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mmol_l,hco3_mg_l\n10,7.2,1.5,200\n"), 2,
            ("in.csv", "'ca_mmol_l'", "read from 'ca_mg_l'")),
    CliCase("ion_by_name_meq", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,calcium_meq_l,hco3_mg_l\n10,7.2,3,200\n"), 2, ("'calcium_meq_l'", "'ca_mg_l'")),
    CliCase("ion_with_unit_in_brackets", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,Mg (mg/L),hco3_mg_l\n10,7.2,6,200\n"), 2, ("'Mg (mg/L)'", "'mg_mg_l'")),
    CliCase("carbon_in_mmol_only", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,hco3_mmol_l\n10,7.2,60,3.3\n"), 2, ("'hco3_mmol_l'", "no carbon column")),
    CliCase("missing_required", ("speciate", "IN", "-o", "OUT"), _b("temp_c,ca_mg_l,hco3_mg_l\n10,60,200\n"), 2,
            ("in.csv", "'ph'", "missing required")),
    CliCase("empty_file", ("speciate", "IN", "-o", "OUT"), b"", 2, ("in.csv", "empty")),
    CliCase("header_only", ("speciate", "IN", "-o", "OUT"), _b("temp_c,ph,hco3_mg_l\n"), 2, ("in.csv", "no data rows")),
    CliCase("semicolon_file_mixed_decimal_marks", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c;ph;hco3_mg_l\n10;7,2;200\n11;7.3;210\n"), 2, ("in.csv", "line 3", "mixed decimal marks")),
    CliCase("decimal_comma_every_row", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,hco3_mg_l\n10,7,2,200\n11,7,3,210\n"), 2,
            ("in.csv", "more fields than the header", "decimal commas")),
    CliCase("decimal_comma_one_row", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,hco3_mg_l\n10,7.2,200\n11,7,3,210\n"), 2, ("in.csv", "line 3", "decimal commas")),
    CliCase("latin1_file", ("speciate", "IN", "-o", "OUT"),
            "temp_c,ph,hco3_mg_l,site\n10,7.2,200,Münster\n".encode("latin-1"), 2,
            ("in.csv", "not UTF-8", "line 2", "Latin-1")),
    CliCase("utf16_file", ("speciate", "IN", "-o", "OUT"), GOOD.encode("utf-16"), 2, ("in.csv", "UTF-16")),
    CliCase("missing_file", ("speciate", "gone.csv", "-o", "OUT"), None, 2, ("gone.csv", "not found")),
    CliCase("output_is_input", ("speciate", "IN", "-o", "IN"), _b(GOOD), 2, ("refusing to overwrite",)),
    # row-level problems: the row gets NaN and a reason, the other rows are computed, exit 0
    CliCase("non_numeric_cell", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,hco3_mg_l\n10,7.2,60,200\n11,abc,60,200\n12,7.3,n.a.,200\n"), 0,
            ("2 row(s) could not be speciated", "'abc' (line 3)", "'n.a.' (line 4)"), ("out.csv",),
            {"speciation_error": ["", "ph: not a number: 'abc'", "ca_mg_l: not a number: 'n.a.'"]}),
    CliCase("detection_limit", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,mg_mg_l,hco3_mg_l\n10,7.2,60,<0.5,200\n"), 0,
            ("1 value(s) of mg_mg_l below the detection limit",), ("out.csv",),
            {"mg_mg_l": ["<0.5"], "speciation_error": [""]}),
    CliCase("ion_outside_model", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,hco3_mg_l,fe_mg_l,site\n10,7.2,60,200,0.3,A\n"), 0,
            ("warning", "['fe_mg_l']", "not part of the speciation model"), ("out.csv",),
            {"fe_mg_l": [0.3], "site": ["A"]}),
    CliCase("thermal_waters", ("speciate", "IN", "-o", "OUT"),
            _b("temp_c,ph,ca_mg_l,hco3_mg_l\n65,6.9,90,300\n90,6.8,80,280\n"), 0, (), ("out.csv",),
            {"speciation_error": ["", ""]}),
    CliCase("too_hot", ("speciate", "IN", "-o", "OUT"), _b("temp_c,ph,ca_mg_l,hco3_mg_l\n101,6.9,90,300\n"), 0,
            ("temp_c outside 0-100 C", "line 2"), ("out.csv",)),
]

EQUILIBRATE = [
    CliCase("log_pco2_list_space", ("equilibrate", "--temp-c", "10", "--log-pco2", "-2,-3,-1", "-o", "OUT"), None,
            0, (), ("out.csv",), {"pco2_atm": [1e-2, 1e-3, 1e-1]}),
    CliCase("log_pco2_list_equals", ("equilibrate", "--temp-c", "5,15", "--log-pco2=-2.5,-1.5", "-o", "OUT"),
            None, 0, (), ("out.csv",), {"temp_c": [5.0, 15.0]}),
    CliCase("temp_list_negative", ("equilibrate", "--temp-c", "-1,5", "--log-pco2", "-2"), None, 2,
            ("--temp-c: value 1 of the list (-1)", "outside")),
    CliCase("temp_too_hot", ("equilibrate", "--temp-c", "10,120", "--log-pco2", "-2", "-o", "OUT"), None, 2,
            ("--temp-c: value 2 of the list (120)", "0-100 C")),
    CliCase("pco2_above_1_atm", ("equilibrate", "--temp-c", "10", "--log-pco2", "-2,0.5"), None, 2,
            ("--log-pco2: value 2 of the list (0.5)",)),
    CliCase("temp_not_a_number", ("equilibrate", "--temp-c", "warm", "--log-pco2", "-2"), None, 2,
            ("--temp-c", "'warm'")),
    CliCase("list_lengths", ("equilibrate", "--temp-c", "1,2,3", "--log-pco2", "-2,-3"), None, 2,
            ("same number of values",)),
    CliCase("mixed_without_ratio", ("equilibrate", "--temp-c", "10", "--log-pco2", "-2", "--system", "mixed"),
            None, 2, ("gas_water_ratio",)),
    CliCase("negative_gas_ratio", ("equilibrate", "--temp-c", "10", "--log-pco2", "-2", "--system", "mixed",
                                   "--gas-water-ratio", "-1"), None, 2, ("gas_water_ratio",)),
    CliCase("thermal_spring", ("equilibrate", "--temp-c", "65,90", "--log-pco2", "-1.5", "-o", "OUT"), None, 0,
            (), ("out.csv",), {"converged": [True, True]}),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", SPECIATE + EQUILIBRATE, ids=lambda c: f"{c.argv[0]}-{c.name}")
def test_cli_case(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    inp = tmp_path / "in.csv"
    if case.content is not None:
        inp.write_bytes(case.content)
    before = _digest(inp) if inp.exists() else None
    argv = [str(inp) if a == "IN" else str(tmp_path / "out.csv") if a == "OUT" else a for a in case.argv]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CLI reports warnings itself, as lines on stderr
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    err = capsys.readouterr().err
    assert code == case.code, err
    for needle in case.needles:
        assert needle in err, (needle, err)
    if code != 0:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and "Traceback" not in err, err
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "in.csv")
    assert left == sorted(case.writes), left
    if before is not None:
        assert _digest(inp) == before
    if case.rows:
        out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False, dtype=str)
        for col, want in case.rows.items():
            got = out[col].tolist()
            if want and isinstance(want[0], (float, int)) and not isinstance(want[0], bool):
                np.testing.assert_allclose(np.array(got, dtype=float), want, rtol=1e-12, err_msg=col)
            else:
                assert got == [str(w) for w in want], (col, got)


# ------------------------------------------------------------------------------------------------------------
# Python API
def _samples(**extra):
    cols = {"temp_c": [10.0], "ph": [7.2], "ca_mg_l": [60.0], "hco3_mg_l": [200.0]}
    cols.update(extra)
    return pd.DataFrame(cols)


_WATER = {"ca_mmol_kgw": 2.0, "dic_mmol_kgw": 4.5, "temp_c": 10.0}

API = [
    ("tol_zero", lambda: chemistry.equilibrate(10.0, 1e-2, tol=0), InputError, ("tol", "positive")),
    ("tol_negative", lambda: chemistry.equilibrate(10.0, 1e-2, tol=-1e-9), InputError, ("tol",)),
    ("tol_nan", lambda: chemistry.equilibrate(10.0, 1e-2, tol=float("nan")), InputError, ("tol",)),
    ("tol_too_loose", lambda: chemistry.equilibrate(10.0, 1e-2, tol=0.5), InputError, ("tol",)),
    ("tol_text", lambda: chemistry.equilibrate(10.0, 1e-2, tol="1e-8"), TypeError, ("tol must be a number",)),
    ("tol_zero_closed", lambda: chemistry.equilibrate(10.0, 1e-2, system="closed", tol=0), InputError, ("tol",)),
    ("temp_text", lambda: chemistry.equilibrate("warm", 1e-2), TypeError, ("temp_c", "'warm'")),
    ("temp_none", lambda: chemistry.equilibrate(None, 1e-2), TypeError, ("temp_c",)),
    ("temp_dict", lambda: chemistry.equilibrate({"t": 10}, 1e-2), TypeError, ("temp_c",)),
    ("pco2_text", lambda: chemistry.equilibrate(10.0, "0.01"), TypeError, ("pco2_atm",)),
    ("pco2_list_of_text", lambda: chemistry.equilibrate(10.0, ["a", "b"]), TypeError, ("pco2_atm",)),
    ("series_text", lambda: chemistry.equilibrate(10.0, 1e-2, series="yes"), TypeError, ("series",)),
    ("water_list", lambda: chemistry.equilibrate(10.0, 1e-2, water=[1.0, 2.0]), TypeError, ("water",)),
    ("database_number", lambda: chemistry.equilibrate(10.0, 1e-2, database=5), TypeError, ("database",)),
    ("mineral_none_object", lambda: chemistry.equilibrate(10.0, 1e-2, mineral=None), InputError, ("mineral",)),
    ("system_list", lambda: chemistry.equilibrate(10.0, 1e-2, system=["open"]), InputError, ("system",)),
    ("shapes", lambda: chemistry.equilibrate([10.0, 20.0, 30.0], [1e-2, 1e-3]), InputError, ("broadcast",)),
    ("temp_above_100", lambda: chemistry.equilibrate([10.0, 101.0], 1e-2), InputError, ("temp_c[1]", "0-100 C")),
    ("temp_above_100_phreeqc", lambda: chemistry.equilibrate([101.0], 1e-2, backend="phreeqc"), InputError,
     ("temp_c[0]",)),
    ("pco2_zero", lambda: chemistry.equilibrate(10.0, [1e-2, 0.0]), InputError, ("pco2_atm[1]",)),
    ("samples_list", lambda: chemistry.speciate([[10.0, 7.2, 200.0]]), TypeError, ("samples", "DataFrame")),
    ("samples_duplicate", lambda: chemistry.speciate(pd.DataFrame([[10.0, 7.2, 60.0, 61.0, 200.0]],
                                                                  columns=["temp_c", "ph", "ca_mg_l", "ca_mg_l",
                                                                           "hco3_mg_l"])),
     InputError, ("'ca_mg_l'", "duplicate column")),
    ("samples_pandas_renamed_duplicate", lambda: chemistry.speciate(_samples(**{"ca_mg_l.1": [61.0]})), InputError,
     ("duplicate column 'ca_mg_l'", "'ca_mg_l.1'")),
    ("samples_case_variant", lambda: chemistry.speciate(_samples(Na_mg_L=[5.0])), InputError,
     ("'Na_mg_L'", "'na_mg_l'")),
    ("samples_ion_other_unit", lambda: chemistry.speciate(_samples(so4_mmol_l=[0.2])), InputError,
     ("'so4_mmol_l'", "'so4_mg_l'")),
    ("samples_backend", lambda: chemistry.speciate(_samples(), backend="pitzer"), InputError, ("backend",)),
    ("samples_database_number", lambda: chemistry.speciate(_samples(), database=5), TypeError, ("database",)),
    ("mix_fraction_text", lambda: chemistry.mix(_WATER, _WATER, "half"), TypeError, ("fraction_a",)),
    ("mix_fraction_nan", lambda: chemistry.mix(_WATER, _WATER, float("nan")), InputError, ("fraction_a",)),
    ("mix_water_list", lambda: chemistry.mix([1.0], _WATER, 0.5), TypeError, ("water_a",)),
    ("mix_temp_text", lambda: chemistry.mix(_WATER, _WATER, 0.5, temp_c="warm"), TypeError, ("temp_c",)),
    ("mix_temp_too_hot", lambda: chemistry.mix(_WATER, _WATER, 0.5, temp_c=120.0), InputError, ("temp_c[0]",)),
    ("totals_list", lambda: chemistry.speciate_totals(10.0, [1e-3, 2e-3]), TypeError, ("totals",)),
    ("totals_unknown_key", lambda: chemistry.speciate_totals(10.0, {"calcium": 1e-3, "dic": 2e-3}), InputError,
     ("'calcium'",)),
    ("totals_text", lambda: chemistry.speciate_totals(10.0, {"ca": "1e-3", "dic": 2e-3}), TypeError,
     ("totals['ca']",)),
    ("totals_lengths", lambda: chemistry.speciate_totals([10.0, 11.0, 12.0], {"ca": [1e-3, 2e-3], "dic": 3e-3}),
     InputError, ("one per temperature",)),
    ("totals_temp_too_hot", lambda: chemistry.speciate_totals(150.0, {"ca": 1e-3, "dic": 2e-3}), InputError,
     ("temp_c[0]", "0-100 C")),
    ("totals_tol_zero", lambda: chemistry.speciate_totals(10.0, {"ca": 1e-3, "dic": 2e-3}, tol=0), InputError,
     ("tol",)),
]


@pytest.mark.parametrize("name, call, exc, needles", API, ids=[a[0] for a in API])
def test_api_case(name, call, exc, needles):
    with pytest.raises(exc) as e:
        call()
    assert isinstance(e.value, InputError)  # also what the CLI turns into exit code 2
    for needle in needles:
        assert needle in str(e.value), (needle, str(e.value))
    assert "\n" not in str(e.value)


def test_api_type_errors_are_type_errors():
    with pytest.raises(InputTypeError):
        chemistry.equilibrate("warm", 1e-2)
    with pytest.raises(TypeError):
        chemistry.speciate("samples.csv")


def test_api_row_level_cells():
    """Row-level handling through the API: a bad cell and a '<L' value; the other rows equal a clean run."""
    df = pd.DataFrame({"temp_c": [10.0, 11.0, 12.0], "ph": ["7.2", "7.3", "n.a."],
                       "ca_mg_l": ["60", "<2", "60"], "hco3_mg_l": [200.0, 210.0, 190.0]})
    out = chemistry.speciate(df)
    assert out["speciation_error"].tolist() == ["", "", "ph: not a number: 'n.a.'"]
    assert "ca_mg_l <2 below the detection limit (taken as 1" in out["speciation_warning"].iloc[1]
    assert out.attrs["censored"] == {"ca_mg_l": 1}
    clean = chemistry.speciate(pd.DataFrame({"temp_c": [10.0, 11.0], "ph": [7.2, 7.3], "ca_mg_l": [60.0, 1.0],
                                             "hco3_mg_l": [200.0, 210.0]}))
    np.testing.assert_allclose(out["si_calcite"].to_numpy()[:2], clean["si_calcite"], rtol=1e-13)
    assert np.isnan(out["si_calcite"].iloc[2])
    assert df["ca_mg_l"].tolist() == ["60", "<2", "60"]  # the input frame is not altered


def test_api_previous_output_passes_through():
    """Re-speciating an output file: its ca_mmol_l, hco3_mmol_l ... columns sit next to the inputs they came
    from and pass through as <name>_input (not an 'unrecognised ion column' error)."""
    first = chemistry.speciate(_samples())
    again = chemistry.speciate(first)
    assert again["ca_mmol_l_input"].iloc[0] == first["ca_mmol_l"].iloc[0]
    assert again["si_calcite"].iloc[0] == pytest.approx(first["si_calcite"].iloc[0], rel=1e-13)


@pytest.mark.phreeqc
def test_api_co2_uptake_only():
    """mineral='none' (CO2 uptake only) returns rows instead of failing on the dissolved-mineral column."""
    out = chemistry.equilibrate([10.0, 80.0], 1e-2, mineral="none")
    assert out["dissolved_mmol_kgw"].tolist() == [0.0, 0.0]
    ref = chemistry.equilibrate([10.0, 80.0], 1e-2, mineral="none", backend="phreeqc")
    np.testing.assert_allclose(out["dic_mmol_kgw"], ref["dic_mmol_kgw"], rtol=1e-4)
