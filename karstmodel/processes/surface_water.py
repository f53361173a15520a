"""The reaches below the spring under the module name of docs/interface.md before the split into
:mod:`karstmodel.processes.reaches` (params, carbon_pump, calcite, gas_exchange, light, kernel, fate, simulate).
Re-exports the public names; import them from :mod:`karstmodel.processes.reaches` (this name goes in 0.2)."""
from .reaches import (INFLOW_ELEMENTS, ReachParameters, ReachResult, reach_parameters_from_dict,  # noqa: F401
                      reach_parameters_to_dict, simulate_reaches)
from .reaches.calcite import calcite_flux_mol_m2_s, pwp_rate_mmol_cm2_s  # noqa: F401
from .reaches.carbon_pump import (canopy_light_factor, carbon_limitation, jassby_platt,  # noqa: F401
                                  macrophyte_gpp_mol_c_m2_s, mixed_layer_light_factor, phytoplankton_gpp_mol_c_m3_s,
                                  temperature_factor)
