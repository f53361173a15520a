"""Compare every output of the reaches between two versions of the code (the rule of issue 13: the same parameters
give the same discharge and chemistry to 1e-10 relative).

``dump`` runs the reaches of a case with the karstmodel found first on the path and pickles all of their outputs:
the sub-daily and daily tables and every number of the fate, fate detail, fates by reach and balances. ``compare``
prints, for the sub-daily and daily tables, the largest difference relative to each value (pointwise; it is large
only where a value crosses zero) and relative to each column's largest magnitude, with the columns where they occur
and how many values differ at all, and the largest relative difference of the scalars (rounding residuals of the
balances left out). Run ``dump`` once with the previous version first on ``PYTHONPATH`` (``git archive`` of it
unpacked elsewhere) and once with this tree.

    PYTHONPATH=/path/to/previous python validation/compare_reach_outputs.py dump kerschbaum before.pkl
    python validation/compare_reach_outputs.py dump kerschbaum after.pkl
    python validation/compare_reach_outputs.py compare before.pkl after.pkl

Cases: ``kerschbaum`` (the catchment's run_reaches: 16 years, a stream and a pond at 15-minute steps) and
``reservoir`` (:func:`interventions.reservoir_run`: a stratifying reservoir hourly over two years).
"""
from __future__ import annotations

import argparse
import os
import pickle
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def _numbers(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_numbers(v, f"{prefix}{k}/"))
        elif isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
            out[f"{prefix}{k}"] = float(v)
    return out


def run_case(name: str):
    if name == "kerschbaum":
        from karstmodel.config.catchment import load_catchment, resolve_catchment
        from karstmodel.model import simulate as S
        from karstmodel.model.stages import run_chain
        c = load_catchment(resolve_catchment("kerschbaum"))
        d = S.simulate(c, with_reaches=False).drivers.data
        state = S.initial_state(c, d)
        if c.warmup_days > 0:
            _, state = run_chain(c, d.iloc[: min(c.warmup_days, len(d))], state, stop_after="storage")
        run, _ = run_chain(c, d, state)
        return S.run_reaches(c, d, run)
    if name == "reservoir":
        from interventions import reservoir_run
        return reservoir_run()
    raise SystemExit(f"unknown case {name!r}: kerschbaum or reservoir")


def dump(case: str, path: str) -> None:
    res = run_case(case)
    scalars = _numbers({"fate": res.fate, "fate_detail": res.fate_detail, "fate_by_reach": res.fate_by_reach,
                        "balances": res.balances})
    with open(path, "wb") as f:
        pickle.dump({"subdaily": res.subdaily, "daily": res.daily, "scalars": scalars}, f)


def compare(path_a: str, path_b: str) -> float:
    with open(path_a, "rb") as f:
        a = pickle.load(f)
    with open(path_b, "rb") as f:
        b = pickle.load(f)
    worst = 0.0
    for key in ("subdaily", "daily"):
        ta, tb = a[key], b[key]
        if list(ta.columns) != list(tb.columns) or not ta.index.equals(tb.index):
            raise SystemExit(f"{key}: the tables have different columns or times")
        x, y = ta.to_numpy(dtype=float), tb.to_numpy(dtype=float)
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            raise SystemExit(f"{key}: missing values differ")
        diff = np.where(np.isnan(x), 0.0, np.abs(x - y))
        scale = np.nanmax(np.abs(x), axis=0)
        by_col = np.nanmax(diff, axis=0) / np.where(scale > 0, scale, 1.0)
        den = np.maximum(np.abs(x), np.abs(y))
        point = np.where(den > 0, diff / np.where(den > 0, den, 1.0), 0.0)
        j = int(np.argmax(point.max(axis=0)))
        k = int(np.argmax(by_col))
        print(f"{key}: {int((diff > 0).sum())} of {x.size} values differ; largest pointwise relative difference "
              f"{point.max():.2e} ({ta.columns[j]}), largest relative to the column's magnitude {by_col.max():.2e} "
              f"({ta.columns[k]})")
        worst = max(worst, float(by_col.max()))
    sa, sb = a["scalars"], b["scalars"]
    if sa.keys() != sb.keys():
        raise SystemExit("the fate and balance entries differ")
    rel, where = 0.0, None
    for k, u in sa.items():
        v = sb[k]
        if k.endswith("residual_mol") or k.endswith("relative_residual") or u == v or (u != u and v != v):
            continue
        d = abs(u - v) / max(abs(u), abs(v))
        if d > rel:
            rel, where = d, k
    print(f"fate and balances: largest relative difference {rel:.2e}" + (f" ({where})" if where else ""))
    return max(worst, rel)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("case", choices=("kerschbaum", "reservoir"))
    d.add_argument("out")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        dump(args.case, args.out)
    else:
        compare(args.a, args.b)


if __name__ == "__main__":
    main()
