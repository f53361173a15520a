"""The processes of the chain, one module each (snow, soil_water, karst_stores, routing, soil_co2, dissolution, outlet, cave_degassing,
gas_exchange, light, surface_water, changes), the hydrotope parameter table (landuse) and the parameter registry
(registry: each process declares its parameters with it). Processes import only
``chemistry``, each other and the compiled helpers; never config, io, model or workflows."""
