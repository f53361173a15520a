"""karstmodel: a karst carbon-cycle process model.

From drivers (precipitation, temperature, PET, land use, lithology) to soil CO2, carbonate dissolution, spring
discharge and chemistry, the karst carbon sink, and the fate of karst DIC downstream. The carbonate chemistry lives
in the separate ``chemistry`` package.
"""
from .accounting import sink_flux, zeng_index, tc_to_tco2

__version__ = "0.1.0"
__all__ = ["sink_flux", "zeng_index", "tc_to_tco2", "__version__"]
