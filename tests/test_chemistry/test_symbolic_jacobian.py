"""The analytic Jacobian of the native solver, checked against sympy.

From the matrices ``chemistry.water.build_model`` gives (stoichiometry nu over the master species, log K, charges,
activity parameters), sympy builds the residuals the solver drives to zero and differentiates them. The solver's
Jacobian of a sum constraint sum_j W_j m_j with respect to the master log activities x at fixed activity
coefficients is ln10 * W diag(m) nu (chemistry/water.py); in log form, log10(sum_j W_j m_j) - log10(T), it is
W diag(m) nu / (W m); after eliminating the log-linear constraints (CO2(g) and calcite at fixed SI) by
x = x_p + N y it is multiplied by N. With the ionic strength as an unknown the column dF/dI is
-ln10 * W diag(m) dlog(gamma)/dI.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import null_space

from chemistry import database, thermo
from chemistry.water import build_model

LN10 = np.log(10.0)


def _model_arrays(elements, temp_c):
    model = build_model(elements)
    tk = temp_c + thermo.KELVIN
    logk = model.species_logk(np.array([tk]))[0]
    return model, logk


def _symbolic_molalities(model, logk, lg, log_aw):
    """x symbols (one per master) and sympy expressions of every species' molality at fixed gamma and a_w."""
    x = sp.symbols(f"x0:{len(model.masters)}", real=True)
    m = []
    for j in range(len(model.species)):
        expo = sp.Float(logk[j], 30) - sp.Float(lg[j], 30) + sp.Float(model.nu_w[j] * log_aw, 30)
        for k in range(len(model.masters)):
            if model.nu[j, k] != 0:
                expo += sp.Integer(int(model.nu[j, k])) * x[k] if float(model.nu[j, k]).is_integer() else \
                    sp.Float(model.nu[j, k], 30) * x[k]
        m.append(sp.Integer(10) ** expo)
    return x, m


def _states(model, n, seed):
    """Random plausible states: pH 5-10, log a of the other masters -6 .. -2."""
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-6.0, -2.0, (n, len(model.masters)))
    xs[:, 0] = -rng.uniform(5.0, 10.0, n)
    return xs


def _gamma(model, ionic, temp_c):
    a, b = thermo.debye_huckel_a_b(np.array([temp_c]))
    return thermo.log_gamma(np.array([ionic]), model.charge, model.ion_size, model.b_param, model.gamma_kind,
                            a, b)[0]


@pytest.mark.parametrize("temp_c,ionic", [(5.0, 2e-3), (25.0, 8e-3), (38.0, 0.03)])
def test_open_system_charge_balance_jacobian(temp_c, ionic):
    model, logk = _model_arrays(("dic", "ca"), temp_c)
    assert model.masters == ("H+", "CO3-2", "Ca+2")
    lg = _gamma(model, ionic, temp_c)
    log_aw = -0.017 * 0.01 / LN10
    x, m = _symbolic_molalities(model, logk, lg, log_aw)
    w = model.charge
    residual = sum(sp.Float(w[j], 30) * m[j] for j in range(len(m)) if w[j] != 0)
    jac_sym = sp.lambdify([x], [sp.diff(residual, xk) for xk in x], "numpy")
    mol_fn = sp.lambdify([x], m, "numpy")
    # the log-linear constraints of the open system: CO2(g) and calcite at fixed SI -> x = xp + N y
    rows = np.array([model.phase("CO2(g)")[0], model.phase("Calcite")[0]])
    null = null_space(rows)
    assert null.shape == (3, 1)
    y = sp.Symbol("y", real=True)
    for xs in _states(model, 6, seed=int(temp_c)):
        mol = np.array(mol_fn(xs), dtype=float)
        formula = LN10 * (w * mol) @ model.nu  # ln10 W diag(m) nu
        got = np.array(jac_sym(xs), dtype=float)
        np.testing.assert_allclose(formula, got, rtol=1e-10, atol=1e-14 * np.abs(got).max())
        # reduced problem: F(y) = F(xs + N y); dF/dy at y = 0 equals the formula times N
        sub = {x[k]: sp.Float(xs[k], 30) + sp.Float(null[k, 0], 30) * y for k in range(3)}
        dfdy = float(sp.diff(residual.subs(sub), y).subs(y, 0))
        assert formula @ null[:, 0] == pytest.approx(dfdy, rel=1e-10)


@pytest.mark.parametrize("temp_c", [2.0, 20.0, 35.0])
def test_closed_system_mass_balance_jacobian(temp_c):
    """Closed calcite system: the row C - Ca = const (linear) and a Ca mass balance in log form."""
    model, logk = _model_arrays(("dic", "ca"), temp_c)
    lg = _gamma(model, 5e-3, temp_c)
    x, m = _symbolic_molalities(model, logk, lg, 0.0)
    w_lin = model.element_row("dic") - model.element_row("ca")
    w_ca = model.element_row("ca")
    f_lin = sum(sp.Float(w_lin[j], 30) * m[j] for j in range(len(m)) if w_lin[j] != 0)
    f_log = sp.log(sum(sp.Float(w_ca[j], 30) * m[j] for j in range(len(m)) if w_ca[j] != 0), 10) - sp.log(
        sp.Float(1.3e-3, 30), 10)
    j_lin = sp.lambdify([x], [sp.diff(f_lin, xk) for xk in x], "numpy")
    j_log = sp.lambdify([x], [sp.diff(f_log, xk) for xk in x], "numpy")
    mol_fn = sp.lambdify([x], m, "numpy")
    for xs in _states(model, 6, seed=100 + int(temp_c)):
        mol = np.array(mol_fn(xs), dtype=float)
        lin = LN10 * (w_lin * mol) @ model.nu
        np.testing.assert_allclose(lin, np.array(j_lin(xs), dtype=float), rtol=1e-10,
                                   atol=1e-14 * np.abs(lin).max())
        log = (w_ca * mol) @ model.nu / (w_ca @ mol)  # ln10 W diag(m) nu / (ln10 W m)
        np.testing.assert_allclose(log, np.array(j_log(xs), dtype=float), rtol=1e-10)


def test_ionic_strength_column_and_activity_model():
    """sympy's log gamma (WATEQ, Davies, 0.1 I as the model's gamma_kind says) equals thermo.log_gamma, and
    dF/dI = -ln10 W diag(m) dlog(gamma)/dI with dlog(gamma)/dI = -A z^2 / (2 sqrt(I) (1 + B a sqrt(I))^2) + b
    (WATEQ), -A z^2 (1 / (2 sqrt(I) (1 + sqrt(I))^2) - 0.3) (Davies), 0.1 (neutral)."""
    elements = ("dic", "ca", "mg", "na", "cl", "so4")
    temp_c = 15.0
    model, logk = _model_arrays(elements, temp_c)
    assert set(model.gamma_kind) == {0, 1, 2}  # all three equations occur
    a, b = (float(v[0]) for v in thermo.debye_huckel_a_b(np.array([temp_c])))
    i_sym = sp.Symbol("I", positive=True)
    lg_sym = []
    for z, size, bp, kind in zip(model.charge, model.ion_size, model.b_param, model.gamma_kind):
        if kind == 0:
            lg_sym.append(-a * z**2 * sp.sqrt(i_sym) / (1 + b * size * sp.sqrt(i_sym)) + bp * i_sym)
        elif kind == 1:
            lg_sym.append(-a * z**2 * (sp.sqrt(i_sym) / (1 + sp.sqrt(i_sym)) - sp.Float(0.3) * i_sym))
        else:
            lg_sym.append(sp.Float(0.1) * i_sym)
    xs = _states(model, 1, seed=9)[0]
    w = model.charge
    for ionic in (1e-3, 1e-2, 0.05):
        np.testing.assert_allclose([float(e.subs(i_sym, ionic)) for e in lg_sym], _gamma(model, ionic, temp_c),
                                   rtol=1e-12, atol=1e-15)
        expo = logk + model.nu @ xs
        mol_expr = [sp.Integer(10) ** (sp.Float(expo[j], 30) - lg_sym[j]) for j in range(len(lg_sym))]
        residual = sum(sp.Float(w[j], 30) * mol_expr[j] for j in range(len(w)) if w[j] != 0)
        dfdi = float(sp.diff(residual, i_sym).subs(i_sym, ionic))
        mol = 10.0 ** (expo - _gamma(model, ionic, temp_c))
        sq = np.sqrt(ionic)
        z2 = model.charge**2
        dlg = np.where(model.gamma_kind == 0, -a * z2 / (2 * sq * (1 + b * model.ion_size * sq) ** 2) + model.b_param,
                       np.where(model.gamma_kind == 1, -a * z2 * (1 / (2 * sq * (1 + sq) ** 2) - 0.3), 0.1))
        assert -LN10 * (w * mol) @ dlg == pytest.approx(dfdi, rel=1e-10)


def test_model_matrices_are_those_of_the_database():
    """The matrices used above are the database's reactions: HCO3- = CO3-2 + H+ (nu 1, 1) and CaHCO3+ (1, 1, 1)."""
    model, _ = _model_arrays(("dic", "ca"), 25.0)
    db = database.load()
    for s in model.species:
        row = dict(zip(model.masters, model.nu[model.index(s)]))
        for k, v in db.species[s].nu.items():
            if k != "H2O":
                assert row[k] == v, (s, k)
    assert dict(zip(model.masters, model.nu[model.index("CaHCO3+")])) == {"H+": 1.0, "CO3-2": 1.0, "Ca+2": 1.0}
