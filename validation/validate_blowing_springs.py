"""Split-sample calibration and validation of the Blowing Springs station (Arkansas; no weather drivers).

Calibrates the equilibrium chemistry (pco2_factor per system, gas_water_ratio of the mixed system) on
2011-06..2012-06 with scipy's differential evolution, validates on 2012-07..2013-06, then runs ``validate`` on the
calibrated station file; prints the validation-period metrics and the sink estimates (flux mode, Zeng et al. 2019;
C-Q rating with Duan 1983 smearing on the Little Sugar Creek-derived daily discharge, Knierim et al. 2015).
Data: Covington et al. (2021) J. Hydrol. 593:125824 (catchments/blowing_springs/PROVENANCE.md).

Then the same with CO2 exchange with the cave air before the outlet (``[model] degassing = "cave_air"``,
karstmodel/cave_degassing.py; the exchange number calibrated on pH) and the numbers that explain the station:
DIC and pH before/after the exchange on the same samples, the bound on the DIC the exchange can remove (full
exchange), and the correlation of the baseflow Ca with the soil CO2 of the sampling day and with its mean over the
preceding weeks to months.

    python validation/validate_blowing_springs.py [--seed 1] [-o validation/output/blowing_springs] [--no-figures]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import chemistry  # noqa: E402
from karstmodel.accounting import metrics as M  # noqa: E402
from karstmodel.workflows import stations as S  # noqa: E402
from karstmodel.config.catchment import resolve_catchment  # noqa: E402
from karstmodel.processes.cave_degassing import exchange_with_cave_air  # noqa: E402
from karstmodel.workflows.stations import calibrate_station, validate_station  # noqa: E402

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


def print_degassing(val: dict) -> None:
    """Before (recharge water) and after (outlet water) the CO2 exchange with the cave air, same samples."""
    print("\nCO2 exchange with the cave air before the outlet (karstmodel.processes.cave_degassing), soil CO2, same samples:")
    print(f"  {'system':<7s}{'N':>6s} {'period':<12s}{'n':>3s}  {'KGE DIC':>13s}  {'PBIAS DIC %':>13s}  "
          f"{'RMSE DIC':>13s}  {'pH RMSE':>11s}  {'pH r':>11s}  {'pH me':>13s}  {'SI me':>13s}")
    for system, b in val["chemistry_model"]["sources"]["soil"]["systems"].items():
        d = b.get("degassing")
        if d is None:
            continue
        for per in ("calibration", "validation"):
            m = d["metrics"][per]

            def two(var, key, nd=2):
                return f"{_f(m[var + '_no_degassing'][key], nd)}->{_f(m[var][key], nd)}"

            print(f"  {system:<7s}{b['parameters']['exchange_number']:>6.3g} {per:<12s}{m['dic_mmol_l']['n']:>3d}  "
                  f"{two('dic_mmol_l', 'kge'):>13s}  {two('dic_mmol_l', 'pbias', 1):>13s}  "
                  f"{two('dic_mmol_l', 'rmse', 3):>13s}  {two('ph', 'rmse'):>11s}  {two('ph', 'r'):>11s}  "
                  f"{two('ph', 'me'):>13s}  {two('si_calcite', 'me'):>13s}")
        q = d["co2_degassed_share_of_dic"]
        print(f"  {'':<7s}CO2 degassed: median {_f(d['co2_degassed_mmol_kgw']['median'], 4)} mmol/L "
              f"({_f(100 * q['median'], 1)} % of DIC, range {_f(100 * q['min'], 1)} .. {_f(100 * q['max'], 1)} %); "
              f"equilibration fraction median {_f(d['equilibration_fraction']['median'], 2)}")


def explain(station_path, pco2_factor_calibrated: float) -> None:
    """Why DIC is not reproduced: the most DIC the exchange can remove (full exchange at fixed Ca) against the
    error of the recharge water, and the baseflow Ca against the soil CO2 of the day and the mean before it."""
    st_file = S.load_station(station_path)
    st = replace(st_file, soil_co2_mean_days=0.0)  # the soil CO2 of the sampling day
    data = S.load_station_data(st)
    s = data.samples
    sp = S.speciate_samples(s, st.database)
    dic = S.observed_dic(s, sp)
    temp = s["temp_c"].to_numpy(float)
    temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
    soil = S.co2_at_samples(st, data, "soil")["co2_ppmv"].to_numpy(float)
    cave = S.co2_at_samples(st, data, "cave_air")["co2_ppmv"].to_numpy(float)
    print("\nupper bound of the DIC change by the exchange (full exchange, Ca fixed), open system, samples with soil "
          "and cave-air CO2:")
    for label, stx, f in (("nearest soil-gas date, pco2_factor 1", st, 1.0),
                          (f"the station file's recharge CO2 (mean_days {st_file.soil_co2_mean_days:g}), calibrated "
                           f"pco2_factor {pco2_factor_calibrated:.3g}", st_file, pco2_factor_calibrated)):
        c = S.co2_at_samples(stx, data, "soil")["co2_ppmv"].to_numpy(float)
        ok = np.isfinite(c) & np.isfinite(cave) & np.isfinite(dic)
        rech = chemistry.equilibrate(temp[ok], f * c[ok] * 1e-6)
        full = exchange_with_cave_air(rech, cave[ok] * 1e-6, 1e9)
        dd = rech["dic_mmol_kgw"].to_numpy() - full["dic_mmol_kgw"].to_numpy()
        err = np.abs(rech["dic_mmol_kgw"].to_numpy() - dic[ok])
        print(f"  {label} (n = {int(ok.sum())}): DIC change median {np.median(dd):.3f} mmol/L "
              f"({100 * np.median(dd / rech['dic_mmol_kgw']):.1f} %), range {dd.min():.3f} .. {dd.max():.3f}; "
              f"|recharge DIC - observed| median {np.median(err):.3f}, max {err.max():.3f} mmol/L")
    pw = 10.0 ** sp["log_pco2"].to_numpy(float) * 1e6
    base0 = s["flow_condition"].to_numpy(str) == st.baseflow_label
    for lab, sel in (("cave air < 1000 ppmv (ventilated)", cave < 1000), ("cave air >= 2000 ppmv", cave >= 2000)):
        k = base0 & sel & np.isfinite(pw)
        print(f"baseflow samples with {lab} (n = {int(k.sum())}): water pCO2 / cave-air CO2 median "
              f"{np.median(pw[k] / cave[k]):.2f}, SI calcite median {np.nanmedian(sp['si_calcite'].to_numpy()[k]):.2f}"
              f" (range {np.nanmin(sp['si_calcite'].to_numpy()[k]):.2f} .. "
              f"{np.nanmax(sp['si_calcite'].to_numpy()[k]):.2f})")
    base = s["flow_condition"].to_numpy(str) == st.baseflow_label
    ca = s["ca_mg_l"].to_numpy(float) / 40.078
    sc = data.soil_co2["mean_ppmv"]
    m = base & np.isfinite(ca) & np.isfinite(soil)
    print(f"baseflow Ca (n = {int(m.sum())}) against soil CO2 (the mean of L1 and L2): Pearson r with")
    print("  the soil-gas date nearest to the sample (the model's recharge CO2): "
          f"{np.corrcoef(ca[m], soil[m])[0, 1]:.2f}")
    for days in (30, 60, 90, 120):
        v = np.array([sc[(sc.index <= t.normalize()) & (sc.index > t.normalize() - pd.Timedelta(days=days))].mean()
                      for t in s["datetime"]])
        k = m & np.isfinite(v)
        print(f"  the mean of the soil-gas dates in the {days} days before the sample (n = {int(k.sum())}): "
              f"{np.corrcoef(ca[k], v[k])[0, 1]:.2f}")
    print("  (the soil-gas record starts 2012-03-05: a window longer than the time since then is truncated)")


def memory_scan(station_path, windows=(0, 15, 30, 45, 60, 75, 90)) -> int:
    """Recharge memory (``[soil_co2] mean_days``): for each window, pco2_factor of the open system fitted on the
    calibration baseflow samples (the station's objective, differential evolution), then scored on both periods.
    Returns the window with the highest calibration-period objective (the choice made on calibration data only)."""
    st0 = replace(S.load_station(station_path), soil_co2_mean_days=0.0)
    data = S.load_station_data(st0)
    s = data.samples
    sp = S.speciate_samples(s, st0.database)
    dic = S.observed_dic(s, sp)
    temp = s["temp_c"].to_numpy(float)
    temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
    base = s["flow_condition"].to_numpy(str) == st0.baseflow_label
    masks = S._period_masks(s["datetime"], S._periods(st0))
    print("\nrecharge memory: open-system DIC at pco2_factor x the mean soil CO2 of the soil-gas dates in the window "
          "before the sample ([soil_co2] mean_days; 0 = the nearest date within max_days), pco2_factor fitted on the "
          "calibration baseflow samples (KGE):")
    best, best_loss = 0, np.inf
    for days in windows:
        st = replace(st0, soil_co2_mean_days=float(days))
        c = S.co2_at_samples(st, data, "soil")["co2_ppmv"].to_numpy(float)
        use = np.isfinite(c) & np.isfinite(dic)
        cal = use & masks["calibration"] & base
        prm, loss, _ = S.fit_equilibrium(st, temp[cal], c[cal], dic[cal], "open", st.calibration_seed)
        if loss < best_loss - 1e-9:
            best, best_loss = days, loss
        txt = [f"calibration baseflow KGE {1 - loss:.2f} (n={int(cal.sum())})"]
        for per in ("calibration", "validation"):
            for lab, mm in (("", use & masks[per]), (" baseflow", use & masks[per] & base)):
                e = S.predict_equilibrium(temp[mm], c[mm], "open", prm)["dic_mmol_kgw"].to_numpy()
                txt.append(f"{per}{lab} n={int(mm.sum())} KGE {_f(M.kge(e, dic[mm]), 2)} "
                           f"PBIAS {_f(M.pbias(e, dic[mm]), 1)}")
        print(f"  {'nearest date' if days == 0 else f'{days} days':<13s} pco2_factor {prm.pco2_factor:.3f}: "
              + "; ".join(txt))
    print(f"  chosen on the calibration period: {best} days (the soil-gas record starts 2012-03-05, so the windows of "
          "the calibration samples (2012-03-16 .. 2012-05-14) are truncated: the choice is weakly constrained)")
    return best


def degassing_station(src: Path, out: Path, exchange_number: float | None = None) -> Path:
    """A copy of the station file with ``degassing = "cave_air"`` (and ``exchange_number`` if given) in ``out``
    (data paths rewritten)."""
    st = S.load_station(src)
    out.mkdir(parents=True, exist_ok=True)
    doc = S.station_document(st, out)
    doc["model"] = {**doc.get("model", {}), "degassing": "cave_air"}
    if exchange_number is not None:
        doc["model"]["exchange_number"] = float(exchange_number)
    p = out / "station.toml"
    p.write_text(tomli_w.dumps(doc))
    return p


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
    print("\n== the same with CO2 exchange with the cave air before the outlet ==")
    deg = degassing_station(resolve_catchment(name), out / "degassing")
    cal = calibrate_station(deg, out / "degassing" / "calibrate", seed=a.seed, figures=not a.no_figures)
    val = validate_station(out / "degassing" / "calibrate" / "station.toml", out / "degassing" / "validate",
                           figures=not a.no_figures)
    print_station(cal, val)
    print_degassing(val)
    # the bundled (uncalibrated) recharge with the exchange number calibrated on pH (open system)
    n_open = cal["calibration"]["sources"]["soil"]["systems"]["open"]["parameters"]["exchange_number"]
    dflt = validate_station(degassing_station(resolve_catchment(name), out / "degassing" / "default", n_open),
                            out / "degassing" / "validate_default", figures=False)
    print(f"\nuncalibrated recharge (pco2_factor 1, the bundled default) with degassing, exchange number {n_open:.3g}:")
    print_degassing(dflt)
    explain(resolve_catchment(name), cal["calibration"]["sources"]["soil"]["systems"]["open"]["parameters"]
            ["pco2_factor"])
    memory_scan(resolve_catchment(name))
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
