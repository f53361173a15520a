"""Parameters declared once: default, unit, physical bounds, calibration range and transform, and source.

A parameter of a catchment section or of a process (e.g. snow, :class:`karstmodel.processes.snow.SnowParameters`;
a land-use hydrotope, :class:`karstmodel.processes.landuse.LandUseParameters`; a reach,
:class:`karstmodel.processes.reaches.params.ReachParameters`) is a dataclass field made with :func:`param`;
everything else is generated from that one declaration: the bounds the catchment reader checks (:func:`bounds_of`),
the default calibration range (:func:`calibration_spec`, :func:`scale_spec`), and the parameter tables of the
documentation (:func:`table`, docs/parameters.md). The module imports nothing from karstmodel and sits below every
layer, so that processes declare their own parameters and config and the workflows read them.
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
    scale: tuple | None = None


def param(default, unit: str, bounds: tuple, calibrate: tuple | None = None, transform: str = "none",
          source: str = "", scale: tuple | None = None):
    """A dataclass field with its :class:`Param` declaration in the field's metadata. ``default``: the value, None
    (the field's documented "unset" meaning), or ``dataclasses.MISSING`` for a field without a default (the land-use
    table gives it per class). ``scale``: the default calibration range (lo, hi) of a factor applied to the field
    in every hydrotope (``hydrotopes.*.<field>_scale``), for fields whose values differ by land use."""
    lo, hi = bounds
    if default is not None and default is not MISSING and not lo <= default <= hi:
        raise ValueError(f"default {default} outside its bounds {bounds}")
    if calibrate is not None and not (lo <= calibrate[0] < calibrate[1] <= hi):
        raise ValueError(f"calibration range {calibrate} outside the bounds {bounds}")
    if transform not in ("none", "log") or (transform == "log" and (calibrate is None or calibrate[0] <= 0)):
        raise ValueError(f"transform {transform!r} needs 'none', or 'log' with a positive calibration range")
    if scale is not None and not 0.0 <= scale[0] < scale[1]:
        raise ValueError(f"scale range {scale} must be 0 <= lo < hi")
    return field(default=default, metadata={"param": Param(unit, tuple(bounds), calibrate, transform, source,
                                                           scale)})


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


def scale_spec(cls, name: str) -> tuple:
    """(lo, hi, "none") of the default calibration of the factor on field ``name`` in every hydrotope."""
    p = declared(cls)[name]
    if p.scale is None:
        raise KeyError(f"{cls.__name__}.{name} has no default calibration scale")
    return (p.scale[0], p.scale[1], "none")


def table(cls, section: str) -> list[str]:
    """Markdown rows: key, default, unit, bounds, calibration range, source."""
    rows = ["| key | default | unit | bounds | calibrated in | source |", "|---|---|---|---|---|---|"]
    for f in fields(cls):
        p = f.metadata.get("param")
        if p is None:
            continue
        d = f.default if f.default is not MISSING else "by land use"
        cal = "" if p.calibrate is None else f"{p.calibrate[0]:g} .. {p.calibrate[1]:g}" + \
            (" (log)" if p.transform == "log" else "")
        if p.scale is not None:
            cal = f"x {p.scale[0]:g} .. {p.scale[1]:g}"
        rows.append(f"| [{section}] {f.name} | {d} | {p.unit} | {p.bounds[0]:g} .. {p.bounds[1]:g} | {cal} | "
                    f"{p.source} |")
    return rows
