"""Baseline and scenario over the same drivers, member by member, and what the change is: the sink, its
decomposition, the fate shares, the time to the new state, with intervals by the rule of the package docstring."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd



from chemistry.constants import M_C_G_MOL

from ...accounting.sink import ZENG_C_G_MOL, compare_runs
from ...config.catchment import Catchment
from ...processes.changes import CarbonatePowder, Irrigation, ParameterRamp, SoilWarming
from ...io.drivers import MIN_RECORD_DAYS, load_drivers
from ...model.simulate import initial_state, simulate
from ..._display import Rows, Shown, number
from ..._parallel import map_chunks
from .climate import _climate_table, baseline_drivers, climate_changes, climate_drivers
from .ensembles import _apply_member, glue_ensemble, prior_ensemble
from .file import apply_scenario, scenario_files
from .indicators import (MIN_MEMBERS_90, NO_CHANGE_RELATIVE, change_label, interval,
                                  response_time, time_to_new_state)

def _same_start(base_c: Catchment, scen_c: Catchment, base_data: pd.DataFrame) -> Catchment:
    """The scenario catchment starting from the baseline's initial matrix and non-karst groundwater storage (the
    steady state of the baseline's mean inflow) and with the baseline's groundwater temperature (by default the mean
    air temperature of the run, one value per run), so that a scenario whose drivers change only after the record
    (``[climate] extend_to``) is identical to the baseline until its changes begin. The groundwater of such a
    scenario therefore does not warm (a limitation stated in docs/science.md, Scenarios)."""
    if scen_c.chemistry.groundwater_temp_c is None:
        t_gw = float(np.clip(np.mean(base_data["temp_c"].to_numpy(float)), 0.5, 40.0))  # as the chemistry stage
        scen_c = replace(scen_c, chemistry=replace(scen_c.chemistry, groundwater_temp_c=t_gw))
    st = initial_state(replace(base_c, changes=()), base_data)
    if st is None:
        return scen_c
    res = scen_c.reservoirs
    upd = {}
    if st.storage[1] is not None and res.initial_matrix_mm is None:
        upd["initial_matrix_mm"] = float(st.storage[1])
    if st.baseflow is not None and res.initial_nonkarst_baseflow_mm is None:
        upd["initial_nonkarst_baseflow_mm"] = float(st.baseflow)
    return replace(scen_c, reservoirs=replace(res, **upd)) if upd else scen_c


def _scenario_pairs(jobs):
    """Run baseline and scenario for ensemble members (in this process or a spawned worker); returns per member
    (baseline summary, its annual sinks, scenario summary, its annual sinks): what the ensemble's rows and bands
    read, not the runs' daily tables (tens of MB per run of a long record, which a worker would otherwise send back
    and the ensemble would hold for every member)."""
    out = []
    for base_c, scen_c, base_drv, scen_drv, pin, reaches in jobs:
        if pin:
            scen_c = _same_start(base_c, scen_c, base_drv.data)
        b = simulate(base_c, drivers=base_drv, observations=None, with_reaches=reaches)
        s = simulate(scen_c, drivers=scen_drv, observations=None, with_reaches=reaches)
        out.append((b.summary, _annual_sink(b), s.summary, _annual_sink(s)))
    return out


def _annual_sink(run) -> pd.Series:
    """Each calendar year's sink (t C km-2) where the run's summary takes it: at the spring, or for a river gauge
    (``[observations] discharge = "outlet"``) at the gauge, 0.5 x 12 x gauge runoff x gauge carbonic DIC day by day
    (Zeng et al. 2019 eq. 1, as :func:`karstmodel.accounting.sink.outlet_summary`)."""
    ts = run.timeseries
    if run.catchment.observations.discharge == "outlet" and run.summary["carbon_sink_tc_km2_yr"] != 0.0:
        daily = 0.5 * ZENG_C_G_MOL * 1e-3 * np.nan_to_num(ts["outlet_runoff_mm"] * ts["outlet_dic_carbonic_mmol_l"])
        return pd.Series(daily, index=ts.index).groupby(ts.index.year).sum()
    return ts["carbon_sink_tc_km2_d"].groupby(ts.index.year).sum()


def time_to_fraction(delta_annual: pd.Series, start_year: int, fraction: float = 0.9) -> float | None:
    """Years after ``start_year`` until the annual delta first reaches ``fraction`` of its final level (mean of the
    last three years). None if the change never reaches it or has no direction."""
    final = float(delta_annual.iloc[-3:].mean())
    if not np.isfinite(final) or abs(final) < 1e-12:
        return None
    after = delta_annual[delta_annual.index >= start_year]
    hit = after[(after / final) >= fraction]
    return float(hit.index[0] - start_year + 1) if len(hit) else None


def _ramp_end(changes, period_start: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day a change begins and the day the last ramp completes."""
    starts, ends = [], []
    for ch in changes:
        if isinstance(ch, (ParameterRamp, SoilWarming)):
            t0 = pd.Timestamp(ch.start)
            starts.append(t0)
            ends.append(t0 + pd.Timedelta(days=float(getattr(ch, "ramp_days", 0.0))))
        elif isinstance(ch, Irrigation):
            starts.append(pd.Timestamp(ch.start or period_start))
            ends.append(starts[-1])
        elif isinstance(ch, CarbonatePowder):
            starts.append(pd.Timestamp(ch.date))
            ends.append(starts[-1])
    return (min(starts) if starts else pd.Timestamp(period_start)), (max(ends) if ends else pd.Timestamp(period_start))


def autochthonous_oc_block(summary: dict) -> dict:
    """The biological carbon pump of the reaches in a run summary, in t C per year: autochthonous organic carbon
    formed (NPP of macrophytes and algae), buried (beds and, in lakes, the profundal sediment) and exported from
    the last reach, and the DIC entering the first reach; empty without reaches."""
    det = summary.get("surface_water", {}).get("fate_detail", {})
    if "autochthonous_oc_formed_mol" not in det:
        return {}
    k = M_C_G_MOL * 1e-6 / (summary["period"]["days"] / 365.25)  # mol over the period -> t C yr-1
    return {"formed_t_c_yr": det["autochthonous_oc_formed_mol"] * k,
            "buried_t_c_yr": det["autochthonous_oc_buried_mol"] * k,
            "exported_t_c_yr": det["autochthonous_oc_exported_mol"] * k,
            "karst_dic_in_t_c_yr": det["karst_dic_in_mol"] * k}


def _block(summary: dict) -> dict:
    keys = ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "outlet_runoff_mm_yr",
            "dic_mmol_l_flow_weighted", "carbonic_share_of_dic", "aet_mm_yr", "soil_respiration_gc_m2_yr",
            "water_balance_error", "carbon_balance_error", "period", "chemistry_backend", "database",
            "carbon_sink_by_source_tc_km2_yr", "dic_export_tc_km2_yr", "carbon_balance")
    out = {k: summary[k] for k in keys if k in summary}
    if "fate" in summary:
        out["fate"] = summary["fate"]
    aoc = autochthonous_oc_block(summary)
    if aoc:
        out["autochthonous_oc"] = aoc
    cb = summary.get("carbon_balance")
    if cb:
        # mmol C m-2 over the period -> t C km-2 yr-1 (1 g C m-2 = 1 t C km-2)
        k = M_C_G_MOL / 1000.0 / (summary["period"]["days"] / 365.25)
        out["soil_dic_leaching_tc_km2_yr"] = cb["soil_co2_uptake_mmol_m2"] * k
        out["carbon_balance_tc_km2_yr"] = {key.replace("_mmol_m2", "_tc_km2_yr"): v * k for key, v in cb.items()
                                           if key.endswith("_mmol_m2")}
    return out


class ScenarioResult(Shown, dict):
    """The result of :func:`run_scenario`: a dict (keys ``summary``, ``baseline``, ``scenario``, ``annual``,
    ``bands``, ``ensemble``, ``catchment``, ``scenario_files``) whose ``repr`` is a few lines (the sinks, the change
    with its interval and label, the balances) instead of every table."""

    def _display_rows(self) -> Rows:
        s = self.get("summary", {})
        b, d, unc = s.get("baseline", {}), s.get("delta", {}), s.get("uncertainty", {})
        iv = unc.get("delta_carbon_sink_tc_km2_yr")
        rows = [("period", f"{s.get('period', {}).get('start', '?')} .. {s.get('period', {}).get('end', '?')}"),
                ("carbon sink", f"baseline {number(b.get('carbon_sink_tc_km2_yr'), '.4g')}, scenario "
                                f"{number(s.get('carbon_sink_tc_km2_yr'), '.4g', 't C km-2 yr-1')}"),
                ("change", f"{number(d.get('delta_carbon_sink_tc_km2_yr'), '+.3g', 't C km-2 yr-1')} "
                           f"({d.get('sink_change_label', '?')})"),
                ("ensemble", f"{unc.get('members', 0)} members" + (
                    f"; change {number(iv['lo'], '+.3g')} .. {number(iv['hi'], '+.3g')} ({iv['kind']})" if iv else "")),
                ("balances (scenario)", f"water {number(s.get('water_balance_error'), '.1e')}, carbon "
                                        f"{number(s.get('carbon_balance_error'), '.1e')} (relative residuals)")]
        if s.get("warnings"):
            rows.append(("warnings", str(len(s["warnings"]))))
        return f"ScenarioResult {s.get('scenario', {}).get('name', '?')!r}", rows


def run_scenario(catchment: Catchment, scenario: dict, ensemble: int | None = None, workers: int = 1,
                 progress: bool = True) -> dict:
    """Baseline and scenario runs (central parameters and an ensemble). Returns the summary dict (baseline,
    scenario, delta, uncertainty, indicators, side effects, warnings) and the central results for figures.

    The baseline always runs on the catchment's own drivers (repeated to ``[climate] extend_to`` when the scenario
    extends the record), never on the scenario's climate; with ``extend_to`` the scenario starts from the baseline's
    initial storages, so both are identical until the first change. Intervals: a 90 % interval (5th-95th percentile)
    from at least :data:`MIN_MEMBERS_90` members, else the min-max range of the members with its expected coverage
    (n - 1) / (n + 1). Labels: :func:`change_label`; Zeng's index is not defined when runoff does not change.

    Parameters
    ----------
    catchment : Catchment
        The baseline catchment.
    scenario : dict
        The scenario (:func:`karstmodel.workflows.scenarios.load_scenario`).
    ensemble : int, optional
        Ensemble members (>= 0); default the scenario's ``[uncertainty] ensemble`` (8).
    workers : int, default 1
        Processes for the ensemble.
    progress : bool, default True
        A progress bar with ETA over the ensemble on stderr.

    Returns
    -------
    ScenarioResult
        A dict: ``summary`` (as above), ``baseline`` and ``scenario`` (:class:`SimulationResult` of the central
        runs; their reaches keep the daily tables, balances and fates but no sub-daily rows: run
        :func:`karstmodel.model.simulate.simulate` on a catchment for those), ``annual`` (sinks per year, t C
        km-2), ``bands`` (ensemble bands of the annual sinks or None), ``ensemble`` (one row per member),
        ``catchment`` (the scenario's catchment) and ``scenario_files`` ((role, path) of the scenario's own input
        files, :func:`karstmodel.workflows.scenarios.scenario_files`).

    Raises
    ------
    ValueError
        ``ensemble`` is not a whole number >= 0.
    """
    c0 = catchment
    raw = load_drivers(c0.drivers, c0.latitude, c0.start, c0.end, min_days=MIN_RECORD_DAYS)
    base_drv = baseline_drivers(raw, c0, scenario)
    scen_drv = climate_drivers(raw, c0, scenario)
    start = str(base_drv.data.index[0].date())
    record_end = str(raw.data.index[-1].date())
    extended = len(base_drv.data) > len(raw.data)
    c_s = apply_scenario(c0, scenario, start)
    c_s = replace(c_s, changes=tuple(c_s.changes) + climate_changes(scenario, record_end, start))
    pin = extended and "file" not in (scenario.get("climate") or {})
    unc = scenario.get("uncertainty", {})
    n_ens = ensemble if ensemble is not None else unc.get("ensemble", 8)
    if isinstance(n_ens, bool) or not isinstance(n_ens, (int, np.integer)) or n_ens < 0:
        raise ValueError(f"ensemble must be a whole number >= 0, got {n_ens!r}")
    n_ens = int(n_ens)
    members = []
    if n_ens > 0:
        if "glue_samples" in unc:
            members = glue_ensemble((Path(scenario["_path"]).parent / unc["glue_samples"]).resolve(), n_ens,
                                    int(unc.get("seed", 1)))
        else:
            members = prior_ensemble(c0, n_ens, int(unc.get("seed", 1)))
    jobs = [(_apply_member(c0, m), _apply_member(c_s, m), base_drv, scen_drv, pin, False) for m in members]
    # the central runs (with their reaches: the daily tables and fates without sub-daily rows, which no scenario
    # output reads, in the memory of one block of the often decades-long record) in two threads while the ensemble
    # runs here: the reaches' compiled loops release the GIL, so the three overlap; each run computes what it
    # computes alone
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="karstmodel-central") as ex:
        f_base = ex.submit(simulate, c0, drivers=base_drv, observations=None, reach_subdaily="none")
        f_scen = ex.submit(simulate, _same_start(c0, c_s, base_drv.data) if pin else c_s, drivers=scen_drv,
                           observations=None, reach_subdaily="none")
        try:
            results = map_chunks(_scenario_pairs, [[j] for j in jobs], workers, "scenario ensemble", len(jobs),
                                 progress, unit="member") if jobs else []
        except BaseException:
            for f in (f_base, f_scen):
                f.cancel()
            raise
        base, scen = f_base.result(), f_scen.result()
    delta = compare_runs(base.summary, scen.summary)
    b_an, s_an = _annual_sink(base), _annual_sink(scen)
    d_an = s_an - b_an
    # when the changes begin and their ramps end (the climate deltas of an extension ramp over the added days)
    clim = _climate_table(scenario)
    t_first, t_ramp_end = _ramp_end(c_s.changes, start)
    climate_delta = "file" in clim or any(clim.get(k, d0) != d0 for k, d0 in (("temp_delta_c", 0.0),
                                                                               ("precip_factor", 1.0),
                                                                               ("pet_factor", 1.0)))
    if climate_delta:
        c_start = pd.Timestamp(record_end) + pd.Timedelta(days=1) if extended else pd.Timestamp(start)
        c_end = scen_drv.data.index[-1] if extended else pd.Timestamp(start)
        t_first = min(t_first, c_start) if c_s.changes else c_start
        t_ramp_end = max(t_ramp_end, c_end)
    start_year = t_first.year
    t90 = time_to_fraction(d_an, start_year)
    settle = time_to_new_state(b_an, s_an, start_year)
    resp = response_time(base.timeseries)
    ramp_years = max((t_ramp_end - t_first).days / 365.25, 0.0)
    response_years = ramp_years + resp["store_response_years"]
    after_years = (base_drv.data.index[-1] - t_first).days / 365.25 + 1.0 / 365.25
    # the change once the ramps are complete and the slowest store has turned over once: mean over those years
    # (in fractional years: a slow store's turnover can reach past the last date pandas can hold, 2262)
    settled_from = int(np.floor(t_ramp_end.year + (t_ramp_end.day_of_year - 1) / 365.25
                                + resp["store_response_years"])) + 1
    late = d_an.index[(d_an.index >= settled_from) & d_an.index.isin(b_an.index)]
    late_change = {"from_year": int(settled_from), "years": int(len(late)),
                   "delta_carbon_sink_tc_km2_yr": float(d_an.loc[late].mean()) if len(late) >= 3 else None,
                   "relative_change": float(d_an.loc[late].sum() / b_an.loc[late].sum())
                   if len(late) >= 3 and b_an.loc[late].sum() != 0 else None,
                   "definition": "mean annual change over the full years after the last ramp ends plus one "
                                 "turnover of the slowest store (None: fewer than 3 such years)"}
    no_change = change_label(delta["delta_carbon_sink_tc_km2_yr"], base.summary["carbon_sink_tc_km2_yr"]) == "no change"
    if no_change:
        settle = {"year": None, "years_after_start": None, "reached": False, "note": "no change of the sink"}
    warnings = []
    if after_years < response_years and not no_change:
        warnings.append(
            f"the record ends {after_years:.1f} years after the first change, shorter than the catchment's response "
            f"time {response_years:.1f} years (ramp {ramp_years:.1f} yr + turnover of the slowest store "
            f"{resp['store_response_years']:.1f} yr): the change reported is a transient, not the new state; "
            "extend the record with [climate] extend_to")
    # ensemble (run above, beside the central runs)
    rows, an_b, an_s = [], [], []
    if jobs:
        for b, b_annual, s, s_annual in results:
            d = compare_runs(b, s)
            rows.append({"baseline_sink_tc_km2_yr": b["carbon_sink_tc_km2_yr"],
                         "scenario_sink_tc_km2_yr": s["carbon_sink_tc_km2_yr"], **d,
                         "delta_soil_dic_leaching_tc_km2_yr": _block(s).get("soil_dic_leaching_tc_km2_yr", np.nan)
                         - _block(b).get("soil_dic_leaching_tc_km2_yr", np.nan)})
            an_b.append(b_annual)
            an_s.append(s_annual)
    ens = pd.DataFrame(rows)
    uncertainty = {"members": int(len(rows)), "source": ("GLUE sample file" if "glue_samples" in unc else
                                                         "SRDB inter-quartile priors (R10, Q10) and root-zone storage +-25 %"),
                   "interval_rule": f"5th-95th percentile from >= {MIN_MEMBERS_90} members; with fewer, the min-max "
                                    "range of the members (expected coverage (n - 1) / (n + 1))"}
    for col in ("delta_carbon_sink_tc_km2_yr", "delta_carbon_sink_t_co2_yr", "delta_runoff_mm_yr", "delta_dic_mmol_l",
                "delta_soil_dic_leaching_tc_km2_yr", "baseline_sink_tc_km2_yr", "scenario_sink_tc_km2_yr"):
        if col in ens.columns and len(ens):
            uncertainty[col] = interval(ens[col].to_numpy())
    if len(ens):
        uncertainty["probability_sink_increases"] = float(np.mean(ens["sink_increases"]))
    bands = None
    if an_b:
        B, S = pd.concat(an_b, axis=1), pd.concat(an_s, axis=1)
        qs = [0.05, 0.5, 0.95] if len(an_b) >= MIN_MEMBERS_90 else [0.0, 0.5, 1.0]
        bands = {"baseline": B.quantile(qs, axis=1).T, "scenario": S.quantile(qs, axis=1).T,
                 "label": "5-95 %" if len(an_b) >= MIN_MEMBERS_90 else f"min-max of {len(an_b)}"}
    # decomposition of the change of the sink: CSF = k R D -> dCSF = k (dR D0 + R0 dD + dR dD)
    b, s = base.summary, scen.summary
    k = 0.5 * ZENG_C_G_MOL / 1000.0
    r0, d0 = b["runoff_mm_yr"], b["dic_carbonic_mmol_l_flow_weighted"]
    dr, dd = s["runoff_mm_yr"] - r0, s["dic_carbonic_mmol_l_flow_weighted"] - d0
    decomposition = {"from_runoff_tc_km2_yr": k * dr * d0, "from_dic_tc_km2_yr": k * r0 * dd,
                     "interaction_tc_km2_yr": k * dr * dd}
    side = {"runoff_change_mm_yr": delta["delta_runoff_mm_yr"],
            "runoff_change_m3_yr": delta["delta_runoff_mm_yr"] / 1000.0 * c0.area_km2 * 1e6,
            "carbonic_share_change": s.get("carbonic_share_of_dic", np.nan) - b.get("carbonic_share_of_dic", np.nan),
            "aet_change_mm_yr": s["aet_mm_yr"] - b["aet_mm_yr"],
            "irrigation_mm_yr": s["water_balance"].get("irrigation_mm", 0.0) * 365.25 / s["period"]["days"]}
    if "fate" in b and "fate" in s:
        delta["fate_change"] = {key: s["fate"][key] - b["fate"][key]
                                for key in ("export_dic", "aquatic_organic_carbon", "sediment", "degassed", "stability",
                                            "buried_autochthonous_oc") if key in s["fate"] and key in b["fate"]}
        aoc_b, aoc_s = autochthonous_oc_block(b), autochthonous_oc_block(s)
        if aoc_b and aoc_s:
            delta["autochthonous_oc_change_t_c_yr"] = {key: aoc_s[key] - aoc_b[key] for key in aoc_b}
    blk_b, blk_s = _block(b), _block(s)
    if "soil_dic_leaching_tc_km2_yr" in blk_b and "soil_dic_leaching_tc_km2_yr" in blk_s:
        delta["delta_soil_dic_leaching_tc_km2_yr"] = (blk_s["soil_dic_leaching_tc_km2_yr"]
                                                      - blk_b["soil_dic_leaching_tc_km2_yr"])
    # honest labels and an index that is only reported where it is defined
    dsink = delta["delta_carbon_sink_tc_km2_yr"]
    label = change_label(dsink, b["carbon_sink_tc_km2_yr"], uncertainty.get("delta_carbon_sink_tc_km2_yr"))
    zeng, zeng_note = delta["zeng_index"], ""
    if abs(delta["delta_runoff_mm_yr"]) <= NO_CHANGE_RELATIVE * abs(r0) + 1e-12 or not np.isfinite(zeng):
        zeng = None
        zeng_note = "not defined: runoff does not change (I = (dDIC/DIC0) / (dR/R0) needs dR != 0)"
    delta["zeng_index"] = zeng
    delta["sink_change_label"] = label
    summary = {"scenario": {"name": scenario["name"], "description": scenario.get("description", ""),
                            "file": str(scenario.get("_path", "")),
                            "changes": [repr(ch) for ch in c_s.changes],
                            "hydrotopes": [{"name": h.name, "land_use": h.land_use, "fraction": h.fraction}
                                           for h in c_s.hydrotopes], **blk_s},
               "baseline": blk_b, "delta": delta, "uncertainty": uncertainty,
               "indicators": {"zeng_index": zeng, "zeng_index_note": zeng_note,
                              "exact_criterion_product": delta["exact_criterion_product"],
                              "sink_increases": bool(dsink > NO_CHANGE_RELATIVE * abs(b["carbon_sink_tc_km2_yr"])),
                              "change_label": label,
                              "no_change_tolerance_tc_km2_yr": NO_CHANGE_RELATIVE * abs(b["carbon_sink_tc_km2_yr"]),
                              "time_to_90pct_years": t90,
                              "new_state": settle, "change_start_year": start_year,
                              "ramp_end": str(t_ramp_end.date()), "change_after_response": late_change,
                              "decomposition": decomposition},
               "response_time": {**resp, "ramp_years": ramp_years, "response_years": response_years,
                                 "record_years_after_change": after_years},
               "warnings": warnings,
               "side_effects": side,
               # the keys of a run summary (docs/interface.md), for the scenario
               **{k_: s[k_] for k_ in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr",
                                       "dic_mmol_l_flow_weighted", "period", "water_balance_error",
                                       "carbon_balance_error", "chemistry_backend", "database")}}
    if "fate" in s:
        summary["fate"] = s["fate"]
    return ScenarioResult({"summary": summary, "baseline": base, "scenario": scen, "annual": pd.DataFrame(
        {"baseline_tc_km2": b_an, "scenario_tc_km2": s_an, "delta_tc_km2": d_an}), "bands": bands, "ensemble": ens,
        "catchment": c_s, "scenario_files": scenario_files(scenario)})
