"""Package layout (karstmodel/README.md): the sub-packages import one way, no module imports itself back through a
cycle, and the module names of release 0.1 still import (the same module object, with a DeprecationWarning)."""
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import karstmodel

PKG = Path(karstmodel.__file__).resolve().parent

#: lower rank = lower layer; a module may import its own package and lower ranks; packages of equal rank are
#: independent (neither imports the other)
RANK = {"_progress": -1, "_display": -1, "_compiled": 0, "_memory": 0, "_parallel": 0, "registry": 0, "carbonate": 1, "io": 2,
        "processes": 3, "config": 4, "accounting": 4, "model": 5, "reporting": 6, "workflows": 7, "cli": 8, "__main__": 9}


def _modules():
    out = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(mods):
    """module -> {(imported karstmodel module, line)} for every import, function-local ones included."""
    graph = {}
    for name, path in mods.items():
        pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges |= {(t, node.lineno) for t in targets if t in mods and t != name}
        graph[name] = edges
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_layers_import_one_way():
    mods = _modules()
    bad = []
    for src, edges in _imports(mods).items():
        ls = _layer(src)
        if ls is None:  # karstmodel/__init__.py: the public facade
            continue
        for tgt, line in edges:
            lt = _layer(tgt)
            if lt is None:  # `from .. import __version__`
                continue
            if lt != ls and (RANK[lt] > RANK[ls] or RANK[lt] == RANK[ls]):
                bad.append(f"{src}:{line} imports {tgt}")
    assert not bad, "imports against the layers: " + "; ".join(sorted(bad))
    assert {_layer(m) for m in mods if _layer(m)} <= set(RANK), "a new top-level module or package needs a rank"


def test_no_import_cycles():
    graph = {m: {t for t, _ in e} for m, e in _imports(_modules()).items()}
    # a package's __init__ re-exporting its own children is not a cycle
    graph = {m: {t for t in ts if not t.startswith(m + ".") and not m.startswith(t + ".")} for m, ts in graph.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_old_module_names_are_the_new_modules():
    for old, new in karstmodel.MOVED_MODULES.items():
        if isinstance(new, tuple):  # split: tested below
            continue
        new = new if new.startswith("chemistry.") else f"karstmodel.{new}"  # carbonate left the package
        sys.modules.pop(f"karstmodel.{old}", None)
        with pytest.warns(DeprecationWarning, match=new):
            mod = importlib.import_module(f"karstmodel.{old}")
        assert mod is importlib.import_module(new), old
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("karstmodel.catchment", None)
        from karstmodel.catchment import load_catchment
    from karstmodel.config.catchment import load_catchment as new_load
    assert load_catchment is new_load


def test_schema_names_still_import_from_the_catchment_modules():
    """The dataclasses moved to config/schema.py (SnowParameters to processes/snow.py); config.catchment and the 0.1
    name karstmodel.catchment re-export them."""
    from karstmodel.config import catchment, schema
    from karstmodel.processes.snow import SnowParameters
    names = ("Catchment", "Hydrotope", "Lithology", "ReservoirParameters", "ChemistryOptions", "AcidInputs",
             "AllogenicWater", "SurfaceWaterOptions", "DriverSpec", "ObservationSpec", "SnowParameters",
             "LandUseParameters")
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("karstmodel.catchment", None)
        old = importlib.import_module("karstmodel.catchment")
    for n in names:
        assert getattr(catchment, n) is getattr(schema, n) is getattr(old, n), n
    assert catchment.SnowParameters is SnowParameters


def test_an_old_module_split_in_several_offers_all_their_public_names():
    from karstmodel.processes import karst_stores, routing, soil_water
    sys.modules.pop("karstmodel.hydrology", None)
    with pytest.warns(DeprecationWarning, match="karstmodel.processes.routing"):
        old = importlib.import_module("karstmodel.hydrology")
    assert old.simulate_karst is karst_stores.simulate_karst
    assert old.route_store is routing.route_store
    assert old.simulate_hydrotopes is soil_water.simulate_hydrotopes
    assert not hasattr(old, "_soil_loop")


def test_packages_of_old_module_names_reexport_them():
    from karstmodel.accounting import sink
    from karstmodel.cli import parser
    from karstmodel.io import files
    assert karstmodel.io.read_csv is files.read_csv
    assert karstmodel.io.atomic_output_dir is files.atomic_output_dir
    assert karstmodel.accounting.sink_flux is sink.sink_flux
    assert karstmodel.accounting.water_balance is sink.water_balance
    assert karstmodel.cli.main is parser.main


def test_split_packages_reexport_their_public_names():
    """workflows.grid and cli are packages of one-job modules; the names of the former single modules still import
    from the package, and the 0.1 names karstmodel.commands and karstmodel.grid_cli reach the same functions."""
    from karstmodel import cli
    from karstmodel.cli import grid as grid_command, parser, run
    from karstmodel.reporting import grid_maps
    from karstmodel.workflows import grid
    from karstmodel.workflows.grid import netcdf, run as grid_run
    assert grid.simulate_grid is grid_run.simulate_grid and grid.write_netcdf is netcdf.write_netcdf
    assert grid.grid_maps is grid_maps.grid_maps and grid.MAP_VARIABLES is grid_maps.MAP_VARIABLES
    assert len(grid.__all__) == 32 and all(hasattr(grid, n) for n in grid.__all__)
    assert cli.cmd_run is run.cmd_run and cli.cmd_grid is grid_command.cmd_grid
    assert [c.__name__.rsplit(".", 1)[1] for c in parser.COMMANDS] == [
        "speciate", "equilibrate", "run", "validate", "calibrate", "init", "scenario", "grid"]
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("karstmodel.commands", None)
        from karstmodel.commands import cmd_validate
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("karstmodel.grid_cli", None)
        from karstmodel.grid_cli import cmd_grid
    assert cmd_validate is cli.cmd_validate and cmd_grid is grid_command.cmd_grid


def test_data_paths_after_the_move():
    from karstmodel.config.catchment import bundled_catchments
    from karstmodel.processes.landuse import DATA_DIR
    assert (DATA_DIR / "soil_respiration_priors.csv").is_file()
    assert "kerschbaum" in bundled_catchments()


def test_python_m_karstmodel_cli():
    r = subprocess.run([sys.executable, "-m", "karstmodel.cli", "--help"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: karstmodel")
