"""Goodness of fit of station predictions against the samples: the metrics reported and the calibration loss."""
from __future__ import annotations

import numpy as np

from ...accounting import metrics as M


def _metrics(pred, obs, mask) -> dict:
    """karstmodel.accounting.metrics.all_metrics plus the Pearson correlation r (the KGE component that a level
    parameter such as pco2_factor cannot change)."""
    p, o = np.asarray(pred, float)[mask], np.asarray(obs, float)[mask]
    out = M.all_metrics(p, o)
    ok = np.isfinite(p) & np.isfinite(o)
    out["r"] = float(np.corrcoef(p[ok], o[ok])[0, 1]) if ok.sum() > 2 and p[ok].std() > 0 and o[ok].std() > 0 \
        else float("nan")
    return out


def _objective_value(pred: np.ndarray, obs: np.ndarray, objective: str) -> float:
    """Calibration loss: 1 - KGE or 1 - NSE (10 where undefined), or the RMSE (1e3 where undefined)."""
    if objective == "kge":
        m = M.kge(pred, obs)
        return 1.0 - m if np.isfinite(m) else 10.0
    if objective == "nse":
        m = M.nse(pred, obs)
        return 1.0 - m if np.isfinite(m) else 10.0
    m = M.rmse(pred, obs)
    return m if np.isfinite(m) else 1e3
