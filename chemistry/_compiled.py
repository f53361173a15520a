"""Compiled building blocks shared by the compiled engines (:mod:`chemistry._kernel`, :mod:`chemistry._fused`,
:mod:`chemistry.carbonate`).

:func:`njit` is numba's ``njit`` with an on-disk cache, or a no-op decorator when numba is not installed (the same
code then runs as plain Python); :data:`AVAILABLE` says which. The helpers are the pieces the engines have in
common: the activity model (:func:`chemistry.thermo.activity_parameters`, compiled), the dense linear solve of a
Newton step (:func:`lin_solve`), PHREEQC's analytical expression of log K(T) (:func:`log_k_analytic`; Parkhurst &
Appelo 2013, USGS TM 6-A43, ``-analytical_expression``, the same six terms as
:func:`chemistry.database.temperature_basis`), mass action (:func:`log_molality`, eq. 6), the water activity
(:func:`log_water_activity_one`, eq. 5) and the damped Newton update with its convergence test
(:func:`newton_update`), the one iteration step of the numba kernel and the fused kernel.

The small helpers are compiled with ``inline="always"``: numba inlines them into the calling kernel before
optimisation, so sharing them costs nothing (a plain compiled call inside the fused kernel's sample loop did cost
about 12 % of its time, on 10^6 samples).
"""
from __future__ import annotations

import math
from pathlib import Path

from . import thermo
from ._numba_cache import configure as _configure_cache, register_locator as _register_locator
from .constants import WATER_ACTIVITY_SLOPE

# a cache keyed by the package sources (karstmodel configures it first, over both packages, when it is imported)
_configure_cache([Path(__file__).resolve().parent])

try:
    from numba import njit as _numba_njit
    AVAILABLE = True
    _register_locator()  # before the first cache=True kernel is declared
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


@njit(inline="always")
def log_molality(nu, j, x, logk_j, log_aw, nu_w_j, lg_j):
    """log10 m_j = log K_j + sum_m nu_jm x_m + nu_jw log a_w - log g_j of species ``j`` (mass action; Parkhurst &
    Appelo 2013, eq. 6), with ``x`` the master log activities (one row of ``nu`` per species)."""
    v = 0.0
    for m in range(nu.shape[1]):
        v += nu[j, m] * x[m]
    return logk_j + v + log_aw * nu_w_j - lg_j


@njit(inline="always")
def log_water_activity_one(sum_molality):
    """log10 a_w with a_w = 1 - 0.017 sum m (Parkhurst & Appelo 2013, eq. 5) for one water, as numpy's log10: -inf
    at a_w = 0, NaN below (the iteration then fails its convergence test)."""
    aw = 1.0 - WATER_ACTIVITY_SLOPE * sum_molality
    if aw > 0.0:
        return math.log10(aw)
    if aw == 0.0:
        return -math.inf
    return math.nan


@njit(inline="always")
def newton_update(d, i, null, y, ionic, i_calc, res_i, rel_ok, tol):
    """Apply the Newton step of sample ``i`` (column i of ``d`` and ``y``) of the speciation iteration of
    :func:`chemistry.water.solve`, whose unknowns are the free directions y of the master log activities
    (x = x_p + B y, ``null`` = B) and the ionic strength I (last row of ``d``); ``res_i`` is the residual I - I_calc.

    Damping: the step is scaled so that no master log activity moves by more than 1 log unit (damp = 1 / max
    |B dy| where that exceeds 1); a non-finite step is not applied. I takes its step unless that would drop it
    below 0.1 I, then the larger of the calculated 0.5 sum z^2 m (``i_calc``) and 0.1 I.
    Convergence: every sum constraint within ``tol`` relative (``rel_ok``), |I - I_calc| / I_calc, max |B dy|
    and |dI| / I below ``tol``, and a finite step.

    Updates y[:, i]; returns (new I, dI applied, damping factor, converged)."""
    nd = d.shape[0]
    n_free = nd - 1
    finite = True
    for q in range(nd):
        if not math.isfinite(d[q, i]):
            finite = False
    big = 0.0
    for m in range(null.shape[0]):
        v = 0.0
        for l in range(n_free):
            v += d[l, i] * null[m, l]
        av = abs(v)
        if av > big or av != av:
            big = av
    damp = 1.0 / max(big, 1e-300) if big > 1.0 else 1.0
    bad = (not math.isfinite(damp)) or (not finite)
    di = 0.0
    if not bad:
        for l in range(n_free):
            y[l, i] += d[l, i] * damp
        di = d[n_free, i] * damp
    new_i = ionic + di if ionic + di > 0.1 * ionic else max(i_calc, 0.1 * ionic)
    rel_i = abs(res_i) / max(i_calc, 1e-30)
    done = rel_ok and rel_i < tol and big < tol and abs(di) < tol * ionic and not bad
    return new_i, di, damp, done


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
