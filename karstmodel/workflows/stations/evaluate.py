"""Everything ``karstmodel validate`` reports for a station, computed into one summary dict (nothing written).

Speciation, the observation-based sinks (from the samples and, with a daily discharge, from the C-Q rating), the C-Q
rating fitted on the calibration samples and scored on both periods, and, where CO2 was measured, the equilibrium
chemistry model (with the cave-air degassing stage where the station asks for it) against the observed DIC. The
summary keys and the ``metrics`` block follow docs/interface.md.
"""
from __future__ import annotations

import numpy as np

from .data import StationData
from .degassing import degassing_block, predict_degassed
from .equilibrium import co2_at_samples, predict_equilibrium, pressure_atm
from .periods import _period_masks, _period_text
from .rating import fit_rating, predict_rating, rating_load
from .schema import CO2_SOURCES, SYSTEMS, Station
from .scores import _metrics
from .sink import _interval, bootstrap_samples_flux, carbonic_dic, flux_from_samples
from .speciation import describe, observed_dic, speciate_samples, speciation_summary, stoichiometry


def evaluate_station(st: Station, data: StationData, periods: dict, rng_seed: int | None = None) -> dict:
    """Everything ``validate`` reports, as a dict (plus private frames under ``_frames`` for files and figures)."""
    s = data.samples
    times = s["datetime"]
    sp = speciate_samples(s, st.database)
    dic = observed_dic(s, sp)
    q = s["q_m3_s"].to_numpy(float)
    masks = _period_masks(times, periods)
    flow = s["flow_condition"].to_numpy(str) if "flow_condition" in s.columns else None
    base_mask = (flow == st.baseflow_label.lower()) if flow is not None else None
    fit_mask = base_mask if (st.fit_samples == "baseflow" and base_mask is not None) else np.ones(len(s), bool)
    rng = np.random.default_rng(st.seed if rng_seed is None else rng_seed)
    area = st.area_km2
    notes = []

    # (a) speciation
    spec = speciation_summary(s, sp)
    stoich, ratio = stoichiometry(s, sp)
    if "ph_source" in s.columns:
        spec["ph_from_estimates"] = int((s["ph_source"] == "estimate").sum())
        spec["temp_from_estimates"] = int((s["temp_source"] == "estimate").sum())

    # (b) sinks
    sinks = {}
    qd_ok = np.isfinite(q) & np.isfinite(dic)
    if qd_ok.sum() >= 1:
        fm = flux_from_samples(q, dic, area, st.sink_fraction)
        fm["period"] = {"start": str(times[qd_ok].min().date()), "end": str(times[qd_ok].max().date())}
        boots = bootstrap_samples_flux(q, dic, st.bootstrap, rng, st.sink_fraction)
        fm["interval_90"] = _interval(boots, fm["carbon_sink_t_c_yr"], area)
        fm["definition"] = (f"{st.sink_fraction} x 12 x mean(Q_i x DIC_i) over samples = mean sample Q x "
                            "discharge-weighted DIC (Zeng et al. 2019 eq. 1 as a mass flux)")
        bias = {"mean_sample_q_m3_s": float(np.mean(q[qd_ok])), "median_sample_q_m3_s": float(np.median(q[qd_ok]))}
        if flow is not None:
            bias["share_storm_samples"] = float(np.mean(flow[qd_ok] != st.baseflow_label.lower()))
        if data.discharge is not None:
            qd = data.discharge.to_numpy(float)
            bias["mean_daily_q_m3_s"] = float(qd.mean())
            bias["ratio_mean_sample_q_to_mean_daily_q"] = float(np.mean(q[qd_ok]) / qd.mean())
            bias["daily_q_period"] = [str(data.discharge.index[0].date()), str(data.discharge.index[-1].date())]
            sample_span = (times.min(), times.max())
            overlap = data.discharge[(data.discharge.index >= sample_span[0].normalize())
                                     & (data.discharge.index <= sample_span[1].normalize())]
            bias["daily_q_overlaps_samples"] = bool(len(overlap) > 0)
        bias["statement"] = ("samples are not flow-proportional: the sample-based flux weights the sampled flow "
                             "conditions (intensive storm sampling raises the mean sample discharge; unsampled "
                             "floods and droughts are missing); it is not an annual load")
        fm["sampling_bias"] = bias
        sinks["flux_from_samples"] = fm
        dic_c, cnote = carbonic_dic(s, dic)
        if dic_c is not None:
            fc = flux_from_samples(q, dic_c, area, st.sink_fraction)
            bc = bootstrap_samples_flux(q, dic_c, st.bootstrap, rng, st.sink_fraction)
            fc["interval_90"] = _interval(bc, fc["carbon_sink_t_c_yr"], area)
            fm["carbonic_only"] = {**fc, "definition": cnote}
            fm["range_t_c_yr"] = [fc["carbon_sink_t_c_yr"], fm["carbon_sink_t_c_yr"]]
            if area:
                fm["range_tc_km2_yr"] = [fc["carbon_sink_tc_km2_yr"], fm["carbon_sink_tc_km2_yr"]]
        else:
            fm["carbonic_only"] = {"note": cnote}
    else:
        notes.append("no sample has both discharge and DIC: no observation-based sink")
    daily = None
    if data.discharge is not None and qd_ok.sum() >= 3:
        rl, boots = rating_load(q, dic, times, data.discharge, st.rating_seasonal, st.bootstrap, rng,
                                st.sink_fraction, area)
        daily = rl.pop("daily")
        rl["interval_90"] = _interval(boots, rl["carbon_sink_t_c_yr"], area)
        rl["definition"] = ("C-Q rating fitted on all samples, smearing back-transform (Duan 1983), applied to the "
                            f"daily discharge; {st.sink_fraction} x 12 x mean daily load")
        rl["interval_90"]["covers"] = ("rating (sampling) uncertainty only; not the uncertainty of the daily "
                                       "discharge or its transform, nor of transferring the rating in time")
        rl["discharge"] = {"file": str(st.discharge_file), "transform": {"scale": st.discharge_scale,
                                                                         "offset_m3_s": st.discharge_offset_m3_s},
                           "note": st.discharge_note,
                           "overlaps_samples": sinks.get("flux_from_samples", {}).get("sampling_bias", {})
                           .get("daily_q_overlaps_samples")}
        sinks["rating_on_daily_discharge"] = rl
        dic_c, cnote = carbonic_dic(s, dic)
        if dic_c is not None:
            rc, bc = rating_load(q, dic_c, times, data.discharge, st.rating_seasonal, st.bootstrap, rng,
                                 st.sink_fraction, area)
            rc.pop("daily")
            rc["interval_90"] = _interval(bc, rc["carbon_sink_t_c_yr"], area)
            rl["carbonic_only"] = {k: rc[k] for k in rc if k not in ("rating",)} | {"definition": cnote}
            rl["range_t_c_yr"] = [rc["carbon_sink_t_c_yr"], rl["carbon_sink_t_c_yr"]]
        else:
            rl["carbonic_only"] = {"note": cnote}
    elif data.discharge is None:
        notes.append("no continuous discharge ([discharge] file): the sink is the sample-based flux only; add a daily "
                     "discharge record to get a rating-based load")

    # C-Q rating split sample (fitted on the calibration samples)
    cq = {}
    rcal = None
    rating_pred = np.full(len(s), np.nan)
    cal_mask = masks.get("calibration", np.ones(len(s), bool)) if "calibration" in masks else masks["validation"]
    try:
        rcal = fit_rating(q[cal_mask], dic[cal_mask], times[cal_mask], st.rating_seasonal)
        rating_pred = predict_rating(rcal, q, times)
        cq = {"fitted_on": "calibration period" if "calibration" in masks else "all samples", **rcal.as_dict()}
    except ValueError as exc:
        cq = {"note": str(exc)}
    try:
        rall = fit_rating(q, dic, times, st.rating_seasonal)
        cq_all = rall.as_dict()
    except ValueError as exc:
        rall, cq_all = None, {"note": str(exc)}

    # (c) chemistry model
    p_atm = pressure_atm(st.elevation_m)
    temp = s["temp_c"].to_numpy(float)
    tmed = float(np.nanmedian(temp))
    temp_used = np.where(np.isfinite(temp), temp, tmed)
    chem = {"pressure_atm": p_atm, "mineral": st.mineral, "primary": {"co2_source": st.co2_source,
                                                                     "system": st.system},
            "temperature": f"sample temperature ({int((~np.isfinite(temp)).sum())} samples without one use the "
                           f"station median {tmed:.2f} C)", "sources": {}}
    preds, stage1s = {}, {}
    cave = co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy(float)
    for src in CO2_SOURCES:
        co2 = co2_at_samples(st, data, src)
        c = co2["co2_ppmv"].to_numpy(float)
        have = np.isfinite(c) & np.isfinite(dic)
        if st.degasses(src):
            have &= np.isfinite(cave)
        if have.sum() < 3:
            continue
        block = {"n_matched": int(have.sum()), "co2_ppmv": describe(c[have]), "systems": {}}
        if src == "soil":
            block["max_days"] = st.soil_co2_max_days
            block["mean_days"] = st.soil_co2_mean_days
            block["n_samples_without_soil_co2_within_max_days"] = int((np.isfinite(dic) & ~np.isfinite(c)).sum())
            block["definition"] = ("mean of the soil sites on the soil-gas date nearest to the sample"
                                   if not st.soil_co2_mean_days else
                                   f"mean of the soil sites, averaged over the soil-gas dates in the "
                                   f"{st.soil_co2_mean_days:g} days before the sample")
        else:
            block["definition"] = "cave-air CO2 measured with the sample" + (
                f" (or with the nearest sample within {st.cave_air_max_days:g} days)" if st.cave_air_max_days else "")
        if st.degasses(src):
            block["degassing"] = ("the recharge water exchanges CO2 with the cave air (column cave_air_co2_ppmv"
                                  + (f", nearest sample within {st.cave_air_max_days:g} days" if st.cave_air_max_days
                                     else "") + ") before the outlet, Ca unchanged (karstmodel.cave_degassing); "
                                  "no prediction without cave-air CO2")
        for system in SYSTEMS:
            prm = st.params(src, system)
            eq = predict_equilibrium(temp_used, c, system, prm, st.mineral, p_atm, st.database)
            if st.degasses(src):
                stage1s[(src, system)] = eq
                eq = predict_degassed(eq, cave, prm.exchange_number, p_atm, st.database)
            pdic = eq["dic_mmol_kgw"].to_numpy(float)
            preds[(src, system)] = (eq, co2)
            met = {}
            for k, m in masks.items():
                met[k] = {"dic_mmol_l": _metrics(pdic, dic, m & have)}
                if base_mask is not None:
                    met[k]["dic_mmol_l_baseflow"] = _metrics(pdic, dic, m & have & base_mask)
                if "ca_mg_l" in s.columns:
                    met[k]["ca_mmol_l"] = _metrics(eq["ca_mmol_kgw"], s["ca_mg_l"].to_numpy(float) / 40.078,
                                                   m & have)
            met["all"] = {"dic_mmol_l": _metrics(pdic, dic, have)}
            if base_mask is not None:
                met["all"]["dic_mmol_l_baseflow"] = _metrics(pdic, dic, have & base_mask)
            block["systems"][system] = {"parameters": {"pco2_factor": prm.pco2_factor,
                                                       **({"gas_water_ratio": prm.gas_water_ratio}
                                                          if system == "mixed" else {}),
                                                       **({"exchange_number": prm.exchange_number}
                                                          if st.degasses(src) else {})},
                                        "metrics": met,
                                        "mean_predicted_dic_mmol_l": float(np.nanmean(pdic[have])),
                                        "mean_observed_dic_mmol_l": float(np.mean(dic[have]))}
            if st.degasses(src):
                block["systems"][system]["degassing"] = degassing_block(stage1s[(src, system)], eq, s, sp, dic,
                                                                        masks, base_mask)
        ref = "calibration" if "calibration" in masks else "validation"
        score = {k: v["metrics"][ref]["dic_mmol_l"]["kge"] for k, v in block["systems"].items()}
        score = {k: v for k, v in score.items() if v is not None and np.isfinite(v)}
        block["best_system"] = max(score, key=score.get) if score else None
        block["best_by"] = f"KGE of DIC in the {ref} period"
        chem["sources"][src] = block
    if not chem["sources"]:
        chem = {"note": "no soil CO2 ([soil_co2] file) or cave-air CO2 (column cave_air_co2_ppmv) with at least 3 "
                        "samples: the chemistry model cannot be checked at this station"}

    # metrics block (layout of docs/interface.md)
    metrics, models = {}, {}
    primary = preds.get((st.co2_source, st.system))
    for k, m in masks.items():
        blk = {}
        if primary is not None:
            pd_ = primary[0]["dic_mmol_kgw"].to_numpy(float)
            have = np.isfinite(primary[1]["co2_ppmv"].to_numpy(float))
            blk["dic_mmol_l"] = _metrics(pd_, dic, m & have)
            if base_mask is not None:
                blk["dic_mmol_l_baseflow"] = _metrics(pd_, dic, m & have & base_mask)
            if "ca_mg_l" in s.columns:
                blk["ca_mmol_l"] = _metrics(primary[0]["ca_mmol_kgw"], s["ca_mg_l"].to_numpy(float) / 40.078,
                                            m & have)
            if st.degasses(st.co2_source):
                blk["ph"] = _metrics(primary[0]["ph"], s["ph"].to_numpy(float), m & have)
                with np.errstate(invalid="ignore", divide="ignore"):  # log-NSE of a signed SI is undefined (NaN)
                    blk["si_calcite"] = _metrics(primary[0]["si_calcite"], sp["si_calcite"].to_numpy(float),
                                                 m & have)
        else:
            blk["dic_mmol_l"] = _metrics(rating_pred, dic, m)
        blk["dic_mmol_l_cq"] = _metrics(rating_pred, dic, m)
        metrics[k] = blk
    if primary is not None:
        prm = st.params(st.co2_source, st.system)
        models["dic_mmol_l"] = (f"{st.system}-system {st.mineral} equilibrium at {prm.pco2_factor:.4g} x "
                                f"{st.co2_source.replace('_', '-')} CO2"
                                + (f", gas/water {prm.gas_water_ratio:.4g} L/kg" if st.system == "mixed" else "")
                                + " (chemistry.equilibrate)"
                                + (f", then CO2 exchange with the cave air over exchange number "
                                   f"{prm.exchange_number:.4g}, Ca unchanged (karstmodel.cave_degassing)"
                                   if st.degasses(st.co2_source) else ""))
        if base_mask is not None:
            models["dic_mmol_l_baseflow"] = models["dic_mmol_l"] + ", baseflow samples only"
        if "ca_mg_l" in s.columns:
            models["ca_mmol_l"] = "Ca of the same equilibrium"
        if st.degasses(st.co2_source):
            models["ph"] = "pH of the same outlet water (observed: measured pH)"
            models["si_calcite"] = "SI calcite of the same outlet water (observed: speciated sample)"
    else:
        models["dic_mmol_l"] = "C-Q rating (no CO2 measurements for an equilibrium model at this station)"
    models["dic_mmol_l_cq"] = f"C-Q rating fitted on the {cq.get('fitted_on', 'calibration period')}"

    # summary keys of docs/interface.md: the best available sink estimate
    best_key = "rating_on_daily_discharge" if "rating_on_daily_discharge" in sinks else "flux_from_samples"
    best = sinks.get(best_key, {})
    summary = {
        "station": st.name, "kind": "station", "description": st.description,
        "source": str(st.source), "area_km2": area,
        "period": {"start": str(times.min().date()), "end": str(times.max().date()), "samples": int(len(s))},
        "carbon_sink_tc_km2_yr": best.get("carbon_sink_tc_km2_yr"),
        "carbon_sink_t_c_yr": best.get("carbon_sink_t_c_yr"),
        "carbon_sink_t_co2_yr": best.get("carbon_sink_t_co2_yr"),
        "runoff_mm_yr": best.get("runoff_mm_yr"),
        "dic_mmol_l_flow_weighted": best.get("dic_mmol_l_flow_weighted"),
        "sink_basis": best_key if best else None,
        "sink_accounting": "carbonic-acid share (x 0.5) of the DIC carried past the station, outlet based; "
                           + ("per km2 over the given area" if area else
                              "no area given: mass fluxes only (t C/yr, t CO2/yr), no per-km2 values"),
        "water_balance_error": None, "carbon_balance_error": None,
        "balances_note": "a station has no model balances (no drivers); the sinks are observation based",
        "chemistry_backend": "native", "database": st.database,
        "metrics": metrics, "metrics_models": models,
        "metrics_periods": {k: _period_text(p) for k, p in periods.items()},
        "metrics_n_samples": {k: int(m.sum()) for k, m in masks.items()},
        "speciation": spec, "stoichiometry": stoich, "sinks": sinks,
        "cq_rating": {"split_sample": cq, "all_samples": cq_all},
        "chemistry_model": chem, "notes": notes,
    }
    frames = {"samples": s, "speciated": sp, "dic": dic, "ratio": ratio, "daily": daily, "preds": preds,
              "stage1": stage1s,
              "rating_pred": rating_pred, "rating_cal": rcal,
              "rating_all": rall, "masks": masks, "base_mask": base_mask, "soil": data.soil_co2,
              "fit_mask": fit_mask, "discharge": data.discharge}
    summary["_frames"] = frames
    return summary
