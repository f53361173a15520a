"""Parameters declared once (karstmodel.registry): the reader's bounds and the default calibration ranges
of [reservoirs] come from each field's declaration, and every declaration is consistent."""
from __future__ import annotations

import ast
import re
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

import karstmodel

from karstmodel.config.catchment import CatchmentError, ReservoirParameters, load_catchment
from karstmodel.registry import bounds_of, declared, table
from karstmodel.workflows.calibration import default_parameters

from karst_helpers import base_doc, synthetic_drivers, write_catchment


def test_every_reservoir_field_is_declared_with_consistent_ranges():
    decl = declared(ReservoirParameters)
    assert set(decl) == {f.name for f in fields(ReservoirParameters)}
    for f in fields(ReservoirParameters):
        p = decl[f.name]
        lo, hi = p.bounds
        assert f.default is None or lo <= f.default <= hi
        if p.calibrate is not None:
            assert lo <= p.calibrate[0] < p.calibrate[1] <= hi
            assert p.transform in ("none", "log") and (p.transform == "none" or p.calibrate[0] > 0)
    assert len(table(ReservoirParameters, "reservoirs")) == len(decl) + 2


@pytest.mark.parametrize("key", ["epikarst_k_per_d", "conduit_fraction", "routing_delay_d", "matrix_exponent"])
def test_reader_refuses_values_beyond_the_declared_bounds(tmp_path, key):
    lo, hi = bounds_of(ReservoirParameters)[key]
    path = write_catchment(tmp_path / key, base_doc(reservoirs={key: hi * 2 + 1}), synthetic_drivers(days=60))
    with pytest.raises(CatchmentError, match=rf"\[reservoirs\] {key}: must be <= {hi:g}"):
        load_catchment(path)


def test_default_calibration_uses_the_declared_ranges(tmp_path):
    doc = base_doc(lithology={"limestone": 0.7, "dolomite": 0.0, "non_carbonate": 0.3},
                   observations={"file": "observations.csv", "discharge": "outlet"})
    path = write_catchment(tmp_path / "c", doc, synthetic_drivers(days=60))
    (path.parent / "observations.csv").write_text("date,q_m3_s\n2001-01-01,1.0\n")
    specs = {p.name: p for p in default_parameters(load_catchment(path))}
    decl = declared(ReservoirParameters)
    checked = 0
    for name, spec in specs.items():
        if name.startswith("reservoirs.") and name.split(".", 1)[1] in decl:
            p = decl[name.split(".", 1)[1]]
            assert (spec.lower, spec.upper, spec.transform) == (p.calibrate[0], p.calibrate[1], p.transform)
            checked += 1
    assert checked >= 10


# ------------------------------------------------------------------------------------------------------------
# every parameter group of the catchment file: (dataclass, TOML table it is read from)
from karstmodel.config.schema import (AcidInputs, AllogenicContact, AllogenicWater, ChemistryOptions, Lithology,  # noqa: E402
                                      SurfaceWaterOptions)
from karstmodel.config.catchment import catchment_from_dict  # noqa: E402
from karstmodel.processes.landuse import PARAMETER_BOUNDS, LandUseParameters  # noqa: E402
from karstmodel.processes.snow import SnowParameters  # noqa: E402
from repo_paths import REPO  # noqa: E402

GROUPS = {"reservoirs": ReservoirParameters, "chemistry": ChemistryOptions, "snow": SnowParameters,
          "lithology": Lithology, "acid_inputs": AcidInputs, "allogenic_water": AllogenicWater,
          "surface_water": SurfaceWaterOptions, "land_use_parameters.forest": LandUseParameters,
          "allogenic_contact": AllogenicContact}
#: fields that are not numbers (text choices, arrays, tables): the reader checks them otherwise
NOT_NUMBERS = {"recharge_system", "matrix", "conduit", "soil_co2_model", "prior_climate", "database",
               "band_elevations_m", "band_fractions", "by_land_use", "inflow_interpolation", "diel_output", "system",
               "rate_law", "soil_solute_mixing", "organic_acids",
               "organic_anion_fate"}
CASES = [(sec, name) for sec, cls in GROUPS.items() for name in declared(cls)]


@pytest.mark.parametrize("cls", GROUPS.values(), ids=GROUPS.keys())
def test_every_number_of_every_group_is_declared_once_and_consistently(cls):
    decl = declared(cls)
    assert set(decl) == {f.name for f in fields(cls)} - NOT_NUMBERS
    for f in fields(cls):
        if f.name not in decl:
            continue
        p = decl[f.name]
        lo, hi = p.bounds
        assert lo < hi and p.unit and p.source, f.name
        assert f.default is None or isinstance(f.default, type(MISSING)) or lo <= f.default <= hi
        for rng in (p.calibrate, p.scale):
            assert rng is None or rng[0] < rng[1]
        assert p.calibrate is None or lo <= p.calibrate[0] < p.calibrate[1] <= hi


def test_no_name_belongs_to_two_groups():
    """A field name declared in two groups would be two declarations of one parameter (or a confusing pair)."""
    seen = {}
    for sec, cls in GROUPS.items():
        for name in declared(cls):
            assert name not in seen, f"{name} declared in [{seen.get(name)}] and [{sec}]"
            seen[name] = sec


def _doc_with(section: str, key: str, value) -> dict:
    doc = base_doc()
    if section == "land_use_parameters.forest":
        doc["land_use_parameters"] = {"forest": {key: value}}
    elif section == "lithology":
        doc["lithology"] = {"limestone": 1.0, key: value} if key != "limestone" else {key: value}
    else:
        doc[section] = {key: value}
    return doc


@pytest.mark.parametrize("section,key", CASES)
def test_the_reader_refuses_exactly_beyond_the_declared_bounds(tmp_path, section, key):
    """The loader's bounds are the registry's: a value just past either bound is refused with that bound in the
    message (a loader bound that disagrees with the declaration fails here)."""
    lo, hi = declared(GROUPS[section])[key].bounds
    where = f"[{section}] {key}"
    integer = {f.name: f.type for f in fields(GROUPS[section])}[key] == "int"
    step = 1 if integer else max(abs(hi), 1.0) * 1e-6
    with pytest.raises(CatchmentError, match=rf"{re.escape(where)}: must be <= ") as exc:
        catchment_from_dict(_doc_with(section, key, hi + step), tmp_path / "catchment.toml")
    assert float(str(exc.value).rsplit("must be <= ", 1)[1].split(",")[0]) == hi
    with pytest.raises(CatchmentError, match=rf"{re.escape(where)}: must be >= ") as exc:
        catchment_from_dict(_doc_with(section, key, lo - step), tmp_path / "catchment.toml")
    assert float(str(exc.value).rsplit("must be >= ", 1)[1].split(",")[0]) == lo


def test_land_use_bounds_are_generated_from_the_declarations():
    assert PARAMETER_BOUNDS == bounds_of(LandUseParameters)
    assert list(PARAMETER_BOUNDS) == [f.name for f in fields(LandUseParameters)]


def _number(node) -> bool:
    if isinstance(node, ast.UnaryOp):
        return _number(node.operand)
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _pair(node) -> bool:
    return isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) >= 2 and all(_number(e) for e in node.elts[:2])


def second_declarations(source: str, names: set) -> list[tuple]:
    """Hand-written copies of declared parameters in ``source``: a bounds table ({"name": (lo, hi), ...} with two or
    more declared names), a calibration range ParameterSpec("section.name", lo, hi), or a reader check with literal
    bounds (reader.number(table, "name", ..., lo=.., hi=..)); as (line, what, declared names)."""
    found = []

    def declared_name(text) -> str | None:
        if not isinstance(text, str):
            return None
        last = text.rsplit(".", 1)[-1]
        last = last[: -len("_scale")] if last.endswith("_scale") else last
        return last if last in names else None

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            hits = [k.value for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and declared_name(k.value) == k.value and _pair(v)]
            if len(hits) >= 2:
                found.append((node.lineno, "bounds table", tuple(hits)))
        elif isinstance(node, ast.Call):
            strs = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            fname = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if fname == "ParameterSpec" and strs and declared_name(strs[0]) and \
                    sum(_number(a) for a in node.args[1:3]) == 2:
                found.append((node.lineno, "calibration range", (declared_name(strs[0]),)))
            kw = {k.arg: k.value for k in node.keywords}
            hits = tuple(x for x in strs if declared_name(x) == x)
            if fname == "number" and hits and any(_number(kw.get(b)) for b in ("lo", "hi") if b in kw):
                found.append((node.lineno, "reader bounds", hits))
    return found


ALL_NAMES = {name for cls in GROUPS.values() for name in declared(cls)}


def test_the_detector_finds_hand_written_copies():
    """The check below can fail: each kind of second declaration is found."""
    src = ("B = {'q10': (1.0, 6.0), 'porosity': (0.05, 0.8)}\n"
           "s = ParameterSpec('snow.melt_factor_mm_c_d', 1.0, 8.0)\n"
           "t = ParameterSpec('hydrotopes.*.root_zone_storage_mm_scale', 0.5, 2.0)\n"
           "v = r.number(tbl, 'limestone', '[lithology] ', default=0.0, lo=0, hi=1)\n"
           "ok = {'q10': q10_bounds, 'name': ('a', 'b')}\n")
    assert len(second_declarations(src, ALL_NAMES)) == 4


#: the one known exception, to be removed with it: the station files' [model] gas_water_ratio (0..1e6 L/kg, the
#: inverse model of karstmodel.workflows.stations) is read with its own bounds, not [chemistry]'s (0..100)
KNOWN_EXCEPTIONS = {("stations", "gas_water_ratio")}


def test_no_parameter_is_declared_a_second_time_in_the_package():
    pkg = Path(karstmodel.__file__).resolve().parent
    bad = []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg.parent)
        for line, what, hits in second_declarations(path.read_text(encoding="utf-8"), ALL_NAMES):
            if any(rel.parts[2].startswith(mod) and hits == (name,) for mod, name in KNOWN_EXCEPTIONS
                   if len(rel.parts) > 2):
                continue
            bad.append(f"{rel}:{line} {what} of {', '.join(hits)}")
    assert not bad, "declare these once with karstmodel.registry.param: " + "; ".join(bad)


def test_docs_parameter_reference_is_generated_from_the_declarations():
    """docs/parameters.md is karstmodel.config.schema.parameter_reference() (regenerate it after changing a
    declaration: python -c "from karstmodel.config.schema import parameter_reference as p; print(p())" >
    docs/parameters.md)."""
    from karstmodel.config.schema import DECLARED_SECTIONS, parameter_reference
    doc = REPO / "docs" / "parameters.md"
    assert doc.read_text(encoding="utf-8") == parameter_reference() + "\n"
    assert set(DECLARED_SECTIONS.values()) == set(GROUPS.values())
