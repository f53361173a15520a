"""Compiled per-sample Newton kernel (numba) for :func:`chemistry.water.solve` (``engine="numba"``).

It implements exactly the iteration of the vectorised numpy path in :mod:`chemistry.water`, one sample at a time and
in parallel over blocks of samples (threads; :func:`_run_blocks`): the same unknowns (free directions y of the
master log activities after the log-linear constraints are eliminated with a null-space basis, plus the ionic
strength I), the same start (x0 projected on the free directions, I and a_w of that start), the same residuals
(log-linear constraints through a per-sample particular solution, optionally with log g of a species; sum
constraints, optionally in log form and with a gas term; I - 0.5 sum z^2 m), the same analytic Jacobian (mass
action, Parkhurst & Appelo 2013, USGS TM 6-A43, eq. 6: dF_k/dx_m = ln 10 sum_j W_kj m_j nu_jm; exact derivatives in
I of the unified activity model of :func:`chemistry.water.activity_parameters`: WATEQ extended Debye-Hueckel,
Truesdell & Jones 1974, J. Res. USGS 2:233; Davies 1962; 0.1 I for neutral species), the same damping, the same
lagged water activity a_w = 1 - 0.017 sum m (Parkhurst & Appelo 2013, eq. 5) and the same convergence test. log K(T)
is evaluated per sample from PHREEQC's analytical expression (Parkhurst & Appelo 2013, ``-analytical_expression``;
as :func:`chemistry.database.temperature_basis`), so no (N, S) array of log K is built.

In series mode (``solve(..., series=True)``, numba only) a sample starts instead from the converged solution (x, I,
log a_w) of the previous sample of its block, and falls back to the start above if that does not converge.

Results agree with the numpy path to rounding (about 1e-12 relative: sums run in a different order, and 10^v is
evaluated as exp(v ln 10)). ``error_model="numpy"``: a division by zero gives inf/NaN as in numpy (the sample is
then flagged as not converged) instead of raising.

numba is optional: importing this module without it leaves ``AVAILABLE = False`` and the numpy path is used.
The functions are compiled with ``cache=True`` (the first call in a fresh environment compiles them, about 6 s
here; later processes load them from numba's cache, about 0.3 s with the numba import).
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._compiled import (activity_parameters_one, lin_solve as _lin_solve, log_molality, log_water_activity_one,
                        newton_update)
from .constants import KELVIN, LN10

# numba's parallel (OpenMP) regions in the compiled models are short and alternate with small numpy products, whose
# BLAS threads need the cores the OpenMP workers would otherwise keep busy spin-waiting after each region (measured
# on 2 cores: catchment runs 35 % faster with passive waiting). Set before numba starts its OpenMP runtime; a user's
# own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    from numba import get_num_threads, njit
    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False

#: samples per parallel work item (scratch arrays are allocated once per block)
BLOCK = 256

if AVAILABLE:

    @njit(cache=True, fastmath=False, error_model="numpy")
    def _state(y, ionic, log_aw, az2, beta, bpar, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, lg, r, x):
        """log g (into lg) and master log activities x at (y, I, log a_w) of one sample."""
        n_sp = lg.shape[0]
        sq = math.sqrt(ionic)
        for j in range(n_sp):
            lg[j] = -az2[j] * sq / (1.0 + beta[j] * sq) + bpar[j] * ionic
        _masters(y, log_aw, lg, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, r, x)

    @njit(cache=True, fastmath=False, error_model="numpy")
    def _masters(y, log_aw, lg, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, r, x):
        """Master log activities x = x_p + B y, with x_p from the log-linear constraints at log a_w and the log g of
        their gamma species (``lg``); ``r`` is scratch."""
        n_m, n_ll = pinv.shape
        n_free = null.shape[1]
        for k in range(n_ll):
            r[k] = ll_rhs0[k] - ll_nuw[k] * log_aw
        for g in range(gsp_k.shape[0]):
            r[gsp_k[g]] += lg[gsp_j[g]]
        for m in range(n_m):
            xp = 0.0
            for k in range(n_ll):
                xp += r[k] * pinv[m, k]
            yn = 0.0
            for l in range(n_free):
                yn += y[l] * null[m, l]
            x[m] = xp + yn

    @njit(cache=True, fastmath=False, error_model="numpy")
    def _block(lo, hi, max_iter, tol, temp_k, logk_coef, dh_a, dh_b, z2, kind, ion_size, b_param, nu, nu_w, pinv,
               null, ll_target, ll_coef, ll_nuw, gsp_k, gsp_j, w, rhs, log_rows, log_rhs, nub, gas_k, gas_coef, gas_nu,
               gas_nuw, gas_lk, gas_nub, x0, i0, aw0, series, x_out, mol_out, i_out, aw_out, conv_out, its_out):
        n_sp, n_m = nu.shape
        n_free = null.shape[1]
        n_sum = w.shape[0]
        n_ll = pinv.shape[1]
        n_gas = gas_k.shape[0]
        nd = n_sum + 1  # == n_free + 1
        az2 = np.empty(n_sp)
        beta = np.empty(n_sp)
        bpar = np.empty(n_sp)
        lg = np.empty(n_sp)
        dlg = np.empty(n_sp)
        mol = np.empty(n_sp)
        r = np.empty(max(n_ll, 1))
        x = np.empty(n_m)
        y = np.empty(max(n_free, 1))
        jac = np.empty((nd, nd))
        f = np.empty(nd)
        d = np.empty(nd)
        # (n, 1) views for the shared step (chemistry._compiled.newton_update works on columns of sample blocks)
        d2 = d.reshape((nd, 1))
        y2 = y.reshape((y.shape[0], 1))
        sv = np.empty(max(n_sum, 1))
        sc = np.empty(max(n_sum, 1))
        dx = np.empty(n_m)
        logk = np.empty(n_sp)
        ll_rhs0 = np.empty(max(n_ll, 1))
        gas_logk = np.empty(max(n_gas, 1))
        basis = np.empty(6)
        for i in range(lo, hi):
            # log K(T): PHREEQC's analytical expression, as chemistry.database.temperature_basis
            t = temp_k[i]
            basis[0] = 1.0
            basis[1] = t
            basis[2] = 1.0 / t
            basis[3] = math.log10(t)
            basis[4] = 1.0 / (t * t)
            basis[5] = t * t
            for j in range(n_sp):
                v = 0.0
                for c in range(6):
                    v += basis[c] * logk_coef[j, c]
                logk[j] = v
            for k in range(n_ll):
                v = 0.0
                for c in range(6):
                    v += basis[c] * ll_coef[k, c]
                ll_rhs0[k] = ll_target[i, k] + v
            for g in range(n_gas):
                v = 0.0
                for c in range(6):
                    v += basis[c] * gas_lk[g, c]
                gas_logk[g] = v
            a_dh = dh_a[i]
            b_dh = dh_b[i]
            for j in range(n_sp):
                az2[j], beta[j], bpar[j] = activity_parameters_one(z2[j], kind[j], ion_size[j], b_param[j], a_dh, b_dh)
            # series mode: a sample that does not converge from the previous solution is solved again from x0
            its_total = 0
            for attempt in range(2):
                # series mode: start from the previous sample's converged solution (x, I, a_w) within the block
                warm = attempt == 0 and series and i > lo and conv_out[i - 1] and math.isfinite(i_out[i - 1])
                # or from a complete given state: x0 with its own I and log a_w (i0 > 0; NaN where not given)
                given = attempt == 0 and not warm and i0[i] > 0.0
                stateful = warm or given
                # starting point: x0 (or the previous solution) projected on the free directions (at I = 1e-3 and
                # a_w = 1, or at the previous or given I and a_w)
                sq = math.sqrt(1e-3)
                i_start = i_out[i - 1] if warm else (i0[i] if given else 1e-3)
                aw_start = aw_out[i - 1] if warm else (aw0[i] if given else 0.0)
                if stateful:
                    sq = math.sqrt(i_start)
                for k in range(n_ll):
                    r[k] = ll_rhs0[k] - ll_nuw[k] * aw_start
                for g in range(gsp_k.shape[0]):
                    j = gsp_j[g]
                    r[gsp_k[g]] += -az2[j] * sq / (1.0 + beta[j] * sq) + bpar[j] * i_start
                for m in range(n_m):
                    xp = 0.0
                    for k in range(n_ll):
                        xp += r[k] * pinv[m, k]
                    dx[m] = (x_out[i - 1, m] if warm else x0[i, m]) - xp
                for l in range(n_free):
                    v = 0.0
                    for m in range(n_m):
                        v += dx[m] * null[m, l]
                    y[l] = v
                # ionic strength and water activity of the starting point (its projection, at log g(I = 1e-3),
                # a_w = 1) where that is a plausible water (every molality below 1 mol/kgw); else I = 1e-3, a_w = 1
                if not stateful:
                    _state(y, 1e-3, 0.0, az2, beta, bpar, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, lg, r, x)
                ok = not stateful
                zsum = 0.0
                msum = 0.0
                for j in range(0 if stateful else n_sp):
                    lm = log_molality(nu, j, x, logk[j], 0.0, nu_w[j], lg[j])
                    if not lm < 0.0:
                        ok = False
                        break
                    mj = math.exp(LN10 * lm)
                    zsum += z2[j] * mj
                    msum += mj
                if stateful:
                    ionic = i_start
                    log_aw = aw_start
                elif ok:
                    ionic = max(0.5 * zsum, 1e-7)
                    log_aw = log_water_activity_one(msum)
                else:
                    ionic = 1e-3
                    log_aw = 0.0
                converged = False
                its = max_iter
                for it in range(1, max_iter + 1):
                    # activity coefficients, their derivative in I, master activities, molalities
                    sq = math.sqrt(ionic)
                    sqd = math.sqrt(max(ionic, 1e-30))
                    for j in range(n_sp):
                        if az2[j] == 0.0:  # neutral species: log g = b I (the terms below are exactly zero)
                            lg[j] = bpar[j] * ionic
                            dlg[j] = bpar[j]
                            continue
                        den = 1.0 + beta[j] * sq
                        lg[j] = -az2[j] * sq / den + bpar[j] * ionic
                        dend = den if sqd == sq else 1.0 + beta[j] * sqd
                        dlg[j] = -az2[j] / (2.0 * sqd * (dend * dend)) + bpar[j]
                    _masters(y, log_aw, lg, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, r, x)
                    for q in range(nd):
                        f[q] = 0.0
                        for c in range(nd):
                            jac[q, c] = 0.0
                    for k in range(n_sum):
                        sv[k] = 0.0
                        sc[k] = 0.0
                    msum = 0.0
                    for j in range(n_sp):
                        lm = log_molality(nu, j, x, logk[j], log_aw, nu_w[j], lg[j])
                        if lm > 2.0:
                            lm = 2.0
                        mj = math.exp(LN10 * lm)
                        mol[j] = mj
                        msum += mj
                        for k in range(n_sum):
                            wk = w[k, j]
                            if wk != 0.0:
                                t = wk * mj
                                sv[k] += t
                                sc[k] += abs(t)
                                for l in range(n_free):
                                    jac[k, l] += t * nub[j, l]
                                jac[k, n_free] += t * dlg[j]
                        zj = z2[j]
                        if zj != 0.0:
                            t = zj * mj
                            f[n_sum] += t  # sum z^2 m, turned into the ionic-strength residual below
                            for l in range(n_free):
                                jac[n_sum, l] += t * nub[j, l]
                            jac[n_sum, n_free] += t * dlg[j]
                    # sum constraints: residuals, gas terms, log form, relative residuals
                    rel_ok = True
                    for k in range(n_sum):
                        for l in range(n_free):
                            jac[k, l] *= LN10
                        jac[k, n_free] *= -LN10
                        f[k] = sv[k] - rhs[i, k]
                    for g in range(n_gas):
                        k = gas_k[g]
                        lp = 0.0
                        for m in range(n_m):
                            lp += x[m] * gas_nu[g, m]
                        gterm = gas_coef[i, g] * math.exp(LN10 * (lp + gas_nuw[g] * log_aw - gas_logk[g]))
                        f[k] += gterm
                        sv[k] += gterm
                        for l in range(n_free):
                            jac[k, l] += LN10 * gterm * gas_nub[g, l]
                    for k in range(n_sum):
                        if log_rows[i, k]:
                            tot = max(sv[k], 1e-300)
                            f[k] = math.log10(tot) - log_rhs[i, k]
                            den = LN10 * tot
                            for c in range(nd):
                                jac[k, c] /= den
                            rel = abs(f[k]) * LN10
                        else:
                            scale = sc[k] + abs(rhs[i, k])
                            rel = abs(f[k]) / (scale if scale > 0 else 1.0)
                        if not rel < tol:
                            rel_ok = False
                    # ionic strength row
                    i_calc = 0.5 * f[n_sum]
                    f[n_sum] = ionic - i_calc
                    for l in range(n_free):
                        jac[n_sum, l] *= -0.5 * LN10
                    jac[n_sum, n_free] = 1.0 + 0.5 * LN10 * jac[n_sum, n_free]
                    # Newton step, damped to at most 1 log unit in any master activity; water activity (lagged)
                    res_i = f[n_sum]
                    _lin_solve(jac, f, nd, d)
                    for q in range(nd):
                        d[q] = -d[q]
                    ionic, _, _, done = newton_update(d2, 0, null, y2, ionic, i_calc, res_i, rel_ok, tol)
                    log_aw = log_water_activity_one(msum)
                    if done:
                        converged = True
                        its = it
                        break
                its_total += its
                if converged or not stateful:
                    break
            # final state (as the numpy path: log g, x and molalities at the last y, I, log a_w)
            _state(y, ionic, log_aw, az2, beta, bpar, pinv, null, ll_rhs0, ll_nuw, gsp_k, gsp_j, lg, r, x)
            for m in range(n_m):
                x_out[i, m] = x[m]
            for j in range(n_sp):
                lm = log_molality(nu, j, x, logk[j], log_aw, nu_w[j], lg[j])
                if lm > 2.0:
                    lm = 2.0
                mol_out[i, j] = math.exp(LN10 * lm)
            i_out[i] = ionic
            aw_out[i] = log_aw
            conv_out[i] = converged
            its_out[i] = its_total

    @njit(cache=True, fastmath=False, error_model="numpy", nogil=True)
    def _newton(b0, b1, max_iter, tol, temp_k, logk_coef, dh_a, dh_b, z2, kind, ion_size, b_param, nu, nu_w, pinv,
                null, ll_target, ll_coef, ll_nuw, gsp_k, gsp_j, w, rhs, log_rows, log_rhs, nub, gas_k, gas_coef,
                gas_nu, gas_nuw, gas_lk, gas_nub, x0, i0, aw0, series, x_out, mol_out, i_out, aw_out, conv_out,
                its_out):
        """Blocks ``b0 .. b1-1`` (of BLOCK samples) of :func:`_block`, without the GIL (threads run block ranges in
        parallel: :func:`solve_problem`)."""
        n = temp_k.shape[0]
        for b in range(b0, b1):
            lo = b * BLOCK
            hi = min(n, lo + BLOCK)
            _block(lo, hi, max_iter, tol, temp_k, logk_coef, dh_a, dh_b, z2, kind, ion_size, b_param, nu, nu_w, pinv,
                   null, ll_target, ll_coef, ll_nuw, gsp_k, gsp_j, w, rhs, log_rows, log_rhs, nub, gas_k, gas_coef,
                   gas_nu, gas_nuw, gas_lk, gas_nub, x0, i0, aw0, series, x_out, mol_out, i_out, aw_out, conv_out,
                   its_out)


#: blocks per work item of a thread at least (4096 samples: thread start-up is negligible against their solves)
MIN_ITEM_BLOCKS = 16


def _run_blocks(n: int, args) -> None:
    """Run :func:`_newton` over all blocks of ``n`` samples on numba's number of threads (``numba.set_num_threads``,
    ``NUMBA_NUM_THREADS``): ranges of blocks handed to Python threads, the kernel releasing the GIL. Every sample
    (and every block of a series) is solved by the same code either way, so results do not depend on the threads.
    (A ``prange`` loop did the same, but numba's parallel compilation cost about 5 s more on the first call.)"""
    n_blocks = (n + BLOCK - 1) // BLOCK
    threads = get_num_threads()
    if threads <= 1 or n_blocks <= MIN_ITEM_BLOCKS:
        _newton(0, n_blocks, *args)
        return
    step = max(MIN_ITEM_BLOCKS, -(-n_blocks // (4 * threads)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(lambda b: _newton(b, min(n_blocks, b + step), *args), range(0, n_blocks, step)):
            pass


def solve_problem(p, max_iter: int, tol: float):
    """Run the kernel on a :class:`chemistry.water._Problem`; returns x, molality, I, log a_w, converged and
    iterations per sample (log g follows from I: :attr:`chemistry.water.Solution.log_gamma`)."""
    model = p.model
    n, n_m, n_sp = p.n, len(model.masters), len(model.species)
    x = np.empty((n, n_m))
    mol = np.empty((n, n_sp))
    ionic = np.empty(n)
    log_aw = np.empty(n)
    conv = np.empty(n, dtype=np.bool_)
    its = np.empty(n, dtype=np.int64)
    c = np.ascontiguousarray
    f64 = lambda a: c(np.asarray(a, dtype=np.float64))  # noqa: E731
    _run_blocks(n, (int(max_iter), float(tol), f64(p.temp_c + KELVIN), f64(model.logk_coef), f64(p.dh_a), f64(p.dh_b),
            f64(model.charge**2), c(np.asarray(model.gamma_kind, dtype=np.int64)), f64(model.ion_size),
            f64(model.b_param), f64(model.nu), f64(model.nu_w), f64(p.pinv), f64(p.null), f64(p.ll_target),
            f64(p.ll_coef), f64(p.ll_nuw), c(p.gsp_k), c(p.gsp_j), f64(p.w), f64(p.rhs), c(p.log_rows),
            f64(p.log_rhs), f64(p.nub), c(p.gas_k), f64(p.gas_coef), f64(p.gas_nu), f64(p.gas_nuw), f64(p.gas_lk),
            f64(p.gas_nub), f64(p.x0), f64(p.i0), f64(p.aw0), bool(p.series), x, mol, ionic, log_aw, conv, its))
    return x, mol, ionic, log_aw, conv, its
