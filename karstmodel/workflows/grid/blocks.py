"""A block of grid cells simulated one after the other in one process (the task that each dask chunk runs), with
numba's compiled chemistry kernel loaded first and one numba thread per cell run."""
from __future__ import annotations

import numpy as np
import pandas as pd

import chemistry

from ..._progress import progress_bar
from ...model.simulate import simulate
from .cells import cell_inputs
from .errors import GridCellError, cell_label
from .inputs import xarray_module
from .outputs import ANNUAL_OUTPUT, CELL_OUTPUTS, DAILY_OUTPUTS, annual_sums, cell_outputs


def run_block(block, template, land_use_parameters: dict, daily: bool = True, progress: bool = False):
    """Simulate every cell of a block (xarray.Dataset, dims cell, time) and return the output block; ``progress``
    shows a bar with ETA over the cells on stderr (:func:`karstmodel._progress.progress_bar`)."""
    xr = xarray_module()
    n, nt = block.sizes["cell"], block.sizes["time"]
    tindex = pd.DatetimeIndex(block["time"].values)
    years = annual_sums(np.zeros((1, nt)), tindex)[0]
    arrays = {k: np.full((n, nt), np.nan) for k in DAILY_OUTPUTS} if daily else {}
    cells = {k: np.full(n, np.nan) for k in CELL_OUTPUTS}
    annual = np.full((n, years.size), np.nan)
    prime_chemistry_kernel()
    threads = single_numba_thread()
    bar = progress_bar(n, "grid cells", show=progress, unit="cell")
    try:
        for i in range(n):
            try:
                c, d = cell_inputs(block, i, template, land_use_parameters)
                res = simulate(c, drivers=d, observations=None, with_reaches=False)
                out = cell_outputs(res)
            except Exception as exc:  # a failed cell names itself; the run stops
                raise GridCellError(f"cell {cell_label(block, i)}: {type(exc).__name__}: {exc}") from None
            if daily:
                for k, v in out["daily"].items():
                    arrays[k][i] = v
            for k, v in out["cell"].items():
                cells[k][i] = v
            annual[i] = annual_sums(out["daily"]["carbon_sink_tc_km2_d"], tindex)[1]
            bar.update(1)
    finally:
        bar.close()
        restore_numba_threads(threads)
    data = {k: (("cell", "time"), v) for k, v in arrays.items()}
    data.update({k: (("cell",), v) for k, v in cells.items()})
    data[ANNUAL_OUTPUT] = (("cell", "year"), annual)
    coords = {"cell": block["cell"].values, "time": block["time"].values, "year": years,
              "latitude": ("cell", np.asarray(block["latitude"].values, dtype=float)),
              "longitude": ("cell", np.asarray(block["longitude"].values, dtype=float))}
    return xr.Dataset(data, coords=coords)


_PRIMED = False


def prime_chemistry_kernel():
    """Load numba's compiled chemistry kernel (chemistry._kernel, the general solve the cells use) in this process,
    from its on-disk cache (compiled on first use), before the first cell is timed or run: one 2000-sample
    equilibrium through the public API, sent to the general path."""
    global _PRIMED
    if _PRIMED:
        return
    chemistry.equilibrate(np.full(2000, 10.0), 1e-2, _fused=False)  # the general kernel, which the cells use
    _PRIMED = True


def single_numba_thread():
    """One numba thread per cell run (cells run in parallel instead); returns the previous setting."""
    try:
        import numba  # deferred: numba is optional (karstmodel._compiled falls back to Python)
        old = numba.get_num_threads()
        numba.set_num_threads(1)
        return old
    except Exception:  # pragma: no cover - numba missing or no threading layer
        return None


def restore_numba_threads(old):
    """Set numba back to ``old`` threads (the value :func:`single_numba_thread` returned; None: nothing to do)."""
    if old is None:
        return
    try:
        import numba
        numba.set_num_threads(old)
    except Exception:  # pragma: no cover
        pass
