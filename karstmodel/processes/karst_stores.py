"""The karst reservoirs: epikarst, matrix and conduits (KarstMod-like E, M, C; Mazzilli et al. 2019, EMS
122:103927; parameters: :class:`karstmodel.config.catchment.ReservoirParameters`).

Recharge from the carbonate share of each hydrotope feeds the epikarst (a fraction ``fast_flow_fraction`` bypasses
it to the conduits); of the non-carbonate share's recharge, ``allogenic_to_karst`` sinks into the conduits. The
epikarst drains to the matrix and the conduits and overflows above its capacity; matrix and conduits feed the
spring. Inflow enters as a pulse at the start of the day, then each reservoir recedes with the exact solution of
dS/dt = -k S^a over the day (:func:`karstmodel.processes.routing.recess`).
"""
from __future__ import annotations

import numpy as np

from .._compiled import njit

from .routing import recess


@njit
def _karst_loop(slow_in, fast_in, allo_in, ke, ae, emax, fc, f_out, km, am, kcd, ac, e0, m0, c0, f_om=0.0):
    n = slow_in.size
    e_s = np.empty(n)
    m_s = np.empty(n)
    c_s = np.empty(n)
    q_em = np.empty(n)
    q_ec = np.empty(n)
    over = np.empty(n)
    q_m = np.empty(n)
    q_c = np.empty(n)
    lost = np.empty(n)
    e, m, c = e0, m0, c0
    for t in range(n):
        e += slow_in[t]
        ov = e - emax if e > emax else 0.0
        e -= ov
        e1 = recess(e, ke, ae, 1.0)
        qe = e - e1
        e = e1
        ov_out = f_out * ov
        ov_in = ov - ov_out
        # the overflow kept in the system goes to the conduits, a share f_om percolating diffusely to the matrix
        # (with f_om = 0 both lines are bitwise the former ones: x 1.0 and + 0.0 are exact)
        to_c = fc * qe + ov_in * (1.0 - f_om)
        to_m = qe - fc * qe + ov_in * f_om
        m += to_m
        m1 = recess(m, km, am, 1.0)
        qm = m - m1
        m = m1
        c += fast_in[t] + allo_in[t] + to_c
        c1 = recess(c, kcd, ac, 1.0)
        qc = c - c1
        c = c1
        e_s[t], m_s[t], c_s[t] = e, m, c
        q_em[t], q_ec[t], over[t], q_m[t], q_c[t] = to_m, to_c, ov, qm, qc
        lost[t] = ov_out
    return e_s, m_s, c_s, q_em, q_ec, over, q_m, q_c, lost


def simulate_karst(slow_in_mm, fast_in_mm, allogenic_in_mm, res, e0=None, m0=None, c0=None) -> dict:
    """Route recharge through the E/M/C reservoirs (mm over the catchment). Returns storages (end of day) and
    flows: ``epikarst_to_matrix_mm`` (incl. the share ``overflow_to_matrix_fraction`` of the overflow kept in the
    system), ``epikarst_to_conduit_mm`` (incl. the rest of the overflow kept in the system),
    ``overflow_mm``, ``other_outlets_mm`` (overflow leaving to other outlets), ``matrix_out_mm``,
    ``conduit_out_mm``, ``spring_mm``."""
    slow = np.ascontiguousarray(slow_in_mm, dtype=float)
    if m0 is None:
        m0 = res.initial_matrix_mm
    args = (np.ascontiguousarray(fast_in_mm, dtype=float), np.ascontiguousarray(allogenic_in_mm, dtype=float),
            float(res.epikarst_k_per_d), float(res.epikarst_exponent), float(res.epikarst_max_mm),
            float(res.conduit_fraction), float(res.overflow_outside_fraction), float(res.matrix_k_per_d),
            float(res.matrix_exponent), float(res.conduit_k_per_d), float(res.conduit_exponent),
            float(res.initial_epikarst_mm if e0 is None else e0))
    f_om = float(res.overflow_to_matrix_fraction)
    if m0 is None:
        # steady state of the matrix for its mean inflow (the epikarst outflow it actually receives, found by a
        # first pass with an empty matrix: the overflow and the conduit share never reach it)
        first = _karst_loop(slow, *args, 0.0, float(res.initial_conduit_mm if c0 is None else c0), f_om)
        inflow = max(float(np.mean(first[3])), 1e-12)
        m0 = (inflow / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent)
    e_s, m_s, c_s, q_em, q_ec, over, q_m, q_c, lost = _karst_loop(
        slow, *args, float(m0), float(res.initial_conduit_mm if c0 is None else c0), f_om)
    return {"epikarst_mm": e_s, "matrix_mm": m_s, "conduit_mm": c_s, "epikarst_to_matrix_mm": q_em,
            "epikarst_to_conduit_mm": q_ec, "overflow_mm": over, "matrix_out_mm": q_m, "conduit_out_mm": q_c,
            "spring_mm": q_m + q_c, "other_outlets_mm": lost}
