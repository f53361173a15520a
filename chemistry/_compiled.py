"""Compiled building blocks shared by the compiled engines (:mod:`chemistry._kernel`, :mod:`chemistry._fused`,
:mod:`chemistry.carbonate`).

:func:`njit` is numba's ``njit`` with an on-disk cache, or a no-op decorator when numba is not installed (the same
code then runs as plain Python); :data:`AVAILABLE` says which. The helpers are the pieces the engines have in
common: the activity model (:func:`chemistry.thermo.activity_parameters`, compiled), the dense linear solve of a
Newton step (:func:`lin_solve`) and PHREEQC's analytical expression of log K(T)
(:func:`log_k_analytic`; Parkhurst & Appelo 2013, USGS TM 6-A43, ``-analytical_expression``, the same six terms
as :func:`chemistry.database.temperature_basis`).
"""
from __future__ import annotations

import math

from . import thermo

try:
    from numba import njit as _numba_njit
    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False


def njit(*args, **kwargs):
    """numba.njit with ``cache=True`` by default; without numba, the undecorated function."""
    if AVAILABLE:
        kwargs.setdefault("cache", True)
        return _numba_njit(*args, **kwargs)
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


#: the activity model of :func:`chemistry.thermo.activity_parameters` and :func:`chemistry.thermo.log_gamma_unified`
#: for scalars (the same functions, compiled)
activity_parameters_one = njit(inline="always")(thermo.activity_parameters)
log_gamma_one = njit(inline="always")(thermo.log_gamma_unified)
dlog_gamma_one = njit(inline="always")(thermo.dlog_gamma_unified)


@njit(inline="always")
def log_k_analytic(coef, tk):
    """log10 K at ``tk`` (K) from the six coefficients a + b T + c / T + d log10 T + e / T^2 + f T^2."""
    return (coef[0] + coef[1] * tk + coef[2] / tk + coef[3] * math.log10(tk) + coef[4] / (tk * tk)
            + coef[5] * tk * tk)


@njit(cache=True, fastmath=False, error_model="numpy")
def lin_solve(a, b, nd, out):
    """Solve a d = b (nd x nd; a and b are overwritten) as the numpy engine does (:func:`chemistry.water._solve_small`):
    Cramer's rule for nd <= 2, Gaussian elimination with partial pivoting otherwise. Used by every compiled engine."""
    if nd == 1:
        out[0] = b[0] / a[0, 0]
        return
    if nd == 2:
        det = a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
        out[0] = (a[1, 1] * b[0] - a[0, 1] * b[1]) / det
        out[1] = (a[0, 0] * b[1] - a[1, 0] * b[0]) / det
        return
    for k in range(nd - 1):
        piv = k
        best = abs(a[k, k])
        for r in range(k + 1, nd):
            v = abs(a[r, k])
            if v > best:
                best = v
                piv = r
        if piv != k:
            for c in range(nd):
                t = a[k, c]
                a[k, c] = a[piv, c]
                a[piv, c] = t
            t = b[k]
            b[k] = b[piv]
            b[piv] = t
        for r in range(k + 1, nd):
            fac = a[r, k] / a[k, k]
            for c in range(nd):
                a[r, c] -= fac * a[k, c]
            b[r] -= fac * b[k]
    for k in range(nd - 1, -1, -1):
        s = 0.0
        for c in range(k + 1, nd):
            s += a[k, c] * out[c]
        out[k] = (b[k] - s) / a[k, k]
