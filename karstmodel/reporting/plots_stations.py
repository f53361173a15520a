"""Figures of a station's validation or calibration (PNG; no science here).

Drawn from plain data only: the summary dict of the station workflow and its frames (samples, speciation, predictions,
ratings, period masks), so that the reporting layer never imports the workflows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .plots import _plt, _save
from .text import _fmt, _ratio_label, _sig


def _keep(figs: dict, fig, outdir: Path, key: str, tight: bool = False) -> None:
    """Write ``fig`` to ``outdir/<key>.png`` (after ``tight_layout`` where ``tight``) and list it in ``figs``."""
    if tight:
        fig.tight_layout()
    p = outdir / f"{key}.png"
    _save(fig, p)
    figs[key] = p


def station_figures(s: dict, outdir: Path, name: str, co2_source: str, co2_sources: tuple, systems: tuple,
                    cave_air_column: str) -> dict:
    """The figures of a station's summary ``s`` (with its frames under ``_frames``) in ``outdir``: observed vs
    equilibrium DIC per CO2 source and system, the CO2/DIC/discharge time series, the C-Q rating, the speciation
    time series and, with a daily discharge, the daily load. ``name`` titles them; ``co2_source`` is the station's
    primary CO2 source, ``co2_sources`` and ``systems`` the order of the panels, ``cave_air_column`` the samples'
    cave-air CO2 column. Returns {figure name: path}."""
    plt = _plt()
    fr = s["_frames"]
    smp, sp, dic = fr["samples"], fr["speciated"], fr["dic"]
    t = pd.DatetimeIndex(smp["datetime"])
    masks = fr["masks"]
    base = fr["base_mask"]
    colors = {"calibration": "tab:blue", "validation": "tab:green"}
    figs = {}

    def period_of(i):
        for k, m in masks.items():
            if m[i]:
                return k
        return "other"

    per = np.array([period_of(i) for i in range(len(smp))])

    # 1. observed vs predicted DIC (per source and system), 1:1
    srcs = [src for src in co2_sources if (src, "open") in fr["preds"]]
    if srcs:
        fig, axes = plt.subplots(len(srcs), 3, figsize=(11, 3.6 * len(srcs)), squeeze=False)
        for r, src in enumerate(srcs):
            for c, system in enumerate(systems):
                ax = axes[r, c]
                eq, co2 = fr["preds"][(src, system)]
                pdic = eq["dic_mmol_kgw"].to_numpy(float)
                ok = np.isfinite(pdic) & np.isfinite(dic)
                for k in list(masks) + ["other"]:
                    for storm in (False, True):
                        sel = ok & (per == k)
                        if base is not None:
                            sel &= (~base) if storm else base
                        elif storm:
                            continue
                        if sel.any():
                            ax.scatter(dic[sel], pdic[sel], s=22, marker="^" if storm else "o",
                                       color=colors.get(k, "0.5"), alpha=0.8, lw=0,
                                       label=f"{k}{' (storm)' if storm else ''}")
                if ok.any():
                    lo = min(dic[ok].min(), pdic[ok].min()) * 0.9
                    hi = max(dic[ok].max(), pdic[ok].max()) * 1.05
                    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
                    ax.set_xlim(lo, hi)
                    ax.set_ylim(lo, hi)
                blk = s["chemistry_model"]["sources"][src]["systems"][system]
                txt = "\n".join(f"KGE {k} {_fmt(v['dic_mmol_l']['kge'])}" for k, v in blk["metrics"].items()
                                if k != "all")
                ax.text(0.03, 0.97, txt, transform=ax.transAxes, va="top", fontsize=8)
                prm = ", ".join(f"{k.replace('_', ' ')} {_sig(v)}" for k, v in blk["parameters"].items())
                ax.set_title(f"{src.replace('_', '-')} CO2, {system} ({prm})", fontsize=8)
                ax.set_xlabel("observed DIC (mmol/L)")
                ax.set_ylabel("equilibrium DIC (mmol/L)")
        axes[0, 0].legend(frameon=False, fontsize=7, loc="best")
        fig.suptitle(f"{name}: spring DIC predicted by carbonate equilibrium from measured CO2")
        _keep(figs, fig, outdir, "dic_observed_vs_predicted", tight=True)

    # 2. time series: CO2, observed and predicted DIC, discharge
    fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    ax = axes[0]
    soil = fr["soil"]
    if soil is not None:
        for col in soil.columns:
            ax.semilogy(soil.index, soil[col], marker="o", ms=3, lw=0.8 if col == "mean_ppmv" else 0.5,
                        label=f"soil {col}" if col != "mean_ppmv" else "soil mean", color=None)
    if cave_air_column in smp.columns and np.isfinite(smp[cave_air_column]).any():
        ax.semilogy(t, smp[cave_air_column], "s", ms=3, color="tab:brown", label="cave air")
    ax.semilogy(t, 10.0 ** sp["log_pco2"] * 1e6, "k.", ms=4, label="spring water pCO2 (speciation)")
    ax.set_ylabel("CO2 (ppmv)")
    ax.legend(frameon=False, fontsize=7, ncol=3, loc="best")
    ax = axes[1]
    ax.plot(t, dic, "ko", ms=4, label="observed DIC")
    src = co2_source if (co2_source, "open") in fr["preds"] else (srcs[0] if srcs else None)
    if src:
        for system, col, mk in zip(systems, ("tab:red", "tab:blue", "tab:purple"), ("x", "1", "s")):
            pdic = fr["preds"][(src, system)][0]["dic_mmol_kgw"].to_numpy(float)
            ok = np.isfinite(pdic)
            ax.plot(t[ok], pdic[ok], mk, color=col, ms=6 if mk != "s" else 5, mfc="none",
                    label=f"{system} ({src.replace('_', '-')} CO2)")
    ok = np.isfinite(fr["rating_pred"])
    ax.plot(t[ok], fr["rating_pred"][ok], "+", color="tab:orange", ms=6, label="C-Q rating")
    ax.set_ylabel("DIC (mmol/L)")
    ax.legend(frameon=False, fontsize=7, ncol=5, loc="best")
    ax = axes[2]
    q = smp["q_m3_s"].to_numpy(float)
    if np.isfinite(q).any():
        ax.semilogy(t, q, "k.", ms=4, label="sample discharge")
        ax.set_ylabel("Q (m3/s)")
    for ax_ in axes:
        for k, m in masks.items():
            if m.any():
                ax_.axvspan(t[m].min(), t[m].max(), color=colors.get(k, "0.8"), alpha=0.06, lw=0)
    axes[0].set_title(f"{name}: CO2, spring DIC and discharge at sample times (shading: calibration blue, "
                      "validation green)", fontsize=9)
    _keep(figs, fig, outdir, "dic_timeseries")

    # 3. C-Q rating
    r_all, r_cal = fr["rating_all"], fr["rating_cal"]
    okq = np.isfinite(q) & np.isfinite(dic) & (q > 0)
    if okq.sum() >= 3 and r_all is not None:
        fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 4.2))
        for k in list(masks) + ["other"]:
            sel = okq & (per == k)
            if sel.any():
                a0.scatter(q[sel], dic[sel], s=18, color=colors.get(k, "0.5"), alpha=0.8, lw=0, label=k)
        qq = np.geomspace(q[okq].min(), q[okq].max(), 100)
        for r, lab, ls in ((r_all, "all samples", "-"), (r_cal, "calibration samples", "--")):
            if r is None:
                continue
            c = r.coef
            a0.plot(qq, np.exp(c[0] + c[1] * np.log(qq)) * r.smearing, "k" + ls, lw=1,
                    label=f"{lab}: b = {c[1]:.3f}, R2 = {r.r2:.2f}" + (" (+season; drawn with the seasonal terms at 0)"
                                                                      if r.seasonal else ""))
        if fr["daily"] is not None:
            qd = fr["daily"]["q_m3_s"]
            a0.axvspan(qd.min(), qd.max(), color="tab:orange", alpha=0.07, lw=0, label="daily discharge range")
        a0.set_xscale("log")
        a0.set_yscale("log")
        a0.set_xlabel("discharge (m3/s)")
        a0.set_ylabel("DIC (mmol/L)")
        a0.legend(frameon=False, fontsize=7, loc="best")
        a0.set_title("C-Q rating ln DIC = a + b ln Q (smearing back-transform)", fontsize=9)
        rp = fr["rating_pred"]
        ok = okq & np.isfinite(rp)
        for k in list(masks) + ["other"]:
            sel = ok & (per == k)
            if sel.any():
                a1.scatter(dic[sel], rp[sel], s=18, color=colors.get(k, "0.5"), alpha=0.8, lw=0, label=k)
        if ok.any():
            lo, hi = min(dic[ok].min(), rp[ok].min()) * 0.9, max(dic[ok].max(), rp[ok].max()) * 1.05
            a1.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        a1.set_xlabel("observed DIC (mmol/L)")
        a1.set_ylabel("rating DIC (mmol/L), fitted on calibration")
        txt = "\n".join(f"{k}: KGE {_fmt(v['dic_mmol_l_cq']['kge'])}, NSE {_fmt(v['dic_mmol_l_cq']['nse'])}"
                        for k, v in s["metrics"].items())
        a1.text(0.03, 0.97, txt, transform=a1.transAxes, va="top", fontsize=8)
        a1.legend(frameon=False, fontsize=7, loc="best")
        fig.suptitle(f"{name}: concentration-discharge rating")
        _keep(figs, fig, outdir, "cq_rating", tight=True)

    # 4. speciation time series
    fig, axes = plt.subplots(4, 1, figsize=(11, 8.5), sharex=True)
    axes[0].plot(t, sp["log_pco2"], "k.", ms=5)
    axes[0].set_ylabel("log pCO2 (atm)")
    axes[1].plot(t, sp["si_calcite"], "o", ms=3, color="tab:blue", label="calcite")
    if np.isfinite(sp["si_dolomite"]).any():
        axes[1].plot(t, sp["si_dolomite"], "s", ms=3, color="tab:red", label="dolomite")
    axes[1].axhline(0, color="k", lw=0.6)
    axes[1].set_ylabel("saturation index")
    axes[1].legend(frameon=False, fontsize=7, loc="best")
    axes[2].plot(t, dic, "o", ms=3, color="tab:green")
    axes[2].set_ylabel("DIC (mmol/L)")
    if fr["ratio"] is not None:
        axes[3].plot(t, fr["ratio"], "o", ms=3, color="tab:purple")
        axes[3].axhline(0.5, color="k", lw=0.6, ls="--")
        axes[3].set_ylabel(_ratio_label(s["stoichiometry"]["ratio"]) + " (molar)")
    axes[0].set_title(f"{name}: speciation of the samples (chemistry.speciate)", fontsize=9)
    _keep(figs, fig, outdir, "speciation_timeseries")

    # 5. daily load
    if fr["daily"] is not None:
        d = fr["daily"]
        rl = s["sinks"]["rating_on_daily_discharge"]
        fig, (a0, a1) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True)
        a0.semilogy(d.index, d["q_m3_s"], color="tab:blue", lw=0.8)
        lo, hi = rl["rating"]["q_range_m3_s"]
        a0.axhspan(lo, hi, color="0.5", alpha=0.12, lw=0, label="sampled discharge range")
        a0.set_ylabel("Q (m3/s)")
        a0.legend(frameon=False, fontsize=7, loc="best")
        a1.plot(d.index, d["carbon_sink_kg_c_d"], color="tab:green", lw=0.7)
        g = d["carbon_sink_kg_c_d"].resample("YS")
        ann = (g.mean() * 365.25 / 1000.0)[g.count() >= 300]  # complete calendar years only
        a1.set_ylabel("carbonic sink (kg C/d)")
        iv = rl["interval_90"]
        a1.set_title(f"mean {_sig(rl['carbon_sink_t_c_yr'])} t C/yr"
                     + (f" (90 % {_sig(iv['t_c_yr'][0])} .. {_sig(iv['t_c_yr'][1])})" if "t_c_yr" in iv else "")
                     + "; complete calendar years (t C): " + ", ".join(f"{y.year}: {v:.2g}" for y, v in ann.items()),
                     fontsize=8)
        a0.set_title(f"{name}: daily discharge and the rating-based carbon sink", fontsize=9)
        _keep(figs, fig, outdir, "daily_load")
    return figs
