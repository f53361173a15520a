"""CSV dialects of data exports: the delimiter (``,``, ``;`` or tab) and the decimal mark (``.`` or ``,``), detected
only where the file leaves no doubt, else refused naming the file, the line and the cause.

Rules:

* Delimiter: the candidates ``,``, ``;`` and tab that occur in the header line (line 1). One candidate (or none):
  that one (comma). Several: the one that splits every data line into as many fields as the header; if that is not
  exactly one candidate, the file is refused (line 1).
* Decimal mark: a comma file has '.' decimals (a ',' inside a number would split it). In a ``;`` or tab file, a
  cell that is a number written with one ',' (``1,5``, ``-0,25``, ``<0,5``) is a decimal comma; such a file with
  also a number written with a '.' (``1.5``) is refused naming both lines (mixed decimal marks, e.g. thousands
  separators), never guessed.

A file that is not plain comma/dot is turned into comma/dot text (decimal commas become points, nothing else
changes) and then parsed exactly as a comma file, so both give the same numbers to the last digit.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from chemistry.errors import InputError

_CANDIDATES = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_COMMA_NUMBER = re.compile(r"^([<>]?\s*[+-]?\d*),(\d+)$")
_DOT_NUMBER = re.compile(r"^[<>]?\s*[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Dialect:
    """A CSV file's delimiter and decimal mark."""

    delimiter: str = ","
    decimal_comma: bool = False

    @property
    def plain(self) -> bool:
        """Comma-separated with '.' decimals (read directly)."""
        return self.delimiter == "," and not self.decimal_comma

    def describe(self) -> str:
        return (f"{_NAMES[self.delimiter]}-separated ({self.delimiter!r}), "
                f"{'decimal commas' if self.decimal_comma else 'decimal points'}")


def _fields(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter), []))


def sniff(text: str, name: str) -> Dialect:
    """The dialect of CSV ``text`` (module rules); ``name`` is the file named in errors."""
    lines = text.splitlines()
    if not lines:
        return Dialect()
    header = lines[0]
    found = [d for d in _CANDIDATES if d in header]
    if len(found) <= 1:
        delimiter = found[0] if found else ","
    else:
        data = [ln for ln in lines[1:] if ln.strip()]
        ok = [d for d in found if all(_fields(ln, d) == _fields(header, d) for ln in data)]
        if len(ok) != 1:
            names = " and ".join(_NAMES[d] for d in found)
            raise InputError(f"cannot tell the delimiter: the header line holds {names} characters and "
                             f"{'both split' if ok else 'neither splits'} every row into as many fields as the "
                             "header; use one delimiter", file=name, row=1)
        delimiter = ok[0]
    if delimiter == ",":
        return Dialect()
    comma_at = dot_at = None
    for i, row in enumerate(csv.reader(lines[1:], delimiter=delimiter), start=2):
        for cell in row:
            c = cell.strip()
            if comma_at is None and _COMMA_NUMBER.match(c):
                comma_at = (i, c)
            elif dot_at is None and _DOT_NUMBER.match(c):
                dot_at = (i, c)
        if comma_at and dot_at:
            raise InputError(f"mixed decimal marks: {comma_at[1]!r} in line {comma_at[0]} and {dot_at[1]!r} in "
                             f"line {dot_at[0]} (thousands separators?); write numbers with one decimal mark and "
                             "no thousands separators", file=name, row=max(comma_at[0], dot_at[0]))
    return Dialect(delimiter, comma_at is not None)


def to_plain(text: str, dialect: Dialect) -> str:
    """CSV text in ``dialect`` as comma-separated text with '.' decimals (decimal commas of numbers become points;
    every other cell is kept as written, quoted where needed)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for row in csv.reader(text.splitlines(), delimiter=dialect.delimiter):
        if dialect.decimal_comma:
            row = [_COMMA_NUMBER.sub(r"\1.\2", c.strip()) if _COMMA_NUMBER.match(c.strip()) else c for c in row]
        w.writerow(row)
    return out.getvalue()


def read_text(p: Path) -> str:
    """The file's text (UTF-8, an optional byte-order mark dropped)."""
    return p.read_text(encoding="utf-8-sig")
