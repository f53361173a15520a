"""Reading user files with clear errors, and writing outputs atomically (never a half-written file)."""
from __future__ import annotations

import contextlib
import contextvars
import csv
import dataclasses
import datetime as _dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from .dates import check_date_format, parse_times  # noqa: F401 (the public names of karstmodel.io.files)
from .dialect import Dialect, read_text, sniff, to_plain
from .notes import note


def read_toml(path, what: str, error: type[InputError] = InputError) -> dict:
    """Read a UTF-8 TOML file (a catchment, station or scenario file: ``what`` names it in messages). Raises
    ``error`` (an :class:`InputError`) naming the file when it is missing, not a file, or not valid TOML."""
    p = Path(path)
    if not p.is_file():
        raise error(f"{what} file not found", file=str(p))
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"not valid TOML: {exc}", file=str(p)) from None


def read_csv(path, dialects: bool = False, **kwargs) -> pd.DataFrame:
    """Read a UTF-8 CSV; raises :class:`InputError` naming the file for a missing, empty or unparsable file, for a
    column that appears twice in the header, and for rows with more fields than the header (pandas would silently
    turn the extra leading fields into an index and shift every column).

    ``dialects=False``: comma-separated with '.' decimals only, with a hint where the file looks like another
    dialect (semicolon- or tab-separated, decimal commas, Latin-1 or UTF-16 text). ``dialects=True`` (drivers and
    observations): ``;``- and tab-separated files and decimal commas are read where the file leaves no doubt
    (:mod:`karstmodel.io.dialect`), reported in one line (:func:`karstmodel.io.notes.note`), else refused naming
    the line and the cause."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a CSV file", file=str(path))
    default_header = not ({"header", "names", "index_col", "sep", "delimiter"} & set(kwargs))
    source = p
    if default_header:
        dialect = Dialect()
        if dialects:
            try:
                text = read_text(p)
            except UnicodeDecodeError as exc:
                raise InputError(f"not UTF-8 text ({_encoding_hint(p, exc)}); save it as UTF-8",
                                 file=str(path)) from None
            dialect = sniff(text, str(path))
            if not dialect.plain:
                source = io.StringIO(to_plain(text, dialect))
                note(f"{path}: read as {dialect.describe()}")
        _check_header(p, str(path), strict=not dialects, delimiter=dialect.delimiter)
        kwargs = {**kwargs, "index_col": False}  # never turn extra leading fields into an index (checked below)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(source, **kwargs)
    except pd.errors.ParserWarning:
        raise InputError(f"the data rows have more fields than the header{_FIELDS_HINT}", file=str(path),
                         row=_first_long_row(source if isinstance(source, Path) else source.getvalue())) from None
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


def _first_long_row(p):
    """File line (header = 1) of the first row with more fields than the header, or None (``p``: a path, or the
    text itself)."""
    try:
        with (open(p, encoding="utf-8-sig", newline="") if isinstance(p, Path) else io.StringIO(p)) as fh:
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


def _check_header(p: Path, name: str, strict: bool = True, delimiter: str = ",") -> None:
    """Dialect (``strict``: comma files only) and duplicate-column checks on the header line (line 1)."""
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            line = fh.readline()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({_encoding_hint(p, exc)}); save it as UTF-8", file=name) from None
    if not line.strip():
        return  # empty file or blank first line: pandas' own messages
    for sep, what in ((";", "semicolon"), ("\t", "tab")) if strict else ():
        if sep in line and "," not in line:
            raise InputError(f"looks like a {what}-separated file (a {sep!r} in the header line); karstmodel "
                             "reads comma-separated files with '.' as the decimal mark: save it as CSV with "
                             "commas", file=name, row=1)
    names = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
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


def _csv_column(values, float_format):
    """The text of one column as ``DataFrame.to_csv`` writes it (floats through ``float_format`` or ``repr``,
    missing values empty), or None for a dtype left to pandas."""
    kind = values.dtype.kind
    if kind == "f":
        fmt = float_format if float_format is not None else "%r"
        return ["" if v != v else fmt % v for v in values.tolist()]
    if kind in "iub":
        return [str(v) for v in values.tolist()]
    if kind == "M":  # dates only as YYYY-MM-DD, else YYYY-MM-DD HH:MM:SS (pandas' rule)
        return None if np.isnat(values).any() else pd.Series(values).astype(str).tolist()
    if kind in "OUT":
        out = []
        for v in values.tolist():
            if v is None or (isinstance(v, float) and v != v):
                out.append("")
            elif isinstance(v, str):
                out.append(v)
            else:
                return None
        return out
    return None


def _write_csv_fast(df: pd.DataFrame, fh, float_format) -> bool:
    """Write a flat table (float, integer, boolean, date and text columns, no index) as ``DataFrame.to_csv`` does, the
    values formatted column by column (pandas' per-value formatting path takes about 4 us a value). Returns False,
    having written nothing, when a column needs pandas."""
    if isinstance(df.columns, pd.MultiIndex) or not all(isinstance(c, str) for c in df.columns):
        return False
    cols = []
    for k in range(df.shape[1]):
        col = _csv_column(df.iloc[:, k].to_numpy(), float_format)
        if col is None:
            return False
        cols.append(col)
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(list(df.columns))
    w.writerows(zip(*cols))
    return True


def write_csv_atomic(df: pd.DataFrame, path, protect=(), **kwargs):
    """Write ``df`` to ``path`` through a temporary file and an atomic rename. Refuses to overwrite ``protect``.
    Flat tables written without the index, with at most a ``float_format``, take a fast path with the same bytes
    as ``DataFrame.to_csv``."""
    for p in protect:
        if p is not None and _same_file(p, path):
            raise InputError("refusing to overwrite the input file; choose another output path", file=str(path))
    kwargs.setdefault("index", False)
    fast = kwargs["index"] is False and set(kwargs) <= {"index", "float_format"}

    def write(fh):
        if fast and _write_csv_fast(df, fh, kwargs.get("float_format")):
            return
        df.to_csv(fh, **kwargs)

    _atomic_write(path, write)


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


# ------------------------------------------------------------------------------------------------------------
# Output folders: default names and whole-run atomic replacement
_NAME_MAX = 100  # characters of a default output folder name before it is shortened with a hash


def safe_output_name(name: str, suffix: str = "") -> str:
    """A folder name for ``karstmodel-output/`` built from a user's ``name`` (catchment, station or scenario):
    every character other than letters, digits, ``.``, ``_`` and ``-`` becomes ``_`` (no path separators, so the
    folder always lies inside ``karstmodel-output/``), leading dots are removed (no ``..``, no hidden folder), an
    empty result becomes ``unnamed``, and a name longer than 100 characters keeps its first 91 characters and
    gets ``-`` and 8 hex digits of the SHA-1 of the full name (distinct names stay distinct)."""
    full = f"{name}{suffix}"
    text = re.sub(r"[^A-Za-z0-9._-]", "_", full).lstrip(".") or "unnamed"
    if len(text) > _NAME_MAX:
        digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:8]
        text = f"{text[:_NAME_MAX - 9]}-{digest}"
    return text


def default_output_dir(name: str, suffix: str = "") -> Path:
    """``karstmodel-output/<safe name><suffix>`` (see :func:`safe_output_name`)."""
    return Path("karstmodel-output") / safe_output_name(name, suffix)


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _check_output_dir(out: Path, protect) -> None:
    """Refuse output folders that cannot be created or that the replacement would destroy user files in."""
    target = Path(os.path.abspath(out))
    for part in target.parts[1:]:
        if len(part.encode("utf-8")) > 255:
            raise InputError(f"output folder name is too long ({len(part)} characters, at most 255)", file=str(out))
    for anc in [target, *target.parents]:
        if anc.exists():
            if not anc.is_dir():
                what = "output path" if anc == target else f"{anc} (a parent of the output folder)"
                raise InputError(f"{what} exists and is not a folder", file=str(out))
            break
    real = target.resolve()
    for p in protect:
        if p is None:
            continue
        q = Path(p).resolve()
        if _inside(q, real):
            raise InputError(f"the output folder holds an input of this run ({q.name}); writing the run there would "
                             "replace it; choose another output folder", file=str(out))
    if _inside(Path.cwd().resolve(), real):
        raise InputError("the output folder is the current folder or one of its parents; choose another one",
                         file=str(out))
    if target.is_dir() and any(target.iterdir()) and not _is_output_folder(target):
        raise InputError("exists and is not a karstmodel output folder (no summary.json, or other sub-folders); "
                         "its content would be replaced: choose a new or empty folder", file=str(out))


def _is_output_folder(folder: Path) -> bool:
    """A folder an earlier karstmodel run wrote: the marker :data:`MARKER`, ``summary.json`` (a run) or
    ``stations_summary.csv`` (a station group) at the top, and every sub-folder itself such a folder."""
    if not any((folder / f).is_file() for f in (MARKER, "summary.json", "stations_summary.csv")):
        return False
    return all(_is_output_folder(e) for e in folder.iterdir() if e.is_dir())


#: the file every command writes into its output folder: which command wrote it, for which catchment, when
MARKER = ".karstmodel-run.json"


@dataclasses.dataclass(frozen=True)
class OutputOwner:
    """Who writes an output folder: the command (``run``, ``validate``, ...), the input it ran on (the catchment,
    station or grid file; a scenario adds its file) and whether the user allowed replacing another run's folder
    (``--overwrite``)."""

    command: str
    catchment: str
    overwrite: bool = False

    def record(self) -> dict:
        return {"command": self.command, "catchment": self.catchment,
                "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


_OWNER: contextvars.ContextVar = contextvars.ContextVar("karstmodel_output_owner", default=None)


@contextlib.contextmanager
def owning(owner: "OutputOwner | None"):
    """Within the block, :func:`atomic_output_dir` calls without an ``owner`` use ``owner`` (the command line sets
    it around workflows that choose their output folder themselves, e.g. stations)."""
    token = _OWNER.set(owner)
    try:
        yield
    finally:
        _OWNER.reset(token)


def read_marker(folder) -> dict | None:
    """The :data:`MARKER` record of an output folder, or None (absent or unreadable)."""
    try:
        rec = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def _check_owner(out: Path, target: Path, owner: OutputOwner) -> None:
    """An existing, non-empty output folder is replaced only when its marker names the same command and input
    (reported in one line) or with ``owner.overwrite``; otherwise :class:`InputError` before anything is written."""
    if not target.is_dir() or not any(target.iterdir()):
        return
    rec = read_marker(target)
    same = rec is not None and rec.get("command") == owner.command and rec.get("catchment") == owner.catchment
    if same:
        note(f"{out}: replacing the earlier output of `karstmodel {owner.command}` on {owner.catchment}")
        return
    what = (f"was written by `karstmodel {rec.get('command')}` on {rec.get('catchment')}" if rec is not None else
            f"exists and has no {MARKER} (not a folder this version of karstmodel wrote)")
    if owner.overwrite:
        note(f"{out}: --overwrite: replacing it (it {what.removeprefix('exists and ')})")
        return
    raise InputError(f"{what}; `karstmodel {owner.command}` on {owner.catchment} would replace it: choose another "
                     "folder with -o, or give --overwrite", file=str(out))


class _Terminated(BaseException):
    """SIGTERM turned into an exception so that ``finally`` blocks clean up (exit code 143)."""


@contextlib.contextmanager
def _interrupts(active: bool):
    """While a run writes its output folder: SIGINT raises KeyboardInterrupt and SIGTERM :class:`_Terminated`, and
    both are recorded in the yielded list, so that an interrupt Python swallowed (one raised inside a weakref
    callback or ``__del__`` is only printed as "Exception ignored") still stops the run before its outputs are
    published. Previous handlers are restored on exit (main thread only; elsewhere nothing is changed)."""
    got = []
    if not active:
        yield got
        return

    def on_signal(signum, frame):
        got.append(signum)
        raise _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    prev = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield got
    finally:
        for s, h in prev.items():
            signal.signal(s, h)


@contextlib.contextmanager
def _signals_deferred(active: bool):
    """SIGINT and SIGTERM deferred while renaming or cleaning up (main thread only): their Python handlers are
    replaced by one that records the signal, which is raised again, with the previous handlers back, on exit.
    (Python runs signal handlers in the main thread whichever thread the OS delivered the signal to, so this holds
    with compiled worker threads running too, where a thread signal mask would not.)"""
    if not active:
        yield
        return
    got = []
    prev = {s: signal.signal(s, lambda signum, frame: got.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in prev.items():
            signal.signal(s, h)
        for s in dict.fromkeys(got):
            signal.raise_signal(s)


def _interrupt_exception(got: list) -> BaseException:
    return _Terminated() if signal.SIGTERM in got else KeyboardInterrupt()


@contextlib.contextmanager
def atomic_output_dir(path, protect=(), owner: OutputOwner | None = None):
    """Write a run's output folder as one unit. Yields a fresh hidden sibling folder to write into; when the block
    ends without error, the old folder (if any) is moved aside and the new one renamed to ``path`` with SIGINT and
    SIGTERM held back in between, then the old one is deleted. On any error, SIGINT or SIGTERM the sibling is
    deleted and the old folder is left as it was (SIGINT: KeyboardInterrupt; SIGTERM: exit code 143). A reader thus
    sees the complete old set or the complete new set, never a mix, no stale file of an earlier run, and no hidden
    temporary file after a signal.

    Refused before anything is written (:class:`InputError`): a path under a regular file, a name longer than 255
    bytes, a folder that holds one of the run's inputs (``protect``: catchment/station file, drivers,
    observations) or the current folder, and an existing non-empty folder that is not a karstmodel output
    (no ``summary.json``, or sub-folders that are not outputs), whose content the replacement would delete.

    With an ``owner`` (:class:`OutputOwner`; default: the one set by :func:`owning`), the new folder gets the marker
    :data:`MARKER` and an existing folder is replaced only when its marker names the same command and input (said
    in one line, :func:`karstmodel.io.notes.note`) or with ``owner.overwrite``; a folder of another command or
    input, or without the marker, is refused before anything is written."""
    out = Path(path)
    owner = owner if owner is not None else _OWNER.get()
    _check_output_dir(out, protect)
    target = Path(os.path.abspath(out))
    if owner is not None:
        _check_owner(out, target, owner)
    created = []
    parent = target.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    main = threading.current_thread() is threading.main_thread()
    tmp, done = None, False
    try:
        with _interrupts(main) as got:
            try:
                try:
                    # the folder exists only once ``tmp`` names it: a signal in between is held back, so the
                    # clean-up below always knows what to delete
                    with _signals_deferred(main):
                        target.parent.mkdir(parents=True, exist_ok=True)
                        tmp = Path(tempfile.mkdtemp(prefix=".karstmodel-new-", dir=target.parent))
                except OSError as exc:
                    raise InputError(f"cannot create the output folder: {exc.strerror}", file=str(out)) from None
                os.chmod(tmp, 0o777 & ~(0o666 & ~_umask_mode()))  # mkdtemp: 0o700; a folder gets the umask's mode
                if owner is not None:
                    write_json_atomic(owner.record(), tmp / MARKER)
                yield tmp
            except (KeyboardInterrupt, _Terminated):
                raise
            except BaseException:
                if got:  # an error after an interrupt (e.g. one swallowed in a callback) is that interrupt
                    raise _interrupt_exception(got) from None
                raise
            with _signals_deferred(main):
                if got:  # interrupted, but the interrupt was swallowed: the new set is not published
                    raise _interrupt_exception(got)
                aside = None
                try:
                    if target.exists():
                        aside = Path(tempfile.mkdtemp(prefix=".karstmodel-old-", dir=target.parent))
                        os.replace(target, aside / "old")
                    os.replace(tmp, target)
                except OSError as exc:
                    if aside is not None and (aside / "old").exists() and not target.exists():
                        os.replace(aside / "old", target)
                    if aside is not None:
                        shutil.rmtree(aside, ignore_errors=True)
                    raise InputError(f"cannot replace the output folder: {exc.strerror} (is another run writing "
                                     "it?)", file=str(out)) from None
                done, tmp = True, None
                if aside is not None:
                    shutil.rmtree(aside, ignore_errors=True)
    except _Terminated:
        raise SystemExit(143) from None
    finally:
        try:
            with _signals_deferred(main):
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
                if not done:
                    for d in created:  # parents made for this run only
                        try:
                            d.rmdir()
                        except OSError:
                            break
        except _Terminated:
            raise SystemExit(143) from None
