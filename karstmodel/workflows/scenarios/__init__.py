"""Land-use and management scenarios: how much would an intervention change the karst carbon sink?

A scenario file (TOML) describes changes in time; :func:`apply_scenario` turns it into a catchment with split
hydrotopes and :mod:`karstmodel.processes.changes`; :func:`run_scenario` runs baseline and scenario over the same drivers,
over a parameter ensemble for uncertainty, and reports baseline, scenario and delta blocks (docs/interface.md).

.. code-block:: toml

    name = "reforestation"
    description = "30 % of cropland to forest"

    [[land_use_conversion]]          # a share of every hydrotope of a class (or one hydrotope) becomes another class
    from = "cropland"
    to = "forest"
    fraction = 0.3
    start = "2005-01-01"
    ramp_years = 10                  # hydrology (ET, interception, storage, preferential flow)
    soil_ramp_years = 20             # soil respiration and soil structure (1-2 decades; docs/science.md)
    shape = "linear"                 # or "exponential" (95 % reached after the ramp)

    [[soil_improvement]]             # organic matter and water-holding capacity
    land_use = "cropland"
    r10_factor = 1.15
    root_zone_storage_factor = 1.2
    start = "2005-01-01"
    ramp_years = 5

    [[organic_amendment]]            # manure, residue, compost: a decomposing soil organic-matter pool
    land_use = "cropland"
    carbon_g_m2 = 300                # g C per m2 of the hydrotope each time it is spread
    dates = ["2005-03-01"]           # and/or every_year = "03-01" with start / end
    decay_rate_10c_per_yr = 2.0      # first-order rate constant at 10 C, moist soil (default 2)

    [[irrigation]]                   # exogenous (allogenic) water
    land_use = "cropland"
    volume_mm_yr = 150               # mm over the irrigated hydrotopes per year, spread evenly over the months
    months = [5, 6, 7, 8]
    start = "2005-01-01"
    water = {ca_mmol_l = 0.2, na_mmol_l = 0.3, cl_mmol_l = 0.3, so4_mmol_l = 0.05}   # charge-balanced by HCO3-

    [[aquatic_cultivation]]          # submerged macrophytes in a reach below the spring (whole run)
    reach = "pond"
    macrophyte_cover = 0.8
    macrophyte_biomass_g_m2 = 250

    [[carbonate_powder]]             # calcite powder on the non-carbonate part of hydrotopes
    land_use = "cropland"
    dose_t_ha = 20
    grain_size_um = 100
    date = "2005-04-01"

    [acid_inputs]                    # e.g. fertiliser nitrification: replaces the catchment's class values
    land_use = {cropland = {nitric_mmol_l = 0.4}}

    [climate]                        # delta change or a projection file
    temp_delta_c = 2.0
    precip_factor = 1.05
    soil_temp_delta_c = 0.0          # soil-only warming (heating-cable design): soil CO2 and soil water, not air/PET/snow
    extend_to = "2060-12-31"         # repeat the record to this date, deltas growing linearly over the added days
    # file = "projection.csv"        # date, precip_mm, temp_c [, pet_mm] replacing the drivers

    [uncertainty]
    ensemble = 16                    # parameter sets (SRDB inter-quartile priors, or a GLUE sample file)
    glue_samples = "../out/glue_samples.csv"
    seed = 1

The baseline always runs on the catchment's own drivers, never on the scenario's climate; ``extend_to`` repeats the
record for both runs (without deltas it gives a land-use change time to complete its ramps).

Uncertainty: every ensemble member runs baseline and scenario with the same parameters, so the delta's interval
reflects parameter uncertainty, not noise. Without a GLUE sample file the ensemble varies, per land-use class, soil
respiration R10 and Q10 within the SRDB inter-quartile range (Latin hypercube) and the root-zone storage by
+-25 %. Interval rule: a 90 % interval (5th-95th percentile) needs at least :data:`MIN_MEMBERS_90` = 20 members;
from fewer the min-max range of the members is reported, with its expected coverage (n - 1) / (n + 1). A change
within 1e-6 of the baseline sink is "no change"; one whose interval spans zero has an "uncertain sign". The time to
reach 90 % of the new level is measured on the annual sink difference, relative to its mean over the last three
years; the new state (:func:`time_to_new_state`) and the catchment's response time (:func:`response_time`, with a
warning when the record is shorter) are reported with every run.
"""
from .climate import baseline_drivers, climate_changes, climate_drivers
from .ensembles import glue_ensemble, prior_ensemble
from .file import HYDROLOGY_FIELDS, SOIL_FIELDS, ScenarioError, apply_scenario, load_scenario, scenario_files, \
    scenario_inputs
from .indicators import MIN_MEMBERS_90, NO_CHANGE_RELATIVE, change_label, interval, response_time, time_to_new_state
from .run import run_scenario, time_to_fraction

__all__ = ["ScenarioError", "load_scenario", "scenario_files", "scenario_inputs", "apply_scenario", "HYDROLOGY_FIELDS",
           "SOIL_FIELDS", "baseline_drivers", "climate_drivers", "climate_changes", "prior_ensemble", "glue_ensemble",
           "run_scenario", "time_to_fraction", "MIN_MEMBERS_90", "NO_CHANGE_RELATIVE", "change_label", "interval",
           "response_time", "time_to_new_state"]
