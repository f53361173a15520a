"""Fused compiled solve of the standard karst equilibria of pure water: at a fixed pCO2 in equilibrium with calcite,
dolomite or both (``equilibrate(temp_c, pco2_atm, mineral, system="open")`` without a starting water), and the
same in the closed system (CO2 taken up at pCO2, then dissolution without gas: two passes of the kernel,
``system="gas"`` and ``"closed"`` of :func:`chemistry._fused_table.start_table`).

It solves the same equations as :func:`chemistry.water.solve` (mass action with the database's log K(T), WATEQ
extended Debye-Hueckel / Davies / 0.1 I activity coefficients, a_w = 1 - 0.017 sum m; Parkhurst & Appelo 2013,
USGS TM 6-A43, eqs. 2-6) with the same unknowns (the free directions y of the master log activities left by the
log-linear constraints CO2(g) at log f and SI(mineral) = 0, plus the ionic strength I), the same analytic Jacobian,
damping and convergence test, and agrees with it to about 1e-11 (tests/test_chemistry/test_fused.py). What differs is only
where the work goes:

1. **Start table.** :func:`chemistry._fused_table.start_table` solves the problem with
   :func:`chemistry.water.solve` once per process, database and mineral on a grid of temperature (0.5 C) and log
   pCO2 (0.025) and keeps the solution (y, I, log a_w). Each sample starts from its cubic (4 x 4 node Lagrange)
   interpolation, which is within about 1e-9 of the solution, so the first Newton step already passes the
   convergence test. The iteration still converges the full equations from there; the table only says where it
   starts.
2. **Temperature functions.** The Debye-Hueckel A and B (:func:`chemistry.thermo.debye_huckel_a_b`) and the
   Peng-Robinson log phi of CO2 (:func:`chemistry.thermo.peng_robinson`) are interpolated from the same grid (their
   interpolation errors, below 1e-10 relative for A and B and 1e-11 in log phi, are checked in the tests).
3. **One pass.** Constants, start, Newton iteration and every output column of :func:`chemistry.equilibrate` are
   computed in one compiled function (parallel over work items of 4096 samples), in structure-of-arrays loops over
   sub-blocks of 64 samples that the compiler turns into vector instructions (the species exponentials included:
   :func:`_exp10`), and written into one (columns, N) block that becomes the DataFrame without a copy.

The Newton update (damping, ionic-strength step, convergence test) and the water activity are those of
:mod:`chemistry._kernel`: the shared helpers of :mod:`chemistry._compiled`, inlined by numba.

Samples whose iteration does not converge here (none in the tests; e.g. pCO2 far outside the table) are solved
again by the general path (:func:`chemistry.equilibrium.equilibrate_solution`) by the caller.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from .constants import IONIC_STRENGTH_PER_US_CM, KELVIN, LN10
from .output import SPECIES_COLUMNS, TOTAL_COLUMNS
from ._fused_table import LP_LO, T_LO, T_STEP, start_table
from ._kernel import AVAILABLE
from ._numba_cache import await_compiled

#: Newton iterations at most per sample
MAX_ITER = 60

#: samples per sub-block of the vectorised passes, and per parallel work item (scratch allocated once per item)
SUB = 64
CHUNK = 4096
KERNEL_NAME = "chemistry._fused._fused_block"


#: exp10 in the kernel (see _exp10): log2(10), and ln 2 split in a high part with trailing zero bits (so k * hi is
#: exact for |k| < 2^20) and the rest (Cody & Waite 1980, *Software manual for the elementary functions*, ch. 6)
LOG2_10 = 3.321928094887362
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
#: Taylor coefficients of e^r, 1/12! down to 1/0!, highest power first (Horner's scheme)
EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(12, -1, -1))

if AVAILABLE:
    from numba import get_num_threads, njit

    from ._compiled import activity_parameters_one, lin_solve as _lin_solve, log_water_activity_one, newton_update

    @njit(cache=True, error_model="numpy", fastmath={"contract"})
    def _exp10(x, n, out, bits):
        """out[:n] = 10**x[:n] for x in [-300, 300] (clamped), in a loop the compiler vectorises (a libm call per
        element does not vectorise). 10^x = 2^k e^r with k = round(x log2 10) and r = x ln 10 - k ln 2 reduced with
        the Cody & Waite (1980) split of ln 2, |r| <= 0.347; e^r by its Taylor series to r^12 (remainder below
        2e-16 relative); 2^k by building the float's exponent bits. Relative error below eps (1 + |x ln 10|) against
        10^x in 40-digit arithmetic (tested; 7e-15 for x in [-30, 2], where exp(x ln 10) from libm, whose argument
        rounding alone is worth |x ln 10| ulp, is off by up to 1.4e-14)."""
        for i in range(n):
            v = min(max(x[i], -300.0), 300.0)
            k = math.floor(v * LOG2_10 + 0.5)
            r = (v * LN10 - k * LN2_HI) - k * LN2_LO
            e = 0.0
            for c in EXP_TAYLOR:  # Horner; a constant tuple: the loop is unrolled
                e = e * r + c
            out[i] = e
            bits[i] = (np.int64(k) + 1023) << 52
        scale = bits.view(np.float64)
        for i in range(n):
            out[i] *= scale[i]

    @njit(inline="always")
    def _store(out, row, s0, v, nb):
        """out[row, s0:s0 + nb] = v[:nb], as a plain loop (a slice assignment costs a call per row)."""
        for i in range(nb):
            out[row, s0 + i] = v[i]

    @njit(inline="always")
    def _add_species(f, sc, jac, k, wk, mol, dlg, nub, j, nb):
        """Add species j with weight wk to row k of the residuals (sum_j w_kj m_j), of their scale (sum_j |w_kj| m_j)
        and of the Jacobian before its ln 10 factors (d/dy_l: w_kj m_j nub_jl; d/dI: w_kj m_j dlog g_j/dI)."""
        n_free = nub.shape[1]
        awk = abs(wk)
        for i in range(nb):
            f[k, i] += wk * mol[j, i]
            sc[k, i] += awk * mol[j, i]
            jac[k, n_free, i] += wk * mol[j, i] * dlg[j, i]
        for l in range(n_free):
            wn = wk * nub[j, l]
            for i in range(nb):
                jac[k, l, i] += wn * mol[j, i]

    @njit(cache=True, error_model="numpy")
    def _weights(v, lo, inv_step, n_nodes, w):
        """Cubic Lagrange weights of the 4 nodes around ``v`` on a uniform grid (node spacing 1 / ``inv_step``);
        returns the first node's index."""
        f = (v - lo) * inv_step
        i = int(math.floor(f))
        if i < 1:
            i = 1
        elif i > n_nodes - 3:
            i = n_nodes - 3
        s = f - i
        sixth = 1.0 / 6.0
        w[0] = -s * (s - 1.0) * (s - 2.0) * sixth
        w[1] = (s + 1.0) * (s - 1.0) * (s - 2.0) * 0.5
        w[2] = -(s + 1.0) * s * (s - 2.0) * 0.5
        w[3] = (s + 1.0) * s * (s - 1.0) * sixth
        return i - 1

    @njit(cache=True, error_model="numpy", nogil=True)
    def _fused_block(lo, hi, temp_c, pco2, tol, tab, tab_t, t_lo, t_step, p_lo, p_step, cb, g_co2, gas_k, dw, nub, w, rhs,
                     z, kind, ion_size, b_param, pinv, null, ll_coef, ll_nuw, lin_ptr, lin_sp, lin_val, lin_dest,
                     si_rows, si_nuw, si_coef, si_dest, const_dest, const_val, special, out, conv, its):
        """Samples lo..hi-1, in sub-blocks of SUB samples. Each step is a loop over the samples of a sub-block
        (structure of arrays), which the compiler turns into vector instructions; only exp and log10 are called
        per sample."""
        n_sp = cb.shape[0]
        n_free = nub.shape[1]
        n_sum = w.shape[0]
        n_m, n_ll = pinv.shape
        nd = n_free + 1
        n_t, n_p, n_ch = tab.shape[0], tab.shape[1], tab.shape[2]
        inv_t_step = 1.0 / t_step
        inv_p_step = 1.0 / p_step
        bs = SUB
        wt = np.empty(4)
        wp = np.empty(4)
        ch = np.empty(n_ch)
        tk = np.empty(bs)
        itk = np.empty(bs)
        ltk = np.empty(bs)
        logf = np.empty(bs)
        dha = np.empty(bs)
        dhb = np.empty(bs)
        ion = np.empty(bs)
        law = np.empty(bs)
        sq = np.empty(bs)
        hinv = np.empty(bs)
        msum = np.empty(bs)
        relok = np.empty(bs, dtype=np.bool_)
        active = np.empty(bs, dtype=np.bool_)
        tmp = np.empty(bs)
        kbits = np.empty(bs, dtype=np.int64)
        y = np.empty((n_free, bs))
        c0 = np.empty((n_sp, bs))
        az2 = np.empty((n_sp, bs))
        beta = np.empty((n_sp, bs))
        bpar = np.empty((n_sp, bs))
        lg = np.empty((n_sp, bs))
        dlg = np.empty((n_sp, bs))
        mol = np.empty((n_sp, bs))
        molf = np.empty((n_sp, bs))
        jac = np.empty((nd, nd, bs))
        f = np.empty((nd, bs))
        d = np.empty((nd, bs))
        js = np.empty((nd, nd))
        fs = np.empty(nd)
        ds = np.empty(nd)
        sc = np.empty((nd, bs))
        x = np.empty((n_m, bs))
        z2 = np.empty(n_sp)
        for j in range(n_sp):
            z2[j] = z[j] * z[j]
        for s0 in range(lo, hi, bs):
            nb = min(bs, hi - s0)
            # per sample: temperature basis, start (y, I, log a_w), log f(CO2), Debye-Hueckel A and B (tables)
            for i in range(nb):
                g = s0 + i
                tc = temp_c[g]
                t_ = tc + KELVIN
                tk[i] = t_
                itk[i] = 1.0 / t_
                ltk[i] = math.log10(t_)
                it0 = _weights(tc, t_lo, inv_t_step, n_t, wt)
                lp = math.log10(pco2[g])
                ip0 = _weights(lp, p_lo, inv_p_step, n_p, wp)
                for c in range(n_ch):
                    ch[c] = 0.0
                for a in range(4):
                    for b in range(4):
                        wab = wt[a] * wp[b]
                        for c in range(n_ch):
                            ch[c] += wab * tab[it0 + a, ip0 + b, c]
                va = 0.0
                vb = 0.0
                for a in range(4):
                    va += wt[a] * tab_t[0, it0 + a]
                    vb += wt[a] * tab_t[1, it0 + a]
                dha[i] = va
                dhb[i] = vb
                for l in range(n_free):
                    y[l, i] = ch[l]
                ion[i] = ch[n_free]
                law[i] = ch[n_free + 1]
                logf[i] = lp + pco2[g] * ch[n_free + 2]
            # per species: log K(T) with the log-linear right-hand sides folded in, activity-model terms
            for j in range(n_sp):
                k0, k1, k2, k3, k4, k5 = cb[j, 0], cb[j, 1], cb[j, 2], cb[j, 3], cb[j, 4], cb[j, 5]
                gj = g_co2[j]
                zz = z2[j]
                for i in range(nb):
                    t_ = tk[i]
                    u = itk[i]
                    c0[j, i] = k0 + k1 * t_ + k2 * u + k3 * ltk[i] + k4 * u * u + k5 * t_ * t_ + gj * logf[i]
                kj, a_, bp = kind[j], ion_size[j], b_param[j]
                for i in range(nb):
                    az2[j, i], beta[j, i], bpar[j, i] = activity_parameters_one(zz, kj, a_, bp, dha[i], dhb[i])
            for i in range(nb):
                active[i] = True
                conv[s0 + i] = False
                its[s0 + i] = MAX_ITER
            n_active = nb
            for it in range(1, MAX_ITER + 1):
                # activity coefficients and their derivative in I; molalities
                for i in range(nb):
                    sq[i] = math.sqrt(ion[i])
                    hinv[i] = 0.5 / sq[i]
                for j in range(n_sp):
                    dwj = dw[j]
                    if z2[j] == 0.0:
                        for i in range(nb):
                            lg[j, i] = bpar[j, i] * ion[i]
                            dlg[j, i] = bpar[j, i]
                    else:
                        for i in range(nb):
                            inv = 1.0 / (1.0 + beta[j, i] * sq[i])
                            lg[j, i] = -az2[j, i] * sq[i] * inv + bpar[j, i] * ion[i]
                            dlg[j, i] = -az2[j, i] * hinv[i] * inv * inv + bpar[j, i]
                    for i in range(nb):
                        tmp[i] = c0[j, i] + dwj * law[i] - lg[j, i]
                    for l in range(n_free):
                        nl = nub[j, l]
                        for i in range(nb):
                            tmp[i] += nl * y[l, i]
                    for i in range(nb):
                        tmp[i] = min(tmp[i], 2.0)
                    _exp10(tmp, nb, mol[j], kbits)
                # residuals and Jacobian (sum constraints with zero right-hand side; ionic strength)
                for q in range(nd):
                    for i in range(nb):
                        f[q, i] = 0.0
                    for c in range(nd):
                        for i in range(nb):
                            jac[q, c, i] = 0.0
                    for i in range(nb):
                        sc[q, i] = 0.0
                for i in range(nb):
                    msum[i] = 0.0
                # rows: sum constraints sum_j w_kj m_j, then sum_j z_j^2 m_j (= 2 I_calc); sc: sum_j |w_kj| m_j
                for j in range(n_sp):
                    for i in range(nb):
                        msum[i] += mol[j, i]
                    for k in range(n_sum):
                        if w[k, j] != 0.0:
                            _add_species(f, sc, jac, k, w[k, j], mol, dlg, nub, j, nb)
                    if z2[j] != 0.0:
                        _add_species(f, sc, jac, n_sum, z2[j], mol, dlg, nub, j, nb)
                for i in range(nb):
                    relok[i] = True
                for k in range(n_sum):
                    for i in range(nb):
                        rk = rhs[k, s0 + i]
                        f[k, i] -= rk
                        s_ = sc[k, i] + abs(rk)
                        if not abs(f[k, i]) < tol * (s_ if s_ > 0.0 else 1.0):
                            relok[i] = False
                    for l in range(n_free):
                        for i in range(nb):
                            jac[k, l, i] *= LN10
                    for i in range(nb):
                        jac[k, n_free, i] *= -LN10
                for l in range(n_free):
                    for i in range(nb):
                        jac[n_sum, l, i] *= -0.5 * LN10
                for i in range(nb):
                    jac[n_sum, n_free, i] = 1.0 + 0.5 * LN10 * jac[n_sum, n_free, i]
                # Newton step: Cramer's rule for the 2 x 2 and 3 x 3 systems, elimination for the 4 x 4 (closed dolomite)
                if nd == 2:
                    for i in range(nb):
                        i_calc = 0.5 * f[1, i]
                        f1 = ion[i] - i_calc
                        tmp[i] = i_calc
                        det = jac[0, 0, i] * jac[1, 1, i] - jac[0, 1, i] * jac[1, 0, i]
                        d[0, i] = -(jac[1, 1, i] * f[0, i] - jac[0, 1, i] * f1) / det
                        d[1, i] = -(jac[0, 0, i] * f1 - jac[1, 0, i] * f[0, i]) / det
                        f[1, i] = f1
                elif nd > 3:  # Gaussian elimination with partial pivoting per sample (chemistry._compiled.lin_solve)
                    for i in range(nb):
                        i_calc = 0.5 * f[n_sum, i]
                        tmp[i] = i_calc
                        f[n_sum, i] = ion[i] - i_calc
                        for q in range(nd):
                            fs[q] = f[q, i]
                            for c in range(nd):
                                js[q, c] = jac[q, c, i]
                        _lin_solve(js, fs, nd, ds)
                        for q in range(nd):
                            d[q, i] = -ds[q]
                else:
                    for i in range(nb):
                        i_calc = 0.5 * f[2, i]
                        f2 = ion[i] - i_calc
                        tmp[i] = i_calc
                        f[2, i] = f2
                        a00, a01, a02 = jac[0, 0, i], jac[0, 1, i], jac[0, 2, i]
                        a10, a11, a12 = jac[1, 0, i], jac[1, 1, i], jac[1, 2, i]
                        a20, a21, a22 = jac[2, 0, i], jac[2, 1, i], jac[2, 2, i]
                        b0, b1, b2 = f[0, i], f[1, i], f2
                        m0 = a11 * a22 - a12 * a21
                        m1 = a10 * a22 - a12 * a20
                        m2 = a10 * a21 - a11 * a20
                        det = a00 * m0 - a01 * m1 + a02 * m2
                        d[0, i] = -(b0 * m0 - a01 * (b1 * a22 - a12 * b2) + a02 * (b1 * a21 - a11 * b2)) / det
                        d[1, i] = -(a00 * (b1 * a22 - a12 * b2) - b0 * m1 + a02 * (a10 * b2 - b1 * a20)) / det
                        d[2, i] = -(a00 * (a11 * b2 - b1 * a21) - a01 * (a10 * b2 - b1 * a20) + b0 * m2) / det
                # damped step, convergence test (as chemistry.water.solve), water activity
                for i in range(nb):
                    if not active[i]:
                        continue
                    ion[i], di, damp, done = newton_update(d, i, null, y, ion[i], tmp[i], f[n_sum, i], relok[i], tol)
                    new_aw = log_water_activity_one(msum[i])
                    if done:
                        # final state at the new (y, I, log a_w), as chemistry.water.solve reports it: the step is
                        # below tol (1e-8) in every log activity, so m_j (1 + ln10 D_j), with
                        # D_j = nub_j dy + dw_j d(log a_w) - dlg_j dI, equals 10^D_j m_j to O(D^2) ~ 1e-16
                        daw = new_aw - law[i]
                        for j in range(n_sp):
                            dj = dw[j] * daw - dlg[j, i] * di
                            for l in range(n_free):
                                dj += nub[j, l] * d[l, i] * damp
                            molf[j, i] = mol[j, i] * (1.0 + LN10 * dj)
                        active[i] = False
                        n_active -= 1
                        conv[s0 + i] = True
                        its[s0 + i] = it
                    law[i] = new_aw
                if n_active == 0:
                    break
            for i in range(nb):
                if active[i]:  # not converged: solved again by the general path; keep the output finite
                    for j in range(n_sp):
                        molf[j, i] = 0.0
            # output columns
            for m in range(n_m):
                for i in range(nb):
                    tmp[i] = 0.0
                for k in range(n_ll):
                    pk = pinv[m, k]
                    e0, e1, e2, e3, e4, e5 = (ll_coef[k, 0], ll_coef[k, 1], ll_coef[k, 2], ll_coef[k, 3],
                                              ll_coef[k, 4], ll_coef[k, 5])
                    nw = ll_nuw[k]
                    gas = 1.0 if k == gas_k else 0.0
                    for i in range(nb):
                        t_ = tk[i]
                        u = itk[i]
                        rk = (e0 + e1 * t_ + e2 * u + e3 * ltk[i] + e4 * u * u + e5 * t_ * t_ - nw * law[i]
                              + gas * logf[i])
                        tmp[i] += pk * rk
                for l in range(n_free):
                    nl = null[m, l]
                    for i in range(nb):
                        tmp[i] += nl * y[l, i]
                for i in range(nb):
                    x[m, i] = tmp[i]
            for q in range(lin_dest.shape[0]):  # sparse rows: entries lin_ptr[q]..lin_ptr[q+1]
                for i in range(nb):
                    tmp[i] = 0.0
                for e in range(lin_ptr[q], lin_ptr[q + 1]):
                    v = lin_val[e]
                    sp = lin_sp[e]
                    for i in range(nb):
                        tmp[i] += v * molf[sp, i]
                _store(out, lin_dest[q], s0, tmp, nb)
            for q in range(si_rows.shape[0]):
                e0, e1, e2, e3, e4, e5 = (si_coef[q, 0], si_coef[q, 1], si_coef[q, 2], si_coef[q, 3],
                                          si_coef[q, 4], si_coef[q, 5])
                nw = si_nuw[q]
                for i in range(nb):
                    t_ = tk[i]
                    u = itk[i]
                    tmp[i] = nw * law[i] - (e0 + e1 * t_ + e2 * u + e3 * ltk[i] + e4 * u * u + e5 * t_ * t_)
                for m in range(n_m):
                    r_ = si_rows[q, m]
                    if r_ != 0.0:
                        for i in range(nb):
                            tmp[i] += r_ * x[m, i]
                _store(out, si_dest[q], s0, tmp, nb)
            for q in range(const_dest.shape[0]):
                v = const_val[q]
                for i in range(nb):
                    out[const_dest[q], s0 + i] = v
            # special[...]: temp_c, pco2_atm, ph, log_pco2 (an SI row above), pco2_final_atm, ionic_strength,
            # charge_balance_pct, charge_imbalance_meq_kgw, ec_us_cm_est (none where special[0] < 0)
            if special[0] < 0:
                continue
            for i in range(nb):
                tmp[i] = 0.0
                msum[i] = 0.0
            for j in range(n_sp):
                zj = z[j]
                if zj > 0.0:
                    for i in range(nb):
                        tmp[i] += zj * molf[j, i]
                elif zj < 0.0:
                    for i in range(nb):
                        msum[i] -= zj * molf[j, i]
            for i in range(nb):
                g = s0 + i
                cat = tmp[i]
                an = msum[i]
                out[special[0], g] = temp_c[g]
                out[special[1], g] = pco2[g]
                out[special[2], g] = -x[0, i]
                out[special[4], g] = math.exp(LN10 * out[special[3], g])
                out[special[5], g] = ion[i]
                out[special[6], g] = 100.0 * (cat - an) / (cat + an)
                out[special[7], g] = (cat - an) * 1000.0
                out[special[8], g] = ion[i] / IONIC_STRENGTH_PER_US_CM


def _run_parallel(n: int, args) -> None:
    """Run the kernel over samples 0..n-1 on numba's number of threads (``numba.set_num_threads``,
    ``NUMBA_NUM_THREADS``): work items of at least CHUNK samples handed to Python threads, the kernel releasing the
    GIL (a numba ``prange`` wrapper doubled the first compilation), after a compile in another process, if any."""
    await_compiled(KERNEL_NAME)
    threads = get_num_threads()
    if threads <= 1 or n <= CHUNK:
        _fused_block(0, n, *args)
        return
    step = max(CHUNK, -(-n // (4 * threads)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(lambda lo: _fused_block(lo, min(n, lo + step), *args), range(0, n, step)):
            pass


@lru_cache(maxsize=16)
def _columns(database: str, mineral: str, system: str = "open"):
    """Output columns of :func:`chemistry.equilibrate` (same names and order) and how the kernel fills them."""
    st = start_table(database, mineral, system)
    model = st["model"]
    names = ["temp_c", "pco2_atm", "ph"]
    lin, lin_dest, si_dest, const = [], [], [], []

    def add(name):
        names.append(name)
        return len(names) - 1

    for key in TOTAL_COLUMNS + ("dic",):
        dest = add(f"{key}_mmol_kgw")
        if key in model.elements:
            lin.append(1000.0 * model.element_row(key))
            lin_dest.append(dest)
        else:
            const.append((dest, 0.0))
    if TOTAL_COLUMNS[-1] != "no3" or names.index("dic_mmol_kgw") != 3 + len(TOTAL_COLUMNS):  # pragma: no cover
        raise AssertionError("column order changed in chemistry.output")
    for col, sp in SPECIES_COLUMNS.items():
        dest = add(f"{col}_mmol_kgw")
        if sp in model.species:
            row = np.zeros(len(model.species))
            row[model.index(sp)] = 1000.0
            lin.append(row)
            lin_dest.append(dest)
        else:
            const.append((dest, 0.0))
    lin.append(1000.0 * model.alkalinity)
    lin_dest.append(add("alk_meq_kgw"))
    phases = [("CO2(g)", "log_pco2")]
    special_names = {}
    special_names["log_pco2"] = len(names)
    names.append("log_pco2")
    special_names["pco2_final_atm"] = add("pco2_final_atm")
    for ph, key, needs_mg in (("Calcite", "si_calcite", False), ("Aragonite", "si_aragonite", False),
                              ("Dolomite", "si_dolomite", True), ("Gypsum", "si_gypsum", None)):
        dest = add(key)
        ok = (ph in model.database.phases and needs_mg is not None and (not needs_mg or "mg" in model.elements))
        if ok:
            phases.append((ph, key))
        else:
            const.append((dest, np.nan))
    si_rows, si_nuw, si_coef = [], [], []
    for ph, key in phases:
        row, nu_w, coef = model.phase(ph)
        si_rows.append(row)
        si_nuw.append(nu_w)
        si_coef.append(coef)
        si_dest.append(names.index(key))
    for key in ("ionic_strength", "charge_balance_pct", "charge_imbalance_meq_kgw", "ec_us_cm_est"):
        special_names[key] = add(key)
    lin.append(1000.0 * model.element_row("mg" if mineral == "dolomite" else "ca"))
    lin_dest.append(add("dissolved_mmol_kgw"))
    special = np.array([0, 1, 2, special_names["log_pco2"], special_names["pco2_final_atm"],
                        special_names["ionic_strength"], special_names["charge_balance_pct"],
                        special_names["charge_imbalance_meq_kgw"], special_names["ec_us_cm_est"]], dtype=np.int64)
    # columns that are zero for every sample (absent elements and species) are not written by the kernel: the
    # caller adds them as zero-initialised arrays, whose memory is not touched until used
    zero = sorted(d_ for d_, v in const if v == 0.0)
    written = [q for q in range(len(names)) if q not in set(zero)]
    row = {q: r_ for r_, q in enumerate(written)}
    lin_dest = [row[q] for q in lin_dest]
    si_dest = [row[q] for q in si_dest]
    const = [(row[d_], v) for d_, v in const if v != 0.0]
    special = np.array([row[q] for q in special], dtype=np.int64)
    c = np.ascontiguousarray
    ptr, sp, val = [0], [], []
    for row in lin:  # sparse rows
        nz = np.flatnonzero(row)
        sp.extend(nz.tolist())
        val.extend(row[nz].tolist())
        ptr.append(len(sp))
    return dict(names=tuple(names), written=tuple(names[q] for q in written),
                zero=tuple((q, names[q]) for q in zero), lin_ptr=np.array(ptr, dtype=np.int64), lin_sp=np.array(sp, dtype=np.int64),
                lin_val=np.array(val, dtype=float), lin_dest=np.array(lin_dest, dtype=np.int64),
                si_rows=c(np.array(si_rows)), si_nuw=np.array(si_nuw, dtype=float), si_coef=c(np.array(si_coef)),
                si_dest=np.array(si_dest, dtype=np.int64),
                const_dest=np.array([d_ for d_, _ in const], dtype=np.int64),
                const_val=np.array([v for _, v in const], dtype=float), special=special)


@lru_cache(maxsize=8)
def _dic_column(database: str):
    """Output of the CO2-uptake stage: total carbon only (mmol/kgw)."""
    model = start_table(database, "none", "gas")["model"]
    row = 1000.0 * model.element_row("dic")
    nz = np.flatnonzero(row)
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    return dict(lin_ptr=np.array([0, nz.size], dtype=np.int64), lin_sp=nz.astype(np.int64), lin_val=row[nz],
                lin_dest=np.zeros(1, dtype=np.int64), si_rows=np.zeros((0, len(model.masters))), si_nuw=empty_f,
                si_coef=np.zeros((0, 6)), si_dest=empty_i, const_dest=empty_i, const_val=empty_f,
                special=np.full(9, -1, dtype=np.int64), written=("dic_mmol_kgw",))


def _run(st, cols, temp_c, pco2_atm, tol, rhs=None):
    """Run the kernel for one problem (:func:`start_table`, :func:`_columns`); returns (block, converged,
    iterations)."""
    model = st["model"]
    n = temp_c.size
    out = np.empty((len(cols["written"]), n))
    conv = np.empty(n, dtype=np.bool_)
    its = np.empty(n, dtype=np.int64)
    if rhs is None:
        rhs = np.zeros((st["w"].shape[0], n))  # zero-initialised: the untouched pages cost nothing
    _run_parallel(n, _kernel_args(st, cols, model.charge, model.gamma_kind, model.ion_size, model.b_param, temp_c,
                                  pco2_atm, tol, rhs, out, conv, its))
    return out, conv, its


def _kernel_args(st, cols, charge, gamma_kind, ion_size, b_param, temp_c, pco2_atm, tol, rhs, out, conv, its):
    """Arguments of :func:`_fused_block` after ``lo, hi``: C-contiguous writable arrays (one compiled signature)."""
    def f64(a):
        a = np.ascontiguousarray(a, dtype=np.float64)
        return a if a.flags.writeable else a.copy()
    return (f64(temp_c), f64(pco2_atm), float(tol), st["tab"], st["tab_t"], T_LO, T_STEP, LP_LO, float(st["lp_step"]),
            st["cb"], st["g_co2"], int(st["gas_k"]), st["dw"], st["nub"], st["w"], rhs, f64(charge),
            np.ascontiguousarray(gamma_kind, dtype=np.int64), f64(ion_size), f64(b_param),
            st["pinv"], st["null"], st["ll_coef"], st["ll_nuw"], cols["lin_ptr"], cols["lin_sp"], cols["lin_val"],
            cols["lin_dest"], cols["si_rows"], cols["si_nuw"], cols["si_coef"], cols["si_dest"], cols["const_dest"],
            cols["const_val"], cols["special"], out, conv, its)


def equilibrate_open(temp_c: np.ndarray, pco2_atm: np.ndarray, mineral: str, database: str, tol: float):
    """The table of :func:`chemistry.equilibrate` for pure water, open system (checked inputs, 1-D, same length).

    Returns (block (C, N) float64 of the columns that are not zero by construction, their names, the zero columns
    as (position in the full table, name), converged (N,) bool, Newton iterations (N,))."""
    cols = _columns(database, mineral, "open")
    out, conv, its = _run(start_table(database, mineral, "open"), cols, temp_c, pco2_atm, tol)
    return out, cols["written"], cols["zero"], conv, its


def equilibrate_closed(temp_c: np.ndarray, pco2_atm: np.ndarray, mineral: str, database: str, tol: float):
    """As :func:`equilibrate_open` for the closed system: pure water first takes up CO2
    at ``pco2_atm`` (total carbon C0), then dissolves the mineral(s) without gas, C - Ca (- Mg) = C0 (the two stages
    of :func:`chemistry.equilibrate`). Iterations are those of the second stage; converged requires both."""
    dic, conv1, _ = _run(start_table(database, "none", "gas"), _dic_column(database), temp_c, pco2_atm, tol)
    st = start_table(database, mineral, "closed")
    cols = _columns(database, mineral, "closed")
    rhs = np.zeros((st["w"].shape[0], temp_c.size))
    rhs[st["c0_row"]] = dic[0] / 1000.0
    out, conv, its = _run(st, cols, temp_c, pco2_atm, tol, rhs)
    return out, cols["written"], cols["zero"], conv & conv1, its
