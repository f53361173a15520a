"""Printing of the results that ``validate`` and ``calibrate`` share: goodness of fit per period and variable, and
a station's summary lines."""
from __future__ import annotations


def print_metrics(summary: dict):
    """Goodness of fit per period and variable (with the C-Q rating benchmark where there is one) and the sink at
    the gauge."""
    bench = summary.get("benchmark", {})
    for period, block in summary.get("metrics", {}).items():
        for var, m in block.items():
            line = (f"  {period:<11s} {var:<12s} n={m['n']:<5d} KGE {m['kge']:.3f}  NSE {m['nse']:.3f}  "
                    f"log-NSE {m['log_nse']:.3f}  PBIAS {m['pbias']:+.1f} %")
            b = bench.get(period, {}).get(var)
            if b is not None:
                line += f"   | C-Q rating: KGE {b['kge']:.3f}  NSE {b['nse']:.3f}  PBIAS {b['pbias']:+.1f} %"
            print(line)
    sink = summary.get("carbon_sink_tc_km2_yr")
    if sink is not None and "outlet" in summary and summary.get("accounting", "").startswith("outlet based (gauge"):
        o = summary["outlet"]
        print(f"  sink at the gauge (best fit) {sink:.2f} t C km-2 yr-1; carbonic-acid share of DIC "
              f"{o['carbonic_share_of_dic']:.3f}")


def print_station(s: dict, verb: str):
    """The summary lines of a station run by ``validate`` or ``calibrate`` (``verb``)."""
    print(f"karstmodel {verb}: station {s['station']} ({s['kind']})")
    for line in s.get("lines", []):
        print("  " + line)
    if "output_dir" in s:
        print(f"  wrote {s['output_dir']}/ (summary.json, report.md, figures)")
