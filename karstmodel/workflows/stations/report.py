"""The text of a station's results: the short command-line lines and ``report.md`` (no science here)."""
from __future__ import annotations

from pathlib import Path

from ...reporting.text import _fmt, _ratio_label, _sig


def result_lines(s: dict) -> list[str]:
    """Short result lines for the command line."""
    L = []
    sp = s["speciation"]
    L.append(f"samples {s['period']['samples']} ({s['period']['start']} .. {s['period']['end']}), speciated "
             f"{sp['n_speciated']}: log pCO2 median {_fmt(sp['log_pco2'].get('median'))} "
             f"(5-95 % {_fmt(sp['log_pco2'].get('p05'))} .. {_fmt(sp['log_pco2'].get('p95'))}), SI calcite median "
             f"{_fmt(sp['si_calcite'].get('median'))}, DIC median {_fmt(sp['dic_mmol_l'].get('median'))} mmol/L")
    st_ = s.get("stoichiometry", {})
    if "median" in st_:
        L.append(f"{_ratio_label(st_['ratio'])} molar median {_fmt(st_['median'])} (carbonic-acid weathering: 0.5)")
    for key, label in (("flux_from_samples", "sink from samples (flux mode, sampling-biased)"),
                       ("rating_on_daily_discharge", "sink from C-Q rating x daily discharge")):
        b = s["sinks"].get(key)
        if not b:
            continue
        iv = b.get("interval_90", {})
        txt = f"{label}: {_sig(b['carbon_sink_t_c_yr'])} t C/yr"
        if "t_c_yr" in iv:
            txt += f" (90 % {_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])})"
        txt += f" = {_sig(b['carbon_sink_t_co2_yr'])} t CO2/yr"
        if b.get("carbon_sink_tc_km2_yr") is not None:
            txt += f"; {_sig(b['carbon_sink_tc_km2_yr'])} t C km-2 yr-1"
        L.append(txt)
        if "range_t_c_yr" in b:
            L.append(f"  carbonic-acid only (minus strong-acid upper bound): {_sig(b['range_t_c_yr'][0])} .. "
                     f"{_sig(b['range_t_c_yr'][1])} t C/yr")
    cm = s.get("chemistry_model", {})
    for src, blk in cm.get("sources", {}).items():
        parts = []
        for system, v in blk["systems"].items():
            mm = v["metrics"]
            parts.append(system + " " + "/".join(_fmt(mm[k]["dic_mmol_l"]["kge"]) for k in mm if k != "all"))
        per = "/".join(k for k in next(iter(blk["systems"].values()))["metrics"] if k != "all")
        L.append(f"equilibrium DIC from {src.replace('_', '-')} CO2 (n={blk['n_matched']}), KGE {per}: "
                 + ", ".join(parts) + f"; best {blk['best_system']}")
        for system, v in blk["systems"].items():
            if "degassing" not in v:
                continue
            mm = {k: x for k, x in v["degassing"]["metrics"].items() if k != "all"}
            L.append(f"  {system} + cave-air degassing (exchange number {_sig(v['parameters']['exchange_number'])})"
                     f", {'/'.join(mm)}: DIC KGE "
                     + "/".join(f"{_fmt(x['dic_mmol_l_no_degassing']['kge'])}->{_fmt(x['dic_mmol_l']['kge'])}"
                                for x in mm.values())
                     + ", pH RMSE " + "/".join(f"{_fmt(x['ph_no_degassing']['rmse'])}->{_fmt(x['ph']['rmse'])}"
                                               for x in mm.values()))
    for k, blk in s["metrics"].items():
        m = blk.get("dic_mmol_l_cq")
        if m and m["n"]:
            L.append(f"C-Q rating {k} (n={m['n']}): KGE {_fmt(m['kge'])}, NSE {_fmt(m['nse'])}, "
                     f"PBIAS {_fmt(m['pbias'], 1)} %")
    return L


def _metrics_rows(metrics: dict) -> list[str]:
    rows = ["| period | variable | n | KGE | NSE | PBIAS % | RMSE | MAE |", "|---|---|---|---|---|---|---|---|"]
    for per, blk in metrics.items():
        for var, m in blk.items():
            rows.append(f"| {per} | {var} | {m['n']} | {_fmt(m['kge'], 3)} | {_fmt(m['nse'], 3)} | "
                        f"{_fmt(m['pbias'], 1)} | {_sig(m['rmse'])} | {_sig(m['mae'])} |")
    return rows


def _report(s: dict, title: str, figs: dict, extra: list[str] | None = None) -> str:
    L = [f"# {title}", "", f"Station `{s['station']}` ({s['source']}). {s['description']}".strip(), "",
         f"Samples {s['period']['samples']}, {s['period']['start']} .. {s['period']['end']}. "
         + (f"Area {s['area_km2']:g} km2." if s["area_km2"] else "No area given: sinks as mass fluxes only."),
         "", "No meteorological drivers: the catchment model is not run. What is tested here: speciation of the "
         "samples, observation-based sinks, the C-Q rating (split sample) and, where CO2 was measured, the "
         "equilibrium chemistry of karstmodel's recharge (open/closed/mixed) against observed DIC.", ""]
    sp = s["speciation"]
    L += ["## Speciation (chemistry.speciate, native solver, pinned phreeqc.dat)", "",
          f"{sp['n_speciated']} of {sp['n_samples']} samples speciated"
          + ("; not speciated: " + "; ".join(f"{k} x{v}" for k, v in sp["errors"].items()) if sp["errors"] else "")
          + (f"; pH from estimates (ph_est) in {sp.get('ph_from_estimates', 0)} samples" if sp.get(
              "ph_from_estimates") else "") + ".", "",
          "| quantity | n | median | 5 % | 25 % | 75 % | 95 % | min | max |", "|---|---|---|---|---|---|---|---|---|"]
    for k in ("log_pco2", "pco2_ppm", "si_calcite", "si_dolomite", "dic_mmol_l", "ionic_strength",
              "charge_balance_pct"):
        d = sp.get(k, {})
        if d.get("n"):
            L.append(f"| {k} | {d['n']} | {_sig(d['median'], 4)} | {_sig(d['p05'], 4)} | {_sig(d['p25'], 4)} | "
                     f"{_sig(d['p75'], 4)} | {_sig(d['p95'], 4)} | {_sig(d['min'], 4)} | {_sig(d['max'], 4)} |")
    L += ["", f"Charge balance: {sp['charge_balance_note']}."]
    st_ = s["stoichiometry"]
    if "median" in st_:
        L += ["", f"Stoichiometry: {_ratio_label(st_['ratio'])} median {_fmt(st_['median'])} "
              f"(25-75 % {_fmt(st_['p25'])} .. "
              f"{_fmt(st_['p75'])}, n = {st_['n']}); {st_['note']}; share of samples above 0.55: "
              f"{_fmt(100 * st_['share_above_0_55'], 0)} %."]
    L += ["", "## Observation-based carbon sink (Zeng et al. 2019, flux mode)", "", s["sink_accounting"] + ".", ""]
    L += ["| estimate | t C/yr | 90 % interval | t CO2/yr | t C km-2 yr-1 | flow-weighted DIC mmol/L | mean Q m3/s |",
          "|---|---|---|---|---|---|---|"]
    for key, b in s["sinks"].items():
        for label, bb in ((key, b), (key + ", carbonic only", b.get("carbonic_only", {}))):
            if "carbon_sink_t_c_yr" not in bb:
                continue
            iv = bb.get("interval_90", {})
            L.append(f"| {label} | {_sig(bb['carbon_sink_t_c_yr'])} | "
                     + (f"{_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])}" if "t_c_yr" in iv else "n/a")
                     + f" | {_sig(bb['carbon_sink_t_co2_yr'])} | {_sig(bb.get('carbon_sink_tc_km2_yr'))} | "
                     f"{_sig(bb['dic_mmol_l_flow_weighted'], 4)} | {_sig(bb['mean_q_m3_s'])} |")
    fm = s["sinks"].get("flux_from_samples")
    if fm:
        b = fm["sampling_bias"]
        L += ["", f"Sampling bias: {b['statement']}. Mean sample discharge {_sig(b['mean_sample_q_m3_s'])} m3/s, "
              f"median {_sig(b['median_sample_q_m3_s'])} m3/s"
              + (f", storm samples {_fmt(100 * b['share_storm_samples'], 0)} %" if "share_storm_samples" in b else "")
              + (f"; mean daily discharge of the continuous record {_sig(b['mean_daily_q_m3_s'])} m3/s "
                 f"({b['daily_q_period'][0]} .. {b['daily_q_period'][1]}, ratio "
                 f"{_fmt(b['ratio_mean_sample_q_to_mean_daily_q'])})"
                 if "mean_daily_q_m3_s" in b else "") + "."]
        if "note" in fm.get("carbonic_only", {}):
            L.append(f"Strong acids: {fm['carbonic_only']['note']}.")
    rl = s["sinks"].get("rating_on_daily_discharge")
    if rl:
        r = rl["rating"]
        L += ["", f"Rating load: {r['form']}, n = {r['n']}, R2 = {_fmt(r['r2'], 3)}, residual SE "
              f"{_fmt(r['residual_se'], 3)} (ln units), smearing factor {_fmt(r['smearing_factor'], 4)}; "
              f"coefficients " + ", ".join(f"{k} = {v:.4g}" for k, v in r["coefficients"].items())
              + f"; daily discharge {rl['period']['start']} .. {rl['period']['end']} ({rl['n_days']} days), "
              f"{_fmt(100 * rl['share_days_outside_sampled_q'], 1)} % of the days "
              f"({_fmt(100 * rl['share_load_outside_sampled_q'], 1)} % of the load) outside the sampled discharge "
              f"range {_sig(r['q_range_m3_s'][0])} .. {_sig(r['q_range_m3_s'][1])} m3/s."]
        if rl.get("interval_90", {}).get("covers"):
            L.append(f"The 90 % interval covers the {rl['interval_90']['covers']}.")
        if rl["discharge"].get("note"):
            L.append(f"Discharge: {rl['discharge']['note']}")
        if rl["discharge"].get("overlaps_samples") is False:
            L.append("The daily discharge record does not overlap the sampling period: the rating is transferred "
                     "in time (assumes an unchanged C-Q relation).")
    L += ["", "## Model checks: metrics per period", "",
          "Periods: " + "; ".join(f"{k} {v}" for k, v in s["metrics_periods"].items())
          + ". Variables: " + "; ".join(f"`{k}` = {v}" for k, v in s["metrics_models"].items()) + ".", ""]
    L += _metrics_rows(s["metrics"])
    cm = s["chemistry_model"]
    if "sources" in cm:
        L += ["", "## Chemistry model: equilibrium DIC from measured CO2", "",
              f"Recharge pCO2 = pco2_factor x CO2 (ppmv) x 1e-6 x {cm['pressure_atm']:.4f} atm (barometric pressure "
              f"at the station elevation); mineral {cm['mineral']}; {cm['temperature']}.", "",
              "| CO2 source | system | parameters | period | n | KGE DIC | r | NSE DIC | PBIAS % | RMSE mmol/L | "
              "KGE DIC baseflow |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for src, blk in cm["sources"].items():
            for system, v in blk["systems"].items():
                ptxt = ", ".join(f"{k} {_sig(x, 4)}" for k, x in v["parameters"].items())
                for per, mm in v["metrics"].items():
                    d = mm["dic_mmol_l"]
                    b = mm.get("dic_mmol_l_baseflow", {})
                    L.append(f"| {src} | {system} | {ptxt} | {per} | {d['n']} | {_fmt(d['kge'], 3)} | "
                             f"{_fmt(d['r'], 2)} | {_fmt(d['nse'], 3)} | {_fmt(d['pbias'], 1)} | {_sig(d['rmse'])} | "
                             f"{_fmt(b.get('kge'), 3) if b else 'n/a'} |")
            L.append(f"| {src} | best: **{blk['best_system']}** ({blk['best_by']}) | | | | | | | | | |")
        L += ["", "Storm samples mix undersaturated event water and are not at equilibrium with soil air; the "
              "baseflow columns isolate the equilibrium test."]
        deg = [(src, system, v) for src, blk in cm["sources"].items() for system, v in blk["systems"].items()
               if "degassing" in v]
        if deg:
            L += ["", "### CO2 exchange with the cave air before the outlet (karstmodel.cave_degassing)", "",
                  "The recharge water above exchanges CO2 with the cave air (first-order exchange, exchange number "
                  "N = k_L T / h; Ca and alkalinity unchanged, calcite precipitation inhibited). Same samples "
                  "before (recharge water) and after (outlet water); `me` = mean error (prediction - observation).",
                  "", "| system | N | period | n | KGE DIC before | after | PBIAS DIC before | after | pH RMSE before "
                  "| after | pH me before | after | SI me before | after | CO2 degassed mmol/L (median) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
            for src, system, v in deg:
                d = v["degassing"]
                for per, mm in d["metrics"].items():
                    a, b = mm["dic_mmol_l"], mm["dic_mmol_l_no_degassing"]
                    L.append(f"| {system} | {_sig(v['parameters']['exchange_number'])} | {per} | {a['n']} | "
                             f"{_fmt(b['kge'])} | {_fmt(a['kge'])} | {_fmt(b['pbias'], 1)} | {_fmt(a['pbias'], 1)} | "
                             f"{_fmt(mm['ph_no_degassing']['rmse'])} | {_fmt(mm['ph']['rmse'])} | "
                             f"{_fmt(mm['ph_no_degassing']['me'])} | {_fmt(mm['ph']['me'])} | "
                             f"{_fmt(mm['si_calcite_no_degassing']['me'])} | {_fmt(mm['si_calcite']['me'])} | "
                             f"{_sig(d['co2_degassed_mmol_kgw'].get('median'))} |")
    else:
        L += ["", f"Chemistry model: {cm['note']}."]
    if s.get("notes"):
        L += ["", "## Notes", ""] + [f"- {n}" for n in s["notes"]]
    L += (extra or [])
    L += ["", "## Figures", ""] + [f"![{k}]({Path(p).name})" for k, p in figs.items()]
    L += ["", "References: Zeng, Liu & Kaufmann (2019) Nat. Commun. 10:5749; Duan (1983) J. Am. Stat. Assoc. "
          "78:605; Covington et al. (2021) J. Hydrol. 593:125824; Knierim et al. (2015) (Blowing Springs discharge "
          "relation); Plummer & Busenberg (1982) GCA 46:1011 and the PHREEQC 3.7.3 database."]
    return "\n".join(L) + "\n"
