"""Speciation of measured water samples: pCO2, saturation indices, carbonate species, DIC, charge balance.

Input contract (docs/interface.md): one row per sample; required ``temp_c`` and ``ph``; optional major ions
``ca_mg_l, mg_mg_l, na_mg_l, k_mg_l, cl_mg_l, so4_mg_l`` (as SO4), ``no3_mg_l`` (as NO3); carbon from exactly
one of ``hco3_mg_l`` (free bicarbonate ion), ``alk_mg_l_caco3``, ``alk_meq_l`` (total alkalinity), ``dic_mg_c_l``
(total dissolved inorganic carbon as C). Where a row has several carbon columns filled, the first in that order
wins for that row; ``carbon_input`` says which was used. Optional ``density_kg_l`` (default 1).

Concentrations per litre are converted to molality with the water mass of one litre of solution,
kg water per L = density - TDS, TDS being the sum of the given mg/L values (PHREEQC's SOLUTION conversion does
the same in spirit; the difference is below 1e-4 for fresh water). Outputs per litre (``*_mmol_l``) use the same
factor back. Formula weights are the database's (``SOLUTION_MASTER_SPECIES``).

A row that cannot be speciated (NaN or out-of-range temperature or pH, a cell that is not a number such as
``abc`` or ``n.a.``, negative concentration, no carbon value, no convergence) gets NaN outputs and a
``speciation_error`` text; the other rows are still computed. An optional ion left empty (NaN) in a row is treated
as not measured (zero) and named in ``speciation_warning``. An ion or carbon value written ``<L`` is below the
detection limit and taken as L / 2 (:mod:`chemistry.censored`, the rule of the station reader), named in
``speciation_warning`` and counted per column in ``attrs["censored"]``.

Only structural problems raise :class:`chemistry.InputError`: a missing required column, a duplicate column, no
carbon column, a carbon-like column that is not read (``hco3_mmol_l``), and an ion column the model would not
read although it names one of its ions: a case or spelling variant of a recognised name (``Ca_mg_L``,
``Ca (mg/L)``) or another unit (``ca_mmol_l``, ``calcium_meq_l``); ignoring those would leave SI NaN and the
charge balance wrong. Columns of ions outside the model (``fe_mg_l``, ``sio2_mg_l``, ``f_mg_l``, ...) pass through
unchanged with a :class:`UserWarning` that lists them (also in ``attrs["ignored_columns"]``); any other column
passes through silently. Input columns are never altered; an input column that has the name of an output column
is kept as ``<name>_input``.
"""
from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pandas as pd

from . import database as dbmod
from . import thermo
from .censored import describe_bad, parse_values
from .errors import InputError, InputTypeError
from .constants import (M_ALK_CACO3_G_EQ, M_C_G_MOL, M_CA_G_MOL, M_CL_G_MOL, M_CO2_G_MOL, M_HCO3_G_MOL,
                        M_K_G_MOL, M_MG_G_MOL, M_NA_G_MOL, M_NO3_G_MOL, M_SO4_G_MOL)
from .output import SPECIES_COLUMNS, TOTAL_COLUMNS, solution_columns
from .phreeqc import speciate_phreeqc
from .water import LogLinear, Sum, build_model, solve
from ._threads import single_blas_thread

REQUIRED = ("temp_c", "ph")
#: optional ions: column -> (element key, formula weight as reported)
ION_COLUMNS = {
    "ca_mg_l": ("ca", M_CA_G_MOL),
    "mg_mg_l": ("mg", M_MG_G_MOL),
    "na_mg_l": ("na", M_NA_G_MOL),
    "k_mg_l": ("k", M_K_G_MOL),
    "cl_mg_l": ("cl", M_CL_G_MOL),
    "so4_mg_l": ("so4", M_SO4_G_MOL),
    "no3_mg_l": ("no3", M_NO3_G_MOL),
}
#: carbon columns in order of precedence and their conversion to mol/L or eq/L (phreeqc.dat formula weights,
#: :mod:`chemistry.constants`)
CARBON_COLUMNS = {
    "hco3_mg_l": ("hco3", M_HCO3_G_MOL),
    "alk_mg_l_caco3": ("alk", M_ALK_CACO3_G_EQ),
    "alk_meq_l": ("alk", None),
    "dic_mg_c_l": ("dic", M_C_G_MOL),
}
_CARBONISH = re.compile(r"^(hco3|alk|alkalinity|dic|tic|bicarb\w*|carbonate|co3)(_\w+)?_(mg_l|mmol_l|mol_l|umol_l|"
                        r"meq_l|ueq_l|eq_l|mg_kg|mmol_kgw|mol_kgw|meq_kgw|mg_l_caco3|mg_l_hco3|ppm)$", re.I)
OUTPUT_NAMES = ("pco2_atm", "log_pco2", "si_calcite", "si_aragonite", "si_dolomite", "si_gypsum", "dic_mmol_l",
                "hco3_mmol_l", "co3_mmol_l", "co2aq_mmol_l", "co2_mg_l", "ionic_strength", "charge_balance_pct")


#: recognised input names
RECOGNISED = REQUIRED + tuple(ION_COLUMNS) + tuple(CARBON_COLUMNS) + ("density_kg_l",)
#: element words of the ions the model reads -> the column each is read from
_ION_WORDS = {"ca": "ca_mg_l", "calcium": "ca_mg_l", "mg": "mg_mg_l", "magnesium": "mg_mg_l", "na": "na_mg_l",
              "sodium": "na_mg_l", "k": "k_mg_l", "potassium": "k_mg_l", "cl": "cl_mg_l", "chloride": "cl_mg_l",
              "so4": "so4_mg_l", "sulfate": "so4_mg_l", "sulphate": "so4_mg_l", "no3": "no3_mg_l",
              "nitrate": "no3_mg_l"}
#: ions measured in some waters that the aqueous model does not include (passed through, with a warning)
_OTHER_IONS = {"f", "fluoride", "br", "bromide", "fe", "iron", "mn", "manganese", "sr", "strontium", "ba", "barium",
               "li", "lithium", "si", "sio2", "silica", "po4", "phosphate", "nh4", "ammonium", "no2", "nitrite", "al",
               "zn", "cu", "pb", "b", "boron", "h2s", "hs", "s"}
_UNIT = re.compile(r"(^|_)(mg|mmol|mol|umol|ug|ng|meq|ueq|eq|ppm|ppb|mgl|mgpl)(_|$)")
#: last words of columns that qualify a value rather than hold one (ca_mmol_l_flag, fe_mg_l_dl, ...)
_COMPANION = {"flag", "flags", "nondetect", "qualifier", "remark", "code", "method", "dl", "mdl", "rl", "lod", "loq",
              "unit", "units", "note", "notes", "comment", "input", "sd", "std", "err", "error", "uncertainty"}
_MANGLED = re.compile(r"^(.+)\.(\d+)$")


def _normalise(name: str) -> str:
    """``Ca (mg/L)`` -> ``ca_mg_l``: lower case, every run of other characters one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def output_column_names() -> frozenset:
    """Every column name :func:`speciate` adds (an input column of one of these names is kept as ``<name>_input``)."""
    names = set(OUTPUT_NAMES) | {f"{k}_mmol_l" for k in TOTAL_COLUMNS + ("dic",)}
    names |= {f"{k}_mmol_l" for k in SPECIES_COLUMNS} | {"alk_meq_l", "charge_imbalance_meq_l", "ec_us_cm_est"}
    return frozenset(names)


def _ion_column_problems(columns, source):
    """Ion-like columns the model would not read: an error for a variant of a recognised name or a read ion in
    another unit (the user meant it as input: ignoring it would leave SI NaN and the charge balance wrong); the
    names of ion columns outside the model (passed through, listed in a warning)."""
    outputs = output_column_names()
    present = set(columns)
    ignored = []
    for c in columns:
        if not isinstance(c, str) or c in RECOGNISED or any(c.startswith(r + "_") for r in RECOGNISED):
            continue  # read, or a companion column of one read (ca_mg_l_flag, ca_mg_l_nondetect, ..._input)
        norm = _normalise(c)
        if norm in RECOGNISED:
            raise InputError(f"not read (column names are lower case and unit-named); rename it to {norm!r}",
                             file=source, column=c)
        word, _, rest = norm.partition("_")
        if not _UNIT.search(rest) or rest.rsplit("_", 1)[-1] in _COMPANION:
            continue
        if word in _ION_WORDS:
            want = _ION_WORDS[word]
            if c in outputs and (want in present or "speciation_error" in present):
                continue  # an output of an earlier run (next to its input): passed through as <name>_input
            raise InputError(f"not read: this ion is read from {want!r} (mg/L) only; convert the values to "
                             f"mg/L and rename the column (ion columns read: {', '.join(ION_COLUMNS)})",
                             file=source, column=c)
        if word in _OTHER_IONS and c not in outputs:
            ignored.append(c)
    return ignored


def _check_columns(samples: pd.DataFrame, source: str | None):
    if not isinstance(samples, pd.DataFrame):
        raise InputTypeError(f"samples must be a pandas DataFrame, got {type(samples).__name__}", file=source)
    dup = samples.columns[samples.columns.duplicated()]
    if len(dup):
        raise InputError("duplicate column (each column may appear once)", file=source, column=dup[0])
    for c in samples.columns:
        m = _MANGLED.match(c) if isinstance(c, str) else None
        if m and m.group(1) in RECOGNISED and m.group(1) in samples.columns:
            raise InputError(f"duplicate column {m.group(1)!r} (its second copy was read as {c!r}); each column "
                             "may appear once", file=source, column=m.group(1))
    missing = [c for c in REQUIRED if c not in samples.columns]
    if missing:
        raise InputError(f"missing required column(s) {missing}; required: {list(REQUIRED)}", file=source,
                         column=missing[0])
    carbon = [c for c in CARBON_COLUMNS if c in samples.columns]
    carbonish = [c for c in samples.columns if isinstance(c, str) and _CARBONISH.match(c) and c not in CARBON_COLUMNS
                 and not c.endswith("_input")]
    unknown = [c for c in carbonish if c not in OUTPUT_NAMES]
    if not carbon:
        # with no usable carbon column, name any carbon-like column, also one that has an output's name
        # (e.g. hco3_mmol_l): it is the column the user meant
        hint = f" (found {carbonish}, which is not a recognised carbon column)" if carbonish else ""
        raise InputError(f"no carbon column{hint}; give one of {list(CARBON_COLUMNS)}", file=source,
                         column=carbonish[0] if carbonish else None)
    if unknown:
        raise InputError(f"unknown carbon column {unknown[0]!r}; carbon is read from {list(CARBON_COLUMNS)} "
                         "only (rename the column, or drop it)", file=source, column=unknown[0])
    ignored = _ion_column_problems(samples.columns, source)
    return carbon, ignored


def prepare(samples: pd.DataFrame, source: str | None = None) -> dict:
    """Validate samples and convert them to molalities. Returns a dict of arrays plus per-row error texts.

    Cells are read with :func:`chemistry.censored.parse_values`: a cell that is not a number gives that row an
    error (the other rows are computed); ``<L`` in an ion or carbon column is below the detection limit and
    taken as L / 2 (named in the row's warning and counted in ``censored``); ``<L`` in ``temp_c``, ``ph`` or
    ``density_kg_l`` is an error of that row."""
    carbon_cols, ignored = _check_columns(samples, source)
    n = len(samples)
    errors = np.array([""] * n, dtype=object)
    row_warnings = np.array([""] * n, dtype=object)
    censored_count: dict[str, int] = {}

    def flag(mask, text):
        for i in np.flatnonzero(mask & (errors == "")):
            errors[i] = text(i) if callable(text) else text

    def warn(mask, text):
        for i in np.flatnonzero(mask):
            row_warnings[i] = (row_warnings[i] + "; " if row_warnings[i] else "") + (text(i) if callable(text) else text)

    def num(col, censor_ok: bool):
        parsed = parse_values(samples[col])
        raw = samples[col].to_numpy()
        flag(parsed.bad, lambda i: f"{col}: {describe_bad(raw[i])}")
        if parsed.censored.any():
            if censor_ok:
                censored_count[col] = int(parsed.censored.sum())
                warn(parsed.censored, lambda i: f"{col} {str(raw[i]).strip()} below the detection limit (taken as "
                                                f"{parsed.values[i]:g}, half the limit)")
            else:
                flag(parsed.censored, lambda i: f"{col}: detection-limit value {str(raw[i]).strip()!r} not "
                                                "allowed here")
        return np.where(parsed.bad | (parsed.censored & (not censor_ok)), np.nan, parsed.values), parsed.bad

    temp = num("temp_c", False)[0]
    ph = num("ph", False)[0]

    flag(~np.isfinite(temp), "temp_c is missing")
    flag(np.isfinite(temp) & ((temp < thermo.TEMP_MIN_C) | (temp > thermo.TEMP_MAX_C)),
         f"temp_c outside {thermo.TEMP_MIN_C:g}-{thermo.TEMP_MAX_C:g} C (range of the thermodynamic data)")
    flag(~np.isfinite(ph), "ph is missing")
    flag(np.isfinite(ph) & ((ph < 0) | (ph > 14)), "ph outside 0-14")

    density = num("density_kg_l", False)[0] if "density_kg_l" in samples.columns else np.ones(n)
    flag(~np.isfinite(density) | (density < 0.9) | (density > 1.1), "density_kg_l missing or outside 0.9-1.1")
    tds_mg_l = np.zeros(n)
    ions_mg_l = {}
    for col, (key, gfw) in ION_COLUMNS.items():
        if col not in samples.columns:
            continue
        v, unread = num(col, True)
        flag(v < 0, f"negative concentration in {col}")
        flag(np.isinf(v), f"{col} is not finite")
        warn(np.isnan(v) & ~unread, f"{col} not measured (taken as 0)")
        v = np.where(np.isfinite(v), v, 0.0)
        ions_mg_l[key] = (v, gfw)
        tds_mg_l += np.maximum(v, 0)

    kind = np.array([""] * n, dtype=object)
    carbon_value = np.full(n, np.nan)
    carbon_used = np.array([""] * n, dtype=object)
    for col in carbon_cols:
        v = num(col, True)[0]
        flag(v < 0, f"negative concentration in {col}")
        flag(np.isinf(v), f"{col} is not finite")
        take = (carbon_used == "") & np.isfinite(v)
        what, gfw = CARBON_COLUMNS[col]
        kind[take] = what
        carbon_used[take] = col
        carbon_value[take] = v[take] / gfw if gfw else v[take]  # mmol/L (or meq/L)
        if col != "alk_meq_l":
            tds_mg_l += np.where(take, v, 0.0)
        else:
            tds_mg_l += np.where(take, v * 61.0191, 0.0)  # alkalinity counted as bicarbonate mass
    flag(carbon_used == "", f"no carbon value in {carbon_cols}")
    flag((kind == "hco3") & (carbon_value <= 0), "hco3_mg_l must be > 0")
    flag((kind == "dic") & (carbon_value <= 0), "dic_mg_c_l must be > 0")
    flag((kind == "alk") & (carbon_value <= 0), "alkalinity must be > 0 for carbonate speciation")

    kgw_per_l = density - tds_mg_l / 1e6
    mol = {key: v / gfw / 1000.0 / kgw_per_l for key, (v, gfw) in ions_mg_l.items()}
    return dict(n=n, temp_c=temp, ph=ph, mol=mol, carbon_kind=kind, carbon_mol=carbon_value / 1000.0 / kgw_per_l,
                carbon_used=carbon_used, kgw_per_l=kgw_per_l, errors=errors, warnings=row_warnings,
                ions_mg_l=ions_mg_l, censored=censored_count, ignored_columns=ignored)


def _solve_group(prep: dict, rows: np.ndarray, kind: str, database: str):
    els = ("dic",) + tuple(k for k, v in prep["mol"].items() if np.any(v[rows] > 0))
    model = build_model(els, database)
    t = prep["temp_c"][rows]
    ll = [LogLinear(coef=np.eye(len(model.masters))[0], target=-prep["ph"][rows])]
    sums = []
    c = prep["carbon_mol"][rows]
    if kind == "dic":
        sums.append(Sum(weights=model.element_row("dic"), rhs=c, log_form=True))
    elif kind == "alk":
        sums.append(Sum(weights=model.alkalinity.copy(), rhs=c))
    else:  # free HCO3-: log m = log K + nu x - log g  ->  nu x = log m + log g - log K
        j = model.index("HCO3-")
        ll.append(LogLinear(coef=model.nu[j].copy(), target=np.log10(c), logk_coef=-model.logk_coef[j],
                            nu_w=model.nu_w[j], gamma_species=j))
    for e in model.elements:
        if e == "dic":
            continue
        sums.append(Sum(weights=model.element_row(e), rhs=np.maximum(prep["mol"][e][rows], 1e-20), log_form=True))
    x0 = np.full((rows.size, len(model.masters)), -3.0)
    x0[:, 0] = -prep["ph"][rows]
    # carbonate start from the ideal carbonate system at the measured pH (a fixed start of 1e-3 for CO3-2 at
    # low pH puts the first iterate far from the solution): CO3 = C alpha2, alpha2 = 1 / (1 + h/K2 + h^2/(K1 K2))
    basis = dbmod.temperature_basis(t + thermo.KELVIN)
    lk_hco3 = basis @ model.logk_coef[model.index("HCO3-")]  # CO3 + H = HCO3
    lk_co2 = basis @ model.logk_coef[model.index("CO2")]  # CO3 + 2H = CO2 + H2O
    log_h = -prep["ph"][rows]
    c_est = c  # DIC, alkalinity or free HCO3 as a first guess of the carbonate total
    denom = 1.0 + 10.0 ** (lk_hco3 + log_h) + 10.0 ** (lk_co2 + 2 * log_h)
    x0[:, model.masters.index("CO3-2")] = np.log10(np.maximum(c_est, 1e-12)) - np.log10(denom)
    for e in model.elements:
        if e != "dic":
            x0[:, model.master_index(e)] = np.log10(np.maximum(prep["mol"][e][rows], 1e-20))
    return solve(model, t, ll, sums, x0=x0)


@single_blas_thread
def speciate(samples: pd.DataFrame, backend: str = "native", database: str = "phreeqc.dat",
             source: str | None = None) -> pd.DataFrame:
    """Speciate measured samples (see the module docstring for the input contract).

    Parameters
    ----------
    samples : pandas.DataFrame
        One row per sample: ``temp_c``, ``ph``, one carbon column (``hco3_mg_l``, ``alk_mg_l_caco3``,
        ``alk_meq_l`` or ``dic_mg_c_l``) and unit-named ions (``ca_mg_l``, ``mg_mg_l``, ``so4_mg_l``, ...;
        ``<0.5`` marks a value below the detection limit).
    backend : {"native", "phreeqc"}, default "native"
        This package's solver, or IPhreeqc through phreeqpy with the same database.
    database : str or path, default "phreeqc.dat"
        A shipped database name or a path; default the pinned PHREEQC 3.7.3 ``phreeqc.dat``.
    source : str, optional
        The file the samples came from, named in error messages.

    Returns
    -------
    pandas.DataFrame
        The input columns unchanged plus ``pco2_atm, log_pco2, si_calcite, si_aragonite, si_dolomite,
        si_gypsum, dic_mmol_l, hco3_mmol_l, co3_mmol_l, co2aq_mmol_l, co2_mg_l, ionic_strength,
        charge_balance_pct`` and further species/totals columns, ``carbon_input``, ``speciation_error``,
        ``speciation_warning``. ``log_pco2`` is the CO2(g) saturation index (log fugacity, = log partial pressure
        to within 0.1 % below 0.3 atm). SI dolomite and gypsum are NaN where Mg or SO4 is not given. A bad cell
        fails only its row (NaN values and the reason in ``speciation_error``).

    Raises
    ------
    chemistry.InputError
        A missing, duplicated or unknown column (naming ``source`` and the column), or a bad ``database``.
    """
    if not isinstance(database, (str, os.PathLike)):
        raise InputTypeError(f"database must be a shipped database name or a path, got {type(database).__name__} "
                             f"{database!r}")
    prep = prepare(samples, source)
    n = prep["n"]
    ok = prep["errors"] == ""
    cols: dict[str, np.ndarray] = {}
    if backend == "phreeqc":
        cols, errs = speciate_phreeqc(prep, database)
        for i, e in errs.items():
            prep["errors"][i] = e
    elif backend == "native":
        for kind in ("dic", "alk", "hco3"):
            rows = np.flatnonzero(ok & (prep["carbon_kind"] == kind))
            if rows.size == 0:
                continue
            sol = _solve_group(prep, rows, kind, database)
            got = solution_columns(sol, "mmol_l", kgw_per_l=prep["kgw_per_l"][rows])
            for k, v in got.items():
                if k not in cols:
                    cols[k] = np.full(n, np.nan)
                cols[k][rows] = v
            bad = rows[~sol.converged]
            prep["errors"][bad] = "no convergence"
            if kind == "alk":
                # alkalinity at or below the OH- - H+ contribution at the measured pH cannot be met by carbonate
                oh = sol.free("OH-") * 10.0 ** sol.log_gamma[:, sol.model.index("OH-")]
                h = 10.0 ** -prep["ph"][rows]
                water_alk = oh - h  # (activity-based estimate, eq/kgw)
                lowc = rows[(prep["carbon_mol"][rows] <= water_alk) | (sol.total("dic") <= 0)]
                prep["errors"][lowc] = ("alkalinity too low for carbonate speciation at this pH (at or below the "
                                        "OH- contribution)")
    else:
        raise InputError(f"backend must be 'native' or 'phreeqc', got {backend!r}")
    out = samples.copy()
    cols.pop("ph", None)  # pH is an input here; the input column stays as it is
    rename = {c: f"{c}_input" for c in out.columns if c in cols or c in ("co2_mg_l", "carbon_input",
                                                                             "speciation_error",
                                                                             "speciation_warning")}
    out = out.rename(columns=rename)
    err = prep["errors"]
    bad = err != ""
    if "co2aq_mmol_l" in cols:
        cols["co2_mg_l"] = (cols["co2aq_mmol_l"] + 2 * cols.get("co2dimer_mmol_l", 0.0)) * M_CO2_G_MOL
    for k, v in cols.items():
        v = np.asarray(v, dtype=float).copy()
        v[bad] = np.nan
        out[k] = v
    for k in OUTPUT_NAMES:
        if k not in out.columns:
            out[k] = np.nan
    out["carbon_input"] = prep["carbon_used"]
    out["speciation_error"] = err
    out["speciation_warning"] = prep["warnings"]
    out.attrs.update(backend=backend, database=str(database), censored=prep["censored"],
                     ignored_columns=prep["ignored_columns"])
    if prep["ignored_columns"]:
        warnings.warn(f"{source + ': ' if source else ''}ion columns {prep['ignored_columns']} are not part of the "
                      f"speciation model (passed through unchanged; not in the charge balance); the ions read are "
                      f"{list(ION_COLUMNS)}", UserWarning, stacklevel=3)
    return out
