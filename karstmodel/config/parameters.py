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

import functools
from dataclasses import fields, replace

from .catchment import Catchment
from ..processes.landuse import PARAMETER_BOUNDS

_SECTIONS = ("snow", "reservoirs", "chemistry", "lithology", "acids", "allogenic_water", "allogenic_contact")


#: the stores that have a ``<store>_k_per_d`` and a ``<store>_exponent``: ``reservoirs.<store>_unit_storage_mm``
UNIT_STORAGE_STORES = ("epikarst", "matrix", "conduit", "nonkarst_baseflow")


@functools.lru_cache(maxsize=None)
def _plain_fields(cls) -> frozenset | None:
    """The field names of a dataclass whose ``__init__`` only stores its fields (every field in ``__init__``, no
    ``__post_init__``, instances with a ``__dict__``), else None."""
    fs = fields(cls)
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or any(not f.init for f in fs):
        return None
    return frozenset(f.name for f in fs)


def _copy_with(obj, changes: dict):
    """``dataclasses.replace(obj, **changes)``: for a dataclass whose ``__init__`` only stores its fields, the new
    instance's fields are set directly (the same values, no per-field ``__init__`` call: calibration applies a
    parameter set per model run); any other class, or an unknown field, goes through ``replace``."""
    names = _plain_fields(type(obj))
    if names is None or not names.issuperset(changes):
        return replace(obj, **changes)
    new = object.__new__(type(obj))
    src, dst = obj.__dict__, new.__dict__
    for k in names:
        dst[k] = src[k]
    dst.update(changes)
    return new


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
    """A copy of ``c`` with the named parameters set (see the module docstring for names). The names are applied in
    order (a scale multiplies the value set before it), the unit storages last with the exponents of this call;
    each changed object is copied once. :class:`ParameterPlan` does the same for many value sets of the same names
    (calibration: a parameter set per model run)."""
    return ParameterPlan(c, tuple(values)).apply(values.values())


class ParameterPlan:
    """The names of :func:`apply_parameters` resolved once against catchment ``c``: what each name sets (a section
    field with its type, the hydrotopes it matches, a scale and its bounds, a unit storage); :meth:`apply` then
    sets one set of values, as :func:`apply_parameters` with the same names in the same order would."""

    def __init__(self, c: Catchment, names: tuple):
        self.c = c
        self.names = tuple(names)
        self.steps = []  # per name: (kind, ...) in the order of the names
        for name in self.names:
            parts = name.split(".")
            store = _unit_storage_store(name)
            if store is not None:  # applied last, with the store's exponent of the same call
                self.steps.append(("unit", store))
            elif name == "area_km2":
                self.steps.append(("area",))
            elif parts[0] in _SECTIONS and len(parts) == 2:
                sec = getattr(c, parts[0])
                if parts[1] not in _field_names(type(sec)):
                    raise KeyError(f"unknown parameter {name!r}")
                cur = getattr(sec, parts[1])  # a value set earlier in the call keeps this type
                self.steps.append(("section", parts[0], parts[1], type(cur) if cur is not None else float))
            elif parts[0] in ("hydrotopes", "land_use") and len(parts) == 3:
                field = parts[2]
                scale = field.endswith("_scale") and parts[1] == "*"
                if scale:
                    field = field[: -len("_scale")]
                hit = tuple(i for i, h in enumerate(c.hydrotopes)
                            if parts[1] == "*" or (parts[0] == "hydrotopes" and h.name == parts[1])
                            or (parts[0] == "land_use" and h.land_use == parts[1]))
                if not hit:
                    raise KeyError(f"parameter {name!r} matches no hydrotope")
                # a scale acts on every hydrotope: each field stays within its physical bounds (e.g. a fast-flow
                # share scaled past 1 is 1), the bounds the catchment file is checked against
                bounds = PARAMETER_BOUNDS.get(field) if scale else None
                self.steps.append(("hydrotopes", field, scale, hit, bounds))
            else:
                raise KeyError(f"unknown parameter {name!r}")

    def apply(self, values) -> Catchment:
        """A copy of the catchment with ``values`` (in the order of the names) set; each changed object is copied
        once."""
        c = self.c
        unit_storage = {}
        kw = {}
        sections = {}  # section -> {field: value}
        hyd = None  # per hydrotope {field: value}
        for step, v in zip(self.steps, values, strict=True):
            kind = step[0]
            if kind == "unit":
                unit_storage[step[1]] = float(v)
            elif kind == "area":
                kw["area_km2"] = float(v)
            elif kind == "section":
                sections.setdefault(step[1], {})[step[2]] = step[3](v)
            else:
                _, field, scale, hit, bounds = step
                if hyd is None:
                    hyd = [{} for _ in c.hydrotopes]
                for i in hit:
                    upd = hyd[i]
                    if scale:
                        new = upd.get(field, getattr(c.hydrotopes[i].params, field)) * float(v)
                        if bounds is not None:
                            new = min(max(new, bounds[0]), bounds[1])
                    else:
                        new = float(v)
                    upd[field] = new
        if unit_storage:
            upd = sections.setdefault("reservoirs", {})
            for store, s1 in unit_storage.items():
                a = upd.get(f"{store}_exponent", getattr(c.reservoirs, f"{store}_exponent"))
                upd[f"{store}_k_per_d"] = float(s1 ** (-a))
        for sec, upd in sections.items():
            kw[sec] = _copy_with(getattr(c, sec), upd)
        if hyd is not None:
            kw["hydrotopes"] = tuple(_copy_with(h, {"params": _copy_with(h.params, upd)}) if upd else h
                                     for h, upd in zip(c.hydrotopes, hyd))
        return _copy_with(c, kw) if kw else c


@functools.lru_cache(maxsize=None)
def _field_names(cls) -> frozenset:
    return frozenset(f.name for f in fields(cls))
