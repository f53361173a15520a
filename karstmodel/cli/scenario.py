"""``karstmodel scenario``: a catchment with and without the changes of a scenario file, over a parameter ensemble
(argument handling and printing only)."""
from __future__ import annotations

from pathlib import Path

from ..config.catchment import load_catchment, resolve_catchment
from ..io.files import atomic_output_dir, default_output_dir
from .options import add_overwrite, count, owner
from .process import imports_done


def register(sub) -> None:
    """The ``scenario`` command and its options."""
    sc = sub.add_parser("scenario", help="baseline vs land-use/management/climate scenario, with uncertainty",
                        description="Run the catchment with and without the changes of SCENARIO (a scenario TOML: "
                        "land-use conversion, soil improvement, irrigation with exogenous water, aquatic plant "
                        "cultivation, carbonate powder, acid inputs, climate deltas, soil-only warming) and a parameter "
                        "ensemble; the baseline runs on the catchment's own drivers (repeated to [climate] extend_to). "
                        "Writes baseline, scenario and delta blocks to summary.json; intervals are 5-95 % from >= 20 "
                        "members, else the members' min-max range.")
    sc.add_argument("catchment", help="catchment file, folder or bundled name")
    sc.add_argument("scenario", help="scenario file (TOML: land-use, management or climate changes)")
    sc.add_argument("--ensemble", type=int, help="ensemble members (default: the scenario file's, else 8)")
    sc.add_argument("--workers", type=int, default=1, help="processes for the ensemble (default 1; -1 = all cores)")
    sc.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>-<scenario>)")
    sc.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    sc.add_argument("--quiet", action="store_true", help="no progress bar")
    add_overwrite(sc)
    sc.set_defaults(func=cmd_scenario)


def cmd_scenario(args) -> int:
    """Run the baseline and the scenario over the ensemble, write the report and print the changes."""
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (karstmodel.cli)
    from ..workflows.report import write_scenario  # deferred: heavy (karstmodel.cli)
    from ..workflows.scenarios import load_scenario, run_scenario, scenario_inputs  # deferred: heavy (karstmodel.cli)
    imports_done()
    count(args.ensemble, "--ensemble", lo=0)
    count(args.workers, "--workers", allow=(-1,))
    path = resolve_catchment(args.catchment)
    c = load_catchment(path)
    sc = load_scenario(args.scenario)
    outdir = Path(args.output) if args.output else default_output_dir(f"{c.name}-{sc['name']}")
    with atomic_output_dir(outdir, protect=catchment_inputs(c) + scenario_inputs(sc),
                           owner=owner(args, "scenario", path, args.scenario)) as tmp:
        res = run_scenario(c, sc, ensemble=args.ensemble, workers=args.workers or 1, progress=not args.quiet)
        write_scenario(res, tmp, figures=not args.no_figures)
    for line in scenario_lines(c.name, sc["name"], res["summary"]):
        print(line)
    print(f"  wrote {outdir}/ (summary.json, annual_sink.csv, report.html, report.md, figures)")
    return 0


def _interval_text(q: dict | None, fmt: str) -> str:
    if not q:
        return ""
    return f"; {q['kind']}: {fmt.format(q['lo'])} .. {fmt.format(q['hi'])}"


def scenario_lines(catchment: str, scenario: str, s: dict) -> list[str]:
    """The printed summary of a scenario run: sink, label, interval (with its rule), runoff and DIC, Zeng's index or
    why it is not defined, soil DIC leaching, carbon balance closure, time to the new state, warnings."""
    d, u, ind, b, sc = s["delta"], s["uncertainty"], s["indicators"], s["baseline"], s["scenario"]
    label = ind["change_label"]
    if label == "no change":
        label = f"no change: |change| <= {ind['no_change_tolerance_tc_km2_yr']:.2g}"
    out = [f"karstmodel scenario: {catchment} / {scenario}",
           f"  sink {b['carbon_sink_tc_km2_yr']:.2f} -> {sc['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1: change "
           f"{d['delta_carbon_sink_tc_km2_yr']:+.3f} ({label}"
           f"{_interval_text(u.get('delta_carbon_sink_tc_km2_yr'), '{:+.3f}')}); "
           f"{d['delta_carbon_sink_t_co2_yr']:+.1f} t CO2/yr"]
    if u["members"]:
        out.append(f"  ensemble: {u['members']} members ({u['source']}); intervals: {u['interval_rule']}")
    zeng = (f"Zeng index {ind['zeng_index']:.2f}" if ind["zeng_index"] is not None
            else f"Zeng index {ind['zeng_index_note']}")
    out.append(f"  runoff {d['delta_runoff_mm_yr']:+.1f} mm/yr, DIC {d['delta_dic_mmol_l']:+.4f} mmol/L; {zeng}; "
               f"exact criterion (1+a)(1-b) = {ind['exact_criterion_product']:.4f}")
    if "soil_dic_leaching_tc_km2_yr" in b:
        out.append(f"  soil DIC leaching {b['soil_dic_leaching_tc_km2_yr']:.2f} -> {sc['soil_dic_leaching_tc_km2_yr']:.2f}"
                   f" t C km-2 yr-1 ({d['delta_soil_dic_leaching_tc_km2_yr']:+.3f}); carbon balance closes to "
                   f"{b['carbon_balance_error']:.1e} (baseline) and {sc['carbon_balance_error']:.1e} (scenario) of the inputs")
    if "autochthonous_oc" in b and "autochthonous_oc" in sc:
        ab, asc = b["autochthonous_oc"], sc["autochthonous_oc"]
        out.append(f"  reaches: autochthonous OC formed {ab['formed_t_c_yr']:.3g} -> {asc['formed_t_c_yr']:.3g}, "
                   f"buried {ab['buried_t_c_yr']:.3g} -> {asc['buried_t_c_yr']:.3g}, exported "
                   f"{ab['exported_t_c_yr']:.3g} -> "
                   f"{asc['exported_t_c_yr']:.3g} t C/yr (karst DIC in {ab['karst_dic_in_t_c_yr']:.3g} t C/yr); "
                   f"buried share of the DIC passing {b['fate']['buried_autochthonous_oc']:.2%} -> "
                   f"{sc['fate']['buried_autochthonous_oc']:.2%}")
    st, rt = ind["new_state"], s["response_time"]
    settle = f"new state: {st['note']}"
    t90 = ind["time_to_90pct_years"]
    out.append(f"  {settle}; 90 % of the final change after "
               f"{'(never within the record)' if t90 is None else f'{t90:.0f} years'}; response time "
               f"{rt['response_years']:.1f} yr (ramp {rt['ramp_years']:.1f} + slowest store "
               f"{rt['store_response_years']:.1f})")
    late = ind.get("change_after_response") or {}
    if late.get("delta_carbon_sink_tc_km2_yr") is not None:
        out.append(f"  change once the ramps are complete and the slowest store has turned over ({late['from_year']}-, "
                   f"{late['years']} years): {late['delta_carbon_sink_tc_km2_yr']:+.3f} t C km-2 yr-1 "
                   f"({late['relative_change']:+.1%} of the baseline)")
    for w in s.get("warnings", []):
        out.append(f"  warning: {w}")
    return out
