"""Regional runs: every cell of a grid simulated as a catchment, chunked over cells with dask.

Parallelism: :func:`xarray.map_blocks` over chunks of cells (Hoyer & Hamman 2017, xarray, J. Open Res. Softw. 5:10;
https://docs.xarray.dev/en/stable/generated/xarray.map_blocks.html) evaluated by dask (Rocklin 2015, Proc. SciPy;
https://docs.dask.org/en/stable/scheduling.html). With an active ``distributed.Client`` the graph runs on that
cluster unchanged; otherwise on local worker processes started with the "spawn" method (numba's threaded chemistry
kernel is not fork-safe, see :mod:`karstmodel._parallel`); each cell's run uses one numba thread. The chemistry
holds the GIL, so threads would not run cells in parallel.
"""
from __future__ import annotations

import os
import time as _time

import numpy as np

from ...config.catchment import Catchment, load_catchment, resolve_catchment
from ..._parallel import single_threaded_children
from ..._progress import progress_bar
from .blocks import run_block
from .cells import template_land_use_parameters
from .errors import GridInputError
from .inputs import validate_grid, xarray_module
from .netcdf import cf_history, finalise_output
from .outputs import ANNUAL_OUTPUT, CELL_OUTPUTS, DAILY_OUTPUTS, annual_sums


def active_client():
    """The active ``distributed.Client`` if there is one (distributed is optional), else None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _chunk_cells(n_cells: int, chunks, workers: int) -> int:
    if chunks in (None, "auto"):
        # about 8 chunks per worker for load balance (a task costs milliseconds, a cell-year tens of them), at
        # most 32 cells per chunk (memory of the daily outputs, progress)
        return int(max(1, min(32, n_cells // (8 * max(1, workers)))))
    if isinstance(chunks, dict):
        chunks = chunks.get("cell", n_cells)
    chunks = int(chunks)
    if chunks < 1 and chunks != -1:
        raise ValueError(f"chunks must be a positive number of cells per chunk, -1 or 'auto', got {chunks}")
    return n_cells if chunks == -1 else chunks


def simulate_grid(ds, template=None, chunks="auto", progress: bool = True, workers: int | None = None,
                  daily: bool = True, land_use_parameters: dict | None = None, source: str | None = None):
    """Simulate every cell of ``ds`` (see :mod:`karstmodel.workflows.grid`) as a catchment built from ``template`` (a
    :class:`karstmodel.config.catchment.Catchment`, a catchment file or bundled name; default the bundled default
    catchment) and return the results as a CF-1.8 :class:`xarray.Dataset`.

    ``chunks``: cells per dask chunk (an int, ``{"cell": n}``, -1 for one chunk, or "auto": the cell chunks of a
    dask-backed input, else about 8 chunks per worker, at most 32 cells); ``None`` runs the cells one after the other
    in this process without dask. With an active ``distributed.Client`` the chunks run on its cluster; otherwise on
    ``workers`` local processes (spawn; default all cores; 1 = dask's synchronous scheduler in this process).
    ``daily=False`` leaves out the daily outputs (memory: 8 bytes x 8 variables per cell-day).
    ``land_use_parameters`` (``{class: {parameter: value}}``) replaces the overrides read from the template's file.

    Output variables: daily (cell, time) :data:`DAILY_OUTPUTS`; per cell :data:`CELL_OUTPUTS` plus ``area_km2``
    and ``elevation_m``; ``carbon_sink_annual_tc_km2_yr`` (cell, year) with ``year_coverage`` (year);
    ``latitude``/``longitude`` as auxiliary coordinates; time coordinates with bounds (:mod:`.netcdf`).

    Parameters
    ----------
    ds : xarray.Dataset
        The grid: dimensions ``cell`` and ``time``, variables as in :mod:`karstmodel.workflows.grid`.
    template : Catchment, str or path, optional
        The catchment each cell is built from; default the bundled default catchment.
    chunks : int, dict, -1, "auto" or None, default "auto"
        Cells per dask chunk, as above.
    progress : bool, default True
        A progress bar with ETA over the cells on stderr (local schedulers and the serial run).
    workers : int, optional
        Local worker processes; default all cores.
    daily : bool, default True
        Include the daily outputs.
    land_use_parameters : dict, optional
        ``{class: {parameter: value}}`` replacing the template file's ``[land_use_parameters]``.
    source : str, optional
        The input's file name, named in error messages.

    Returns
    -------
    xarray.Dataset
        The outputs with CF-1.8 attributes and a ``history`` line; ``karstmodel_run`` states cells, years, time
        and scheduler.

    Raises
    ------
    GridInputError
        A bad grid (naming the variable, cell and date) or a template with scenario changes.
    GridCellError
        A cell's run failed (naming the cell).
    """
    t0 = _time.perf_counter()
    if template is None or not isinstance(template, Catchment):
        template = load_catchment(resolve_catchment(template))
    if getattr(template, "changes", ()):
        raise GridInputError("the template carries scenario changes; grid runs take a catchment without them",
                             source=str(template.source or template.name))
    norm = validate_grid(ds, source=source, template=template)
    lu_pars = template_land_use_parameters(template) if land_use_parameters is None else land_use_parameters
    n = norm.sizes["cell"]
    client = active_client()
    nworkers = _parallel_workers(workers, client)
    kw = dict(template=template, land_use_parameters=lu_pars, daily=daily)
    if chunks is None:
        norm = norm.load()
        out = run_block(norm, progress=progress, **kw)
        scheduler, size = "serial (no dask)", n
    else:
        given = norm["precip_mm"].chunksizes.get("cell") if norm["precip_mm"].chunks is not None else None
        if chunks == "auto" and given is not None:
            size = tuple(int(k) for k in given)  # keep the cell chunks of a dask-backed input
        else:
            size = _chunk_cells(n, chunks, nworkers)
        out, scheduler = _run_dask(norm, size, nworkers, client, progress, kw)
        size = max(size) if isinstance(size, tuple) else size
    seconds = _time.perf_counter() - t0
    out = finalise_output(out, norm, template, daily)
    out.attrs["history"] = cf_history(ds.attrs.get("history"), f"karstmodel.grid.simulate_grid over {n} cells "
                                    f"(template {template.name})")
    years = norm.sizes["time"] / 365.25
    out.attrs["karstmodel_run"] = (f"{n} cells x {years:.2f} years in {seconds:.1f} s "
                                   f"({n * years / seconds:.1f} cell-years/s); scheduler {scheduler}; "
                                   f"{size} cells per chunk")
    out.attrs["karstmodel_run_seconds"] = float(seconds)
    out.attrs["karstmodel_scheduler"] = scheduler
    out.attrs["karstmodel_cells_per_chunk"] = int(size)
    return out


def _parallel_workers(workers, client) -> int:
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # pragma: no cover
            return 1
    if workers is None or workers <= 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use (containers, taskset)
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return int(workers)


def _run_dask(norm, size, nworkers: int, client, progress: bool, kw: dict):
    import dask  # deferred: heavy, needed only by grid runs
    import dask.array as da
    xr = xarray_module()
    n, nt = norm.sizes["cell"], norm.sizes["time"]
    lazy = norm.chunk({"cell": size, "time": -1})
    cell_chunks = lazy.chunks["cell"]
    years = annual_sums(np.zeros((1, nt)), norm["time"].values)[0]
    tmpl = {}
    if kw["daily"]:
        for k in DAILY_OUTPUTS:
            tmpl[k] = (("cell", "time"), da.empty((n, nt), chunks=(cell_chunks, nt), dtype=float))
    for k in CELL_OUTPUTS:
        tmpl[k] = (("cell",), da.empty((n,), chunks=(cell_chunks,), dtype=float))
    tmpl[ANNUAL_OUTPUT] = (("cell", "year"), da.empty((n, years.size), chunks=(cell_chunks, years.size), dtype=float))
    template_ds = xr.Dataset(tmpl, coords={"cell": norm["cell"].values, "time": norm["time"].values, "year": years,
                                           "latitude": ("cell", norm["latitude"].values),
                                           "longitude": ("cell", norm["longitude"].values)})
    lazy_out = xr.map_blocks(run_block, lazy, kwargs=kw, template=template_ds)
    if client is not None:
        scheduler = f"dask.distributed ({client.scheduler.address if client.scheduler else 'client'})"
        return lazy_out.compute(), scheduler
    if nworkers == 1:
        cfg = {"scheduler": "synchronous"}
        scheduler = "dask synchronous (1 process)"
    else:
        cfg = {"scheduler": "processes", "num_workers": nworkers, "multiprocessing.context": "spawn",
               "chunksize": 1}
        scheduler = f"dask processes (spawn, {nworkers} workers)"
    with dask.config.set(cfg), single_threaded_children(), _cell_progress(cell_chunks, progress):
        return lazy_out.compute(), scheduler


def _cell_progress(cell_chunks, show: bool):
    """A dask callback (a context manager) that shows the cells done with an ETA while dask computes inside it."""
    from dask.callbacks import Callback  # deferred: heavy (dask), needed only by grid runs

    class CellProgress(Callback):
        """Cells done, counted from the finished ``run_block`` tasks of the local schedulers (dask's callbacks,
        https://docs.dask.org/en/stable/diagnostics-local.html), shown with :func:`karstmodel._progress.progress_bar`
        (on a terminal or not; dask's own ProgressBar counts tasks, not cells, and redraws in place only)."""

        def __init__(self, cell_chunks, show: bool):
            super().__init__()
            self.cell_chunks = tuple(int(k) for k in cell_chunks)
            self.show = show
            self.bar = None

        def _start(self, dsk):
            self.bar = progress_bar(sum(self.cell_chunks), "grid cells", show=self.show, unit="cell")

        def _posttask(self, key, result, dsk, state, worker_id):
            # map_blocks names its tasks after the function: ("run_block-<token>", cell chunk, time chunk)
            if (isinstance(key, tuple) and len(key) >= 2 and isinstance(key[0], str)
                    and key[0].startswith("run_block-") and isinstance(key[1], int)):
                self.bar.update(self.cell_chunks[key[1]])

        def _finish(self, dsk, state, errored):
            if self.bar is not None:
                self.bar.close()

    return CellProgress(cell_chunks, show)
