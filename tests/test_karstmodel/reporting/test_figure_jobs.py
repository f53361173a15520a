"""Figures drawn in worker processes (karstmodel.reporting.figure_jobs): the same PNG bytes as drawn in the calling
process, errors raised naming the figure, the pool reused after a wait, inline drawing without the start method."""
import multiprocessing as mp

import numpy as np
import pandas as pd
import pytest

from karstmodel.reporting import figure_jobs as fj
from karstmodel.reporting import plots


def _data():
    rng = np.random.default_rng(3)
    idx = pd.date_range("2001-01-01", periods=400, freq="D")
    obs = np.exp(rng.normal(0.0, 0.5, idx.size))
    sim = obs * np.exp(rng.normal(0.0, 0.1, idx.size))
    masks = {"calibration": np.arange(idx.size) < 200, "validation": np.arange(idx.size) >= 200}
    return idx, sim, obs, masks


def _draw_all(jobs, folder):
    idx, sim, obs, masks = _data()
    fj.draw(jobs, plots.scatter_one_to_one, sim, obs, masks, "test", path=folder / "scatter.png")
    fj.draw(jobs, plots.observed_vs_simulated, idx, sim, obs, "test", path=folder / "series.png",
            periods={"calibration": (idx[0], idx[199])})


def test_worker_processes_write_the_same_bytes(tmp_path):
    (tmp_path / "inline").mkdir()
    (tmp_path / "pool").mkdir()
    _draw_all(None, tmp_path / "inline")
    with fj.FigureJobs(2) as jobs:
        assert jobs.parallel == ("forkserver" in mp.get_all_start_methods())
        _draw_all(jobs, tmp_path / "pool")
    for name in ("scatter.png", "series.png"):
        a = (tmp_path / "inline" / name).read_bytes()
        b = (tmp_path / "pool" / name).read_bytes()
        assert len(a) > 10_000 and a == b, name


def _fails(path):
    raise ValueError("no data to draw")


def test_an_error_names_the_figure(tmp_path):
    with pytest.raises(RuntimeError, match=r"figure _fails \(.*broken\.png\) failed: ValueError: no data to draw"):
        with fj.FigureJobs(2) as jobs:
            jobs.submit(_fails, path=tmp_path / "broken.png")


def test_wait_keeps_the_pool_for_more(tmp_path):
    idx, sim, obs, masks = _data()
    with fj.FigureJobs(2) as jobs:
        jobs.submit(plots.scatter_one_to_one, sim, obs, masks, "a", path=tmp_path / "a.png")
        jobs.wait()
        assert (tmp_path / "a.png").stat().st_size > 10_000  # done before wait returned
        jobs.submit(plots.scatter_one_to_one, sim, obs, masks, "b", path=tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 10_000
    assert not jobs.parallel  # shut down at the end of the block


def test_inline_without_the_start_method(tmp_path, monkeypatch):
    monkeypatch.setattr(fj.mp, "get_all_start_methods", lambda: ["spawn"])
    idx, sim, obs, masks = _data()
    jobs = fj.FigureJobs(2)
    assert not jobs.parallel
    jobs.submit(plots.scatter_one_to_one, sim, obs, masks, "a", path=tmp_path / "a.png")
    assert (tmp_path / "a.png").exists()  # drawn at submit
    jobs.finish()


@pytest.mark.parametrize("env, expected", [("0", 0), ("3", 3), (" 1 ", 1)])
def test_default_workers_from_the_environment(monkeypatch, env, expected):
    monkeypatch.setenv("KARSTMODEL_FIGURE_WORKERS", env)
    assert fj.default_workers() == expected


def test_default_workers_by_cores(monkeypatch):
    monkeypatch.delenv("KARSTMODEL_FIGURE_WORKERS", raising=False)
    monkeypatch.setattr(fj.os, "cpu_count", lambda: 1)
    assert fj.default_workers() == 0
    monkeypatch.setattr(fj.os, "cpu_count", lambda: 8)
    assert fj.default_workers() == 2


def test_default_workers_rejects_text(monkeypatch):
    monkeypatch.setenv("KARSTMODEL_FIGURE_WORKERS", "two")
    with pytest.raises(ValueError, match="KARSTMODEL_FIGURE_WORKERS must be a whole number, got 'two'"):
        fj.default_workers()


def test_workers_from_the_environment_unset(monkeypatch):
    monkeypatch.delenv("KARSTMODEL_FIGURE_WORKERS", raising=False)
    assert fj.workers_from_environment() is None
    monkeypatch.setenv("KARSTMODEL_FIGURE_WORKERS", "  ")
    assert fj.workers_from_environment() is None


@pytest.mark.parametrize("command, env, expected", [("run", None, 0), ("run", "2", 2), ("validate", None, 2),
                                                    ("validate", "0", 0)])
def test_the_commands_choice_of_workers(tmp_path, monkeypatch, command, env, expected):
    """`run` draws in its own process unless KARSTMODEL_FIGURE_WORKERS asks for workers (its daily figures share the
    cores with its reaches); `validate` uses 2 on a machine with 2 or more cores."""
    from karst_helpers import synthetic_calibration_site
    from karstmodel.cli.parser import main

    seen = []

    class Recorder(fj.FigureJobs):
        def __init__(self, workers=0):
            seen.append(workers)
            super().__init__(0)

    monkeypatch.setattr(fj, "FigureJobs", Recorder)
    monkeypatch.setattr(fj.os, "cpu_count", lambda: 2)
    if env is None:
        monkeypatch.delenv("KARSTMODEL_FIGURE_WORKERS", raising=False)
    else:
        monkeypatch.setenv("KARSTMODEL_FIGURE_WORKERS", env)
    (tmp_path / "site").mkdir()
    path = synthetic_calibration_site(tmp_path / "site")["dir"] / "catchment.toml"
    import karstmodel.workflows.report as report
    monkeypatch.setattr(report, "FigureJobs", Recorder)
    assert main([command, str(path), "-o", str(tmp_path / "out")]) == 0
    assert seen == [expected]


def test_the_server_starts_with_a_python_childs_environment(monkeypatch):
    """The figure server is started with chemistry._numba_cache.child_environment() (without the numba cache
    folder this process configured, so that the server configures the same folder itself; with the variable
    inherited numba would use its own locators and file kernels elsewhere) and one thread per library; this
    process's environment is unchanged afterwards."""
    import os
    from multiprocessing import forkserver

    from chemistry import _numba_cache
    from karstmodel._parallel import SINGLE_THREAD_ENV
    monkeypatch.setattr(_numba_cache, "_ACTIVE", ("/configured/here", "key", ()))
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/configured/here")
    for k in SINGLE_THREAD_ENV:
        monkeypatch.delenv(k, raising=False)
    seen = []
    monkeypatch.setattr(forkserver, "ensure_running", lambda: seen.append(dict(os.environ)))
    before = dict(os.environ)
    jobs = fj.FigureJobs(2)
    jobs.finish()
    assert dict(os.environ) == before
    if "forkserver" in mp.get_all_start_methods():
        (env,) = seen
        assert "NUMBA_CACHE_DIR" not in env
        assert all(env[k] == v for k, v in SINGLE_THREAD_ENV.items())
        assert {k: v for k, v in env.items() if k not in SINGLE_THREAD_ENV} == \
            {k: v for k, v in before.items() if k != "NUMBA_CACHE_DIR"}
    # a folder the user set is kept
    monkeypatch.setattr(_numba_cache, "_ACTIVE", None)
    seen.clear()
    fj.FigureJobs(2).finish()
    if "forkserver" in mp.get_all_start_methods():
        assert seen[0]["NUMBA_CACHE_DIR"] == "/configured/here"
