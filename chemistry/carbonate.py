"""Compiled carbonate speciation of one water at a time, for time loops: (T, element totals, charge imbalance) ->
pH, CO2, HCO3-, CO3-2, SI, buffer derivative; and the PWP calcite rate in compiled form.

A sequential time loop (the surface-water reaches of ``karstmodel``: every reach at every 15-minute step) re-speciates
one water per step inside compiled code, so it cannot call :func:`chemistry.water.solve` (vectorised over samples).
This is the scalar engine of the same aqueous model, with the model arrays of :func:`chemistry.water.build_model`
and the compiled pieces of :mod:`chemistry._compiled`:

* the species, stoichiometry, log K(T) coefficients, charges and activity parameters are those of
  :func:`chemistry.water.build_model` for the pinned database (``phreeqc.dat``), packed into arrays once
  (:func:`carbonate_system`);
* mass action: log m_j = log K_j(T) + sum_m nu_jm x_m + nu_jw log a_w - log g_j (Parkhurst & Appelo 2013, USGS
  TM 6-A43, eq. 6), with x the log10 activities of the master species (H+, CO3-2, Ca+2, Mg+2, Na+, K+, Cl-, SO4-2,
  NO3-) and log K(T) on PHREEQC's six-term analytical expression (:func:`chemistry._compiled.log_k_analytic`);
* activity coefficients as PHREEQC and :mod:`chemistry.thermo`: WATEQ extended Debye-Hueckel (Truesdell & Jones
  1974) for species with ion-size parameters, Davies (1962) for other ions, 0.1 I for neutral species; water
  activity a_w = 1 - 0.017 sum m (Parkhurst & Appelo 2013, eqs. 2-5; :mod:`chemistry.constants`). Debye-Hueckel
  A and B are interpolated linearly in :func:`chemistry.thermo.debye_huckel_table` (every 0.05 C over 0-100 C;
  interpolation error below 1e-8 relative);
* constraints: electroneutrality sum z_j m_j = charge imbalance (pH follows from it, as in
  :func:`chemistry.speciate_totals`), and one mass balance per element, log10(sum_j W_kj m_j) = log10(T_k);
* Newton-Raphson on x and the ionic strength I jointly, as the core does: the Jacobian
  dF_k/dx_m = ln10 sum_j W_kj m_j nu_jm (the same as :mod:`chemistry.water`), the residual I - 0.5 sum z^2 m with
  its exact derivatives through the activity coefficients, the water activity lagged by one iteration. The tests
  check the agreement with :func:`chemistry.speciate_totals` (about 1e-9 in pH and species).

Concentrations inside the kernel are mol/kgw; :func:`speciate_carbonate` takes mmol/L equal to mmol/kgw (fresh
water: the difference is below 0.1 %).

The buffer derivative dCO2/dDIC at constant charge imbalance and other totals (needed to integrate CO2 gas exchange
exactly over a time step) is obtained from the converged Jacobian by one extra linear solve (implicit-function
theorem: J dx = -dF/dT_C).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from . import thermo
from ._compiled import (activity_parameters_one, dlog_gamma_one, lin_solve, log_gamma_one, log_k_analytic,
                        njit)
from .constants import KELVIN, LN10, WATER_ACTIVITY_SLOPE
from .kinetics import pwp_rate_affinity, pwp_rate_constants_tk
from .water import ELEMENT_ORDER, build_model

#: temperature grid of the tabulated Debye-Hueckel parameters (deg C)
DH_T0, DH_DT, DH_N = thermo.DH_TABLE_T0_C, thermo.DH_TABLE_STEP_C, thermo.DH_TABLE_N
#: most masters any species contains (padded sparse stoichiometry)
_MAXNZ = 4
#: convergence tolerance of the Newton iteration (relative residual of every constraint and of I)
TOL = 1e-10

# indices into the diagnostic vector returned by speciate_one
D_PH, D_CO2, D_HCO3, D_CO3, D_SI_CAL, D_LOG_PCO2, D_BETA, D_A_H, D_A_CO2, D_LOG_AW, D_I, D_OH, D_ALK, D_DIC, \
    D_CA_FREE, D_LG_CO2, D_K1, D_K2, D_LOGKH, D_ITER = range(20)
N_DIAG = 20


@dataclass(frozen=True)
class CarbonateSystem:
    """Arrays of one aqueous model (:func:`chemistry.water.build_model`) packed for the compiled solver.

    Master order: H+ first, then one master per element in :data:`chemistry.water.ELEMENT_ORDER` (``elements``).
    The totals vector of the kernel has the same order: index 0 holds the charge imbalance (eq/kgw), index k >= 1
    the total of element k (mol/kgw)."""

    elements: tuple
    masters: tuple
    species: tuple
    database: str
    nu: np.ndarray  # (S, M)
    nu_w: np.ndarray  # (S,)
    logk_coef: np.ndarray  # (S, 6)
    charge: np.ndarray  # (S,)
    ion_size: np.ndarray  # (S,)
    b_param: np.ndarray  # (S,)
    kind: np.ndarray  # (S,) int64: 0 WATEQ, 1 Davies, 2 neutral
    alk: np.ndarray  # (S,) alkalinity weights (eq per mol of species)
    nz_idx: np.ndarray  # (S, 4) int64 masters with nonzero nu (padded with -1)
    nz_val: np.ndarray  # (S, 4)
    nz_cnt: np.ndarray  # (S,) int64
    calcite_nu: np.ndarray  # (M,)
    calcite_nuw: float
    calcite_coef: np.ndarray  # (6,)
    co2g_nu: np.ndarray  # (M,)
    co2g_nuw: float
    co2g_coef: np.ndarray  # (6,)
    sp_idx: np.ndarray  # (6,) int64: H+, OH-, CO2, HCO3-, CO3-2, Ca+2
    dh_a: np.ndarray  # (DH_N,)
    dh_b: np.ndarray  # (DH_N,)

    @property
    def n_masters(self) -> int:
        return len(self.masters)

    def kernel_args(self) -> tuple:
        """The arrays in the order :func:`speciate_one` takes them after (temp_c, totals, x, state, diag)."""
        return (self.nu, self.nu_w, self.logk_coef, self.charge, self.ion_size, self.b_param, self.kind, self.alk,
                self.nz_idx, self.nz_val, self.nz_cnt, self.calcite_nu, self.calcite_nuw, self.calcite_coef,
                self.co2g_nu, self.co2g_nuw, self.co2g_coef, self.sp_idx, self.dh_a, self.dh_b)


@lru_cache(maxsize=32)
def carbonate_system(elements: tuple = ("dic", "ca"), database: str = "phreeqc.dat") -> CarbonateSystem:
    """Pack :func:`chemistry.water.build_model` (``elements`` must include ``dic`` and ``ca``) for the kernel."""
    els = tuple(e for e in ELEMENT_ORDER if e in set(elements) | {"dic", "ca"})
    model = build_model(els, database)
    nu = np.ascontiguousarray(model.nu, dtype=float)
    s, m = nu.shape
    nz_idx = np.full((s, _MAXNZ), -1, dtype=np.int64)
    nz_val = np.zeros((s, _MAXNZ))
    nz_cnt = np.zeros(s, dtype=np.int64)
    for j in range(s):
        cols = np.flatnonzero(nu[j] != 0.0)
        if cols.size > _MAXNZ:
            raise ValueError(f"species {model.species[j]} has more than {_MAXNZ} masters")
        nz_idx[j, :cols.size] = cols
        nz_val[j, :cols.size] = nu[j, cols]
        nz_cnt[j] = cols.size
    cal_nu, cal_nuw, cal_coef = model.phase("Calcite")
    co2_nu, co2_nuw, co2_coef = model.phase("CO2(g)")
    sp_idx = np.array([model.index(n) for n in ("H+", "OH-", "CO2", "HCO3-", "CO3-2", "Ca+2")], dtype=np.int64)
    dh_a, dh_b = thermo.debye_huckel_table()
    return CarbonateSystem(elements=els, masters=model.masters, species=model.species, database=database, nu=nu,
                           nu_w=np.ascontiguousarray(model.nu_w, dtype=float),
                           logk_coef=np.ascontiguousarray(model.logk_coef, dtype=float),
                           charge=np.ascontiguousarray(model.charge, dtype=float),
                           ion_size=np.ascontiguousarray(model.ion_size, dtype=float),
                           b_param=np.ascontiguousarray(model.b_param, dtype=float),
                           kind=np.ascontiguousarray(model.gamma_kind, dtype=np.int64),
                           alk=np.ascontiguousarray(model.alkalinity, dtype=float), nz_idx=nz_idx, nz_val=nz_val,
                           nz_cnt=nz_cnt, calcite_nu=np.ascontiguousarray(cal_nu, dtype=float),
                           calcite_nuw=float(cal_nuw), calcite_coef=np.ascontiguousarray(cal_coef, dtype=float),
                           co2g_nu=np.ascontiguousarray(co2_nu, dtype=float), co2g_nuw=float(co2_nuw),
                           co2g_coef=np.ascontiguousarray(co2_coef, dtype=float), sp_idx=sp_idx,
                           dh_a=np.ascontiguousarray(dh_a, dtype=float), dh_b=np.ascontiguousarray(dh_b, dtype=float))


# ----------------------------------------------------------------------------------------------------------------
@njit
def _dh_ab(temp_c, dh_a, dh_b):
    """Debye-Hueckel A and B, linear interpolation in the 0.05 C table (clamped to its 0-100 C)."""
    u = (temp_c - DH_T0) / DH_DT
    if u < 0.0:
        u = 0.0
    if u > DH_N - 1.000001:
        u = DH_N - 1.000001
    i = int(u)
    f = u - i
    return dh_a[i] + f * (dh_a[i + 1] - dh_a[i]), dh_b[i] + f * (dh_b[i + 1] - dh_b[i])






#: the PWP rate constants and rate (Plummer, Wigley & Parkhurst 1978; :mod:`chemistry.kinetics`) compiled for
#: scalar use in time loops
_pwp_constants_one = njit(pwp_rate_constants_tk)
_pwp_affinity_one = njit(pwp_rate_affinity)


@njit
def pwp_rate_one(temp_c, a_h, a_co2, si_calcite, a_h2o):
    """Net calcite dissolution rate (mmol cm-2 s-1; < 0 = precipitation) of one water:
    :func:`chemistry.kinetics.pwp_rate` compiled (the same two formula functions)."""
    k1, k2, k3 = _pwp_constants_one(temp_c + KELVIN)
    return _pwp_affinity_one(k1, k2, k3, a_h, a_co2, si_calcite, a_h2o)


@njit
def speciate_one(temp_c, totals, x, state, diag, nu, nu_w, logk_coef, charge, ion_size, b_param, kind, alk,
                 nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw, co2g_coef,
                 sp_idx, dh_a, dh_b):
    """Speciate one water in place (:func:`speciate_into` with a workspace of its own). Returns True when
    converged; arguments as :func:`speciate_into` without the workspace."""
    wsp, jac, wu = speciation_workspace(nu.shape[0], nu.shape[1])
    return speciate_into(temp_c, totals, x, state, diag, wsp, jac, wu, nu, nu_w, logk_coef, charge, ion_size,
                         b_param, kind, alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu,
                         co2g_nuw, co2g_coef, sp_idx, dh_a, dh_b)


@njit
def speciation_workspace(n_species, n_masters):
    """Scratch arrays of :func:`speciate_into` (allocated once by a time loop, reused every step): per-species
    rows (7, S), the Newton matrix (M+1, M+1) and per-unknown rows (4, M+1)."""
    return np.empty((7, n_species)), np.empty((n_masters + 1, n_masters + 1)), np.empty((4, n_masters + 1))


@njit
def speciate_into(temp_c, totals, x, state, diag, wsp, jac, wu, nu, nu_w, logk_coef, charge, ion_size, b_param,
                  kind, alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw,
                  co2g_coef, sp_idx, dh_a, dh_b):
    """Speciate one water in place, with the scratch arrays ``wsp, jac, wu`` of :func:`speciation_workspace`.
    Returns True when converged.

    temp_c : deg C. totals : (M,) index 0 = charge imbalance (eq/kgw), k >= 1 = element totals (mol/kgw, > 0).
    x : (M,) log10 master activities, used as the starting point and overwritten with the solution (warm start
    from the previous time step converges in 2-3 iterations). state : (2,) [ionic strength, log10 a_w], also a
    warm start. diag : (N_DIAG,) output, see the ``D_*`` indices: pH, free CO2 / HCO3- / CO3-2 (mol/kgw),
    SI calcite, log10 pCO2 (atm; the SI of CO2(g), i.e. log fugacity as PHREEQC reports it), dCO2/dDIC,
    a_H+, a_CO2, log a_w, I, free OH- (mol/kgw), alkalinity (eq/kgw), DIC (mol/kgw), free Ca+2, log g(CO2),
    apparent K1' = a_H m_HCO3 / m_CO2, K2' = a_H m_CO3 / m_HCO3, log KH (Henry, mol/kgw/atm as activity) and
    the number of iterations.
    """
    n_sp = nu.shape[0]
    n_m = nu.shape[1]
    tk = temp_c + KELVIN
    a_dh, b_dh = _dh_ab(temp_c, dh_a, dh_b)
    logk = wsp[0]
    for j in range(n_sp):
        logk[j] = log_k_analytic(logk_coef[j], tk)
    az2 = wsp[1]
    beta = wsp[2]
    bpar = wsp[3]
    for j in range(n_sp):
        az2[j], beta[j], bpar[j] = activity_parameters_one(charge[j] * charge[j], kind[j], ion_size[j], b_param[j],
                                                           a_dh, b_dh)
    mol = wsp[4]
    lg = wsp[5]
    dlg = wsp[6]
    f = wu[0]
    dx = wu[1]
    sums = wu[2]
    log_tot = wu[3]
    for k in range(1, n_m):
        t = totals[k]
        if t < 1e-30:
            t = 1e-30
        log_tot[k] = math.log10(t)
    ionic = state[0]
    if not (ionic > 0.0):
        ionic = 1e-3
    log_aw = state[1]
    converged = False
    it = 0
    n_u = n_m + 1  # unknowns: x (n_m) and the ionic strength (last)
    for it in range(1, 101):
        sq = math.sqrt(ionic)
        i_calc = 0.0
        msum = 0.0
        for j in range(n_sp):
            z = charge[j]
            lg[j] = log_gamma_one(az2[j], beta[j], bpar[j], sq, ionic)
            dlg[j] = dlog_gamma_one(az2[j], beta[j], bpar[j], sq)
            v = logk[j] + nu_w[j] * log_aw - lg[j]
            for a in range(nz_cnt[j]):
                v += nz_val[j, a] * x[nz_idx[j, a]]
            if v > 2.0:
                v = 2.0
            mj = math.exp(v * LN10)
            mol[j] = mj
            i_calc += 0.5 * z * z * mj
            msum += mj
        for k in range(n_u):
            sums[k] = 0.0
            for c in range(n_u):
                jac[k, c] = 0.0
        scale0 = 0.0
        for j in range(n_sp):
            mj = mol[j]
            z = charge[j]
            if z != 0.0:
                sums[0] += z * mj
                scale0 += abs(z) * mj
                jac[0, n_m] -= LN10 * z * mj * dlg[j]
                jac[n_m, n_m] += 0.5 * LN10 * z * z * mj * dlg[j]
            for a in range(nz_cnt[j]):
                k = nz_idx[j, a]
                if k >= 1:
                    w = nz_val[j, a] * mj
                    sums[k] += w
                    jac[k, n_m] -= w * dlg[j]
                    for b in range(nz_cnt[j]):
                        jac[k, nz_idx[j, b]] += w * nz_val[j, b]
                if z != 0.0:
                    jac[0, nz_idx[j, a]] += LN10 * z * mj * nz_val[j, a]
                    jac[n_m, nz_idx[j, a]] -= 0.5 * LN10 * z * z * mj * nz_val[j, a]
        jac[n_m, n_m] += 1.0
        f[0] = -(sums[0] - totals[0])
        res = abs(sums[0] - totals[0]) / (scale0 + 1e-300)
        for k in range(1, n_m):
            f[k] = -(math.log10(sums[k]) - log_tot[k])
            if abs(f[k]) * LN10 > res:
                res = abs(f[k]) * LN10
            for c in range(n_u):
                jac[k, c] /= sums[k]
        f[n_m] = -(ionic - i_calc)
        rel_i = abs(ionic - i_calc) / i_calc
        log_aw = math.log10(1.0 - WATER_ACTIVITY_SLOPE * msum)  # water activity lags one iteration, as in the core
        if res < TOL and rel_i < TOL:
            converged = True
            break
        lin_solve(jac, f, n_u, dx)
        big = 0.0
        for c in range(n_m):
            if abs(dx[c]) > big:
                big = abs(dx[c])
        if not (big < 1e300) or not (abs(dx[n_m]) < 1e300):  # NaN or inf: give up
            break
        damp = 1.0
        if big > 1.0:
            damp = 1.0 / big
        for c in range(n_m):
            x[c] += damp * dx[c]
        di = damp * dx[n_m]
        if ionic + di > 0.1 * ionic:
            ionic = ionic + di
        else:
            ionic = max(i_calc, 0.1 * ionic)
    state[0] = ionic
    state[1] = log_aw
    i_oh, i_co2, i_hco3, i_co3, i_ca = sp_idx[1], sp_idx[2], sp_idx[3], sp_idx[4], sp_idx[5]
    # buffer derivative dCO2/dDIC at constant charge imbalance and other totals, from the Jacobian of the
    # converged iteration (still in ``jac``: the loop exits before the elimination): J dx = -dF/dT_C, then
    # dm_CO2 = ln10 m_CO2 (sum_m nu_m dx_m - dlog g_CO2/dI dI) with a_w held fixed (lagged, as in the iteration);
    # without convergence the ratio m_CO2 / DIC
    if converged:
        for k in range(n_u):
            f[k] = 0.0
        f[1] = 1.0 / (sums[1] * LN10)  # master 1 is CO3-2 (carbon); F_1 = log10 S_1 - log10 T_C
        lin_solve(jac, f, n_u, dx)
        dlog = -dlg[i_co2] * dx[n_m]
        for a in range(nz_cnt[i_co2]):
            dlog += nz_val[i_co2, a] * dx[nz_idx[i_co2, a]]
        beta = LN10 * mol[i_co2] * dlog
    else:
        beta = mol[i_co2] / max(sums[1], 1e-300)
    si_cal = -log_k_analytic(calcite_coef, tk) + calcite_nuw * log_aw
    lp = -log_k_analytic(co2g_coef, tk) + co2g_nuw * log_aw
    for c in range(n_m):
        si_cal += calcite_nu[c] * x[c]
        lp += co2g_nu[c] * x[c]
    alkv = 0.0
    for j in range(n_sp):
        alkv += alk[j] * mol[j]
    a_h = math.exp(x[0] * LN10)
    diag[D_PH] = -x[0]
    diag[D_CO2] = mol[i_co2]
    diag[D_HCO3] = mol[i_hco3]
    diag[D_CO3] = mol[i_co3]
    diag[D_SI_CAL] = si_cal
    diag[D_LOG_PCO2] = lp
    diag[D_BETA] = beta
    diag[D_A_H] = a_h
    diag[D_A_CO2] = mol[i_co2] * math.exp(lg[i_co2] * LN10)
    diag[D_LOG_AW] = log_aw
    diag[D_I] = ionic
    diag[D_OH] = mol[i_oh]
    diag[D_ALK] = alkv
    diag[D_DIC] = sums[1]
    diag[D_CA_FREE] = mol[i_ca]
    diag[D_LG_CO2] = lg[i_co2]
    diag[D_K1] = a_h * mol[i_hco3] / mol[i_co2]
    diag[D_K2] = a_h * mol[i_co3] / mol[i_hco3]
    # Henry: log a_CO2(aq) = log KH + log f_CO2, KH from the CO2 species and the CO2(g) phase of the database
    diag[D_LOGKH] = logk[i_co2] + log_k_analytic(co2g_coef, tk) + (nu_w[i_co2] - co2g_nuw) * log_aw
    diag[D_ITER] = it
    return converged


@njit
def _speciate_many(temp_c, totals, x0, out, nu, nu_w, logk_coef, charge, ion_size, b_param, kind, alk, nz_idx,
                   nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw, co2g_coef, sp_idx,
                   dh_a, dh_b):
    n = temp_c.shape[0]
    conv = np.zeros(n, dtype=np.bool_)
    x = x0.copy()
    state = np.array([1e-3, 0.0])
    diag = np.empty(N_DIAG)
    for i in range(n):
        # warm start from the previous sample (sorted inputs converge fastest); fresh start when that failed
        if i > 0 and not conv[i - 1]:
            x[:] = x0
            state[0] = 1e-3
            state[1] = 0.0
        tot = totals[i]
        ok = speciate_one(temp_c[i], tot, x, state, diag, nu, nu_w, logk_coef, charge, ion_size, b_param, kind,
                          alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw,
                          co2g_coef, sp_idx, dh_a, dh_b)
        conv[i] = ok
        for k in range(N_DIAG):
            out[i, k] = diag[k]
    return conv


def starting_point(system: CarbonateSystem, totals_row: np.ndarray) -> np.ndarray:
    """A cold-start x: pH 7.5, free ions at their totals, CO3-2 from DIC at pH 7.5 (about 1/300 of DIC)."""
    x = np.empty(system.n_masters)
    x[0] = -7.5
    for k in range(1, system.n_masters):
        x[k] = np.log10(max(totals_row[k], 1e-30))
    x[1] -= 2.5
    return x


def speciate_carbonate(temp_c, totals_mmol_l: dict, charge_imbalance_meq_l=0.0,
                       database: str = "phreeqc.dat") -> pd.DataFrame:
    """Speciate waters from element totals (mmol/L, taken as mmol/kgw) with the compiled kernel.

    ``totals_mmol_l``: mapping with ``dic`` and ``ca`` and optionally ``mg, na, k, cl, so4, no3`` (scalars or
    arrays, broadcast to the temperatures). pH follows from electroneutrality (plus ``charge_imbalance_meq_l``),
    as in :func:`chemistry.speciate_totals`, which this function reproduces (checked in the tests). Returns
    columns ``temp_c, ph, dic_mmol_l, co2aq_mmol_l, hco3_mmol_l, co3_mmol_l, alk_meq_l, si_calcite, log_pco2,
    pco2_uatm, ionic_strength, dco2_ddic, converged, iterations``."""
    t = np.atleast_1d(np.asarray(temp_c, dtype=float))
    keys = [k for k in totals_mmol_l]
    n = max([t.size] + [np.size(totals_mmol_l[k]) for k in keys])
    t = np.broadcast_to(t, (n,)).astype(float)
    tot = {k: np.broadcast_to(np.asarray(totals_mmol_l[k], dtype=float), (n,)) for k in keys}
    unknown = set(tot) - set(ELEMENT_ORDER)
    if unknown:
        raise ValueError(f"unknown totals {sorted(unknown)}; use {list(ELEMENT_ORDER)}")
    els = tuple(e for e in ELEMENT_ORDER if e in ("dic", "ca") or (e in tot and np.any(tot[e] > 0)))
    system = carbonate_system(els, database)
    arr = np.empty((n, system.n_masters))
    arr[:, 0] = np.broadcast_to(np.asarray(charge_imbalance_meq_l, dtype=float), (n,)) / 1000.0
    for k, e in enumerate(system.elements, start=1):
        arr[:, k] = np.maximum(tot.get(e, np.zeros(n)), 0.0) / 1000.0
    out = np.empty((n, N_DIAG))
    x0 = starting_point(system, arr[0])
    conv = _speciate_many(t, np.ascontiguousarray(arr), x0, out, *system.kernel_args())
    return pd.DataFrame({
        "temp_c": t, "ph": out[:, D_PH], "dic_mmol_l": out[:, D_DIC] * 1e3, "co2aq_mmol_l": out[:, D_CO2] * 1e3,
        "hco3_mmol_l": out[:, D_HCO3] * 1e3, "co3_mmol_l": out[:, D_CO3] * 1e3, "alk_meq_l": out[:, D_ALK] * 1e3,
        "si_calcite": out[:, D_SI_CAL], "log_pco2": out[:, D_LOG_PCO2], "pco2_uatm": 1e6 * 10.0 ** out[:, D_LOG_PCO2],
        "ionic_strength": out[:, D_I], "dco2_ddic": out[:, D_BETA], "converged": conv,
        "iterations": out[:, D_ITER].astype(int)})
