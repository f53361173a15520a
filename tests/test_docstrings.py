"""numpydoc sections on the public API (docs/interface.md and the ``__all__`` of ``chemistry`` and ``karstmodel``):
every public function with parameters has a Parameters section naming each of them, and every function that returns
something has a Returns section (numpydoc format, https://numpydoc.readthedocs.io/en/latest/format.html). The
sections are found by a small parser (a title line underlined with dashes), so that numpydoc and Sphinx need not be
installed to run the test."""
from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap

import pytest

import chemistry
import karstmodel

#: the functions named in docs/interface.md (module, name), besides the packages' ``__all__``
INTERFACE = [
    ("karstmodel.model.simulate", "simulate"),
    ("karstmodel.io.drivers", "drivers_from_frame"),
    ("karstmodel.workflows.calibration", "calibrate"),
    ("karstmodel.workflows.calibration_setup", "setup_from_catchment"),
    ("karstmodel.workflows.report", "validate_catchment"),
    ("karstmodel.workflows.report", "calibrate_catchment"),
    ("karstmodel.workflows.scenarios", "load_scenario"),
    ("karstmodel.workflows.scenarios", "run_scenario"),
    ("karstmodel.processes.reaches", "simulate_reaches"),
    ("karstmodel.workflows.metabolism", "fit_metabolism"),
    ("karstmodel.workflows.grid", "simulate_grid"),
]
#: functions whose module is being changed on another branch (the calibration search); their sections follow there
PENDING: set = set()


def public_functions() -> dict:
    """{qualified name: function} of the public API."""
    out = {}
    for pkg in (chemistry, karstmodel):
        for name in pkg.__all__:
            obj = getattr(pkg, name)
            if callable(obj) and not isinstance(obj, type):
                out[f"{pkg.__name__}.{name}"] = obj
    for mod, name in INTERFACE:
        out[f"{mod}.{name}"] = getattr(importlib.import_module(mod), name)
    return out


def _function(obj):
    obj = getattr(obj, "py_func", obj)  # a numba dispatcher: its Python function
    return inspect.unwrap(obj)


def sections(doc: str) -> dict:
    """{section title: its text} of a numpydoc docstring (a title line underlined with at least as many dashes)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    heads = [i for i in range(len(lines) - 1)
             if lines[i].strip() and re.fullmatch(r"-{3,}", lines[i + 1].strip())
             and len(lines[i + 1].strip()) >= len(lines[i].strip())]
    out = {}
    for k, i in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(lines)
        out[lines[i].strip()] = "\n".join(lines[i + 2:end])
    return out


def documented_names(block: str) -> set:
    """Parameter names of a Parameters section: the unindented ``name : type`` (or ``a, b : type``) lines."""
    names = set()
    for line in textwrap.dedent(block).splitlines():
        if line and not line[0].isspace():
            for n in line.split(" : ")[0].split(","):
                names.add(n.strip().lstrip("*"))
    return names


def returns_something(fn) -> bool:
    """A ``return`` with a value (other than None) in the function's own body, or a non-None return annotation."""
    ann = inspect.signature(fn).return_annotation
    if ann not in (inspect.Signature.empty, None, "None"):
        return True
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    body = tree.body[0]

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Return) and child.value is not None and not (
                    isinstance(child.value, ast.Constant) and child.value.value is None):
                return True
            if walk(child):
                return True
        return False

    return walk(body)


def missing_sections() -> dict:
    """{qualified name: [what is missing]} over the public API."""
    out = {}
    for qual, obj in public_functions().items():
        fn = _function(obj)
        sec = sections(inspect.getdoc(fn))
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.name not in ("self", "cls") and not p.name.startswith("_")]  # _name: private
        miss = []
        if params:
            if "Parameters" not in sec:
                miss.append("Parameters")
            else:
                undocumented = set(params) - documented_names(sec["Parameters"])
                if undocumented:
                    miss.append(f"Parameters: {', '.join(sorted(undocumented))}")
        if returns_something(fn) and "Returns" not in sec and "Yields" not in sec:
            miss.append("Returns")
        if miss:
            out[qual] = miss
    return out


def test_the_public_api_is_found():
    funcs = public_functions()
    assert len(funcs) == 25
    assert {"chemistry.equilibrate", "karstmodel.sink_flux", "karstmodel.model.simulate.simulate"} <= set(funcs)


def test_public_functions_have_parameters_and_returns_sections():
    missing = {k: v for k, v in missing_sections().items() if k not in PENDING}
    assert not missing, "numpydoc sections missing: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in missing.items())


def test_the_parser_finds_sections_and_names():
    doc = """Summary.

    Parameters
    ----------
    a, b : float
        Two numbers.
    **kwargs
        More.

    Returns
    -------
    float
    """
    sec = sections(doc)
    assert list(sec) == ["Parameters", "Returns"]
    assert documented_names(sec["Parameters"]) == {"a", "b", "kwargs"}
    assert sections("Summary.\n\nNotes: none") == {}


def _returns_value(x):
    return x


def _returns_nothing(x):
    if x:
        return
    return None


def _inner_return_only(x):
    def g():
        return 1
    g()


def _annotated(x) -> float:
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [(_returns_value, True), (_returns_nothing, False),
                                          (_inner_return_only, False), (_annotated, True)])
def test_returns_something_reads_the_function_body(fn, expected):
    assert returns_something(fn) is expected
