"""``karstmodel equilibrate``: pure water equilibrated with CO2 and calcite and/or dolomite (argument handling and
printing only)."""
from __future__ import annotations

import sys

import numpy as np

import chemistry
from chemistry.errors import InputError

from ..io.files import write_csv_atomic
from .errors import UserError


def register(sub) -> None:
    """The ``equilibrate`` command and its options."""
    e = sub.add_parser("equilibrate", help="equilibrate water with CO2 and calcite/dolomite",
                       description="Pure water equilibrated with CO2 at log pCO2 and calcite and/or dolomite. "
                       "Values may be comma-separated lists (broadcast against each other).")
    e.add_argument("--temp-c", required=True, help="temperature, deg C (0-100), e.g. 10 or 5,10,15")
    e.add_argument("--log-pco2", required=True, help="log10 pCO2 (atm), e.g. -2 or -2,-3,-1")
    e.add_argument("--mineral", choices=["calcite", "dolomite", "both"], default="calcite",
                   help="mineral(s) the water equilibrates with (default calcite)")
    e.add_argument("--system", choices=["open", "closed", "mixed"], default="open",
                   help="open: CO2 held at --log-pco2; closed: the CO2 dissolved at --log-pco2 first, then no more gas; "
                        "mixed: a finite gas volume (--gas-water-ratio) (default open)")
    e.add_argument("--gas-water-ratio", type=float, help="litres of gas per kg water (system mixed)")
    e.add_argument("--backend", choices=["native", "phreeqc"], default="native",
                   help="native solver (default) or PHREEQC through phreeqpy, same database")
    e.add_argument("--database", default="phreeqc.dat",
                   help="shipped database name or path (default: the pinned phreeqc.dat of PHREEQC 3.7.3)")
    e.add_argument("-o", "--output", help="output CSV (default: a table on standard output)")
    e.set_defaults(func=cmd_equilibrate)


def _floats(text: str, name: str) -> np.ndarray:
    try:
        vals = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise UserError(f"--{name}: expected a number or comma-separated numbers, got {text!r}") from None
    if not vals:
        raise UserError(f"--{name}: no value given")
    return np.array(vals)



def cmd_equilibrate(args) -> int:
    """Equilibrate pure water at the given temperatures and pCO2 (lists broadcast) and print or write the table."""
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
