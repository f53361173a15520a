"""Benchmark: the main job, ``karstmodel run`` on a bundled catchment (default kerschbaum: 16 years and two reaches
at 15-minute steps), warm and on a first run, against a previous version in the same invocation.

Each version runs in child processes with its own tree first on ``PYTHONPATH`` and its own empty user cache
directory (``XDG_CACHE_HOME``, where karstmodel keeps numba's compiled kernels; ``NUMBA_CACHE_DIR`` unset): the
first run compiles every kernel the run uses (what a user waits for after installing), the next ``--repeat`` runs
load them from that cache (warm; best wall time reported, with the CPU time of the child). Then a reinstall: a copy
of the same tree at another path with new file times (as ``pip install`` of the same version into another
environment, or a fresh clone, makes), run with the cache the first install filled. A warm run of each version is
then split into its parts (imports, the daily chain, the reaches, CSV and JSON outputs, figures); the current tree
also runs ``--no-reaches`` (warm), and the last lines give the floor a warm run's CPU time sets on this machine's
cores (CPU seconds / cores: no overlap of its parts can beat it). On a shared machine whose speed drifts within
minutes, the two versions' blocks of runs can differ by the drift alone; ``--pairs N`` (default 6) then runs N
warm runs of each version alternately (current, previous, current, ...) and prints their means, medians, the mean
of the per-pair ratios and how many pairs the current version won: the ratio to quote. The previous
version is a temporary ``git worktree`` of ``--previous`` (default ``main``; ``--previous none`` skips it). The
machine's load average is printed before and after: on a shared machine compare CPU times. Goals of issue 13: warm
run <= 3 s including figures; first run <= 30 s and never silent (a line on stderr when it compiles).

    python validation/bench_run.py [--catchment kerschbaum] [--repeat 2] [--previous main] [--no-cold] [--pairs 6]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics as st
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from _bench import load_average  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# the parts of a warm run, timed inside one child process (public functions present in every version since 0.2)
PHASES = r"""
import json, sys, time
t0 = time.perf_counter()
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.model import simulate as S
from karstmodel.reporting.outputs import write_run
import matplotlib
matplotlib.use("Agg")
t1 = time.perf_counter()
c = load_catchment(resolve_catchment(sys.argv[1]))
res = S.simulate(c, with_reaches=False)
t2 = time.perf_counter()
rr = None
if c.reaches:
    from dataclasses import replace
    from karstmodel.model.stages import run_chain
    d = res.drivers.data
    state = S.initial_state(c, d)
    if c.warmup_days > 0:
        _, state = run_chain(c, d.iloc[: min(c.warmup_days, len(d))], state, stop_after="storage")
    run, _ = run_chain(c, d, state)
    t2b = time.perf_counter()
    rr = S.run_reaches(c, d, run)
    summary = dict(res.summary)
    summary.update(S.accounting.fate_summary(rr))
    res = replace(res, reaches=rr, summary=summary)
else:
    t2b = t2
t3 = time.perf_counter()
write_run(res, sys.argv[2], figures=False)
t4 = time.perf_counter()
write_run(res, sys.argv[3], figures=True)
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "chain": t2 - t1, "reaches": t3 - t2b, "csv_json": t4 - t3,
                  "figures": (t5 - t4) - (t4 - t3)}))
"""


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(tree: Path, cache: Path, args: list, out: Path) -> tuple[float, float, str]:
    """One child process on ``tree`` with ``cache`` as the user cache directory: (wall s, CPU s, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(tree), XDG_CACHE_HOME=str(cache))
    c0, t0 = _child_cpu(), time.perf_counter()
    p = subprocess.run([sys.executable, *args], cwd=out, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _child_cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return wall, cpu, p.stdout + p.stderr


def _reinstall(tree: Path, dest: Path) -> Path:
    """A copy of the sources of ``tree`` at ``dest`` with new modification times (no caches, no git, no venv)."""
    skip = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "output", ".pytest_cache")
    shutil.copytree(tree, dest, ignore=skip, copy_function=shutil.copy)
    return dest


def _run_args(catchment: str) -> list:
    """The child's arguments up to the output folder: ``python -m karstmodel run CATCHMENT -o``."""
    return ["-m", "karstmodel", "run", catchment, "-o"]


def measure(label: str, tree: Path, catchment: str, repeat: int, cold: bool, work: Path) -> dict:
    cache = work / f"cache-{label}"
    cache.mkdir()
    run = _run_args(catchment)
    res = {}
    if cold:
        wall, cpu, text = _run(tree, cache, run + [str(work / f"{label}-cold")], work)
        res["cold"] = (wall, cpu)
        res["cold_notice"] = "compiling" in text
        print(f"  {label}: first run (empty numba cache) {wall:.1f} s wall, {cpu:.1f} s CPU; progress line on "
              f"stderr: {'yes' if res['cold_notice'] else 'no'}", flush=True)
    else:
        _run(tree, cache, run + [str(work / f"{label}-fill")], work)
    warm = [_run(tree, cache, run + [str(work / f"{label}-warm{i}")], work)[:2] for i in range(repeat)]
    res["warm"] = min(warm)
    print(f"  {label}: warm run, best of {repeat}: {res['warm'][0]:.2f} s wall, {res['warm'][1]:.2f} s CPU "
          f"(all: {', '.join(f'{w:.2f}' for w, _ in warm)} s)", flush=True)
    nofig = [_run(tree, cache, run + [str(work / f"{label}-nofig{i}"), "--no-figures"], work)[:2]
             for i in range(repeat)]
    res["no_figures"] = min(nofig)
    print(f"  {label}: warm run --no-figures, best of {repeat}: {res['no_figures'][0]:.2f} s wall, "
          f"{res['no_figures'][1]:.2f} s CPU", flush=True)
    if label == "current":  # (an earlier revision may not have the option)
        lean = [_run(tree, cache, run + [str(work / f"{label}-lean{i}"), "--no-reaches"], work)[:2]
                for i in range(repeat)]
        res["no_reaches"] = min(lean)
        print(f"  {label}: warm run --no-reaches, best of {repeat}: {res['no_reaches'][0]:.2f} s wall, "
              f"{res['no_reaches'][1]:.2f} s CPU", flush=True)
    copy = _reinstall(tree, work / f"reinstall-{label}")
    wall, cpu, text = _run(copy, cache, run + [str(work / f"{label}-reinstall")], work)
    res["reinstall"] = (wall, cpu)
    print(f"  {label}: first run of a reinstall (same sources elsewhere, cache present) {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU; compiled: {'yes' if 'compiling' in text else 'no'}", flush=True)
    _, _, text = _run(tree, cache, ["-c", PHASES, catchment, str(work / f"{label}-p1"), str(work / f"{label}-p2")],
                      work)
    res["phases"] = json.loads([ln for ln in text.splitlines() if ln.startswith("{")][-1])
    print(f"  {label}: parts of a warm run (s): " + ", ".join(f"{k} {v:.2f}" for k, v in res["phases"].items()),
          flush=True)
    return res


def alternate(trees: dict, catchment: str, pairs: int, work: Path) -> list:
    """``pairs`` warm runs of each version of ``trees`` (label -> tree, current first; each with the cache its
    :func:`measure` filled), alternating: [(current wall, CPU, previous wall, CPU), ...]."""
    out = []
    for i in range(pairs):
        row = []
        for label, tree in trees.items():
            short = label.split()[0]
            row += _run(tree, work / f"cache-{short}", _run_args(catchment) + [str(work / f"{short}-pair{i}")],
                        work)[:2]
        out.append(tuple(row))
    return out


def report_pairs(rows: list) -> None:
    """Means, medians and the mean per-pair ratio of :func:`alternate`'s rows."""
    for k, label in ((0, "current"), (2, "previous")):
        wall, cpu = [r[k] for r in rows], [r[k + 1] for r in rows]
        print(f"  alternating pairs, {label}: wall mean {st.mean(wall):.2f} s, median {st.median(wall):.2f} s "
              f"(all: {', '.join(f'{w:.2f}' for w in wall)}); CPU mean {st.mean(cpu):.2f} s")
    ratio = [r[2] / r[0] for r in rows]
    won = sum(r[0] < r[2] for r in rows)
    print(f"previous/current in {len(rows)} alternating pairs: wall {st.mean(ratio):.2f}x (mean of the pairs' "
          f"ratios; current faster in {won} of {len(rows)}), CPU {st.mean([r[3] / r[1] for r in rows]):.2f}x")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catchment", default="kerschbaum")
    ap.add_argument("--repeat", type=int, default=2, help="warm runs per version (best reported)")
    ap.add_argument("--previous", default="main", help="git revision to compare with ('none' to skip)")
    ap.add_argument("--no-cold", action="store_true", help="skip the first-run (empty cache) measurement")
    ap.add_argument("--pairs", type=int, default=6, help="alternating warm runs of both versions (0: none)")
    a = ap.parse_args(argv)
    print(f"karstmodel run {a.catchment}: warm and first run ({load_average()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_run.") as tmp:
        work = Path(tmp)
        versions = {"current": ROOT}
        prev = None
        if a.previous.lower() != "none":
            prev = work / "previous"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(prev), a.previous],
                           check=True)
            versions[f"previous ({a.previous})"] = prev
        try:
            results = {label: measure(label.split()[0], tree, a.catchment, a.repeat, not a.no_cold, work)
                       for label, tree in versions.items()}
            pairs = alternate(versions, a.catchment, a.pairs, work) if prev is not None and a.pairs > 0 else []
        finally:
            if prev is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(prev)], check=False)
                shutil.rmtree(prev, ignore_errors=True)
    cur = results["current"]
    print(f"\nwarm run: {cur['warm'][0]:.2f} s (goal <= 3 s)" + (f"; first run {cur['cold'][0]:.1f} s (goal <= 30 s)"
                                                                  if "cold" in cur else ""))
    cores = os.cpu_count() or 1
    print(f"floor on this machine: the warm run's {cur['warm'][1]:.2f} s of CPU on {cores} cores cannot take less "
          f"than {cur['warm'][1] / cores:.2f} s of wall, however well it overlaps")
    if len(results) > 1:
        old = results[f"previous ({a.previous})"]
        keys = ["warm", "no_figures", "reinstall"] + (["cold"] if "cold" in cur else [])
        print("previous/current (wall, CPU): " + "; ".join(
            f"{k} {old[k][0] / cur[k][0]:.2f}x, {old[k][1] / cur[k][1]:.2f}x" for k in keys))
        print("parts, previous/current: " + ", ".join(
            f"{k} {old['phases'][k] / max(cur['phases'][k], 1e-9):.2f}x" for k in cur["phases"]))
        if pairs:
            report_pairs(pairs)
    print(load_average())


if __name__ == "__main__":
    main()
