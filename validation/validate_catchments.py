"""Split-sample calibration and validation of the bundled discharge catchments, with reports.

For each catchment (default: kerschbaum, sitter_appenzell, coln_bibury, brathay) runs what
``karstmodel calibrate NAME`` runs - differential evolution on the calibration period of the catchment file,
validation on its validation period, GLUE uncertainty of discharge and of the carbon sink - and writes
validation/output/<name>/ (report.md, summary.json with the metrics block, figures, the calibrated catchment.toml).
Prints the validation-period metrics.

    python validation/validate_catchments.py [NAME ...] [--maxiter 60] [--workers 2] [--glue-samples 2000]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from karstmodel.workflows.calibration import setup_from_catchment  # noqa: E402
from karstmodel.config.catchment import load_catchment, resolve_catchment  # noqa: E402
from karstmodel.workflows.report import calibrate_catchment  # noqa: E402

DEFAULT = ("kerschbaum", "sitter_appenzell", "coln_bibury", "brathay")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*", default=list(DEFAULT))
    ap.add_argument("--maxiter", type=int)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--glue-samples", type=int, default=2000)
    ap.add_argument("--sensitivity", default="none", choices=["none", "morris", "sobol"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "output"))
    args = ap.parse_args(argv)
    rows = []
    for name in args.names:
        c = load_catchment(resolve_catchment(name))
        setup = setup_from_catchment(c, c.calibration, {"maxiter": args.maxiter, "workers": args.workers})
        s = calibrate_catchment(c, setup, Path(args.out) / name, uncertainty="glue", glue_samples=args.glue_samples,
                                sensitivity_method=args.sensitivity, progress=True)
        for period in ("calibration", "validation"):
            m = s["metrics"].get(period, {}).get("q")
            if m:
                rows.append((name, period, m["kge"], m["nse"], m["log_nse"], m["pbias"], m["n"]))
        u = s.get("uncertainty", {}).get("carbon_sink_tc_km2_yr", {})
        print(f"{name}: sink {s['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1 (GLUE median {u.get('median', float('nan')):.2f}, "
              f"90 % {u.get('p05', float('nan')):.2f}..{u.get('p95', float('nan')):.2f}); area {s['area_km2']:.3g} km2")
    print(f"{'catchment':<18s} {'period':<12s} {'KGE':>6s} {'NSE':>6s} {'logNSE':>7s} {'PBIAS%':>7s} {'n':>6s}")
    for r in rows:
        print(f"{r[0]:<18s} {r[1]:<12s} {r[2]:6.3f} {r[3]:6.3f} {r[4]:7.3f} {r[5]:7.1f} {r[6]:6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
