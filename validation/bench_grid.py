"""Benchmark: regional runs (``karstmodel grid``) in cell-years per second.

Goal of issue 6: 10^5 cell-years in under 10 minutes on 2 cores = 167 cell-years/s.

What it measures, on the demonstration grid (karstmodel.workflows.grid.demo_grid: 4 x 5 cells, 16 years of Kerschbaum drivers):

1. one cell at a time in this process (numba kernel loaded, one numba thread, as in a grid worker): seconds per
   cell-year and where they go, stage by stage (hydrology, soil CO2, recharge chemistry, transport, the reservoir
   reactions, spring speciation, result tables), with the chemistry solves inside each stage (samples, master
   species, Newton iterations);
2. the whole grid through ``simulate_grid`` on ``--workers`` spawned processes, end to end (worker start-up
   included) and with the start-up (measured separately on a tiny grid) taken out;
3. the projection for 10^5 cell-years.

The machine's load average is printed before and after: on a shared machine other jobs slow every number.

    python validation/bench_grid.py [--workers 2] [--rows 4] [--cols 5] [--years 16] [--profile-cells 0,19]
"""
from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import time
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _bench import load_average  # noqa: E402

GOAL_CELL_YEARS_PER_S = 1e5 / 600.0


class StageTimer:
    """Wraps the stages of karstmodel.model.stages (by module attribute) and the chemistry kernel to time them.
    Diagnostics only: it reaches into module attributes, which may move when the model changes."""

    STAGES = [("karstmodel.model.stages", "simulate_snow", "snow"),
              ("karstmodel.model.stages", "simulate_hydrotopes", "hydrotopes (soil water, AET)"),
              ("karstmodel.model.stages", "simulate_karst", "karst reservoirs"),
              ("karstmodel.model.stages", "simulate_soil_co2", "soil CO2"),
              ("karstmodel.processes.dissolution", "recharge_chemistry", "recharge chemistry (tables)"),
              ("karstmodel.processes.dissolution", "transport", "solute transport"),
              ("karstmodel.processes.dissolution", "react_outflow", "reservoir reactions"),
              ("karstmodel.processes.dissolution", "speciate_water", "spring speciation"),
              ("karstmodel.accounting.sink", "timeseries_table", "result tables"),
              ("karstmodel.accounting.sink", "hydrotope_tables", "result tables"),
              ("karstmodel.accounting.sink", "summary", "summary and balances")]

    def __init__(self):
        self.time = defaultdict(float)
        self.solves = defaultdict(lambda: [0, 0.0, 0.0, 0])  # label -> [samples, sample-iterations, s, masters]
        self.stack = []
        self._undo = []

    def install(self):
        import importlib
        for modname, attr, label in self.STAGES:
            mod = importlib.import_module(modname)
            f = getattr(mod, attr, None)
            if f is None:
                continue
            setattr(mod, attr, self._wrap(f, label))
            self._undo.append((mod, attr, f))
        try:
            import chemistry._kernel as kernel
            f = kernel.solve_problem
            kernel.solve_problem = self._wrap_solve(f)
            self._undo.append((kernel, "solve_problem", f))
        except (ImportError, AttributeError):  # pragma: no cover
            pass

    def uninstall(self):
        for mod, attr, f in reversed(self._undo):
            setattr(mod, attr, f)
        self._undo.clear()

    def _wrap(self, f, label):
        @functools.wraps(f)
        def g(*a, **k):
            name = label
            if label == "reservoir reactions":
                mode = a[3] if len(a) > 3 else k.get("mode")
                name = f"reservoir reactions ({'matrix' if mode == 'equilibrium' else 'conduit'}: {mode})"
            self.stack.append(name)
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                self.time[name] += time.perf_counter() - t
                self.stack.pop()
        return g

    def _wrap_solve(self, f):
        @functools.wraps(f)
        def g(p, max_iter, tol):
            t = time.perf_counter()
            r = f(p, max_iter, tol)
            rec = self.solves[self.stack[-1] if self.stack else "other"]
            rec[0] += p.n
            rec[1] += float(np.sum(r[5]))
            rec[2] += time.perf_counter() - t
            rec[3] = max(rec[3], len(p.model.masters))
            return r
        return g


def profile_cells(norm, template, cells, years: float):
    from karstmodel.workflows.grid import cell_inputs, prime_chemistry_kernel
    from karstmodel.workflows.grid.blocks import restore_numba_threads, single_numba_thread
    from karstmodel.model.simulate import simulate
    prime_chemistry_kernel()
    old = single_numba_thread()
    try:
        for i in cells:
            c, d = cell_inputs(norm, i, template, {})
            simulate(c, drivers=d, observations=None, with_reaches=False)  # warm caches
            times = []
            for _ in range(3):
                t = time.perf_counter()
                simulate(c, drivers=d, observations=None, with_reaches=False)
                times.append(time.perf_counter() - t)
            best = min(times)
            cpu0 = time.process_time()
            simulate(c, drivers=d, observations=None, with_reaches=False)
            cpu = time.process_time() - cpu0
            timer = StageTimer()
            timer.install()
            try:
                t = time.perf_counter()
                simulate(c, drivers=d, observations=None, with_reaches=False)
                total = time.perf_counter() - t
            finally:
                timer.uninstall()
            lith = c.lithology
            print(f"\ncell {norm['cell'].values[i]}: {len(c.hydrotopes)} hydrotopes, limestone {lith.limestone:.2f} "
                  f"dolomite {lith.dolomite:.2f} non-carbonate {lith.non_carbonate:.2f}; {years:.0f} years + "
                  f"{template.warmup_days} spin-up days")
            print(f"  run {best:.3f} s wall (best of 3), {cpu:.3f} s CPU = {best / years * 1000:.1f} ms per "
                  f"cell-year = {years / best:.1f} cell-years/s on one core")
            print(f"  stages (instrumented run, {total:.3f} s):")
            covered = 0.0
            for name, s in sorted(timer.time.items(), key=lambda kv: -kv[1]):
                covered += s
                line = f"    {name:<44s} {s * 1000:8.1f} ms {s / total * 100:5.1f} %"
                sv = timer.solves.get(name)
                if sv and sv[0]:
                    line += (f"   chemistry solves {sv[2] * 1000:6.1f} ms: {sv[0]} samples x "
                             f"{sv[1] / sv[0]:.1f} Newton iterations, {sv[3]} master species")
                print(line)
            print(f"    {'other (simulate glue, DataFrames, initial state)':<44s} {(total - covered) * 1000:8.1f} ms "
                  f"{(total - covered) / total * 100:5.1f} %")
            chem = sum(v[2] for v in timer.solves.values())
            print(f"  chemistry Newton solves in all: {chem * 1000:.1f} ms = {chem / total * 100:.0f} % of the run")
    finally:
        restore_numba_threads(old)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rows", type=int, default=4)
    ap.add_argument("--cols", type=int, default=5)
    ap.add_argument("--years", type=int, default=16)
    ap.add_argument("--chunk-cells", type=int, default=None)
    ap.add_argument("--profile-cells", default="0,19", help="cells to profile one by one ('' to skip)")
    args = ap.parse_args(argv)

    from karstmodel.config.catchment import load_catchment, resolve_catchment
    from karstmodel.workflows.grid import demo_grid, simulate_grid, validate_grid
    print(f"karstmodel grid benchmark: {load_average()}")
    template = load_catchment(resolve_catchment("kerschbaum"))
    ds = demo_grid(rows=args.rows, cols=args.cols, years=args.years)
    norm = validate_grid(ds, template=template)
    n = ds.sizes["cell"]
    years = ds.sizes["time"] / 365.25
    cells = [int(c) for c in args.profile_cells.split(",") if c.strip()]
    n_cells = args.rows * args.cols
    if any(not 0 <= c < n_cells for c in cells):
        ap.error(f"--profile-cells {args.profile_cells}: the grid has cells 0..{n_cells - 1} (--rows x --cols)")
    if cells:
        print(f"\n1. one cell at a time in this process (template {template.name})")
        profile_cells(norm, template, cells, years)

    print(f"\n2. the grid through simulate_grid: {n} cells x {years:.1f} years = {n * years:.0f} cell-years, "
          f"{args.workers} worker processes (spawn)")
    tiny = ds.isel(cell=slice(0, min(n, args.workers)), time=slice(0, 30))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    simulate_grid(tiny, template, chunks=1, workers=args.workers, progress=False)
    startup_run = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    startup_cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    t = time.perf_counter()
    simulate_grid(tiny, template, chunks=None, progress=False)
    tiny_serial = time.perf_counter() - t
    startup = max(0.0, startup_run - tiny_serial / max(1, args.workers))
    print(f"  worker start-up (spawn, import, numba cache load, per run): ~{startup:.1f} s")
    t = time.perf_counter()
    out = simulate_grid(ds, template, chunks=args.chunk_cells or "auto", workers=args.workers, progress=False)
    wall = time.perf_counter() - t
    r2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r2.ru_utime + r2.ru_stime) - (r1.ru_utime + r1.ru_stime)
    rate = n * years / wall
    steady = n * years / max(wall - startup, 1e-9)
    print(f"  end to end {wall:.1f} s = {rate:.1f} cell-years/s ({out.attrs['karstmodel_scheduler']}, "
          f"{out.attrs['karstmodel_cells_per_chunk']} cells per chunk)")
    print(f"  without start-up: {steady:.1f} cell-years/s = {steady / args.workers:.1f} per worker")
    cpu_run = max(cpu - startup_cpu, 1e-9)
    idle = args.workers * n * years / cpu_run
    print(f"  CPU time of the worker processes {cpu:.1f} s (start-up ~{startup_cpu:.1f} s of it): "
          f"{n * years / cpu_run:.1f} cell-years per CPU-second -> ~{idle:.0f} cell-years/s on {args.workers} idle "
          "cores")
    t_goal = 1e5 / steady + startup
    print(f"\n3. 10^5 cell-years (goal 10 min = {GOAL_CELL_YEARS_PER_S:.0f} cell-years/s):")
    print(f"  at the measured rate: {t_goal / 60:.1f} min on {args.workers} workers (goal / rate = "
          f"{GOAL_CELL_YEARS_PER_S / steady:.2f})")
    print(f"  from the CPU time, on {args.workers} idle cores: {(1e5 / idle + startup) / 60:.1f} min (goal / rate = "
          f"{GOAL_CELL_YEARS_PER_S / idle:.2f})")
    print(f"\nafter: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
