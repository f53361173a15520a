"""A run's daily outputs written before its reaches (simulate's ``on_daily``, outputs.write_daily) and the figures
saved with the tight bounding box measured once (plots.tight_bbox): the same files as before, byte for byte."""
from __future__ import annotations

import io
from dataclasses import replace

import matplotlib
import numpy as np
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


def test_on_daily_sees_the_daily_result_before_the_reaches_run(small_catchment, monkeypatch):
    """simulate calls on_daily once, with the daily result and no reaches, before it waits for the reach kernel and
    runs the reaches (both stubbed here); the daily table is the final one."""
    calls = []
    monkeypatch.setattr(simulate_module.background_compile, "start", lambda with_reaches, with_fused=True: None)
    monkeypatch.setattr(simulate_module.background_compile, "finish", lambda child: calls.append("finish"))
    monkeypatch.setattr(simulate_module, "run_reaches", lambda c, data, run: calls.append("reaches") or "reach result")
    monkeypatch.setattr(simulate_module.accounting, "fate_summary", lambda rr: {"fate": {"stub": 1.0}})
    c = replace(small_catchment, reaches=(ReachParameters(name="stream"),))
    seen = []
    res = simulate_module.simulate(c, on_daily=lambda d: (seen.append(d), calls.append("daily")))
    assert calls == ["daily", "finish", "reaches"]
    (d,) = seen
    assert d.reaches is None and "fate" not in d.summary
    assert res.reaches == "reach result" and res.summary["fate"] == {"stub": 1.0}
    assert d.timeseries is res.timeseries
    assert d.summary["carbon_sink_tc_km2_yr"] == res.summary["carbon_sink_tc_km2_yr"]
