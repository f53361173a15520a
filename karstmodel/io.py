"""Reading user files with clear errors, and writing outputs atomically (never a half-written file)."""
from __future__ import annotations

import csv
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from chemistry.errors import InputError


def read_csv(path, **kwargs) -> pd.DataFrame:
    """Read a comma-separated, UTF-8 CSV with '.' as the decimal mark; raises :class:`InputError` naming the file
    for a missing, empty or unparsable file, with a hint where the file looks like another dialect (semicolon-
    or tab-separated, decimal commas, Latin-1 or UTF-16 text), for a column that appears twice in the header,
    and for rows with more fields than the header (pandas would silently turn the extra leading fields into an
    index and shift every column)."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a CSV file", file=str(path))
    default_header = not ({"header", "names", "index_col", "sep", "delimiter"} & set(kwargs))
    if default_header:
        _check_header(p, str(path))
    if default_header:
        kwargs = {**kwargs, "index_col": False}  # never turn extra leading fields into an index (checked below)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(p, **kwargs)
    except pd.errors.ParserWarning:
        raise InputError(f"the data rows have more fields than the header{_FIELDS_HINT}", file=str(path),
                         row=_first_long_row(p)) from None
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({_encoding_hint(p, exc)}); save it as UTF-8", file=str(path)) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse CSV: {str(exc).splitlines()[0]}{_FIELDS_HINT}", file=str(path)) from None
    if df.empty:
        raise InputError("no data rows", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    return df


_FIELDS_HINT = (" (decimal commas such as 7,2? karstmodel reads comma-separated files with '.' as the decimal "
                "mark; or a value with an unquoted ',', or a ',' at the end of the rows)")


def _first_long_row(p: Path):
    """File line (header = 1) of the first row with more fields than the header, or None."""
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            rows = csv.reader(fh)
            width = len(next(rows, []))
            for i, row in enumerate(rows, start=2):
                if len(row) > width:
                    return i
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _encoding_hint(p: Path, exc: UnicodeDecodeError) -> str:
    """What the bytes that are not UTF-8 look like: UTF-16 (a byte-order mark) or Latin-1/Windows-1252."""
    data = p.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "it starts with a UTF-16 byte-order mark"
    try:
        data.decode("utf-8")
        return str(exc)
    except UnicodeDecodeError as whole:  # the position in the whole file (pandas decodes in chunks)
        line = data.count(b"\n", 0, whole.start) + 1
        return f"byte 0x{data[whole.start]:02x} in line {line}; looks like Latin-1/Windows-1252"


def _check_header(p: Path, name: str) -> None:
    """Dialect and duplicate-column checks on the header line (line 1)."""
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            line = fh.readline()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({_encoding_hint(p, exc)}); save it as UTF-8", file=name) from None
    if not line.strip():
        return  # empty file or blank first line: pandas' own messages
    for sep, what in ((";", "semicolon"), ("\t", "tab")):
        if sep in line and "," not in line:
            raise InputError(f"looks like a {what}-separated file (a {sep!r} in the header line); karstmodel "
                             "reads comma-separated files with '.' as the decimal mark: save it as CSV with "
                             "commas", file=name, row=1)
    names = [c.strip() for c in next(csv.reader([line]))]
    seen = set()
    for c in names:
        if c and c in seen:
            raise InputError("duplicate column in the header (each column may appear once)", file=name, column=c,
                             row=1)
        seen.add(c)


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
