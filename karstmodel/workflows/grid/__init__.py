"""Regional runs: every cell of a grid simulated as a catchment, chunked over cells with dask.

Input: an :class:`xarray.Dataset` with dimensions ``cell`` and ``time``
--------------------------------------------------------------------------
=========================  ============  ==========================================================================
variable                   dims          meaning (units in the name; a ``units`` attribute, if present, is checked)
=========================  ============  ==========================================================================
``precip_mm``              time, cell    daily precipitation (mm/d), >= 0
``temp_c``                 time, cell    daily mean air temperature (deg C), -60..60
``pet_mm`` (optional)      time, cell    daily potential evapotranspiration (mm/d), >= 0; without it PET follows
                                         the template's ``[drivers] pet`` method (``oudin``: Oudin et al. 2005 from
                                         ``temp_c`` and the cell's latitude; ``hargreaves`` needs ``tmin_c`` and
                                         ``tmax_c`` (time, cell))
``area_km2``               cell          area the cell's spring (outlet) drains (km2), > 0
``latitude``               cell          degrees north (PET); also the map position
``longitude``              cell          degrees east, -180..360 (values above 180 are wrapped)
``elevation_m``            cell          mean elevation (m a.s.l.; barometric pressure for soil pCO2)
``land_use_<class>``       cell          area fraction of each land-use class
                                         (``karstmodel.processes.landuse.LAND_USE_CLASSES``: forest, shrubland,
                                         grassland, cropland, bare_soil, bare_rock, urban, water); classes not
                                         given are 0; fractions sum to 1 in every cell
``limestone``,             cell          lithology fractions, summing to 1 in every cell
``dolomite``,
``non_carbonate``
``<parameter name>``       cell          optional per-cell parameters by their :mod:`karstmodel.config.parameters`
(optional)                               name, e.g. ``reservoirs.matrix_k_per_d``, ``lithology.allogenic_to_karst``,
                                         ``land_use.forest.r10_gc_m2_d`` (a name holds a dot)
=========================  ============  ==========================================================================

``time`` is a daily axis of consecutive days (datetime64, no gaps); ``cell`` may carry any coordinate (cell ids),
otherwise 0..n-1. The order of dimensions does not matter. Gaps (NaN) are refused, naming variable, cell and date:
fill them before the run (e.g. ``ds.interpolate_na("time")``). Fractions may deviate from 1 by at most 1e-4 (e.g.
float32 regridding); they are then rescaled to sum to 1 exactly. Gridded data on a lat/lon raster become cells with
``ds.stack(cell=("lat", "lon")).reset_index("cell")`` (then rename the coordinates to ``latitude``/``longitude``).

Every cell runs as a catchment built from a template catchment (:func:`cell_catchment`): snow, reservoirs,
chemistry, acid inputs, allogenic water and spin-up from the template; location, area, land use and lithology from
the cell, with one hydrotope per land-use class present (named after the class) carrying the class's default
parameters (``karstmodel.processes.landuse.default_parameters`` for the template's ``prior_climate``) with the
template file's ``[land_use_parameters]`` overrides, then the cell's own parameter variables
(``lithology.allogenic_to_karst`` is the template's unless a cell variable sets it). A template carrying scenario
changes is refused. Surface-water reaches of the template are not part of grid runs. The run is
:func:`karstmodel.model.simulate.simulate` itself, so a grid cell gives exactly the single-catchment result
(tests/test_karstmodel/workflows/test_grid.py checks it to 1e-12).

Output: see :data:`DAILY_OUTPUTS`, :data:`CELL_OUTPUTS` and :func:`simulate_grid`, written as NetCDF following the
CF Conventions 1.8 (Eaton et al. 2020, https://cfconventions.org/Data/cf-conventions/cf-conventions-1.8/
cf-conventions.html): ``units`` (UDUNITS strings) and ``long_name`` on every variable, ``cell_methods`` on the time
statistics (section 7.3) naming a time coordinate with bounds (section 7.1): ``time`` (``time_bnds``: each day) for
the daily values, the scalar ``period`` (``period_bnds``: the recorded period) for the per-cell means and sums,
``year_time`` (``year_time_bnds``: the calendar year; an auxiliary coordinate of ``year``) for the annual sums;
latitude/longitude as auxiliary coordinates of ``cell`` (section 5), global ``title``, ``history``, ``source``,
``references`` (section 2.6.2). ``standard_name`` is given only where the standard name table has a name whose
canonical units ours convert to (latitude, longitude, time, cell_area, surface_altitude, lwe_precipitation_rate for
the mean precipitation); spring-water chemistry and soil-air pCO2 have none (the table's carbonate names are for sea
water), and runoff and evapotranspiration in mm are not convertible to the table's kg m-2. The IOOS
compliance-checker's CF-1.8 check finds no error (tests/test_karstmodel/workflows/test_grid.py). The file is
written atomically (:func:`write_netcdf`).

Parallelism: chunks of cells with dask, locally or on a ``distributed`` cluster (:mod:`.run`).

Modules: ``inputs`` (open and check a grid), ``cells`` (one cell's catchment and drivers), ``outputs`` (the output
variables, one cell's values, calendar-year sums), ``blocks`` (a block of cells in one process), ``run``
(:func:`simulate_grid`: chunks, schedulers), ``netcdf`` (CF attributes, atomic NetCDF writing), ``summary``
(regional aggregates), ``demo`` (the demonstration grid), ``errors``; the maps are drawn by
:mod:`karstmodel.reporting.grid_maps`.
"""
from ...reporting.grid_maps import MAP_VARIABLES, grid_maps
from .blocks import prime_chemistry_kernel
from .cells import cell_catchment, cell_drivers, cell_inputs, template_land_use_parameters
from .demo import (DEMO_CENTRE, DEMO_LAPSE_RATE_K_M, DEMO_PRECIP_EAST_GRADIENT_PER_COL, DEMO_PRECIP_GRADIENT_PER_M,
                   EARTH_RADIUS_KM, cell_area_km2, demo_grid)
from .errors import GridCellError, GridInputError
from .inputs import (FRACTION_TOLERANCE, REQUIRED_CELL_VARS, land_use_variables, open_grid, parameter_variables,
                     validate_grid)
from .netcdf import netcdf_engine, write_netcdf
from .outputs import ANNUAL_OUTPUT, CELL_OUTPUTS, DAILY_OUTPUTS, annual_sums, cell_outputs
from .run import active_client, simulate_grid
from .summary import grid_summary

__all__ = [
    "ANNUAL_OUTPUT", "CELL_OUTPUTS", "DAILY_OUTPUTS", "DEMO_CENTRE", "DEMO_LAPSE_RATE_K_M",
    "DEMO_PRECIP_EAST_GRADIENT_PER_COL", "DEMO_PRECIP_GRADIENT_PER_M", "EARTH_RADIUS_KM", "FRACTION_TOLERANCE",
    "MAP_VARIABLES", "REQUIRED_CELL_VARS", "GridCellError", "GridInputError", "active_client", "annual_sums",
    "cell_area_km2", "cell_catchment", "cell_drivers", "cell_inputs", "cell_outputs", "demo_grid", "grid_maps",
    "grid_summary", "land_use_variables", "netcdf_engine", "open_grid", "parameter_variables",
    "prime_chemistry_kernel", "simulate_grid", "template_land_use_parameters", "validate_grid", "write_netcdf",
]
