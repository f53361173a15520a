"""Benchmark: ``karstmodel scenario`` on a bundled catchment (default kerschbaum with its ``grassland_to_forest``
scenario: the 2001-2016 record repeated to 2045, two reaches at 15-minute steps, an ensemble of 4), warm, against
a previous version in the same invocation: wall time, CPU time and peak memory (the child's maximum resident set)
of each run, in alternating pairs.

Each version runs in child processes with its own tree first on ``PYTHONPATH`` and its own user cache directory
(``XDG_CACHE_HOME``, where karstmodel keeps numba's compiled kernels): a first run fills it (compiles), then
``--pairs`` warm runs of each version alternate (current, previous, current, ...), so that a shared machine's drift
falls on both. The previous version is a temporary ``git worktree`` of ``--previous`` (default ``main``). The
outputs of the last pair are compared file by file (``summary.json`` without the paths of the inputs, which name
each tree; not ``report.html``, which embeds them, nor the folder's owner record): the versions must write the
same numbers (exit status 1 when a file differs).

    python validation/bench_scenario.py [--catchment kerschbaum] [--scenario grassland_to_forest] [--pairs 4]
                                         [--previous main]
"""
from __future__ import annotations

import argparse
import json
import os
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


def run_child(tree: Path, cache: Path, args: list, cwd: Path) -> tuple[float, float, float]:
    """``python -m karstmodel ARGS`` on ``tree`` with ``cache`` as the user cache: (wall s, CPU s, peak MB)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(tree), XDG_CACHE_HOME=str(cache))
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "karstmodel", *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{tree}: karstmodel {' '.join(args)} failed ({p.returncode}):\n{err[-2000:]}")
    scale = 1024.0 if sys.platform != "darwin" else 1024.0 * 1024.0  # ru_maxrss: KiB on Linux, bytes on macOS
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / scale


def _numbers(folder: Path, name: str):
    """A file's content to compare: summary.json without input paths, every other file as bytes."""
    p = folder / name
    if name != "summary.json":
        return p.read_bytes()

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("path", "file", "source")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(json.loads(p.read_text()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catchment", default="kerschbaum")
    ap.add_argument("--scenario", default="grassland_to_forest", help="a scenario file, or the name of one in "
                    "the bundled catchment's scenarios/ folder")
    ap.add_argument("--previous", default="main", help="git revision to compare with")
    ap.add_argument("--pairs", type=int, default=4, help="alternating warm runs of both versions")
    a = ap.parse_args(argv)
    scen = Path(a.scenario)
    rel = None if scen.exists() else Path("catchments") / a.catchment / "scenarios" / f"{a.scenario}.toml"
    print(f"karstmodel scenario {a.catchment} {a.scenario}: current vs {a.previous} ({load_average()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_scenario.") as tmp:
        work = Path(tmp)
        prev = work / "previous"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(prev), a.previous],
                       check=True)
        trees = {"current": ROOT, "previous": prev}
        rows = {k: [] for k in trees}
        try:
            def args(label, tree, tag):
                f = str(tree / rel) if rel is not None else str(scen.resolve())
                return ["scenario", a.catchment, f, "--quiet", "--overwrite", "-o", str(work / f"{label}-{tag}")]
            for label, tree in trees.items():
                w, c, m = run_child(tree, work / f"cache-{label}", args(label, tree, "fill"), work)
                print(f"  {label}: first run (fills the numba cache) {w:.1f} s wall, {c:.1f} s CPU, {m:.0f} MB",
                      flush=True)
            for i in range(a.pairs):
                for label, tree in trees.items():
                    rows[label].append(run_child(tree, work / f"cache-{label}", args(label, tree, "warm"), work))
                print(f"  pair {i + 1}: " + "; ".join(f"{k} {v[-1][0]:.2f} s, {v[-1][1]:.2f} s CPU, {v[-1][2]:.0f} MB"
                                                    for k, v in rows.items()), flush=True)
            # every output but the report (which names each tree's files) and the folder's owner record
            names = sorted(p.name for p in (work / "current-warm").iterdir() if not p.name.startswith("."))
            same = [n for n in names if n != "report.html" and (work / "previous-warm" / n).exists()
                    and _numbers(work / "current-warm", n) == _numbers(work / "previous-warm", n)]
            differ = [n for n in names if n != "report.html" and n not in same]
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(prev)], check=False)
            shutil.rmtree(prev, ignore_errors=True)
    for label, r in rows.items():
        print(f"{label}: wall mean {st.mean(x[0] for x in r):.2f} s (all: {', '.join(f'{x[0]:.2f}' for x in r)}); "
              f"CPU mean {st.mean(x[1] for x in r):.2f} s; peak memory {max(x[2] for x in r):.0f} MB")
    cur, old = rows["current"], rows["previous"]
    won = sum(c[0] < o[0] for c, o in zip(cur, old))
    wall = st.mean(o[0] / c[0] for c, o in zip(cur, old))
    cpu = st.mean(o[1] / c[1] for c, o in zip(cur, old))
    print(f"previous/current in {len(cur)} alternating pairs: wall {wall:.2f}x (current faster in {won} of "
          f"{len(cur)}), CPU {cpu:.2f}x, peak memory {max(o[2] for o in old) / max(c[2] for c in cur):.2f}x")
    print(f"outputs: {len(same)} files the same ({', '.join(same)})" + (f"; DIFFERENT: {', '.join(differ)}"
                                                                       if differ else ""))
    print(load_average())
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
