"""Figures of a catchment run (PNG, matplotlib with the Agg backend; no science here)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.files import _umask_mode
from ..io.observations import m3_s_to_mm_d, mm_d_to_m3_s


def _plt():
    import matplotlib  # deferred: heavy, needed only when figures are drawn
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def tight_bbox(fig):
    """The area ``savefig(bbox_inches="tight")`` saves: every artist's extent plus the ``savefig.pad_inches``
    margin, in inches. Given to ``savefig`` instead of "tight" it saves the same pixels with one pass over the
    figure less: "tight" lays the whole figure out once more before measuring it, which a figure without a layout
    engine does not need (the measure itself places titles, ticks and legends)."""
    import matplotlib
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])


def _save(fig, path: Path):
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, bbox_inches="tight" if fig.get_layout_engine() is not None else tight_bbox(fig))
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    import matplotlib.pyplot as plt
    plt.close(fig)


def legend_outside(ax, **kwargs):
    """A legend to the right of the axes, off the data (the saved figure grows to hold it); none without labelled
    artists."""
    kw = {"frameon": False, "loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}
    kw.update(kwargs)
    if "handles" not in kw and not ax.get_legend_handles_labels()[0]:
        return None
    return ax.legend(**kw)


def plain_log_axis(ax, axis: str = "y"):
    """A log axis labelled with plain numbers (2000, 5000, 10000) rather than powers of ten; minor ticks are
    labelled only when the axis spans less than a decade."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    a = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    a.set_major_formatter(plain)
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    a.set_minor_formatter(plain if lo > 0 and hi / lo < 10.0 else NullFormatter())


def hydrograph(ts: pd.DataFrame, title: str, path, discharge: str = "spring", area_km2: float | None = None):
    """Precipitation (inverted, one step per day) above simulated and observed discharge, both in mm/d (runoff
    depth over the catchment, the unit of every discharge figure); with ``area_km2`` a right axis gives m3/s."""
    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True, gridspec_kw={"height_ratios": [1, 2.5]})
    # one filled step outline for the whole record: the look of daily bars, one artist instead of one per day
    ax0.fill_between(ts.index, ts["precip_mm"].to_numpy(float), step="mid", color="tab:blue", linewidth=0)
    ax0.set_ylim(bottom=0.0)
    ax0.invert_yaxis()
    ax0.set_ylabel("precipitation\n(mm/d)")
    col = "spring_mm" if discharge == "spring" else "outlet_runoff_mm"
    ax1.plot(ts.index, ts[col], color="tab:red", lw=0.9, label=f"simulated ({discharge})")
    if "q_obs_mm" in ts.columns and ts["q_obs_mm"].notna().any():
        ax1.plot(ts.index, ts["q_obs_mm"], color="black", lw=0.8, alpha=0.8, label="observed")
    if discharge == "spring" and ts["surface_runoff_mm"].sum() > 0:
        ax1.plot(ts.index, ts["outlet_runoff_mm"], color="tab:orange", lw=0.6, alpha=0.7,
                 label="outlet (spring + surface)")
    ax1.set_ylabel("discharge (mm/d)")
    if area_km2 is not None and area_km2 > 0:
        right = ax1.secondary_yaxis("right", functions=(lambda mm: mm_d_to_m3_s(mm, area_km2),
                                                        lambda q: m3_s_to_mm_d(q, area_km2)))
        right.set_ylabel(f"discharge (m3/s, over {area_km2:g} km2)")
        legend_outside(ax1, bbox_to_anchor=(1.09, 1.0))
    else:
        legend_outside(ax1)
    ax0.set_title(title)
    _save(fig, path)


# model column and observation column, label, colour of the chemograph's concentration panel
_CONCENTRATIONS = (("ca_mmol_l", "Ca (mmol/L)", "tab:blue"), ("mg_mmol_l", "Mg (mmol/L)", "tab:orange"),
                   ("dic_mmol_l", "DIC (mmol/L)", "tab:green"), ("hco3_mmol_l", "HCO3- (mmol/L)", "tab:red"),
                   ("alk_meq_l", "alkalinity (meq/L)", "tab:brown"))


def chemograph(ts: pd.DataFrame, title: str, path, samples: pd.DataFrame | None = None, water: str = "spring"):
    """Simulated water chemistry: Ca, Mg, DIC, HCO3- (mmol/L) and alkalinity (meq/L); pH; SI calcite and dolomite;
    pCO2 (ppm, log axis); with the observed samples as points in the same units (``samples``: the daily chemistry
    observations, columns of :func:`karstmodel.io.observations.load_chemistry_observations`). ``water``:
    "spring" draws the spring water, "outlet" the water at the river gauge (``outlet_*`` columns), where a gauge's
    samples are taken. A quantity is drawn when the model has it and it is either a default of that water
    (spring: Ca, Mg, DIC, HCO3-; gauge: Ca, Mg, DIC, alkalinity) or sampled."""
    plt = _plt()
    pre = "outlet_" if water == "outlet" else ""
    defaults = {"ca_mmol_l", "mg_mmol_l", "dic_mmol_l", "hco3_mmol_l" if water == "spring" else "alk_meq_l"}
    obs = samples if samples is not None else pd.DataFrame(index=ts.index)

    def sampled(col):
        return col in obs.columns and np.isfinite(obs[col].to_numpy(dtype=float)).any()

    def points(ax, col, color, values=None):
        if sampled(col):
            v = obs[col].to_numpy(dtype=float) if values is None else values
            ok = np.isfinite(v)
            ax.plot(obs.index[ok], v[ok], "o", ms=3.2, mfc=color, mec="black", mew=0.4, label="_samples")

    fig, axes = plt.subplots(4, 1, figsize=(11, 8), sharex=True)
    ax = axes[0]
    for col, lab, color in _CONCENTRATIONS:
        if pre + col in ts.columns and (col in defaults or sampled(col)):
            ax.plot(ts.index, ts[pre + col], lw=0.9, color=color, label=lab)
            points(ax, col, color)
    ax.set_ylabel("mmol/L" + (" (alkalinity meq/L)" if any(t.get_label().startswith("alkalinity")
                                                             for t in ax.get_lines()) else ""))
    axes[1].plot(ts.index, ts[pre + "ph"], color="tab:purple", lw=0.9, label="pH")
    points(axes[1], "ph", "tab:purple")
    axes[1].set_ylabel("pH")
    for col, lab, color in (("si_calcite", "calcite", "tab:blue"), ("si_dolomite", "dolomite", "tab:orange")):
        if pre + col in ts.columns:
            axes[2].plot(ts.index, ts[pre + col], lw=0.9, color=color, label=lab)
            points(axes[2], col, color)
    axes[2].axhline(0, color="k", lw=0.6)
    axes[2].set_ylabel("saturation index")
    pco2 = ts["pco2_ppm"] if water == "spring" else 10.0 ** ts["outlet_log_pco2"] * 1e6  # atm -> ppm
    axes[3].plot(ts.index, pco2, color="tab:green", lw=0.9, label="pCO2")
    if sampled("log_pco2"):
        points(axes[3], "log_pco2", "tab:green", 10.0 ** obs["log_pco2"].to_numpy(dtype=float) * 1e6)
    plain_log_axis(axes[3])
    axes[3].set_ylabel(f"{'spring' if water == 'spring' else 'gauge'} pCO2 (ppm)")
    n = max((int(np.isfinite(obs[c].to_numpy(dtype=float)).sum()) for c in obs.columns if sampled(c)), default=0)
    for a in axes:
        handles, labels = a.get_legend_handles_labels()
        if n:
            handles.append(plt.Line2D([], [], ls="", marker="o", ms=3.2, mfc="0.6", mec="black", mew=0.4))
            labels.append(f"samples ({n} days)")
        if len(handles) > 1 or n:
            legend_outside(a, handles=handles, labels=labels, fontsize=8)
    axes[0].set_title(title)
    _save(fig, path)


def soil_pco2(ts: pd.DataFrame, hydrotopes, title: str, path):
    """Soil-air pCO2 at depth per hydrotope (log scale) and the monthly climatology."""
    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1.2]})
    for h in hydrotopes:
        col = f"soil_pco2_ppm_{h.name}"
        ax0.plot(ts.index, ts[col], lw=0.8, label=f"{h.name} ({h.land_use}, {h.fraction:.0%})")
        clim = ts[col].groupby(ts.index.month).mean()
        ax1.plot(clim.index, clim.values, marker="o", ms=3, lw=1)
    plain_log_axis(ax0)
    plain_log_axis(ax1)
    ax0.set_ylabel("soil pCO2 at depth (ppm)")
    ax1.set_ylabel("ppm")
    legend_outside(ax1, handles=ax0.get_legend_handles_labels()[0], fontsize=7)
    ax1.set_xlabel("month")
    ax1.set_xticks(range(1, 13))
    ax1.set_title("monthly mean")
    ax0.set_title(title)
    _save(fig, path)


def monthly_sink(ts: pd.DataFrame, source_series: dict, title: str, path):
    """Monthly carbon sink (t C km-2 per month) stacked by source (hydrotopes, allogenic)."""
    plt = _plt()
    from matplotlib import dates as mdates
    from matplotlib.collections import PolyCollection
    df = pd.DataFrame(source_series, index=ts.index).resample("MS").sum()
    fig, ax = plt.subplots(figsize=(11, 4))
    bottom = np.zeros(len(df))
    # each source's monthly bars (25 days wide, centred on the month start) as one collection of rectangles
    x = mdates.date2num(df.index.to_pydatetime())
    x0, x1 = x - 12.5, x + 12.5
    drawn = 0
    for col in df.columns:
        v = df[col].to_numpy()
        if np.allclose(v, 0):
            continue
        top = bottom + v
        rects = np.stack([np.column_stack([x0, bottom]), np.column_stack([x0, top]), np.column_stack([x1, top]),
                          np.column_stack([x1, bottom])], axis=1)
        bars = PolyCollection(rects, facecolors=f"C{drawn}", linewidths=0, label=col)
        bars.sticky_edges.y.append(0.0)  # the axis starts at zero, as for bars
        ax.add_collection(bars)
        bottom = top
        drawn += 1
    ax.xaxis_date()
    ax.autoscale_view()
    ax.set_ylabel("carbon sink (t C km-2 per month)")
    legend_outside(ax, fontsize=8)
    ax.set_title(title)
    _save(fig, path)


def observed_vs_simulated(index, sim, obs, title: str, path, ylabel: str = "discharge (mm/d)", bands=None,
                          periods: dict | None = None):
    """Observed and simulated series with an optional 5-95 % band and shaded calibration/validation periods."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(11, 4))
    if bands is not None:
        ax.fill_between(index, bands[0], bands[2], color="tab:red", alpha=0.25, lw=0, label="5-95 % (GLUE)")
    ax.plot(index, sim, color="tab:red", lw=0.9, label="simulated")
    ax.plot(index, obs, color="black", lw=0.8, alpha=0.85, marker="." if np.isfinite(obs).sum() < 400 else None,
            ms=3, label="observed")
    for name, (a, b) in (periods or {}).items():
        if a is None and b is None:
            continue
        lo = a if a is not None else index[0]
        hi = b if b is not None else index[-1]
        ax.axvspan(lo, hi, color="tab:blue" if name == "calibration" else "tab:green", alpha=0.06, lw=0)
        ax.text(lo, 1.0, f" {name}", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.set_ylabel(ylabel)
    legend_outside(ax)
    ax.set_title(title)
    _save(fig, path)


def scatter_one_to_one(sim, obs, masks: dict, title: str, path, label: str = "discharge (mm/d)"):
    """Simulated vs observed with the 1:1 line, one colour per period."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    lo, hi = np.inf, -np.inf
    for (name, m), col in zip(masks.items(), ("tab:blue", "tab:green", "tab:gray")):
        ok = m & np.isfinite(sim) & np.isfinite(obs)
        if not ok.any():
            continue
        ax.scatter(obs[ok], sim[ok], s=5, alpha=0.4, color=col, label=name, lw=0)
        lo, hi = min(lo, obs[ok].min(), sim[ok].min()), max(hi, obs[ok].max(), sim[ok].max())
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
    ax.set_xlabel(f"observed {label}")
    ax.set_ylabel(f"simulated {label}")
    ax.legend(frameon=False, loc="best")
    ax.set_title(title)
    _save(fig, path)


def parameter_posteriors(samples, names, title: str, path, posterior_label: str = "behavioural", log_names=()):
    """Histograms of the behavioural parameter sets (GLUE, likelihood-weighted) or posterior draws (MCMC) over the
    prior sample, each as the share of its sets per bin: the rows with ``behavioural`` True, over all rows (GLUE's
    sample is the prior) or, when ``samples`` has a ``prior`` column, the rows where it is True. Parameters in
    ``log_names`` (searched in log space: ``transform = "log"``) get log-spaced bins on a log axis, so that a prior
    spread over decades fills the bins evenly instead of piling into the first one."""
    plt = _plt()
    k = len(names)
    cols = min(4, k)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.3 * rows), squeeze=False)
    beh = samples[samples["behavioural"]]
    prior = samples[samples["prior"]] if "prior" in samples.columns else samples
    for ax, name in zip(axes.ravel(), names):
        v = prior[name].to_numpy(dtype=float)
        lo, hi = np.nanmin(v), np.nanmax(v)
        log = name in log_names and lo > 0
        bins = np.geomspace(lo, hi, 31) if log and hi > lo else 30
        # both as shares of their sets per bin (the same bins): the posterior's shape is comparable with the prior's
        w = beh["weight"].to_numpy(dtype=float)
        ax.hist(beh[name], bins=bins, weights=w / w.sum() if w.sum() > 0 else None, color="tab:red", alpha=0.6,
                label=f"{posterior_label} (weighted)")
        ax.hist(v, bins=bins, weights=np.full(v.size, 1.0 / max(v.size, 1)), histtype="step", color="0.25", lw=1.0,
                label="prior (LHS)")
        if log:
            plain_log_axis(ax, "x")
        ax.set_title(name.replace("reservoirs.", "").replace("hydrotopes.*.", "") + (" (log axis)" if log else ""),
                     fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel("share of sets per bin", fontsize=7)
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, 0.0))
    _save(fig, path)


def sensitivity_bars(result: dict, title: str, path):
    """Morris mu* (or Sobol' ST) per parameter for each output."""
    plt = _plt()
    outs = list(result["indices"])
    names = [n.replace("reservoirs.", "").replace("hydrotopes.*.", "") for n in result["parameters"]]
    fig, axes = plt.subplots(1, len(outs), figsize=(4.2 * len(outs), 0.35 * len(names) + 1.5), sharey=True)
    key = "mu_star" if result["method"] == "morris" else "ST"
    for ax, o in zip(np.atleast_1d(axes), outs):
        v = np.asarray(result["indices"][o][key])
        ax.barh(range(len(names)), v, color="tab:blue")
        ax.set_title(o, fontsize=8)
        ax.set_xlabel("Morris mu*" if key == "mu_star" else "Sobol' total index")
    np.atleast_1d(axes)[0].set_yticks(range(len(names)))
    np.atleast_1d(axes)[0].set_yticklabels(names, fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)


def scenario_sink(annual: pd.DataFrame, bands: dict | None, title: str, path, start_year: int | None = None):
    """Annual carbon sink, baseline vs scenario, with ensemble bands (``bands["label"]``: 5-95 % from >= 20
    members, else the min-max range of the members), and the difference."""
    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    x = annual.index.to_numpy()
    for key, col, lab in (("baseline", "tab:gray", "baseline"), ("scenario", "tab:green", "scenario")):
        if bands is not None and key in bands:
            b = bands[key]
            ax0.fill_between(b.index, b.iloc[:, 0], b.iloc[:, 2], color=col, alpha=0.2, lw=0,
                             label=f"{lab} {bands.get('label', '5-95 %')} (ensemble)")
        ax0.plot(x, annual[f"{key}_tc_km2"], color=col, marker="o", ms=3, lw=1.2, label=f"{lab} (central)")
    ax0.set_ylabel("carbon sink (t C km-2 yr-1)")
    legend_outside(ax0, fontsize=8)
    ax1.bar(x, annual["delta_tc_km2"], color=np.where(annual["delta_tc_km2"] >= 0, "tab:green", "tab:red"))
    ax1.axhline(0, color="k", lw=0.6)
    if start_year is not None:
        for ax in (ax0, ax1):
            ax.axvline(start_year - 0.5, color="k", ls=":", lw=0.8)
    ax1.set_ylabel("scenario - baseline\n(t C km-2 yr-1)")
    ax1.set_xlabel("year")
    ax0.set_title(title)
    _save(fig, path)


def scenario_decomposition(decomp: dict, fate_change: dict | None, title: str, path):
    """Change of the sink split into the runoff, DIC and interaction terms (and fate-share changes)."""
    plt = _plt()
    n = 2 if fate_change else 1
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 3.6), squeeze=False)
    ax = axes[0, 0]
    labels = ["runoff", "DIC", "interaction", "total"]
    vals = [decomp["from_runoff_tc_km2_yr"], decomp["from_dic_tc_km2_yr"], decomp["interaction_tc_km2_yr"]]
    vals.append(sum(vals))
    ax.bar(labels, vals, color=["tab:blue", "tab:orange", "tab:gray", "k"])
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("change of sink (t C km-2 yr-1)")
    ax.set_title("sink change = k (dR D0 + R0 dD + dR dD)", fontsize=8)
    if fate_change:
        ax = axes[0, 1]
        keys = ["export_dic", "aquatic_organic_carbon", "sediment", "degassed"]
        ax.bar([k.replace("_", "\n") for k in keys], [100 * fate_change[k] for k in keys], color="tab:green")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_ylabel("change of fate share (percentage points)")
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)


def scorecard(rows: list, title: str, path):
    """A table figure: indicator, baseline, scenario, change (with interval). The columns are sized to their
    longest text as drawn (matplotlib pads a cell's text by 10 % of the cell width on each side) and the figure to
    the columns, so no cell is clipped."""
    plt = _plt()
    import textwrap
    from matplotlib.table import Cell
    cells = [[str(c) for c in r] for r in rows]
    # a long header is wrapped to its column's longest value (at least 24 characters) rather than widening it
    width = [max([len(r[j]) for r in cells[1:]] + [24]) for j in range(len(cells[0]))]
    cells[0] = [textwrap.fill(h, w) for h, w in zip(cells[0], width)]
    head_lines = max(h.count("\n") + 1 for h in cells[0])
    head = 1.0 + 0.55 * (head_lines - 1)  # header row height in body rows (a text line is ~0.55 of a row)
    fig = plt.figure(figsize=(8.0, 0.26 * (len(rows) - 1 + head) + 0.2))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    tab = ax.table(cellText=cells[1:], colLabels=cells[0], cellLoc="left", bbox=[0.0, 0.0, 1.0, 1.0])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    for (r, _), cell in tab.get_celld().items():
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("0.92")
            cell.set_height(cell.get_height() * head)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    need = np.zeros(len(cells[0]))
    for (_, j), cell in tab.get_celld().items():
        need[j] = max(need[j], cell.get_text().get_window_extent(renderer).width / (1.0 - 2.0 * Cell.PAD) + 6.0)
    for (_, j), cell in tab.get_celld().items():
        cell.set_width(need[j] / need.sum())
    fig.set_size_inches(need.sum() / fig.dpi, fig.get_size_inches()[1])
    ax.set_title(title)
    _save(fig, path)


def chemistry_panels(index, q_sim_mm_d, q_obs_mm_d, sim, obs, rating_pred, periods: dict, label: str, title: str,
                     path, bands=None):
    """Three panels for one chemistry variable: the simulated daily series with the samples (and the C-Q rating's
    prediction on the sample days) over time, shaded periods; concentration against discharge on log axes
    (samples at the observed discharge, the model on all days; discharge in mm/d as in every
    discharge figure); the monthly medians of the samples and of the model."""
    plt = _plt()
    fig = plt.figure(figsize=(12, 6.8))
    gs = fig.add_gridspec(2, 2, height_ratios=(1.0, 1.1), hspace=0.35, wspace=0.25)
    ax = fig.add_subplot(gs[0, :])
    sample = np.isfinite(obs)
    if bands is not None:
        ax.fill_between(index, bands[0], bands[1], color="tab:red", alpha=0.2, lw=0, label="5-95 % (GLUE)")
    ax.plot(index, sim, color="tab:red", lw=0.8, label="model (daily)")
    ax.plot(index[sample], obs[sample], "o", ms=3, color="black", label="samples")
    if rating_pred is not None:
        ax.plot(index[sample], rating_pred[sample], "x", ms=3.5, color="tab:blue", label="C-Q rating")
    for name, per in periods.items():
        if per is None:
            continue
        a, b = per
        ax.axvspan(a if a is not None else index[0], b if b is not None else index[-1],
                   color="tab:blue" if name == "calibration" else "tab:green", alpha=0.06, lw=0)
        ax.text(a if a is not None else index[0], 0.98, f" {name}", transform=ax.get_xaxis_transform(), va="top",
                fontsize=8)
    spans = [p for p in periods.values() if p is not None]
    if spans:
        lo = min(p[0] for p in spans if p[0] is not None) if any(p[0] is not None for p in spans) else index[0]
        hi = max(p[1] for p in spans if p[1] is not None) if any(p[1] is not None for p in spans) else index[-1]
        ax.set_xlim(lo - pd.Timedelta(days=60), hi + pd.Timedelta(days=60))
    ax.set_ylabel(label)
    ax.set_title(title)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax2 = fig.add_subplot(gs[1, 0])
    allday = np.isfinite(sim) & (np.asarray(q_sim_mm_d) > 0)
    ax2.scatter(np.asarray(q_sim_mm_d)[allday], sim[allday], s=2, color="tab:red", alpha=0.15, lw=0,
                label="model, all days")
    ok = sample & np.isfinite(q_obs_mm_d) & (np.asarray(q_obs_mm_d) > 0)
    ax2.scatter(np.asarray(q_obs_mm_d)[ok], obs[ok], s=10, color="black", label="samples (observed Q)")
    plain_log_axis(ax2, "x")
    plain_log_axis(ax2, "y")
    ax2.set_xlabel("discharge (mm/d)")
    ax2.set_ylabel(label)
    ax2.set_title("concentration-discharge", fontsize=10)
    ax2.legend(frameon=False, fontsize=8, loc="best")
    ax3 = fig.add_subplot(gs[1, 1])
    months = np.arange(1, 13)
    m_idx = pd.DatetimeIndex(index).month
    s_med = pd.Series(sim).groupby(m_idx).median().reindex(months)
    s_lo = pd.Series(sim).groupby(m_idx).quantile(0.1).reindex(months)
    s_hi = pd.Series(sim).groupby(m_idx).quantile(0.9).reindex(months)
    o_med = pd.Series(obs[sample]).groupby(m_idx[sample]).median().reindex(months)
    ax3.fill_between(months, s_lo, s_hi, color="tab:red", alpha=0.15, lw=0, label="model 10-90 %")
    ax3.plot(months, s_med, color="tab:red", label="model median")
    ax3.plot(months, o_med, "o-", color="black", ms=4, label="samples median")
    ax3.set_xticks(months)
    ax3.set_xlabel("month")
    ax3.set_ylabel(label)
    ax3.set_title("seasonal cycle", fontsize=10)
    ax3.legend(frameon=False, fontsize=8, loc="best")
    _save(fig, path)


def discharge_diagnostics(index, sim, obs, masks: dict, title: str, path, unit: str = "mm/d",
                          flow_duration=None, autocorrelation=None):
    """Four panels a hydrologist checks beyond the metrics: the flow duration curves (log axis) of observed and
    simulated discharge on the days with observations, the log-discharge series, the residuals against the
    simulated discharge (heteroscedasticity) and the residual autocorrelation (lags 0-30 days). ``flow_duration``
    and ``autocorrelation`` are the functions of :mod:`karstmodel.accounting.metrics` (passed in: reporting has no
    science)."""
    plt = _plt()
    sim = np.asarray(sim, dtype=float)
    obs = np.asarray(obs, dtype=float)
    ok = np.isfinite(sim) & np.isfinite(obs)

    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    ax = axes[0, 0]
    for label, series, color in (("observed", obs, "black"), ("simulated", sim, "tab:red")):
        p, qs = flow_duration(series[ok])
        ax.plot(100 * p, qs, color=color, lw=1.0, label=label)
    plain_log_axis(ax)
    ax.set_xlabel("exceedance (% of days with observations)")
    ax.set_ylabel(f"discharge ({unit})")
    ax.set_title("flow duration curve")
    ax.legend(frameon=False, loc="lower left")
    ax = axes[0, 1]
    ax.plot(index, np.where(obs > 0, obs, np.nan), color="black", lw=0.6, label="observed")
    ax.plot(index, np.where(sim > 0, sim, np.nan), color="tab:red", lw=0.6, alpha=0.8, label="simulated")
    plain_log_axis(ax)
    ax.set_ylabel(f"discharge ({unit}, log)")
    ax.set_title("low flows (log axis)")
    legend_outside(ax, fontsize=8)
    resid = sim - obs
    ax = axes[1, 0]
    for name, m in masks.items():
        sel = ok & np.asarray(m, dtype=bool)
        ax.plot(sim[sel], resid[sel], ".", ms=2, alpha=0.4, label=name)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xlabel(f"simulated discharge ({unit})")
    ax.set_ylabel(f"residual, simulated - observed ({unit})")
    ax.set_title("residuals vs discharge")
    ax.legend(frameon=False, loc="best", markerscale=4)
    ax = axes[1, 1]
    r = autocorrelation(np.where(ok, resid, np.nan), 30)
    ax.bar(np.arange(r.size), r, width=0.8, color="tab:blue")
    n = int(ok.sum())
    if n > 0:
        ax.axhline(1.96 / np.sqrt(n), color="k", lw=0.6, ls="--")
        ax.axhline(-1.96 / np.sqrt(n), color="k", lw=0.6, ls="--")
    ax.set_xlabel("lag (days)")
    ax.set_ylabel("autocorrelation of residuals")
    ax.set_title("residual autocorrelation (dashed: 95 % for white noise)")
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)
