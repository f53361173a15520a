"""The errors of grid runs: bad grid input (naming source, variable and cell) and a failed cell, and the label
that names a cell in their messages."""
from __future__ import annotations

import math

from chemistry.errors import InputError


class GridInputError(InputError):
    """Bad grid input; the message names the source, the variable and the cell."""

    def __init__(self, message: str, *, source: str | None = None, variable: str | None = None, cell=None):
        where = []
        if source:
            where.append(str(source))
        if variable:
            where.append(f"variable {variable!r}")
        if cell is not None:
            where.append(f"cell {cell}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class GridCellError(RuntimeError):
    """A cell's simulation failed (the message names the cell and the cause)."""


def cell_label(ds, i: int) -> str:
    """Cell ``i`` of ``ds`` for a message: its id, with latitude and longitude when known."""
    cid = ds["cell"].values[i] if "cell" in ds.coords else i
    try:
        lat, lon = float(ds["latitude"].values[i]), float(ds["longitude"].values[i])
        if math.isfinite(lat) and math.isfinite(lon):
            return f"{cid} (lat {lat:.4g}, lon {lon:.4g})"
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    return str(cid)
