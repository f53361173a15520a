"""``karstmodel validate`` on a station: evaluate it and write its outputs atomically into one folder.

``summary.json`` (``metrics`` block as docs/interface.md), ``report.md``, ``samples_evaluated.csv``,
``daily_load.csv`` (with a continuous discharge) and the figures. Nothing is written when an input is bad, and an
output folder never holds (and so replaces) the station's own files.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...io.files import _atomic_write, atomic_output_dir, default_output_dir, write_csv_atomic, write_json_atomic
from ...reporting import html, html_sections
from ...reporting.plots_stations import station_figures
from .data import CAVE_AIR_COLUMN, load_station_data
from .evaluate import evaluate_station
from .periods import _periods
from .report import _report, result_lines
from .schema import CO2_SOURCES, SYSTEMS, Station, load_station


def _write_outputs(s: dict, st: Station, outdir: Path, title: str, figures: bool, extra=None) -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    fr = s["_frames"]
    smp = fr["samples"]
    tab = smp.copy()
    tab["datetime"] = pd.DatetimeIndex(tab["datetime"]).strftime("%Y-%m-%dT%H:%M")
    sp = fr["speciated"]
    for c in ("log_pco2", "pco2_atm", "si_calcite", "si_dolomite", "dic_mmol_l", "hco3_mmol_l", "co3_mmol_l",
              "co2aq_mmol_l", "ionic_strength", "charge_balance_pct", "carbon_input", "speciation_error"):
        if c in sp.columns:
            tab[f"{c}" if c not in tab.columns else f"{c}_speciated"] = sp[c].to_numpy()
    tab["dic_obs_mmol_l"] = fr["dic"]
    tab["dic_cq_rating_mmol_l"] = fr["rating_pred"]
    for (src, system), (eq, co2) in fr["preds"].items():
        tab[f"{src}_co2_ppmv"] = co2["co2_ppmv"].to_numpy()
        tab[f"dic_{src}_{system}_mmol_l"] = eq["dic_mmol_kgw"].to_numpy()
        if (src, system) in fr.get("stage1", {}):
            tab[f"dic_{src}_{system}_no_degassing_mmol_l"] = fr["stage1"][(src, system)]["dic_mmol_kgw"].to_numpy()
            for c in ("ph", "si_calcite", "log_pco2", "co2_degassed_mmol_kgw", "equilibration_fraction"):
                tab[f"{c}_{src}_{system}"] = eq[c].to_numpy()
    for k, m in fr["masks"].items():
        tab[f"in_{k}"] = m
    paths = {"samples": outdir / "samples_evaluated.csv"}
    write_csv_atomic(tab, paths["samples"], float_format="%.6g")
    if fr["daily"] is not None:
        d = fr["daily"].reset_index()
        d["date"] = d["date"].dt.strftime("%Y-%m-%d")
        paths["daily"] = outdir / "daily_load.csv"
        write_csv_atomic(d, paths["daily"], float_format="%.6g")
    figs = (station_figures(s, outdir, st.name, st.co2_source, CO2_SOURCES, SYSTEMS, CAVE_AIR_COLUMN)
            if figures else {})
    clean = {k: v for k, v in s.items() if k != "_frames"}
    clean["outputs"] = {k: Path(v).name for k, v in {**paths, **figs}.items()}
    return clean, figs, paths


def write_station_html(outdir: Path, title: str, st: Station, clean: dict, figs: dict) -> Path:
    """``report.html`` of a station (karstmodel.reporting.html): the result lines, metrics, figures and the
    provenance of the station's files."""
    sections = [html.Section("Results", tuple(clean.get("lines", ()))), html_sections.metrics_section(clean),
                html_sections.figures_section(figs)]
    inputs = [("station file", st.source), ("samples", st.samples_file), ("discharge", st.discharge_file),
              ("soil CO2", st.soil_co2_file)]
    return html.write_report_html(outdir / "report.html", title, sections, html.provenance(inputs, st.database),
                                  subtitle=str(st.source))


def _outdir(st: Station, outdir, suffix: str) -> Path:
    return Path(outdir) if outdir else default_output_dir(st.name, f"-{suffix}")


def station_inputs(st: Station) -> list:
    """The station's own files: an output folder must never hold (and so replace) them."""
    return [p for p in (st.source, st.samples_file, st.discharge_file, st.soil_co2_file) if p is not None]


def validate_station(path, outdir: Path | None = None, figures: bool = True, calibration=None,
                     validation=None, reported_dir: Path | None = None) -> dict:
    """Validate a station as it stands (module docstring): speciation, observation-based sinks, C-Q rating and the
    equilibrium chemistry model with the station file's parameters. Writes ``summary.json`` (``metrics`` block
    as docs/interface.md), ``report.md``, ``samples_evaluated.csv``, ``daily_load.csv`` (with continuous discharge)
    and figures into ``outdir`` (default ``karstmodel-output/<name>-validate``). Returns the summary with
    ``station, kind, lines, output_dir``. Nothing is written when an input is bad. ``reported_dir``: the folder
    named as ``output_dir`` when ``outdir`` is a temporary one (a station group written as one unit)."""
    st = load_station(path)
    data = load_station_data(st)
    periods = _periods(st, calibration, validation)
    out = _outdir(st, outdir, "validate")
    with atomic_output_dir(out, protect=station_inputs(st)) as tmp:
        s = evaluate_station(st, data, periods)
        clean, figs, _ = _write_outputs(s, st, tmp, f"Validation of station {st.name}", figures)
        clean["lines"] = result_lines(clean)
        clean["output_dir"] = str(reported_dir if reported_dir is not None else out)
        write_json_atomic({k: v for k, v in clean.items() if k != "lines"}, tmp / "summary.json")
        text = _report(clean, f"Validation of station {st.name}", figs)
        _atomic_write(tmp / "report.md", lambda fh: fh.write(text))
        write_station_html(tmp, f"Validation of station {st.name}", st, clean, figs)
    return clean
