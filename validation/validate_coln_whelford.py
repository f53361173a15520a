"""The bundled coln_bibury simulation (forcing 1999-2008) against the Coln at Whelford samples (2009-2013), as a
climatology: DIC level, seasonal cycle and concentration-discharge slope. No daily match: the periods do not
overlap.

Simulated: ``karstmodel.model.simulate("coln_bibury")`` with the bundled catchment file as it stands, daily outlet DIC
(``outlet_dic_mmol_l``: spring and non-karst runoff mixed at the outlet, the river the gauge sees), outlet Ca
(``outlet_ca_mmol_l``; the spring Ca ``ca_mmol_l`` where a model version reports no outlet Ca) and outlet
discharge. Observed: the
station ``thames_tributaries/coln_whelford`` (CEH Thames Initiative weekly samples; DIC from laboratory pH,
Gran alkalinity and water temperature by the chemistry core's speciation; the sample day's mean discharge).
Whelford lies downstream of Bibury, so discharge levels differ; the C-Q slope b (ln C = a + b ln Q, OLS,
:func:`karstmodel.workflows.stations.summary.cq_slope`) does not depend on the discharge scale. Simulated daily values are
serially correlated, so the standard error of the simulated slope is a lower bound.

Measures (simulated vs observed): median and discharge-weighted mean DIC (sum Q C / sum Q over the days or the
samples), monthly medians of DIC and Ca, the amplitude of the monthly medians (max - min), the Pearson correlation
of the two monthly cycles, the months of the maximum and minimum, and b for DIC and Ca.

    python validation/validate_coln_whelford.py [-o validation/output/coln_whelford] [--no-figures]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.config.catchment import resolve_catchment  # noqa: E402
from karstmodel.io.files import write_json_atomic  # noqa: E402
from karstmodel.model.simulate import simulate  # noqa: E402
from karstmodel.workflows.stations.summary import M_CA, cq_slope  # noqa: E402
from karstmodel.workflows.stations import load_station, load_station_data, observed_dic, speciate_samples  # noqa: E402

CATCHMENT = "coln_bibury"
STATION = "thames_tributaries/coln_whelford"


def simulated(catchment: str = CATCHMENT) -> pd.DataFrame:
    """Daily simulated outlet DIC and Ca (mmol/L; module docstring) and outlet discharge (m3/s)."""
    ts = simulate(catchment).timeseries
    ca = ts["outlet_ca_mmol_l"] if "outlet_ca_mmol_l" in ts.columns else ts["ca_mmol_l"]
    out = pd.DataFrame({"dic_mmol_l": ts["outlet_dic_mmol_l"], "ca_mmol_l": ca,
                         "q_m3_s": ts["outlet_q_m3_s"], "spring_dic_mmol_l": ts["dic_mmol_l"],
                         "spring_q_m3_s": ts["spring_q_m3_s"]}, index=ts.index)
    out.attrs["ca_column"] = "outlet_ca_mmol_l" if "outlet_ca_mmol_l" in ts.columns else "ca_mmol_l (spring)"
    return out


def observed(station: str = STATION) -> pd.DataFrame:
    """Samples: DIC from the speciation, Ca (mmol/L), sample-day discharge (m3/s), indexed by sample time."""
    st = load_station(resolve_catchment(station))
    s = load_station_data(st).samples
    dic = observed_dic(s, speciate_samples(s, st.database))
    return pd.DataFrame({"dic_mmol_l": dic, "ca_mmol_l": s["ca_mg_l"].to_numpy(float) / M_CA,
                         "q_m3_s": s["q_m3_s"].to_numpy(float)}, index=pd.DatetimeIndex(s["datetime"]))


def flow_weighted(df: pd.DataFrame, col: str) -> float:
    ok = np.isfinite(df[col]) & np.isfinite(df["q_m3_s"])
    return float((df.loc[ok, col] * df.loc[ok, "q_m3_s"]).sum() / df.loc[ok, "q_m3_s"].sum())


def monthly_medians(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].groupby(df.index.month).median().reindex(range(1, 13))


def compare(sim: pd.DataFrame, obs: pd.DataFrame) -> dict:
    """All measures of the module docstring as a dict."""
    out = {"periods": {"simulated": [str(sim.index[0].date()), str(sim.index[-1].date())],
                       "observed": [str(obs.index[0].date()), str(obs.index[-1].date())]},
           "n": {"simulated_days": int(len(sim)), "observed_samples": int(np.isfinite(obs["dic_mmol_l"]).sum())},
           "simulated_ca_column": sim.attrs.get("ca_column", "ca_mmol_l")}
    for col in ("dic_mmol_l", "ca_mmol_l"):
        ms, mo = monthly_medians(sim, col), monthly_medians(obs, col)
        bs, bo = cq_slope(sim["q_m3_s"], sim[col]), cq_slope(obs["q_m3_s"], obs[col])
        med_s, med_o = float(np.nanmedian(sim[col])), float(np.nanmedian(obs[col]))
        fw_s, fw_o = flow_weighted(sim, col), flow_weighted(obs, col)
        out[col] = {
            "median": {"simulated": med_s, "observed": med_o, "relative_difference_pct": 100 * (med_s / med_o - 1)},
            "flow_weighted_mean": {"simulated": fw_s, "observed": fw_o,
                                   "relative_difference_pct": 100 * (fw_s / fw_o - 1)},
            "monthly_median": {"simulated": ms.round(4).tolist(), "observed": mo.round(4).tolist()},
            "monthly_amplitude": {"simulated": float(ms.max() - ms.min()), "observed": float(mo.max() - mo.min())},
            "monthly_correlation": float(np.corrcoef(ms, mo)[0, 1]),
            "month_of_max": {"simulated": int(ms.idxmax()), "observed": int(mo.idxmax())},
            "month_of_min": {"simulated": int(ms.idxmin()), "observed": int(mo.idxmin())},
            "cq_slope": {"simulated": {k: bs[k] for k in ("b", "se_b", "n", "r2")},
                         "observed": {k: bo[k] for k in ("b", "se_b", "n", "r2")}},
        }
    sp = sim.rename(columns={"q_m3_s": "outlet_q", "spring_q_m3_s": "q_m3_s"})
    out["spring_dic_mmol_l"] = {"simulated_median": float(np.nanmedian(sim["spring_dic_mmol_l"])),
                                "simulated_flow_weighted_mean": flow_weighted(sp, "spring_dic_mmol_l"),
                                "note": "the model's spring (karst) water before mixing with non-karst runoff"}
    out["q_m3_s"] = {"simulated_mean": float(sim["q_m3_s"].mean()), "observed_sample_mean": float(obs["q_m3_s"].mean())}
    return out


def print_table(r: dict) -> None:
    print(f"coln_bibury simulation {r['periods']['simulated'][0]}..{r['periods']['simulated'][1]} "
          f"({r['n']['simulated_days']} days) vs Coln at Whelford samples {r['periods']['observed'][0]}.."
          f"{r['periods']['observed'][1]} ({r['n']['observed_samples']} with DIC); climatology, no daily match")
    print(f"simulated Ca: {r['simulated_ca_column']}")
    print(f"{'measure':<34s}{'simulated':>12s}{'observed':>12s}{'sim/obs-1':>11s}")
    for col, name in (("dic_mmol_l", "DIC mmol/L"), ("ca_mmol_l", "Ca mmol/L")):
        b = r[col]
        for k, label in (("median", "median"), ("flow_weighted_mean", "discharge-weighted mean")):
            print(f"{name + ' ' + label:<34s}{b[k]['simulated']:>12.3f}{b[k]['observed']:>12.3f}"
                  f"{b[k]['relative_difference_pct']:>10.1f}%")
        print(f"{name + ' monthly amplitude':<34s}{b['monthly_amplitude']['simulated']:>12.3f}"
              f"{b['monthly_amplitude']['observed']:>12.3f}")
        print(f"{name + ' month of max / min':<34s}{b['month_of_max']['simulated']:>8d} / {b['month_of_min']['simulated']:<2d}"
              f"{b['month_of_max']['observed']:>8d} / {b['month_of_min']['observed']:<2d}")
        print(f"{name + ' monthly cycles, Pearson r':<34s}{b['monthly_correlation']:>12.2f}")
        cs, co = b["cq_slope"]["simulated"], b["cq_slope"]["observed"]
        print(f"{name + ' C-Q slope b (± se)':<34s}{cs['b']:>+8.3f}±{cs['se_b']:.3f}{co['b']:>+8.3f}±{co['se_b']:.3f}")
    print(f"{'mean discharge m3/s':<34s}{r['q_m3_s']['simulated_mean']:>12.3f}{r['q_m3_s']['observed_sample_mean']:>12.3f}"
          "   (Bibury outlet vs Whelford sample days)")
    sd = r["spring_dic_mmol_l"]
    print(f"{'simulated spring DIC (no mixing)':<34s}{sd['simulated_median']:>12.3f}   median; discharge-weighted "
          f"{sd['simulated_flow_weighted_mean']:.3f}")
    print("monthly medians (Jan..Dec):")
    for col in ("dic_mmol_l", "ca_mmol_l"):
        for who in ("simulated", "observed"):
            print(f"  {col:<11s}{who:<10s}" + " ".join(f"{v:5.2f}" for v in r[col]["monthly_median"][who]))


def figure(sim: pd.DataFrame, obs: pd.DataFrame, r: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    months = np.arange(1, 13)
    for i, (col, name) in enumerate((("dic_mmol_l", "DIC (mmol/L)"), ("ca_mmol_l", "Ca (mmol/L)"))):
        a = ax[0, i]
        a.plot(months, r[col]["monthly_median"]["simulated"], "o-", label=f"simulated {CATCHMENT} "
               f"{r['periods']['simulated'][0][:4]}-{r['periods']['simulated'][1][:4]}")
        a.plot(months, r[col]["monthly_median"]["observed"], "s-", label="observed Coln at Whelford "
               f"{r['periods']['observed'][0][:4]}-{r['periods']['observed'][1][:4]}")
        a.set_xticks(months)
        a.set_xlabel("month")
        a.set_ylabel(f"monthly median {name}")
        a.legend(fontsize=8)
        a = ax[1, i]
        a.scatter(sim["q_m3_s"], sim[col], s=3, alpha=0.3, label="simulated, daily")
        a.scatter(obs["q_m3_s"], obs[col], s=10, marker="s", label="observed, samples")
        a.set_xscale("log")
        a.xaxis.set_major_formatter(ScalarFormatter())
        a.xaxis.set_minor_formatter(NullFormatter())
        a.set_xlabel("discharge (m3/s)")
        a.set_ylabel(f"{name} (linear axis)")
        cs, co = r[col]["cq_slope"]["simulated"], r[col]["cq_slope"]["observed"]
        a.set_title(f"C-Q slope b: simulated {cs['b']:+.3f}, observed {co['b']:+.3f}", fontsize=9)
        a.legend(fontsize=8)
    fig.suptitle("coln_bibury simulation vs Coln at Whelford samples (climatology; periods do not overlap)")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(Path("validation") / "output" / "coln_whelford"))
    ap.add_argument("--no-figures", action="store_true")
    a = ap.parse_args(argv)
    sim, obs = simulated(), observed()
    r = compare(sim, obs)
    print_table(r)
    out = Path(a.output)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(r, out / "coln_whelford_climatology.json")
    if not a.no_figures:
        figure(sim, obs, r, out / "coln_whelford_climatology.png")
    print(f"wrote {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
