"""Indicators of a scenario run: honest labels of a change, ensemble intervals only as wide as the members support,
when the sink settles at its new state, and the catchment's response time from its karst stores
(docs/science.md, Scenarios)."""
from __future__ import annotations

import numpy as np
import pandas as pd

#: a change of the sink smaller than this share of the baseline sink is reported as "no change": 1e-6 is far
#: below any measurable change (the sink of a karst catchment is known to a few %) and above the round-off of a
#: run (1e-10 relative; the closed balances of docs/science.md)
NO_CHANGE_RELATIVE = 1e-6
#: the fewest members from which an empirical 5-95 % interval is reported; with fewer the interval is the range
#: (min-max) of the members, whose expected coverage is (n - 1) / (n + 1) (the share of the distribution between
#: the smallest and largest of n independent draws is Beta(n - 1, 2) distributed; Wilks 1941, Ann. Math. Stat.
#: 12:91): 19 members cover 90 % on average, so below 20 no quantile beyond the range can be estimated
MIN_MEMBERS_90 = 20
#: the new state is reached when the scenario's annual sink, relative to the baseline's of the same year (which
#: removes the weather), stays within this fraction of its mean over the final ``SETTLE_FINAL_YEARS`` years
SETTLE_TOLERANCE = 0.05
SETTLE_FINAL_YEARS = 3


def time_to_new_state(baseline_annual: pd.Series, scenario_annual: pd.Series, start_year: int,
                      tolerance: float = SETTLE_TOLERANCE, final_years: int = SETTLE_FINAL_YEARS) -> dict:
    """When the scenario's sink settles: the ratio scenario / baseline of each year's sink (the baseline of the same
    year removes the weather) is compared with its mean over the final ``final_years`` years; the new state is
    reached in the first year from which every later year stays within ``tolerance`` (a fraction of the baseline
    sink) of that mean. It is only shown when at least one year before the final window qualifies; otherwise the
    record ends before the sink has settled. Returns ``year``, ``years_after_start`` (None when not shown),
    ``reached`` and a ``note``."""
    yrs = baseline_annual.index.intersection(scenario_annual.index)
    b, s = baseline_annual.loc[yrs], scenario_annual.loc[yrs]
    ratio = (s / b.where(b.abs() > 0)).dropna()
    ratio = ratio[ratio.index >= start_year]
    rule = (f"annual sink relative to the baseline's within {tolerance:.0%} of its mean over the final "
            f"{final_years} years")
    if len(ratio) <= final_years:
        return {"year": None, "years_after_start": None, "reached": False,
                "note": f"not shown: only {len(ratio)} year(s) after the change starts ({rule})"}
    final = float(ratio.iloc[-final_years:].mean())
    off = (ratio - final).abs() > tolerance
    bad = np.flatnonzero(off.to_numpy())
    first = 0 if not bad.size else int(bad[-1]) + 1
    if first >= len(ratio) - final_years:
        return {"year": None, "years_after_start": None, "reached": False,
                "note": f"not reached within the record: the sink still moves in the final years ({rule})"}
    year = int(ratio.index[first])
    note = f"settled from {year} on ({rule})"
    if abs(final - 1.0) < 2.0 * tolerance:
        note += (f"; the whole change ({final - 1.0:+.1%} of the baseline) is less than twice this band, so the time "
                 "to 90 % of the change is the better measure")
    return {"year": year, "years_after_start": year - start_year, "reached": True, "note": note}


def response_time(ts: pd.DataFrame) -> dict:
    """Turnover time (mean storage / mean outflow, years) of the karst matrix, the conduits and the non-karst
    groundwater of a run, and their shares of the water leaving the catchment (outlet runoff, else the spring). A
    well-mixed store answers a step change of its input composition with an exponential approach of this time
    constant (63 % after one, 95 % after three; the exponential model of Maloszewski & Zuber 1982, J. Hydrol.
    57:207). The catchment's response time is the longest turnover time of a store carrying at least 5 % of the
    water."""
    out = {}
    total_col = "outlet_runoff_mm" if "outlet_runoff_mm" in ts.columns else "spring_mm"
    total = float(ts[total_col].mean()) if total_col in ts.columns else 0.0
    slowest = 0.0
    for name, store, outflow in (("matrix", "matrix_mm", "matrix_out_mm"), ("conduit", "conduit_mm", "conduit_out_mm"),
                                 ("nonkarst_groundwater", "nonkarst_baseflow_store_mm", "nonkarst_baseflow_mm")):
        if store not in ts.columns or outflow not in ts.columns:
            continue
        q, st = float(ts[outflow].mean()), float(ts[store].mean())
        tau = st / q / 365.25 if q > 0 else (float("inf") if st > 0 else 0.0)
        share = min(q / total, 1.0) if total > 0 else 0.0
        out[name] = {"storage_mm": st, "outflow_mm_d": q, "turnover_years": tau, "share_of_outflow": share}
        if share >= 0.05 and np.isfinite(tau):
            slowest = max(slowest, tau)
    out["store_response_years"] = slowest
    return out


def interval(values: np.ndarray) -> dict:
    """Median and interval of an ensemble column under the rule of :data:`MIN_MEMBERS_90`."""
    v = np.asarray(values, dtype=float)
    n = v.size
    if n >= MIN_MEMBERS_90:
        q = np.quantile(v, [0.05, 0.5, 0.95])
        return {"median": float(q[1]), "lo": float(q[0]), "hi": float(q[2]), "p05": float(q[0]),
                "p95": float(q[2]), "kind": "90 % interval (5th-95th percentile of the members)", "coverage": 0.9}
    cov = (n - 1) / (n + 1)
    return {"median": float(np.median(v)), "lo": float(v.min()), "hi": float(v.max()),
            "kind": f"range of {n} members (min-max; expected coverage {cov:.0%}; a 90 % interval needs "
                    f">= {MIN_MEMBERS_90} members)", "coverage": cov}


def change_label(delta: float, baseline: float, interval: dict | None = None) -> str:
    """Honest words for a change of the sink: "no change" when |delta| <= :data:`NO_CHANGE_RELATIVE` x |baseline|,
    "uncertain sign" when the ensemble interval of the change spans zero, else "larger sink" / "smaller sink"."""
    tol = NO_CHANGE_RELATIVE * abs(baseline) + 1e-12
    if not np.isfinite(delta) or abs(delta) <= tol:
        return "no change"
    if interval is not None and interval["lo"] < -tol and interval["hi"] > tol:
        return "uncertain sign"
    return "larger sink" if delta > 0 else "smaller sink"
