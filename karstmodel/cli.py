"""Command line: argument parsing and error reporting only; all science is in the modules it calls."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from chemistry.errors import InputError


class UserError(Exception):
    """Raised for a user mistake; printed as one line, exit code 2."""


def _floats(text: str, name: str) -> np.ndarray:
    try:
        vals = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise UserError(f"--{name}: expected a number or comma-separated numbers, got {text!r}") from None
    if not vals:
        raise UserError(f"--{name}: no value given")
    return np.array(vals)


# ------------------------------------------------------------------------------------------------------------
def _lines(rows: np.ndarray, limit: int = 5) -> str:
    """File lines (header = line 1) of 0-based data rows, at most ``limit`` of them."""
    lines = [str(int(r) + 2) for r in rows[:limit]]
    return ("line " if len(rows) == 1 else "lines ") + ", ".join(lines) + (", ..." if len(rows) > limit else "")


def cmd_speciate(args) -> int:
    import warnings

    import chemistry
    from .io import read_csv, write_csv_atomic
    samples = read_csv(args.input)
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


def cmd_equilibrate(args) -> int:
    import chemistry
    from .io import write_csv_atomic
    t = _floats(args.temp_c, "temp-c")
    lp = _floats(args.log_pco2, "log-pco2")
    try:
        t, lp = np.broadcast_arrays(t, lp)
    except ValueError:
        raise UserError("--temp-c and --log-pco2 must have the same number of values (or one of them one value)") from None
    kw = {}
    if args.gas_water_ratio is not None:
        kw["gas_water_ratio"] = args.gas_water_ratio
    try:
        df = chemistry.equilibrate(t, 10.0 ** lp, mineral=args.mineral, system=args.system, backend=args.backend,
                                   database=args.database, **kw)
    except InputError as exc:
        option = {"temp_c": "--temp-c", "pco2_atm": "--log-pco2"}.get(exc.column)
        if option and exc.index is not None:  # a position in the broadcast lists: value k (1-based) of the option
            value = (t if option == "--temp-c" else lp)[exc.index]
            raise UserError(f"{option}: value {exc.index + 1} of the list ({value:g}): {exc.message}") from None
        raise
    if args.output:
        write_csv_atomic(df, args.output)
        print(f"wrote {args.output}: {len(df)} rows", file=sys.stderr)
    else:
        cols = ["temp_c", "pco2_atm", "ph", "ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "hco3_mmol_kgw",
                "alk_meq_kgw", "si_calcite", "si_dolomite", "log_pco2", "ionic_strength"]
        print(df[cols].to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    return 0


# ------------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="karstmodel", description="Karst carbon-cycle model: carbonate chemistry, "
                                "catchment simulation and the karst carbon sink.")
    from . import __version__
    p.add_argument("--version", action="version", version=f"karstmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("speciate", help="speciate water samples from a CSV (pCO2, SI, species, DIC, charge balance)",
                       description="Speciate measured samples. Required columns: temp_c, ph; carbon from one of "
                       "hco3_mg_l (free HCO3-), alk_mg_l_caco3, alk_meq_l, dic_mg_c_l; optional ions ca_mg_l, "
                       "mg_mg_l, na_mg_l, k_mg_l, cl_mg_l, so4_mg_l, no3_mg_l. Other columns pass through. A value "
                       "written <L is below the detection limit and taken as L/2; a cell that is not a number "
                       "fails only its row (NaN outputs and a reason in speciation_error). 0-100 C.")
    s.add_argument("input", help="input CSV")
    s.add_argument("-o", "--output", help="output CSV (default: standard output)")
    s.add_argument("--backend", choices=["native", "phreeqc"], default="native")
    s.add_argument("--database", default="phreeqc.dat", help="shipped database name or path (default: the pinned "
                   "PHREEQC 3.7.3 phreeqc.dat)")
    s.set_defaults(func=cmd_speciate)

    e = sub.add_parser("equilibrate", help="equilibrate water with CO2 and calcite/dolomite",
                       description="Pure water equilibrated with CO2 at log pCO2 and calcite and/or dolomite. "
                       "Values may be comma-separated lists (broadcast against each other).")
    e.add_argument("--temp-c", required=True, help="temperature, deg C (0-100), e.g. 10 or 5,10,15")
    e.add_argument("--log-pco2", required=True, help="log10 pCO2 (atm), e.g. -2 or -2,-3,-1")
    e.add_argument("--mineral", choices=["calcite", "dolomite", "both"], default="calcite")
    e.add_argument("--system", choices=["open", "closed", "mixed"], default="open")
    e.add_argument("--gas-water-ratio", type=float, help="litres of gas per kg water (system mixed)")
    e.add_argument("--backend", choices=["native", "phreeqc"], default="native")
    e.add_argument("--database", default="phreeqc.dat")
    e.add_argument("-o", "--output", help="output CSV (default: a table on standard output)")
    e.set_defaults(func=cmd_equilibrate)

    _add_model_commands(sub)
    return p


def _add_model_commands(sub):
    """Catchment-model commands (run, ...) are registered by their modules when present."""
    try:
        from . import commands
    except ImportError:
        return
    commands.register(sub)


#: options whose value is a number or a comma-separated list of numbers, which may start with '-'
_NUMBER_LIST_OPTIONS = ("--temp-c", "--log-pco2")
_NUMBER_LIST = re.compile(r"^-[\d.]")


def _join_number_lists(argv: list) -> list:
    """``--log-pco2 -2,-3`` -> ``--log-pco2=-2,-3``: argparse takes a value that starts with '-' and is not a plain
    number (a list such as -2,-3) for an option, and fails with "expected one argument"."""
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in _NUMBER_LIST_OPTIONS and i + 1 < len(argv) and _NUMBER_LIST.match(str(argv[i + 1])):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_number_lists(list(sys.argv[1:] if argv is None else argv)))
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (InputError, UserError) as exc:
        print(f"karstmodel {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # output folders are left as they were (karstmodel.io.atomic_output_dir)
        print(f"karstmodel {args.command}: interrupted; output folder left as it was", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == 143:  # SIGTERM while writing an output folder (karstmodel.io.atomic_output_dir)
            print(f"karstmodel {args.command}: terminated; output folder left as it was", file=sys.stderr)
        raise
    except Exception as exc:  # known user-facing failures from the libraries
        from chemistry.database import DatabaseError
        from chemistry.phreeqc import PhreeqcDatabaseError
        if isinstance(exc, (DatabaseError, PhreeqcDatabaseError, FileNotFoundError, PermissionError)):
            print(f"karstmodel {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
