"""Options that several commands share: whole-number checks, and ``--overwrite`` with the owner of an output
folder (:class:`karstmodel.io.files.OutputOwner`)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..io.columns import parse_mapping, split_mapping
from ..io.files import MARKER, OutputOwner, check_date_format, read_csv
from .errors import UserError


def add_overwrite(parser) -> None:
    """``--overwrite``: replace an existing output folder written by another command or for another input."""
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace an existing output folder that another command or another catchment wrote (or "
                             f"one without {MARKER}); without it such a folder is refused and left as it is (a "
                             "folder of the same command on the same catchment is always replaced)")


def owner(args, command: str, *inputs) -> OutputOwner:
    """The :class:`OutputOwner` of this command's output folder: ``inputs`` (the catchment or station file, a
    scenario file, a grid) as absolute paths joined by ' + '."""
    what = " + ".join(str(Path(p).resolve()) if not isinstance(p, str) or Path(p).exists() else str(p)
                      for p in inputs if p is not None)
    return OutputOwner(command, what, bool(getattr(args, "overwrite", False)))


def count(value, option: str, lo: int = 1, allow=()):
    """A whole-number option: ``None`` (not given) passes; below ``lo`` (and not in ``allow``) is refused."""
    if value is None or value in allow:
        return value
    if value < lo:
        extra = f" (or {', '.join(str(a) for a in allow)})" if allow else ""
        raise UserError(f"{option} must be >= {lo}{extra}, got {value}")
    return value


def add_reading(parser) -> None:
    """``--columns`` and ``--date-format`` for commands that read a catchment's data files."""
    parser.add_argument("--columns", metavar="FILE_COL=MODEL_COL,...",
                        help="map the data files' column names to the model's for this command, e.g. "
                             "precipitation=precip_mm,discharge=q_mm_d (added to the catchment file's [drivers.columns]"
                             " / [observations.columns]; calibrate writes them into the calibrated catchment.toml)")
    parser.add_argument("--date-format", metavar="FORMAT",
                        help="strftime format of the data files' dates, e.g. %%d.%%m.%%Y (default: the catchment "
                             "file's date_format, else ISO or day-/month-first detected)")


def with_reading(args, c):
    """The catchment ``c`` with ``--columns`` (split between its drivers and observations files by their headers,
    :func:`karstmodel.io.columns.split_mapping`) and ``--date-format`` applied; ``c`` itself when neither is given."""
    columns, date_format = getattr(args, "columns", None), getattr(args, "date_format", None)
    if not columns and not date_format:
        return c
    if date_format:
        check_date_format(date_format, "--date-format")
    drivers, observations = c.drivers, c.observations
    if columns:
        drv_cols = list(read_csv(drivers.file, dialects=True, nrows=1).columns)
        obs_cols = (list(read_csv(observations.file, dialects=True, nrows=1).columns)
                    if observations.file is not None else None)
        drv_map, obs_map = split_mapping(parse_mapping(columns), drv_cols, obs_cols)
        drivers = replace(drivers, columns=tuple({**dict(drivers.columns), **drv_map}.items()))
        observations = replace(observations, columns=tuple({**dict(observations.columns), **obs_map}.items()))
    if date_format:
        drivers, observations = replace(drivers, date_format=date_format), replace(observations, date_format=date_format)
    return replace(c, drivers=drivers, observations=observations)


def no_reading_for_stations(args) -> None:
    """Stations have no drivers file: ``--columns`` / ``--date-format`` are refused for them."""
    if getattr(args, "columns", None) or getattr(args, "date_format", None):
        raise UserError("--columns and --date-format apply to catchments, not stations (their files have fixed "
                        "column names; a date format goes into the station file's [samples] / [discharge] / "
                        "[soil_co2] date_format)")
