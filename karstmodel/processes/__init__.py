"""The processes of the chain, one module each (snow, soil_water, karst_stores, routing, soil_co2, dissolution,
outlet, cave_degassing, changes), the reaches below the spring as one package (``reaches/``: params, light,
carbon_pump, calcite, gas_exchange, kernel, fate, simulate) and the hydrotope parameter table (landuse). Processes
import only ``chemistry``, each other, the parameter registry and the compiled helpers; never config, io, model or
workflows."""
