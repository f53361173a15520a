"""karstmodel: a karst carbon-cycle process model.

From drivers (precipitation, temperature, PET, land use, lithology) to soil CO2, carbonate dissolution, spring
discharge and chemistry, the karst carbon sink, and the fate of karst DIC downstream. The carbonate chemistry lives
in the separate ``chemistry`` package. The layout of the sub-packages (config, io, processes, model, accounting,
reporting, workflows, cli) and where each process is computed: ``karstmodel/README.md``.

Run a catchment from Python: ``from karstmodel.model.simulate import simulate; result = simulate("kerschbaum")``.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__version__ = "0.1.0"

# numba's compiled-kernel cache, keyed by the sources of both packages (chemistry._numba_cache), before anything
# imports numba: karstmodel's kernels call chemistry's, so a change in either must invalidate both
from pathlib import Path as _Path  # noqa: E402

from chemistry._numba_cache import configure as _configure_numba_cache  # noqa: E402

_configure_numba_cache([_Path(__file__).resolve().parent,
                        _Path(importlib.util.find_spec("chemistry").origin).resolve().parent])

from .config.catchment import load_catchment as _load_catchment, resolve_catchment as _resolve  # noqa: E402


def load_catchment(path):
    """Read and validate a catchment file, its folder or a bundled catchment's name (see
    :mod:`karstmodel.config.catchment`).

    Parameters
    ----------
    path : str or path
        A ``catchment.toml``, the folder holding it, or a bundled name (``kerschbaum``, ``coln_bibury``, ...).

    Returns
    -------
    karstmodel.config.schema.Catchment
        The catchment, every value checked against its declared bounds.

    Raises
    ------
    karstmodel.config.catchment.CatchmentError
        A missing file or a bad key or value, naming the file and the key (a :class:`chemistry.InputError`).
    """
    return _load_catchment(_resolve(path))


#: Module names of release 0.1 (all modules side by side in ``karstmodel/``) -> their module in the layered
#: packages. ``import karstmodel.simulate`` and ``from karstmodel.catchment import load_catchment`` keep working
#: through :class:`_MovedModules` (the old name is the same module object as the new one) with a
#: DeprecationWarning; the old names are removed in release 0.2. ``karstmodel.io``, ``karstmodel.accounting`` and
#: ``karstmodel.cli`` are packages of the same name: their ``__init__`` re-exports the old public names.
MOVED_MODULES = {
    "carbonate": "chemistry.carbonate",  # moved out of the package (absolute name)
    "catchment": "config.catchment",
    "parameters": "config.parameters",
    "drivers": "io.drivers",
    "observations": "io.observations",
    "snow": "processes.snow",
    "hydrology": ("processes.soil_water", "processes.karst_stores", "processes.routing"),  # split in three
    "soil_co2": "processes.soil_co2",
    "dissolution": "processes.dissolution",
    "outlet": "processes.outlet",
    "cave_degassing": "processes.cave_degassing",
    "gas_exchange": "processes.reaches.gas_exchange",
    "light": "processes.reaches.light",
    "surface_water": "processes.surface_water",
    "changes": "processes.changes",
    "landuse": "processes.landuse",
    "simulate": "model.simulate",
    "metrics": "accounting.metrics",
    "calibration": "workflows.calibration",
    "uncertainty": "workflows.uncertainty",
    "sensitivity": "workflows.sensitivity",
    "scenarios": "workflows.scenarios",
    "metabolism": "workflows.metabolism",
    "grid": "workflows.grid",
    "stations": "workflows.stations",
    "station_summary": "workflows.stations.summary",
    "chemistry_validation": "workflows.chemistry_validation",
    "init": "workflows.init",
    "report": "workflows.report",
    "plots": "reporting.plots",
    "plots_surface": "reporting.plots_surface",
    "outputs": "reporting.outputs",
    "commands": "cli",  # the command functions, re-exported by the cli package
    "grid_cli": "cli.grid",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import hook for :data:`MOVED_MODULES`: an old module name resolves to the new module itself (no copy)."""

    def find_spec(self, fullname, path=None, target=None):
        old = fullname[len(__name__) + 1:] if fullname.startswith(__name__ + ".") else None
        return importlib.util.spec_from_loader(fullname, self) if old in MOVED_MODULES else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        old = module.__name__[len(__name__) + 1:]
        target = MOVED_MODULES[old]
        if isinstance(target, tuple):
            # one old module split into several: the old name is a module holding all of their public names
            parts = [importlib.import_module(f"{__name__}.{t}") for t in target]
            warnings.warn(f"{module.__name__} was split into {', '.join(m.__name__ for m in parts)}; the old name "
                          "goes in karstmodel 0.2", DeprecationWarning, stacklevel=2)
            for m in parts:
                module.__dict__.update({k: v for k, v in vars(m).items() if not k.startswith("_")})
            return
        new = target if target.startswith("chemistry.") else f"{__name__}.{target}"
        warnings.warn(f"{module.__name__} moved to {new}; the old name goes in karstmodel 0.2",
                      DeprecationWarning, stacklevel=2)
        # the import system returns what sys.modules holds under the old name after exec_module: the new module
        sys.modules[module.__name__] = importlib.import_module(new)


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())


#: the sink functions offered at the top level, imported from karstmodel.accounting.sink on first use: that module
#: imports scipy.interpolate (~0.4 s), which the process compiling kernels during a first run
#: (karstmodel.model.background_compile, on that run's critical path) does not need
SINK_FUNCTIONS = ("sink_flux", "sink_from_observations", "compare_runs", "zeng_index", "tc_to_tco2")


def __getattr__(name):
    """``karstmodel.sink_flux`` (and the other :data:`SINK_FUNCTIONS`) from :mod:`karstmodel.accounting.sink`;
    ``karstmodel.simulate`` (attribute of the package) for an old module name, as an import would give it."""
    if name in SINK_FUNCTIONS:
        return getattr(importlib.import_module(f"{__name__}.accounting.sink"), name)
    if name in MOVED_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["load_catchment", "sink_flux", "sink_from_observations", "compare_runs", "zeng_index",
           "tc_to_tco2", "__version__"]
