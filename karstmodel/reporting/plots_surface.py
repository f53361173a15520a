"""Figures of the surface-water (biological carbon pump) results and of a metabolism fit (PNG; no science here).

Every function returns the matplotlib Figure and also writes it when ``path`` is given.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .plots import _plt, _save, legend_outside

FATE_KEYS = ("export_dic", "aquatic_organic_carbon", "sediment", "degassed")
FATE_LABELS = {"export_dic": "exported DIC", "aquatic_organic_carbon": "aquatic organic C (exported)",
               "sediment": "sediment (calcite + buried OC)", "degassed": "degassed CO2"}
FATE_COLORS = {"export_dic": "tab:blue", "aquatic_organic_carbon": "tab:green", "sediment": "tab:brown",
               "degassed": "tab:gray"}


def _finish(fig, path):
    if path is not None:
        _save(fig, path)
    return fig


def _dated_axis(ax):
    """Date ticks that always show the year: matplotlib's concise formatter (the year, or year-month, is written
    once at the axis end when the ticks are hours or days)."""
    from matplotlib import dates as mdates
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))


def _reach_name(result, reach):
    return result.reaches[-1].name if reach is None else reach


def diel_panel(result, reach: str | None = None, start=None, days: float = 3.0, path=None, title: str | None = None):
    """pH, DIC and CO2(aq), pCO2 (with the air value), SI calcite and O2 (with saturation) at the outlet of ``reach``
    (default: the last) over ``days`` days from ``start`` (default: the middle day of the record),
    with night shaded."""
    plt = _plt()
    name = _reach_name(result, reach)
    idx = result.subdaily.index
    if start is None:
        start = idx[len(idx) // 2].normalize()
    start = pd.Timestamp(start)
    # the few days shown, taken before the reach's columns (the whole sub-daily table is ~10^5-10^6 rows)
    sel = result.subdaily.loc[start:start + pd.Timedelta(days=days), name]
    fig, axes = plt.subplots(5, 1, figsize=(10, 9.5), sharex=True)
    night = sel["par_umol_m2_s"] <= 0
    for ax in axes:
        ax.fill_between(sel.index, 0, 1, where=night.to_numpy(), transform=ax.get_xaxis_transform(),
                        color="0.85", alpha=0.5, lw=0)
    axes[0].plot(sel.index, sel["ph"], color="tab:purple", lw=1.1)
    axes[0].set_ylabel("pH")
    axes[1].plot(sel.index, sel["dic_mmol_l"], color="tab:blue", lw=1.1, label="DIC")
    axes[1].set_ylabel("DIC (mmol/L)")
    ax1b = axes[1].twinx()
    ax1b.plot(sel.index, sel["co2aq_mmol_l"] * 1000, color="tab:cyan", lw=0.9, ls="--", label="CO2(aq)")
    ax1b.set_ylabel("CO2(aq) (umol/L)")
    axes[2].plot(sel.index, sel["pco2_uatm"], color="tab:green", lw=1.1, label="water")
    air = [r.co2_air_ppm for r in result.reaches if r.name == name][0]
    axes[2].axhline(air, color="k", lw=0.8, ls=":", label="air")
    axes[2].set_ylabel("pCO2 (uatm)")
    legend_outside(axes[2], fontsize=8)
    axes[3].plot(sel.index, sel["si_calcite"], color="tab:brown", lw=1.1)
    axes[3].axhline(0, color="k", lw=0.6)
    axes[3].set_ylabel("SI calcite")
    axes[4].plot(sel.index, sel["do_mg_l"], color="tab:red", lw=1.1, label="O2")
    axes[4].plot(sel.index, sel["do_sat_mg_l"], color="k", lw=0.8, ls=":", label="saturation")
    axes[4].set_ylabel("O2 (mg/L)")
    legend_outside(axes[4], fontsize=8)
    h1, l1 = axes[1].get_legend_handles_labels()
    h2, l2 = ax1b.get_legend_handles_labels()
    legend_outside(axes[1], handles=h1 + h2, labels=l1 + l2, fontsize=8, bbox_to_anchor=(1.09, 1.0))
    axes[0].set_title(title or f"diel cycle at the outlet of '{name}' (night shaded)")
    _dated_axis(axes[-1])
    return _finish(fig, path)


def fate_bar(fates, path=None, title: str = "fate of the karst DIC entering the reaches"):
    """Stacked horizontal bars of the four fate shares. ``fates``: one fate dict, or a mapping label -> fate dict
    (e.g. {"baseline": ..., "cultivation": ...}). Negative shares (net invasion, net dissolution) are drawn left
    of 0."""
    plt = _plt()
    if isinstance(fates, dict) and "export_dic" in fates:
        fates = {"reaches": fates}
    labels = list(fates)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.7 * len(labels)))
    for i, lab in enumerate(labels):
        f = fates[lab]
        left_pos, left_neg = 0.0, 0.0
        for k in FATE_KEYS:
            v = float(f[k])
            if v >= 0:
                ax.barh(i, v, left=left_pos, color=FATE_COLORS[k], label=FATE_LABELS[k] if i == 0 else None)
                if v > 0.04:
                    ax.text(left_pos + v / 2, i, f"{v:.1%}", ha="center", va="center", fontsize=8, color="w")
                left_pos += v
            else:
                ax.barh(i, v, left=left_neg, color=FATE_COLORS[k], hatch="//",
                        label=FATE_LABELS[k] if i == 0 else None)
                left_neg += v
        ax.text(1.01, i, f"stability {f.get('stability', 1 - f['degassed']):.1%}", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("share of the carbon passing through (net fluxes)")
    ax.legend(frameon=False, ncol=2, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35 - 0.1 / len(labels)))
    ax.set_title(title)
    return _finish(fig, path)


def fate_small_shares(fates, path=None, title: str = "fate shares other than exported DIC"):
    """Bar chart of the three smaller shares (organic, sediment, degassed), which the stacked bar compresses."""
    plt = _plt()
    if isinstance(fates, dict) and "export_dic" in fates:
        fates = {"reaches": fates}
    keys = FATE_KEYS[1:]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.8 / len(fates)
    for j, (lab, f) in enumerate(fates.items()):
        ax.bar(np.arange(len(keys)) + j * width, [100 * f[k] for k in keys], width=width, label=lab)
    ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, [FATE_LABELS[k] for k in keys], fontsize=8)
    ax.set_ylabel("% of throughput")
    ax.axhline(0, color="k", lw=0.6)
    ax.legend(frameon=False, fontsize=8, loc="best")
    ax.set_title(title)
    return _finish(fig, path)


def daily_metabolism(result, reach: str | None = None, path=None, units: str = "o2"):
    """Daily GPP, ER and NEP of a reach (g O2 m-2 d-1, or g C with ``units="c"``) and daily degassing."""
    plt = _plt()
    name = _reach_name(result, reach)
    d = result.reach(name, daily=True)
    u = "g_o2" if units == "o2" else "g_c"
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    ax0.plot(d.index, d[f"gpp_{u}_m2_d"], color="tab:green", lw=1, label="GPP")
    ax0.plot(d.index, -d[f"er_{u}_m2_d"], color="tab:red", lw=1, label="-ER")
    ax0.plot(d.index, d[f"nep_{u}_m2_d"], color="k", lw=0.9, label="NEP")
    ax0.axhline(0, color="k", lw=0.5)
    ax0.set_ylabel("g O2 m-2 d-1" if units == "o2" else "g C m-2 d-1")
    legend_outside(ax0, fontsize=8)
    ax1.plot(d.index, d["degassing_g_c_m2_d"], color="tab:gray", lw=1, label="CO2 degassing")
    ax1.plot(d.index, d["calcite_precip_g_c_m2_d"], color="tab:brown", lw=1, label="calcite precipitation")
    ax1.plot(d.index, d["oc_burial_g_c_m2_d"], color="tab:olive", lw=1, label="OC burial")
    ax1.set_ylabel("g C m-2 d-1")
    legend_outside(ax1, fontsize=8)
    ax0.set_title(f"daily metabolism of '{name}'")
    _dated_axis(ax1)
    return _finish(fig, path)


def metabolism_fit(met, path=None, title: str = "one-station metabolism fit"):
    """Observed vs modelled DO (with saturation) and daily GPP, ER, K600 with their intervals."""
    plt = _plt()
    p = met.predictions
    d = met.daily.dropna(subset=["gpp_g_o2_m2_d"])
    fig = plt.figure(figsize=(11, 8))
    gs = fig.add_gridspec(3, 2, height_ratios=[1.6, 1, 1])
    ax = fig.add_subplot(gs[0, :])
    ax.plot(p.index, p["do_obs_mg_l"], ".", ms=1.8, color="tab:blue", label="observed")
    for _, g in p.groupby("day"):
        ax.plot(g.index, g["do_mod_mg_l"], color="tab:red", lw=1)
    ax.plot([], [], color="tab:red", lw=1, label="modelled")
    ax.plot(p.index, p["do_sat_mg_l"], color="k", lw=0.7, ls=":", label="saturation")
    ax.set_ylabel("DO (mg/L)")
    legend_outside(ax, fontsize=8)
    _dated_axis(ax)
    ax.set_title(f"{title}: RMSE {met.rmse_mg_l:.3f} mg/L ({met.settings['error_model']} error)")
    specs = [("gpp_g_o2_m2_d", "GPP (g O2 m-2 d-1)", "tab:green"), ("er_g_o2_m2_d", "ER (g O2 m-2 d-1)", "tab:red"),
             ("k600_per_d", "K600 (d-1)", "tab:blue")]
    for j, (col, lab, color) in enumerate(specs):
        a = fig.add_subplot(gs[1 + j // 2, j % 2])
        yerr = np.vstack([d[col] - d[col + "_lower"], d[col + "_upper"] - d[col]]) if col + "_lower" in d else None
        a.errorbar(d.index, d[col], yerr=yerr, fmt="o", color=color, ms=4, capsize=3)
        a.set_ylabel(lab)
        _dated_axis(a)
        a.tick_params(axis="x", labelsize=7)
    a = fig.add_subplot(gs[2, 1])
    a.scatter(d["k600_per_d"], d["er_g_o2_m2_d"], color="k", s=12)
    a.set_xlabel("K600 (d-1)")
    a.set_ylabel("ER (g O2 m-2 d-1)")
    a.set_title("K600-ER covariation", fontsize=8)
    fig.tight_layout()
    return _finish(fig, path)
