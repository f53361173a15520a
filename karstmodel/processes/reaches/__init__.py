"""Spring-fed streams and ponds below a karst spring: the biological carbon pump, degassing, calcite, O2.

Karst water leaves the spring supersaturated in CO2 and rich in DIC. In the reaches below it submerged plants and
algae fix DIC into autochthonous organic carbon, CO2 degasses, calcite may precipitate, organic carbon settles and
is partly buried, and the rest flows on (docs/science.md; Liu, Dreybrodt & Wang 2010, Earth-Sci. Rev. 99:162;
Liu et al. 2018, Earth-Sci. Rev. 182:42; de Montety et al. 2011, Chem. Geol. 283:31 for the diel cycles). This
package simulates a chain of reaches (the outflow of one is the inflow of the next) at sub-daily steps
(default 15 min) and returns the diel chemistry, daily metabolism, the fate of the karst DIC and closed carbon and
O2 balances. Entry point: :func:`simulate_reaches`; parameters: :class:`ReachParameters`.

Where each part is computed
---------------------------
* :mod:`.params`: :class:`ReachParameters` (each parameter declared once, with unit, bounds and source) and the
  packed array the compiled loop reads;
* :mod:`.light`: solar geometry, clear-sky PAR, cloudiness, light under water;
* :mod:`.carbon_pump`: aquatic photosynthesis (GPP of submerged macrophytes and phytoplankton: light curve,
  temperature, inorganic-carbon limitation);
* :mod:`.calcite`: calcite precipitation and dissolution (PWP rate on the bed and plant surfaces);
* :mod:`.gas_exchange`: CO2 and O2 exchange with the air (k600, Schmidt numbers, O2 solubility, chemical
  enhancement);
* :mod:`.kernel`: the compiled time loop (geometry, speciation, organic carbon, respiration, burial, O2,
  temperature; the exact linear step) and its model structure;
* :mod:`.fate`: :class:`ReachResult` (assembled block by block from the loop's outputs), the carbon and O2
  balances and the fate of the karst DIC;
* :mod:`.simulate`: :func:`simulate_reaches` (inflow checks, forcing at sub-daily steps).

Units: concentrations mmol/L (= mol/m3; taken equal to mmol/kgw for the chemistry, as in
:mod:`karstmodel.processes.dissolution`), O2 mg/L in outputs, fluxes per m2 of water surface of the reach.
"""
from .fate import ReachResult
from .params import ReachParameters, reach_parameters_from_dict, reach_parameters_to_dict
from .simulate import INFLOW_ELEMENTS, simulate_reaches, summer_week

__all__ = ["ReachParameters", "ReachResult", "simulate_reaches", "reach_parameters_from_dict",
           "reach_parameters_to_dict", "INFLOW_ELEMENTS", "summer_week"]
