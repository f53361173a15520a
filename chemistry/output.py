"""Turn a solved :class:`chemistry.water.Solution` into unit-named columns (shared by equilibrate and speciate)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import IONIC_STRENGTH_PER_US_CM
from .water import Solution

#: free species and complexes reported as their own columns: column stem -> database species
SPECIES_COLUMNS = {
    "hco3": "HCO3-",
    "co3": "CO3-2",
    "co2aq": "CO2",
    "co2dimer": "(CO2)2",
    "ca_free": "Ca+2",
    "cahco3": "CaHCO3+",
    "caco3aq": "CaCO3",
    "mg_free": "Mg+2",
    "mghco3": "MgHCO3+",
    "mgco3aq": "MgCO3",
    "caso4aq": "CaSO4",
    "mgso4aq": "MgSO4",
    "so4_free": "SO4-2",
    "oh": "OH-",
    "caoh": "CaOH+",
    "mgoh": "MgOH+",
}

#: element totals, reported as <key>_<unit>
TOTAL_COLUMNS = ("ca", "mg", "na", "k", "cl", "so4", "no3")


def solution_columns(sol: Solution, unit: str = "mmol_kgw", kgw_per_l=None, phases=("Calcite", "Aragonite",
                     "Dolomite", "Gypsum")) -> dict:
    """Columns (name -> array) for a solution. ``unit`` is ``mmol_kgw`` or ``mmol_l`` (then ``kgw_per_l`` converts)."""
    n = sol.temp_c.size
    f = 1000.0 if kgw_per_l is None else 1000.0 * np.asarray(kgw_per_l, dtype=float)
    meq = "meq_kgw" if unit == "mmol_kgw" else "meq_l"
    model = sol.model
    mol_t = np.ascontiguousarray(sol.molality.T)  # species-major: each species' column read contiguously
    out = {"ph": sol.ph}
    for key in TOTAL_COLUMNS:
        out[f"{key}_{unit}"] = sol.total(key) * f if key in model.elements else np.zeros(n)
    dic = sol.total("dic") if "dic" in model.elements else np.zeros(n)
    out[f"dic_{unit}"] = dic * f
    for col, sp in SPECIES_COLUMNS.items():
        out[f"{col}_{unit}"] = mol_t[model.index(sp)] * f if sp in model.species else np.zeros(n)
    out[f"alk_{meq}"] = sol.alkalinity * f
    log_pco2 = sol.log_pco2() if "dic" in model.elements else np.full(n, -np.inf)
    out["log_pco2"] = log_pco2
    out["pco2_atm"] = 10.0**log_pco2
    for ph in phases:
        key = "si_" + ph.lower()
        needed = {"Calcite": ("ca", "dic"), "Aragonite": ("ca", "dic"), "Dolomite": ("ca", "mg", "dic"),
                  "Gypsum": ("ca", "so4")}[ph]
        if all(e in model.elements for e in needed) and ph in model.database.phases:
            si = sol.saturation_index(ph)
            absent = np.zeros(n, dtype=bool)
            for e in needed:
                if e != "dic":
                    absent |= sol.total(e) <= 1e-15
            out[key] = np.where(absent, np.nan, si)
        else:
            out[key] = np.full(n, np.nan)
    out["ionic_strength"] = sol.ionic_strength
    cat = np.clip(model.charge, 0, None)
    an = np.clip(-model.charge, 0, None)
    cat_eq, an_eq = cat @ mol_t, an @ mol_t
    with np.errstate(invalid="ignore", divide="ignore"):
        out["charge_balance_pct"] = 100.0 * (cat_eq - an_eq) / (cat_eq + an_eq)
    out[f"charge_imbalance_{meq}"] = (cat_eq - an_eq) * f
    # specific conductance estimate, inverse of Russell (1976): EC ~ I / 1.6e-5 (rough, +-10 %)
    out["ec_us_cm_est"] = sol.ionic_strength / IONIC_STRENGTH_PER_US_CM
    return out


def label_column(value: str, n: int) -> pd.Categorical:
    """A column of one repeated label (``mineral``, ``system``) as a categorical: one byte per row instead of one
    string object per row (it compares, groups and prints as the strings do)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])

