"""The reach kernel compiled in a second process during a first run: the child files it where this process looks
(the source-keyed cache of chemistry._numba_cache), so the run loads it instead of compiling it again."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from chemistry import _numba_cache
from karstmodel.model import background_compile as bc


def test_no_child_without_reaches_or_with_compiled_kernels(capsys):
    bc.main(["fused", "reaches"])  # compiled (or loaded) in this process now: nothing left for a child
    assert bc.start(False) is None
    assert bc.start(True) is None
    bc.finish(None)  # nothing to wait for
    assert capsys.readouterr().out.split() == ["ready", "fused", "ready", "reaches"]


def test_child_environment_drops_only_the_folder_karstmodel_chose(monkeypatch):
    monkeypatch.setattr(_numba_cache, "_ACTIVE", ("/cache/abc", "abc", ()))
    env = _numba_cache.child_environment({"NUMBA_CACHE_DIR": "/cache/abc", "PATH": "/bin"})
    assert env == {"PATH": "/bin"}  # the child keys the same folder itself
    user = {"NUMBA_CACHE_DIR": "/my/cache", "PATH": "/bin"}
    assert _numba_cache.child_environment(user) == user  # the user's choice is kept
    monkeypatch.setattr(_numba_cache, "_ACTIVE", None)
    assert _numba_cache.child_environment(user) == user


@pytest.mark.slow
def test_the_run_finds_the_kernels_the_child_compiled(tmp_path):
    """With an empty user cache: a child compiles the fused and the reach kernels; this process waits for the fused
    one at its first use and finds both in the cache, so neither is compiled here (numba's compile events), and the
    placeholder call of chemistry._fused_compile.compile_kernel has the types of a real call (one signature in the cache).
    Two compilations, ~10-20 s."""
    script = textwrap.dedent("""
        import karstmodel
        from numba.core import event
        compiled = []
        class Listener(event.Listener):
            def on_start(self, ev):
                pass
            def on_end(self, ev):
                compiled.append(ev.data["dispatcher"].py_func.__name__)
        event.register("numba:compile", Listener())
        import chemistry
        from chemistry import _fused
        from karstmodel._compiled import cache_is_cold
        from karstmodel.model import background_compile as bc
        from karstmodel.processes.reaches.kernel import advance_tanks
        assert cache_is_cold(advance_tanks) and cache_is_cold(_fused._fused_block)
        child = bc.start(True)
        assert child is not None
        t = chemistry.equilibrate(temp_c=[5.0, 10.0, 20.0], pco2_atm=[1e-3, 1e-2, 3e-2])  # waits for "ready fused"
        assert abs(t["ph"].iloc[1] - 7.27) < 0.1
        bc.finish(child)
        assert child.returncode == 0
        assert "_fused_block" not in compiled and "advance_tanks" not in compiled, compiled
        assert not cache_is_cold(advance_tanks)
        assert len(_fused._fused_block._cache._cache_file._load_index()) == 1
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"
    assert list((tmp_path / "karstmodel" / "numba").glob("*/karstmodel/processes/reaches/kernel*.nbi"))


def test_the_child_does_not_import_scipy_interpolate():
    """The compiling child (on a first run's critical path) imports neither karstmodel.accounting.sink nor the
    scipy.interpolate it needs (~0.4 s); the top-level sink functions are still those of accounting.sink."""
    code = ("import sys, karstmodel.model.background_compile; "
            "print('scipy.interpolate' in sys.modules, 'karstmodel.accounting.sink' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False"]
    import karstmodel
    from karstmodel.accounting import sink
    for name in karstmodel.SINK_FUNCTIONS:
        assert getattr(karstmodel, name) is getattr(sink, name)
    from karstmodel import compare_runs
    assert compare_runs is sink.compare_runs


def test_the_fused_kernel_is_left_out_when_the_tables_are_shipped(monkeypatch):
    """A run whose recharge tables are all shipped (karstmodel.processes.recharge_tables.covers) never calls the fused
    kernel, so the child is not asked to compile it; simulate asks for it only with another database."""
    from karstmodel.processes import recharge_tables
    launched = []

    class FakeChild:
        stdout = iter(())

        def poll(self):
            return None  # still compiling

    def fake_popen(args, **kwargs):
        launched.append(args[3:])
        return FakeChild()
    monkeypatch.setattr(bc, "_RUNNING", {})
    monkeypatch.setattr(bc, "_cold", lambda name: True)
    monkeypatch.setattr(bc.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(bc.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(bc, "expect", lambda *a: None)
    bc.start(True, with_fused=False)
    bc.start(True)
    assert launched == [["reaches"], ["fused", "reaches"]]
    assert recharge_tables.covers("phreeqc.dat") and not recharge_tables.covers("llnl.dat")


def test_the_compile_notice_leaves_out_the_fused_kernel_when_the_tables_are_shipped(monkeypatch):
    """With only the fused kernel cold, a run that does not call it (its recharge tables shipped) prints no
    compile line; a run that does, prints it."""
    import io

    from karstmodel.model import compile_notice as cn
    monkeypatch.setattr(cn, "cache_is_cold", lambda *kernels: any(k in cn.FUSED_KERNELS for k in kernels))
    quiet, loud = io.StringIO(), io.StringIO()
    assert not cn.announce_compilation(True, stream=quiet, with_fused=False) and quiet.getvalue() == ""
    assert cn.announce_compilation(True, stream=loud) and "compiling" in loud.getvalue()


def test_concurrent_runs_share_the_child_while_it_compiles(monkeypatch):
    """Runs of one process started while a child compiles what they need (a scenario's baseline and scenario runs,
    in two threads) wait for that child; one that needs more, or comes after it ended, gets a new one."""
    launched = []

    class FakeChild:
        stdout = iter(())

        def __init__(self, names):
            self.names, self.done = names, False

        def poll(self):
            return 0 if self.done else None

    def fake_popen(args, **kwargs):
        launched.append(FakeChild(args[3:]))
        return launched[-1]
    monkeypatch.setattr(bc, "_RUNNING", {})
    monkeypatch.setattr(bc, "_cold", lambda name: True)
    monkeypatch.setattr(bc.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(bc.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(bc, "expect", lambda *a: None)
    first = bc.start(True)
    assert bc.start(True) is first and bc.start(True, with_fused=False) is first  # still compiling: shared
    assert len(launched) == 1 and first.names == ["fused", "reaches"]
    first.done = True
    again = bc.start(True)
    assert again is not first and len(launched) == 2 and list(bc._RUNNING) == [again]
    only_reaches = bc.start(True, with_fused=False)
    assert only_reaches is again  # a subset of what the running child compiles
