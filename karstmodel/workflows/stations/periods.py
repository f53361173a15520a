"""The calibration and validation periods of a station and the samples in each (split-sample testing).

A period given on the command line (``--calibration``, ``--validation``) replaces the station file's; where only one
of the two is given, the other is the rest of the record.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...config.period import named_periods, parse_period
from .schema import Station


def _sample_mask(times: pd.Series, period) -> np.ndarray:
    """Samples whose date lies in [start, end] (both inclusive, whole days)."""
    d = pd.DatetimeIndex(times).normalize()
    m = np.ones(len(d), dtype=bool)
    if period is None:
        return m
    a, b = period
    if a is not None:
        m &= d >= a.normalize()
    if b is not None:
        m &= d <= b.normalize()
    return m


def _periods(st: Station, calibration=None, validation=None) -> dict:
    c = parse_period(calibration, "--calibration") if calibration is not None else st.calibration_period
    v = parse_period(validation, "--validation") if validation is not None else st.validation_period
    out = named_periods(c, v)
    if c is not None and v is None:  # the rest of the record
        out["validation"] = ("rest", c)
    if v is not None and c is None:
        out["calibration"] = ("rest", v)
    return out


def _period_masks(times, periods: dict) -> dict:
    out = {}
    for k, p in periods.items():
        if isinstance(p, tuple) and len(p) == 2 and p[0] == "rest":
            out[k] = ~_sample_mask(times, p[1])
        else:
            out[k] = _sample_mask(times, p)
    return out


def _period_text(p) -> list | None:
    if p is None:
        return None
    if isinstance(p, tuple) and p and p[0] == "rest":
        return ["rest of the record", None]
    return [str(a.date()) if a is not None else None for a in p]
