#!/usr/bin/env python3
"""Derive default soil-respiration priors per karstmodel land-use class from SRDB.

Reads the Global Soil Respiration Database (SRDB v5 snapshot: ``srdb-data.csv``,
``srdb-equations.csv``) and the daily database DGRsD (``DGRsD.csv``) and writes

* ``karstmodel/data/soil_respiration_priors.csv``: one row per land-use class
  (forest, shrubland, grassland, cropland, bare_soil, bare_rock, urban, water)
  with annual soil respiration, Q10, the derived reference rate R10, the median
  climate of the records and the source of every row;
* ``karstmodel/data/soil_respiration_priors_subtropical.csv``: the same statistics
  for records with a mean annual temperature of 14-22 C (warm temperate /
  subtropical; the climate of southern Chinese karst), for classes with >= 20
  records;
* ``karstmodel/data/soil_respiration_priors.md``: provenance, mapping, filters,
  the numbers, cross-checks and caveats (regenerated from the data on every run).

Usage::

    python tools/derive_soil_respiration_priors.py SRDB_DIR [--out-dir DIR]
                                                   [--amplitude-c 10]

SRDB_DIR (required) holds the SRDB files. Needs numpy and pandas only.

Land-use mapping (SRDB ``Ecosystem_type`` -> karstmodel class)
---------------------------------------------------------------
=======================  ===========  =====================================================
SRDB Ecosystem_type      class        why
=======================  ===========  =====================================================
Forest                   forest       direct. Natural, unmanaged and managed (plantation)
                                      forests are all kept: plantations (e.g. Chinese fir,
                                      masson pine, eucalyptus) are a large share of
                                      afforested karst.
Shrubland                shrubland    direct (karst shrub / scrub vegetation).
Grassland                grassland    direct (natural grassland, pasture, meadow).
Savanna                  grassland    grass-dominated ground layer with scattered trees;
                                      karstmodel has no savanna class and the soil flux is
                                      driven by the herbaceous layer. Few records (the
                                      effect of dropping them is reported in the .md).
Agriculture, Cropland    cropland     direct (arable land; "Cropland" is a rare synonym).
Orchard                  cropland     managed, fertilised agricultural land; orchards
                                      (citrus, kiwi, pitaya...) are common on karst
                                      farmland. Few records.
Urban                    urban        SRDB urban records are urban green space (lawns,
                                      parks); too few (n < 20) for a prior, reported only
                                      (see the urban rule below).
Bare                     (check only) 7 records with Rs_annual, mostly remediation plots on
                                      smelter-polluted soil: too few and too odd for a prior,
                                      used only as a cross-check of the bare_soil rule.
Wetland, Peatland,       excluded     waterlogged or organic soils: CO2 production is set by
Peatland/agriculture,                 the water table and peat oxidation, not by the
Waterlogged depression                land-use response a well-drained karst soil has.
Desert, Desert-grassland excluded     hyper-arid to arid, not a karstmodel class.
Tundra                   excluded     arctic/alpine permafrost systems, outside the use
                                      domain (alpine karst meadows are SRDB "Grassland").
Mixed, Glade, Salt pan,  excluded     ambiguous or single records.
blank
=======================  ===========  =====================================================

``Biome`` is not used to assign classes (it is subjective and climate is already
handled through MAT: the R10 inversion removes the temperature effect and the
subtropical subset selects on MAT). ``Ecosystem_state`` is not used either.

Record filters (applied in this order; counts per step are written to the .md)
-----------------------------------------------------------------------------
1. class mapped (table above);
2. ``Rs_annual`` present and 10 <= Rs_annual <= 4000 g C m-2 yr-1. Values outside
   are unit or transcription errors on inspection (e.g. 2.7 g C for a US forest,
   -200 for a Japanese field, 17,000-41,000 for turf on a landfill);
3. ``Quality_flag`` has no flag in the Q10-Q16 series (Q10 potential problem, Q11
   suspected problem, Q12 known problem, Q13 duplicate?, Q14 inconsistency; Q15/Q16
   occur but are undefined in srdb-data_fields.txt and are treated as problems).
   Q0-Q04 (estimated from figure, from another study, ...) are kept;
4. ``Duplicate_record`` empty;
5. not a landfill or rubble-dump site (CO2 from buried waste, not soil: up to
   41,000 g C m-2 yr-1 for turf on a landfill);
6. ``Soil_drainage`` not "Wet" (karst soils drain freely; wet soils are
   peat/swamp-like even when the vegetation is forest or grassland);
7. ``Meas_method`` not soda lime or alkali absorption (static absorption traps; the
   SRDB README notes that many analyses will want to exclude soda lime);
8. ``Annual_coverage`` missing or >= 0.5 (below half a year of measurements the
   "annual" value is mostly extrapolation or a growing-season total);
9. manipulation: the record is an unmanipulated control (``Manipulation`` "None",
   "Control", "CK", "ambient ...") or carries only management that is part of the
   land use as practised:
   * cropland: fertiliser/manure/compost/straw or residue return, tillage of any
     kind, irrigation, rotation/intercropping/cover crops/fallow, mulching,
     weeding/herbicides, harvest, mowing;
   * grassland: grazing (any stocking), mowing/hay, grazing exclosure, sowing;
     fertilisation is NOT accepted for grassland because most fertilised SRDB
     grassland records are N-addition experiments in natural steppe (sensitivity
     reported in the .md);
   * urban: lawn care (mowing/trimming, irrigation);
   * forest, shrubland: controls only.
   Experimental perturbations are always excluded: warming, CO2/FACE, O3, UV,
   drought/rainfall change, litter/root manipulation, trenching, girdling, clipping,
   shading, biochar, burning, clear-cut/thinning, drainage, contaminants,
   acidification, liming, remediation, invasions, degradation.
   Empty or unrecognised manipulation text is excluded (conservative).

Statistics
----------
* Rs_annual: n, median, 25th and 75th percentile (numpy linear interpolation).
* Q10 (``srdb-equations.csv``, joined on ``Record_number``, which SRDB keeps stable
  across versions): per record, the Q10 field whose temperature range is centred
  nearest the record's mean annual temperature (Q10_0_10, Q10_5_15, Q10_10_20,
  Q10_0_20 and Q10_other1/2 with their stated ranges; ties -> the wider range).
  Equations fitted to air temperature (T_depth = -200) are dropped; Q10 outside
  [1, 10] is dropped (a negative response or a seasonal confounding, not a prior).
  The Q10 sample uses the same class/quality/drainage/manipulation filters as Rs,
  but does not require Rs_annual (many Q10 studies do not report an annual flux).
* Mean annual temperature of a record: MAT, or Study_temp where MAT is missing.
* R10 (g C m-2 d-1): the reference rate of the karstmodel form
  R(T) = R10 * Q10 ** ((T - 10) / 10), obtained per record by inverting
  Rs_annual = sum_{d=1..365} R10 * Q10 ** ((T_d - 10) / 10),
  T_d = MAT + A sin(2 pi (d - 0.5) / 365), A = 10 C (``--amplitude-c``),
  with Q10 = the class median Q10 (so that the pair (R10, Q10) is coherent).
  Assumptions: soil temperature at the respiring depth has the annual mean of the
  air (MAT) and a sinusoidal annual cycle of amplitude 10 C; no freezing cut-off;
  no moisture factor - the R10 therefore includes the site's mean moisture
  limitation (apply a moisture factor normalised to 1 at typical moisture).
  Closed form for checking: sum = 365 Q10^((MAT-10)/10) I0(A ln(Q10)/10).
* MAT and MAP medians of the Rs_annual records.

Classes SRDB does not support (documented rules, no literature numbers)
------------------------------------------------------------------------
* bare_soil: no living roots, so soil CO2 comes only from heterotrophic
  respiration. Rule: the distribution of ``Rh_annual`` of the filtered cropland
  records (the best-documented bare-soil proxy: root-exclusion / bare plots in
  arable soil); Q10 = cropland Q10; R10 inverted in the same way. Upper-end value
  for long-term bare soil, whose carbon inputs decline.
* bare_rock: exposed carbonate with soil only in thin pockets and fissures. Rule:
  0.1 x bare_soil (assumed 10 % soil-pocket cover); Q10 = cropland Q10. A
  placeholder to calibrate, not a measurement.
* urban: SRDB has only ~9 usable urban green-space records (fewer than the 20 this
  script requires of a class), so urban = the grassland row (urban soil is mostly lawn
  and park). Values are per m2 of unsealed soil; the sealed fraction belongs to the
  land-cover fractions of a catchment, not to this table. The SRDB urban median is
  reported in the .md (it is higher: irrigated, fertilised lawns).
* water: open water has no soil: Rs = R10 = 0; Q10 = 1 (irrelevant, chosen so that
  R10 * Q10^x stays 0 without NaN).

DGRsD cross-check
-----------------
Daily Rs (``RS_Norm``, g C m-2 d-1) and soil temperature (``Tsoil``) per series
(Study_number, Site_ID, Treatment). The class comes from the SRDB records of the
same Study_number + Site_ID (sites with more than one class are dropped); the site
must have at least one SRDB record passing the manipulation filter, and the series'
treatment text must not name an experimental perturbation; wet-drained sites are
dropped. Fit ln(Rs) = a + b T by least squares on series with >= 10 days and a
temperature range >= 5 C; Q10 = exp(10 b). Per class: median and IQR of the series
Q10 (inside [1, 10]) and the number of sites.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = ["forest", "shrubland", "grassland", "cropland",
           "bare_soil", "bare_rock", "urban", "water"]
SRDB_CLASSES = ["forest", "shrubland", "grassland", "cropland", "urban"]

ECOSYSTEM_TO_CLASS = {
    "Forest": "forest",
    "Shrubland": "shrubland",
    "Grassland": "grassland",
    "Savanna": "grassland",
    "Agriculture": "cropland",
    "Cropland": "cropland",
    "Orchard": "cropland",
    "Urban": "urban",
}
EXCLUDED_TYPES_NOTE = ("Wetland, Peatland, Peatland/agriculture, Waterlogged depression, Desert, "
                       "Desert-grassland, Tundra, Mixed, Glade, Salt pan, Bare (cross-check only), blank")

RS_MIN, RS_MAX = 10.0, 4000.0          # g C m-2 yr-1 plausibility window
Q10_MIN, Q10_MAX = 1.0, 10.0           # Q10 plausibility window
MIN_COVERAGE = 0.5                     # Annual_coverage
SUBTROPICAL_MAT = (14.0, 22.0)         # deg C
MIN_SUBSET_N = 20                      # records needed for a subset row
MIN_Q10_N = 5                          # Q10 values needed to use a class's own Q10
BARE_ROCK_FRACTION = 0.1               # soil-pocket cover assumed for bare_rock
UMOL_M2_S_TO_GC_M2_D = 12.011e-6 * 86400.0   # 1 umol CO2 m-2 s-1 in g C m-2 d-1

SRDB_COMMIT = "3d7fdf39054e85661304fc004b5e3dd8498898c9"
EQUATIONS_COMMIT = "8760ae5f5322d2f2fa645911d9f11a98a0e586c9"
DGRSD_COMMIT = "f5cb2940cba1eb2e80419f7c7e8423d30d66cdc1"

# --------------------------------------------------------------------------------------------
# Manipulation classification
# --------------------------------------------------------------------------------------------
EXPERIMENTAL = re.compile(
    r"warm|temperat|\bheat|co2|\bface\b|ozone|\bo3\b|\buv|ultraviolet|filtered air|drought|"
    r"\bdr(y|ied)\b|extreme|\bwet|precip|percip|\brain|water addition|litter|girdl|trench|clip|"
    r"shad|biochar|contamin|acid|sludge|drain|burn|clear ?cut|\bthin|disturb|remediat|reclaim|"
    r"\bmine\b|inocul|fungicid|carcass|invas|invad|\bdust|snow|\bsand|transplant|distanc|"
    r"substrate|\blime|c/n|prun|defoliat|degrad|abandon|collar|percentile|^mean$|acclimat|salin|"
    r"manipulat|root|exclu(?!sion$)|\bgap"
)
# extra perturbations for classes where fertilisation is not part of the land use
NOT_FERTILISED = re.compile(r"fertili|manure|dung|compost|\bn addition|\bp addition|nitrogen|urea")
NEUTRAL = re.compile(r"^(none|control|conrol|ck|untreated|no treatment)$|^ambient|^natural precipitation")
ROUTINE = {
    "cropland": re.compile(
        r"fertili|manure|npk|\bn rate|n addition|urea|compost|organic|chemical|till|plow|plough|"
        r"harrow|rotovat|rotary|drill|ridge|furrow|mulch|plastic|film|irrigat|flood|rotation|"
        r"intercrop|cover crop|fallow|straw|residue|stubble|harvest|mow|weed|herbicid|insecticid|"
        r"pesticid|sow|planting|cultivation|conservation management|intensive management|"
        r"monoculture|cropping system|forage|green manure|water management|graz|conventional"),
    "grassland": re.compile(
        r"graz|stock|paddock|mow|mown|hay\b|lawn|customary management|^managed$|rangeland|"
        r"fenc|enclos|herbivore exclusion|^planted$"),
    "urban": re.compile(r"mow|trim|irrigat|lawn"),
    "forest": re.compile(r"(?!)"),
    "shrubland": re.compile(r"(?!)"),
    "bare_soil": re.compile(r"(?!)"),
}


def _components(text: str) -> list[str]:
    """Split a Manipulation text into its parts (parenthetical text becomes parts too)."""
    t = text.lower()
    parts = re.split(r"[,+;/&()\[\]]|\band\b", t)
    out = []
    for p in parts:
        p = re.sub(r"^[a-z0-9]{1,5}:\s*", "", p.strip())   # "OGR: open grazing rangeland"
        p = p.strip(" -.")
        if p:
            out.append(p)
    return out


def manipulation_ok(text: str, cls: str) -> bool:
    """True if a record with this Manipulation text represents the land use as practised.

    Every part must be neutral (none/control/ambient...), a bare treatment code ("GC", "RF"),
    or routine management for the class; no part may name an experimental perturbation; and
    at least one part must be neutral or routine (a lone code such as "CNL" is rejected).
    """
    if not isinstance(text, str) or not text.strip():
        return False
    routine = ROUTINE.get(cls, ROUTINE["forest"])
    recognised = False
    for c in _components(text):
        if NEUTRAL.search(c):
            recognised = True
            continue
        if EXPERIMENTAL.search(c):
            return False
        if cls != "cropland" and NOT_FERTILISED.search(c):
            return False
        if routine.search(c):
            recognised = True
            continue
        if re.fullmatch(r"[a-z]{1,3}\d{0,2}", c):       # bare treatment codes: "gc", "rf", "p2"
            continue
        return False
    return recognised


def treatment_experimental(text: str, cls: str) -> bool:
    """True if a DGRsD Treatment text names an experimental perturbation."""
    if not isinstance(text, str) or not text.strip():
        return False
    t = text.lower()
    if EXPERIMENTAL.search(t):
        return True
    return cls != "cropland" and bool(NOT_FERTILISED.search(t))


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
def read_csv_str(path: Path) -> pd.DataFrame:
    """Read an SRDB csv (latin-1) as stripped strings; 'None' stays a string."""
    df = pd.read_csv(path, encoding="latin-1", dtype=str, keep_default_na=False, low_memory=False)
    return df.apply(lambda s: s.str.strip())


def num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def fix_text(x: str) -> str:
    """Undo UTF-8-read-as-latin-1 mojibake in the few names that have it (display only)."""
    try:
        return x.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return x


def quality_bad(flag: str) -> bool:
    return any(int(x) >= 10 for x in re.findall(r"Q(\d+)", flag or ""))


def load_srdb(srdb_dir: Path) -> pd.DataFrame:
    d = read_csv_str(srdb_dir / "srdb-data.csv")
    d["land_use"] = d["Ecosystem_type"].map(ECOSYSTEM_TO_CLASS)
    for c in ["Record_number", "Rs_annual", "Rh_annual", "MAT", "MAP", "Study_temp",
              "Study_precip", "Annual_coverage", "Latitude", "Longitude"]:
        d[c + "_n"] = num(d[c])
    d["t_mean_c"] = d["MAT_n"].where(d["MAT_n"].between(-30, 40))
    d["t_mean_c"] = d["t_mean_c"].fillna(d["Study_temp_n"].where(d["Study_temp_n"].between(-30, 40)))
    d["map_mm"] = d["MAP_n"].where(d["MAP_n"].between(0, 9999))
    d["map_mm"] = d["map_mm"].fillna(d["Study_precip_n"].where(d["Study_precip_n"].between(0, 9999)))
    d["site_key"] = d["Study_number"] + "|" + d["Site_ID"].where(d["Site_ID"] != "", d["Site_name"])

    # record-level filters (independent of the response variable)
    d["f_quality"] = ~d["Quality_flag"].map(quality_bad)
    d["f_duplicate"] = d["Duplicate_record"] == ""
    d["f_drainage"] = d["Soil_drainage"] != "Wet"
    site_txt = (d["Site_name"] + " " + d["Notes"]).str.lower()
    d["f_site"] = ~site_txt.str.contains(r"landfill|rubble dump|waste dump")
    d["f_coverage"] = d["Annual_coverage_n"].isna() | (d["Annual_coverage_n"] >= MIN_COVERAGE)
    d["f_manip"] = [manipulation_ok(m, c) if isinstance(c, str) else False
                    for m, c in zip(d["Manipulation"], d["land_use"])]
    d["f_method"] = ~d["Meas_method"].str.lower().str.contains("soda|alkali")
    d["f_rs"] = d["Rs_annual_n"].between(RS_MIN, RS_MAX)
    d["f_rh"] = d["Rh_annual_n"].between(RS_MIN, RS_MAX)
    d["f_base"] = (d["f_quality"] & d["f_duplicate"] & d["f_site"] & d["f_drainage"] & d["f_method"]
                   & d["f_manip"])
    return d


Q10_FIELDS = [("Q10_0_20", 0.0, 20.0), ("Q10_5_15", 5.0, 15.0), ("Q10_10_20", 10.0, 20.0),
              ("Q10_0_10", 0.0, 10.0)]


def load_q10(srdb_dir: Path, d: pd.DataFrame) -> pd.DataFrame:
    """Per-record Q10 from srdb-equations.csv, the field best matching the record's MAT."""
    e = pd.read_csv(srdb_dir / "srdb-equations.csv", encoding="latin-1", low_memory=False)
    e = e.merge(d[["Record_number_n", "t_mean_c"]], left_on="Record_number",
                right_on="Record_number_n", how="inner")
    n_air = int((e["T_depth"] == -200).sum())
    e = e[e["T_depth"] != -200].copy()
    chosen, field = [], []
    for _, r in e.iterrows():
        t = r["t_mean_c"] if np.isfinite(r["t_mean_c"]) else 10.0
        cands = []
        for i, (f, lo, hi) in enumerate(Q10_FIELDS):
            if np.isfinite(r[f]):
                cands.append((abs((lo + hi) / 2 - t), -(hi - lo), i, r[f], f))
        for j, f in enumerate(["Q10_other1", "Q10_other2"]):
            lo, hi = r[f + "_temp_min"], r[f + "_temp_max"]
            if np.isfinite(r[f]) and np.isfinite(lo) and np.isfinite(hi) and hi > lo:
                cands.append((abs((lo + hi) / 2 - t), -(hi - lo), 10 + j, r[f], f))
        if cands:
            best = min(cands)
            chosen.append(best[3])
            field.append(best[4])
        else:
            chosen.append(np.nan)
            field.append("")
    e["q10"] = chosen
    e["q10_field"] = field
    e["r10_eq_gc_m2_d"] = e["R10"] * UMOL_M2_S_TO_GC_M2_D
    out = e[["Record_number_n", "q10", "q10_field", "r10_eq_gc_m2_d"]]
    out.attrs["n_air"] = n_air
    return out


# --------------------------------------------------------------------------------------------
# Computations
# --------------------------------------------------------------------------------------------
def annual_sum_factor(t_mean_c, q10, amplitude_c: float) -> np.ndarray:
    """sum over 365 days of Q10^((T_d - 10)/10) with T_d = t_mean + A sin(2 pi (d-0.5)/365)."""
    t_mean_c = np.asarray(t_mean_c, dtype=float)
    q10 = np.broadcast_to(np.asarray(q10, dtype=float), t_mean_c.shape)
    days = (np.arange(365) + 0.5) / 365.0
    cyc = amplitude_c * np.sin(2.0 * np.pi * days)
    temps = t_mean_c[..., None] + cyc
    return np.sum(q10[..., None] ** ((temps - 10.0) / 10.0), axis=-1)


def invert_r10(rs_annual, t_mean_c, q10, amplitude_c: float) -> np.ndarray:
    """R10 [g C m-2 d-1] from annual Rs [g C m-2 yr-1] (see module docstring)."""
    return np.asarray(rs_annual, dtype=float) / annual_sum_factor(t_mean_c, q10, amplitude_c)


def pct(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    return tuple(float(v) for v in np.percentile(x, [50, 25, 75]))


def class_stats(rs_rec: pd.DataFrame, q10_vals: pd.Series, amplitude_c: float,
                flux_col: str = "Rs_annual_n", q10_override=None) -> dict:
    """Statistics for one class (or subset): rs records + a Q10 sample."""
    q10 = np.asarray(q10_vals, dtype=float)
    q10 = q10[np.isfinite(q10)]
    qm, q25, q75 = pct(q10)
    if q10_override is not None:
        qm, q25, q75 = q10_override
    rs = rs_rec[flux_col].to_numpy(float)
    has_t = np.isfinite(rs_rec["t_mean_c"].to_numpy(float))
    r10 = invert_r10(rs[has_t], rs_rec["t_mean_c"].to_numpy(float)[has_t], qm, amplitude_c) \
        if np.isfinite(qm) else np.array([])
    rm, r25, r75 = pct(rs)
    tm, t25, t75 = pct(r10)
    return {
        "n_records": int(len(rs)),
        "rs_annual_gc_m2_yr_median": rm, "rs_annual_gc_m2_yr_p25": r25,
        "rs_annual_gc_m2_yr_p75": r75,
        "q10_median": qm, "q10_p25": q25, "q10_p75": q75,
        "r10_gc_m2_d_median": tm, "r10_gc_m2_d_p25": t25, "r10_gc_m2_d_p75": t75,
        "mat_c_median": pct(rs_rec["t_mean_c"])[0],
        "map_mm_median": pct(rs_rec["map_mm"])[0],
        "_n_q10": int(q10.size), "_n_r10": int(r10.size),
        "_n_sites": int(rs_rec["site_key"].nunique()),
        "_n_studies": int(rs_rec["Study_number"].nunique()),
    }


def q10_sample(d: pd.DataFrame, q: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    sub = d.loc[mask, ["Record_number_n", "t_mean_c", "land_use", "Study_number"]]
    sub = sub.merge(q, on="Record_number_n", how="inner")
    return sub[sub["q10"].between(Q10_MIN, Q10_MAX)]


def dgrsd_q10(srdb_dir: Path, d: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    g = read_csv_str(srdb_dir / "DGRsD.csv")
    g["rs"] = num(g["RS_Norm"])
    g["ts"] = num(g["Tsoil"])
    info = {"rows": len(g)}
    # class per (Study_number, Site_ID) from SRDB
    site = d[d["Site_ID"] != ""].groupby(["Study_number", "Site_ID"]).agg(
        classes=("land_use", lambda s: sorted(set(x for x in s if isinstance(x, str)))),
        n_types=("Ecosystem_type", "nunique"),
        any_manip_ok=("f_manip", "any"),
        any_wet=("Soil_drainage", lambda s: (s == "Wet").any()),
        site_mat_c=("t_mean_c", "median"),
    ).reset_index()
    site = site[(site["n_types"] == 1) & site["classes"].map(len).eq(1)]
    site["land_use"] = site["classes"].map(lambda c: c[0])
    site = site[site["any_manip_ok"] & ~site["any_wet"]]
    g = g.merge(site[["Study_number", "Site_ID", "land_use", "site_mat_c"]], on=["Study_number", "Site_ID"],
                how="inner")
    g = g[~np.array([treatment_experimental(t, c) for t, c in zip(g["Treatment"], g["land_use"])],
                    dtype=bool)]
    g = g[(g["rs"] > 0) & (g["rs"] < 50) & g["ts"].between(-10, 45)]
    info["rows_used"] = len(g)
    rows = []
    for (study, sid, trt), s in g.groupby(["Study_number", "Site_ID", "Treatment"]):
        if len(s) < 10 or s["ts"].max() - s["ts"].min() < 5.0:
            continue
        b, a = np.polyfit(s["ts"].to_numpy(float), np.log(s["rs"].to_numpy(float)), 1)
        rows.append({"Study_number": study, "Site_ID": sid, "Treatment": trt,
                     "land_use": s["land_use"].iloc[0], "site_mat_c": s["site_mat_c"].iloc[0],
                     "n_days": len(s),
                     "t_range_c": s["ts"].max() - s["ts"].min(), "q10": float(np.exp(10 * b))})
    fits = pd.DataFrame(rows)
    info["series_fitted"] = len(fits)
    info["series_outside_window"] = int((~fits["q10"].between(Q10_MIN, Q10_MAX)).sum())
    return fits, info


# --------------------------------------------------------------------------------------------
# Main derivation
# --------------------------------------------------------------------------------------------
COLUMNS = ["land_use", "n_records", "rs_annual_gc_m2_yr_median", "rs_annual_gc_m2_yr_p25",
           "rs_annual_gc_m2_yr_p75", "q10_median", "q10_p25", "q10_p75", "r10_gc_m2_d_median",
           "r10_gc_m2_d_p25", "r10_gc_m2_d_p75", "mat_c_median", "map_mm_median", "source"]
ROUND = {"rs_annual_gc_m2_yr_median": 1, "rs_annual_gc_m2_yr_p25": 1, "rs_annual_gc_m2_yr_p75": 1,
         "q10_median": 2, "q10_p25": 2, "q10_p75": 2, "r10_gc_m2_d_median": 3,
         "r10_gc_m2_d_p25": 3, "r10_gc_m2_d_p75": 3, "mat_c_median": 1, "map_mm_median": 0}

SRC_SRDB = (f"SRDB v5 srdb-data.csv @{SRDB_COMMIT[:7]} + srdb-equations.csv @{EQUATIONS_COMMIT[:7]} "
            "(Jian et al. 2021 ESSD 13:255; Bond-Lamberty & Thomson 2010 Biogeosciences 7:1321)")


def _scaled(st: dict, f: float) -> dict:
    out = dict(st)
    for k in ["rs_annual_gc_m2_yr_median", "rs_annual_gc_m2_yr_p25", "rs_annual_gc_m2_yr_p75",
              "r10_gc_m2_d_median", "r10_gc_m2_d_p25", "r10_gc_m2_d_p75"]:
        out[k] = st[k] * f
    return out


WATER = {k: 0.0 for k in ROUND} | {"n_records": 0, "q10_median": 1.0, "q10_p25": 1.0, "q10_p75": 1.0,
                                   "mat_c_median": np.nan, "map_mm_median": np.nan}


def measured(d: pd.DataFrame, rs_mask: pd.Series, rh_mask: pd.Series, qs: pd.DataFrame,
             amplitude_c: float, t_range=None, q10_fallback: dict | None = None) -> tuple[dict, dict]:
    """Stats of the SRDB-backed classes and of cropland Rh (bare_soil), optionally for a MAT range.

    Q10: the class's own sample if it has >= MIN_Q10_N values, else q10_fallback[class]
    (all-climate value of the class) or, for urban, the grassland Q10.
    """
    in_t = d["t_mean_c"].between(*t_range) if t_range else pd.Series(True, index=d.index)
    qin = qs["t_mean_c"].between(*t_range) if t_range else pd.Series(True, index=qs.index)
    stats, qnotes = {}, {}
    for c in SRDB_CLASSES + ["bare_soil"]:
        qc = "cropland" if c == "bare_soil" else c
        qv = qs.loc[qs["land_use"].eq(qc) & qin, "q10"]
        if c == "bare_soil":
            rec, flux = d[rh_mask & in_t], "Rh_annual_n"
        else:
            rec, flux = d[rs_mask & d["land_use"].eq(c) & in_t], "Rs_annual_n"
        override, qnote = None, f"Q10 from {len(qv)} {qc} records"
        if c == "bare_soil":
            override = (stats["cropland"]["q10_median"], stats["cropland"]["q10_p25"],
                        stats["cropland"]["q10_p75"])
            qnote = "Q10 = cropland Q10"
        elif len(qv) < MIN_Q10_N:
            if q10_fallback and c in q10_fallback:
                override, qnote = q10_fallback[c], f"own Q10 n={len(qv)} < {MIN_Q10_N}: all-climate {c} Q10"
            else:
                override = stats["grassland"]["q10_median"], stats["grassland"]["q10_p25"], \
                    stats["grassland"]["q10_p75"]
                qnote = f"own Q10 n={len(qv)} < {MIN_Q10_N}: grassland Q10"
        stats[c] = class_stats(rec, qv, amplitude_c, flux_col=flux, q10_override=override)
        qnotes[c] = qnote
    return stats, qnotes


def assemble(stats: dict, qnotes: dict, amplitude_c: float, label: str,
             fallback: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Eight-class table from measured stats plus the documented rules."""
    rows, src = {}, {}
    rinv = f"R10 inverted per record with the class Q10, soil T = MAT +/- {amplitude_c:g} C sinusoid"
    what = {"forest": "Ecosystem_type Forest (controls)",
            "shrubland": "Ecosystem_type Shrubland (controls)",
            "grassland": "Ecosystem_type Grassland + Savanna (controls, grazed, mown)",
            "cropland": "Ecosystem_type Agriculture + Cropland + Orchard (controls + routine fertilising, "
                        "tillage, irrigation)"}
    for c in ["forest", "shrubland", "grassland", "cropland"]:
        st = stats[c]
        if st["n_records"] < MIN_SUBSET_N and fallback is not None:
            rows[c] = fallback[c]
            src[c] = (f"{SRC_SRDB}; {what[c]}; only {st['n_records']} records {label}: "
                      f"all-climate values used")
        else:
            rows[c] = st
            src[c] = f"{SRC_SRDB}; {what[c]}{'; ' + label if label else ''}; {qnotes[c]}; {rinv}"
    u = stats["urban"]
    urb_note = (f"SRDB Urban (green space) has only n={u['n_records']} records "
                f"(median {u['rs_annual_gc_m2_yr_median']:.0f} g C m-2 yr-1)")
    if u["n_records"] >= MIN_SUBSET_N:
        rows["urban"] = u
        src["urban"] = (f"{SRC_SRDB}; Ecosystem_type Urban = urban green space, per m2 of UNSEALED soil"
                        f"{'; ' + label if label else ''}; {qnotes['urban']}; {rinv}")
    else:
        rows["urban"] = rows["grassland"]
        src["urban"] = (f"rule: urban = grassland row (urban soil = lawns/parks, per m2 of UNSEALED soil; "
                        f"sealed area respires nothing and belongs to the land-cover fractions); "
                        f"{urb_note}, too few for its own prior")
    bs = stats["bare_soil"]
    if bs["n_records"] < MIN_SUBSET_N and fallback is not None:
        rows["bare_soil"] = fallback["bare_soil"]
        src["bare_soil"] = f"rule as all-climate bare_soil (only {bs['n_records']} Rh records {label})"
    else:
        rows["bare_soil"] = bs
        src["bare_soil"] = (f"rule: no roots -> heterotrophic respiration only; Rh_annual of the filtered "
                            f"SRDB cropland records{' ' + label if label else ''} (n={bs['n_records']}); "
                            f"Q10 = cropland Q10; {rinv}; upper value for long-bare soil")
    rows["bare_rock"] = _scaled(rows["bare_soil"], BARE_ROCK_FRACTION)
    src["bare_rock"] = (f"rule: {BARE_ROCK_FRACTION:g} x bare_soil Rs and R10 (assumed "
                        f"{BARE_ROCK_FRACTION:.0%} soil-pocket cover on exposed carbonate; n_records, "
                        f"MAT, MAP are those of the bare_soil records); Q10 = cropland Q10; placeholder "
                        f"to calibrate, not measured")
    rows["water"] = WATER
    src["water"] = ("rule: open water has no soil; Rs = R10 = 0 (aquatic CO2 belongs to the surface-water "
                    "module); Q10 = 1 only so that R10*Q10^x stays 0")
    tab = pd.DataFrame([{"land_use": c, **{k: rows[c][k] for k in COLUMNS[1:-1]}, "source": src[c]}
                        for c in CLASSES])[COLUMNS]
    for k, nd in ROUND.items():
        tab[k] = tab[k].astype(float).round(nd)
    tab["n_records"] = tab["n_records"].astype(int)
    return tab, rows


def derive(srdb_dir: Path, amplitude_c: float) -> dict:
    d = load_srdb(srdb_dir)
    q = load_q10(srdb_dir, d)
    res = {"d": d, "q": q, "amplitude_c": amplitude_c}

    # filter cascade for the report
    steps = [("class mapped", d["land_use"].notna()),
             (f"Rs_annual in [{RS_MIN:g}, {RS_MAX:g}]", d["f_rs"]),
             ("quality flag < Q10", d["f_quality"]),
             ("not a duplicate", d["f_duplicate"]),
             ("not a landfill/dump site", d["f_site"]),
             ("drainage not Wet", d["f_drainage"]),
             ("method not soda lime / alkali trap", d["f_method"]),
             (f"Annual_coverage >= {MIN_COVERAGE:g} or missing", d["f_coverage"]),
             ("manipulation: control/routine", d["f_manip"])]
    cum = pd.Series(True, index=d.index)
    cascade = []
    for name, m in steps:
        cum = cum & m
        cascade.append({"step": name, **{c: int((cum & (d["land_use"] == c)).sum())
                                          for c in SRDB_CLASSES}})
    res["cascade"] = pd.DataFrame(cascade)
    rs_mask = cum
    res["rs_mask"] = rs_mask
    rh_mask = d["land_use"].eq("cropland") & d["f_base"] & d["f_coverage"] & d["f_rh"]
    res["rh_mask"] = rh_mask
    q_mask = d["land_use"].notna() & d["f_base"]
    qs = q10_sample(d, q, q_mask)
    res["q10_sample"] = qs
    res["q10_outside"] = int((~d.loc[q_mask, ["Record_number_n"]].merge(q, on="Record_number_n")
                              ["q10"].dropna().between(Q10_MIN, Q10_MAX)).sum())

    stats, qnotes = measured(d, rs_mask, rh_mask, qs, amplitude_c)
    res["table"], res["rows"] = assemble(stats, qnotes, amplitude_c, "")
    res["stats"] = stats

    # subtropical / warm-temperate subset
    lo, hi = SUBTROPICAL_MAT
    fb_q = {c: (stats[c]["q10_median"], stats[c]["q10_p25"], stats[c]["q10_p75"]) for c in stats}
    sub_stats, sub_q = measured(d, rs_mask, rh_mask, qs, amplitude_c, t_range=SUBTROPICAL_MAT,
                                q10_fallback=fb_q)
    res["sub_table"], res["sub_rows"] = assemble(sub_stats, sub_q, amplitude_c,
                                                 f"with MAT {lo:g}-{hi:g} C", fallback=res["rows"])
    res["sub_stats"] = sub_stats

    # DGRsD
    fits, info = dgrsd_q10(srdb_dir, d)
    res["dgrsd_fits"], res["dgrsd_info"] = fits, info

    res["checks"] = cross_checks(res)
    return res


def cross_checks(res: dict) -> dict:
    d, q, A = res["d"], res["q"], res["amplitude_c"]
    rs_mask, rows = res["rs_mask"], res["stats"]
    out = {}
    # site-level medians and alternative R10 / SRDB equation R10
    site_rows = []
    for c in SRDB_CLASSES:
        rec = d[rs_mask & (d["land_use"] == c)].merge(q, on="Record_number_n", how="left")
        per_site = rec.groupby("site_key")["Rs_annual_n"].median()
        qm = rows[c]["q10_median"]
        qrec = rec["q10"].where(rec["q10"].between(Q10_MIN, Q10_MAX)).fillna(qm).to_numpy(float)
        ok = np.isfinite(rec["t_mean_c"].to_numpy(float))
        r10_rec = invert_r10(rec["Rs_annual_n"].to_numpy(float)[ok],
                             rec["t_mean_c"].to_numpy(float)[ok], qrec[ok], A)
        eq = d[d["land_use"].eq(c) & d["f_base"]].merge(q, on="Record_number_n")["r10_eq_gc_m2_d"]
        site_rows.append({
            "land_use": c, "n_sites": per_site.size,
            "rs_median_of_site_medians": float(per_site.median()) if per_site.size else np.nan,
            "r10_with_record_q10_median": pct(r10_rec)[0],
            "r10_srdb_equation_median_gc_m2_d": pct(eq)[0], "n_equation_r10": int(eq.notna().sum()),
            "spearman_r10_vs_mat": float(pd.Series(invert_r10(
                rec["Rs_annual_n"].to_numpy(float)[ok], rec["t_mean_c"].to_numpy(float)[ok], qm, A))
                .corr(pd.Series(rec["t_mean_c"].to_numpy(float)[ok]), method="spearman")) if ok.sum() > 2 else np.nan,
            "spearman_rs_vs_mat": float(rec.loc[ok, "Rs_annual_n"].corr(rec.loc[ok, "t_mean_c"], method="spearman"))
            if ok.sum() > 2 else np.nan,
        })
    out["site"] = pd.DataFrame(site_rows)

    # sensitivities of the Rs median
    def med(mask):
        x = d.loc[mask, "Rs_annual_n"]
        return (int(x.size), float(x.median()) if x.size else np.nan)

    flt = ["f_rs", "f_quality", "f_duplicate", "f_site", "f_drainage", "f_method", "f_coverage", "f_manip"]

    def all_but(name):
        m = pd.Series(True, index=d.index)
        for f in flt:
            if f != name:
                m &= d[f]
        return m
    et, man, lu = d["Ecosystem_type"], d["Manipulation"], d["land_use"]
    fert = man.str.lower().str.fullmatch(r"fertili[sz]ed|fertili[sz]ation")
    sens = [
        ("grassland as tabulated", med(rs_mask & lu.eq("grassland"))),
        ("grassland without Savanna", med(rs_mask & lu.eq("grassland") & et.ne("Savanna"))),
        ("grassland + records with Manipulation 'Fertilized'",
         med(all_but("f_manip") & lu.eq("grassland") & (d["f_manip"] | fert))),
        ("cropland as tabulated", med(rs_mask & lu.eq("cropland"))),
        ("cropland controls only (Manipulation None)", med(rs_mask & lu.eq("cropland") & man.eq("None"))),
        ("cropland without Orchard", med(rs_mask & lu.eq("cropland") & et.ne("Orchard"))),
        ("forest natural/unmanaged only", med(rs_mask & lu.eq("forest") & d["Ecosystem_state"].ne("Managed"))),
        ("forest managed (plantations) only", med(rs_mask & lu.eq("forest") & d["Ecosystem_state"].eq("Managed"))),
    ]
    for c in ["forest", "shrubland", "grassland", "cropland"]:
        sens.append((f"{c} without the Annual_coverage filter", med(all_but("f_coverage") & lu.eq(c))))
        sens.append((f"{c} including soda-lime/alkali-trap records", med(all_but("f_method") & lu.eq(c))))
        sens.append((f"{c} including wet-drained soils", med(all_but("f_drainage") & lu.eq(c))))
        sens.append((f"{c} China only", med(rs_mask & lu.eq(c) & d["Country"].eq("China"))))
        sens.append((f"{c} China only, MAT 14-22 C", med(rs_mask & lu.eq(c) & d["Country"].eq("China")
                                                         & d["t_mean_c"].between(*SUBTROPICAL_MAT))))
    sens.append(("urban green space (SRDB Urban; not used, n < 20)", med(rs_mask & lu.eq("urban"))))
    out["sens"] = pd.DataFrame([{"variant": v, "n": n, "rs_median": m} for v, (n, m) in sens])

    # carbonate / karst soils
    txt = (d["Site_name"] + " " + d["Soil_type"] + " " + d["Notes"] + " " + d["Species"]).str.lower()
    carb = txt.str.contains(r"karst|limestone|calcare|rendzin|calcaric|dolomit")
    out["carbonate"] = d[rs_mask & carb].groupby("land_use").agg(
        n=("Rs_annual_n", "size"), rs_median=("Rs_annual_n", "median"),
        sites=("Site_name", lambda s: "; ".join(sorted(set(fix_text(x) for x in s if x))[:10])))
    # SRDB "Bare" records
    bare = d[(d["Ecosystem_type"] == "Bare") & d["f_rs"]]
    out["bare"] = bare[["Record_number", "Country", "Site_name", "Manipulation", "Rs_annual_n",
                        "Rh_annual_n"]]
    # cropland Rh/Rs ratio
    crop = d[d["land_use"].eq("cropland") & d["f_base"] & d["f_coverage"] & d["f_rs"] & d["f_rh"]]
    out["crop_rh_rs"] = (int(len(crop)), pct(crop["Rh_annual_n"] / crop["Rs_annual_n"]))
    # DGRsD summary per class
    fits = res["dgrsd_fits"]
    fin = fits[fits["q10"].between(Q10_MIN, Q10_MAX)]
    dg = []
    sq = res["q10_sample"]
    for c in SRDB_CLASSES:
        f = fin[fin["land_use"] == c]
        fs = f[f["site_mat_c"].between(*SUBTROPICAL_MAT)]
        m, p25, p75 = pct(f["q10"])
        dg.append({"land_use": c, "n_series": len(f),
                   "n_sites": f.groupby(["Study_number", "Site_ID"]).ngroups,
                   "dgrsd_q10_median": m, "dgrsd_q10_p25": p25, "dgrsd_q10_p75": p75,
                   "srdb_q10_median": rows[c]["q10_median"],
                   "n_srdb_q10": int((sq["land_use"] == c).sum()),
                   "n_series_mat14_22": len(fs), "dgrsd_q10_median_mat14_22": pct(fs["q10"])[0],
                   "srdb_q10_median_mat14_22": res["sub_stats"][c]["q10_median"]})
    out["dgrsd"] = pd.DataFrame(dg)
    # field use in Q10 selection
    out["q10_fields"] = res["q10_sample"]["q10_field"].value_counts()
    # closed-form check of the inversion: I0 via series
    z = A * np.log(2.5) / 10.0
    i0 = sum((z / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(30))   # Bessel I0
    out["closed_form"] = (float(annual_sum_factor(np.array([15.0]), 2.5, A)[0]),
                          float(365 * 2.5 ** 0.5 * i0))
    return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def md_table(df: pd.DataFrame, floatfmt: dict | None = None) -> str:
    floatfmt = floatfmt or {}
    cols = list(df.columns)
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, (float, np.floating)):
                cells.append("" if not np.isfinite(v) else f"{v:.{floatfmt.get(c, 2)}f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_md(res: dict, path: Path, srdb_dir: Path) -> None:
    d, tab, chk = res["d"], res["table"], res["checks"]
    A = res["amplitude_c"]
    fmt = {"rs_annual_gc_m2_yr_median": 0, "rs_annual_gc_m2_yr_p25": 0, "rs_annual_gc_m2_yr_p75": 0,
           "r10_gc_m2_d_median": 3, "r10_gc_m2_d_p25": 3, "r10_gc_m2_d_p75": 3, "mat_c_median": 1,
           "map_mm_median": 0}
    short = tab.drop(columns=["source"])
    st, sst = res["stats"], res["sub_stats"]
    n_extra = pd.DataFrame([{"records of": c, "n_records": st[c]["n_records"], "n_q10": st[c]["_n_q10"],
                             "n_r10": st[c]["_n_r10"], "n_sites": st[c]["_n_sites"],
                             "n_studies": st[c]["_n_studies"],
                             "n_records_mat14_22": sst[c]["n_records"], "n_q10_mat14_22": sst[c]["_n_q10"],
                             "n_studies_mat14_22": sst[c]["_n_studies"]}
                            for c in SRDB_CLASSES + ["bare_soil"]])
    n_extra.loc[n_extra["records of"] == "bare_soil", "records of"] = "bare_soil (cropland Rh)"
    mapping = (d.groupby(["Ecosystem_type"], dropna=False)
               .agg(records=("Record_number", "size"),
                    with_rs=("f_rs", "sum"),
                    used=("Record_number", lambda s: int(res["rs_mask"].loc[s.index].sum())))
               .reset_index())
    mapping["class"] = mapping["Ecosystem_type"].map(ECOSYSTEM_TO_CLASS).fillna("excluded")
    mapping.loc[mapping["Ecosystem_type"] == "", "Ecosystem_type"] = "(blank)"
    mapping = mapping.sort_values("records", ascending=False)[["Ecosystem_type", "class", "records",
                                                                "with_rs", "used"]]
    info = res["dgrsd_info"]
    cf = chk["closed_form"]
    crop_n, crop_ratio = chk["crop_rh_rs"]
    sub = res["sub_table"]
    lo, hi = SUBTROPICAL_MAT
    carb = chk["carbonate"].reset_index()
    qf = chk["q10_fields"]
    rho_txt = ", ".join(f"{r.land_use} {r.spearman_r10_vs_mat:.2f}" for r in chk["site"].itertuples()
                        if r.land_use != "urban")
    sub_in = res["rs_mask"] & d["land_use"].eq("grassland") & d["t_mean_c"].between(*SUBTROPICAL_MAT)
    sub_gr_us = int((sub_in & d["Country"].isin(["USA", "United States"])).sum())
    china_crop_sub = float(d.loc[res["rs_mask"] & d["land_use"].eq("cropland") & d["Country"].eq("China")
                                 & d["t_mean_c"].between(*SUBTROPICAL_MAT), "Rs_annual_n"].median())
    sources = "\n".join(f"- `{r.land_use}`: {r.source}" for r in tab.itertuples())
    sub_sources = "\n".join(f"- `{r.land_use}`: {r.source}" for r in sub.itertuples()) if len(sub) else ""

    text = f"""# Soil-respiration priors per land-use class

Files: `soil_respiration_priors.csv` (all climates), `soil_respiration_priors_subtropical.csv`
(MAT {lo:g}-{hi:g} C). Generated by `tools/derive_soil_respiration_priors.py` (this file is
regenerated with the numbers on every run; edit the script, not this file):

```
python tools/derive_soil_respiration_priors.py SRDB_DIR --amplitude-c {A:g}
```

Units: Rs (annual soil respiration, soil CO2 efflux) in g C m-2 yr-1; R10 in g C m-2 d-1;
Q10 dimensionless; MAT in deg C; MAP in mm. All values are per m2 of ground of the class
(urban: per m2 of unsealed soil, see below). They are **efflux** priors: turning them into
soil-air pCO2 needs the diffusion model of the soil-CO2 module.

Use in the model: production R(T) = R10 x Q10^((T - 10)/10) x f(moisture), with f = 1 at
the site's typical moisture (the R10 here already includes the mean moisture limitation of
the measured sites).

## Provenance and licence

- Source: Global Soil Respiration Database, github.com/bpbond/srdb, licence MIT
  (c) 2018 Ben Bond-Lamberty; the README states "This data set is open, and no co-authorship
  is required".
  - `srdb-data.csv` and `srdb-data_fields.txt` at commit {SRDB_COMMIT} (2024-10-01,
    SRDB v5 line, {len(d):,} records).
  - `srdb-equations.csv` at commit {EQUATIONS_COMMIT} (file last changed 2019-11-05); joined
    to the data on `Record_number` (SRDB keeps Record_number stable between versions; 99.5 %
    of the equation records exist in the 2024 data file).
  - `DGRsD.csv` (daily soil respiration database, Jinshi Jian) at commit {DGRSD_COMMIT}.
- Read from local copies (the SRDB_DIR argument, with their PROVENANCE.md); the model does not read
  them at run time, only this table.
- Cite: Jian, J. et al. (2021) A restructured and updated global soil respiration database
  (SRDB-V5), Earth Syst. Sci. Data 13:255-267, doi:10.5194/essd-13-255-2021; and
  Bond-Lamberty, B. & Thomson, A. (2010), Biogeosciences 7:1321-1344 (as the SRDB README and
  the copies' PROVENANCE.md give it; the README's DOI, 10.5194/bgd-7-1321-2010, is the
  Biogeosciences Discussions version).

## Results (all climates)

{md_table(short, fmt)}

Sample sizes behind the statistics, all climates and MAT {lo:g}-{hi:g} C (n_q10: records with a
usable Q10; n_r10: Rs records with a temperature, used for R10; urban is listed although its
row falls back to grassland):

{md_table(n_extra)}

Row sources:

{sources}

## Results: subtropical / warm temperate (MAT {lo:g}-{hi:g} C, southern Chinese karst)

{md_table(sub.drop(columns=['source']), fmt)}

Row sources:

{sub_sources}

Classes need >= {MIN_SUBSET_N} records in the subset, otherwise the all-climate row is used;
a class's subset Q10 needs >= {MIN_Q10_N} values, otherwise its all-climate Q10 is used (the
R10 is still inverted at the subset records' own MAT).

## Land-use mapping

SRDB `Ecosystem_type` (whitespace stripped) to karstmodel class; `with_rs` = records with a
plausible Rs_annual, `used` = records passing all filters. The reasons are in the script
docstring: Savanna joins grassland (grass-dominated ground layer), Orchard joins cropland
(managed, fertilised farmland), Urban records are urban green space; wetlands, peatlands,
deserts and tundra are outside a well-drained karst soil and are excluded.

{md_table(mapping)}

## Filters

Remaining records per class after each cumulative step:

{md_table(res['cascade'])}

1. class mapped; 2. {RS_MIN:g} <= Rs_annual <= {RS_MAX:g} g C m-2 yr-1 (values outside are
unit or entry errors on inspection: 2.7 g C yr-1 in a US forest, -200 in a Japanese field,
17,000-41,000 for turf on a landfill); 3. no quality flag Q10-Q16 (potential/suspected/known
problem, duplicate?, inconsistency; Q15 and Q16 occur but are not defined in
srdb-data_fields.txt, so they are treated as problems); 4. `Duplicate_record` empty;
5. not a landfill/rubble-dump site (waste CO2); 6. `Soil_drainage` not Wet (karst soils drain
freely); 7. `Meas_method` not soda lime / alkali absorption (static traps; the SRDB README
advises that many analyses exclude soda lime); 8. `Annual_coverage` >= {MIN_COVERAGE:g} where
reported (otherwise the "annual" value is mostly extrapolated); 9. manipulation: unmanipulated controls, plus routine management that is part of the land use
(cropland: fertilised, tilled, irrigated, rotations, cover crops, residue return...;
grassland: grazed, mown, exclosures; urban: mown/irrigated lawns). Experimental perturbations
(warming, CO2, drought/rain change, litter or root manipulation, trenching, girdling, clipping,
shading, biochar, burning, clear-cut, thinning, drainage, contaminants...) are excluded, as is
empty manipulation text.

## Method

**Q10.** From `srdb-equations.csv`: per record the Q10 field whose temperature range is
centred nearest the record's MAT (ties: the wider range); fields used:
{', '.join(f'{k} {v}' for k, v in qf.items())}. {res['q'].attrs['n_air']} equations fitted
to air temperature were dropped; {res['q10_outside']} class-mapped, filtered Q10 values outside
[{Q10_MIN:g}, {Q10_MAX:g}] were dropped. The Q10 sample uses the same filters as Rs except that
Rs_annual need not be reported.

**R10.** Per record: Rs_annual = sum over 365 days of R10 x Q10^((T_d - 10)/10) with
T_d = MAT + {A:g} sin(2 pi (d - 0.5)/365) (sinusoidal annual soil-temperature cycle of
amplitude {A:g} C around the record's MAT; Study_temp where MAT is missing), Q10 = the class
median. Then median and quartiles over records. Check of the daily sum against the closed
form 365 Q10^((MAT-10)/10) I0({A:g} ln Q10 / 10) for MAT 15 C, Q10 2.5: {cf[0]:.3f} vs
{cf[1]:.3f}. Assumptions to keep in mind: soil temperature mean = air MAT, one amplitude for
all climates (real soil amplitudes are smaller in the tropics and larger in continental
climates), no freezing cut-off, no moisture factor.

## Cross-checks

**Site weighting and alternative R10.** Records are weighted equally, so long-running sites
weigh more. Median of per-site medians, R10 using each record's own Q10 where it has one, and
the instantaneous R10 reported in `srdb-equations.csv` (umol m-2 s-1 x {UMOL_M2_S_TO_GC_M2_D:.4f}
-> g C m-2 d-1; this is usually a growing-season fit, so it is expected to be higher than the
annual-effective R10):

{md_table(chk['site'], {'rs_median_of_site_medians': 0, 'r10_with_record_q10_median': 3, 'r10_srdb_equation_median_gc_m2_d': 3})}

The last two columns are the rank correlations across records of the inverted R10 and of Rs
with MAT.

**DGRsD daily Q10.** {info['rows']:,} daily rows; {info['rows_used']:,} usable after class,
treatment and range filters; {info['series_fitted']} series fitted (>= 10 days, soil-T range
>= 5 C), {info['series_outside_window']} with Q10 outside [{Q10_MIN:g}, {Q10_MAX:g}] dropped.

{md_table(chk['dgrsd'])}

Daily ln(Rs)-T fits over the seasonal cycle fold phenology (root growth, litter inputs) and
summer drought into the apparent Q10, so they are not expected to equal the reported Q10s.

**Sensitivity of the Rs median (g C m-2 yr-1) to mapping and filter choices:**

{md_table(chk['sens'], {'rs_median': 0})}

**Records on carbonate soils** (site, soil or notes mention karst, limestone, calcareous,
calcaric, rendzina or dolomite), passing all filters:

{md_table(carb, {'rs_median': 0}) if len(carb) else '(none)'}

**bare_soil rule.** Filtered cropland records with both Rs and Rh: n = {crop_n}, Rh/Rs median
{crop_ratio[0]:.2f} (IQR {crop_ratio[1]:.2f}-{crop_ratio[2]:.2f}). SRDB `Bare` records with a
plausible Rs_annual (not used in the table; mostly smelter-remediation plots):

{md_table(chk['bare'], {'Rs_annual_n': 0, 'Rh_annual_n': 0})}

## Caveats

- SRDB is a literature synthesis: sites are not a random sample of land (temperate Europe,
  North America and China dominate), and Rs_annual is estimated by the authors in different
  ways (interpolation, temperature models, figure digitisation: flag Q01).
- Classes are broad: "forest" mixes boreal conifers and tropical rain forest; the climate
  dependence is carried by R10 + Q10 with MAT, and the subtropical subset is the better
  default for southern Chinese karst.
- R10 rests on the sinusoidal MAT +/- {A:g} C assumption and on the class-median Q10; with a
  different temperature driver or Q10 the model should re-derive R10 with the same script.
- Q10 from `srdb-equations.csv` mixes soil depths (mostly 5-10 cm) and model forms; records
  with several fits report only one in this snapshot.
- urban = grassland (rule): SRDB has only {st['urban']['n_records']} usable urban green-space
  records ({st['urban']['_n_studies']} studies, median {st['urban']['rs_annual_gc_m2_yr_median']:.0f} g C m-2 yr-1, i.e. above grassland:
  irrigated, fertilised lawns). Values are per m2 of unsealed soil: multiply by the unsealed
  fraction for an areal flux, or treat sealed area as a separate non-respiring cover.
- R10 is not climate-independent: across records it falls as MAT rises (Spearman rho of
  R10 vs MAT: {rho_txt}; see the cross-check table). Across sites annual Rs rises with MAT much
  less than a within-site Q10 of 2-3 implies (possible reasons: thermal acclimation, substrate
  and moisture limits at warm sites; the data do not say which). A single class R10 applied with
  Q10 at a catchment's own temperature therefore over-predicts Rs in warm climates and
  under-predicts in cold ones if taken from records of a different climate. That is why the
  all-climate grassland R10 ({st['grassland']['r10_gc_m2_d_median']:.2f}) exceeds forest ({st['forest']['r10_gc_m2_d_median']:.2f}) although its Rs is
  lower (grassland records are colder, median MAT {st['grassland']['mat_c_median']:.1f} C vs {st['forest']['mat_c_median']:.1f} C). Use the
  subtropical table for southern Chinese karst, or re-run the script on a MAT window that
  matches the catchment.
- The subtropical grassland row is dominated by US records ({sub_gr_us} of
  {sst['grassland']['n_records']}); Chinese subtropical grassland is nearly absent from SRDB (see the sensitivity
  table), so its Rs ({sst['grassland']['rs_annual_gc_m2_yr_median']:.0f}) above forest ({sst['forest']['rs_annual_gc_m2_yr_median']:.0f}) should not be read as a karst
  result. In Chinese subtropical records cropland is lower still (median
  {china_crop_sub:.0f}).
- bare_soil and bare_rock are rules, not measurements (no invented literature numbers):
  bare_soil is an upper value (heterotrophic respiration of soils that still receive crop
  residues); bare_rock = {BARE_ROCK_FRACTION:g} x bare_soil is a placeholder to calibrate
  against a bare-rock plot (e.g. the Shawan bare-rock plot) when data exist.
- water = 0: CO2 from water bodies belongs to the surface-water module.
"""
    path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    here = Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("srdb_dir", help="folder with srdb-data.csv, srdb-equations.csv, DGRsD.csv")
    p.add_argument("--out-dir", default=str(here / "karstmodel" / "data"),
                   help="output folder (default: karstmodel/data of this repository)")
    p.add_argument("--amplitude-c", type=float, default=10.0,
                   help="amplitude of the sinusoidal annual soil-temperature cycle, C (default 10)")
    a = p.parse_args(argv)
    srdb_dir = Path(a.srdb_dir)
    for f in ["srdb-data.csv", "srdb-equations.csv", "DGRsD.csv"]:
        if not (srdb_dir / f).is_file():
            print(f"error: {srdb_dir / f} not found", file=sys.stderr)
            return 2
    if not (0.0 <= a.amplitude_c <= 30.0):
        print("error: --amplitude-c must be within 0-30 C", file=sys.stderr)
        return 2
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = derive(srdb_dir, a.amplitude_c)
    res["table"].to_csv(out / "soil_respiration_priors.csv", index=False)
    res["sub_table"].to_csv(out / "soil_respiration_priors_subtropical.csv", index=False)
    write_md(res, out / "soil_respiration_priors.md", srdb_dir)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(res["table"].drop(columns=["source"]).to_string(index=False))
        print()
        print(res["sub_table"].drop(columns=["source"]).to_string(index=False))
    print(f"\nwrote {out / 'soil_respiration_priors.csv'}, *_subtropical.csv and *.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
