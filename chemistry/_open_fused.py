"""Fused compiled solve of the standard karst equilibrium: pure water at a fixed pCO2 in equilibrium with calcite,
dolomite or both, i.e. ``equilibrate(temp_c, pco2_atm, mineral, system="open")`` without a starting water.

It solves the same equations as :func:`chemistry.water.solve` (mass action with the database's log K(T), WATEQ
extended Debye-Hueckel / Davies / 0.1 I activity coefficients, a_w = 1 - 0.017 sum m; Parkhurst & Appelo 2013,
USGS TM 6-A43, eqs. 2-6) with the same unknowns (the free directions y of the master log activities left by the
log-linear constraints CO2(g) at log f and SI(mineral) = 0, plus the ionic strength I), the same analytic Jacobian,
damping and convergence test, and agrees with it to about 1e-11 (tests/test_open_fused.py). What differs is only
where the work goes:

1. **Start table.** :func:`start_table` solves the problem with :func:`chemistry.water.solve` once per process,
   database and mineral on a grid of temperature (0.5 C) and log pCO2 (0.025) and keeps the solution (y, I,
   log a_w). Each sample starts from its cubic (4 x 4 node Lagrange) interpolation, which is within about 1e-9 of
   the solution, so the first Newton step already passes the convergence test. The iteration still converges
   the full equations from there; the table only says where it starts.
2. **Temperature functions.** The Debye-Hueckel A and B (:func:`chemistry.thermo.debye_huckel_a_b`) and the
   Peng-Robinson log phi of CO2 (:func:`chemistry.thermo.peng_robinson`) are interpolated from the same grid (their
   interpolation errors, below 1e-10 relative for A and B and 1e-11 in log phi, are checked in the tests).
3. **One pass.** Constants, start, Newton iteration and every output column of :func:`chemistry.equilibrate` are
   computed per sample in one compiled loop (parallel over samples) and written into one (columns, N) block that
   becomes the DataFrame without a copy.

The Newton step is written out here as in :mod:`chemistry._kernel` rather than shared through a helper function:
numba did not inline that helper, and the call cost 12 % of this kernel's time (measured on 10^6 samples).

Samples whose iteration does not converge here (none in the tests; e.g. pCO2 far outside the table) are solved
again by the general path (:func:`chemistry.equilibrium.equilibrate_solution`) by the caller.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from . import thermo
from ._kernel import AVAILABLE, BLOCK, LN10, _lin_solve
from .database import temperature_basis

#: start-table grid: temperature (deg C) and log10 pCO2 (atm); one node beyond each end of the data range so that
#: the 4-node stencil needs no one-sided form inside it
T_STEP, T_LO, T_HI = 0.5, thermo.TEMP_MIN_C - 1.5, thermo.TEMP_MAX_C + 1.5
LP_STEP, LP_LO, LP_HI = 0.025, -8.075, 0.075
MAX_ITER = 60


def _grid():
    t = np.arange(T_LO, T_HI + T_STEP / 2, T_STEP)
    lp = np.arange(LP_LO, LP_HI + LP_STEP / 2, LP_STEP)
    return t, lp


def constraints(model, mineral: str, log_f_co2, n: int):
    """Log-linear and sum constraints of the open system for pure water (as :func:`chemistry.equilibrate`)."""
    from .equilibrium import _charge, _phase_ll
    from .water import Sum
    ll = [_phase_ll(model, "CO2(g)", log_f_co2)]
    if mineral in ("calcite", "both"):
        ll.append(_phase_ll(model, "Calcite", np.zeros(n)))
    if mineral in ("dolomite", "both"):
        ll.append(_phase_ll(model, "Dolomite", np.zeros(n)))
    sums = [_charge(model, np.zeros(n))]
    if mineral == "dolomite":
        sums.append(Sum(weights=model.element_row("mg") - model.element_row("ca"), rhs=np.zeros(n)))
    return ll, sums


@lru_cache(maxsize=8)
def start_table(database: str, mineral: str):
    """The structure of the problem and the start table for one database and mineral (cached per process).

    Returns a dict of arrays: the per-species constants of the eliminated system (``cb`` coefficients on the
    temperature basis, ``g_co2`` weight of log f(CO2), ``dw`` weight of log a_w, ``nub``), the sum constraints
    ``w``, the maps back to master log activities (``pinv``, ``null``, ``ll_coef``, ``ll_nuw``), activity
    parameters, and the tables ``tab`` (channels y..., I, log a_w, log phi(CO2) / pCO2; shape (nT, nP, C)) and ``tab_t``
    (Debye-Hueckel A and B; shape (2, nT)).
    """
    from .equilibrium import co2_log_fugacity
    from .water import _setup, build_model, solve
    els = ("ca", "dic") if mineral == "calcite" else ("ca", "dic", "mg")
    model = build_model(els, database)
    t, lp = _grid()
    tt, pp = np.meshgrid(t, lp, indexing="ij")
    tt, pp = tt.ravel(), pp.ravel()
    n = tt.size
    log_f = co2_log_fugacity(model, tt, 10.0**pp)
    ll, sums = constraints(model, mineral, log_f, n)
    from .equilibrium import _x0
    sol = solve(model, tt, ll, sums, x0=_x0(model, n, tt, 10.0**pp, "open"), engine="numba" if AVAILABLE else None)
    if not sol.converged.all():  # pragma: no cover - the grid is inside the range the solver is tested on
        raise RuntimeError(f"start table for {mineral} in {database}: {int((~sol.converged).sum())} nodes failed")
    p = _setup(model, tt, ll, sums, sol.x)
    # free directions of the solution: y = B^T (x - x_p(log a_w))
    basis = temperature_basis(tt + thermo.KELVIN)
    r = p.ll_target + basis @ p.ll_coef.T - p.ll_nuw[None, :] * sol.log_aw[:, None]
    y = (sol.x - r @ p.pinv.T) @ p.null
    nt, npp = t.size, lp.size
    # log phi is nearly proportional to p (second virial coefficient), so log phi / p interpolates to rounding
    chans = [y[:, l] for l in range(y.shape[1])] + [sol.ionic_strength, sol.log_aw, (log_f - pp) / 10.0**pp]
    tab = np.ascontiguousarray(np.stack([c.reshape(nt, npp) for c in chans], axis=-1))
    dh_a, dh_b = thermo.debye_huckel_a_b(t)
    g = model.nu @ p.pinv  # (S, k): species log activity per unit of each log-linear right-hand side
    k_co2 = 0  # the CO2(g) constraint is the first
    cb = model.logk_coef + g @ p.ll_coef  # (S, 6)
    dw = model.nu_w - g @ p.ll_nuw
    return dict(model=model, cb=np.ascontiguousarray(cb), g_co2=np.ascontiguousarray(g[:, k_co2]),
                dw=np.ascontiguousarray(dw), nub=np.ascontiguousarray(p.nub), w=np.ascontiguousarray(p.w),
                pinv=np.ascontiguousarray(p.pinv), null=np.ascontiguousarray(p.null),
                ll_coef=np.ascontiguousarray(p.ll_coef), ll_nuw=np.ascontiguousarray(p.ll_nuw), tab=tab,
                tab_t=np.ascontiguousarray(np.stack([dh_a, dh_b])), n_free=y.shape[1])


if AVAILABLE:
    from numba import njit, prange

    @njit(cache=True, fastmath={"contract", "arcp", "reassoc"}, error_model="numpy", inline="always")
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

    @njit(cache=True, fastmath={"contract", "arcp", "reassoc"}, error_model="numpy")
    def _fused_block(lo, hi, temp_c, pco2, log_p, tol, tab, tab_t, t_lo, t_step, p_lo, p_step, cb, g_co2, dw, nub, w,
                     z, kind, ion_size, b_param, pinv, null, ll_coef, ll_nuw, lin_ptr, lin_sp, lin_val, lin_dest, si_rows, si_nuw,
                     si_coef, si_dest, const_dest, const_val, special, out, conv, its):
        n_sp = cb.shape[0]
        n_free = nub.shape[1]
        n_sum = w.shape[0]
        n_m, n_ll = pinv.shape
        nd = n_free + 1
        n_t, n_p = tab.shape[0], tab.shape[1]
        wt = np.empty(4)
        wp = np.empty(4)
        c0 = np.empty(n_sp)
        az2 = np.empty(n_sp)
        beta = np.empty(n_sp)
        bpar = np.empty(n_sp)
        lg = np.empty(n_sp)
        dlg = np.empty(n_sp)
        mol = np.empty(n_sp)
        y = np.empty(n_free)
        jac = np.empty((nd, nd))
        f = np.empty(nd)
        d = np.empty(nd)
        sv = np.empty(n_sum)
        sc = np.empty(n_sum)
        dx = np.empty(n_m)
        x = np.empty(n_m)
        r = np.empty(n_ll)
        basis = np.empty(6)
        n_ch = tab.shape[2]
        inv_t_step = 1.0 / t_step
        inv_p_step = 1.0 / p_step
        ch = np.empty(n_ch)
        for i in range(lo, hi):
            tc = temp_c[i]
            lp = log_p[i]
            tk = tc + 273.15
            basis[0] = 1.0
            basis[1] = tk
            inv_tk = 1.0 / tk
            basis[2] = inv_tk
            basis[3] = math.log10(tk)
            basis[4] = inv_tk * inv_tk
            basis[5] = tk * tk
            # start (y, I, log a_w), log phi(CO2), Debye-Hueckel A and B from the tables
            it0 = _weights(tc, t_lo, inv_t_step, n_t, wt)
            ip0 = _weights(lp, p_lo, inv_p_step, n_p, wp)
            for c in range(n_ch):
                ch[c] = 0.0
            for a in range(4):
                for b in range(4):
                    wab = wt[a] * wp[b]
                    for c in range(n_ch):
                        ch[c] += wab * tab[it0 + a, ip0 + b, c]
            dh_a = 0.0
            dh_b = 0.0
            for a in range(4):
                dh_a += wt[a] * tab_t[0, it0 + a]
                dh_b += wt[a] * tab_t[1, it0 + a]
            for l in range(n_free):
                y[l] = ch[l]
            ionic = ch[n_free]
            log_aw = ch[n_free + 1]
            log_f = lp + pco2[i] * ch[n_free + 2]
            for j in range(n_sp):
                v = g_co2[j] * log_f
                for c in range(6):
                    v += basis[c] * cb[j, c]
                c0[j] = v
                z2 = z[j] * z[j]
                az2[j] = dh_a * z2
                if kind[j] == 0:
                    beta[j] = dh_b * ion_size[j]
                    bpar[j] = b_param[j]
                elif kind[j] == 1:
                    beta[j] = 1.0
                    bpar[j] = 0.3 * az2[j]
                else:
                    beta[j] = 1.0
                    bpar[j] = 0.1
            converged = False
            n_it = MAX_ITER
            msum = 0.0
            for it in range(1, MAX_ITER + 1):
                sq = math.sqrt(ionic)
                half_inv_sq = 0.5 / sq
                for j in range(n_sp):
                    if az2[j] == 0.0:
                        lg[j] = bpar[j] * ionic
                        dlg[j] = bpar[j]
                        continue
                    inv = 1.0 / (1.0 + beta[j] * sq)
                    lg[j] = -az2[j] * sq * inv + bpar[j] * ionic
                    dlg[j] = -az2[j] * half_inv_sq * inv * inv + bpar[j]
                for q in range(nd):
                    f[q] = 0.0
                    for c in range(nd):
                        jac[q, c] = 0.0
                for k in range(n_sum):
                    sv[k] = 0.0
                    sc[k] = 0.0
                msum = 0.0
                for j in range(n_sp):
                    lm = c0[j] + dw[j] * log_aw - lg[j]
                    for l in range(n_free):
                        lm += nub[j, l] * y[l]
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
                    z2 = z[j] * z[j]
                    if z2 != 0.0:
                        t = z2 * mj
                        f[n_sum] += t
                        for l in range(n_free):
                            jac[n_sum, l] += t * nub[j, l]
                        jac[n_sum, n_free] += t * dlg[j]
                rel_ok = True
                for k in range(n_sum):
                    for l in range(n_free):
                        jac[k, l] *= LN10
                    jac[k, n_free] *= -LN10
                    f[k] = sv[k]
                    if not abs(f[k]) < tol * (sc[k] if sc[k] > 0.0 else 1.0):
                        rel_ok = False
                i_calc = 0.5 * f[n_sum]
                f[n_sum] = ionic - i_calc
                for l in range(n_free):
                    jac[n_sum, l] *= -0.5 * LN10
                jac[n_sum, n_free] = 1.0 + 0.5 * LN10 * jac[n_sum, n_free]
                rel_i = abs(f[n_sum]) / max(i_calc, 1e-30)
                if nd == 2:  # Cramer's rule written out (as _lin_solve does it; the call costs here)
                    det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
                    d[0] = (jac[1, 1] * f[0] - jac[0, 1] * f[1]) / det
                    d[1] = (jac[0, 0] * f[1] - jac[1, 0] * f[0]) / det
                else:
                    _lin_solve(jac, f, nd, d)
                finite = True
                for q in range(nd):
                    d[q] = -d[q]
                    if not math.isfinite(d[q]):
                        finite = False
                big = 0.0
                for m in range(n_m):
                    v = 0.0
                    for l in range(n_free):
                        v += d[l] * null[m, l]
                    av = abs(v)
                    if av > big or av != av:
                        big = av
                damp = 1.0 / max(big, 1e-300) if big > 1.0 else 1.0
                bad = (not math.isfinite(damp)) or (not finite)
                di = 0.0
                if not bad:
                    for l in range(n_free):
                        y[l] += d[l] * damp
                    di = d[n_free] * damp
                if ionic + di > 0.1 * ionic:
                    new_i = ionic + di
                else:
                    new_i = max(i_calc, 0.1 * ionic)
                done = rel_ok and rel_i < tol and big < tol and abs(di) < tol * ionic and not bad
                ionic = new_i
                aw = 1.0 - 0.017 * msum
                new_aw = math.log10(aw) if aw > 0.0 else math.nan
                if done:
                    # final state at the new (y, I, log a_w), as chemistry.water.solve reports it. The step is
                    # below tol (1e-8) in every log activity, so log m_j moves by
                    # D_j = nub_j dy + dw_j d(log a_w) - dlg_j dI and m_j (1 + ln10 D_j) equals 10^D_j m_j to
                    # O(D^2) ~ 1e-16 (rounding).
                    daw = new_aw - log_aw
                    for j in range(n_sp):
                        dj = dw[j] * daw - dlg[j] * di
                        for l in range(n_free):
                            dj += nub[j, l] * d[l] * damp
                        mol[j] *= 1.0 + LN10 * dj
                    log_aw = new_aw
                    converged = True
                    n_it = it
                    break
                log_aw = new_aw
            conv[i] = converged
            its[i] = n_it
            if not converged:
                continue  # solved again by the general path
            cat = 0.0
            an = 0.0
            for j in range(n_sp):
                if z[j] > 0.0:
                    cat += z[j] * mol[j]
                elif z[j] < 0.0:
                    an -= z[j] * mol[j]
            # master log activities x = x_p + B y
            for k in range(n_ll):
                v = -ll_nuw[k] * log_aw
                for c in range(6):
                    v += basis[c] * ll_coef[k, c]
                r[k] = v
            r[0] += log_f
            for m in range(n_m):
                v = 0.0
                for k in range(n_ll):
                    v += pinv[m, k] * r[k]
                for l in range(n_free):
                    v += null[m, l] * y[l]
                x[m] = v
            # output columns
            for q in range(lin_dest.shape[0]):  # sparse rows: entries lin_ptr[q]..lin_ptr[q+1]
                v = 0.0
                for e in range(lin_ptr[q], lin_ptr[q + 1]):
                    v += lin_val[e] * mol[lin_sp[e]]
                out[lin_dest[q], i] = v
            for q in range(si_rows.shape[0]):
                v = si_nuw[q] * log_aw
                for m in range(n_m):
                    v += si_rows[q, m] * x[m]
                for c in range(6):
                    v -= basis[c] * si_coef[q, c]
                out[si_dest[q], i] = v
            for q in range(const_dest.shape[0]):
                out[const_dest[q], i] = const_val[q]
            # special[...]: temp_c, pco2_atm, ph, log_pco2 (already an SI row), pco2_final_atm, ionic_strength,
            # charge_balance_pct, charge_imbalance_meq_kgw, ec_us_cm_est
            out[special[0], i] = tc
            out[special[1], i] = pco2[i]
            out[special[2], i] = -x[0]
            out[special[4], i] = math.exp(LN10 * out[special[3], i])
            out[special[5], i] = ionic
            out[special[6], i] = 100.0 * (cat - an) / (cat + an)
            out[special[7], i] = (cat - an) * 1000.0
            out[special[8], i] = ionic / 1.6e-5

    @njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
    def _fused(temp_c, pco2, log_p, tol, tab, tab_t, t_lo, t_step, p_lo, p_step, cb, g_co2, dw, nub, w, z, kind, ion_size,
               b_param, pinv, null, ll_coef, ll_nuw, lin_ptr, lin_sp, lin_val, lin_dest, si_rows, si_nuw, si_coef, si_dest, const_dest,
               const_val, special, out, conv, its):
        n = temp_c.shape[0]
        n_blocks = (n + BLOCK - 1) // BLOCK
        for b in prange(n_blocks):
            lo = b * BLOCK
            hi = min(n, lo + BLOCK)
            _fused_block(lo, hi, temp_c, pco2, log_p, tol, tab, tab_t, t_lo, t_step, p_lo, p_step, cb, g_co2, dw, nub, w,
                         z, kind, ion_size, b_param, pinv, null, ll_coef, ll_nuw, lin_ptr, lin_sp, lin_val, lin_dest, si_rows, si_nuw,
                         si_coef, si_dest, const_dest, const_val, special, out, conv, its)


@lru_cache(maxsize=8)
def _columns(database: str, mineral: str):
    """Output columns of :func:`chemistry.equilibrate` (same names and order) and how the kernel fills them."""
    from .output import SPECIES_COLUMNS, TOTAL_COLUMNS
    st = start_table(database, mineral)
    model = st["model"]
    names = ["temp_c", "pco2_atm", "ph"]
    lin, lin_dest, si, si_dest, const = [], [], [], [], []

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


def equilibrate_open(temp_c: np.ndarray, pco2_atm: np.ndarray, mineral: str, database: str, tol: float):
    """The table of :func:`chemistry.equilibrate` for pure water, open system (checked inputs, 1-D, same length).

    Returns (block (C, N) float64 of the columns that are not zero by construction, their names, the zero columns
    as (position in the full table, name), converged (N,) bool, Newton iterations (N,))."""
    st = start_table(database, mineral)
    cols = _columns(database, mineral)
    model = st["model"]
    n = temp_c.size
    out = np.empty((len(cols["written"]), n))
    conv = np.empty(n, dtype=np.bool_)
    its = np.empty(n, dtype=np.int64)
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    _fused(f64(temp_c), f64(pco2_atm), np.log10(pco2_atm), float(tol), st["tab"], st["tab_t"], T_LO, T_STEP, LP_LO, LP_STEP,
           st["cb"], st["g_co2"], st["dw"], st["nub"], st["w"], f64(model.charge),
           np.ascontiguousarray(model.gamma_kind, dtype=np.int64), f64(model.ion_size), f64(model.b_param),
           st["pinv"], st["null"], st["ll_coef"], st["ll_nuw"], cols["lin_ptr"], cols["lin_sp"], cols["lin_val"], cols["lin_dest"], cols["si_rows"],
           cols["si_nuw"], cols["si_coef"], cols["si_dest"], cols["const_dest"], cols["const_val"], cols["special"],
           out, conv, its)
    return out, cols["written"], cols["zero"], conv, its
