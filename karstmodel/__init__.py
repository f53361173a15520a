"""karstmodel: a karst carbon-cycle process model.

From drivers (precipitation, temperature, PET, land use, lithology) to soil CO2, carbonate dissolution, spring
discharge and chemistry, the karst carbon sink, and the fate of karst DIC downstream. The carbonate chemistry lives
in the separate ``chemistry`` package.

Run a catchment from Python: ``from karstmodel.simulate import simulate; result = simulate("kerschbaum")``.
"""
from .accounting import compare_runs, sink_flux, sink_from_observations, tc_to_tco2, zeng_index


def load_catchment(path):
    """Read and validate a catchment file or a bundled catchment's name (see :mod:`karstmodel.catchment`)."""
    from .catchment import load_catchment as _load, resolve_catchment
    return _load(resolve_catchment(path))

__version__ = "0.1.0"
__all__ = ["load_catchment", "sink_flux", "sink_from_observations", "compare_runs", "zeng_index",
           "tc_to_tco2", "__version__"]
