"""Split-sample calibration and validation of the Blowing Springs station (Arkansas; no weather drivers).

Calibrates the equilibrium chemistry (pco2_factor per system, gas_water_ratio of the mixed system) on
2011-06..2012-06 with scipy's differential evolution, validates on 2012-07..2013-06, then runs ``validate`` on the
calibrated station file; prints the validation-period metrics and the sink estimates (flux mode, Zeng et al. 2019;
C-Q rating with Duan 1983 smearing on the Little Sugar Creek-derived daily discharge, Knierim et al. 2015).
Data: Covington et al. (2021) J. Hydrol. 593:125824 (catchments/blowing_springs/PROVENANCE.md).

    python validation/validate_blowing_springs.py [--seed 1] [-o validation/output/blowing_springs] [--no-figures]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.catchment import resolve_catchment  # noqa: E402
from karstmodel.stations import calibrate_station, validate_station  # noqa: E402

NAME = "blowing_springs"


def _f(v, nd=3):
    return "n/a" if v is None else f"{v:.{nd}f}"


def print_station(cal: dict, val: dict) -> None:
    print(f"== {val['station']}: split-sample calibration ({cal['calibration']['optimiser']}, seed "
          f"{cal['calibration']['seed']}, objective {cal['calibration']['objective']} on "
          f"{cal['calibration']['fit_samples']} samples) ==")
    print("periods: " + "; ".join(f"{k} {v}" for k, v in val["metrics_periods"].items()))
    for src, blk in cal["calibration"]["sources"].items():
        if "systems" not in blk:
            print(f"{src}: {blk.get('note')}")
            continue
        for system, b in blk["systems"].items():
            pars = ", ".join(f"{k} = {v:.4g}" for k, v in b["parameters"].items())
            print(f"  calibrated {src:<8s} {system:<6s} {pars}"
                  + f"  (calibration loss {b['loss']:.3f}, n = {b['n_calibration_samples']})")
        print(f"  best system ({src}): {blk['best_system']}")
    for src, blk in cal["calibration"]["sources"].items():
        for system, b in blk.get("systems", {}).items():
            if "note" in b:
                print(f"  note ({src}, {system}): {b['note']}")
    if "sources" not in val["chemistry_model"]:
        print(f"\nchemistry model: {val['chemistry_model']['note']}")
    else:
        print("\nchemistry model: DIC (mmol/L) predicted by carbonate equilibrium from measured CO2")
        print(f"  {'source':<9s}{'system':<8s}{'period':<12s}{'n':>4s}{'KGE':>8s}{'NSE':>8s}{'PBIAS%':>8s}"
              f"{'RMSE':>8s}{'KGE baseflow':>14s}")
    for src, blk in val["chemistry_model"].get("sources", {}).items():
        for system, b in blk["systems"].items():
            for per in ("calibration", "validation"):
                m = b["metrics"][per]["dic_mmol_l"]
                mb = b["metrics"][per].get("dic_mmol_l_baseflow", {})
                print(f"  {src:<9s}{system:<8s}{per:<12s}{m['n']:>4d}{_f(m['kge']):>8s}{_f(m['nse']):>8s}"
                      f"{_f(m['pbias'], 1):>8s}{_f(m['rmse']):>8s}{_f(mb.get('kge')):>14s}")
    print("\nvalidation-period metrics (summary.json 'metrics'):")
    for var, m in val["metrics"]["validation"].items():
        print(f"  {var:<22s} n={m['n']:<4d} KGE {_f(m['kge'])}  NSE {_f(m['nse'])}  PBIAS {_f(m['pbias'], 1)} %  "
              f"RMSE {_f(m['rmse'])}   [{val['metrics_models'].get(var, '')}]")
    print("\ncarbon sink estimates (carbonic-acid share, outlet based):")
    for key, b in val["sinks"].items():
        iv = b.get("interval_90", {})
        txt = (f"  {key:<27s} {b['carbon_sink_t_c_yr']:.4g} t C/yr"
               + (f" (90 % {iv['t_c_yr'][0]:.4g} .. {iv['t_c_yr'][1]:.4g})" if "t_c_yr" in iv else "")
               + f" = {b['carbon_sink_t_co2_yr']:.4g} t CO2/yr")
        if b.get("carbon_sink_tc_km2_yr") is not None:
            txt += (f"; {b['carbon_sink_tc_km2_yr']:.3g} t C km-2 yr-1"
                    + (f" (90 % {iv['tc_km2_yr'][0]:.3g} .. {iv['tc_km2_yr'][1]:.3g})" if "tc_km2_yr" in iv else ""))
        print(txt + f"; flow-weighted DIC {b['dic_mmol_l_flow_weighted']:.3f} mmol/L, "
              f"mean Q {b['mean_q_m3_s']:.4g} m3/s")
        if "range_t_c_yr" in b:
            print(f"    carbonic-acid only (minus 2 SO4 + NO3, an upper bound of strong-acid weathering): "
                  f"{b['range_t_c_yr'][0]:.4g} .. {b['range_t_c_yr'][1]:.4g} t C/yr")
        elif "note" in b.get("carbonic_only", {}):
            print(f"    {b['carbonic_only']['note']}")
    fm = val["sinks"].get("flux_from_samples", {})
    if fm:
        print(f"  sampling bias: {fm['sampling_bias']['statement']}")
    print(f"\nwrote {cal['output_dir']}/ and {val['output_dir']}/")


def main(argv=None, name: str = NAME) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("-o", "--output", default=str(Path("validation") / "output" / name))
    ap.add_argument("--no-figures", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = Path(a.output)
    cal = calibrate_station(resolve_catchment(name), out / "calibrate", seed=a.seed, figures=not a.no_figures)
    val = validate_station(out / "calibrate" / "station.toml", out / "validate", figures=not a.no_figures)
    print_station(cal, val)
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
