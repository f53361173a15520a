"""One table over a folder of stations: what each station's samples say about carbonate weathering and its flux.

``karstmodel validate FOLDER`` on a folder holding stations (``FOLDER/*/station.toml``, e.g. the bundled
``thames_tributaries``) validates every station (:func:`karstmodel.workflows.stations.validate_station`, outputs
per station in a sub-folder) and writes ``stations_summary.csv`` and ``stations_summary.md``: one row per station with

* sample statistics (medians over the samples): temperature, pH, alkalinity, Ca, DIC, log pCO2, SI calcite and the
  charge balance from the chemistry core's speciation (:func:`chemistry.speciate`);
* stoichiometry: the (Ca+Mg)/HCO3 molar ratio (0.5 for carbonic-acid weathering of calcite or dolomite;
  :func:`karstmodel.workflows.stations.stoichiometry`) and the strong-acid anion share
  (2 SO4 + NO3) / (Alk + 2 SO4 + NO3) in equivalents: the share of the anion charge balancing weathering-derived
  cations (chloride excluded) carried by sulfate and nitrate rather than bicarbonate (sulfuric and nitric acid
  dissolve carbonate without consuming CO2; e.g. Perrin, Probst & Probst 2008, Geochim. Cosmochim. Acta 72:3105);
* concentration-discharge slopes b of ln C = a + b ln Q for DIC and Ca by ordinary least squares over the samples
  with its standard error se(b) = sqrt(s^2 / S_xx), s^2 = SSE / (n - 2), S_xx = sum (ln Q - mean ln Q)^2
  (Helsel, Hirsch, Ryberg, Archfield & Gilroy 2020, Statistical Methods in Water Resources, USGS TM 4-A3,
  ch. 9, eqs. 9.3-9.9); b near 0 is chemostatic, b < 0 dilution (Godsey, Kirchner & Clow 2009, Hydrol. Process.
  23:1844). The serial correlation of weekly samples is ignored, so se(b) is a lower bound;
* fluxes (Zeng, Liu & Kaufmann 2019, Nat. Commun. 10:5749, eq. 1, as mass fluxes): the DIC export from the samples
  (mean sample discharge x discharge-weighted DIC, :func:`karstmodel.workflows.stations.flux_from_samples`), and
  from the C-Q rating with Duan's smearing (:func:`karstmodel.workflows.stations.rating_load`) applied (a) to the
  discharges of the sample days and, (b) where the station has a continuous ``[discharge]`` record, to the daily
  discharge. (a) is the rating's estimate of the sample-based flux (it differs from it only by the rating's
  smoothing of the concentrations) and cannot correct for unsampled days; (b) is an annual load. Per km2 only where
  ``area_km2`` is given.

The table reports the samples; it classifies nothing. Carbonate catchments near calcite saturation show SI calcite
near or above 0 with (Ca+Mg)/HCO3 near 0.5 and b near 0; clay catchments lower Ca and alkalinity, more strong-acid
anions and stronger dilution.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..._progress import progress_bar
from ...config.catchment import _bundled_dir
from ...io.files import _atomic_write, atomic_output_dir, default_output_dir, write_csv_atomic
from .data import StationData, load_station_data
from .rating import rating_load
from .run import station_inputs, validate_station
from .schema import Station, load_station
from .sink import flux_from_samples
from .speciation import observed_dic, speciate_samples, stoichiometry

#: molar masses (g/mol) from the IUPAC standard atomic weights (Prohaska et al. 2022, Pure Appl. Chem. 94:573):
#: Ca 40.078, SO4 2- = 32.06 + 4 x 15.999, NO3- = 14.007 + 3 x 15.999
M_CA = 40.078
M_SO4 = 96.056
M_NO3 = 62.004

#: columns of the summary table, in order, with their meaning (written as the markdown table's legend)
COLUMNS = {
    "station": "station (folder)",
    "n_samples": "samples in the file",
    "n_speciated": "samples speciated (temperature, pH and alkalinity present)",
    "temp_c_median": "median water temperature (C)",
    "ph_median": "median pH",
    "alk_meq_l_median": "median alkalinity (meq/L)",
    "ca_mg_l_median": "median Ca (mg/L)",
    "dic_mmol_l_median": "median DIC (mmol/L) from the speciation",
    "log_pco2_median": "median log10 pCO2 (atm)",
    "si_calcite_median": "median saturation index of calcite",
    "charge_balance_pct_median": "median charge balance (%)",
    "ca_mg_hco3_molar_median": "median (Ca+Mg)/HCO3 molar ratio (0.5: carbonic-acid weathering)",
    "strong_acid_eq_share_median": "median (2 SO4 + NO3) / (Alk + 2 SO4 + NO3), equivalents",
    "cq_b_dic": "C-Q slope b of ln DIC on ln Q",
    "cq_b_dic_se": "standard error of b (DIC)",
    "cq_b_ca": "C-Q slope b of ln Ca on ln Q",
    "cq_b_ca_se": "standard error of b (Ca)",
    "n_cq": "samples with discharge and DIC",
    "q_mean_sample_m3_s": "mean sample-day discharge (m3/s)",
    "dic_fw_mmol_l": "discharge-weighted DIC over the samples (mmol/L)",
    "dic_export_samples_t_c_yr": "DIC export from the samples (t C/yr)",
    "dic_export_rating_sample_days_t_c_yr": "DIC export, C-Q rating on the sample-day discharges (t C/yr)",
    "dic_export_rating_daily_t_c_yr": "DIC export, C-Q rating on the daily discharge record (t C/yr)",
    "q_mean_daily_m3_s": "mean daily discharge of the record (m3/s)",
    "area_km2": "area (km2), where given",
    "dic_export_samples_tc_km2_yr": "DIC export from the samples per km2 (t C km-2 yr-1)",
}
#: added by :func:`summarise_station_group` from each station's validation (summary.json ``metrics``): the C-Q
#: rating of DIC fitted on the calibration period and scored on the validation period of the station file
VALIDATION_COLUMNS = {
    "cq_rating_kge_validation": "KGE of the C-Q rating's DIC in the validation period (fitted on the calibration period)",
    "cq_rating_pbias_validation_pct": "PBIAS (%) of the C-Q rating's DIC in the validation period",
}

#: short headers of the markdown table
_MD = [("station", "station", None), ("n_samples", "n", "d"), ("temp_c_median", "T C", ".1f"),
       ("ph_median", "pH", ".2f"), ("alk_meq_l_median", "Alk meq/L", ".2f"), ("ca_mg_l_median", "Ca mg/L", ".0f"),
       ("dic_mmol_l_median", "DIC mmol/L", ".2f"), ("log_pco2_median", "log pCO2", ".2f"),
       ("si_calcite_median", "SI cc", "+.2f"), ("charge_balance_pct_median", "CB %", "+.1f"),
       ("ca_mg_hco3_molar_median", "(Ca+Mg)/HCO3", ".2f"), ("strong_acid_eq_share_median", "SO4+NO3 eq", ".2f"),
       ("cq_b_dic", "b DIC", "pm"), ("cq_b_ca", "b Ca", "pm"), ("q_mean_sample_m3_s", "Q m3/s", ".2f"),
       ("dic_export_samples_t_c_yr", "DIC t C/yr", ".0f"),
       ("dic_export_rating_sample_days_t_c_yr", "rating, sample days", ".0f"),
       ("dic_export_rating_daily_t_c_yr", "rating, daily Q", ".0f"),
       ("dic_export_samples_tc_km2_yr", "t C/km2/yr", ".1f"),
       ("cq_rating_kge_validation", "rating KGE val", ".2f")]


def cq_slope(q, c) -> dict:
    """OLS of ln c on ln q over the pairs where both are finite and > 0: slope b, its standard error, intercept a,
    n and r2 (module docstring). Fewer than 3 pairs give NaN."""
    q = np.asarray(q, float)
    c = np.asarray(c, float)
    ok = np.isfinite(q) & np.isfinite(c) & (q > 0) & (c > 0)
    n = int(ok.sum())
    nan = {"b": math.nan, "se_b": math.nan, "a": math.nan, "n": n, "r2": math.nan}
    if n < 3:
        return nan
    x, y = np.log(q[ok]), np.log(c[ok])
    sxx = float(np.sum((x - x.mean()) ** 2))
    if sxx <= 0:
        return nan
    b = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
    a = float(y.mean() - b * x.mean())
    sse = float(np.sum((y - a - b * x) ** 2))
    syy = float(np.sum((y - y.mean()) ** 2))
    return {"b": b, "se_b": math.sqrt(sse / (n - 2) / sxx), "a": a, "n": n,
            "r2": 1.0 - sse / syy if syy > 0 else math.nan}


def strong_acid_share(samples: pd.DataFrame) -> np.ndarray:
    """(2 SO4 + NO3) / (Alk + 2 SO4 + NO3) in equivalents per sample (NaN where a term is missing); alkalinity from
    ``alk_meq_l`` (NaN without it)."""
    n = len(samples)
    col = lambda k: samples[k].to_numpy(float) if k in samples.columns else np.full(n, np.nan)  # noqa: E731
    strong = 2.0 * col("so4_mg_l") / M_SO4 + col("no3_mg_l") / M_NO3
    return strong / (col("alk_meq_l") + strong)


def _median(v) -> float:
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else math.nan


def station_row(st: Station, data: StationData, label: str | None = None) -> dict:
    """The summary row of one station (module docstring; keys as :data:`COLUMNS`)."""
    s = data.samples
    sp = speciate_samples(s, st.database)
    ok = (sp["speciation_error"].fillna("") == "").to_numpy()
    dic = observed_dic(s, sp)
    q = s["q_m3_s"].to_numpy(float)
    _, ratio = stoichiometry(s, sp)
    col = lambda k: s[k].to_numpy(float) if k in s.columns else np.full(len(s), np.nan)  # noqa: E731
    spc = lambda k: np.where(ok, sp[k].to_numpy(float), np.nan) if k in sp.columns else np.full(len(s), np.nan)  # noqa: E731
    b_dic = cq_slope(q, dic)
    b_ca = cq_slope(q, col("ca_mg_l"))
    row = {"station": label or st.name, "n_samples": int(len(s)), "n_speciated": int(ok.sum()),
           "temp_c_median": _median(col("temp_c")), "ph_median": _median(col("ph")),
           "alk_meq_l_median": _median(col("alk_meq_l")), "ca_mg_l_median": _median(col("ca_mg_l")),
           "dic_mmol_l_median": _median(dic), "log_pco2_median": _median(spc("log_pco2")),
           "si_calcite_median": _median(spc("si_calcite")),
           "charge_balance_pct_median": _median(spc("charge_balance_pct")),
           "ca_mg_hco3_molar_median": _median(ratio) if ratio is not None else math.nan,
           "strong_acid_eq_share_median": _median(strong_acid_share(s)),
           "cq_b_dic": b_dic["b"], "cq_b_dic_se": b_dic["se_b"], "cq_b_ca": b_ca["b"], "cq_b_ca_se": b_ca["se_b"],
           "n_cq": b_dic["n"]}
    have = np.isfinite(q) & np.isfinite(dic) & (q > 0) & (dic > 0)
    row.update({"q_mean_sample_m3_s": math.nan, "dic_fw_mmol_l": math.nan, "dic_export_samples_t_c_yr": math.nan,
                "dic_export_rating_sample_days_t_c_yr": math.nan, "dic_export_rating_daily_t_c_yr": math.nan,
                "q_mean_daily_m3_s": math.nan, "area_km2": st.area_km2 if st.area_km2 else math.nan,
                "dic_export_samples_tc_km2_yr": math.nan})
    if have.sum() >= 1:
        fm = flux_from_samples(q[have], dic[have], st.area_km2, fraction=1.0)
        row.update({"q_mean_sample_m3_s": fm["mean_q_m3_s"], "dic_fw_mmol_l": fm["dic_mmol_l_flow_weighted"],
                    "dic_export_samples_t_c_yr": fm["carbon_sink_t_c_yr"]})
        if st.area_km2:
            row["dic_export_samples_tc_km2_yr"] = fm["carbon_sink_tc_km2_yr"]
    if have.sum() >= 3:
        t = pd.DatetimeIndex(s["datetime"])[have]
        q_days = pd.Series(q[have], index=pd.DatetimeIndex(t.normalize(), name="date"))
        rs, _ = rating_load(q[have], dic[have], t, q_days, st.rating_seasonal, 0, np.random.default_rng(st.seed),
                            1.0, st.area_km2)
        row["dic_export_rating_sample_days_t_c_yr"] = rs["carbon_sink_t_c_yr"]
        if data.discharge is not None:
            rd, _ = rating_load(q[have], dic[have], t, data.discharge, st.rating_seasonal, 0,
                                np.random.default_rng(st.seed), 1.0, st.area_km2)
            row["dic_export_rating_daily_t_c_yr"] = rd["carbon_sink_t_c_yr"]
            row["q_mean_daily_m3_s"] = rd["mean_q_m3_s"]
    return row


def find_stations(folder) -> list[Path]:
    """The station files one level below ``folder`` (``*/station.toml``), sorted by folder name."""
    return sorted(Path(folder).glob("*/station.toml"), key=lambda p: p.parent.name)


def resolve_station_group(spec) -> Path | None:
    """A folder of stations from a path or a bundled folder name (e.g. ``thames_tributaries``): a folder without
    its own ``catchment.toml`` or ``station.toml`` holding ``*/station.toml``; None otherwise."""
    if spec is None:
        return None
    for d in (Path(spec), _bundled_dir() / str(spec)):
        if (d.is_dir() and not (d / "catchment.toml").exists() and not (d / "station.toml").exists()
                and find_stations(d)):
            return d
    return None


def summary_table(folder) -> pd.DataFrame:
    """The summary rows of every station in ``folder`` (no files written). All stations and their data are read
    before anything is computed, so a bad input stops with its error first."""
    loaded = [(p.parent.name, load_station(p)) for p in find_stations(folder)]
    data = [(label, st, load_station_data(st)) for label, st in loaded]
    return pd.DataFrame([station_row(st, d, label) for label, st, d in data], columns=list(COLUMNS))


def _cell(v, fmt, row=None, key=None) -> str:
    if fmt is None:
        return str(v)
    if fmt == "pm":
        se = row[key + "_se"]
        return "n/a" if not np.isfinite(v) else f"{v:+.3f} ± {se:.3f}"
    if isinstance(v, float) and not np.isfinite(v):
        return "n/a"
    return format(v, fmt)


def markdown_table(table: pd.DataFrame) -> str:
    """The summary as a markdown table with a legend of the short headers."""
    optional = {"dic_export_rating_daily_t_c_yr", "dic_export_samples_tc_km2_yr", "cq_rating_kge_validation"}
    cols = [c for c in _MD if c[0] not in optional
            or (c[0] in table.columns and np.isfinite(table[c[0]].to_numpy(float)).any())]
    lines = ["| " + " | ".join(h for _, h, _ in cols) + " |", "|" + "---|" * len(cols)]
    for _, r in table.iterrows():
        lines.append("| " + " | ".join(_cell(r[k], f, r, k) for k, _, f in cols) + " |")
    legend = "; ".join(f"{h}: {({**COLUMNS, **VALIDATION_COLUMNS})[k]}" for k, h, _ in cols[1:])
    return "\n".join(lines) + "\n\n" + legend + " (b ± its standard error).\n"


def summarise_station_group(folder, outdir=None, figures: bool = True, calibration=None, validation=None,
                             progress: bool = True) -> dict:
    """Validate every station in ``folder`` (outputs in ``outdir/<station folder>/``) and write
    ``stations_summary.csv`` and ``stations_summary.md`` into ``outdir`` (default
    ``karstmodel-output/<folder name>-validate``): the rows of :func:`summary_table` plus
    :data:`VALIDATION_COLUMNS` from each station's validation, with a progress bar over the stations on stderr
    (``progress``). Returns {"table", "output_dir", "files"}."""
    folder = Path(folder)
    table = summary_table(folder)  # reads (and checks) every input before anything is written
    out = Path(outdir) if outdir else default_output_dir(folder.name, "-validate")
    extra = {k: [] for k in VALIDATION_COLUMNS}
    stations = find_stations(folder)
    inputs = [f for p in stations for f in station_inputs(load_station(p))]
    with (atomic_output_dir(out, protect=inputs) as tmp,  # the whole group is replaced as one unit
          progress_bar(len(stations), "stations validated", show=progress, unit="station") as bar):
        for p in stations:
            v = validate_station(p, tmp / p.parent.name, figures=figures, calibration=calibration,
                                 validation=validation, reported_dir=out / p.parent.name)
            m = v.get("metrics", {}).get("validation", {}).get("dic_mmol_l_cq", {})
            extra["cq_rating_kge_validation"].append(m.get("kge", math.nan))
            extra["cq_rating_pbias_validation_pct"].append(m.get("pbias", math.nan))
            bar.update(1)
        table = table.assign(**{k: np.asarray(v, float) for k, v in extra.items()})
        write_csv_atomic(table, tmp / "stations_summary.csv", float_format="%.6g")
        text = (f"# Stations in {folder.name}\n\n" + markdown_table(table)
                + "\nDIC export = all DIC carried past the station (the carbonic-acid sink is at most half of it; "
                  "see each station's report.md). Per-station outputs in the sub-folders.\n")
        _atomic_write(tmp / "stations_summary.md", lambda fh: fh.write(text))
    files = {"csv": out / "stations_summary.csv", "md": out / "stations_summary.md"}
    return {"table": table, "output_dir": str(out), "files": {k: str(v) for k, v in files.items()}}
