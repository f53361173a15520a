"""Regional aggregates of a grid result (the figures of ``summary.json`` and the command's printout)."""
from __future__ import annotations

import numpy as np

from .outputs import ANNUAL_OUTPUT, CELL_OUTPUTS


def grid_summary(out) -> dict:
    """Regional aggregates of a grid result: area-weighted sink, total t CO2/yr, runoff-and-area-weighted DIC,
    largest balance errors, ranges over cells, and the regional annual sink."""
    a = out["area_km2"].values
    sink = out["carbon_sink_tc_km2_yr"].values
    r = out["runoff_mm_yr"].values
    dic = out["dic_mmol_l_flow_weighted"].values
    w = a * r
    okd = np.isfinite(dic) & (w > 0)
    area = float(a.sum())
    n = int(out.sizes["cell"])
    years = out.sizes["time"] / 365.25 if "time" in out.dims else float("nan")
    tstart = out.attrs.get("time_coverage_start")
    tend = out.attrs.get("time_coverage_end")
    ranges = {}
    for k in CELL_OUTPUTS:
        v = out[k].values
        f = v[np.isfinite(v)]
        ranges[k] = ({"min": float(f.min()), "median": float(np.median(f)), "max": float(f.max())} if f.size
                     else {"min": None, "median": None, "max": None})
    annual = out[ANNUAL_OUTPUT].values
    regional = np.nansum(annual * a[:, None], axis=0) / area
    return {
        "cells": n,
        "period": {"start": tstart, "end": tend, "days": int(out.sizes.get("time", 0))},
        "years": years,
        "cell_years": n * years,
        "total_area_km2": area,
        "accounting": "outlet based (spring discharge x spring DIC) per cell; regional values area-weighted",
        "carbon_sink_tc_km2_yr": float(np.nansum(sink * a) / area),
        "carbon_sink_t_co2_yr": float(np.nansum(out["carbon_sink_t_co2_yr"].values)),
        "runoff_mm_yr": float(np.nansum(r * a) / area),
        "dic_mmol_l_flow_weighted": float(np.sum(dic[okd] * w[okd]) / np.sum(w[okd])) if okd.any() else None,
        "soil_pco2_ppm_mean": float(np.nansum(out["soil_pco2_ppm_mean"].values * a) / area),
        "water_balance_error": float(np.nanmax(out["water_balance_error"].values)),
        "carbon_balance_error": float(np.nanmax(out["carbon_balance_error"].values)),
        "balance_errors": "largest relative residual over the cells",
        "cells_without_spring_chemistry": int((~np.isfinite(dic)).sum()),
        "annual_carbon_sink_tc_km2_yr": {str(int(y)): float(v) for y, v in zip(out["year"].values, regional)},
        "per_cell_range": ranges,
        "chemistry_backend": out.attrs.get("chemistry_backend", "native"),
        "database": out.attrs.get("database"),
        "template_catchment": out.attrs.get("template_catchment"),
    }
