"""``karstmodel grid``: argument handling and printing only (the work is in :mod:`karstmodel.workflows.grid`)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..config.catchment import load_catchment, resolve_catchment
from ..io.files import atomic_output_dir, default_output_dir, write_json_atomic
from .options import add_overwrite, owner
from ..reporting.grid_maps import grid_maps
from .errors import UserError


def register(sub) -> None:
    """The ``grid`` command and its options."""
    g = sub.add_parser(
        "grid", help="regional run: every cell of a NetCDF grid as a catchment (xarray + dask)",
        description="Simulate every cell of a grid (NetCDF, dimensions cell and time: daily precip_mm, temp_c "
        "[, pet_mm]; per cell area_km2, latitude, longitude, elevation_m, land_use_<class> and limestone, "
        "dolomite, non_carbonate fractions) as a catchment built from a template catchment, in parallel over "
        "chunks of cells (dask). Writes OUTDIR/grid.nc (CF-1.8), maps (PNG) and summary.json. --demo runs the "
        "bundled demonstration grid (4 x 5 cells around the Kerschbaum spring, 16 years). Input layout: "
        "karstmodel.grid module documentation.")
    g.add_argument("input", nargs="?", default=None, help="grid NetCDF file (dims cell, time)")
    g.add_argument("--demo", action="store_true", help="run the bundled demonstration grid (karstmodel.grid.demo_grid)")
    g.add_argument("--years", type=int, help="with --demo: only the first N years of the drivers")
    g.add_argument("--catchment", help="template catchment (file, folder or bundled name; default: the bundled "
                   "default catchment)")
    g.add_argument("-o", "--output", help="output folder (default: karstmodel-output/grid-<input name>)")
    g.add_argument("--chunk-cells", type=int,
                   help="cells per dask chunk (default: about 8 chunks per worker, at most 32 cells)")
    g.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 = in this process)")
    g.add_argument("--dask-scheduler", metavar="ADDRESS", help="run on a dask cluster (needs the distributed "
                   "package), e.g. tcp://10.0.0.5:8786")
    g.add_argument("--no-daily", action="store_true", help="write per-cell and annual results only (no daily series)")
    g.add_argument("--no-figures", action="store_true", help="skip the maps")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    add_overwrite(g)
    g.set_defaults(func=cmd_grid)


class _CellFailure(Exception):
    """A cell failed in the run: nothing is written, exit code 1."""


def cmd_grid(args) -> int:
    """Run the grid command; a failed cell is one line on stderr and exit code 1 (nothing written)."""
    try:
        return _cmd_grid(args)
    except _CellFailure as exc:
        print(f"karstmodel grid: error: {exc} (nothing written)", file=sys.stderr)
        return 1


def _cmd_grid(args) -> int:
    if args.demo and args.input:
        raise UserError("give a grid file or --demo, not both")
    if not args.demo and not args.input:
        raise UserError("give a grid file (NetCDF, dims cell and time) or --demo")
    if args.years is not None and not args.demo:
        raise UserError("--years applies to --demo only (select the period of your own grid before the run)")
    if args.years is not None and args.years < 1:
        raise UserError(f"--years must be >= 1, got {args.years}")
    if args.chunk_cells is not None and args.chunk_cells < 1:
        raise UserError(f"--chunk-cells must be >= 1, got {args.chunk_cells}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    t0 = time.perf_counter()
    path = resolve_catchment(args.catchment)
    try:
        from ..workflows.stations import is_station  # deferred: heavy (karstmodel.cli)
        if is_station(path):
            raise UserError(f"{path}: a station cannot be a grid template; give a catchment")
    except ImportError:  # pragma: no cover
        pass
    template = load_catchment(path)
    from ..workflows import grid  # deferred: heavy (karstmodel.cli)
    if args.demo:
        ds = grid.demo_grid(years=args.years)
        source, name = "demo grid (karstmodel.grid.demo_grid)", "grid-demo"
        inputs = []
    else:
        ds = grid.open_grid(args.input)
        source, name = str(args.input), f"grid-{Path(args.input).stem}"
        inputs = [Path(args.input)]
    outdir = Path(args.output) if args.output else default_output_dir(name)
    with atomic_output_dir(outdir, protect=inputs + ([template.source] if template.source else []),
                           owner=owner(args, "grid", path, *(inputs or ["demo"]))) as tmp:
        rc = _run_and_write(args, ds, template, source, inputs, tmp, outdir, t0)
    return rc


def _run_and_write(args, ds, template, source, inputs, tmp: Path, outdir: Path, t0: float) -> int:
    """Simulate the grid and write its outputs into ``tmp`` (the new output folder before its final rename)."""
    from ..workflows import grid  # deferred: heavy (karstmodel.cli)
    client = None
    if args.dask_scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UserError("--dask-scheduler needs the distributed package (pip install distributed)") from None
        client = Client(args.dask_scheduler)
    try:
        out = grid.simulate_grid(ds, template, chunks=args.chunk_cells or "auto", progress=not args.quiet,
                                 workers=args.workers, daily=not args.no_daily, source=source)
    except grid.GridCellError as exc:
        raise _CellFailure(str(exc)) from None
    finally:
        if client is not None:
            client.close()
    paths = {"grid": grid.write_netcdf(out, tmp / "grid.nc", protect=inputs)}
    if args.demo:
        paths["demo_input"] = grid.write_netcdf(ds, tmp / "demo_input.nc")
    if not args.no_figures:
        paths.update({f"map_{k}": p for k, p in grid_maps(out, tmp, template.name + " grid").items()})
    summary = grid.grid_summary(out)
    summary.update({
        "input": source, "template_source": str(template.source) if template.source else None,
        "run": {"seconds": out.attrs["karstmodel_run_seconds"], "scheduler": out.attrs["karstmodel_scheduler"],
                "cells_per_chunk": out.attrs["karstmodel_cells_per_chunk"],
                "cell_years_per_s": summary["cell_years"] / out.attrs["karstmodel_run_seconds"]},
        "outputs": {k: p.name for k, p in paths.items()},
    })
    paths["summary"] = tmp / "summary.json"
    summary["outputs"]["summary"] = "summary.json"
    write_json_atomic(summary, paths["summary"])
    s = summary
    dt = time.perf_counter() - t0
    print("\n".join([
        f"karstmodel grid: {s['cells']} cells x {s['years']:.1f} years ({source}; template {template.name})",
        f"  period {s['period']['start']} .. {s['period']['end']}, total area {s['total_area_km2']:.1f} km2",
        f"  karst carbon sink {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1 (area-weighted; cells "
        f"{s['per_cell_range']['carbon_sink_tc_km2_yr']['min']:.2f} .. "
        f"{s['per_cell_range']['carbon_sink_tc_km2_yr']['max']:.2f}) = {s['carbon_sink_t_co2_yr']:.0f} t CO2/yr",
        f"  spring runoff {s['runoff_mm_yr']:.0f} mm/yr, DIC {s['dic_mmol_l_flow_weighted'] or float('nan'):.2f} "
        f"mmol/L (flow-weighted), soil pCO2 {s['soil_pco2_ppm_mean']:.0f} ppm",
        f"  balances: water {s['water_balance_error']:.1e}, carbon {s['carbon_balance_error']:.1e} (largest relative "
        f"error over the cells)",
        f"  {s['run']['cell_years_per_s']:.1f} cell-years/s ({s['run']['scheduler']}, {s['run']['cells_per_chunk']} "
        f"cells per chunk)",
        f"  wrote {outdir}/ ({', '.join(p.name for p in paths.values())}) in {dt:.1f} s",
    ]))
    return 0
