"""Time stamps of user files: ISO 8601, and numeric dates with the year last (``31.12.2001``, ``12/31/2001``) whose
day/month order the column itself shows; anything else only with an explicit ``strftime`` format."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from chemistry.errors import InputError

from .notes import note

_OFFSET = r"(?:[Zz]|(?:UTC|GMT)?[+-]\d{2}(?::?\d{2})?)$"
#: a numeric date with the year last: D.M.YYYY, D/M/YYYY or D-M-YYYY (or month first), optionally a clock time
_YEAR_LAST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$")
_YEAR_FIRST = re.compile(r"^\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|\d{4})(?:$|[ T])")
DATE_FORMAT_HINT = ("give the format with --date-format (e.g. '%d.%m.%Y' or '%m/%d/%Y') or date_format in the "
                    "file's table ([drivers] / [observations]; in a station file [samples] / [discharge] / "
                    "[soil_co2])")


def check_date_format(text, where: str) -> str:
    """A ``strftime`` date format (``%d.%m.%Y``): text with a day, month and year directive; refused naming
    ``where`` (the option or key) otherwise."""
    if not isinstance(text, str) or not all(d in text for d in ("%d", "%m")) or not ("%Y" in text or "%y" in text):
        raise InputError(f"{where}: {text!r} is not a date format with %d, %m and %Y (e.g. '%d.%m.%Y', "
                         "'%m/%d/%Y %H:%M')")
    return text


def _row(i: int) -> dict:
    return {"row": i + 2}


def parse_times(raw: pd.Series, path, column: str, date_format: str | None = None, where=_row) -> pd.Series:
    """Time stamps of a CSV column as naive ``datetime64`` values.

    Accepted without a format: ISO 8601 (``2020-05-01``, ``2020-05-01T13:00``, ``20200501``), a year-first date with
    '/' or '.' (``2020/05/01``) and a numeric date with the year last (``31.12.2001``, ``31/12/2001``,
    ``12/31/2001``, optionally with a clock time) when the column itself shows the order: a first number above 12
    somewhere and no second number above 12 is day-first, the reverse month-first (reported in one line,
    :func:`karstmodel.io.notes.note`). A column whose days are all <= 12 could be either and is refused with a hint,
    never guessed; so are two-digit years and mixed forms. ``date_format`` (a ``strftime`` format such as
    ``%d.%m.%Y``) reads every value with that format.

    A UTC offset written after a clock time (``2020-05-01T00:00+02:00``, ``...Z``) is dropped and the clock time
    as written is kept: the day a value belongs to is the day on the clock that wrote it (the local day, for a
    logger running on local time), whatever the offset, also across daylight-saving changes. Without this rule a
    file with offsets would be shifted to UTC and its days would no longer match a drivers file written in local
    days. An unparsable value raises :class:`InputError` naming the file, column and file line (``where(i)`` gives
    the location of the 0-based value i: the file line i + 2 by default)."""
    text = raw.astype("string").str.strip()
    if date_format:
        t = pd.to_datetime(text, errors="coerce", format=date_format)
        bad = (t.isna() & text.notna()).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"date/time {raw.iloc[i]!r} does not match the date format {date_format!r}",
                             file=str(path), column=column, **where(i))
        return _naive(t, raw, path, column, where)
    year_last = text.str.match(_YEAR_LAST).fillna(False).to_numpy(dtype=bool)
    if year_last.any():
        return _year_last(text, raw, year_last, path, column, where)
    has_time = text.str.contains(r"\d[T ]\d{1,2}:\d{2}", regex=True).fillna(False)
    stripped = text.where(~has_time, text.str.replace(r"\s*" + _OFFSET, "", regex=True))
    t = pd.to_datetime(stripped, errors="coerce", format="ISO8601")
    if t.isna().any():  # year-first forms with other separators (2020/05/01, 2020.05.01): never ambiguous
        year_first = stripped.where(t.isna()).str.match(_YEAR_FIRST).fillna(False)
        if year_first.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                t = t.fillna(pd.to_datetime(stripped.where(year_first), errors="coerce", yearfirst=True))
    return _naive(t, raw, path, column, where)


def _naive(t, raw, path, column, where):
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    t = t.astype("datetime64[ns]")
    bad = t.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = raw.iloc[i]
        hint = DATE_FORMAT_HINT if isinstance(value, str) and value.strip() else "a date is needed on every row"
        raise InputError(f"cannot parse date/time {value!r} (ISO 8601 expected, e.g. 2020-05-01 or "
                         f"2020-05-01T13:00; {hint})", file=str(path), column=column, **where(i))
    return t


def _year_last(text, raw, match, path, column, where) -> pd.Series:
    """Numeric dates with the year last (:func:`parse_times`): the order of day and month from the column."""
    if not match.all():
        i = int(np.flatnonzero(~match)[0])
        j = int(np.flatnonzero(match)[0])
        raise InputError(f"date {raw.iloc[i]!r} is not written like {raw.iloc[j]!r} (line {where(j).get('row', j)});"
                         f" write every date the same way ({DATE_FORMAT_HINT})", file=str(path), column=column,
                         **where(i))
    parts = text.str.extract(_YEAR_LAST)
    seps = parts[1].unique()
    if len(seps) > 1:
        i = int(np.flatnonzero((parts[1] != parts[1].iloc[0]).to_numpy())[0])
        raise InputError(f"date {raw.iloc[i]!r} uses another separator than {raw.iloc[0]!r}; write every date the "
                         "same way", file=str(path), column=column, **where(i))
    a, b = parts[0].astype(int).to_numpy(), parts[2].astype(int).to_numpy()
    if (a > 12).any() and (b > 12).any():
        i, j = int(np.flatnonzero(a > 12)[0]), int(np.flatnonzero(b > 12)[0])
        raise InputError(f"dates {raw.iloc[i]!r} and {raw.iloc[j]!r} put the day first and last; write every date "
                         f"the same way ({DATE_FORMAT_HINT})", file=str(path), column=column, **where(j))
    if not (a > 12).any() and not (b > 12).any():
        raise InputError(f"ambiguous dates: no day above 12 in the column (e.g. {raw.iloc[0]!r}), so day-first "
                         f"and month-first read differently; {DATE_FORMAT_HINT}", file=str(path), column=column,
                         **where(0))
    day_first = bool((a > 12).any())
    day, month = (a, b) if day_first else (b, a)
    iso = (parts[3] + "-" + pd.Series(month, index=parts.index).map("{:02d}".format) + "-"
           + pd.Series(day, index=parts.index).map("{:02d}".format))
    iso = iso.where(parts[4].isna(), iso + "T" + parts[4].fillna(""))
    sep = parts[1].iloc[0]
    form = f"DD{sep}MM{sep}YYYY" if day_first else f"MM{sep}DD{sep}YYYY"
    t = pd.to_datetime(iso, errors="coerce", format="ISO8601")
    bad = t.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a calendar date: {raw.iloc[i]!r} read as {form}", file=str(path), column=column,
                         **where(i))
    note(f"{path}: dates in column {column!r} read {'day' if day_first else 'month'}-first ({form})")
    return _naive(t, raw, path, column, where)
