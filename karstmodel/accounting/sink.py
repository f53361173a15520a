"""Carbon-sink accounting: the karst carbon sink flux, unit conversions, Zeng's land-use index.

Core flux (Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1):
CSF [t C km-2 yr-1] = 0.5 x 12 x R [m yr-1] x DIC [mmol L-1]. The factor 0.5 is the share of carbonic-acid
weathering HCO3- that came from soil/atmospheric CO2 (CaCO3 + CO2 + H2O -> Ca2+ + 2 HCO3-); 12 g/mol C as the
published equation writes it (:data:`ZENG_C_G_MOL`), so that sinks compare with published ones; carbon masses
(DIC export, the stoichiometric sink) use the database's 12.0111 g/mol (:data:`M_C`);
R [m/yr] x DIC [mmol/L] = mol m-2 yr-1, and 1 g C m-2 = 1 t C km-2.
"""
from __future__ import annotations

import numpy as np

from chemistry.constants import M_C_G_MOL, M_CO2_G_MOL

from ..io.observations import mm_d_to_m3_s

#: g C per mol C: the formula weight of C in the pinned phreeqc.dat (:mod:`chemistry.constants`), the one the
#: chemistry converts DIC with; used for every carbon mass in the accounting so that daily, annual and per-source
#: figures add up exactly
M_C = M_C_G_MOL
#: the molar mass of carbon in Zeng et al. (2019) eq. 1 (12 g/mol, as published): the carbon sink index CSF
ZENG_C_G_MOL = 12.0
#: t CO2 per t C (molar masses of CO2 and C from the same database weights)
CO2_PER_C = M_CO2_G_MOL / M_C_G_MOL


def sink_flux(runoff_m_yr, dic_mmol_l):
    """Karst carbon sink flux (t C km-2 yr-1) from runoff depth (m/yr) and DIC (mmol/L) of carbonic-acid
    weathering water: CSF = 0.5 x 12 x R x DIC (Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1;
    :data:`ZENG_C_G_MOL`): half of the carbonic-acid DIC is atmospheric/soil CO2, the other half rock carbon.
    Vectorised (worked check: R = 0.5 m/yr, DIC = 3.6 mmol/L -> 10.8 t C km-2 yr-1).

    Parameters
    ----------
    runoff_m_yr : float or array
        Runoff depth (m/yr) of the water carrying the DIC.
    dic_mmol_l : float or array
        Its (flow-weighted) DIC from carbonic-acid weathering (mmol/L).

    Returns
    -------
    numpy.ndarray
        The sink flux, t C km-2 yr-1 (1 t C km-2 = 1 g C m-2), broadcast over the inputs.
    """
    return 0.5 * ZENG_C_G_MOL * np.asarray(runoff_m_yr, dtype=float) * np.asarray(dic_mmol_l, dtype=float)


def tc_to_tco2(t_c):
    """Convert tonnes of carbon to tonnes of CO2 (x :data:`CO2_PER_C` = 44.0111 / 12.0111, the molar masses of
    CO2 and C from the standard atomic weights used by the chemistry database).

    Parameters
    ----------
    t_c : float or array
        Mass as carbon (t C, or any unit of carbon mass).

    Returns
    -------
    numpy.ndarray
        The same mass as CO2 (t CO2, same unit).
    """
    return np.asarray(t_c, dtype=float) * CO2_PER_C


def zeng_index(dic_0, dic_1, runoff_0, runoff_1):
    """Zeng's land-use index I = (relative change of DIC) / (relative change of runoff depth), and the exact
    criterion for a larger sink, (1 + a)(1 - b) > 1 with a = dDIC/DIC0 and b = -dR/R0 (docs/science.md, The carbon sink;
    Zeng et al. 2017, Shawan simulation test site). Numbers or arrays, broadcast.

    Parameters
    ----------
    dic_0, dic_1 : float or array
        Flow-weighted DIC before and after the change (mmol/L; any one unit).
    runoff_0, runoff_1 : float or array
        Runoff depth before and after the change (mm/yr; any one unit).

    Returns
    -------
    index : numpy.ndarray
        I = a / (dR/R0); inf or NaN where runoff does not change.
    exact_product : numpy.ndarray
        (1 + a)(1 - b) = (DIC1 R1) / (DIC0 R0), the ratio of the sinks.
    sink_increases : numpy.ndarray of bool
        ``exact_product > 1``.
    """
    a = (np.asarray(dic_1, dtype=float) - dic_0) / dic_0
    b = -(np.asarray(runoff_1, dtype=float) - runoff_0) / runoff_0
    with np.errstate(divide="ignore", invalid="ignore"):
        index = a / (-b)
    product = (1.0 + a) * (1.0 - b)
    return index, product, product > 1.0


# ------------------------------------------------------------------------------------------------------------
# result tables and budgets of a simulation (called by karstmodel.model.simulate)
import pandas as _pd  # noqa: E402

from ..processes import dissolution as _diss  # noqa: E402
from . import metrics as _metrics  # noqa: E402
from .balances import amendment_balance, carbon_balance, water_balance  # noqa: E402,F401

#: the daily CSF series: runoff (mm/d) x concentration (mmol/L) = mmol/m2; x 12 mg/mmol (Zeng's eq. 1);
#: 1 g/m2 = 1 t/km2
_TC_KM2_PER_MMOL_M2 = ZENG_C_G_MOL * 1e-3


def _nanmedian(values) -> float:
    """Median of the finite values; NaN (without a RuntimeWarning) when there are none, e.g. no spring."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def _weighted(arr, frac):
    return np.asarray(arr) @ np.asarray(frac)


def timeseries_table(c, data, run, observations=None) -> "_pd.DataFrame":
    """Daily result table with unit-named columns (inputs, water fluxes, storages, soil CO2, spring chemistry,
    carbon fluxes)."""
    frac = np.array([h.fraction for h in c.hydrotopes])
    hyd, flows, snow = run.water.hyd, run.water.flows, run.water.snow
    ts = {}  # columns, assembled into one DataFrame at the end (one allocation, not one per column)
    ts["precip_mm"] = run.water.precip_mm
    ts["temp_c"] = run.water.temp_c
    ts["pet_mm"] = run.water.pet_mm
    ts["rain_mm"] = snow["rain_mm"]
    ts["snowfall_mm"] = snow["snowfall_mm"]
    ts["melt_mm"] = snow["melt_mm"]
    ts["swe_mm"] = snow["swe_mm"]
    ts["interception_evap_mm"] = _weighted(hyd["interception_evap_mm"], frac)
    ts["aet_mm"] = _weighted(hyd["aet_mm"], frac)
    ts["soil_water_mm"] = _weighted(hyd["soil_mm"], frac)
    ts["interception_storage_mm"] = _weighted(hyd["icept_mm"], frac)  # closes the water balance from this table
    ts["recharge_mm"] = _weighted(hyd["recharge_mm"], frac)
    ts["irrigation_mm"] = _weighted(hyd["irrigation_mm"], frac)
    for k in ("slow_in_mm", "fast_in_mm", "allogenic_in_mm"):
        ts[k.replace("_in_mm", "_recharge_mm")] = flows[k]
    ts["surface_runoff_mm"] = flows["surface_mm"]  # all non-karst runoff at the outlet (incl. non-karst baseflow)
    ts["surface_store_mm"] = flows["surface_store_mm"]
    ts["nonkarst_baseflow_mm"] = flows["nonkarst_baseflow_mm"]  # part of surface_runoff_mm
    ts["nonkarst_baseflow_store_mm"] = flows["nonkarst_baseflow_store_mm"]
    for k in ("epikarst_mm", "matrix_mm", "conduit_mm", "overflow_mm", "matrix_out_mm", "conduit_out_mm", "spring_mm"):
        ts[k] = flows[k]
    ts["other_outlets_mm"] = flows["other_outlets_mm"]
    # at the outlet gauge: spring + non-karst runoff, routed with [reservoirs] routing_delay_d (same day by default)
    ts["outlet_runoff_mm"] = flows["outlet_mm"]
    ts["spring_q_m3_s"] = mm_d_to_m3_s(flows["spring_mm"], c.area_km2)
    ts["outlet_q_m3_s"] = mm_d_to_m3_s(ts["outlet_runoff_mm"], c.area_km2)
    if observations is not None:
        ts["q_obs_mm"] = observations["q_obs_mm"].to_numpy()
        ts["q_obs_m3_s"] = observations["q_obs_m3_s"].to_numpy()
    co2 = run.solutes.co2
    ts["soil_temp_c"] = co2["soil_temp_c"]
    ts["soil_respiration_gc_m2_d"] = _weighted(co2["production_gc_m2_d"], frac)
    for h, hydt in enumerate(c.hydrotopes):
        ts[f"soil_pco2_ppm_{hydt.name}"] = co2["pco2_atm"][:, h] * 1e6
    sc = run.chemistry.spring_chem
    conc = run.chemistry.conc_s
    i = _diss.IDX
    ts["spring_temp_c"] = run.chemistry.t_gw
    for col in ("ph", "ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "hco3_mmol_kgw", "co3_mmol_kgw", "co2aq_mmol_kgw",
                "alk_meq_kgw", "so4_mmol_kgw", "no3_mmol_kgw", "si_calcite", "si_dolomite", "log_pco2",
                "ionic_strength", "ec_us_cm_est"):
        name = col.replace("_mmol_kgw", "_mmol_l").replace("_meq_kgw", "_meq_l")
        ts[name] = sc[col].to_numpy() if col in sc.columns else np.nan
    ts["pco2_ppm"] = 10.0 ** np.asarray(ts["log_pco2"], dtype=float) * 1e6
    # at the gauge (karstmodel.processes.outlet): routed mixture of spring and non-karst water, after CO2 exchange in the river
    g = run.chemistry.gauge
    ts["outlet_temp_c"] = g["temp_c"]
    for k in ("ca", "mg", "so4", "no3"):
        ts[f"outlet_{k}_mmol_l"] = g["conc_gauge"][:, i[k]]
    ts["outlet_dic_mmol_l"] = g["conc_gauge"][:, i["dic"]]
    ts["outlet_dic_carbonic_mmol_l"] = (g["conc_gauge"][:, i["dic"]] - 2.0 * g["conc_gauge"][:, i["so4_acid"]]
                                        - g["conc_gauge"][:, i["no3_acid"]] - g["conc_gauge"][:, i["org_acid"]])
    for col in ("ph", "log_pco2", "si_calcite", "alk_meq_kgw"):
        ts["outlet_" + col.replace("_meq_kgw", "_meq_l")] = g.get(col, np.full(len(data.index), np.nan))
    ts["outlet_degassed_mmol_m2_d"] = g["degassed_mmol_m2"]
    # non-carbonic acids: one DIC per equivalent (karstmodel.processes.organic_acids for the organic acid, meq/L)
    dic_c = conc[:, i["dic"]] - 2.0 * conc[:, i["so4_acid"]] - conc[:, i["no3_acid"]] - conc[:, i["org_acid"]]
    ts["dic_carbonic_mmol_l"] = dic_c
    with np.errstate(divide="ignore", invalid="ignore"):
        ts["ca_mg_hco3_ratio"] = (conc[:, i["ca"]] + conc[:, i["mg"]]) / np.asarray(ts["hco3_mmol_l"])
    q = flows["spring_mm"]
    ts["dic_flux_mmol_m2_d"] = np.nan_to_num(q * conc[:, i["dic"]])
    # no carbonate rock, no carbonate weathering: the karst sink is zero whatever DIC silicate water carries
    karst = 1.0 if c.lithology.carbonate > 0 else 0.0
    ts["carbon_sink_tc_km2_d"] = karst * 0.5 * _TC_KM2_PER_MMOL_M2 * np.nan_to_num(q * dic_c)
    ns = run.solutes.n_sources
    names = [h.name for h in c.hydrotopes] + ["allogenic"]
    for k, nm in enumerate(names):
        ts[f"carbon_sink_tc_km2_d_{nm}"] = karst * 0.5 * _TC_KM2_PER_MMOL_M2 * np.nan_to_num(
            q * conc[:, _diss.N_BASE + ns + k])
    ts["matrix_dissolution_mmol_m2_d"] = run.chemistry.diss_m * flows["matrix_out_mm"]
    ts["conduit_dissolution_mmol_m2_d"] = run.chemistry.diss_c * flows["conduit_out_mm"]
    n = len(data.index)
    cols = {k: np.broadcast_to(np.asarray(v), (n,)) for k, v in ts.items()}
    if all(v.dtype == np.float64 for v in cols.values()):
        # one float block built in one allocation (a dict of ~70 columns would be consolidated column by column)
        block = np.empty((n, len(cols)), order="F")  # column-major: each column written contiguously
        for j, v in enumerate(cols.values()):
            block[:, j] = v
        out = _pd.DataFrame(block, index=data.index, columns=list(cols), copy=False)
    else:
        out = _pd.DataFrame(ts, index=data.index)
    out.index.name = "date"
    return out


def hydrotope_tables(c, data, run) -> dict:
    """Per-hydrotope daily water and soil-CO2 series (mm over the hydrotope)."""
    out = {}
    for h, hydt in enumerate(c.hydrotopes):
        out[hydt.name] = _pd.DataFrame({
            "soil_water_mm": run.water.hyd["soil_mm"][:, h], "aet_mm": run.water.hyd["aet_mm"][:, h],
            "recharge_mm": run.water.hyd["recharge_mm"][:, h],
            "soil_respiration_gc_m2_d": run.solutes.co2["production_gc_m2_d"][:, h],
            "soil_pco2_ppm": run.solutes.co2["pco2_atm"][:, h] * 1e6,
            "soil_pco2_10_50cm_ppm": run.solutes.co2["pco2_10_50cm_atm"][:, h] * 1e6}, index=data.index)
        extra = _amendment_columns(run, h)
        if extra:
            out[hydt.name] = out[hydt.name].assign(**extra)
    return out


def _amendment_columns(run, h) -> dict:
    """Columns of a hydrotope with an organic amendment (even of 0 g C m-2, a baseline to compare with) or soil
    carbonate (none otherwise, so that runs without them keep their tables): the pool, its decomposition, the CO2 consumed by soil carbonate, and the
    Ca of the recharge leaving its soil over carbonate (mmol/L)."""
    co2 = run.solutes.co2
    extra = {}
    if h in co2.get("amended_hydrotopes", ()):
        extra["amendment_pool_gc_m2"] = co2["amendment_pool_gc_m2"][:, h]
        extra["amendment_decomposition_gc_m2_d"] = co2["amendment_decomposition_gc_m2_d"][:, h]
    if "carbonate_co2_sink_gc_m2_d" in co2 and np.any(co2["carbonate_co2_sink_gc_m2_d"][:, h] > 0):
        extra["carbonate_co2_sink_gc_m2_d"] = co2["carbonate_co2_sink_gc_m2_d"][:, h]
    if extra:
        extra["recharge_ca_mmol_l_carbonate"] = run.solutes.rch["carbonate"][:, h, _diss.IDX["ca"]]
    return extra


def outlet_summary(c, run, ts, years: float) -> dict:
    """The gauge (karstmodel.processes.outlet): flow-weighted chemistry, the sink computed there (Zeng et al. 2019 eq. 1 with
    the gauge's runoff and carbonic DIC, and from the rock carbon: 12 x R x (rock C - 2 SO4_acid - NO3_acid), the CO2
    consumed by carbonic-acid weathering), the carbonic share of the gauge DIC, and its carbon budget: what spring
    and non-karst runoff deliver = DIC past the gauge + CO2 degassed in the river + change of DIC in transit."""
    i = _diss.IDX
    q = run.water.flows["outlet_mm"]
    conc = run.chemistry.gauge["conc_gauge"]
    ok = (q > 1e-9) & np.isfinite(conc[:, i["dic"]])
    qs = float(q[ok].sum())
    fw = {k: float(q[ok] @ conc[ok, i[k]] / qs) if qs > 0 else float("nan")
          for k in ("dic", "ca", "mg", "so4", "no3", "so4_acid", "no3_acid", "rock_c", "org_acid")}
    dic_c = fw["dic"] - 2.0 * fw["so4_acid"] - fw["no3_acid"] - fw["org_acid"]
    r_m_yr = float(q.sum() / years) / 1000.0
    weathering = c.lithology.carbonate > 0 or (c.lithology.non_carbonate > 0 and
                                               c.lithology.non_carbonate_calcareous > 0)
    sink = float(sink_flux(r_m_yr, dic_c)) if weathering and qs > 0 else 0.0
    stoich = float(r_m_yr * (fw["rock_c"] - 2.0 * fw["so4_acid"] - fw["no3_acid"] - fw["org_acid"]) * M_C) \
        if weathering and qs > 0 \
        else 0.0
    flows = run.water.flows
    delivered = float(np.nansum(run.chemistry.conc_s[:, i["dic"]] * flows["spring_mm"]) + run.solutes.surf["out_mass"][:, i["dic"]].sum()
                      + run.solutes.base["out_mass"][:, i["dic"]].sum())
    past_gauge = float(run.chemistry.outlet_dic_mass.sum())
    degassed = float(run.chemistry.gauge["degassed_mmol_m2"].sum())
    t0, t1 = run.chemistry.outlet_transit_mass
    d_transit = float((0.0 if t1 is None else np.sum(t1[:, i["dic"]])) - (0.0 if t0 is None else np.sum(t0[:, i["dic"]])))
    gauge_out = past_gauge - degassed
    resid = delivered - past_gauge - d_transit
    return {
        "runoff_mm_yr": r_m_yr * 1000.0,
        "dic_mmol_l_flow_weighted": fw["dic"], "dic_carbonic_mmol_l_flow_weighted": dic_c,
        "ca_mmol_l_flow_weighted": fw["ca"], "mg_mmol_l_flow_weighted": fw["mg"],
        "so4_mmol_l_flow_weighted": fw["so4"], "no3_mmol_l_flow_weighted": fw["no3"],
        "so4_acid_mmol_l_flow_weighted": fw["so4_acid"], "no3_acid_mmol_l_flow_weighted": fw["no3_acid"],
        "carbonic_share_of_dic": dic_c / fw["dic"] if fw["dic"] > 0 else float("nan"),
        "carbon_sink_tc_km2_yr": sink,
        "carbon_sink_stoichiometric_tc_km2_yr": stoich,
        "carbon_sink_definition": "CSF = 0.5 x 12 x R x DIC_carbonic at the gauge (Zeng et al. 2019 eq. 1), "
                                  "DIC_carbonic = DIC - 2 SO4_acid - NO3_acid; R gauge runoff depth; DIC after the "
                                  "river's CO2 exchange ([chemistry] outlet_pco2_ppm)",
        "pco2_ppm": c.chemistry.outlet_pco2_ppm,
        "dic_delivered_mmol_m2": delivered, "dic_past_gauge_mmol_m2": gauge_out,
        "co2_degassed_mmol_m2": degassed, "dic_in_transit_change_mmol_m2": d_transit,
        "residual_mmol_m2": resid,
        "relative_error": abs(resid) / max(abs(delivered), 1e-12),
    }


def summary(c, data, run, ts, drivers=None) -> dict:
    """The run summary (the keys of docs/interface.md plus budgets, sources, soil CO2 and discharge metrics)."""
    years = len(data) / 365.25
    i = _diss.IDX
    flows = run.water.flows
    q = flows["spring_mm"]
    conc = run.chemistry.conc_s
    valid = np.isfinite(conc[:, i["dic"]])
    qv = np.where(valid, q, 0.0)
    qsum = qv.sum()
    fw = lambda k: float(np.nansum(qv * conc[:, i[k]]) / qsum) if qsum > 0 else float("nan")  # noqa: E731
    dic_fw = fw("dic") if qsum > 0 else 0.0
    so4a, no3a, orga = fw("so4_acid"), fw("no3_acid"), fw("org_acid")
    dic_c_fw = dic_fw - 2 * so4a - no3a - orga if qsum > 0 else 0.0
    runoff_mm_yr = float(q.sum() / years)
    karst = c.lithology.carbonate > 0
    sink = float(sink_flux(runoff_mm_yr / 1000.0, dic_c_fw)) if karst else 0.0
    rock_fw = fw("rock_c")
    stoich = float(runoff_mm_yr / 1000.0 * (rock_fw - 2 * so4a - no3a - orga) * M_C) if np.isfinite(rock_fw) \
        else float("nan")
    if not karst:
        stoich = 0.0
    names = [h.name for h in c.hydrotopes] + ["allogenic"]
    by_source = {nm: float(ts[f"carbon_sink_tc_km2_d_{nm}"].sum() / years) for nm in names}
    wb = water_balance(c, run.water)
    cb = carbon_balance(c, run)
    gauge = outlet_summary(c, run, ts, years)
    resp = float(ts["soil_respiration_gc_m2_d"].sum() / years)
    co2_consumed = stoich if np.isfinite(stoich) else float("nan")
    soil = {}
    for h, hydt in enumerate(c.hydrotopes):
        p = run.solutes.co2["pco2_atm"][:, h] * 1e6
        soil[hydt.name] = {"land_use": hydt.land_use, "fraction": hydt.fraction,
                           "pco2_ppm_mean": float(np.mean(p)), "pco2_ppm_p05": float(np.percentile(p, 5)),
                           "pco2_ppm_p95": float(np.percentile(p, 95)),
                           "respiration_gc_m2_yr": float(run.solutes.co2["production_gc_m2_d"][:, h].sum() / years),
                           "aet_mm_yr": float(run.water.hyd["aet_mm"][:, h].sum() / years)}
    out = {
        "catchment": c.name,
        "period": {"start": str(data.index[0].date()), "end": str(data.index[-1].date()), "days": int(len(data))},
        "area_km2": c.area_km2,
        "accounting": "outlet based (spring discharge x spring DIC); per km2 of catchment area",
        "carbon_sink_tc_km2_yr": sink,
        "carbon_sink_t_co2_yr": float(sink * c.area_km2 * CO2_PER_C),
        "carbon_sink_definition": "CSF = 0.5 x 12 x R x DIC_carbonic (Zeng et al. 2019 eq. 1), "
                                  "DIC_carbonic = DIC - "
                                  "2 SO4_acid - NO3_acid (strong-acid weathering removed); R spring runoff depth"
                                  + ("" if karst else "; zero here: the catchment has no carbonate rock"),
        "carbon_sink_spring_tc_km2_yr": sink,
        "carbon_sink_stoichiometric_tc_km2_yr": stoich,
        "carbon_sink_by_source_tc_km2_yr": by_source,
        "carbon_sink_autogenic_tc_km2_yr": float(sum(v for k, v in by_source.items() if k != "allogenic")),
        "carbon_sink_allogenic_tc_km2_yr": by_source["allogenic"],
        "carbonic_share_of_dic": dic_c_fw / dic_fw if dic_fw > 0 else float("nan"),
        "dic_export_tc_km2_yr": float(runoff_mm_yr / 1000.0 * dic_fw * M_C),
        "runoff_mm_yr": runoff_mm_yr,
        "outlet_dic_mmol_l_flow_weighted": float(np.nansum(ts["outlet_dic_mmol_l"] * ts["outlet_runoff_mm"])
                                                 / max(ts["outlet_runoff_mm"].sum(), 1e-12)),
        "dic_export_outlet_tc_km2_yr": float((np.nansum(ts["dic_flux_mmol_m2_d"]) + run.solutes.surf["out_mass"][:, i["dic"]].sum()
                                              + run.solutes.base["out_mass"][:, i["dic"]].sum())
                                             * M_C * 1e-3 / years),
        "outlet_runoff_mm_yr": float(flows["outlet_mm"].sum() / years),
        "precip_mm_yr": float(run.water.precip_mm.sum() / years),
        "pet_mm_yr": float(run.water.pet_mm.sum() / years),
        "aet_mm_yr": float((wb["aet_mm"] + wb["interception_evap_mm"]) / years),
        "dic_mmol_l_flow_weighted": dic_fw,
        "dic_carbonic_mmol_l_flow_weighted": dic_c_fw,
        "ca_mmol_l_flow_weighted": fw("ca"),
        "mg_mmol_l_flow_weighted": fw("mg"),
        "spring_ph_median": _nanmedian(ts["ph"]),
        "spring_si_calcite_median": _nanmedian(ts["si_calcite"]),
        "spring_log_pco2_median": _nanmedian(ts["log_pco2"]),
        "groundwater_temp_c": run.chemistry.t_gw,
        "saturated_zone_mineral": run.chemistry.mineral,
        "water_balance": wb,
        "water_balance_error": wb["relative_error"],
        "carbon_balance": cb,
        "carbon_balance_error": cb["relative_error"],
        "soil_co2": soil,
        "soil_respiration_gc_m2_yr": resp,
        "weathering_share_of_soil_respiration": (co2_consumed / resp) if resp > 0 else float("nan"),
        "chemistry_backend": "native",
        "database": f"{c.chemistry.database} (PHREEQC 3.7.3, shipped in chemistry/databases)",
        "chemistry_tables_clipped": run.solutes.rch["clipped"],
        "outlet": gauge,
    }
    if c.observations.discharge == "outlet":
        # a river gauge: the sink is what leaves the catchment at the gauge (spring and non-karst water, after the
        # river's CO2 exchange), the quantity an observation-based estimate from gauge samples measures
        out["carbon_sink_tc_km2_yr"] = gauge["carbon_sink_tc_km2_yr"]
        out["carbon_sink_t_co2_yr"] = float(gauge["carbon_sink_tc_km2_yr"] * c.area_km2 * CO2_PER_C)
        out["carbon_sink_definition"] = gauge["carbon_sink_definition"]
        out["accounting"] = "outlet based (gauge discharge x gauge DIC); per km2 of catchment area"
    if "q_obs_mm" in ts.columns:
        sim = ts["spring_mm"] if c.observations.discharge == "spring" else ts["outlet_runoff_mm"]
        obs = ts["q_obs_mm"]
        out["metrics"] = {"q": _metrics.all_metrics(sim.to_numpy(), obs.to_numpy())}
        q_obs = obs.to_numpy(float)
        ok = np.isfinite(q_obs)
        if ok.any():
            # flux mode (Zeng et al. 2019): observed discharge x modelled spring DIC
            q_obs_yr = float(q_obs[ok].mean() * 365.25)
            dic_c = ts["dic_carbonic_mmol_l"].to_numpy(float)
            dic_w = float(np.nansum(q_obs[ok] * dic_c[ok]) / q_obs[ok].sum())
            out["flux_mode"] = {"runoff_obs_mm_yr": q_obs_yr, "dic_carbonic_mmol_l": dic_w,
                                "carbon_sink_tc_km2_yr": float(sink_flux(q_obs_yr / 1000.0, dic_w)),
                                "days_with_observations": int(ok.sum()),
                                "definition": "0.5 x 12 x mean observed runoff x DIC weighted by observed "
                                              "discharge"}
    if c.chemistry.organic_acids != "none":
        out["organic_acids"] = organic_acid_summary(fw, orga, karst)
        out["carbon_sink_definition"] += "; organic acids (meq/L) removed as well (karstmodel.processes.organic_acids)"
    if drivers is not None:
        out["drivers"] = {"file": drivers.source, "filled_values": drivers.filled,
                          "aggregated_from_subdaily": drivers.aggregated_from_subdaily}
    return out


def organic_acid_summary(fw, org_acid: float, karst: bool) -> dict:
    """The ``organic_acids`` block of a run summary (``[chemistry] organic_acids`` on): the flow-weighted organic
    acid that met the carbonate (meq/L, booked as non-carbonic weathering), the organic anion still in the spring
    water (meq/L), and the share of the spring's Ca + Mg charge that the organic acid balanced (one equivalent of acid
    per equivalent of Ca or Mg dissolved, as for the strong acids; :mod:`karstmodel.processes.organic_acids`).
    ``fw``: the summary's flow-weighting function of a BASE column."""
    cations_meq_l = 2.0 * (fw("ca") + fw("mg"))
    return {"org_acid_meq_l_flow_weighted": org_acid, "org_anion_meq_l_flow_weighted": fw("org_anion"),
            "share_of_ca_mg_charge": org_acid / cations_meq_l if karst and cations_meq_l > 0 else float("nan"),
            "definition": "organic acid = soil-water DOC x doc_charge_ueq_mg_c; it dissolves carbonate without "
                          "consuming CO2 and is subtracted from the carbonic DIC, one DIC per meq"}


def sink_from_observations(q_m3_s, dic_mmol_l, area_km2: float, dates=None) -> dict:
    """Flux mode (Zeng et al. 2019): the sink from observed discharge and observed (or equilibrium) DIC.

    CSF = 0.5 x 12 x R x DIC (Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1) with R the mean runoff depth
    (m/yr) of ``q_m3_s`` over ``area_km2`` and DIC weighted by discharge. Days without both values are skipped.

    Parameters
    ----------
    q_m3_s : array
        Daily mean discharge (m3/s).
    dic_mmol_l : array
        DIC on the same days (mmol/L); NaN where not measured.
    area_km2 : float
        Area drained (km2).
    dates : array, optional
        Dates of the values; not used by the computation (the values are taken as daily means).

    Returns
    -------
    dict
        ``runoff_m_yr``, ``dic_mmol_l`` (discharge-weighted) and ``carbon_sink_tc_km2_yr``.

    Raises
    ------
    ValueError
        No day has both discharge and DIC.
    """
    q = np.asarray(q_m3_s, dtype=float)
    d = np.asarray(dic_mmol_l, dtype=float)
    ok = np.isfinite(q) & np.isfinite(d)
    if not ok.any():
        raise ValueError("no day with both discharge and DIC")
    runoff_m_yr = float(np.mean(q[ok]) * 86400 * 365.25 / (area_km2 * 1e6))
    dic = float(np.sum(q[ok] * d[ok]) / np.sum(q[ok]))
    return {"runoff_m_yr": runoff_m_yr, "dic_mmol_l": dic, "carbon_sink_tc_km2_yr": float(sink_flux(runoff_m_yr, dic))}


def compare_runs(base: dict, other: dict) -> dict:
    """Differences between two run summaries (e.g. before/after a land-use change): change of the sink
    (t C km-2 yr-1 and t CO2/yr), of runoff and flow-weighted DIC, Zeng's index I = (dDIC/DIC0) / (dR/R0) and the
    exact criterion (1 + a)(1 - b) > 1 for a larger sink (docs/science.md, The carbon sink; :func:`zeng_index`).

    Parameters
    ----------
    base, other : dict
        Run summaries (``SimulationResult.summary`` or ``summary.json``) with ``carbon_sink_tc_km2_yr``,
        ``carbon_sink_t_co2_yr``, ``runoff_mm_yr`` and ``dic_mmol_l_flow_weighted``.

    Returns
    -------
    dict
        ``delta_carbon_sink_tc_km2_yr``, ``delta_carbon_sink_t_co2_yr``, ``delta_runoff_mm_yr``,
        ``delta_dic_mmol_l``, ``relative_change_dic``, ``relative_change_runoff``, ``zeng_index``,
        ``exact_criterion_product`` and ``sink_increases`` (other minus base).
    """
    index, product, larger = zeng_index(base["dic_mmol_l_flow_weighted"], other["dic_mmol_l_flow_weighted"],
                                        base["runoff_mm_yr"], other["runoff_mm_yr"])
    return {
        "delta_carbon_sink_tc_km2_yr": other["carbon_sink_tc_km2_yr"] - base["carbon_sink_tc_km2_yr"],
        "delta_carbon_sink_t_co2_yr": other["carbon_sink_t_co2_yr"] - base["carbon_sink_t_co2_yr"],
        "delta_runoff_mm_yr": other["runoff_mm_yr"] - base["runoff_mm_yr"],
        "delta_dic_mmol_l": other["dic_mmol_l_flow_weighted"] - base["dic_mmol_l_flow_weighted"],
        "relative_change_dic": (other["dic_mmol_l_flow_weighted"] - base["dic_mmol_l_flow_weighted"])
        / base["dic_mmol_l_flow_weighted"],
        "relative_change_runoff": (other["runoff_mm_yr"] - base["runoff_mm_yr"]) / base["runoff_mm_yr"],
        "zeng_index": float(index),
        "exact_criterion_product": float(product),
        "sink_increases": bool(larger),
    }


def fate_summary(reach_result) -> dict:
    """The ``fate`` block (docs/interface.md; shares summing to 1, stability and its definition) and a ``surface_water``
    block (per-reach shares, fluxes, balances, mean metabolism) from a :class:`karstmodel.processes.reaches.ReachResult`."""
    f = reach_result.fate
    fate = {k: float(f[k]) for k in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")}
    for k in ("buried_autochthonous_oc", "calcite_deposited"):
        if k in f:
            fate[k] = float(f[k])
    fate["stability"] = float(f["stability"])
    fate["definition"] = f.get("definition", "")
    daily = reach_result.daily
    metab = {}
    for r in reach_result.reaches:
        d = daily[r.name]
        metab[r.name] = {k: float(d[k].mean()) for k in ("gpp_g_o2_m2_d", "er_g_o2_m2_d", "nep_g_o2_m2_d",
                                                         "gpp_g_c_m2_d", "degassing_g_c_m2_d") if k in d.columns}
    bal = reach_result.balances
    return {"fate": fate,
            "surface_water": {"reaches": [r.name for r in reach_result.reaches],
                              "fate_by_reach": reach_result.fate_by_reach, "fate_detail": reach_result.fate_detail,
                              "metabolism_mean": metab,
                              "carbon_balance_error": float(bal["carbon"]["relative_residual"]),
                              "o2_balance_error": float(bal["o2"]["relative_residual"]),
                              "settings": {k: v for k, v in reach_result.settings.items()
                                           if isinstance(v, (int, float, str, bool))}}}
