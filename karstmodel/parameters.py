"""Set catchment parameters by name (used by calibration, sensitivity analysis and scenarios).

Names: ``area_km2``; ``<section>.<field>`` for ``snow``, ``reservoirs``, ``chemistry``, ``lithology``;
``hydrotopes.<name>.<field>`` for one hydrotope; ``land_use.<class>.<field>`` for every hydrotope of a class;
``hydrotopes.*.<field>_scale`` multiplies that field in every hydrotope (e.g. ``hydrotopes.*.root_zone_storage_mm_scale``);
``hydrotopes.*.<field>`` sets that field to one value in every hydrotope (e.g. ``hydrotopes.*.recharge_shape``).
"""
from __future__ import annotations

from dataclasses import fields, replace

from .catchment import Catchment

_SECTIONS = ("snow", "reservoirs", "chemistry", "lithology", "acids", "allogenic_water")


def parameter_value(c: Catchment, name: str) -> float:
    parts = name.split(".")
    if name == "area_km2":
        return c.area_km2
    if parts[0] in _SECTIONS and len(parts) == 2:
        return getattr(getattr(c, parts[0]), parts[1])
    if parts[0] == "hydrotopes" and len(parts) == 3 and parts[1] != "*":
        for h in c.hydrotopes:
            if h.name == parts[1]:
                return getattr(h.params, parts[2])
    if parts[0] == "land_use" and len(parts) == 3:
        for h in c.hydrotopes:
            if h.land_use == parts[1]:
                return getattr(h.params, parts[2])
    if parts[0] == "hydrotopes" and len(parts) == 3 and parts[1] == "*" and parts[2].endswith("_scale"):
        return 1.0
    if parts[0] == "hydrotopes" and len(parts) == 3 and parts[1] == "*" and c.hydrotopes:
        return getattr(c.hydrotopes[0].params, parts[2])  # the value of the first hydrotope
    raise KeyError(f"unknown parameter {name!r}")


def apply_parameters(c: Catchment, values: dict) -> Catchment:
    """A copy of ``c`` with the named parameters set (see the module docstring for names)."""
    for name, v in values.items():
        parts = name.split(".")
        if name == "area_km2":
            c = replace(c, area_km2=float(v))
        elif parts[0] in _SECTIONS and len(parts) == 2:
            sec = getattr(c, parts[0])
            if parts[1] not in {f.name for f in fields(sec)}:
                raise KeyError(f"unknown parameter {name!r}")
            c = replace(c, **{parts[0]: replace(sec, **{parts[1]: type(getattr(sec, parts[1]))(v)
                                                         if getattr(sec, parts[1]) is not None else float(v)})})
        elif parts[0] in ("hydrotopes", "land_use") and len(parts) == 3:
            field = parts[2]
            scale = field.endswith("_scale") and parts[1] == "*"
            if scale:
                field = field[: -len("_scale")]
            hyds = []
            hit = False
            for h in c.hydrotopes:
                match = (parts[1] == "*" or (parts[0] == "hydrotopes" and h.name == parts[1])
                         or (parts[0] == "land_use" and h.land_use == parts[1]))
                if match:
                    hit = True
                    new = getattr(h.params, field) * float(v) if scale else float(v)
                    h = replace(h, params=replace(h.params, **{field: new}))
                hyds.append(h)
            if not hit:
                raise KeyError(f"parameter {name!r} matches no hydrotope")
            c = replace(c, hydrotopes=tuple(hyds))
        else:
            raise KeyError(f"unknown parameter {name!r}")
    return c
