"""Output folders are never replaced silently: every command writes a marker (command, catchment, time); a folder of
another command or catchment, or without the marker, is refused (nothing written, the user's files untouched) unless
overwrite is asked for; the same command on the same catchment replaces its folder and says so. Also validate's
warning on a catchment file that calibrate did not write, and observations given as a DataFrame."""
from __future__ import annotations

import hashlib
import json
import logging

import pandas as pd
import pytest

from chemistry.errors import InputError
from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.cli import main
from karstmodel.cli.validate import uncalibrated_warning
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.io.files import MARKER, OutputOwner, atomic_output_dir, owning, read_marker
from karstmodel.model.simulate import simulate

RUN_A = OutputOwner("run", "/data/a/catchment.toml")


def _tree(root) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _write(out, owner, text="new"):
    with atomic_output_dir(out, owner=owner) as tmp:
        (tmp / "summary.json").write_text(json.dumps({"text": text}))


def test_new_folder_gets_the_marker(tmp_path):
    _write(tmp_path / "out", RUN_A)
    rec = read_marker(tmp_path / "out")
    assert rec["command"] == "run" and rec["catchment"] == "/data/a/catchment.toml"
    assert pd.Timestamp(rec["written"]).tzinfo is not None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARKER, "summary.json"]


def test_same_command_same_catchment_replaced_and_said(tmp_path, caplog):
    _write(tmp_path / "out", RUN_A, "old")
    with caplog.at_level(logging.INFO, logger="karstmodel.io"):
        _write(tmp_path / "out", RUN_A, "new")
    assert json.loads((tmp_path / "out" / "summary.json").read_text()) == {"text": "new"}
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'out'}: replacing the earlier output of `karstmodel run` on /data/a/catchment.toml"]


@pytest.mark.parametrize("other, fragment", [
    (OutputOwner("validate", "/data/a/catchment.toml"), "was written by `karstmodel run` on /data/a/catchment.toml"),
    (OutputOwner("run", "/data/b/catchment.toml"), "was written by `karstmodel run` on /data/a/catchment.toml"),
])
def test_another_command_or_catchment_refused_and_nothing_written(tmp_path, other, fragment):
    _write(tmp_path / "out", RUN_A, "old")
    before = _tree(tmp_path)
    with pytest.raises(InputError) as e:
        _write(tmp_path / "out", other)
    msg = str(e.value)
    assert fragment in msg and "choose another folder with -o, or give --overwrite" in msg and "\n" not in msg
    assert _tree(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    _write(tmp_path / "out", OutputOwner(other.command, other.catchment, overwrite=True))
    assert read_marker(tmp_path / "out")["catchment"] == other.catchment


def test_folder_without_marker_refused_unless_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.json").write_text("{}")  # an output of an earlier version
    before = _tree(tmp_path)
    with pytest.raises(InputError, match=f"exists and has no {MARKER}"):
        _write(tmp_path / "out", RUN_A)
    assert _tree(tmp_path) == before
    _write(tmp_path / "out", OutputOwner("run", RUN_A.catchment, overwrite=True))
    assert read_marker(tmp_path / "out")["command"] == "run"


def test_overwrite_never_deletes_a_folder_karstmodel_did_not_write(tmp_path):
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("three years of work")
    before = _tree(tmp_path)
    with pytest.raises(InputError, match="not a karstmodel output folder"):
        _write(tmp_path / "thesis", OutputOwner("run", RUN_A.catchment, overwrite=True))
    assert _tree(tmp_path) == before


def test_owner_set_around_a_workflow_applies_to_its_folders(tmp_path):
    with owning(RUN_A):
        _write(tmp_path / "out", None)
    assert read_marker(tmp_path / "out")["command"] == "run"
    _write(tmp_path / "plain", None)  # no owner: the library's old behaviour, no marker
    assert read_marker(tmp_path / "plain") is None


def _small(tmp_path, name="c"):
    drv = synthetic_drivers(days=400, seed=3)
    obs = pd.DataFrame({"date": drv["date"], "q_mm_d": 1.0 + (drv.index % 30) / 30.0})
    doc = base_doc(simulation={"warmup_days": 60}, observations={"file": "observations.csv"})
    return write_catchment(tmp_path / name, doc, drv, obs), obs


def test_uncalibrated_warning_keys_on_the_calibrate_marker(tmp_path):
    path, _ = _small(tmp_path)
    w = uncalibrated_warning(path)
    assert w.startswith(f"{path} was never calibrated (it was not written by `karstmodel calibrate`)")
    (path.parent / MARKER).write_text(json.dumps({"command": "calibrate", "catchment": "/x/catchment.toml"}))
    assert uncalibrated_warning(path) is None
    (path.parent / MARKER).write_text(json.dumps({"command": "run", "catchment": "/x/catchment.toml"}))
    assert uncalibrated_warning(path) is not None
    assert uncalibrated_warning(resolve_catchment("coln_bibury")) is None  # bundled: calibrated, documented


def test_validate_cli_warns_once_on_stderr_and_in_the_report(tmp_path, monkeypatch, capsys):
    path, _ = _small(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(path), "-o", "v", "--no-figures"]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"karstmodel validate: warning: {path} was never calibrated")
    assert "**Warning:** " + lines[0].split("warning: ", 1)[1] in (tmp_path / "v" / "report.md").read_text()
    assert json.loads((tmp_path / "v" / "summary.json").read_text())["warnings"][0].startswith(str(path))
    assert read_marker(tmp_path / "v")["command"] == "validate"
    before = _tree(tmp_path)
    assert main(["run", str(path), "-o", "v", "--no-figures"]) == 2  # validate's folder: not run's to replace
    assert "was written by `karstmodel validate`" in capsys.readouterr().err and _tree(tmp_path) == before


def test_observations_as_a_dataframe_give_the_same_run_as_the_file(tmp_path):
    path, obs = _small(tmp_path)
    c = load_catchment(path)
    a = simulate(c)
    b = simulate(c, observations=obs)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert a.summary["metrics"] == b.summary["metrics"]
    bad = obs.assign(q_mm_d=obs["q_mm_d"].where(obs.index != 7, -1.0))
    with pytest.raises(InputError, match=r"observations DataFrame, q_mm_d\[7\]: negative discharge"):
        simulate(c, observations=bad)
    idx = obs.set_index(pd.DatetimeIndex(pd.to_datetime(obs["date"]))).drop(columns="date")
    pd.testing.assert_frame_equal(simulate(c, observations=idx).timeseries, a.timeseries, check_exact=True)
