"""The bad-input matrix: one row per way a user (or a script) can get an input wrong, for every command and the
Python API, with what must happen: the exit code (or exception), a fragment of the one-line message, which files
may be written (none on error) and that every input file is byte-identical afterwards (SHA-256 before and after).

Keep it growing: every future defect of this kind gets a row here.

CLI rows run in this process through ``karstmodel.cli.main`` (the console script's function, so the exit code is
the one the shell sees) inside their own folder; the interrupt rows and a few exit-code rows run the installed
console script in subprocesses, started together at the beginning so that they overlap with the in-process rows.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

from chemistry.errors import InputError

from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import load_catchment
from karstmodel.cli import main
from karstmodel.io.drivers import Drivers, load_drivers
from karstmodel.io.files import MARKER

DAYS = 400  # 2001-01-01 .. 2002-02-04
FAST = {"simulation": {"warmup_days": 60}}


# ------------------------------------------------------------------------------------------------------------
# inputs
def _drivers(days: int = DAYS) -> pd.DataFrame:
    return synthetic_drivers(days=days, seed=3)


def _observations(drv: pd.DataFrame) -> pd.DataFrame:
    q = 1.5 + np.sin(np.arange(len(drv)) / 30.0)
    return pd.DataFrame({"date": drv["date"], "q_mm_d": np.round(q, 4)})


def _catchment(d: Path, doc_updates: dict | None = None, drivers=None, observations=True, raw_toml: str | None = None
               ) -> Path:
    drv = _drivers() if drivers is None else drivers
    obs = _observations(_drivers()) if observations is True else observations
    doc = base_doc(**{**FAST, **({"observations": {"file": "observations.csv"}} if obs is not None else {}),
                      **(doc_updates or {})})
    path = write_catchment(d / "c", doc, drv, obs)
    if raw_toml is not None:
        path.write_text(path.read_text() + raw_toml)
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _scenario(d: Path, text: str) -> Path:
    p = d / "scenario.toml"
    p.write_text('name = "test"\n' + text, encoding="utf-8")
    return p


def _hashes(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """``build(folder)`` writes the row's inputs into ``folder`` and returns the argv (CLI) or a callable (API).
    ``code``: exit code, or the exception class for API rows. ``fragments``: in the one-line error (or, for a
    successful CLI row, in stdout). ``writes``: on success, the only folder (relative to the row's folder) that may
    hold new files; ``replaces``: a folder whose old content may change (an earlier output)."""

    id: str
    build: Callable
    code: object
    fragments: tuple = ()
    writes: str | None = None
    replaces: str | None = None
    check: Callable | None = field(default=None, compare=False)


ROWS: list[Row] = []


def row(id, code, fragments=(), writes=None, replaces=None, check=None):
    def deco(build):
        ROWS.append(Row(id, build, code, tuple(fragments), writes, replaces, check))
        return build
    return deco


# --- run: forcing -------------------------------------------------------------------------------------------
@row("run_inf_precip", 2, ("drivers.csv", "'precip_mm'", "row 12", "infinite"))
def _(d):
    drv = _drivers().astype({"precip_mm": object})
    drv.loc[10, "precip_mm"] = "inf"
    return ["run", str(_catchment(d, drivers=drv)), "-o", "out"]


@row("run_minus_inf_temp", 2, ("drivers.csv", "'temp_c'", "row 5", "infinite"))
def _(d):
    drv = _drivers().astype({"temp_c": object})
    drv.loc[3, "temp_c"] = "-inf"
    return ["run", str(_catchment(d, drivers=drv)), "-o", "out"]


# --- run: column names and dialects of the data files (karstmodel.io.columns, dialect, dates) -------------------
def _european(df: pd.DataFrame) -> str:
    """``df`` as a ';'-separated export with decimal commas (the dates as they are)."""
    out = df.astype(str)
    for c in out.columns.drop("date"):
        out[c] = out[c].str.replace(".", ",", regex=False)
    return out.to_csv(index=False, sep=";")


@row("run_drivers_column_without_unit", 2, ("drivers.csv", "'precipitation'", "row 1", "the name gives no unit",
                                            "--columns 'precipitation=precip_mm'"))
def _(d):
    return ["run", str(_catchment(d, drivers=_drivers().rename(columns={"precip_mm": "precipitation"}))), "-o", "out"]


@row("run_drivers_two_columns_for_precip", 2, ("drivers.csv", "two columns give precip_mm: 'precip_mm' and 'P_mm_d'"))
def _(d):
    return ["run", str(_catchment(d, drivers=_drivers().assign(P_mm_d=1.0))), "-o", "out"]


@row("run_drivers_mixed_decimal_marks", 2, ("drivers.csv", "row 5", "mixed decimal marks", "line 2", "line 5"))
def _(d):
    p = _catchment(d)
    lines = _european(_drivers()).splitlines()
    lines[4] = lines[4].replace(",", ".")
    (p.parent / "drivers.csv").write_text("\n".join(lines) + "\n")
    return ["run", str(p), "-o", "out"]


@row("run_drivers_mixed_date_forms", 2, ("drivers.csv", "'date'", "row 4", "is not written like '01.01.2001'"))
def _(d):
    drv = _drivers()
    drv["date"] = pd.to_datetime(drv["date"]).dt.strftime("%d.%m.%Y")
    drv.loc[2, "date"] = "2001-01-03"
    return ["run", str(_catchment(d, drivers=drv)), "-o", "out"]


@row("run_drivers_date_format_does_not_match", 2, ("drivers.csv", "'date'", "row 2", "does not match the date format"))
def _(d):
    return ["run", str(_catchment(d, {"drivers": {"date_format": "%d.%m.%Y"}})), "-o", "out"]


@row("run_columns_table_bad_target", 2, ("catchment.toml", "[drivers.columns]", "'precip'", "not a drivers column"))
def _(d):
    p = _catchment(d)
    _edit(p, 'pet = "oudin"', 'pet = "oudin"\ncolumns = { precip_mm = "precip" }')
    return ["run", str(p), "-o", "out"]


def _european_read(d: Path, out: str):
    ts = pd.read_csv(d / "out" / "timeseries.csv")
    assert len(ts) == DAYS


@row("run_european_export_read", 0, (), writes="out", check=_european_read)
def _(d):
    p = _catchment(d, observations=None)
    drv = _drivers().rename(columns={"precip_mm": "P_mm_d", "temp_c": "T_degC"})
    drv["date"] = pd.to_datetime(drv["date"]).dt.strftime("%d.%m.%Y")
    (p.parent / "drivers.csv").write_text(_european(drv))
    return ["run", str(p), "-o", "out", "--no-figures"]


@row("run_two_day_record", 2, ("drivers.csv", "2 day(s)", "at least 30"))
def _(d):
    return ["run", str(_catchment(d, drivers=_drivers(2), observations=None)), "-o", "out"]


def _short_record_reported(d: Path, out: str):
    s = json.loads((d / "out" / "summary.json").read_text())
    assert s["spin_up_days"] == 40 and s["period"]["days"] == 40
    assert s["carbon_sink_tc_km2_yr"] > 0.1 and s["runoff_mm_yr"] > 1.0  # never a sink of 0.00 from a short record


@row("run_record_shorter_than_warm_up", 0, ("shorter than warmup_days = 365", "spin-up used all 40 days"),
     writes="out", check=_short_record_reported)
def _(d):
    p = _catchment(d, {"simulation": {"warmup_days": 365}}, drivers=_drivers(40), observations=None)
    return ["run", str(p), "-o", "out", "--no-figures"]


@row("run_end_beyond_data", 2, ("[simulation] end 2010-01-01", "last date", "2002-02-04"))
def _(d):
    return ["run", str(_catchment(d, {"simulation": {"warmup_days": 60, "end": "2010-01-01"}})), "-o", "out"]


@row("run_start_before_data", 2, ("[simulation] start 1990-01-01", "first date", "2001-01-01"))
def _(d):
    return ["run", str(_catchment(d, {"simulation": {"warmup_days": 60, "start": "1990-01-01"}})), "-o", "out"]


@row("run_start_yesterday", 2, ("catchment.toml", "[simulation] start", "'yesterday'"))
def _(d):
    return ["run", str(_catchment(d, {"simulation": {"warmup_days": 60, "start": "yesterday"}})), "-o", "out"]


@row("run_drivers_file_number", 2, ("catchment.toml", "[drivers] file", "5"))
def _(d):
    p = _catchment(d)
    _edit(p, 'file = "drivers.csv"', "file = 5")
    return ["run", str(p), "-o", "out"]


@row("run_acid_land_use_number", 2, ("catchment.toml", "[acid_inputs.land_use] cropland", "table"))
def _(d):
    return ["run", str(_catchment(d, raw_toml="\n[acid_inputs]\nland_use = {cropland = 5}\n")), "-o", "out"]


@row("run_acid_negative", 2, ("catchment.toml", "[acid_inputs] nitric_mmol_l", ">= 0"))
def _(d):
    return ["run", str(_catchment(d, raw_toml="\n[acid_inputs]\nnitric_mmol_l = -5.0\n")), "-o", "out"]


@row("run_observations_do_not_overlap", 2, ("observations.csv", "no observed discharge falls in the simulation",
                                            "1990-01-01"))
def _(d):
    obs = _observations(_drivers())
    obs["date"] = pd.date_range("1990-01-01", periods=len(obs)).strftime("%Y-%m-%d")
    return ["run", str(_catchment(d, observations=obs)), "-o", "out"]


def _all_days_compared(d: Path, out: str):
    s = json.loads((d / "out" / "summary.json").read_text())
    ts = pd.read_csv(d / "out" / "timeseries.csv")
    assert ts["q_obs_mm"].notna().sum() == DAYS, "observations must line up with the offset-dated drivers"
    assert s["period"]["start"] == "2001-01-01"
    assert f"discharge vs observed ({DAYS} days)" in out


@row("run_utc_offset_dates_line_up", 0, (), writes="out", check=_all_days_compared)
def _(d):
    drv = _drivers()
    drv["date"] = drv["date"] + "T00:00:00+01:00"  # local midnight written with its offset
    return ["run", str(_catchment(d, drivers=drv)), "-o", "out", "--no-figures"]


def _obs_days_compared(d: Path, out: str):
    ts = pd.read_csv(d / "out" / "timeseries.csv")
    assert ts["q_obs_mm"].notna().sum() == DAYS


@row("run_observation_offsets_line_up", 0, (f"discharge vs observed ({DAYS} days)",), writes="out",
     check=_obs_days_compared)
def _(d):
    obs = _observations(_drivers())
    obs["date"] = obs["date"] + "T12:00:00Z"  # noon UTC samples: still the day written
    return ["run", str(_catchment(d, observations=obs)), "-o", "out", "--no-figures"]


@row("run_end_before_start", 2, ("catchment.toml", "[simulation] end", "before start"))
def _(d):
    return ["run", str(_catchment(d, {"simulation": {"warmup_days": 60, "start": "2001-06-01",
                                                     "end": "2001-02-01"}})), "-o", "out"]


@row("run_observations_without_any_known_column", 2, ("observations.csv", "no discharge column"))
def _(d):
    return ["run", str(_catchment(d, observations=pd.DataFrame({"date": _drivers()["date"], "level": 1.0}))),
            "-o", "out"]


@row("run_unparsable_date", 2, ("drivers.csv", "'date'", "row 4", "soon"))
def _(d):
    drv = _drivers()
    drv.loc[2, "date"] = "soon"
    return ["run", str(_catchment(d, drivers=drv)), "-o", "out"]


# --- run: output folders ------------------------------------------------------------------------------------
@row("run_output_onto_catchment_folder", 2, ("holds an input of this run", "choose another output folder"))
def _(d):
    p = _catchment(d)
    return ["run", str(p), "-o", str(p.parent)]


@row("run_output_onto_parent_of_inputs", 2, ("holds an input of this run",))
def _(d):
    return ["run", str(_catchment(d)), "-o", "."]


@row("run_output_under_regular_file", 2, ("catchment.toml", "is not a folder"))
def _(d):
    p = _catchment(d)
    return ["run", str(p), "-o", str(p / "out")]


@row("run_output_name_300_chars", 2, ("too long", "300 characters"))
def _(d):
    return ["run", str(_catchment(d)), "-o", "x" * 300]


@row("run_output_foreign_folder", 2, ("not a karstmodel output folder",))
def _(d):
    (d / "mine").mkdir()
    (d / "mine" / "thesis.txt").write_text("three years of work")
    return ["run", str(_catchment(d)), "-o", "mine"]


def _no_stale_figures(d: Path, out: str):
    names = sorted(p.name for p in (d / "old").iterdir())
    assert names == sorted([MARKER, "hydrotopes.csv", "report.html", "summary.json", "timeseries.csv"]), names


@row("run_no_figures_into_old_output", 0, (), writes="old", replaces="old", check=_no_stale_figures)
def _(d):
    (d / "old").mkdir()
    (d / "old" / "summary.json").write_text("{}")
    (d / "old" / "hydrograph.png").write_bytes(b"stale")
    return ["run", str(_catchment(d)), "-o", "old", "--no-figures", "--overwrite"]  # an output without the marker


def _earlier_output(d: Path, command: str, catchment: Path | None) -> None:
    """An output folder ``d/out`` of an earlier ``command`` (its marker naming ``catchment``), or without marker."""
    (d / "out").mkdir()
    (d / "out" / "summary.json").write_text('{"earlier": true}')
    if catchment is not None:
        (d / "out" / MARKER).write_text(json.dumps({"command": command, "catchment": str(catchment.resolve())}))


@row("run_output_of_another_catchment", 2, ("out", "was written by `karstmodel run` on", "other.toml",
                                           "choose another folder with -o, or give --overwrite"))
def _(d):
    _earlier_output(d, "run", d / "other.toml")
    return ["run", str(_catchment(d)), "-o", "out"]


@row("run_output_of_another_command", 2, ("was written by `karstmodel validate`", "--overwrite"))
def _(d):
    p = _catchment(d)
    _earlier_output(d, "validate", p)
    return ["run", str(p), "-o", "out"]


@row("run_output_without_marker", 2, ("out", f"has no {MARKER}", "--overwrite"))
def _(d):
    _earlier_output(d, "run", None)
    return ["run", str(_catchment(d)), "-o", "out"]


def _replaced_by_run(d: Path, out: str):
    rec = json.loads((d / "out" / MARKER).read_text())
    assert rec["command"] == "run" and rec["catchment"] == str((d / "c" / "catchment.toml").resolve())
    assert "earlier" not in (d / "out" / "summary.json").read_text()


@row("run_output_same_command_same_catchment_replaced", 0, (), writes="out", replaces="out", check=_replaced_by_run)
def _(d):
    p = _catchment(d)
    _earlier_output(d, "run", p)
    return ["run", str(p), "-o", "out", "--no-figures"]


@row("run_output_of_another_catchment_overwrite", 0, (), writes="out", replaces="out", check=_replaced_by_run)
def _(d):
    _earlier_output(d, "run", d / "other.toml")
    return ["run", str(_catchment(d)), "-o", "out", "--no-figures", "--overwrite"]


@row("run_output_foreign_folder_overwrite_still_refused", 2, ("not a karstmodel output folder",))
def _(d):
    (d / "mine").mkdir()
    (d / "mine" / "thesis.txt").write_text("three years of work")
    return ["run", str(_catchment(d)), "-o", "mine", "--overwrite"]


def _inside_output(expected_prefix: str):
    def check(d: Path, out: str):
        made = [p for p in (d / "karstmodel-output").iterdir()]
        assert len(made) == 1 and made[0].name.startswith(expected_prefix), made
        assert len(made[0].name) <= 100 and (made[0] / "summary.json").is_file()
    return check


@row("run_name_parent_traversal", 0, (), writes="karstmodel-output", check=_inside_output("_.._x"))
def _(d):
    return ["run", str(_catchment(d, {"name": "../../x"})), "--no-figures"]


@row("run_name_absolute_path", 0, (), writes="karstmodel-output", check=_inside_output("_tmp_abs"))
def _(d):
    return ["run", str(_catchment(d, {"name": "/tmp/abs"})), "--no-figures"]


@row("run_name_300_chars", 0, (), writes="karstmodel-output", check=_inside_output("n" * 91 + "-"))
def _(d):
    return ["run", str(_catchment(d, {"name": "n" * 300})), "--no-figures"]


# --- validate and calibrate -----------------------------------------------------------------------------------
@row("validate_period_without_data", 2, ("observations.csv", "no observed discharge in the validation period",
                                         "1990-01-01 .. 1990-12-31"))
def _(d):
    return ["validate", str(_catchment(d)), "--validation", "1990-01-01:1990-12-31", "-o", "out", "--no-figures"]


@row("validate_output_onto_catchment_folder", 2, ("holds an input of this run",))
def _(d):
    p = _catchment(d)
    return ["validate", str(p), "-o", str(p.parent)]


@row("calibrate_period_outside_record", 2, ("observations.csv", "calibration period 1990-01-01 .. 1990-12-31"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--calibration", "1990-01-01:1990-12-31", "-o", "out", "--quiet"]


@row("calibrate_observations_blank", 2, ("observations.csv", "no observed discharge"))
def _(d):
    obs = _observations(_drivers())
    obs["q_mm_d"] = np.nan
    return ["calibrate", str(_catchment(d, observations=obs)), "-o", "out", "--quiet"]


@row("calibrate_periods_overlap", 2, ("calibration period 2001-01-01 .. 2001-10-01", "overlap"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--calibration", "2001-01-01:2001-10-01", "--validation",
            "2001-06-01:2002-01-01", "-o", "out", "--quiet"]


@row("calibrate_output_onto_catchment_folder", 2, ("holds an input of this run", "catchment.toml"))
def _(d):
    p = _catchment(d)
    return ["calibrate", str(p), "-o", str(p.parent), "--quiet", "--maxiter", "1", "--popsize", "2"]


@row("calibrate_popsize_negative", 2, ("--popsize", ">= 1", "-1"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--popsize", "-1", "-o", "out"]


@row("calibrate_workers_zero", 2, ("--workers", "0"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--workers", "0", "-o", "out"]


@row("calibrate_glue_samples_negative", 2, ("--glue-samples", "-5"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--glue-samples", "-5", "-o", "out"]


@row("calibrate_glue_threshold_above_a_perfect_fit", 2, ("--glue-threshold", "below 1", "1.5"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--glue-threshold", "1.5", "-o", "out"]


@row("calibrate_maxiter_zero", 2, ("--maxiter", "0"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--maxiter", "0", "-o", "out"]


@row("calibrate_seed_text_in_file", 2, ("catchment.toml", "[calibration] seed", "'one'"))
def _(d):
    return ["calibrate", str(_catchment(d, raw_toml='\n[calibration]\nseed = "one"\n')), "-o", "out", "--quiet"]


@row("calibrate_popsize_in_file_negative", 2, ("catchment.toml", "[calibration] popsize", "-3"))
def _(d):
    return ["calibrate", str(_catchment(d, raw_toml="\n[calibration]\npopsize = -3\n")), "-o", "out", "--quiet"]


@row("calibrate_sensitivity_n_zero", 2, ("--sensitivity-n", "0"))
def _(d):
    return ["calibrate", str(_catchment(d)), "--sensitivity", "morris", "--sensitivity-n", "0", "-o", "out"]


def _station_copy(d: Path) -> Path:
    import shutil
    from karstmodel.config.catchment import resolve_catchment
    src = resolve_catchment("blowing_springs").parent
    shutil.copytree(src, d / "bs", ignore=shutil.ignore_patterns("make_data.py", "PROVENANCE.md"))
    return d / "bs"


@row("station_calibrate_output_onto_station_folder", 2, ("holds an input of this run",))
def _(d):
    return ["calibrate", str(_station_copy(d)), "-o", str(d / "bs")]


@row("station_validate_output_onto_station_folder", 2, ("holds an input of this run",))
def _(d):
    return ["validate", str(_station_copy(d)), "-o", str(d / "bs"), "--no-figures"]


@row("station_group_output_onto_group_folder", 2, ("holds an input of this run",))
def _(d):
    import shutil
    from karstmodel.config.catchment import _bundled_dir
    shutil.copytree(_bundled_dir() / "thames_tributaries", d / "grp",
                    ignore=shutil.ignore_patterns("*.py", "*.md"))
    return ["validate", str(d / "grp"), "-o", str(d / "grp"), "--no-figures"]


# --- scenario ------------------------------------------------------------------------------------------------
def _scen_row(id, text, fragments, extra=()):
    @row(id, 2, ("scenario.toml",) + tuple(fragments))
    def _(d):
        return ["scenario", str(_catchment(d)), str(_scenario(d, text)), "-o", "out", "--quiet", "--no-figures",
                *extra]


_scen_row("scenario_acid_negative", "[acid_inputs]\nnitric_mmol_l = -5.0\n", ("[acid_inputs] nitric_mmol_l", ">= 0"))
_scen_row("scenario_acid_misspelt_key", "[acid_inputs]\nnitrc_mmol_l = 0.5\n", ("[acid_inputs] nitrc_mmol_l",
                                                                                "unknown key"))
_scen_row("scenario_acid_text", '[acid_inputs]\nsulfuric_mmol_l = "lots"\n', ("[acid_inputs] sulfuric_mmol_l",
                                                                              "must be a number"))
_scen_row("scenario_acid_land_use_number", "[acid_inputs]\nland_use = {cropland = 5}\n",
          ("[acid_inputs.land_use] cropland", "table"))
_scen_row("scenario_acid_land_use_unknown_class", "[acid_inputs.land_use.jungle]\nnitric_mmol_l = 1.0\n",
          ("jungle", "unknown land-use class"))
_scen_row("scenario_extend_to_soon", '[climate]\nextend_to = "soon"\n', ("[climate] extend_to", "'soon'"))
_scen_row("scenario_months_text", '[[irrigation]]\nland_use = "forest"\nvolume_mm_yr = 100\nmonths = ["may"]\n',
          ("[[irrigation]] #1 months", "'may'"))
_scen_row("scenario_seed_text", '[uncertainty]\nseed = "one"\n', ("[uncertainty] seed", "'one'"))
_scen_row("scenario_ensemble_negative_in_file", "[uncertainty]\nensemble = -3\n", ("[uncertainty] ensemble", "-3"))


@row("scenario_name_not_text", 2, ("scenario.toml", "name", "non-empty string"))
def _(d):
    p = d / "scenario.toml"
    p.write_text("name = 5\n")
    return ["scenario", str(_catchment(d)), str(p), "-o", "out", "--quiet"]


@row("scenario_ensemble_negative_option", 2, ("--ensemble", "-3"))
def _(d):
    return ["scenario", str(_catchment(d)), str(_scenario(d, "")), "--ensemble", "-3", "-o", "out", "--quiet"]


@row("scenario_output_onto_catchment_folder", 2, ("holds an input of this run",))
def _(d):
    p = _catchment(d)
    return ["scenario", str(p), str(_scenario(d, "")), "-o", str(p.parent), "--quiet"]


@row("scenario_name_parent_traversal", 0, (), writes="karstmodel-output", check=_inside_output("synthetic-.._.._evil"))
def _(d):
    p = d / "scenario.toml"
    p.write_text('name = "../../evil"\n[uncertainty]\nensemble = 0\n')
    return ["scenario", str(_catchment(d)), str(p), "--quiet", "--no-figures"]


# --- grid --------------------------------------------------------------------------------------------------
@row("grid_inf_precip", 2, ("bad.nc", "'precip_mm'", "infinite"))
def _(d):
    from karstmodel.workflows.grid import demo_grid, write_netcdf
    ds = demo_grid(rows=1, cols=2, years=1).copy(deep=True)
    ds["precip_mm"][5, 0] = np.inf
    write_netcdf(ds, d / "bad.nc")
    return ["grid", str(d / "bad.nc"), "--workers", "1", "--quiet"]


@row("grid_output_under_regular_file", 2, ("is not a folder",))
def _(d):
    (d / "plain.txt").write_text("x")
    return ["grid", "--demo", "--years", "1", "-o", "plain.txt/out", "--quiet", "--workers", "1"]


@row("grid_workers_zero", 2, ("--workers", ">= 1"))
def _(d):
    return ["grid", "--demo", "--workers", "0"]


# --- init ----------------------------------------------------------------------------------------------------
def _init_args(d: Path, target: str, obs: pd.DataFrame | None = None) -> list:
    _drivers().to_csv(d / "drv.csv", index=False)
    args = ["init", target, "--drivers", str(d / "drv.csv"), "--lat", "47", "--lon", "14", "--area-km2", "3"]
    if obs is not None:
        obs.to_csv(d / "obs.csv", index=False)
        args += ["--observations", str(d / "obs.csv")]
    return args


def _quoted_name_loads(d: Path, out: str):
    c = load_catchment(d / 'my "karst" site' / "catchment.toml")
    assert c.name == 'my "karst" site'


@row("init_folder_name_with_quote", 0, (), writes='my "karst" site', check=_quoted_name_loads)
def _(d):
    return _init_args(d, 'my "karst" site')


@row("init_nested_new_folders", 0, (), writes="a",
     check=lambda d, out: load_catchment(d / "a" / "b" / "c" / "catchment.toml"))
def _(d):
    return _init_args(d, "a/b/c")


@row("init_observations_without_discharge_or_chemistry", 2, ("obs.csv", "no discharge column",
                                                              "columns found: date, level_cm"))
def _(d):
    return _init_args(d, "new", pd.DataFrame({"date": _drivers()["date"], "level_cm": 3.0}))


@row("init_observations_chemistry_only", 2, ("obs.csv", "no discharge column", "columns found: date, ca_mg_l"))
def _(d):
    return _init_args(d, "new", pd.DataFrame({"date": _drivers()["date"][:20], "ca_mg_l": 80.0}))


@row("init_observations_too_short_to_split", 2, ("obs.csv", "too short", "35 days", "at least 100"))
def _(d):
    return _init_args(d, "new", _observations(_drivers()))


@row("init_observations_bad_value_names_user_file", 2, ("obs.csv", "'q_m3_s'", "row 3"))
def _(d):
    obs = pd.DataFrame({"date": _drivers()["date"][:5], "q_m3_s": ["1", "abc", "2", "3", "4"]})
    return _init_args(d, "new", obs)


@row("init_columns_names_a_missing_column", 2, ("--columns: rain=precip_mm: no file has a column 'rain'",))
def _(d):
    return _init_args(d, "new") + ["--columns", "rain=precip_mm"]


@row("init_ambiguous_dates", 2, ("drv.csv", "'date'", "row 2", "ambiguous dates", "--date-format"))
def _(d):
    args = _init_args(d, "new")
    drv = _drivers()[:12]
    drv["date"] = pd.to_datetime(drv["date"]).dt.strftime("%d/%m/%Y")
    drv.to_csv(d / "drv.csv", index=False)
    return args


@row("init_date_format_not_a_format", 2, ("--date-format: 'DD.MM.YYYY' is not a date format",))
def _(d):
    return _init_args(d, "new") + ["--date-format", "DD.MM.YYYY"]


@row("init_under_regular_file", 2, ("is not a folder",))
def _(d):
    (d / "plain.txt").write_text("x")
    return _init_args(d, "plain.txt/new")


# --- Python API ----------------------------------------------------------------------------------------------
def _api_inputs(d: Path):
    c = load_catchment(_catchment(d, observations=None))
    return c, load_drivers(c.drivers, c.latitude)


def _api(id, exc, fragments, make):
    @row(id, exc, fragments)
    def _(d):
        c, drv = _api_inputs(d)

        def call():
            from karstmodel.model.simulate import simulate
            args = make(c, drv)
            return simulate(*args[:1], **args[1]) if isinstance(args, tuple) else simulate(**args)
        return call


def _with(drv: Drivers, fn) -> Drivers:
    data = drv.data.copy()
    fn(data)
    return Drivers(data=data, filled={}, source="api")


_api("api_area_negative", ValueError, ("area_km2", "-1"),
     lambda c, drv: (c.with_updates(area_km2=-1.0), {"drivers": drv}))
_api("api_area_nan", ValueError, ("area_km2", "nan"),
     lambda c, drv: (c.with_updates(area_km2=float("nan")), {"drivers": drv}))
_api("api_negative_precipitation", ValueError, ("precip_mm", "negative"),
     lambda c, drv: (c, {"drivers": _with(drv, lambda x: x.iloc.__setitem__((7, 0), -2.0))}))
_api("api_observations_frame_negative", InputError, ("observations DataFrame", "q_mm_d[7]", "negative discharge"),
     lambda c, drv: (c, {"drivers": drv, "observations": _observations(_drivers()).assign(
         q_mm_d=lambda o: o["q_mm_d"].where(o.index != 7, -1.0))}))
_api("api_observations_frame_without_dates", InputError, ("observations DataFrame", "'date'", "DatetimeIndex"),
     lambda c, drv: (c, {"drivers": drv, "observations": pd.DataFrame({"q_mm_d": [1.0, 2.0]})}))
_api("api_inf_precipitation", ValueError, ("precip_mm", "infinite"),
     lambda c, drv: (c, {"drivers": _with(drv, lambda x: x.iloc.__setitem__((7, 0), np.inf))}))
_api("api_one_nan_temperature", ValueError, ("temp_c", "missing or infinite", "2001-01-08"),
     lambda c, drv: (c, {"drivers": _with(drv, lambda x: x.iloc.__setitem__((7, 1), np.nan))}))
_api("api_ten_day_hole_in_index", ValueError, ("consecutive days", "2001-03-13 follows 2001-03-02"),
     lambda c, drv: (c, {"drivers": Drivers(data=drv.data.drop(drv.data.index[61:71]), filled={}, source="api")}))
_api("api_two_day_record", ValueError, ("at least 30 days",),
     lambda c, drv: (c, {"drivers": Drivers(data=drv.data.iloc[:2], filled={}, source="api")}))
_api("api_index_not_dates", TypeError, ("DatetimeIndex",),
     lambda c, drv: (c, {"drivers": Drivers(data=drv.data.reset_index(drop=True), filled={}, source="api")}))
_api("api_missing_pet_column", ValueError, ("'pet_mm'",),
     lambda c, drv: (c, {"drivers": Drivers(data=drv.data.drop(columns="pet_mm"), filled={}, source="api")}))
_api("api_catchment_wrong_type", TypeError, ("catchment", "int"), lambda c, drv: (5, {}))
_api("api_drivers_dataframe_negative_rain", ValueError, ("drivers DataFrame", "precip_mm[3]", "negative precipitation"),
     lambda c, drv: (c, {"drivers": drv.data.assign(precip_mm=np.where(np.arange(len(drv.data)) == 3, -2.0,
                                                                        drv.data["precip_mm"]))}))
_api("api_drivers_wrong_type", TypeError, ("drivers", "Drivers", "list"), lambda c, drv: (c, {"drivers": [1, 2]}))
_api("api_observations_wrong_type", TypeError, ("observations", "list"),
     lambda c, drv: (c, {"drivers": drv, "observations": [1, 2]}))


@row("api_scenario_ensemble_negative", ValueError, ("ensemble", "-3"))
def _(d):
    from karstmodel.workflows.scenarios import load_scenario, run_scenario
    c = load_catchment(_catchment(d, observations=None))
    sc = load_scenario(_scenario(d, ""))
    return lambda: run_scenario(c, sc, ensemble=-3, progress=False)


# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("r", ROWS, ids=[r.id for r in ROWS])
def test_row(r: Row, tmp_path, monkeypatch, capsys):
    d = tmp_path / "case"
    d.mkdir()
    monkeypatch.chdir(d)
    what = r.build(d)
    before = _hashes(d)
    if callable(what):  # Python API row
        with pytest.raises(r.code) as info:
            what()
        for frag in r.fragments:
            assert frag in str(info.value), (frag, str(info.value))
        assert _hashes(d) == before
        return
    rc = main(what)
    cap = capsys.readouterr()
    after = _hashes(d)
    if r.code != 0:
        err = cap.err.strip()
        print(err)
        assert rc == r.code, (rc, err)
        assert len(err.splitlines()) == 1 and err.startswith(f"karstmodel {what[0]}: error:"), err
        for frag in r.fragments:
            assert frag in err, (frag, err)
        assert ".karstmodel-new-" not in err and ".karstmodel-old-" not in err and ".tmp" not in err, err
        assert after == before, "files were written or changed on error"
        return
    assert rc == 0, cap.err
    for frag in r.fragments:
        assert frag in cap.out, (frag, cap.out)
    for name, digest in before.items():  # every input unchanged (an earlier output may be replaced)
        if r.replaces and name.startswith(r.replaces + os.sep):
            continue
        assert after.get(name) == digest, f"{name} changed"
    new = [n for n in after if n not in before]
    assert new and all(n.startswith(r.writes) for n in new), new
    hidden = [p for p in d.rglob(".*") if p.name != MARKER]  # temporary files; the run marker belongs to the output
    assert not hidden, hidden
    if r.check is not None:
        r.check(d, cap.out)


def test_matrix_has_a_row_per_case():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), "duplicate row ids"
    assert len(ids) >= 70


# ------------------------------------------------------------------------------------------------------------
# subprocess rows: real exit codes and interrupts (SIGTERM, SIGINT) of a run replacing an existing output folder
def _command() -> list[str]:
    cand = Path(sys.executable).with_name("karstmodel")
    return [str(cand)] if cand.exists() else [sys.executable, "-m", "karstmodel.cli"]


OLD_SET = {"summary.json": '{"old": true}', "timeseries.csv": "date\n2000-01-01\n", "marker.txt": "old run"}
INTERRUPTS = {"sigterm_early": (signal.SIGTERM, 0.0), "sigterm_late": (signal.SIGTERM, 0.6),
              "sigint": (signal.SIGINT, 0.3), "completes": (signal.SIGTERM, 120.0)}


def _interrupt(proc: subprocess.Popen, parent: Path, sig, delay: float, log: dict):
    """Send ``sig`` ``delay`` s after the new output folder's hidden sibling appears (the run is writing)."""
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < 60:
        if any(p.name.startswith(".karstmodel-new-") for p in parent.iterdir()):
            t1 = time.monotonic()
            while proc.poll() is None and time.monotonic() - t1 < delay:
                time.sleep(0.01)
            log["sent_while_running"] = proc.poll() is None
            if log["sent_while_running"]:
                proc.send_signal(sig)
            return
        time.sleep(0.01)


@pytest.fixture(scope="module")
def subprocess_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix_sub")
    cmd = _command()
    procs = {}
    for name, (sig, delay) in INTERRUPTS.items():
        d = root / name
        d.mkdir()
        # two years with figures: a few seconds of work to interrupt
        p = _catchment(d, {"simulation": {"warmup_days": 365}}, drivers=synthetic_drivers(days=2 * 365, seed=4),
                       observations=None)
        (d / "out").mkdir()
        for f, text in OLD_SET.items():
            (d / "out" / f).write_text(text)
        inputs = _hashes(d / "c")
        proc = subprocess.Popen(cmd + ["run", str(p), "-o", "out", "--overwrite"], cwd=d, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        log = {}
        th = threading.Thread(target=_interrupt, args=(proc, d, sig, delay, log), daemon=True)
        th.start()
        procs[name] = (proc, th, d, inputs, log)
    d = root / "exit_code"
    d.mkdir()
    drv = _drivers().astype({"precip_mm": object})
    drv.loc[10, "precip_mm"] = "inf"
    p = _catchment(d, drivers=drv)
    procs["exit_code"] = (subprocess.Popen(cmd + ["run", str(p), "-o", "out"], cwd=d, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True), None, d, _hashes(d), {})
    results = {}
    for name, (proc, th, d, inputs, log) in procs.items():
        so, se = proc.communicate(timeout=300)
        if th is not None:
            th.join()
        results[name] = {"rc": proc.returncode, "stdout": so, "stderr": se, "dir": d, "inputs": inputs, "log": log}
    return results


@pytest.mark.slow  # shares the fixture running the console script in subprocesses (~12 s)
def test_console_script_exit_code_and_one_line(subprocess_rows):
    r = subprocess_rows["exit_code"]
    assert r["rc"] == 2, r["stderr"]
    assert len(r["stderr"].strip().splitlines()) == 1 and "infinite" in r["stderr"]
    assert _hashes(r["dir"]) == r["inputs"] and not (r["dir"] / "out").exists()


@pytest.mark.parametrize("name", list(INTERRUPTS))
@pytest.mark.slow  # shares the fixture running the console script in subprocesses (~12 s)
def test_interrupted_run_leaves_old_or_new_complete_set(subprocess_rows, name):
    r = subprocess_rows[name]
    d, out = r["dir"], r["dir"] / "out"
    assert _hashes(d / "c") == r["inputs"], "inputs changed"
    leftovers = [p.name for p in d.rglob(".*") if p.name != MARKER]
    assert not leftovers, leftovers
    files = {p.name: p.read_text(errors="replace") if p.suffix in (".json", ".txt") else None for p in out.iterdir()}
    lines = r["stderr"].splitlines()
    # no uncaught traceback; Python itself prints (and swallows) an interrupt that lands in a weakref callback or
    # __del__ as "Exception ignored in ...", which the run then honours before publishing anything
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            assert i > 0 and lines[i - 1].startswith("Exception ignored"), r["stderr"]
    if "marker.txt" in files:  # the old set, untouched
        assert _hashes(out) == {f: hashlib.sha256(t.encode()).hexdigest() for f, t in OLD_SET.items()}
        if r["log"].get("sent_while_running") and r["rc"] > 0:  # < 0: killed before the handlers were installed
            sig = INTERRUPTS[name][0]
            assert r["rc"] == (130 if sig == signal.SIGINT else 143), r["stderr"]
            word = "interrupted" if sig == signal.SIGINT else "terminated"
            # the last line the run prints; a library's object finalised at interpreter exit may still report an
            # "Exception ignored" block after it (llvmlite, when the signal lands while numba compiles)
            ours = lines[:next((i for i, line in enumerate(lines) if line.startswith("Exception ignored")
                                and i > 0 and "output folder left as it was" in lines[i - 1]), len(lines))]
            assert ours[-1] == f"karstmodel run: {word}; output folder left as it was", r["stderr"]
    else:  # the new set, complete: every output the summary lists, nothing else
        s = json.loads(files["summary.json"])
        assert set(files) == set(s["outputs"].values()) | {MARKER}, (sorted(files), s["outputs"])
        assert r["rc"] == 0 or r["log"].get("sent_while_running")
        assert s["period"]["days"] == 2 * 365
    if name == "completes":
        assert r["rc"] == 0 and "marker.txt" not in files, r["stderr"]
    print(f"{name}: rc {r['rc']}, signal sent while running: {r['log'].get('sent_while_running')}, "
          f"{'old' if 'marker.txt' in files else 'new'} set")
