"""Figures of a catchment run (PNG, matplotlib with the Agg backend; no science here)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _save(fig, path: Path):
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, bbox_inches="tight")
        from .io import _umask_mode
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    import matplotlib.pyplot as plt
    plt.close(fig)


def hydrograph(ts: pd.DataFrame, title: str, path, discharge: str = "spring"):
    """Precipitation (inverted bars) above simulated and observed discharge (m3/s)."""
    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True, gridspec_kw={"height_ratios": [1, 2.5]})
    ax0.bar(ts.index, ts["precip_mm"], width=1.0, color="tab:blue", linewidth=0)
    ax0.invert_yaxis()
    ax0.set_ylabel("precipitation\n(mm/d)")
    col = "spring_q_m3_s" if discharge == "spring" else "outlet_q_m3_s"
    ax1.plot(ts.index, ts[col], color="tab:red", lw=0.9, label=f"simulated ({discharge})")
    if "q_obs_m3_s" in ts.columns and ts["q_obs_m3_s"].notna().any():
        ax1.plot(ts.index, ts["q_obs_m3_s"], color="black", lw=0.8, alpha=0.8, label="observed")
    if discharge == "spring" and ts["surface_runoff_mm"].sum() > 0:
        ax1.plot(ts.index, ts["outlet_q_m3_s"], color="tab:orange", lw=0.6, alpha=0.7, label="outlet (spring + surface)")
    ax1.set_ylabel("discharge (m3/s)")
    ax1.legend(loc="upper right", frameon=False)
    ax0.set_title(title)
    _save(fig, path)


def chemograph(ts: pd.DataFrame, title: str, path):
    """Spring chemistry: Ca, Mg, DIC; pH; SI calcite and dolomite; pCO2."""
    plt = _plt()
    fig, axes = plt.subplots(4, 1, figsize=(11, 8), sharex=True)
    ax = axes[0]
    for c, lab in (("ca_mmol_l", "Ca"), ("mg_mmol_l", "Mg"), ("dic_mmol_l", "DIC"), ("hco3_mmol_l", "HCO3-")):
        ax.plot(ts.index, ts[c], lw=0.9, label=lab)
    ax.set_ylabel("mmol/L")
    ax.legend(ncol=4, frameon=False, loc="upper right")
    axes[1].plot(ts.index, ts["ph"], color="tab:purple", lw=0.9)
    axes[1].set_ylabel("pH")
    axes[2].plot(ts.index, ts["si_calcite"], lw=0.9, label="calcite")
    axes[2].plot(ts.index, ts["si_dolomite"], lw=0.9, label="dolomite")
    axes[2].axhline(0, color="k", lw=0.6)
    axes[2].set_ylabel("saturation index")
    axes[2].legend(frameon=False, loc="upper right")
    axes[3].semilogy(ts.index, ts["pco2_ppm"], color="tab:green", lw=0.9)
    axes[3].set_ylabel("spring pCO2 (ppm)")
    axes[0].set_title(title)
    _save(fig, path)


def soil_pco2(ts: pd.DataFrame, hydrotopes, title: str, path):
    """Soil-air pCO2 at depth per hydrotope (log scale) and the monthly climatology."""
    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1.2]})
    for h in hydrotopes:
        col = f"soil_pco2_ppm_{h.name}"
        ax0.semilogy(ts.index, ts[col], lw=0.8, label=f"{h.name} ({h.land_use}, {h.fraction:.0%})")
        clim = ts[col].groupby(ts.index.month).mean()
        ax1.semilogy(clim.index, clim.values, marker="o", ms=3, lw=1)
    ax0.set_ylabel("soil pCO2 at depth (ppm)")
    ax0.legend(frameon=False, fontsize=7, loc="upper left")
    ax1.set_xlabel("month")
    ax1.set_xticks(range(1, 13))
    ax1.set_title("monthly mean")
    ax0.set_title(title)
    _save(fig, path)


def monthly_sink(ts: pd.DataFrame, source_series: dict, title: str, path):
    """Monthly carbon sink (t C km-2 per month) stacked by source (hydrotopes, allogenic)."""
    plt = _plt()
    df = pd.DataFrame(source_series, index=ts.index).resample("MS").sum()
    fig, ax = plt.subplots(figsize=(11, 4))
    bottom = np.zeros(len(df))
    for col in df.columns:
        if np.allclose(df[col].to_numpy(), 0):
            continue
        ax.bar(df.index, df[col].to_numpy(), width=25, bottom=bottom, label=col, linewidth=0)
        bottom += df[col].to_numpy()
    ax.set_ylabel("carbon sink (t C km-2 per month)")
    ax.legend(frameon=False, ncol=5, fontsize=8, loc="upper right")
    ax.set_title(title)
    _save(fig, path)
