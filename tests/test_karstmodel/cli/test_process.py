"""The command's own process (karstmodel.cli.process): the long-lived objects of a command's imports are frozen
out of the garbage collector's passes only when the console script runs the command, never inside a caller's
process (tests, notebooks, other programs calling karstmodel.cli.main)."""
import tomllib
from pathlib import Path

import pytest

from karstmodel.cli import parser, process

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def frozen(monkeypatch):
    """Record gc.freeze calls instead of freezing this test process; the flag restored after the test."""
    calls = []
    monkeypatch.setattr(process.gc, "freeze", lambda: calls.append(1))
    monkeypatch.setattr(process, "_OWN_PROCESS", False)
    return calls


def test_nothing_frozen_in_a_callers_process(frozen, tmp_path):
    from karst_helpers import base_doc, synthetic_drivers, write_catchment
    from karstmodel.cli.parser import main
    path = write_catchment(tmp_path / "site", base_doc(simulation={"warmup_days": 30}),
                           synthetic_drivers(days=90, seed=3))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-figures"]) == 0
    assert frozen == []


@pytest.mark.parametrize("command, args", [("run", []), ("validate", []), ("calibrate", []),
                                           ("scenario", ["never_read.toml"])])
def test_the_console_script_freezes_after_the_commands_imports(frozen, monkeypatch, command, args):
    """console() marks the process as the command's; each model command then freezes once, after its imports
    (the command stops right after them here: its first step after the imports is replaced by an error)."""
    import importlib
    mod = importlib.import_module(f"karstmodel.cli.{command}")
    seen = []

    def after_imports():
        seen.append(process._OWN_PROCESS)
        process.imports_done()
        raise SystemExit(7)

    monkeypatch.setattr(mod, "imports_done", after_imports)
    monkeypatch.setattr("sys.argv", ["karstmodel", command, "kerschbaum", *args])
    with pytest.raises(SystemExit) as e:
        parser.console()
    assert e.value.code == 7
    assert seen == [True] and frozen == [1]


def test_entry_points_use_the_console():
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert doc["project"]["scripts"]["karstmodel"] == "karstmodel.cli.parser:console"
    for main in (ROOT / "karstmodel" / "__main__.py", ROOT / "karstmodel" / "cli" / "__main__.py"):
        assert "sys.exit(console())" in main.read_text()
