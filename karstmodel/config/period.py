"""Calibration and validation periods: ``"START:END"`` with ISO dates, as written in catchment and station files."""
from __future__ import annotations

import pandas as pd

from chemistry.errors import InputError


def parse_period(text, what: str = "period") -> tuple | None:
    """``"START:END"`` (ISO dates; either side may be empty) -> (Timestamp|None, Timestamp|None)."""
    if text is None:
        return None
    if isinstance(text, (list, tuple)) and len(text) == 2:
        a, b = text
    else:
        parts = str(text).split(":")
        if len(parts) != 2:
            raise InputError(f"{what} must be START:END with ISO dates, got {text!r}")
        a, b = parts
    try:
        start = pd.Timestamp(a) if str(a).strip() else None
        end = pd.Timestamp(b) if str(b).strip() else None
    except (ValueError, TypeError):
        raise InputError(f"{what}: cannot parse dates in {text!r}") from None
    if start is not None and end is not None and end < start:
        raise InputError(f"{what}: end {end.date()} is before start {start.date()}")
    return (start, end)


def period_to_text(period) -> str | None:
    """The inverse of :func:`parse_period`: (Timestamp|None, Timestamp|None) -> ``"START:END"`` (ISO dates, an open
    side empty); None stays None."""
    if period is None:
        return None
    a, b = period
    return f"{a.date().isoformat() if a is not None else ''}:{b.date().isoformat() if b is not None else ''}"


def named_periods(calibration, validation) -> dict:
    """The periods that are set, as {"calibration": .., "validation": ..}; with neither, {"validation": None}: the
    whole record is scored as one validation period."""
    if calibration is None and validation is None:
        return {"validation": None}
    out = {}
    if calibration is not None:
        out["calibration"] = calibration
    if validation is not None:
        out["validation"] = validation
    return out
