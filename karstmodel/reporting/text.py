"""Numbers and labels as they appear in report text and figure annotations ("n/a" for a missing value)."""
from __future__ import annotations

import numpy as np


def _fmt(v, nd=2):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{nd}f}"


def _sig(v, n=3):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{n}g}"


def _ratio_label(name: str) -> str:
    return {"ca_mg_over_hco3": "(Ca+Mg)/HCO3", "ca_over_hco3": "Ca/HCO3"}.get(name, name)
