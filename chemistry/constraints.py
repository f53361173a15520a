"""Constraint builders and starting points of the native solver (:func:`chemistry.water.solve`).

The constraints of each karst system (Dreybrodt 1988, *Processes in karst systems*, Springer, ch. 2-3; Appelo &
Postma 2005, *Geochemistry, groundwater and pollution*, 2nd ed., sections 5.3-5.4): electroneutrality with a
charge imbalance, mass balances in log form, a phase at a saturation index (CO2(g) at its log fugacity, a
mineral at SI = 0), and the conserved combinations of element totals of the closed system (C - Ca for calcite,
C - 2 Ca and Mg - Ca for dolomite, C - Ca - Mg for both). Starting points of the Newton iteration come from the
carbonate system in closed form (:func:`_x0`, :func:`_x0_totals`). Used by :mod:`chemistry.equilibrium`,
:mod:`chemistry.kinetics` and :mod:`chemistry._fused`.
"""
from __future__ import annotations

import numpy as np

from . import thermo
from .database import DATABASE_DIR, temperature_basis
from .water import LogLinear, Sum, build_model, one_temperature, solve

def _element_set(mineral, totals):
    els = {"dic"} if mineral == "none" else {"dic", "ca"}
    if mineral in ("dolomite", "both"):
        els.add("mg")
    els |= {k for k, v in totals.items() if np.any(v > 0)}
    return tuple(sorted(els))


def _charge(model, imbalance):
    return Sum(weights=model.charge.copy(), rhs=imbalance)


def _mass(model, element, total):
    """Mass balance of an element, solved in log form; a zero total is floored at 1e-30 mol/kgw (the element is
    then present only at a negligible trace, which keeps the log form well posed)."""
    return Sum(weights=model.element_row(element), rhs=np.maximum(total, 1e-30), log_form=True)


def co2_log_fugacity(model, temp_c, p_atm):
    """log10 fugacity of CO2 at partial pressure ``p_atm``: log p + log phi (Peng-Robinson, as PHREEQC 3 does
    for gases with critical constants; :func:`chemistry.thermo.peng_robinson`)."""
    crit = model.database.phases["CO2(g)"].critical
    if crit is None:
        return np.log10(p_atm)
    phi, _ = thermo.peng_robinson(temp_c, p_atm, *crit)
    return np.log10(p_atm) + np.log10(phi)


def _tol(tol):
    """Keyword for :func:`chemistry.water.solve`: its default tolerance unless one is given."""
    return {} if tol is None else {"tol": float(tol)}


def _phase_ll(model, name, target):
    row, nu_w, coef = model.phase(name)
    return LogLinear(coef=row, target=target, logk_coef=coef, nu_w=nu_w)


def _x0(model, n, temp_c=None, p_atm=None, system="open", totals=None):
    """Starting point for the Newton iteration from the carbonate system with Davies activity coefficients
    (the major species only: H+, HCO3-, CO2, CO3-2, Ca+2, Mg+2; no ion pairs).

    Pure water + CO2: a_H = sqrt(K1 KH p). With the mineral (calcite if the model has no Mg, otherwise
    dolomite, Ca = Mg; Dreybrodt 1988, *Processes in karst systems*, ch. 2, eqs. 2.33 ff.), charge balance
    HCO3- = 2 (Ca + Mg):

    * open system: Ca^3 = p KH K1 Kc / (4 K2 g2 g1^2) (calcite; dolomite: sqrt(Kd) / (16 K2 g2 g1^2));
    * closed system (CO2 taken up at pCO2 p first, C0 = KH p + sqrt(K1 KH p), then C - Ca conserved):
      CO2 = C0 - Ca, so 4 K2 g2 g1^2 Ca^3 + Kc K1 Ca - Kc K1 C0 = 0 (dolomite: 16 K2 g2 g1^2 Ca^3
      + 2 sqrt(Kd) K1 Ca - sqrt(Kd) K1 C0 = 0), solved in closed form (the real root of a depressed cubic).

    g1, g2 are Davies activity coefficients (Davies 1962; :func:`chemistry.thermo.log_gamma`) at the ionic
    strength of the ideal solution (I = 3 Ca for calcite, 6 Ca for dolomite): one fixed-point step. Only the
    directions not fixed by the log-linear constraints matter.
    """
    x0 = np.full((n, len(model.masters)), -3.0)
    x0[:, 0] = -7.5
    if temp_c is None or p_atm is None:
        return x0
    temp_c = np.broadcast_to(np.asarray(temp_c, dtype=float), (n,))
    p_atm = np.broadcast_to(np.asarray(p_atm, dtype=float), (n,))
    dh_a = _dh_a_estimate(temp_c)
    block = 32768  # evaluated in blocks: the temporaries stay in cache
    for lo in range(0, n, block):
        _x0_block(model, x0[lo:lo + block], temp_c[lo:lo + block], p_atm[lo:lo + block], system, dh_a[lo:lo + block])
    return x0


def _x0_block(model, x0, temp_c, p_atm, system, dh_a):
    tk = temp_c + thermo.KELVIN
    basis = temperature_basis(tk)
    coef = lambda c: np.asarray(c.log_k.coefficients)  # noqa: E731
    db = model.database
    # log K of HCO3- = CO3-2 + H+ (-K2), CO2 + H2O = HCO3- + H+ (K1), CO2(g) = CO2 (KH), mineral
    lk = basis @ np.stack([coef(db.species["HCO3-"]), coef(db.species["CO2"]), coef(db.phases["CO2(g)"])], axis=1)
    log_k2 = -lk[:, 0]
    log_k1 = lk[:, 0] - lk[:, 1]
    log_kh = lk[:, 2] + lk[:, 1]
    lp = np.log10(np.broadcast_to(np.asarray(p_atm, dtype=float), tk.shape))
    if system == "gas":
        log_h = np.clip(0.5 * (log_k1 + log_kh + lp), -9, -3)
        x0[:, 0] = log_h
        x0[:, model.masters.index("CO3-2")] = log_k2 + log_h - log_h  # HCO3 = H+ in pure water + CO2
        return
    dolomite = "Mg+2" in model.masters
    if dolomite:  # Ca = Mg: Ca Mg CO3^2 = Kd -> Ca CO3 = sqrt(Kd)
        log_kc = 0.5 * (basis @ coef(db.phases["Dolomite"]))
        n_cat, c_coef, i_per_ca = 2.0, 2.0, 6.0
    else:
        log_kc = basis @ coef(db.phases["Calcite"])
        n_cat, c_coef, i_per_ca = 1.0, 1.0, 3.0
    k1, k2, kh, kc = 10.0**log_k1, 10.0**log_k2, 10.0**log_kh, 10.0**log_kc
    p = 10.0**lp
    c0 = kh * p + np.sqrt(k1 * kh * p)
    log_g1 = np.zeros_like(tk)
    log_g2 = np.zeros_like(tk)
    for _ in range(2):  # ideal solution, then one step with Davies activity coefficients
        a3 = 4.0 * n_cat**2 * k2 * 10.0 ** (log_g2 + 2.0 * log_g1)  # a3 Ca^3 = ...
        b = kc * k1
        if system == "open":
            ca = np.cbrt(b * kh * p / a3)
        else:
            # depressed cubic Ca^3 + P Ca + Q = 0 with P = c b / a3 > 0, Q = -b C0 / a3 < 0: one real root,
            # Ca = -2 sqrt(P/3) sinh(asinh(3 Q / (2 P) sqrt(3 / P)) / 3) (no cancellation)
            pp = c_coef * b / a3
            qq = -b * c0 / a3
            ca = -2.0 * np.sqrt(pp / 3.0) * np.sinh(np.arcsinh(1.5 * qq / pp * np.sqrt(3.0 / pp)) / 3.0)
            ca = np.minimum(ca, 0.999 * c0 / c_coef)
        sq = np.sqrt(i_per_ca * ca)
        davies = -dh_a * (sq / (1.0 + sq) - 0.3 * i_per_ca * ca)
        log_g1, log_g2 = davies, 4.0 * davies
    hco3 = 2.0 * n_cat * ca
    co2 = kh * p if system == "open" else c0 - c_coef * ca
    log_h = log_k1 + np.log10(co2) - np.log10(hco3) - log_g1
    x0[:, 0] = np.clip(log_h, -11, -4)
    x0[:, model.masters.index("CO3-2")] = log_kc - np.log10(ca) - log_g2
    x0[:, model.masters.index("Ca+2")] = np.log10(ca) + log_g2
    if dolomite:
        x0[:, model.masters.index("Mg+2")] = np.log10(ca) + log_g2


def _gas_uptake(model, temp_c, p_atm, totals, imbalance, tol=None):
    """Equilibrate the starting water with CO2 at partial pressure p_atm (no mineral); return the solution."""
    present = tuple(e for e in model.elements if e == "dic" or np.any(totals[e] > 0))
    if present != model.elements:
        model = build_model(present, model.database.path.name if model.database.path.parent == DATABASE_DIR
                            else str(model.database.path))
    ll = [_phase_ll(model, "CO2(g)", co2_log_fugacity(model, temp_c, p_atm))]
    sums = [_charge(model, imbalance)]
    for e in model.elements:
        if e != "dic":
            sums.append(_mass(model, e, totals[e]))
    return solve(model, temp_c, ll, sums, x0=_x0(model, temp_c.size, temp_c, p_atm, "gas"), **_tol(tol))


def _open_constraints(model, mineral, log_f_co2, totals, imbalance):
    """Constraints of the open system: CO2(g) at log fugacity ``log_f_co2``, the mineral(s) at SI = 0,
    electroneutrality with the charge imbalance, Mg - Ca conserved for dolomite alone, and the mass balances of
    the other elements of the starting water."""
    n = np.size(imbalance)
    ll = [_phase_ll(model, "CO2(g)", log_f_co2)]
    sums = [_charge(model, imbalance)]
    if mineral in ("calcite", "both"):
        ll.append(_phase_ll(model, "Calcite", np.zeros(n)))
    if mineral in ("dolomite", "both"):
        ll.append(_phase_ll(model, "Dolomite", np.zeros(n)))
    if mineral == "dolomite":
        sums.append(Sum(weights=model.element_row("mg") - model.element_row("ca"), rhs=totals["mg"] - totals["ca"]))
    for e in model.elements:
        if e in ("dic", "ca") or (e == "mg" and mineral != "calcite"):
            continue
        sums.append(_mass(model, e, totals[e]))
    return ll, sums


def _closed_constraints(model, mineral, c0, totals, imbalance, gas=None):
    """Constraints for dissolution without gas exchange (or with a finite gas volume ``gas``)."""
    ll, sums = [], [_charge(model, imbalance)]
    ca0, mg0 = totals["ca"], totals["mg"]
    w_c, w_ca = model.element_row("dic"), model.element_row("ca")
    w_mg = model.element_row("mg") if "mg" in model.elements else None
    if mineral == "calcite":
        ll.append(_phase_ll(model, "Calcite", np.zeros_like(c0)))
        s = Sum(weights=w_c - w_ca, rhs=c0 - ca0)
    elif mineral == "dolomite":
        ll.append(_phase_ll(model, "Dolomite", np.zeros_like(c0)))
        s = Sum(weights=w_c - 2.0 * w_ca, rhs=c0 - 2.0 * ca0)
        sums.append(Sum(weights=w_mg - w_ca, rhs=mg0 - ca0))
    else:
        ll.append(_phase_ll(model, "Calcite", np.zeros_like(c0)))
        ll.append(_phase_ll(model, "Dolomite", np.zeros_like(c0)))
        s = Sum(weights=w_c - w_ca - w_mg, rhs=c0 - ca0 - mg0)
    if gas is not None:
        gas_coef, p0 = gas
        s.rhs = s.rhs + gas_coef * p0
        s.gas_coef = gas_coef
        s.gas_phase = model.phase("CO2(g)")
    sums.append(s)
    for e in model.elements:
        if e in ("dic", "ca") or (e == "mg" and mineral != "calcite"):
            continue
        sums.append(_mass(model, e, totals[e]))
    return ll, sums



def _dh_a_estimate(temp_c) -> np.ndarray:
    """Debye-Hueckel A for starting points, interpolated in :func:`chemistry.thermo.debye_huckel_table` (the
    iteration itself uses the formula)."""
    return thermo.debye_huckel_a_b_interp(temp_c)[0]


def _x0_totals(model, temp_c, totals: dict, imbalance) -> np.ndarray:
    """Starting point for a water given by totals: carbonate alkalinity from the strong ions (A = 2 Ca + 2 Mg + Na +
    K - Cl - 2 SO4 - NO3 - imbalance), then [H+] of the carbonate system with that A and the DIC, with conditional
    constants K1c = K1 / g1^2 and K2c = K2 / g2:
    [H] = K1c (C - A) / A where A < C (HCO3- and CO2), [H] = K2c (2C - A) / (A - C) where A > C (HCO3- and CO3-2).
    Activity coefficients g1, g2 (charge 1, 2) from the Davies equation (Davies 1962) at the ionic strength of the
    free ions (I = 0.5 sum z^2 c, HCO3- carrying A); masters start at their totals times g (ion pairs neglected)."""
    n = temp_c.size
    x0 = np.full((n, len(model.masters)), -3.0)
    if one_temperature(temp_c):
        temp_c = temp_c[:1]  # one temperature: constants evaluated once and broadcast
    basis = temperature_basis(temp_c + thermo.KELVIN)
    lk = lambda sp: basis @ np.asarray(model.database.species[sp].log_k.coefficients)  # noqa: E731
    log_k2 = -lk("HCO3-")
    log_k1 = lk("HCO3-") - lk("CO2")
    a = (2 * totals["ca"] + 2 * totals["mg"] + totals["na"] + totals["k"] - totals["cl"] - 2 * totals["so4"]
         - totals["no3"] - imbalance)
    c = np.maximum(totals["dic"], 1e-15)
    ionic = 0.5 * (4 * (totals["ca"] + totals["mg"] + totals["so4"]) + totals["na"] + totals["k"] + totals["cl"]
                   + totals["no3"] + np.clip(a, 0.0, 2.0 * c))
    sq = np.sqrt(np.clip(ionic, 0.0, 0.5))
    dh_a = _dh_a_estimate(temp_c)
    lg1 = -dh_a * (sq / (1.0 + sq) - 0.3 * sq * sq)
    lg2 = 4.0 * lg1
    log_k1c = log_k1 - 2.0 * lg1
    log_k2c = log_k2 - lg2
    with np.errstate(divide="ignore", invalid="ignore"):
        h_low = 10.0 ** log_k1c * (c - a) / a
        h_high = 10.0 ** log_k2c * (2 * c - a) / (a - c)
    h = np.where(a <= 0, 10.0 ** -4.5, np.where(a < 0.98 * c, h_low, np.where(a > 1.02 * c, h_high,
                                                                                  10.0 ** (0.5 * (log_k1c + log_k2c)))))
    log_h = np.clip(np.log10(np.where(np.isfinite(h) & (h > 0), h, 1e-7)), -11.5, -3.0)  # concentration
    x0[:, 0] = log_h + lg1
    alpha2 = 1.0 / (1.0 + 10.0 ** (-log_k2c + log_h) + 10.0 ** (-log_k2c - log_k1c + 2 * log_h))
    x0[:, model.masters.index("CO3-2")] = np.log10(c * alpha2) + lg2
    for e in model.elements:
        if e != "dic":
            m = model.master_index(e)
            divalent = model.masters[m].endswith(("+2", "-2"))
            x0[:, m] = np.log10(np.maximum(totals[e], 1e-20)) + (lg2 if divalent else lg1)
    return x0
