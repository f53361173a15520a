"""The outputs of a grid run: the daily and per-cell variables (name, long name, units, cell methods), their values
from one cell's simulation result, and calendar-year sums."""
from __future__ import annotations

import numpy as np
import pandas as pd

#: (long_name, units, cell_methods) of the daily outputs (cell, time)
DAILY_OUTPUTS = {
    "runoff_mm": ("spring runoff depth per day (spring discharge over the cell area)", "mm", "time: sum"),
    "outlet_runoff_mm": ("runoff depth at the outlet per day (spring + surface runoff)", "mm", "time: sum"),
    "aet_mm": ("actual evapotranspiration from the soil per day (transpiration + soil evaporation; interception "
               "evaporation excluded), area-weighted over land use", "mm", "time: sum"),
    "dic_mmol_l": ("dissolved inorganic carbon of the spring water", "mmol L-1", "time: mean"),
    "carbon_sink_tc_km2_d": ("karst carbon sink per day (carbonic-acid weathering, outlet based), as carbon",
                             "t km-2 d-1", "time: sum"),
    "soil_pco2_ppm": ("soil-air CO2 partial pressure at depth, area-weighted over land use", "ppm", "time: mean"),
    "ph": ("pH of the spring water", "1", "time: mean"),
    "si_calcite": ("calcite saturation index of the spring water, log10(IAP/K)", "1", "time: mean"),
}
#: (long_name, units) of the per-cell outputs (cell); means over the recorded period
CELL_OUTPUTS = {
    "carbon_sink_tc_km2_yr": ("mean karst carbon sink, CSF = 0.5 x 12 x R x DIC_carbonic (Zeng et al. 2019 "
                              "eq. 1), "
                              "outlet based, as carbon", "t km-2 yr-1"),
    "carbon_sink_t_co2_yr": ("mean karst carbon sink of the whole cell area, as CO2", "t yr-1"),
    "runoff_mm_yr": ("mean spring runoff depth", "mm yr-1"),
    "outlet_runoff_mm_yr": ("mean runoff depth at the outlet (spring + surface runoff)", "mm yr-1"),
    "dic_mmol_l_flow_weighted": ("flow-weighted mean DIC of the spring water", "mmol L-1"),
    "precip_mm_yr": ("mean precipitation", "mm yr-1"),
    "aet_mm_yr": ("mean actual evapotranspiration including interception evaporation", "mm yr-1"),
    "soil_pco2_ppm_mean": ("mean soil-air CO2 partial pressure at depth, area-weighted over land use", "ppm"),
    "water_balance_error": ("relative residual of the water balance over the recorded period", "1"),
    "carbon_balance_error": ("relative residual of the inorganic carbon balance over the recorded period", "1"),
}
ANNUAL_OUTPUT = "carbon_sink_annual_tc_km2_yr"


def cell_outputs(result) -> dict:
    """The grid outputs of one :class:`karstmodel.model.simulate.SimulationResult`:
    daily arrays and per-cell values."""
    ts, s, c = result.timeseries, result.summary, result.catchment
    frac = np.array([h.fraction for h in c.hydrotopes])
    soil = np.column_stack([ts[f"soil_pco2_ppm_{h.name}"].to_numpy(float) for h in c.hydrotopes]) @ frac
    daily = {"runoff_mm": ts["spring_mm"].to_numpy(float), "outlet_runoff_mm": ts["outlet_runoff_mm"].to_numpy(float),
             "aet_mm": ts["aet_mm"].to_numpy(float), "dic_mmol_l": ts["dic_mmol_l"].to_numpy(float),
             "carbon_sink_tc_km2_d": ts["carbon_sink_tc_km2_d"].to_numpy(float), "soil_pco2_ppm": soil,
             "ph": ts["ph"].to_numpy(float), "si_calcite": ts["si_calcite"].to_numpy(float)}
    per_cell = {k: float(s[k]) if s.get(k) is not None else float("nan")
                for k in CELL_OUTPUTS if k != "soil_pco2_ppm_mean"}
    per_cell["soil_pco2_ppm_mean"] = float(np.mean(soil))
    return {"daily": daily, "cell": per_cell}


def annual_sums(daily: np.ndarray, time_index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar-year sums of daily values along the last axis, scaled to the whole year for years only partly in
    the record. Returns (years, sums (..., year), coverage (year) = days in the record / days of the year)."""
    idx = pd.DatetimeIndex(time_index)
    years, inv = np.unique(idx.year.to_numpy(), return_inverse=True)
    counts = np.bincount(inv, minlength=years.size)
    length = np.array([366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 365 for y in years])
    coverage = counts / length
    d = np.asarray(daily, dtype=float)
    sums = np.zeros(d.shape[:-1] + (years.size,))
    for k in range(years.size):
        sums[..., k] = np.nansum(d[..., inv == k], axis=-1)
    return years.astype(np.int32), sums / coverage, coverage
