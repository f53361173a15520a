"""Helpers shared by the benchmark scripts."""
from __future__ import annotations

import os


def load_average() -> str:
    """The machine's 1, 5 and 15-minute load averages and core count, printed by every benchmark: on a shared machine
    other jobs slow every number."""
    try:
        a, b, c = os.getloadavg()
        return f"load average {a:.2f} {b:.2f} {c:.2f} on {os.cpu_count()} cores"
    except OSError:  # pragma: no cover
        return "load average n/a"
