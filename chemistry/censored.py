"""Reading measured values written as text: numbers, empty cells and detection-limit values such as ``<0.5``.

A value below the detection limit, written ``<L``, is replaced by half the limit, L / 2 (a common substitution;
Helsel 2012, *Statistics for censored environmental data using Minitab and R*, 2nd ed., Wiley, ch. 1, discusses
its bias) and counted. One implementation for every reader (the station reader of ``karstmodel`` and
:func:`chemistry.speciate`), so the same cell means the same number everywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: a censored value ``<L`` is replaced by this fraction of the limit L
DETECTION_LIMIT_FRACTION = 0.5

_DECIMAL_COMMA = re.compile(r"^<?\s*[-+]?\d+,\d+$")


@dataclass(frozen=True)
class ParsedValues:
    """``values``: floats (NaN for empty and unreadable cells; L / 2 for ``<L``); ``censored``: the cells written
    ``<L``; ``bad``: non-empty cells that are not numbers (``abc``, ``n.a.``, ``<``)."""

    values: np.ndarray
    censored: np.ndarray
    bad: np.ndarray


def parse_values(column) -> ParsedValues:
    """Parse one column (a pandas Series or array-like) of measured values (module docstring)."""
    s = column if isinstance(column, pd.Series) else pd.Series(column)
    n = len(s)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return ParsedValues(s.to_numpy(dtype=float), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    text = s.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
    censored = text.str.startswith("<").fillna(False).to_numpy(dtype=bool)
    vals = pd.to_numeric(text.str.lstrip("<").str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~empty & np.isnan(vals)
    vals = np.where(censored, DETECTION_LIMIT_FRACTION * vals, vals)
    return ParsedValues(vals, censored & ~bad, bad)


def describe_bad(value) -> str:
    """Why a cell is not a number, for a one-line message (with a hint for a decimal comma)."""
    text = str(value).strip()
    hint = " (a decimal comma? use '.' as the decimal mark)" if _DECIMAL_COMMA.match(text) else ""
    return f"not a number: {text!r}{hint}"
