"""Stations: what chemistry monitoring can test when no meteorological drivers exist.

A *station* (``station.toml`` with ``kind = "station"``; schema in ``catchments/README.md``, section "Stations") is a
sampling point with water chemistry and sample-time discharge, optionally a continuous daily discharge record and
soil-gas CO2. Without precipitation and temperature the catchment model cannot run, so ``karstmodel validate`` and
``karstmodel calibrate`` test what the data can test, and say so:

1. **Speciation** of every sample with the chemistry core (:func:`chemistry.speciate`): pCO2, SI calcite/dolomite,
   DIC, charge balance, with summary statistics, and the (Ca+Mg)/HCO3 molar ratio (0.5 for pure carbonic-acid
   weathering of calcite or dolomite) as a diagnostic (``speciation``).
2. **Observation-based sink** (flux mode; Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1:
   CSF = 0.5 x 12 x R x DIC): (a) from the samples alone, sampling-biased, the bias reported (``sink``); (b) where
   a continuous daily discharge exists, a concentration-discharge rating with Duan's (1983) smearing applied to the
   daily discharge (``rating``); (c) the carbonic-acid share as a range [DIC - 2 SO4 - NO3, DIC] (``sink``).
3. **Chemistry-model check** (where soil or cave-air CO2 exists): spring DIC predicted by carbonate equilibrium
   (:func:`chemistry.equilibrate`; open, closed and mixed systems, the recharge systems of the catchment model) from
   the measured CO2 at the sample temperature, against the observed DIC (``equilibrium``); with
   ``[model] degassing = "cave_air"`` CO2 exchange of the recharge water with the cave air before the outlet
   (``degassing``).
4. **Calibration** (``calibrate``): split sample (``periods``); the chemistry-model parameters and the rating fitted
   on the calibration period, metrics for both periods, the calibrated ``station.toml`` written.

Modules, one job each: ``schema`` (the station file), ``data`` (its data files), ``speciation``, ``sink``,
``rating``, ``equilibrium``, ``degassing``, ``periods``, ``scores`` (goodness of fit), ``evaluate`` (the summary
dict), ``report`` (its text), ``run`` (``validate``: outputs written), ``calibrate``, ``summary`` (one table over a
folder of stations). The figures are drawn by :mod:`karstmodel.reporting.plots_stations`. The public names are
re-exported here (``from karstmodel.workflows.stations import validate_station``).

Units: DIC in mmol/L (observed DIC = dic_mg_c_l / 12.0111, the formula weight of C in the pinned database, as
:func:`chemistry.speciate` uses); equilibrium results are per kg of water and are compared with per-litre
observations without conversion (difference below 0.05 % for these dilute waters). Carbon masses use the same
12.0111 g/mol (:data:`karstmodel.accounting.M_C`) in Zeng et al. (2019) eq. 1; a year is 365.25 days.
"""
from .calibrate import calibrate_chemistry, calibrate_station, station_document
from .data import (CARBON_COLUMNS, CAVE_AIR_COLUMN, ION_COLUMNS, StationData, load_discharge, load_samples,
                   load_soil_co2, load_station_data)
from .degassing import degassing_block, fit_exchange_number, predict_degassed
from .equilibrium import (EquilibriumObjective, co2_at_samples, fit_equilibrium, predict_equilibrium,
                          pressure_atm)
from .evaluate import evaluate_station
from .periods import _period_masks, _periods
from .rating import Rating, fit_rating, predict_rating, rating_design, rating_load
from .report import result_lines
from .run import station_inputs, validate_station
from .schema import (CO2_SOURCES, DEFAULT_BOUNDS, DEFAULT_EXCHANGE_NUMBER, DEGASSING, OBJECTIVES, SYSTEMS,
                     Station, StationError, SystemParameters, is_station, load_station, station_from_dict)
from .sink import SECONDS_PER_YEAR, bootstrap_samples_flux, carbon_flux_t_c_yr, carbonic_dic, flux_from_samples
from .speciation import GFW_C, describe, observed_dic, speciate_samples, speciation_summary, stoichiometry

__all__ = [
    "CARBON_COLUMNS", "CAVE_AIR_COLUMN", "CO2_SOURCES", "DEFAULT_BOUNDS", "DEFAULT_EXCHANGE_NUMBER", "DEGASSING",
    "EquilibriumObjective", "GFW_C", "ION_COLUMNS", "OBJECTIVES", "Rating", "SECONDS_PER_YEAR", "SYSTEMS", "Station",
    "StationData", "StationError", "SystemParameters", "bootstrap_samples_flux", "calibrate_chemistry",
    "calibrate_station", "carbon_flux_t_c_yr", "carbonic_dic", "co2_at_samples", "degassing_block", "describe",
    "evaluate_station", "fit_equilibrium", "fit_exchange_number", "fit_rating", "flux_from_samples", "is_station",
    "load_discharge", "load_samples", "load_soil_co2", "load_station", "load_station_data", "observed_dic",
    "predict_degassed", "predict_equilibrium", "predict_rating", "pressure_atm", "rating_design", "rating_load",
    "result_lines", "speciate_samples", "speciation_summary", "station_document", "station_from_dict",
    "station_inputs", "stoichiometry", "validate_station", "_period_masks", "_periods",
]
