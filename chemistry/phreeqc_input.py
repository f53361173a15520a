"""A PHREEQC input deck for measured samples (:func:`to_phreeqc_input`), to check any speciation in PHREEQC itself.

PHREEQC: Parkhurst & Appelo (2013), USGS Techniques and Methods 6-A43; the deck is meant for PHREEQC 3.7.3 with
the pinned ``phreeqc.dat`` of ``chemistry/databases``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import database as dbmod
from .constants import M_C_G_MOL
from .phreeqc import _fmt
from .speciation import CARBON_COLUMNS, prepare, speciate

_DECK_IONS = {"ca_mg_l": "Ca", "mg_mg_l": "Mg", "na_mg_l": "Na", "k_mg_l": "K", "cl_mg_l": "Cl",
              "so4_mg_l": "S(6) {v} as SO4", "no3_mg_l": "N(5) {v} as NO3"}


def to_phreeqc_input(samples: pd.DataFrame, title: str = "karstmodel samples", database: str = "phreeqc.dat") -> str:
    """A PHREEQC input deck (text) that speciates ``samples`` (the :func:`chemistry.speciate` input contract) the
    way karstmodel does, so any result can be checked in PHREEQC itself (PHREEQC 3.7.3 + the pinned phreeqc.dat).

    Concentrations are written in mg/l with ``as`` formulas (SO4, NO3, C, CaCO3); ``alk_meq_l`` as meq/l. A free
    bicarbonate input (``hco3_mg_l``) has no PHREEQC equivalent: the deck gives the DIC that karstmodel's native
    speciation found for it, and a comment asks to check that MOL("HCO3-") reproduces the input. Rows that
    cannot be speciated are written as comments with the reason.

    Parameters
    ----------
    samples : pandas.DataFrame
        Samples as for :func:`chemistry.speciate`.
    title : str, default "karstmodel samples"
        The deck's TITLE line.
    database : str or path, default "phreeqc.dat"
        The database the deck is meant for (named in its header; the native speciation of ``hco3_mg_l`` inputs
        uses it).

    Returns
    -------
    str
        The PHREEQC input (SOLUTION blocks, one per sample, and SELECTED_OUTPUT).
    """
    prep = prepare(samples)
    native = None
    if np.any(prep["carbon_kind"] == "hco3"):
        native = speciate(samples, database=database)
    lines = [f"# {title}: written by karstmodel (chemistry.to_phreeqc_input)",
             f"# database: {dbmod.database_path(database).name} (PHREEQC 3.7.3); run with the same database",
             f"TITLE {title}",
             "SELECTED_OUTPUT 1",
             " -file karstmodel_check.sel",
             " -reset false",
             " -solution true",
             " -pH true",
             " -ionic_strength true",
             " -charge_balance true",
             " -percent_error true",
             " -totals Ca Mg Na K Cl S(6) N(5) C(4)",
             " -molalities HCO3- CO3-2 CO2 CaHCO3+ CaCO3 MgHCO3+ MgCO3",
             " -saturation_indices Calcite Aragonite Dolomite Gypsum CO2(g)",
             "END"]
    for i in range(prep["n"]):
        label = f"sample {i + 1} (row {i})"
        if prep["errors"][i]:
            lines.append(f"# {label} skipped: {prep['errors'][i]}")
            continue
        block = [f"SOLUTION {i + 1} {label}", " units mg/l", f" temp {_fmt(prep['temp_c'][i])}",
                 f" pH {_fmt(prep['ph'][i])}"]
        if "density_kg_l" in samples.columns:
            block.append(f" density {_fmt(samples['density_kg_l'].iloc[i])}")
        for col, el in _DECK_IONS.items():
            if col in samples.columns:
                v = pd.to_numeric(samples[col], errors="coerce").iloc[i]
                if np.isfinite(v) and v > 0:
                    block.append(" " + (el.format(v=_fmt(v)) if "{v}" in el else f"{el} {_fmt(v)}"))
        col = prep["carbon_used"][i]
        v = float(pd.to_numeric(samples[col], errors="coerce").iloc[i])
        if col == "dic_mg_c_l":
            block.append(f" C(4) {_fmt(v)} as C")
        elif col == "alk_mg_l_caco3":
            block.append(f" Alkalinity {_fmt(v)} as CaCO3")
        elif col == "alk_meq_l":
            block.append(f" Alkalinity {_fmt(v)} meq/l")
        else:
            dic_mg_c = float(native["dic_mmol_l"].iloc[i]) * M_C_G_MOL
            block.append(f" C(4) {_fmt(dic_mg_c)} as C  # from hco3_mg_l = {_fmt(v)} (free HCO3-): check that "
                         f"MOL(\"HCO3-\") = {_fmt(v / CARBON_COLUMNS['hco3_mg_l'][1] / 1000.0)} mol/kgw")
        lines += block + ["END"]
    return "\n".join(lines) + "\n"
