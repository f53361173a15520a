"""``karstmodel speciate``: speciate the water samples of a CSV file (argument handling and printing only)."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

import chemistry

from ..io.files import read_csv, write_csv_atomic


def register(sub) -> None:
    """The ``speciate`` command and its options."""
    s = sub.add_parser("speciate", help="speciate water samples from a CSV (pCO2, SI, species, DIC, charge balance)",
                       description="Speciate measured samples. Required columns: temp_c, ph; carbon from one of "
                       "hco3_mg_l (free HCO3-), alk_mg_l_caco3, alk_meq_l, dic_mg_c_l; optional ions ca_mg_l, "
                       "mg_mg_l, na_mg_l, k_mg_l, cl_mg_l, so4_mg_l, no3_mg_l. Other columns pass through. A value "
                       "written <L is below the detection limit and taken as L/2; a cell that is not a number "
                       "fails only its row (NaN outputs and a reason in speciation_error). 0-100 C. The file may be "
                       "comma-, semicolon- or tab-separated, with decimal commas in a ';' or tab file (detected, "
                       "reported on stderr).")
    s.add_argument("input", help="input CSV (',', ';' or tab; decimal commas detected)")
    s.add_argument("-o", "--output", help="output CSV (default: standard output)")
    s.add_argument("--backend", choices=["native", "phreeqc"], default="native",
                   help="native solver (default) or PHREEQC through phreeqpy, same database")
    s.add_argument("--database", default="phreeqc.dat", help="shipped database name or path (default: the pinned "
                   "PHREEQC 3.7.3 phreeqc.dat)")
    s.set_defaults(func=cmd_speciate)


def _lines(rows: np.ndarray, limit: int = 5) -> str:
    """File lines (header = line 1) of 0-based data rows, at most ``limit`` of them."""
    lines = [str(int(r) + 2) for r in rows[:limit]]
    return ("line " if len(rows) == 1 else "lines ") + ", ".join(lines) + (", ..." if len(rows) > limit else "")


def cmd_speciate(args) -> int:
    """Speciate the samples of the input CSV; rows that fail are reported with their file lines."""

    samples = read_csv(args.input, dialects=True)  # ';'/tab and decimal commas as for drivers
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        out = chemistry.speciate(samples, backend=args.backend, database=args.database, source=str(args.input))
    err = out["speciation_error"].to_numpy()
    nbad = int((err != "").sum())
    if args.output:
        write_csv_atomic(out, args.output, protect=[args.input])
        print(f"wrote {args.output}: {len(out)} samples, {len(out) - nbad} speciated "
              f"({args.backend}, {Path(out.attrs.get('database', args.database)).name})", file=sys.stderr)
    else:
        out.to_csv(sys.stdout, index=False)
    for w in caught:
        print(f"karstmodel speciate: warning: {w.message}", file=sys.stderr)
    for col, count in out.attrs.get("censored", {}).items():
        print(f"karstmodel speciate: {args.input}: {count} value(s) of {col} below the detection limit ('<L'), "
              "taken as half the limit (see column speciation_warning)", file=sys.stderr)
    if nbad:
        reasons = {}
        for i in np.flatnonzero(err != ""):
            reasons.setdefault(err[i], []).append(i)
        print(f"{args.input}: {nbad} row(s) could not be speciated (NaN outputs; see column speciation_error): "
              + "; ".join(f"{r} ({_lines(np.array(rows))})" for r, rows in reasons.items()), file=sys.stderr)
    return 0
