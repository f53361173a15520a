#!/usr/bin/env python
"""Spring and river chemistry against real stations: the numbers of validation/README.md, "Chemistry".

    python validation/validate_chemistry.py [--calibrate] [-o OUTDIR]

For the bundled Evenlode (NRFA 39034 with the CEH Thames Initiative weekly samples): the process model's metrics
for discharge, DIC, Ca and alkalinity on the calibration (2009-03..2011-02) and validation (2011-03..2013-02)
samples next to the concentration-discharge rating fitted on the calibration samples, the C-Q slopes and the
seasonal cycles (observed vs simulated), the sink at the gauge with the model's carbonic-acid share of DIC and the
samples' own stoichiometry. ``--calibrate`` first recalibrates (``karstmodel calibrate evenlode_cassington`` with the
file's periods and weights, GLUE off) and reports the fit time; without it the bundled, calibrated file is
validated as it stands. Writes the summary and figures into OUTDIR (default validation/output/chemistry).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from karstmodel.workflows.calibration import setup_from_catchment
from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.workflows.report import calibrate_catchment, validate_catchment

VARIABLES = ("q", "dic_mmol_l", "ca_mmol_l", "alk_meq_l")


def table(s: dict) -> list[str]:
    rows = ["| period | variable | n | model KGE | rating KGE | model PBIAS % | rating PBIAS % | model NSE |",
            "|---|---|---|---|---|---|---|---|"]
    for period in ("calibration", "validation"):
        for v in VARIABLES:
            m = s["metrics"].get(period, {}).get(v)
            if m is None:
                continue
            b = s.get("benchmark", {}).get(period, {}).get(v)
            rk = f"{b['kge']:.3f}" if b else "-"
            rp = f"{b['pbias']:+.1f}" if b else "-"
            rows.append(f"| {period} | {v} | {m['n']} | {m['kge']:.3f} | {rk} | {m['pbias']:+.1f} | {rp} | "
                        f"{m['nse']:.3f} |")
    return rows


def behaviour_lines(s: dict) -> list[str]:
    out = ["| variable | C-Q slope observed (all samples) | simulated, sample days | simulated, all days | "
           "seasonal amplitude obs / sim | r of monthly medians |", "|---|---|---|---|---|---|"]
    for v, blk in s.get("chemistry_behaviour", {}).items():
        if v not in VARIABLES:
            continue
        a = blk["cq_slope"]["all"]
        mm = blk["monthly_median"]
        out.append(f"| {v} | {a['observed']['b']:+.3f} +- {a['observed']['se']:.3f} | "
                   f"{a['simulated_sample_days']['b']:+.3f} | {a['simulated_all_days']['b']:+.3f} | "
                   f"{mm['amplitude_observed']:.3f} / {mm['amplitude_simulated']:.3f} | {mm['r']:.2f} |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibrate", action="store_true", help="recalibrate first (reports the fit time)")
    ap.add_argument("-o", "--output", default="validation/output/chemistry", help="output folder")
    args = ap.parse_args(argv)
    out = Path(args.output)
    c = load_catchment(resolve_catchment("evenlode_cassington"))
    t0 = time.perf_counter()
    if args.calibrate:
        setup = setup_from_catchment(c, c.calibration)
        s = calibrate_catchment(c, setup, out / "evenlode-calibrate", uncertainty="none")
        print(f"calibration: {s['calibration']['evaluations']} runs in {s['calibration']['seconds']:.0f} s")
    else:
        s = validate_catchment(c, out / "evenlode-validate")
    print(f"Evenlode at Cassington Mill ({time.perf_counter() - t0:.0f} s)")
    print("\n".join(table(s)))
    print()
    print("\n".join(behaviour_lines(s)))
    o = s["outlet"]
    print()
    print(f"sink at the gauge {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1 (Zeng eq. 1), stoichiometric "
          f"{o['carbon_sink_stoichiometric_tc_km2_yr']:.2f}; model carbonic-acid share of DIC "
          f"{o['carbonic_share_of_dic']:.3f}")
    a = s.get("strong_acids", {}).get("samples")
    if a:
        print(f"samples (medians, meq/L): Ca+Mg {a['ca_mg_meq_l']:.2f} vs alk + 2 SO4 + NO3 "
              f"{a['alk_2so4_no3_meq_l']:.2f} (alk {a['alk_meq_l']:.2f}, 2 SO4 {a['so4_meq_l']:.2f}, NO3 "
              f"{a['no3_meq_l']:.2f}); (Ca+Mg)/HCO3 {a['ca_mg_over_hco3_molar']:.3f}; carbonic share of DIC >= "
              f"{a['carbonic_share_lower_bound']:.3f}")
    print(f"water balance error {s['water_balance_error']:.1e}, carbon balance error {s['carbon_balance_error']:.1e}, "
          f"gauge budget {o['relative_error']:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
