"""PHREEQC backend (IPhreeqc through phreeqpy): runs the decks of :func:`chemistry.equilibrate` and
:func:`chemistry.speciate` with ``backend="phreeqc"``.

PHREEQC: Parkhurst & Appelo (2013), USGS Techniques and Methods 6-A43. phreeqpy 0.6 bundles the IPhreeqc 3.7.3
library and no database; the pinned 3.7.3 ``phreeqc.dat`` ships in ``chemistry/databases``. ``load_database``
of IPhreeqc does not raise when a database fails to load (a newer-syntax file, say): the failure shows only at the
next run as "No database is loaded". :func:`instance` therefore checks the database error count and runs a
minimal solution before returning, and raises :class:`PhreeqcDatabaseError` with PHREEQC's own message.
"""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from . import database as dbmod
from .constants import IONIC_STRENGTH_PER_US_CM
from .inputs import _water_totals
from .output import SPECIES_COLUMNS, TOTAL_COLUMNS, label_column


class PhreeqcDatabaseError(RuntimeError):
    """IPhreeqc could not load the database (error count > 0 or no database loaded after loading)."""


class PhreeqcRunError(RuntimeError):
    """PHREEQC reported errors while running an input deck."""


_local = threading.local()

#: PHREEQC element names for the totals karstmodel reports
_TOT = {"ca": "Ca", "mg": "Mg", "na": "Na", "k": "K", "cl": "Cl", "so4": "S(6)", "no3": "N(5)"}


def instance(database: str = "phreeqc.dat"):
    """An IPhreeqc instance with ``database`` loaded and checked (one per thread and database, reused)."""
    try:
        from phreeqpy.iphreeqc.phreeqc_dll import IPhreeqc
    except Exception as exc:  # pragma: no cover - phreeqpy is a core dependency
        raise PhreeqcDatabaseError(f"phreeqpy is not importable: {exc}") from None
    path = dbmod.database_path(database)
    cache = getattr(_local, "instances", None)
    if cache is None:
        cache = _local.instances = {}
    if path in cache:
        return cache[path]
    ip = IPhreeqc()
    ip.load_database(str(path))
    nerr = ip.phc_database_error_count
    if nerr:
        raise PhreeqcDatabaseError(f"{path}: IPhreeqc reported {nerr} error(s) loading the database: "
                                   f"{ip.get_error_string().strip()[:400]}")
    try:
        ip.run_string("SOLUTION 1\nEND\n")
    except Exception as exc:
        raise PhreeqcDatabaseError(f"{path}: the database did not load into IPhreeqc ({exc}); phreeqpy bundles "
                                   "IPhreeqc 3.7.3, use a 3.7.3-compatible database") from None
    cache[path] = ip
    return ip


def run(deck: str, database: str = "phreeqc.dat") -> pd.DataFrame:
    """Run a PHREEQC input deck and return its selected output as a DataFrame."""
    ip = instance(database)
    try:
        ip.run_string(deck)
    except Exception as exc:
        raise PhreeqcRunError(str(exc).strip()[:1000]) from None
    arr = ip.get_selected_output_array()
    if not arr or len(arr) < 2:
        return pd.DataFrame()
    return pd.DataFrame(arr[1:], columns=arr[0])


def last_rows(raw: pd.DataFrame, n: int) -> pd.DataFrame:
    """The last selected-output row of each sample when every sample's last simulation ends it.

    Decks written here start with one simulation that defines the output, then k simulations per sample;
    the result of a sample is the last row of its last simulation.
    """
    if raw.empty:
        return raw
    sim = raw["sim"].astype(int)
    first = int(sim.min())
    last_sim = int(sim.max())
    k = (last_sim - first + 1) // n if n else 1
    keep = raw.groupby(sim).tail(1)
    keep = keep[((keep["sim"].astype(int) - first + 1) % max(k, 1)) == 0] if k > 1 else keep
    return keep.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------------
# the selected output that reproduces the native columns


def _punch_block() -> str:
    """SELECTED_OUTPUT + USER_PUNCH that give every native column (mol/kgw; charge balance in eq/kgw)."""
    items = [("ph", '-LA("H+")'), ("mass_water_kg", 'TOT("water")'), ("mu", "MU"), ("alk", "ALK"),
             ("si_calcite", 'SI("Calcite")'), ("si_aragonite", 'SI("Aragonite")'), ("si_dolomite", 'SI("Dolomite")'),
             ("si_gypsum", 'SI("Gypsum")'), ("si_co2g", 'SI("CO2(g)")'), ("pct_err", "PERCENT_ERROR"),
             ("cb_eq_kgw", 'CHARGE_BALANCE / TOT("water")')]
    items += [(f"tot_{key}", f'TOT("{el}")') for key, el in _TOT.items()]
    items += [("tot_dic", 'TOT("C(4)")')]
    items += [(f"m_{col}", f'MOL("{sp}")') for col, sp in SPECIES_COLUMNS.items()]
    body = []
    for i in range(0, len(items), 8):
        chunk = items[i:i + 8]
        body.append(f" {10 * (len(body) + 1)} PUNCH " + ", ".join(e for _, e in chunk))
    return ("SELECTED_OUTPUT 1\n -reset false\n -simulation true\nUSER_PUNCH 1\n -headings "
            + " ".join(h for h, _ in items) + "\n -start\n" + "\n".join(body) + "\n -end\n")


#: SI values at or below this are PHREEQC's "not computable" codes (-99, -99.99, -999.999), not saturation indices
_NO_SI = -98.999


def _frame_from_punch(raw: pd.DataFrame, unit: str, factor=None) -> dict:
    """Native-style columns from the punch; ``factor`` converts mol/kgw to the unit (default 1000)."""
    n = len(raw)
    f = 1000.0 * (np.ones(n) if factor is None else np.asarray(factor, dtype=float))
    meq = "meq_kgw" if unit == "mmol_kgw" else "meq_l"
    out = {"ph": raw["ph"].to_numpy(float)}
    for key in TOTAL_COLUMNS:
        out[f"{key}_{unit}"] = raw[f"tot_{key}"].to_numpy(float) * f
    out[f"dic_{unit}"] = raw["tot_dic"].to_numpy(float) * f
    for col in SPECIES_COLUMNS:
        out[f"{col}_{unit}"] = raw[f"m_{col}"].to_numpy(float) * f
    out[f"alk_{meq}"] = raw["alk"].to_numpy(float) * f
    # PHREEQC's SI() returns -99.99 when an element of the phase is absent and -99 when the phase is not in the
    # database (the selected-output -si option writes -999.999 instead): no value, as in the native backend
    lp = raw["si_co2g"].to_numpy(float)
    lp = np.where(lp <= _NO_SI, -np.inf, lp)
    out["log_pco2"] = lp
    out["pco2_atm"] = 10.0**lp
    for ph in ("calcite", "aragonite", "dolomite", "gypsum"):
        v = raw[f"si_{ph}"].to_numpy(float)
        out[f"si_{ph}"] = np.where(v <= _NO_SI, np.nan, v)
    out["ionic_strength"] = raw["mu"].to_numpy(float)
    out["charge_balance_pct"] = raw["pct_err"].to_numpy(float)
    out[f"charge_imbalance_{meq}"] = raw["cb_eq_kgw"].to_numpy(float) * f
    out["ec_us_cm_est"] = out["ionic_strength"] / IONIC_STRENGTH_PER_US_CM
    return out


def _fmt(v: float) -> str:
    return f"{float(v):.12g}"


def _solution_block(i: int, temp_c: float, totals_mmol_kgw: dict, ph: float = 7.0) -> str:
    lines = [f"SOLUTION {i}", f" temp {_fmt(temp_c)}", " units mmol/kgw", f" pH {_fmt(ph)} charge"]
    for key, el in _TOT.items():
        v = totals_mmol_kgw.get(key, 0.0)
        if v > 0:
            lines.append(f" {el} {_fmt(v)}")
    if totals_mmol_kgw.get("dic", 0.0) > 0:
        lines.append(f" C(4) {_fmt(totals_mmol_kgw['dic'])}")
    return "\n".join(lines) + "\n"


def equilibrium_deck(temp_c, pco2_atm, mineral="calcite", system="open", water=None, gas_water_ratio=None) -> str:
    """PHREEQC input deck for :func:`chemistry.equilibrate` inputs (one simulation per row).

    open: EQUILIBRIUM_PHASES with CO2(g) at log pCO2 and the mineral(s) at SI 0; closed: the water first
    equilibrates with CO2(g) (SAVE), then with the mineral(s) only; mixed: a fixed-volume GAS_PHASE of
    ``gas_water_ratio`` L per kg of water initially at pCO2 is present while the mineral dissolves.
    Charge imbalance of a starting water is not reproduced in the deck (PHREEQC balances on pH).
    """
    t = np.atleast_1d(np.asarray(temp_c, dtype=float))
    n = t.size
    if pco2_atm is not None:
        p = np.broadcast_to(np.asarray(pco2_atm, dtype=float), t.shape).reshape(-1)
    else:
        p = None
    totals, _, _ = _water_totals(water, n)
    minerals = {"calcite": ["Calcite"], "dolomite": ["Dolomite"], "both": ["Calcite", "Dolomite"], "none": []}[mineral]
    out = [_punch_block(), "END\n"]
    for i in range(n):
        tot = {k: float(v[i]) * 1000.0 for k, v in totals.items()}
        sol = _solution_block(1, t[i], tot)
        if system == "open":
            eq = "EQUILIBRIUM_PHASES 1\n" + f" CO2(g) {_fmt(np.log10(p[i]))} 10\n" + \
                 "".join(f" {m} 0 10\n" for m in minerals)
            out.append(sol + eq + "END\n")
        elif system == "closed":
            pre = ""
            if p is not None:
                pre = f"EQUILIBRIUM_PHASES 1\n CO2(g) {_fmt(np.log10(p[i]))} 10\nSAVE solution 1\nEND\n"
            eq = "USE solution 1\nEQUILIBRIUM_PHASES 2\n" + "".join(f" {m} 0 10\n" for m in minerals)
            out.append(sol + pre + eq + "END\n")
        else:
            r = float(np.broadcast_to(np.asarray(gas_water_ratio, dtype=float), (n,))[i])
            pre = f"EQUILIBRIUM_PHASES 1\n CO2(g) {_fmt(np.log10(p[i]))} 10\nSAVE solution 1\nEND\n"
            gas = (f"USE solution 1\nGAS_PHASE 1\n -fixed_volume\n -volume {_fmt(r)}\n -temperature {_fmt(t[i])}\n"
                   f" CO2(g) {_fmt(p[i])}\n")
            eq = "EQUILIBRIUM_PHASES 2\n" + "".join(f" {m} 0 10\n" for m in minerals)
            out.append(sol + pre + gas + eq + "END\n")
    return "".join(out)


def equilibrate_phreeqc(temp_c, pco2_atm, mineral="calcite", system="open", water=None, gas_water_ratio=None,
                        database="phreeqc.dat") -> pd.DataFrame:
    """:func:`chemistry.equilibrate` computed by PHREEQC (same columns as the native backend)."""
    t = np.atleast_1d(np.asarray(temp_c, dtype=float))
    shape = np.broadcast_shapes(t.shape, np.shape(pco2_atm) if pco2_atm is not None else ())
    t = np.broadcast_to(t, shape).reshape(-1)
    if isinstance(water, pd.DataFrame) and len(water) > t.size and t.size == 1:
        t = np.full(len(water), t[0])
    n = t.size
    p = np.broadcast_to(np.asarray(pco2_atm, dtype=float), (n,)) if pco2_atm is not None else None
    deck = equilibrium_deck(t, p, mineral, system, water, gas_water_ratio)
    raw = last_rows(run(deck, database), n)
    if len(raw) != n:
        raise PhreeqcRunError(f"PHREEQC returned {len(raw)} rows for {n} inputs")
    cols = _frame_from_punch(raw, "mmol_kgw")
    df = pd.DataFrame({"temp_c": t, "pco2_atm": p if p is not None else np.full(n, np.nan)})
    for k, v in cols.items():
        df["pco2_final_atm" if k == "pco2_atm" else k] = v
    df["mineral"] = label_column(mineral, n)
    df["system"] = label_column(system, n)
    df["converged"] = True
    df.attrs.update(backend="phreeqc", database=dbmod.database_path(database).name)
    return df


# ------------------------------------------------------------------------------------------------------------
# speciation
def _speciation_block(i: int, temp_c: float, ph: float, mol: dict, kind: str, carbon_mmol: float) -> str:
    lines = [f"SOLUTION {i}", f" temp {_fmt(temp_c)}", " units mmol/kgw", f" pH {_fmt(ph)}"]
    for key, el in _TOT.items():
        v = mol.get(key, 0.0)
        if v > 0:
            lines.append(f" {el} {_fmt(v)}")
    if kind == "alk":
        lines.append(f" Alkalinity {_fmt(carbon_mmol)}")
    else:
        lines.append(f" C(4) {_fmt(carbon_mmol)}")
    return "\n".join(lines) + "\nEND\n"


def _run_rows(blocks: list[str], database: str) -> tuple[pd.DataFrame, dict]:
    """Run one simulation per block; on a PHREEQC error, rerun the blocks one by one to name the bad rows."""
    deck = _punch_block() + "END\n" + "".join(blocks)
    try:
        raw = last_rows(run(deck, database), len(blocks))
        if len(raw) == len(blocks):
            return raw, {}
    except PhreeqcRunError:
        pass
    rows, errors = [], {}
    for k, b in enumerate(blocks):
        try:
            r = last_rows(run(_punch_block() + "END\n" + b, database), 1)
            rows.append(r.iloc[0] if len(r) else None)
        except PhreeqcRunError as exc:
            rows.append(None)
            errors[k] = "PHREEQC: " + " ".join(str(exc).split())[:200]
    cols = next((r.index for r in rows if r is not None), None)
    if cols is None:
        return pd.DataFrame(), errors
    filled = [r if r is not None else pd.Series(np.nan, index=cols) for r in rows]
    return pd.DataFrame(filled).reset_index(drop=True), errors


def speciate_phreeqc(prep: dict, database: str = "phreeqc.dat"):
    """Speciate prepared samples (see :func:`chemistry.speciation.prepare`) with PHREEQC.

    Concentrations are passed as molalities (the same numbers the native solver uses) so that the comparison is
    about chemistry only. A free-HCO3- input is met by rescaling C(4) until MOL("HCO3-") matches (at most 12 runs).
    Returns (columns dict in mmol/L, {row: error text}).
    """
    n = prep["n"]
    ok = np.flatnonzero(prep["errors"] == "")
    carbon = prep["carbon_mol"] * 1000.0
    kinds = prep["carbon_kind"]
    c_in = {i: carbon[i] for i in ok}
    errors: dict[int, str] = {}
    raw = None
    for _ in range(12):
        blocks = [_speciation_block(1, prep["temp_c"][i], prep["ph"][i],
                                    {k: v[i] * 1000.0 for k, v in prep["mol"].items()},
                                    "alk" if kinds[i] == "alk" else "c", c_in[i]) for i in ok]
        if not blocks:
            break
        raw, errs = _run_rows(blocks, database)
        errors = {int(ok[k]): e for k, e in errs.items()}
        hco3_rows = [k for k, i in enumerate(ok) if kinds[i] == "hco3" and int(i) not in errors]
        if not hco3_rows:
            break
        worst = 0.0
        for k in hco3_rows:
            i = ok[k]
            got = float(raw["m_hco3"].iloc[k]) * 1000.0
            ratio = carbon[i] / got if got > 0 else 1.0
            worst = max(worst, abs(ratio - 1.0))
            c_in[i] = c_in[i] * ratio
        if worst < 1e-11:
            break
    cols: dict[str, np.ndarray] = {}
    if raw is not None and len(raw):
        got = _frame_from_punch(raw, "mmol_l", factor=prep["kgw_per_l"][ok])
        for k, v in got.items():
            arr = np.full(n, np.nan)
            arr[ok] = v
            cols[k] = arr
    return cols, errors
