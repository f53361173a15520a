"""Set catchment parameters by name (used by calibration, sensitivity analysis and scenarios).

Names: ``area_km2``; ``<section>.<field>`` for ``snow``, ``reservoirs``, ``chemistry``, ``lithology``;
``hydrotopes.<name>.<field>`` for one hydrotope; ``land_use.<class>.<field>`` for every hydrotope of a class;
``hydrotopes.*.<field>_scale`` multiplies that field in every hydrotope (e.g. ``hydrotopes.*.root_zone_storage_mm_scale``),
each result kept within the field's bounds (``karstmodel.landuse.PARAMETER_BOUNDS``);
``hydrotopes.*.<field>`` sets that field to one value in every hydrotope (e.g. ``hydrotopes.*.recharge_shape``).

``reservoirs.<store>_unit_storage_mm`` (``<store>`` = ``epikarst``, ``matrix``, ``conduit``, ``nonkarst_baseflow``) is
a calibration coordinate, not a model parameter: the storage S1 (mm) at which the power-law store dS/dt = -k S^a
(:func:`karstmodel.processes.routing.recess`) releases 1 mm/d, i.e. ``<store>_k_per_d`` = S1^-a with the store's exponent a
(the exponent set in the same call, else the catchment's). Searching (a, S1) instead of (a, k) keeps the recession
of a nonlinear store in a sensible range whatever a is: k spans decades with a (GR4J's routing store, a = 5 and
k = 1 / (4 X3^4) (Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275), has S1 = (4 X3^4)^(1/5), 47 mm for
X3 = 87 mm, where the linear store of the same S1 has k = 0.021 / d). Its master recession curve is
-dQ/dt = a k^(1/a) Q^(2 - 1/a) (Brutsaert & Nieber 1977, Water Resour. Res. 13:637; Wittenberg 1999, Hydrol.
Process. 13:715).
"""
from __future__ import annotations

from dataclasses import fields, replace

from .catchment import Catchment
from ..processes.landuse import PARAMETER_BOUNDS

_SECTIONS = ("snow", "reservoirs", "chemistry", "lithology", "acids", "allogenic_water")


#: the stores that have a ``<store>_k_per_d`` and a ``<store>_exponent``: ``reservoirs.<store>_unit_storage_mm``
UNIT_STORAGE_STORES = ("epikarst", "matrix", "conduit", "nonkarst_baseflow")


def _unit_storage_store(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) == 2 and parts[0] == "reservoirs" and parts[1].endswith("_unit_storage_mm"):
        store = parts[1][: -len("_unit_storage_mm")]
        if store in UNIT_STORAGE_STORES:
            return store
    return None


def parameter_value(c: Catchment, name: str) -> float:
    parts = name.split(".")
    store = _unit_storage_store(name)
    if store is not None:
        k = getattr(c.reservoirs, f"{store}_k_per_d")
        a = getattr(c.reservoirs, f"{store}_exponent")
        return float(k ** (-1.0 / a))
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
    unit_storage = {}
    for name, v in values.items():
        parts = name.split(".")
        store = _unit_storage_store(name)
        if store is not None:  # applied last, with the store's exponent of this call
            unit_storage[store] = float(v)
        elif name == "area_km2":
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
                    if scale and field in PARAMETER_BOUNDS:
                        # a scale acts on every hydrotope: each field stays within its physical bounds (e.g. a
                        # fast-flow share scaled past 1 is 1), the bounds the catchment file is checked against
                        lo, hi = PARAMETER_BOUNDS[field]
                        new = min(max(new, lo), hi)
                    h = replace(h, params=replace(h.params, **{field: new}))
                hyds.append(h)
            if not hit:
                raise KeyError(f"parameter {name!r} matches no hydrotope")
            c = replace(c, hydrotopes=tuple(hyds))
        else:
            raise KeyError(f"unknown parameter {name!r}")
    for store, s1 in unit_storage.items():
        a = getattr(c.reservoirs, f"{store}_exponent")
        c = replace(c, reservoirs=replace(c.reservoirs, **{f"{store}_k_per_d": float(s1 ** (-a))}))
    return c
