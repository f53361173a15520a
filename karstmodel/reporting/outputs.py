"""Write a run's outputs: ``timeseries.csv``, ``summary.json``, ``hydrotopes.csv`` and figures (all atomic)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from chemistry.errors import InputError

from . import plots
from ..io.files import write_csv_atomic, write_json_atomic
from ..io.observations import load_chemistry_observations
from ..processes.reaches import summer_week
from . import html, html_sections, plots_surface
from .figure_jobs import draw


def catchment_inputs(c) -> list:
    """A catchment's own files (catchment file, drivers, observations): outputs must never replace them."""
    return [p for p in (c.source, c.drivers.file, c.observations.file) if p is not None]


def _inputs_of(result) -> list:
    return catchment_inputs(result.catchment)


def chemistry_samples(c, index) -> pd.DataFrame | None:
    """The observed chemistry of the catchment's observations file on the daily ``index``, in the model's units
    (:func:`karstmodel.io.observations.load_chemistry_observations`), or None without a chemistry column: the
    points of the chemograph."""
    if c.observations.file is None:
        return None
    chem = load_chemistry_observations(c.observations.file, index, c.observations.columns, c.observations.date_format)
    return chem if len(chem.columns) else None


def _output_dir(outdir) -> Path:
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a directory", file=str(out))
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_daily(result, outdir, figures: bool = True, jobs=None) -> dict:
    """Write the daily outputs of a run into ``outdir``: ``timeseries.csv``, ``hydrotopes.csv`` and, with
    ``figures``, the four daily figures (hydrograph, chemograph, soil pCO2, monthly sink). They need only the daily
    chain, so a run can write them while its reaches run (:func:`karstmodel.model.simulate.simulate`'s ``on_daily``),
    e.g. while the reach kernel still compiles on a first run. Returns the paths in the order of
    :func:`write_run`, with ``summary.json``, which :func:`write_run` writes. ``jobs``: a
    :class:`karstmodel.reporting.figure_jobs.FigureJobs` that draws the figures (in worker processes); the caller
    finishes it before the folder is used. Without it they are drawn here."""
    out = _output_dir(outdir)
    inputs = _inputs_of(result)
    paths = {"timeseries": out / "timeseries.csv", "summary": out / "summary.json", "hydrotopes": out / "hydrotopes.csv"}
    ts = result.timeseries.reset_index()
    ts["date"] = ts["date"].dt.strftime("%Y-%m-%d")
    # 12 significant digits: the water balance closes to ~1e-11 from the file itself, even with storages of
    # 1e5 mm (6 digits left ~1e-8)
    write_csv_atomic(ts, paths["timeseries"], protect=inputs, float_format="%.12g")
    hyd = pd.concat({k: v for k, v in result.hydrotope_series.items()}, names=["hydrotope", "date"]).reset_index()
    hyd["date"] = hyd["date"].dt.strftime("%Y-%m-%d")
    write_csv_atomic(hyd, paths["hydrotopes"], protect=inputs, float_format="%.6g")
    if figures:
        summary = result.summary
        c = result.catchment
        t = result.timeseries
        figs = {"hydrograph": out / "hydrograph.png", "chemograph": out / "chemograph.png",
                "soil_pco2": out / "soil_pco2.png", "sink_monthly": out / "sink_monthly.png"}
        draw(jobs, plots.hydrograph, t, f"{c.name}: precipitation and discharge", path=figs["hydrograph"],
             discharge=c.observations.discharge, area_km2=c.area_km2)
        water = "outlet" if c.observations.discharge == "outlet" else "spring"
        what = (f"spring chemistry ({summary['groundwater_temp_c']:.1f} C)" if water == "spring"
                else "chemistry at the gauge")
        draw(jobs, plots.chemograph, t, f"{c.name}: {what}", path=figs["chemograph"],
             samples=chemistry_samples(c, t.index), water=water)
        draw(jobs, plots.soil_pco2, t, c.hydrotopes, f"{c.name}: soil-air pCO2 by hydrotope", path=figs["soil_pco2"])
        src = {col.replace("carbon_sink_tc_km2_d_", ""): t[col] for col in t.columns
               if col.startswith("carbon_sink_tc_km2_d_")}
        draw(jobs, plots.monthly_sink, t, src, f"{c.name}: monthly karst carbon sink by source "
                                               f"(mean {summary['carbon_sink_tc_km2_yr']:.1f} t C km-2 yr-1)",
             path=figs["sink_monthly"])
        paths.update(figs)
    return paths


def write_run(result, outdir, figures: bool = True, report: bool = True, daily: dict | None = None,
              jobs=None) -> dict:
    """Write all outputs of a :class:`karstmodel.model.simulate.SimulationResult` into ``outdir``; returns the paths.
    With ``report``, also ``report.html`` (:mod:`karstmodel.reporting.html`: figures, sink and balances, metrics,
    provenance); validation and calibration write their own fuller report instead. ``daily``: the paths
    :func:`write_daily` returned for this run and ``outdir`` (with the same ``figures``), whose files are then not
    written again. ``jobs``: as :func:`write_daily` (the figures are drawn there; the report, which embeds them,
    waits for them)."""
    out = _output_dir(outdir)
    inputs = _inputs_of(result)
    paths = dict(write_daily(result, out, figures, jobs) if daily is None else daily)
    summary = dict(result.summary)
    summary["outputs"] = {k: v.name for k, v in paths.items()}
    if getattr(result, "reaches", None) is not None:
        paths.update(_write_reaches(result, out, inputs, figures, jobs))
        summary["outputs"] = {k: v.name for k, v in paths.items()}
    if report:
        if jobs is not None:
            jobs.wait()  # the report embeds the figures
        paths["report"] = out / "report.html"
        summary["outputs"] = {k: v.name for k, v in paths.items()}
        sections = [html_sections.sink_section(summary), html_sections.metrics_section(summary),
                    html_sections.figures_section({k: v for k, v in paths.items()})]
        html.write_report_html(paths["report"], f"Run of {result.catchment.name}",
                               [s for s in sections if s is not None],
                               html.provenance(html.catchment_inputs(result.catchment), result.catchment.chemistry.database),
                               subtitle=str(result.catchment.source or ""))
    write_json_atomic(summary, paths["summary"])
    return paths


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    flat = df.copy()
    flat.columns = [f"{a}__{b}" for a, b in flat.columns]
    flat.index.name = "datetime" if flat.index.name != "date" else "date"
    return flat.reset_index()


def _write_reaches(result, out: Path, inputs, figures: bool, jobs=None) -> dict:
    """The reaches' daily table, their diel table (``[surface_water] diel_output``: the summer week, the whole
    sub-daily record or none) and figures. A result whose sub-daily table holds no rows
    (:func:`karstmodel.model.simulate.simulate` with ``reach_subdaily="none"``) gets neither the diel table nor the
    diel figure."""
    rr = result.reaches
    c = result.catchment
    paths = {"reaches_daily": out / "reaches_daily.csv"}
    daily = _flat(rr.daily)
    write_csv_atomic(daily, paths["reaches_daily"], protect=inputs, float_format="%.6g")
    mode = c.surface_water.diel_output if c.surface_water is not None else "week"
    rows = len(rr.subdaily) > 0
    if mode != "none" and rows:
        sub = rr.subdaily
        if mode == "week":
            a, b = summer_week(sub.index, c.latitude)
            sub = sub[(sub.index >= a) & (sub.index < b)]
            paths["reaches_diel"] = out / "reaches_diel_week.csv"
        else:
            paths["reaches_diel"] = out / "reaches_subdaily.csv"
        write_csv_atomic(_flat(sub), paths["reaches_diel"], protect=inputs, float_format="%.6g")
    if figures:
        figs = {"diel": out / "reaches_diel.png", "fate": out / "fate.png", "metabolism": out / "reaches_metabolism.png"}
        if rows:
            a, _ = summer_week(rr.subdaily.index, c.latitude)
            start = a + pd.Timedelta(days=2)
            # the figures read the days they show and the daily table, not the whole sub-daily table (10^5-10^6
            # rows, which a worker process would otherwise receive)
            shown = replace(rr, subdaily=rr.subdaily.loc[start:start + pd.Timedelta(days=3.0)])
            draw(jobs, plots_surface.diel_panel, shown, start=start, days=3.0, path=figs["diel"],
                 title=f"{c.name}: diel cycle at the outlet of {rr.reaches[-1].name}")
        else:
            del figs["diel"]
        draw(jobs, plots_surface.fate_bar, rr.fate, path=figs["fate"],
             title=f"{c.name}: fate of the karst DIC below the spring")
        draw(jobs, plots_surface.daily_metabolism, replace(rr, subdaily=rr.subdaily.iloc[:0]), path=figs["metabolism"])
        paths.update(figs)
    return paths
