"""Reading user files with clear errors, and writing outputs atomically (never a half-written file)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from chemistry.errors import InputError


def read_csv(path, **kwargs) -> pd.DataFrame:
    """Read a CSV; a missing, empty or unparsable file raises :class:`InputError` naming it."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a CSV file", file=str(path))
    try:
        df = pd.read_csv(p, **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", file=str(path)) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot parse CSV: {str(exc).splitlines()[0]}", file=str(path)) from None
    if df.empty:
        raise InputError("no data rows", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _same_file(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path, write):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            write(fh)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_csv_atomic(df: pd.DataFrame, path, protect=(), **kwargs):
    """Write ``df`` to ``path`` through a temporary file and an atomic rename. Refuses to overwrite ``protect``."""
    for p in protect:
        if p is not None and _same_file(p, path):
            raise InputError("refusing to overwrite the input file; choose another output path", file=str(path))
    kwargs.setdefault("index", False)
    _atomic_write(path, lambda fh: df.to_csv(fh, **kwargs))


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")


def _clean(o):
    if isinstance(o, float) and not np.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def write_json_atomic(obj, path):
    """Write JSON atomically (NaN/inf become null)."""
    _atomic_write(path, lambda fh: json.dump(_clean(obj), fh, indent=2, default=_json_default))
