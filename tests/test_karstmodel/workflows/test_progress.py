"""Progress bars with ETA (karstmodel._progress): shown when stderr is not a terminal (plain lines), silent when
switched off (the CLI's --quiet), with the ETA on every line; used by the process pools (GLUE, sensitivity, scenario
ensembles) and grid runs (serial and dask); the station batch in test_thames_tributaries.py."""
from __future__ import annotations

import io
import re

import pytest

from karstmodel._parallel import map_chunks
from karstmodel._progress import LOG_INTERVAL_S, is_terminal, progress_bar

ETA = re.compile(r"ETA (\?|\d\d:\d\d)")


def _double(xs):
    return [2 * x for x in xs]


def test_plain_lines_with_eta_on_a_non_terminal_stream():
    s = io.StringIO()
    assert not is_terminal(s)
    with progress_bar(5, "GLUE sampling", stream=s) as bar:
        for _ in range(5):
            bar.update(1)
    lines = s.getvalue().splitlines()
    assert "\r" not in s.getvalue()  # no in-place redraws in a log
    # the first line (nothing done, ETA unknown) and the last (all done); updates within LOG_INTERVAL_S are skipped
    assert LOG_INTERVAL_S >= 5.0 and len(lines) == 2
    assert lines[0].startswith("GLUE sampling: 0/5 (0 %)") and "ETA ?" in lines[0]
    assert lines[-1].startswith("GLUE sampling: 5/5 (100 %)") and "ETA 00:00" in lines[-1]
    assert all(ETA.search(line) for line in lines)


def test_nothing_when_switched_off():
    s = io.StringIO()
    with progress_bar(3, "x", show=False, stream=s) as bar:
        bar.update(3)
    assert s.getvalue() == ""


def test_map_chunks_counts_items_on_stderr(capsys):
    assert map_chunks(_double, [[1, 2], [3], [4, 5, 6]], 1, "GLUE full runs", 6) == [2, 4, 6, 8, 10, 12]
    err = capsys.readouterr().err
    assert "GLUE full runs: 6/6 (100 %)" in err and ETA.search(err) and "run/s" in err
    map_chunks(_double, [[1]], 1, "quiet", 1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.fixture(scope="module")
def tiny_grid():
    pytest.importorskip("xarray")
    pytest.importorskip("dask")
    from karstmodel.workflows.grid import demo_grid
    return demo_grid(rows=1, cols=2, years=1)


@pytest.mark.parametrize("chunks", [None, 1])
def test_grid_shows_cells_with_eta_when_not_on_a_terminal(tiny_grid, capsys, chunks):
    from karstmodel.workflows.grid import simulate_grid
    out = simulate_grid(tiny_grid, "kerschbaum", chunks=chunks, workers=1, progress=True)
    err = capsys.readouterr().err
    assert out.sizes["cell"] == 2
    assert "grid cells: 2/2 (100 %)" in err and ETA.search(err) and "cell/s" in err
    simulate_grid(tiny_grid, "kerschbaum", chunks=chunks, workers=1, progress=False)
    assert "grid cells" not in capsys.readouterr().err

