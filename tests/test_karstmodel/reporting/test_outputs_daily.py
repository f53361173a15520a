"""A run's daily outputs written while its reaches run (simulate's ``on_daily``, outputs.write_daily) and the figures
saved with the tight bounding box measured once (plots.tight_bbox): the same files as before, byte for byte."""
from __future__ import annotations

import io
import threading
import time
from dataclasses import replace

import matplotlib
import numpy as np
import pandas as pd
import pytest

from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import load_catchment
from karstmodel.model import simulate as simulate_module
from karstmodel.processes.reaches import ReachParameters
from karstmodel.reporting import outputs, plots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def small_catchment(tmp_path_factory):
    """A 400-day synthetic catchment (one forest hydrotope on limestone)."""
    folder = tmp_path_factory.mktemp("daily_site")
    return load_catchment(write_catchment(folder, base_doc(simulation={"warmup_days": 30}),
                                          synthetic_drivers(days=400, seed=4)))


def test_tight_bbox_saves_the_pixels_of_bbox_inches_tight():
    """A figure whose legend lies right of the axes, off the figure: saved with the measured box it has the same
    size and pixels as with ``bbox_inches="tight"`` (which lays the figure out once more first)."""
    def figure():
        plt = plots._plt()
        fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(6, 3), sharex=True)
        ax0.plot(np.arange(50.0), np.sin(np.arange(50.0) / 5.0), label="a rather long label for a legend")
        ax1.plot(np.arange(50.0), np.arange(50.0) ** 2, label="b")
        plots.plain_log_axis(ax1)
        plots.legend_outside(ax0)
        ax0.set_title("title")
        return fig

    def png(fig, bbox):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches=bbox)
        buf.seek(0)
        return matplotlib.image.imread(buf)

    fig = figure()
    box = plots.tight_bbox(fig)
    assert box.x1 > fig.get_size_inches()[0]  # the legend widens the saved area beyond the figure
    fast = png(fig, box)
    standard = png(figure(), "tight")
    assert fast.shape == standard.shape
    assert np.array_equal(fast, standard)


def test_daily_outputs_written_first_are_the_same_files(small_catchment, tmp_path):
    """write_daily then write_run(daily=...) writes the same CSV and JSON bytes as write_run alone."""
    res = simulate_module.simulate(small_catchment)
    alone = outputs.write_run(res, tmp_path / "alone", figures=False, report=False)
    daily = outputs.write_daily(res, tmp_path / "split", figures=False)
    assert [p.name for p in daily.values()] == ["timeseries.csv", "summary.json", "hydrotopes.csv"]
    assert not (tmp_path / "split" / "summary.json").exists()  # written by write_run, with the reaches' outputs
    split = outputs.write_run(res, tmp_path / "split", figures=False, report=False, daily=daily)
    assert [p.name for p in split.values()] == [p.name for p in alone.values()]
    for a, b in zip(alone.values(), split.values()):
        assert a.read_bytes() == b.read_bytes(), a.name


def _stub_reaches(monkeypatch, calls, reaches):
    monkeypatch.setattr(simulate_module.background_compile, "start", lambda with_reaches, with_fused=True: None)
    monkeypatch.setattr(simulate_module.background_compile, "finish", lambda child: calls.append("finish"))
    monkeypatch.setattr(simulate_module, "run_reaches", reaches)
    monkeypatch.setattr(simulate_module.accounting, "fate_summary", lambda rr: {"fate": {"stub": 1.0}})


def test_on_daily_runs_while_the_reaches_run(small_catchment, monkeypatch):
    """simulate calls on_daily once, with the daily result and no reaches, while the reaches run in a second
    thread (after the wait for the reach kernel): on_daily waits here until the (stubbed) reaches have started,
    which it could not if they ran before or after it; the daily table is the final one."""
    calls = []
    started, daily_done = threading.Event(), threading.Event()

    def reaches(c, data, run, progress=False, subdaily="all"):
        calls.append("reaches")
        started.set()
        assert daily_done.wait(10.0)  # ... and the reaches in turn outlast on_daily
        return "reach result"

    def on_daily(d):
        assert started.wait(10.0)
        seen.append(d)
        calls.append("daily")
        daily_done.set()

    _stub_reaches(monkeypatch, calls, reaches)
    c = replace(small_catchment, reaches=(ReachParameters(name="stream"),))
    seen = []
    res = simulate_module.simulate(c, on_daily=on_daily)
    assert calls == ["finish", "reaches", "daily"]
    (d,) = seen
    assert d.reaches is None and "fate" not in d.summary
    assert res.reaches == "reach result" and res.summary["fate"] == {"stub": 1.0}
    assert d.timeseries is res.timeseries
    assert d.summary["carbon_sink_tc_km2_yr"] == res.summary["carbon_sink_tc_km2_yr"]


def test_errors_of_the_reaches_and_of_on_daily_reach_the_caller(small_catchment, monkeypatch):
    """An error in the reaches' thread is raised by simulate (also when on_daily fails too: the reaches' first);
    an error in on_daily is raised after the reaches have finished."""
    calls = []

    def failing_reaches(c, data, run, progress=False, subdaily="all"):
        raise RuntimeError("reaches failed")

    _stub_reaches(monkeypatch, calls, failing_reaches)
    c = replace(small_catchment, reaches=(ReachParameters(name="stream"),))
    with pytest.raises(RuntimeError, match="reaches failed"):
        simulate_module.simulate(c, on_daily=lambda d: None)
    with pytest.raises(RuntimeError, match="reaches failed"):
        simulate_module.simulate(c, on_daily=lambda d: 1 / 0)

    def slow_reaches(c, data, run, progress=False, subdaily="all"):
        time.sleep(0.2)
        calls.append("reaches done")
        return "reach result"

    monkeypatch.setattr(simulate_module, "run_reaches", slow_reaches)

    def failing_daily(d):
        raise ValueError("daily failed")

    with pytest.raises(ValueError, match="daily failed"):
        simulate_module.simulate(c, on_daily=failing_daily)
    assert calls[-1] == "reaches done"


def test_figures_in_worker_processes_are_the_same_files(small_catchment, tmp_path):
    """write_run with its figures drawn by two worker processes (figure_jobs.FigureJobs, as `karstmodel run` and
    `validate` draw them) writes the same PNG, CSV and JSON bytes as drawn in this process, the reaches' figures
    (which get only the days they show) included."""
    from karstmodel.reporting.figure_jobs import FigureJobs

    folder = tmp_path / "site"
    doc = base_doc(simulation={"warmup_days": 30}, reaches=[{"name": "brook", "kind": "stream", "length_m": 400.0,
                                                             "width_m": 1.2, "slope": 0.02}],
                   surface_water={"dt_minutes": 60.0, "diel_output": "week"})
    c = load_catchment(write_catchment(folder, doc, synthetic_drivers(days=400, seed=4)))
    res = simulate_module.simulate(c)
    inline = outputs.write_run(res, tmp_path / "inline", figures=True, report=False)
    with FigureJobs(2) as jobs:
        pooled = outputs.write_run(res, tmp_path / "pooled", figures=True, report=False, jobs=jobs)
    assert [p.name for p in pooled.values()] == [p.name for p in inline.values()]
    assert {"reaches_diel.png", "reaches_metabolism.png", "fate.png", "hydrograph.png"} <= {p.name for p in
                                                                                            inline.values()}
    for a, b in zip(inline.values(), pooled.values()):
        assert a.read_bytes() == b.read_bytes(), a.name
    # the reaches' figures drawn from the whole result are the same files as from the days they were given
    from karstmodel.reporting import plots_surface
    rr = res.reaches
    start = outputs.summer_week(rr.subdaily.index, c.latitude)[0] + pd.Timedelta(days=2)
    plots_surface.diel_panel(rr, start=start, days=3.0, path=tmp_path / "diel_whole.png",
                             title=f"{c.name}: diel cycle at the outlet of {rr.reaches[-1].name}")
    plots_surface.daily_metabolism(rr, path=tmp_path / "metabolism_whole.png")
    assert (tmp_path / "diel_whole.png").read_bytes() == inline["diel"].read_bytes()
    assert (tmp_path / "metabolism_whole.png").read_bytes() == inline["metabolism"].read_bytes()
