"""``karstmodel validate``: metrics, figures and a report for a catchment, a station or a folder of stations as it
stands (argument handling and printing only)."""
from __future__ import annotations

from pathlib import Path

import sys

from ..config.catchment import is_bundled, load_catchment, resolve_catchment
from ..config.period import parse_period
from ..io.files import atomic_output_dir, default_output_dir, owning, read_marker
from .options import add_overwrite, add_reading, no_reading_for_stations, owner, with_reading
from .printing import print_metrics, print_station
from .process import imports_done


def register(sub) -> None:
    """The ``validate`` command and its options."""
    v = sub.add_parser("validate", help="metrics and figures for a catchment or station as it stands",
                       description="Simulate the catchment and compare with its observations (discharge and any "
                       "chemistry columns): KGE, NSE, log-NSE, PBIAS per variable and period, figures, report.md.")
    v.add_argument("catchment", nargs="?", default=None,
                   help="catchment or station file, folder or bundled name (default: the bundled default catchment)")
    v.add_argument("--calibration", help="calibration period START:END (default: from the catchment file)")
    v.add_argument("--validation", help="validation period START:END (default: from the catchment file)")
    v.add_argument("-o", "--output", help="output folder (default: karstmodel-output/<name>-validate)")
    v.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    add_overwrite(v)
    add_reading(v)
    v.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:
    """Validate a folder of stations, a station or a catchment against its observations; print the metrics."""
    from ..reporting.figure_jobs import default_workers  # deferred: heavy (karstmodel.cli)
    from ..reporting.outputs import catchment_inputs  # deferred: heavy (karstmodel.cli)
    from ..workflows.report import validate_catchment  # deferred: heavy (karstmodel.cli)
    from ..workflows.stations.summary import resolve_station_group, summarise_station_group  # deferred: heavy (karstmodel.cli)
    from ..workflows.stations import is_station, validate_station  # deferred: heavy (karstmodel.cli)
    imports_done()
    group = resolve_station_group(args.catchment)
    if group is not None:
        no_reading_for_stations(args)  # a folder of stations (e.g. thames_tributaries): every station and one table
        with owning(owner(args, "validate", group)):
            res = summarise_station_group(group, Path(args.output) if args.output else None,
                                          figures=not args.no_figures, calibration=args.calibration,
                                          validation=args.validation)
        print(f"karstmodel validate: {len(res['table'])} stations in {group}")
        print(Path(res["files"]["md"]).read_text(encoding="utf-8"))
        print(f"  wrote {res['output_dir']}/ (stations_summary.csv, stations_summary.md, one folder per station)")
        return 0
    path = resolve_catchment(args.catchment)
    if is_station(path):
        no_reading_for_stations(args)
        with owning(owner(args, "validate", path)):
            summary = validate_station(path, Path(args.output) if args.output else None,
                                       figures=not args.no_figures, calibration=args.calibration,
                                       validation=args.validation)
        print_station(summary, "validate")
        return 0
    c = with_reading(args, load_catchment(path))
    outdir = Path(args.output) if args.output else default_output_dir(c.name, "-validate")
    periods = (parse_period(args.calibration, "--calibration"), parse_period(args.validation, "--validation"))
    warning = uncalibrated_warning(path)
    with atomic_output_dir(outdir, protect=catchment_inputs(c), owner=owner(args, "validate", path)) as tmp:
        s = validate_catchment(c, tmp, periods, figures=not args.no_figures, warnings=(warning,) if warning else (),
                               figure_workers=0 if args.no_figures else default_workers())
    print(f"karstmodel validate: {c.name}: sink {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1, "
          f"water balance {s['water_balance_error']:.1e}, carbon balance {s['carbon_balance_error']:.1e}")
    print_metrics(s)
    print(f"  wrote {outdir}/ (summary.json, report.html, report.md, figures)")
    if warning:
        print(f"karstmodel validate: warning: {warning}", file=sys.stderr)
    return 0


def uncalibrated_warning(path: Path) -> str | None:
    """The warning for a catchment file that ``karstmodel calibrate`` did not write, or None. A calibrated file is
    the ``catchment.toml`` in a folder whose marker (:data:`karstmodel.io.files.MARKER`) says ``calibrate``; a
    bundled catchment carries parameters from a documented calibration (its file's header) and is not warned about."""
    rec = read_marker(Path(path).parent)
    if (rec is not None and rec.get("command") == "calibrate") or is_bundled(path):
        return None
    return (f"{path} was never calibrated (it was not written by `karstmodel calibrate`): these metrics score its "
            f"parameters as they stand; run `karstmodel calibrate {path}` and validate the catchment.toml it writes")

