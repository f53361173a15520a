"""Parameters declared once: default, unit, physical bounds, calibration range and transform, and source.

A parameter of a catchment section or of a process (e.g. a reach, :class:`karstmodel.processes.reaches.params.
ReachParameters`) is a dataclass field made with :func:`param`; everything else is generated from that one
declaration: the bounds the catchment reader checks (:func:`bounds_of`), the default calibration range
(:func:`calibration_spec`), and the parameter table of the documentation (:func:`table`). The module imports
nothing from karstmodel and sits below every layer, so that processes declare their own parameters and config and
the workflows read them.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields


@dataclass(frozen=True)
class Param:
    """One parameter's declaration. ``bounds``: the physically admissible range (the reader refuses values outside
    it); ``calibrate``: the default search range (lo, hi) of the calibration, or None when the parameter is not
    calibrated by default; ``transform``: "none" or "log" (search log10 of the value); ``source``: the citation or
    reason for the default and the ranges."""

    unit: str
    bounds: tuple
    calibrate: tuple | None = None
    transform: str = "none"
    source: str = ""


def param(default, unit: str, bounds: tuple, calibrate: tuple | None = None, transform: str = "none",
          source: str = ""):
    """A dataclass field with its :class:`Param` declaration in the field's metadata."""
    lo, hi = bounds
    if default is not None and not lo <= default <= hi:
        raise ValueError(f"default {default} outside its bounds {bounds}")
    if calibrate is not None and not (lo <= calibrate[0] < calibrate[1] <= hi):
        raise ValueError(f"calibration range {calibrate} outside the bounds {bounds}")
    return field(default=default, metadata={"param": Param(unit, tuple(bounds), calibrate, transform, source)})


def declared(cls) -> dict:
    """Field name -> :class:`Param` for the fields of ``cls`` declared with :func:`param`."""
    return {f.name: f.metadata["param"] for f in fields(cls) if "param" in f.metadata}


def bounds_of(cls) -> dict:
    """Field name -> (lo, hi) for the catchment reader."""
    return {k: p.bounds for k, p in declared(cls).items()}


def calibration_spec(cls, name: str) -> tuple:
    """(lo, hi, transform) of the default calibration of field ``name`` of ``cls``."""
    p = declared(cls)[name]
    if p.calibrate is None:
        raise KeyError(f"{cls.__name__}.{name} has no default calibration range")
    return (p.calibrate[0], p.calibrate[1], p.transform)


def table(cls, section: str) -> list[str]:
    """Markdown rows: key, default, unit, bounds, calibration range, source."""
    rows = ["| key | default | unit | bounds | calibrated in | source |", "|---|---|---|---|---|---|"]
    for f in fields(cls):
        p = f.metadata.get("param")
        if p is None:
            continue
        d = f.default if f.default is not MISSING else ""
        cal = "" if p.calibrate is None else f"{p.calibrate[0]:g} .. {p.calibrate[1]:g}" + \
            (" (log)" if p.transform == "log" else "")
        rows.append(f"| [{section}] {f.name} | {d} | {p.unit} | {p.bounds[0]:g} .. {p.bounds[1]:g} | {cal} | "
                    f"{p.source} |")
    return rows
