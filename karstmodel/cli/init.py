"""``karstmodel init``: scaffold a catchment folder from the user's drivers and observations (argument handling and
printing only)."""
from __future__ import annotations

import tomllib
from pathlib import Path


def register(sub) -> None:
    """The ``init`` command and its options."""
    i = sub.add_parser("init", help="scaffold a new catchment folder from your drivers and observations",
                       description="Create DIR with catchment.toml (documented defaults) and copies of the CSVs. "
                       "Drivers CSV: date, precip_mm, temp_c [, pet_mm]; observations CSV: date and q_m3_s, q_l_s or "
                       "q_mm_d and any unit-named chemistry columns; other names through --columns or recognised when "
                       "they state their unit (P_mm_d, T_degC, Q_mm_d, ...). Comma, semicolon or tab delimiters, "
                       "decimal commas and day-first dates are detected where the file shows them (reported). With observations, [calibration] gets default split-sample "
                       "periods: after the 365-day warm-up, the first 60 % of the days with observed discharge "
                       "calibrate, the rest validate (at least 100 such days are needed).")
    i.add_argument("dir", help="new catchment folder to create (a new or an empty folder)")
    i.add_argument("--drivers", required=True,
                   help="daily forcing CSV: date, precip_mm, temp_c (pet_mm optional: else Oudin PET)")
    i.add_argument("--observations",
                   help="observations CSV: date and discharge (q_m3_s, q_l_s or q_mm_d), optional chemistry")
    i.add_argument("--lat", type=float, required=True, help="latitude, decimal degrees north (-90 to 90)")
    i.add_argument("--lon", type=float, required=True, help="longitude, decimal degrees east (-180 to 180)")
    i.add_argument("--area-km2", type=float, required=True, help="catchment (recharge) area, km2")
    i.add_argument("--elevation-m", type=float, default=0.0, help="mean elevation, m above sea level (default 0)")
    i.add_argument("--land-use", help="e.g. forest=0.6,grassland=0.4")
    i.add_argument("--lithology", help="e.g. limestone=0.8,non_carbonate=0.2")
    i.add_argument("--name", help="catchment name (default: the folder name)")
    i.add_argument("--columns", metavar="FILE_COL=MODEL_COL,...",
                   help="map your files' column names to the model's, e.g. P_mm_d=precip_mm,T_degC=temp_c,"
                        "Q_mm_d=q_mm_d (model columns: date, precip_mm, temp_c, pet_mm, tmin_c, tmax_c; q_mm_d, q_m3_s, "
                        "q_l_s and the chemistry columns). Names that state their unit (P_mm_d, T_degC, Q_m3_s, ...) "
                        "are recognised without it; written to catchment.toml as [drivers.columns] / "
                        "[observations.columns]")
    i.add_argument("--date-format", metavar="FORMAT",
                   help="strftime format of the date column when the file cannot show the day/month order, e.g. "
                        "%%d.%%m.%%Y (default: ISO dates, or day-/month-first detected from days above 12); "
                        "written to catchment.toml as date_format")
    i.add_argument("--discharge", choices=["spring", "outlet"], default="spring",
                   help="what the observed discharge measures: a karst spring, or a river gauge (outlet: spring and "
                        "non-karst runoff, routed) (default spring)")
    i.set_defaults(func=cmd_init)


def cmd_init(args) -> int:
    """Write a new catchment folder from the user's CSVs and print what to run next."""
    from ..workflows.init import WARMUP_DAYS, init_catchment  # deferred: heavy (karstmodel.cli)
    path = init_catchment(args.dir, args.drivers, args.lat, args.lon, args.area_km2, args.observations,
                          args.land_use, args.lithology, args.elevation_m, args.name, args.discharge,
                          columns=args.columns, date_format=args.date_format)
    print(f"karstmodel init: wrote {path} (+ drivers.csv{', observations.csv' if args.observations else ''})")
    cal = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("calibration", {})
    if "calibration_period" in cal:
        print(f"  split-sample periods: after the {WARMUP_DAYS}-day warm-up, the first 60 % of the days with observed "
              f"discharge\n  calibrate, the rest validate (edit [calibration] in catchment.toml to change them):\n"
              f"    calibration_period = {cal['calibration_period']}\n"
              f"    validation_period  = {cal['validation_period']}")
    print(f"  next: karstmodel run {args.dir} / karstmodel calibrate {args.dir}")
    return 0
