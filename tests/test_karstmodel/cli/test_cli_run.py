"""`karstmodel run` through the installed console script: a good run writes the documented outputs; every user mistake
exits with code 2, one line on stderr naming the file (and column/row or key), no traceback, and nothing written.

All processes are started at once (module fixture) so that the interpreter start-ups overlap.
"""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from karst_helpers import base_doc, bundled_run, storage_columns, synthetic_drivers, write_catchment


def _command() -> list[str]:
    exe = shutil.which("karstmodel")
    if exe is None:  # not on PATH: the same entry point through the interpreter running the tests
        cand = Path(sys.executable).with_name("karstmodel")
        exe = str(cand) if cand.exists() else None
    return [exe] if exe else [sys.executable, "-m", "karstmodel.cli"]


def _bad_cases(root: Path) -> dict:
    """name -> (catchment path, substrings the error must contain)."""
    good = synthetic_drivers(days=400, seed=3)
    cases = {}

    def make(name, doc=None, drivers=None, needles=()):
        folder = root / name
        path = write_catchment(folder, doc or base_doc(), good if drivers is None else drivers)
        cases[name] = (path, needles)

    make("missing_column", drivers=good.drop(columns="temp_c"), needles=("drivers.csv", "'temp_c'", "missing"))
    neg = good.copy()
    neg.loc[10, "precip_mm"] = -1.0
    make("negative_rain", drivers=neg, needles=("drivers.csv", "'precip_mm'", "row 12", "negative"))
    make("fractions", doc=base_doc(land_use={"forest": 0.7, "cropland": 0.2}),
         needles=("catchment.toml", "land_use", "sum to 1"))
    make("unknown_class", doc=base_doc(land_use={"forest": 0.5, "jungle": 0.5}), needles=("catchment.toml", "jungle"))
    gap = good.copy()
    gap.loc[50, "temp_c"] = np.nan
    make("gap", drivers=gap, needles=("drivers.csv", "'temp_c'", "gap_fill"))
    order = pd.concat([good.iloc[:20], good.iloc[[25]], good.iloc[20:25], good.iloc[26:]])
    make("date_order", drivers=order, needles=("drivers.csv", "'date'", "row 23", "increase"))
    make("missing_drivers", doc=base_doc(drivers={"file": "gone.csv"}), needles=("gone.csv", "not found"))
    make("out_of_range", doc=base_doc(reservoirs={"conduit_k_per_d": 0.0}),
         needles=("catchment.toml", "[reservoirs] conduit_k_per_d"))
    cases["missing_catchment"] = (root / "nowhere" / "catchment.toml", ("nowhere",))
    return cases


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    cmd = _command()
    procs = {"good": (subprocess.Popen(cmd + ["run", "kerschbaum", "-o", str(root / "out_good")],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root),
                      root / "out_good", ())}
    for name, (path, needles) in _bad_cases(root).items():
        out = root / f"out_{name}"
        procs[name] = (subprocess.Popen(cmd + ["run", str(path), "-o", str(out)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, cwd=root), out, needles)
    results = {}
    for name, (p, out, needles) in procs.items():
        so, se = p.communicate(timeout=300)
        results[name] = {"rc": p.returncode, "stdout": so, "stderr": se, "out": out, "needles": needles}
    return results


@pytest.mark.slow  # shares the module fixture that runs `karstmodel run` in subprocesses (~35 s)
def test_good_run_writes_outputs(cli):
    r = cli["good"]
    assert r["rc"] == 0, r["stderr"]
    assert "Traceback" not in r["stderr"]
    out = r["out"]
    for f in ("timeseries.csv", "summary.json", "hydrotopes.csv"):
        assert (out / f).stat().st_size > 1000, f
    report = (out / "report.html").read_text(encoding="ascii")  # self-contained: every figure embedded
    assert report.count("data:image/png;base64,") == len(list(out.glob("*.png")))
    for f in ("hydrograph.png", "chemograph.png", "soil_pco2.png", "sink_monthly.png"):
        data = (out / f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, f
        assert base64.b64encode(data).decode("ascii") in report, f
    s = json.loads((out / "summary.json").read_text())
    for key in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted", "period",
                "water_balance_error", "carbon_balance_error", "chemistry_backend", "database"):
        assert key in s, key
    assert set(s["period"]) >= {"start", "end"}
    assert s["water_balance_error"] < 1e-9 and s["carbon_balance_error"] < 1e-9
    # the command line gives the numbers of the Python API
    api = bundled_run("kerschbaum").summary
    for key in ("carbon_sink_tc_km2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted"):
        assert s[key] == pytest.approx(api[key], rel=1e-12), key
    assert f"{api['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1" in r["stdout"]


@pytest.mark.slow  # shares the module fixture that runs `karstmodel run` in subprocesses (~35 s)
def test_water_balance_from_the_written_timeseries_csv(cli):
    """P = E_i + AET + spring + surface + other outlets + dS, recomputed from timeseries.csv (days 2..N)."""
    ts = pd.read_csv(cli["good"]["out"] / "timeseries.csv")
    assert len(ts) == 5844 and ts["date"].iloc[0] == "2001-01-01"
    st = ts[list(storage_columns())].sum(axis=1).to_numpy()
    f = ts.iloc[1:]
    resid = (f["precip_mm"].sum() - f["interception_evap_mm"].sum() - f["aet_mm"].sum() - f["spring_mm"].sum()
             - f["surface_runoff_mm"].sum() - f["other_outlets_mm"].sum() - (st[-1] - st[0]))
    print(f"water balance from timeseries.csv: residual {resid:.3e} mm, relative {resid / f['precip_mm'].sum():.2e}")
    assert abs(resid) / f["precip_mm"].sum() < 1e-9


BAD = ["missing_column", "negative_rain", "fractions", "unknown_class", "gap", "date_order", "missing_drivers",
       "out_of_range", "missing_catchment"]


@pytest.mark.parametrize("name", BAD)
@pytest.mark.slow  # shares the module fixture that runs `karstmodel run` in subprocesses (~35 s)
def test_bad_input_exit_2_one_line_nothing_written(cli, name):
    r = cli[name]
    err = r["stderr"].strip()
    assert r["rc"] == 2, (r["rc"], err)
    assert "Traceback" not in r["stderr"]
    assert len(err.splitlines()) == 1, err
    assert err.startswith("karstmodel run: error:"), err
    for n in r["needles"]:
        assert n in err, f"{n!r} not in {err!r}"
    out = r["out"]
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())
    assert r["stdout"] == ""


def test_help_exits_0():
    p = subprocess.run(_command() + ["run", "--help"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "CATCHMENT" in p.stdout.upper() and "--output" in p.stdout


def test_every_command_line_option_has_help():
    """Every positional argument and option of every command says what it is (issue: help on every CLI option)."""
    import argparse

    from karstmodel.cli.parser import build_parser
    missing = []

    def walk(p, path):
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sp in a.choices.items():
                    walk(sp, f"{path} {name}")
            elif not isinstance(a, argparse._HelpAction) and (not a.help or a.help == argparse.SUPPRESS):
                missing.append(f"{path} {'/'.join(a.option_strings) or a.dest}")
    walk(build_parser(), "karstmodel")
    assert missing == []
