"""The vectorised aqueous model and its Newton solver (the one place where the mass-action system is solved).

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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import database as dbmod
from . import thermo

LN10 = np.log(10.0)

#: element name -> (database element, master species) for the components the native solver handles
ELEMENTS = {
    "ca": ("Ca", "Ca+2"),
    "mg": ("Mg", "Mg+2"),
    "na": ("Na", "Na+"),
    "k": ("K", "K+"),
    "cl": ("Cl", "Cl-"),
    "so4": ("S", "SO4-2"),
    "no3": ("N", "NO3-"),
    "dic": ("C", "CO3-2"),
}
ELEMENT_ORDER = ("dic", "ca", "mg", "na", "k", "cl", "so4", "no3")


class ConvergenceError(RuntimeError):
    """The Newton iteration did not converge for some samples (those get NaN and a reason)."""


@dataclass(frozen=True)
class AqueousModel:
    """Species, stoichiometry and parameters of one aqueous system, as arrays ready for vectorised use."""

    database: dbmod.Database
    elements: tuple  # karstmodel element keys, e.g. ("dic", "ca")
    masters: tuple  # "H+" first, then one master species per element
    species: tuple
    nu: np.ndarray = field(repr=False)  # (S, M)
    nu_w: np.ndarray = field(repr=False)  # (S,)
    logk_coef: np.ndarray = field(repr=False)  # (S, 6)
    charge: np.ndarray = field(repr=False)
    ion_size: np.ndarray = field(repr=False)
    b_param: np.ndarray = field(repr=False)
    gamma_kind: np.ndarray = field(repr=False)
    alkalinity: np.ndarray = field(repr=False)

    def index(self, species: str) -> int:
        return self.species.index(species)

    def master_index(self, element: str) -> int:
        if element == "h":
            return 0
        return self.masters.index(ELEMENTS[element][1])

    def element_row(self, element: str) -> np.ndarray:
        """Weights W_j = moles of the element in species j (a mass-balance row)."""
        return self.nu[:, self.master_index(element)].copy()

    def phase(self, name: str):
        """(nu over masters (M,), nu_w, logK coefficients (6,)) of a phase's ion activity product."""
        try:
            ph = self.database.phases[name]
        except KeyError:
            raise dbmod.DatabaseError(f"{self.database.name}: phase {name!r} not defined") from None
        row = np.zeros(len(self.masters))
        for sp, v in ph.nu.items():
            if sp == "H2O":
                continue
            if sp not in self.masters:
                raise dbmod.DatabaseError(f"phase {name} needs {sp}, which is not a component of this model")
            row[self.masters.index(sp)] = v
        return row, ph.nu.get("H2O", 0.0), np.asarray(ph.log_k.coefficients)

    def species_logk(self, temp_k):
        return dbmod.temperature_basis(temp_k) @ self.logk_coef.T


@lru_cache(maxsize=64)
def build_model(elements: tuple = ("dic", "ca"), database: str = "phreeqc.dat") -> AqueousModel:
    """Collect every species of ``database`` made only of H+, H2O and the masters of ``elements`` (no redox)."""
    db = dbmod.load(database)
    elements = tuple(e for e in ELEMENT_ORDER if e in set(elements))
    masters = ["H+"]
    for e in elements:
        el, sp = ELEMENTS[e]
        m = db.primary_master(el)
        if m.species != sp:
            raise dbmod.DatabaseError(f"{db.name}: master species of {el} is {m.species}, expected {sp}")
        masters.append(sp)
    allowed = set(masters) | {"H2O"}
    names, nus, nuw, coefs, z, size, bpar, kind, alk = [], [], [], [], [], [], [], [], []
    master_alk = {m.species: m.alkalinity for k, m in db.masters.items() if "(" not in k and k != "Alkalinity"}
    for name, sp in db.species.items():
        if name in ("H2O", "e-"):
            continue
        if not set(sp.nu) <= allowed:
            continue
        if name not in masters and not sp.nu:
            continue
        row = np.zeros(len(masters))
        for k, v in sp.nu.items():
            if k != "H2O":
                row[masters.index(k)] = v
        names.append(name)
        nus.append(row)
        nuw.append(sp.nu.get("H2O", 0.0))
        coefs.append(np.asarray(sp.log_k.coefficients))
        z.append(sp.charge)
        if sp.gamma is not None and sp.charge != 0:
            size.append(sp.gamma[0]); bpar.append(sp.gamma[1]); kind.append(0)
        elif sp.charge != 0:
            size.append(0.0); bpar.append(0.0); kind.append(1)
        else:
            size.append(0.0); bpar.append(0.0); kind.append(2)
        alk.append(sum(v * master_alk.get(k, 0.0) for k, v in sp.nu.items()))
    return AqueousModel(database=db, elements=elements, masters=tuple(masters), species=tuple(names),
                        nu=np.array(nus), nu_w=np.array(nuw), logk_coef=np.array(coefs), charge=np.array(z),
                        ion_size=np.array(size), b_param=np.array(bpar), gamma_kind=np.array(kind, dtype=int),
                        alkalinity=np.array(alk))


# --------------------------------------------------------------------------------------------------------------
# constraints
@dataclass
class LogLinear:
    """sum_m coef_m x_m = rhs, with rhs = target + logk(T) - nu_w log a_w + gamma_species log g (per iteration)."""

    coef: np.ndarray  # (M,)
    target: np.ndarray  # (N,)
    logk_coef: np.ndarray | None = None  # (6,)
    nu_w: float = 0.0
    gamma_species: int | None = None  # add + log g of this species (fixing a free molality instead of activity)


@dataclass
class Sum:
    """sum_j W_j m_j + gas_coef * 10^SI(gas_phase) = rhs. ``log_form`` solves log10(sum) = log10(rhs)."""

    weights: np.ndarray  # (S,)
    rhs: np.ndarray  # (N,)
    log_form: bool = False
    gas_coef: np.ndarray | None = None  # (N,) moles of gas per kgw per atm
    gas_phase: tuple | None = None  # (nu (M,), nu_w, logk coef (6,))


@dataclass
class Solution:
    """Result of a solve: species molalities and state, one row per sample."""

    model: AqueousModel
    temp_c: np.ndarray
    x: np.ndarray  # (N, M) log10 activities of masters
    molality: np.ndarray  # (N, S) mol/kgw
    log_gamma: np.ndarray  # (N, S)
    ionic_strength: np.ndarray
    log_aw: np.ndarray
    converged: np.ndarray  # (N,) bool
    iterations: int
    logk: np.ndarray = field(repr=False)

    def total(self, element: str) -> np.ndarray:
        return self.molality @ self.model.element_row(element)

    def free(self, species: str) -> np.ndarray:
        if species not in self.model.species:
            return np.zeros(len(self.temp_c))
        return self.molality[:, self.model.index(species)]

    @property
    def ph(self) -> np.ndarray:
        return -self.x[:, 0]

    @property
    def alkalinity(self) -> np.ndarray:
        """Total alkalinity (eq/kgw) as PHREEQC defines it (species weights from the master alkalinities)."""
        return self.molality @ self.model.alkalinity

    def saturation_index(self, phase: str) -> np.ndarray:
        row, nu_w, coef = self.model.phase(phase)
        logk = dbmod.temperature_basis(self.temp_c + thermo.KELVIN) @ coef
        return self.x @ row + nu_w * self.log_aw - logk

    def log_pco2(self) -> np.ndarray:
        return self.saturation_index("CO2(g)")

    def charge_balance_eq(self) -> np.ndarray:
        return self.molality @ self.model.charge


def _solve_small(j: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Solve J d = f for a batch of small systems; closed forms for n <= 3 (much faster than LAPACK calls)."""
    n = j.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 1:
            return f / j[:, 0, :]
        if n == 2:
            a, b, c, d = j[:, 0, 0], j[:, 0, 1], j[:, 1, 0], j[:, 1, 1]
            det = a * d - b * c
            return np.stack([(d * f[:, 0] - b * f[:, 1]) / det, (a * f[:, 1] - c * f[:, 0]) / det], axis=1)
        if n == 3:
            inv_cols = np.cross(j[:, 1, :], j[:, 2, :]), np.cross(j[:, 2, :], j[:, 0, :]), np.cross(j[:, 0, :], j[:, 1, :])
            det = np.einsum("ij,ij->i", j[:, 0, :], inv_cols[0])
            adj = np.stack(inv_cols, axis=2)  # columns of the adjugate
            return np.einsum("ijk,ik->ij", adj, f) / det[:, None]
    out = np.full_like(f, np.nan)
    ok = np.all(np.isfinite(j), axis=(1, 2)) & np.all(np.isfinite(f), axis=1)
    if ok.any():
        try:
            out[ok] = np.linalg.solve(j[ok], f[ok][..., None])[..., 0]
        except np.linalg.LinAlgError:
            for i in np.flatnonzero(ok):
                try:
                    out[i] = np.linalg.solve(j[i], f[i])
                except np.linalg.LinAlgError:
                    pass
    return out


def solve(model: AqueousModel, temp_c, log_linear: list, sums: list, x0=None, max_iter: int = 100,
          tol: float = 1e-13) -> Solution:
    """Solve the aqueous system for every sample (vectorised Newton-Raphson; see the module docstring).

    ``len(log_linear) + len(sums)`` must equal the number of master species. Samples that do not converge
    are reported in ``Solution.converged``; their values are left at the last iterate.
    """
    temp_c = np.atleast_1d(np.asarray(temp_c, dtype=float))
    n, m = temp_c.size, len(model.masters)
    if len(log_linear) + len(sums) != m:
        raise ValueError(f"{len(log_linear)} + {len(sums)} constraints for {m} unknowns")
    tk = temp_c + thermo.KELVIN
    basis = dbmod.temperature_basis(tk)
    logk = basis @ model.logk_coef.T  # (N, S)
    dh_a, dh_b = thermo.debye_huckel_a_b(temp_c)

    # eliminate the log-linear constraints: x = xp + B y
    if log_linear:
        lmat = np.array([c.coef for c in log_linear])  # (k, M)
        pinv = np.linalg.pinv(lmat)  # (M, k)
        _, s, vt = np.linalg.svd(lmat)
        rank = int(np.sum(s > 1e-10))
        if rank < len(log_linear):
            raise ValueError("the log-linear constraints are not independent")
        null = vt[rank:].T  # (M, M-k)
    else:
        pinv = np.zeros((m, 0))
        null = np.eye(m)
    ll_logk = np.stack([(basis @ c.logk_coef) if c.logk_coef is not None else np.zeros(n)
                        for c in log_linear], axis=1) if log_linear else np.zeros((n, 0))
    ll_target = np.stack([np.broadcast_to(c.target, (n,)) for c in log_linear], axis=1) if log_linear else np.zeros((n, 0))
    ll_nuw = np.array([c.nu_w for c in log_linear])
    ll_gsp = [c.gamma_species for c in log_linear]

    w = np.array([s_.weights for s_ in sums]) if sums else np.zeros((0, len(model.species)))  # (K, S)
    rhs = np.stack([np.broadcast_to(s_.rhs, (n,)).astype(float) for s_ in sums], axis=1) if sums else np.zeros((n, 0))
    log_form = np.array([s_.log_form for s_ in sums], dtype=bool)
    # log form only where the total is positive
    log_rows = log_form[None, :] & (rhs > 0)
    safe_rhs = np.where(rhs > 0, rhs, 1.0)
    nub = model.nu @ null  # (S, K)

    gas_terms = []
    for k, s_ in enumerate(sums):
        if s_.gas_coef is not None:
            g_nu, g_nuw, g_coef = s_.gas_phase
            gas_terms.append((k, np.broadcast_to(s_.gas_coef, (n,)), g_nu, g_nuw, basis @ g_coef))

    # state
    if x0 is None:
        x0 = np.full((n, m), -3.0)
        x0[:, 0] = -7.0
    x0 = np.broadcast_to(x0, (n, m)).copy()
    log_aw = np.zeros(n)
    ionic = np.full(n, 1e-3)
    lg = thermo.log_gamma(ionic, model.charge, model.ion_size, model.b_param, model.gamma_kind, dh_a, dh_b)

    def particular(lg_, log_aw_):
        if not log_linear:
            return np.zeros((n, m))
        r = ll_target + ll_logk - ll_nuw[None, :] * log_aw_[:, None]
        for k, gsp in enumerate(ll_gsp):
            if gsp is not None:
                r[:, k] += lg_[:, gsp]
        return r @ pinv.T

    xp = particular(lg, log_aw)
    y = (x0 - xp) @ null  # least-squares projection of the start onto the free directions
    active = np.ones(n, dtype=bool)
    converged = np.zeros(n, dtype=bool)
    it = 0
    x = xp + y @ null.T
    mol = np.zeros((n, len(model.species)))
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xa = xp[idx] + y[idx] @ null.T
        logm = logk[idx] + xa @ model.nu.T + log_aw[idx, None] * model.nu_w[None, :] - lg[idx]
        logm = np.minimum(logm, 2.0)
        ma = 10.0 ** logm
        sums_val = ma @ w.T  # (n_a, K)
        jac = LN10 * np.einsum("ks,ns,sj->nkj", w, ma, nub) if sums else np.zeros((idx.size, 0, null.shape[1]))
        f = sums_val - rhs[idx]
        for k, gcoef, g_nu, g_nuw, g_logk in gas_terms:
            p = 10.0 ** (xa @ g_nu + g_nuw * log_aw[idx] - g_logk[idx])
            f[:, k] += gcoef[idx] * p
            jac[:, k, :] += LN10 * gcoef[idx, None] * p[:, None] * (g_nu @ null)[None, :]
        lr = log_rows[idx]
        scale = np.abs(ma) @ np.abs(w.T) + np.abs(rhs[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            tot = np.where(lr, sums_val, 1.0)
            f_log = np.log10(np.maximum(tot, 1e-300)) - np.log10(safe_rhs[idx])
            f = np.where(lr, f_log, f)
            jac = np.where(lr[:, :, None], jac / (LN10 * np.maximum(tot, 1e-300))[:, :, None], jac)
            rel = np.where(lr, np.abs(f_log) * LN10, np.abs(f) / np.where(scale > 0, scale, 1.0))
        dy = -_solve_small(jac, f) if sums else np.zeros((idx.size, 0))
        dx = dy @ null.T
        big = np.max(np.abs(dx), axis=1) if dx.size else np.zeros(idx.size)
        damp = np.where(big > 1.0, 1.0 / np.maximum(big, 1e-300), 1.0)
        bad = ~np.isfinite(damp) | ~np.all(np.isfinite(dy), axis=1)
        dy = np.where(bad[:, None], 0.0, dy * damp[:, None])
        y[idx] += dy
        # update activity coefficients, ionic strength and water activity from the new state
        xa = xp[idx] + y[idx] @ null.T
        logm = np.minimum(logk[idx] + xa @ model.nu.T + log_aw[idx, None] * model.nu_w[None, :] - lg[idx], 2.0)
        ma = 10.0 ** logm
        mol[idx] = ma
        ionic_new = 0.5 * ma @ (model.charge**2)
        lg_new = thermo.log_gamma(ionic_new, model.charge, model.ion_size, model.b_param, model.gamma_kind,
                                  dh_a[idx], dh_b[idx])
        aw_new = thermo.log_water_activity(ma.sum(axis=1))
        dg = np.max(np.abs(lg_new - lg[idx]), axis=1) if lg.shape[1] else np.zeros(idx.size)
        ionic[idx], lg[idx], log_aw[idx] = ionic_new, lg_new, aw_new
        xp[idx] = particular(lg, log_aw)[idx]
        done = (np.max(rel, axis=1) < tol) & (big < 1e-9) & (dg < 1e-12) if sums else (dg < 1e-12)
        done &= ~bad
        converged[idx[done]] = True
        active[idx[done]] = False
    x = xp + y @ null.T
    logm = np.minimum(logk + x @ model.nu.T + log_aw[:, None] * model.nu_w[None, :] - lg, 2.0)
    mol = 10.0 ** logm
    return Solution(model=model, temp_c=temp_c, x=x, molality=mol, log_gamma=lg, ionic_strength=ionic,
                    log_aw=log_aw, converged=converged & np.all(np.isfinite(x), axis=1), iterations=it, logk=logk)
