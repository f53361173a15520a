"""Speciation of measured water samples: pCO2, saturation indices, carbonate species, DIC, charge balance.

Input contract (SPEC.md): one row per sample; required ``temp_c`` and ``ph``; optional major ions
``ca_mg_l, mg_mg_l, na_mg_l, k_mg_l, cl_mg_l, so4_mg_l`` (as SO4), ``no3_mg_l`` (as NO3); carbon from exactly
one of ``hco3_mg_l`` (free bicarbonate ion), ``alk_mg_l_caco3``, ``alk_meq_l`` (total alkalinity), ``dic_mg_c_l``
(total dissolved inorganic carbon as C). Where a row has several carbon columns filled, the first in that order
wins for that row; ``carbon_input`` says which was used. Optional ``density_kg_l`` (default 1).

Concentrations per litre are converted to molality with the water mass of one litre of solution,
kg water per L = density - TDS, TDS being the sum of the given mg/L values (PHREEQC's SOLUTION conversion does
the same in spirit; the difference is below 1e-4 for fresh water). Outputs per litre (``*_mmol_l``) use the same
factor back. Formula weights are the database's (``SOLUTION_MASTER_SPECIES``).

A row that cannot be speciated (NaN or out-of-range temperature or pH, negative concentration, no carbon value,
no convergence) gets NaN outputs and a ``speciation_error`` text; the other rows are still computed. An optional
ion left empty (NaN) in a row is treated as not measured (zero) and named in ``speciation_warning``.
Input columns are never altered; an input column that has the name of an output column is kept as
``<name>_input``.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import database as dbmod
from . import thermo
from .errors import InputError
from .output import solution_columns
from .water import LogLinear, Sum, build_model, solve
from ._threads import single_blas_thread

REQUIRED = ("temp_c", "ph")
#: optional ions: column -> (element key, formula weight as reported)
ION_COLUMNS = {
    "ca_mg_l": ("ca", 40.08),
    "mg_mg_l": ("mg", 24.312),
    "na_mg_l": ("na", 22.9898),
    "k_mg_l": ("k", 39.102),
    "cl_mg_l": ("cl", 35.453),
    "so4_mg_l": ("so4", 96.064),  # S 32.064 + 4 O 16.0 (phreeqc.dat gfw)
    "no3_mg_l": ("no3", 62.0067),  # N 14.0067 + 3 O 16.0
}
#: carbon columns in order of precedence and their conversion to mol/L or eq/L
CARBON_COLUMNS = {
    "hco3_mg_l": ("hco3", 61.0191),  # H 1.008 + C 12.0111 + 3 O 16.0
    "alk_mg_l_caco3": ("alk", 50.05),  # phreeqc.dat Alkalinity gfw, Ca0.5(CO3)0.5
    "alk_meq_l": ("alk", None),
    "dic_mg_c_l": ("dic", 12.0111),
}
_CARBONISH = re.compile(r"^(hco3|alk|alkalinity|dic|tic|bicarb\w*|carbonate|co3)(_\w+)?_(mg_l|mmol_l|mol_l|umol_l|"
                        r"meq_l|ueq_l|eq_l|mg_kg|mmol_kgw|mol_kgw|meq_kgw|mg_l_caco3|mg_l_hco3|ppm)$", re.I)
OUTPUT_NAMES = ("pco2_atm", "log_pco2", "si_calcite", "si_aragonite", "si_dolomite", "si_gypsum", "dic_mmol_l",
                "hco3_mmol_l", "co3_mmol_l", "co2aq_mmol_l", "co2_mg_l", "ionic_strength", "charge_balance_pct")


def _check_columns(samples: pd.DataFrame, source: str | None):
    if not isinstance(samples, pd.DataFrame):
        raise InputError("samples must be a pandas DataFrame", file=source)
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
    for c in list(REQUIRED) + carbon + [c for c in ION_COLUMNS if c in samples.columns]:
        if not pd.api.types.is_numeric_dtype(samples[c]):
            conv = pd.to_numeric(samples[c], errors="coerce")
            bad = conv.isna() & samples[c].notna()
            if bad.any():
                raise InputError(f"non-numeric value {samples[c][bad].iloc[0]!r}", file=source, column=c,
                                 row=int(np.flatnonzero(bad.to_numpy())[0]))
    return carbon


def prepare(samples: pd.DataFrame, source: str | None = None) -> dict:
    """Validate samples and convert them to molalities. Returns a dict of arrays plus per-row error texts."""
    carbon_cols = _check_columns(samples, source)
    n = len(samples)
    num = lambda c: pd.to_numeric(samples[c], errors="coerce").to_numpy(dtype=float)  # noqa: E731
    temp = num("temp_c")
    ph = num("ph")
    errors = np.array([""] * n, dtype=object)
    warnings = np.array([""] * n, dtype=object)

    def flag(mask, text):
        for i in np.flatnonzero(mask & (errors == "")):
            errors[i] = text

    flag(~np.isfinite(temp), "temp_c is missing")
    flag(np.isfinite(temp) & ((temp < thermo.TEMP_MIN_C) | (temp > thermo.TEMP_MAX_C)),
         f"temp_c outside {thermo.TEMP_MIN_C:g}-{thermo.TEMP_MAX_C:g} C (range of the thermodynamic data)")
    flag(~np.isfinite(ph), "ph is missing")
    flag(np.isfinite(ph) & ((ph < 0) | (ph > 14)), "ph outside 0-14")

    density = num("density_kg_l") if "density_kg_l" in samples.columns else np.ones(n)
    flag(~np.isfinite(density) | (density < 0.9) | (density > 1.1), "density_kg_l missing or outside 0.9-1.1")
    tds_mg_l = np.zeros(n)
    ions_mg_l = {}
    for col, (key, gfw) in ION_COLUMNS.items():
        if col not in samples.columns:
            continue
        v = num(col)
        flag(v < 0, f"negative concentration in {col}")
        missing = ~np.isfinite(v)
        for i in np.flatnonzero(missing):
            warnings[i] = (warnings[i] + "; " if warnings[i] else "") + f"{col} not measured (taken as 0)"
        v = np.where(missing, 0.0, v)
        ions_mg_l[key] = (v, gfw)
        tds_mg_l += np.maximum(v, 0)

    kind = np.array([""] * n, dtype=object)
    carbon_value = np.full(n, np.nan)
    carbon_used = np.array([""] * n, dtype=object)
    for col in carbon_cols:
        v = num(col)
        flag(v < 0, f"negative concentration in {col}")
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
                carbon_used=carbon_used, kgw_per_l=kgw_per_l, errors=errors, warnings=warnings,
                ions_mg_l=ions_mg_l)


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

    Returns the input columns unchanged plus ``pco2_atm, log_pco2, si_calcite, si_aragonite, si_dolomite,
    si_gypsum, dic_mmol_l, hco3_mmol_l, co3_mmol_l, co2aq_mmol_l, co2_mg_l, ionic_strength,
    charge_balance_pct`` and further species/totals columns, ``carbon_input``, ``speciation_error``,
    ``speciation_warning``. ``log_pco2`` is the CO2(g) saturation index (log fugacity, = log partial pressure
    to within 0.1 % below 0.3 atm). SI dolomite and gypsum are NaN where Mg or SO4 is not given.
    """
    prep = prepare(samples, source)
    n = prep["n"]
    ok = prep["errors"] == ""
    cols: dict[str, np.ndarray] = {}
    if backend == "phreeqc":
        from .phreeqc import speciate_phreeqc
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
        cols["co2_mg_l"] = (cols["co2aq_mmol_l"] + 2 * cols.get("co2dimer_mmol_l", 0.0)) * 44.0095
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
    out.attrs.update(backend=backend, database=str(database))
    return out
