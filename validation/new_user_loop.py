"""The new-user loop, timed: a hydrogeologist's own CSV file as downloaded -> ``init`` -> ``calibrate --minutes 3`` ->
``validate``, with the commands exactly as the README's "Your own data" section gives them.

The file is the CAMELS-GB daily record of the River Coln at Bibury (gauge 39020, 1999-2008; columns
``date,P_mm_d,PET_mm_d,T_degC,Q_mm_d``), shipped byte for byte in
``catchments/coln_bibury/as_downloaded/`` (provenance in ``catchments/coln_bibury/PROVENANCE.md``). It is copied
into an empty working folder under the name a user would have, and the three commands run there as subprocesses.
The script prints each step's wall time and what it checked: the split-sample validation of the calibrated model
(calibration and validation metrics of discharge), the HTML report and its figures, and the total against the
issue's 5-minute budget.

Usage: ``python validation/new_user_loop.py [--minutes 3] [--keep DIR]``
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "catchments" / "coln_bibury" / "as_downloaded" / "camelsgb_39020_Coln_at_Bibury_daily_1999_2008.csv"
USER_FILE = "39020_daily.csv"

#: the README's commands ("Your own data"), run in the working folder; {minutes} is the calibration budget
COMMANDS = (
    "karstmodel init coln --drivers 39020_daily.csv --observations 39020_daily.csv --discharge outlet "
    "--lat 51.76 --lon -1.83 --area-km2 106.7 --elevation-m 180 "
    "--land-use cropland=0.5,grassland=0.35,forest=0.1,urban=0.05 --lithology limestone=0.8,non_carbonate=0.2",
    "karstmodel calibrate coln --minutes {minutes} -o coln-calibrated",
    "karstmodel validate coln-calibrated/catchment.toml -o coln-validated",
)
BUDGET_S = 300.0


def _karstmodel() -> list:
    exe = Path(sys.executable).with_name("karstmodel")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "karstmodel"]


def run_loop(workdir: Path, minutes: float) -> dict:
    """Run the three commands in ``workdir``; return timings and the validation summary."""
    shutil.copyfile(SOURCE, workdir / USER_FILE)
    steps = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for template in COMMANDS:
        argv = shlex.split(template.format(minutes=f"{minutes:g}"))
        t0 = time.perf_counter()
        r = subprocess.run(_karstmodel() + argv[1:], cwd=workdir, capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t0
        steps.append({"command": " ".join(argv), "seconds": dt, "returncode": r.returncode,
                      "stdout": r.stdout, "stderr": r.stderr})
        if r.returncode != 0:
            raise SystemExit(f"FAILED ({r.returncode}): {' '.join(argv)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    val = json.loads((workdir / "coln-validated" / "summary.json").read_text())
    return {"steps": steps, "validation": val, "total_s": sum(s["seconds"] for s in steps)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=3.0, help="calibration budget (default 3, as the issue asks)")
    ap.add_argument("--keep", help="work in this (new) folder and keep it, instead of a temporary one")
    args = ap.parse_args(argv)
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=False)
        res = run_loop(work, args.minutes)
    else:
        with tempfile.TemporaryDirectory() as d:
            work = Path(d)
            res = run_loop(work, args.minutes)
            reports = sorted(p.relative_to(work).as_posix() for p in work.rglob("report.html"))
            res["reports"] = reports
    if args.keep:
        res["reports"] = sorted(p.relative_to(work).as_posix() for p in work.rglob("report.html"))
    print(f"new-user loop on {SOURCE.name} (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")
    for s in res["steps"]:
        print(f"  {s['seconds']:6.1f} s  {s['command']}")
    print(f"  {res['total_s']:6.1f} s  total (budget {BUDGET_S:.0f} s: {'met' if res['total_s'] <= BUDGET_S else 'NOT met'})")
    m = res["validation"]["metrics"]
    for period in ("calibration", "validation"):
        q = m.get(period, {}).get("q")
        if q:
            print(f"  {period:11s} discharge KGE {q['kge']:.3f}  NSE {q['nse']:.3f}  log-NSE {q['log_nse']:.3f}"
                  f"  PBIAS {q['pbias']:+.1f} %  (n = {q.get('n', '?')})")
    print(f"  split-sample validation: {'yes' if 'validation' in m else 'NO'}; "
          f"HTML reports: {', '.join(res['reports']) or 'none'}")
    return 0 if res["total_s"] <= BUDGET_S and "validation" in m else 1


if __name__ == "__main__":
    raise SystemExit(main())
