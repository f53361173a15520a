"""The Newton solver of the aqueous model (:mod:`chemistry.model`): :func:`solve` and its numpy engine.

A water sample is described by the log10 activities ``x_m`` of the primary master species (H+, CO3-2, Ca+2,
Mg+2, Na+, K+, Cl-, SO4-2, NO3-). Every other species follows from mass action with the database's
equilibrium constants (Parkhurst & Appelo 2013, USGS TM 6-A43, eq. 6):

    log m_j = log K_j(T) + sum_m nu_jm x_m + nu_jw log a_w - log g_j

The unknowns are fixed by one constraint per master species, of two kinds:

* *log-linear* constraints, linear in x (fixed pH, a mineral or gas at a given saturation index, a given free
  species concentration). They are eliminated exactly: x = x_p + B y with B a basis of their null space, so the
  Newton iteration only runs over the remaining directions y (for water in equilibrium with calcite at a fixed
  pCO2 this leaves one unknown, pH);
* *sum* constraints over species concentrations (mass balance of an element, electroneutrality, alkalinity,
  or a linear combination of element totals such as C - Ca = const for calcite dissolving in a closed system),
  optionally with a gas-phase term (a finite gas volume that exchanges CO2 with the water).

The Jacobian of the sum constraints with respect to x at fixed activity coefficients is analytic:
dF_k/dx_m = ln 10 * sum_j W_kj m_j nu_jm (checked symbolically with sympy in the tests). Mass balances with a
positive total are solved in log form, log10(sum_j W_kj m_j) = log10(T_k), which converges from any start.
Activity coefficients, ionic strength and water activity are updated after every Newton step (PHREEQC includes
them in the Newton system; updating them in an outer fixed point converges to the same solution, checked
against PHREEQC in the tests). The change of the mass of water by reactions is neglected (below 1e-4 relative
for fresh water).

:func:`solve` runs the iteration with the same equations, start, damping and convergence test in one of two
engines: vectorised over samples with numpy (``engine="numpy"``, here) or as a compiled per-sample kernel parallel
over samples (:mod:`chemistry._kernel`, ``engine="numba"``, the default when numba is installed). Both give the
same results to rounding (tests/test_chemistry/test_water_engines.py). Two further compiled engines solve special cases of the
same model: :mod:`chemistry._fused` (pure water with calcite/dolomite, open or closed system) and
:mod:`chemistry.carbonate` (one water at a time, for time loops). All take their arrays from
:func:`chemistry.model.build_model`, the activity model from :func:`chemistry.thermo.activity_parameters` and the
compiled pieces from :mod:`chemistry._compiled`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from . import database as dbmod
from . import thermo
from .constants import LN10
# the model, its constraints and the result type are defined in chemistry.model and chemistry.solution; their names
# are importable from here as well
from .model import ELEMENT_ORDER, ELEMENTS, AqueousModel, LogLinear, Sum, build_model  # noqa: F401
from .solution import (Solution, _activity_arrays, _debye_huckel, activity_parameters,  # noqa: F401
                       one_temperature)


def _solve_small(j: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Solve J d = f for a batch of small systems: closed forms for n <= 2, batched Gaussian elimination with
    partial pivoting otherwise (vectorised over the batch; avoids one LAPACK call per sample)."""
    n = j.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 1:
            return f / j[:, 0, :]
        if n == 2:
            a, b, c, d = j[:, 0, 0], j[:, 0, 1], j[:, 1, 0], j[:, 1, 1]
            det = a * d - b * c
            return np.stack([(d * f[:, 0] - b * f[:, 1]) / det, (a * f[:, 1] - c * f[:, 0]) / det], axis=1)
        a = j.copy()
        b = f.copy()
        for k in range(n - 1):
            piv = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
            swap = np.flatnonzero(piv != k)
            if swap.size:  # row exchanges only where the pivot is not on the diagonal
                ps = piv[swap]
                ak, ap = a[swap, k], a[swap, ps]
                a[swap, k], a[swap, ps] = ap, ak
                bk, bp = b[swap, k], b[swap, ps]
                b[swap, k], b[swap, ps] = bp, bk
            fac = a[:, k + 1:, k] / a[:, k, k][:, None]
            a[:, k + 1:, :] -= fac[:, :, None] * a[:, k, None, :]
            b[:, k + 1:] -= fac * b[:, k, None]
        out = np.empty_like(b)
        for k in range(n - 1, -1, -1):
            out[:, k] = (b[:, k] - np.einsum("ij,ij->i", a[:, k, k + 1:], out[:, k + 1:])) / a[:, k, k]
        return out


#: engine used when :func:`solve` is called without one ("auto", "numpy" or "numba"); set it to force an engine
#: for every caller (equilibrate, speciate, mix, kinetics)
ENGINE = "auto"
#: the numpy path iterates blocks of this many samples (working set stays in cache, no huge temporaries)
NUMPY_CHUNK = 8192
#: the numpy path compacts its working arrays to the still-active samples when fewer than this fraction is active
COMPACT_BELOW = 0.7
#: initial ionic strength (mol/kgw) of the Newton iteration
_I0 = 1e-3


@dataclass
class _Problem:
    """Everything the Newton iteration needs, set up once per call (shared by the numpy and numba engines).

    Per-sample arrays have N rows. Temperature-dependent constants are kept as coefficients on
    :func:`chemistry.database.temperature_basis` and evaluated per sample by the engines (no (N, S) array of
    log K is built). The log-linear constraints enter through x = x_p + B y with
    x_p = pinv @ (target + logK - nu_w log a_w + log g of the gamma species) and B = ``null``."""

    model: AqueousModel
    temp_c: np.ndarray  # (N,)
    dh_a: np.ndarray  # (N,) Debye-Hueckel A
    dh_b: np.ndarray  # (N,) Debye-Hueckel B
    pinv: np.ndarray  # (M, k) pseudo-inverse of the log-linear matrix
    null: np.ndarray  # (M, L) basis of its null space
    ll_target: np.ndarray  # (N, k)
    ll_coef: np.ndarray  # (k, 6) logK coefficients of the log-linear constraints (zero where none)
    ll_nuw: np.ndarray  # (k,)
    gsp_k: np.ndarray  # (G,) log-linear constraints that add log g of a species ...
    gsp_j: np.ndarray  # (G,) ... namely of this species
    w: np.ndarray  # (K, S) weights of the sum constraints
    rhs: np.ndarray  # (N, K)
    log_rows: np.ndarray  # (N, K) bool: this row is solved in log form
    log_rhs: np.ndarray  # (N, K) log10 of the right-hand side (0 where not positive)
    nub: np.ndarray  # (S, L) = nu @ null
    gas_k: np.ndarray  # (Q,) sum constraint of each gas term
    gas_coef: np.ndarray  # (N, Q)
    gas_nu: np.ndarray  # (Q, M)
    gas_nuw: np.ndarray  # (Q,)
    gas_lk: np.ndarray  # (Q, 6) logK coefficients of the gas phases
    gas_nub: np.ndarray  # (Q, L)
    x0: np.ndarray  # (N, M) starting point (projected on the free directions at I = 1e-3, a_w = 1)
    i0: np.ndarray = None  # (N,) ionic strength of a complete starting state (NaN: not given; see solve)
    aw0: np.ndarray = None  # (N,) its log a_w
    series: bool = False  # numba engine: start each sample from the previous one's solution (see solve)

    @property
    def n(self):
        return self.temp_c.size

    @property
    def n_free(self):
        return self.null.shape[1]


def _setup(model: AqueousModel, temp_c, log_linear: list, sums: list, x0, start_state=None) -> _Problem:
    temp_c = np.atleast_1d(np.asarray(temp_c, dtype=float))
    n, m = temp_c.size, len(model.masters)
    if len(log_linear) + len(sums) != m:
        raise ValueError(f"{len(log_linear)} + {len(sums)} constraints for {m} unknowns")
    dh_a, dh_b = _debye_huckel(temp_c)

    # eliminate the log-linear constraints: x = xp + B y
    if log_linear:
        lmat = np.array([c.coef for c in log_linear], dtype=float)  # (k, M)
        _, sv, vt = np.linalg.svd(lmat)
        rank = int(np.sum(sv > 1e-10))
        if rank < len(log_linear):
            raise ValueError("the log-linear constraints are not independent")
        pinv = np.linalg.pinv(lmat)  # (M, k)
        null = vt[rank:].T  # (M, M-k)
        ll_coef = np.array([c.logk_coef if c.logk_coef is not None else np.zeros(6) for c in log_linear],
                           dtype=float)
        ll_target = np.empty((n, len(log_linear)))
        for k, c in enumerate(log_linear):
            ll_target[:, k] = np.broadcast_to(c.target, (n,))
        ll_nuw = np.array([c.nu_w for c in log_linear], dtype=float)
    else:
        pinv, null = np.zeros((m, 0)), np.eye(m)
        ll_coef, ll_target, ll_nuw = np.zeros((0, 6)), np.zeros((n, 0)), np.zeros(0)
    gsp = [(k, c.gamma_species) for k, c in enumerate(log_linear) if c.gamma_species is not None]
    gsp_k = np.array([k for k, _ in gsp], dtype=np.int64)
    gsp_j = np.array([j for _, j in gsp], dtype=np.int64)

    n_sp = len(model.species)
    w = np.array([s_.weights for s_ in sums], dtype=float) if sums else np.zeros((0, n_sp))  # (K, S)
    rhs = np.empty((n, len(sums)))
    for k, s_ in enumerate(sums):
        rhs[:, k] = np.broadcast_to(s_.rhs, (n,))
    log_form = np.array([s_.log_form for s_ in sums], dtype=bool)
    log_rows = log_form[None, :] & (rhs > 0)
    log_rhs = np.log10(np.where(rhs > 0, rhs, 1.0))
    nub = model.nu @ null  # (S, L)
    gas = [(k, s_) for k, s_ in enumerate(sums) if s_.gas_coef is not None]
    n_free = null.shape[1]
    gas_k = np.array([k for k, _ in gas], dtype=np.int64)
    gas_coef = np.zeros((n, len(gas)))
    gas_nu = np.zeros((len(gas), m))
    gas_nuw = np.zeros(len(gas))
    gas_lk = np.zeros((len(gas), 6))
    for q, (k, s_) in enumerate(gas):
        g_nu, g_nuw, g_coef = s_.gas_phase
        gas_coef[:, q] = np.broadcast_to(s_.gas_coef, (n,))
        gas_nu[q] = g_nu
        gas_nuw[q] = g_nuw
        gas_lk[q] = g_coef
    gas_nub = gas_nu @ null if gas else np.zeros((0, n_free))

    if x0 is None:
        x0 = np.array([-7.0] + [-3.0] * (m - 1))
    x0 = np.broadcast_to(np.asarray(x0, dtype=float), (n, m))
    if start_state is None:
        i0 = aw0 = np.full(n, np.nan)
    else:
        i0 = np.broadcast_to(np.asarray(start_state[0], dtype=float), (n,))
        aw0 = np.broadcast_to(np.asarray(start_state[1], dtype=float), (n,))
    c = np.ascontiguousarray
    return _Problem(model=model, temp_c=temp_c, dh_a=dh_a, dh_b=dh_b, pinv=c(pinv), null=c(null),
                    ll_target=ll_target, ll_coef=ll_coef, ll_nuw=ll_nuw, gsp_k=gsp_k, gsp_j=gsp_j, w=c(w), rhs=rhs,
                    log_rows=log_rows, log_rhs=log_rhs, nub=c(nub), gas_k=gas_k, gas_coef=gas_coef, gas_nu=gas_nu,
                    gas_nuw=gas_nuw, gas_lk=gas_lk, gas_nub=c(gas_nub), x0=x0, i0=i0, aw0=aw0)


def _row_max(a):
    """np.max(a, axis=1) for a few columns (column-wise maximum: faster for narrow arrays; NaN propagates)."""
    out = a[:, 0].copy()
    for c in range(1, a.shape[1]):
        np.maximum(out, a[:, c], out=out)
    return out


def _newton_numpy_block(p: _Problem, lo: int, hi: int, max_iter: int, tol: float):
    """Newton iteration of samples lo..hi-1, vectorised over them; returns x, molality, log g, I, log a_w,
    converged and iterations per sample.

    The per-sample working arrays are compacted to the samples still iterating whenever fewer than
    ``COMPACT_BELOW`` of them are active; converged samples are written back when they converge."""
    model = p.model
    nb = hi - lo
    n_free, n_sum = p.n_free, p.w.shape[0]
    null_t = p.null.T
    nu_t = model.nu.T
    z2 = model.charge**2
    # constant matrices: every sum over species is one product with the molalities (one BLAS call)
    #   [W^T | |W|^T | (W_kj nub_jl) | z^2 | z^2 nub | 1] and, for the ionic-strength column, [W^T | z^2]
    wnub = (p.w[:, :, None] * p.nub[None, :, :]).transpose(1, 0, 2).reshape(len(model.species), n_sum * n_free)
    cmat = np.concatenate([p.w.T, np.abs(p.w).T, wnub, z2[:, None], z2[:, None] * p.nub,
                           np.ones((len(model.species), 1))], axis=1)
    dmat = np.concatenate([p.w.T, z2[:, None]], axis=1)
    c_sum, c_abs, c_jac = 0, n_sum, 2 * n_sum
    c_i = c_jac + n_sum * n_free
    c_ijac, c_msum = c_i + 1, c_i + 1 + n_free
    gas = [(int(k), q) for q, k in enumerate(p.gas_k)]
    gsp = list(zip(p.gsp_k.tolist(), p.gsp_j.tolist()))
    has_ll = p.pinv.shape[1] > 0

    sl = slice(lo, hi)
    given = p.i0[sl] > 0.0  # complete starting state (x0, I, log a_w) given for these samples
    basis = dbmod.temperature_basis(p.temp_c[sl] + thermo.KELVIN)
    logk = basis @ model.logk_coef.T
    ll_rhs0 = p.ll_target[sl] + basis @ p.ll_coef.T
    az2_0, beta_0, bpar_0 = _activity_arrays(model, p.dh_a[sl], p.dh_b[sl])
    work = {"logk": logk, "az2": az2_0, "beta": beta_0, "bpar": bpar_0, "ll_rhs0": ll_rhs0,
            "rhs": p.rhs[sl], "abs_rhs": np.abs(p.rhs[sl]), "log_rows": p.log_rows[sl], "log_rhs": p.log_rhs[sl],
            "gas_coef": p.gas_coef[sl], "gas_logk": basis @ p.gas_lk.T}
    # starting point: x0 projected on the free directions (at I = 1e-3 and a_w = 1, or at the given I, a_w)
    i_start = np.where(given, p.i0[sl], _I0)
    aw_start = np.where(given, p.aw0[sl], 0.0)
    if has_ll:
        sq = np.sqrt(i_start)
        r = ll_rhs0 - p.ll_nuw[None, :] * aw_start[:, None]
        for k, j in gsp:
            r[:, k] += -az2_0[:, j] * sq / (1.0 + beta_0[:, j] * sq) + bpar_0[:, j] * i_start
        y_out = (p.x0[sl] - r @ p.pinv.T) @ p.null
    else:
        y_out = p.x0[sl] @ p.null
    # ionic strength and water activity of the starting point (its projection, at log g(I = 1e-3), a_w = 1)
    # where that is a plausible water (every molality below 1 mol/kgw); otherwise I = 1e-3, a_w = 1
    sq = np.sqrt(_I0)
    lg = -az2_0 * sq / (1.0 + beta_0 * sq) + bpar_0 * _I0
    if has_ll:
        r = ll_rhs0 - p.ll_nuw[None, :] * 0.0
        for k, j in gsp:
            r[:, k] += lg[:, j]
        x = r @ p.pinv.T + y_out @ null_t
    else:
        x = y_out @ null_t
    logm = logk + x @ nu_t - lg
    ok = np.all(logm < 0.0, axis=1)
    m0 = 10.0 ** np.minimum(logm, 0.0)
    i_out = np.where(given, i_start, np.where(ok, np.maximum(0.5 * (m0 @ z2), 1e-7), _I0))
    aw_out = np.where(given, aw_start, np.where(ok, thermo.log_water_activity(m0.sum(axis=1)), 0.0))
    conv_out = np.zeros(nb, dtype=bool)
    its_out = np.full(nb, max_iter, dtype=np.int64)
    rows = np.arange(nb)  # block rows of the working set
    y, ionic, log_aw = y_out.copy(), i_out.copy(), aw_out.copy()
    active = np.ones(nb, dtype=bool)
    n_active = nb
    for it in range(1, max_iter + 1):
        if n_active == 0:
            break
        if n_active < COMPACT_BELOW * rows.size:
            work = {k: v[active] for k, v in work.items()}
            rows, y, ionic, log_aw = rows[active], y[active], ionic[active], log_aw[active]
            active = np.ones(n_active, dtype=bool)
        na = rows.size
        az2, beta, bpar = work["az2"], work["beta"], work["bpar"]
        sq = np.sqrt(ionic)[:, None]
        den = 1.0 + beta * sq
        lg = -az2 * sq / den + bpar * ionic[:, None]
        if np.all(ionic >= 1e-30):
            dlg = -az2 / (2.0 * sq * den**2) + bpar
        else:
            sqd = np.sqrt(np.maximum(ionic, 1e-30))[:, None]
            dlg = -az2 / (2.0 * sqd * (1.0 + beta * sqd) ** 2) + bpar
        if has_ll:
            r = work["ll_rhs0"] - p.ll_nuw[None, :] * log_aw[:, None]
            for k, j in gsp:
                r[:, k] += lg[:, j]
            x = r @ p.pinv.T + y @ null_t
        else:
            x = y @ null_t
        logm = x @ nu_t
        logm += work["logk"]
        logm += log_aw[:, None] * model.nu_w[None, :]
        logm -= lg
        np.minimum(logm, 2.0, out=logm)
        ma = np.power(10.0, logm, out=logm)
        acc = ma @ cmat
        accd = (ma * dlg) @ dmat
        jac = np.empty((na, n_sum + 1, n_free + 1))
        f = np.empty((na, n_sum + 1))
        if n_sum:
            sums_val = acc[:, c_sum:c_abs].copy()
            f[:, :-1] = sums_val - work["rhs"]
            jac[:, :-1, :-1] = LN10 * acc[:, c_jac:c_i].reshape(na, n_sum, n_free)
            jac[:, :-1, -1] = -LN10 * accd[:, :-1]
            for k, q in gas:
                gp = 10.0 ** (x @ p.gas_nu[q] + p.gas_nuw[q] * log_aw - work["gas_logk"][:, q])
                gterm = work["gas_coef"][:, q] * gp
                f[:, k] += gterm
                sums_val[:, k] += gterm
                jac[:, k, :-1] += LN10 * gterm[:, None] * p.gas_nub[q][None, :]
            lr = work["log_rows"]
            scale = acc[:, c_abs:c_jac] + work["abs_rhs"]
            with np.errstate(divide="ignore", invalid="ignore"):
                tot = np.where(lr, np.maximum(sums_val, 1e-300), 1.0)
                f_log = np.log10(tot) - work["log_rhs"]
                f[:, :-1] = np.where(lr, f_log, f[:, :-1])
                jac[:, :-1, :] /= np.where(lr, LN10 * tot, 1.0)[:, :, None]
                rel = np.where(lr, np.abs(f_log) * LN10, np.abs(f[:, :-1]) / np.where(scale > 0, scale, 1.0))
            rel_max = _row_max(rel)
        else:
            rel_max = np.zeros(na)
        i_calc = 0.5 * acc[:, c_i]
        f[:, -1] = ionic - i_calc
        jac[:, -1, :-1] = -0.5 * LN10 * acc[:, c_ijac:c_msum]
        jac[:, -1, -1] = 1.0 + 0.5 * LN10 * accd[:, -1]
        rel_i = np.abs(f[:, -1]) / np.maximum(i_calc, 1e-30)
        d = _solve_small(jac, f)
        np.negative(d, out=d)
        dy, di = d[:, :-1], d[:, -1]
        dx = dy @ null_t
        big = _row_max(np.abs(dx)) if n_free else np.zeros(na)
        with np.errstate(divide="ignore"):
            damp = np.where(big > 1.0, 1.0 / np.maximum(big, 1e-300), 1.0)
        bad = ~np.isfinite(damp)
        for c in range(d.shape[1]):
            bad |= ~np.isfinite(d[:, c])
        move = active & ~bad
        y += np.where(move[:, None], dy * damp[:, None], 0.0)
        di = np.where(bad, 0.0, di * damp)
        new_i = np.where(ionic + di > 0.1 * ionic, ionic + di, np.maximum(i_calc, 0.1 * ionic))
        done = active & (rel_max < tol) & (rel_i < tol) & (big < tol) & (np.abs(di) < tol * ionic) & ~bad
        ionic = np.where(active, new_i, ionic)
        with np.errstate(invalid="ignore", divide="ignore"):  # a diverging sample (flagged, not converged)
            log_aw = np.where(active, thermo.log_water_activity(acc[:, c_msum]), log_aw)
        if done.any():
            rd = rows[done]
            y_out[rd], i_out[rd], aw_out[rd] = y[done], ionic[done], log_aw[done]
            conv_out[rd] = True
            its_out[rd] = it
            active &= ~done
            n_active -= int(done.sum())
    rest = rows[active]
    y_out[rest], i_out[rest], aw_out[rest] = y[active], ionic[active], log_aw[active]
    # final state: log g, x and molalities at the last (y, I, log a_w)
    sq = np.sqrt(i_out)[:, None]
    lg = -az2_0 * sq / (1.0 + beta_0 * sq) + bpar_0 * i_out[:, None]
    if has_ll:
        r = ll_rhs0 - p.ll_nuw[None, :] * aw_out[:, None]
        for k, j in gsp:
            r[:, k] += lg[:, j]
        x = r @ p.pinv.T + y_out @ null_t
    else:
        x = y_out @ null_t
    mol = 10.0 ** np.minimum(logk + x @ nu_t + aw_out[:, None] * model.nu_w[None, :] - lg, 2.0)
    return x, mol, lg, i_out, aw_out, conv_out, its_out


def _solve_numpy(p: _Problem, max_iter: int, tol: float):
    n, n_m, n_sp = p.n, len(p.model.masters), len(p.model.species)
    x, mol, lg = np.empty((n, n_m)), np.empty((n, n_sp)), np.empty((n, n_sp))
    ionic, log_aw = np.empty(n), np.empty(n)
    conv, its = np.empty(n, dtype=bool), np.empty(n, dtype=np.int64)
    for lo in range(0, n, NUMPY_CHUNK):
        hi = min(n, lo + NUMPY_CHUNK)
        (x[lo:hi], mol[lo:hi], lg[lo:hi], ionic[lo:hi], log_aw[lo:hi], conv[lo:hi],
         its[lo:hi]) = _newton_numpy_block(p, lo, hi, max_iter, tol)
    return x, mol, lg, ionic, log_aw, conv, its


def _numba_kernel():
    """The compiled kernel module, or None when numba is not installed (imported lazily: compiling costs)."""
    try:
        from . import _kernel
    except ImportError:  # pragma: no cover
        return None
    return _kernel if _kernel.AVAILABLE else None


def _pick_engine(engine: str, n: int) -> str:
    if engine not in ("auto", "numpy", "numba"):
        raise ValueError(f"engine must be 'auto', 'numpy' or 'numba', got {engine!r}")
    if engine == "numpy":
        return "numpy"
    # "auto" uses the compiled kernel whenever numba is installed, whatever the batch size: a result then never
    # depends on what ran earlier in the process (the two engines agree only to rounding, ~1e-12)
    if _numba_kernel() is None:
        if engine == "numba":
            raise ImportError("engine='numba' needs the numba package (pip install numba)")
        return "numpy"
    return "numba"


def solve(model: AqueousModel, temp_c, log_linear: list, sums: list, x0=None, max_iter: int = 60,
          tol: float = 1e-8, engine: str | None = None, series: bool = False, start_state=None) -> Solution:
    """Solve the aqueous system for every sample (Newton-Raphson; see the module docstring).

    Unknowns: the free directions y of the master log activities (after eliminating the log-linear constraints)
    and the ionic strength I, whose residual I - 0.5 sum z^2 m(x, I) enters the Newton system with its exact
    derivatives (so convergence is quadratic, as in PHREEQC, which also carries I as an unknown). The water
    activity is updated after each step. ``len(log_linear) + len(sums)`` must equal the number of master species.
    Samples that do not converge are flagged in ``Solution.converged``.

    The iteration starts from ``x0`` projected on the free directions, at the ionic strength and water
    activity of that starting water (evaluated with log g at I = 1e-3); where the start is not a plausible
    water (a molality of 1 mol/kgw or more) it starts from I = 1e-3, a_w = 1 instead.

    ``engine`` (default: the module setting ``ENGINE``, "auto") selects the implementation of the same
    iteration (same equations, start, steps, damping and convergence test; results agree to rounding, about
    1e-12 relative):

    * ``"numpy"``: vectorised over samples, in blocks of ``NUMPY_CHUNK`` samples whose working arrays shrink to
      the samples still iterating;
    * ``"numba"``: a compiled per-sample kernel (:mod:`chemistry._kernel`), parallel over samples; needs the
      optional ``numba`` package (the first call in a fresh environment compiles it, some seconds, then it is
      loaded from numba's on-disk cache). It covers every constraint type, including log-linear constraints on
      a free molality (``gamma_species``), so it never falls back to numpy;
    * ``"auto"`` (default): numba when it is installed (any batch size, so that results never depend on what ran
      earlier in the process), numpy otherwise.

    Convergence: a sample stops after the step at which every sum-constraint residual (relative), the ionic-strength
    residual (relative), the Newton step in every master log activity (log10 units) and the step in I (relative)
    are all below ``tol``. That step is applied, so with Newton's quadratic convergence the error left is of order
    ``tol``^2 (the lagged water activity adds a first-order part: with the default 1e-8 the charge balance closes
    to about 1e-10 relative; the tests check results against PHREEQC and the exact closed form).

    ``series=True`` declares the samples a sequence of similar waters (a time series): the numba engine then starts
    each sample from the converged solution (x, I, a_w) of the previous sample in its block of
    :data:`chemistry._kernel.BLOCK` samples instead of from ``x0`` (the first sample of each block, and any sample
    after one that did not converge, start from ``x0``). The converged result is the same to the convergence
    tolerance; only the number of Newton steps changes (typically halved for daily catchment series). The numpy
    engine ignores it.

    ``start_state=(ionic_strength, log_aw)`` (arrays, NaN where not known) completes ``x0`` to a full starting
    state, as a warm start has: the iteration then starts at that I and a_w instead of the ones evaluated from
    x0 at I = 1e-3. With a start close to the solution (e.g. :mod:`chemistry.start_table`) the first Newton step
    already meets the convergence test. Samples that do not converge from a given state are solved again from
    x0 alone (both engines).
    """
    p = _setup(model, temp_c, log_linear, sums, x0, start_state)
    p.series = bool(series)
    if _pick_engine(ENGINE if engine is None else engine, p.n) == "numba":
        x, mol, ionic, log_aw, conv, its = _numba_kernel().solve_problem(p, max_iter, tol)
        lg = None  # computed from I when asked for
    else:
        x, mol, lg, ionic, log_aw, conv, its = _solve_numpy(p, max_iter, tol)
        retry = np.flatnonzero(~conv & (p.i0 > 0.0))
        if retry.size:  # the numpy engine's fallback from a given state (the kernel does it per sample)
            q = dataclasses.replace(p, temp_c=p.temp_c[retry], dh_a=p.dh_a[retry], dh_b=p.dh_b[retry],
                                    ll_target=p.ll_target[retry], rhs=p.rhs[retry], log_rows=p.log_rows[retry],
                                    log_rhs=p.log_rhs[retry], gas_coef=p.gas_coef[retry], x0=p.x0[retry],
                                    i0=np.full(retry.size, np.nan), aw0=np.full(retry.size, np.nan))
            r_x, r_mol, r_lg, r_i, r_aw, r_conv, r_its = _solve_numpy(q, max_iter, tol)
            x[retry], mol[retry], lg[retry], ionic[retry], log_aw[retry] = r_x, r_mol, r_lg, r_i, r_aw
            conv[retry] = r_conv
            its[retry] += r_its
    iterations = int(its.max()) if its.size else 0
    return Solution(model=model, temp_c=p.temp_c, x=x, molality=mol, ionic_strength=ionic, log_aw=log_aw,
                    converged=conv & np.all(np.isfinite(x), axis=1), iterations=iterations,
                    sample_iterations=its, _log_gamma=lg, _dh=(p.dh_a, p.dh_b))
