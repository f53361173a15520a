"""The fused open-system solve (chemistry._fused) against the general path, PHREEQC and the thermo functions,
and the complete starting state of chemistry.water.solve (``start_state``)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import _fused, _fused_table, equilibrium, thermo, water
from chemistry._kernel import AVAILABLE

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="the fused path needs numba")

MINERALS = ("calcite", "dolomite", "both")


def _inputs(n=3000, seed=7, log_p=(-6.0, 0.0), temp=(0.0, 60.0)):
    rng = np.random.default_rng(seed)
    return rng.uniform(*temp, n), 10.0 ** rng.uniform(*log_p, n)


def _numeric(df):
    return df.select_dtypes("number")


CASES = ([(m, "open", "phreeqc.dat") for m in MINERALS] + [("calcite", "open", "wateq4f.dat")]
         + [(m, "closed", "phreeqc.dat") for m in MINERALS])


@pytest.mark.parametrize("mineral, system, database", CASES)
def test_fused_equals_general_path(mineral, system, database):
    """Same columns, same order, same values as the general solve: species to 1e-8 relative, pH, SI and log pCO2
    to 5e-9 absolute (both solves stop at a Newton step below 1e-8); NaN in the same places (the charge balance is ~1e-10 in both, compared in absolute)."""
    t, p = _inputs()
    fused = chemistry.equilibrate(t, p, mineral=mineral, system=system, database=database)
    general = chemistry.equilibrate(t, p, mineral=mineral, system=system, database=database, _fused=False)
    assert fused.attrs == general.attrs
    assert list(fused.columns) == list(general.columns)
    assert fused["converged"].all() and general["converged"].all()
    a, b = _numeric(fused), _numeric(general)
    assert (a.isna() == b.isna()).all().all()
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        ok = np.isfinite(y)
        if col in ("charge_balance_pct",):
            assert np.abs(x[ok]).max() < 1e-6 and np.abs(y[ok]).max() < 1e-6
        elif col == "charge_imbalance_meq_kgw":  # a residual: below 1e-8 of the cation charge in both
            scale = 2.0 * (a["ca_mmol_kgw"] + a["mg_mmol_kgw"]).to_numpy()
            assert (np.abs(x) / scale).max() < 1e-8 and (np.abs(y) / scale).max() < 1e-8
        elif col in ("ph", "log_pco2") or col.startswith("si_"):
            assert np.abs(x[ok] - y[ok]).max(initial=0.0) < 5e-9, col
        else:
            scale = np.maximum(np.abs(y[ok]), 1e-300)
            big = np.abs(y[ok]) > 1e-12
            if big.any():  # all-zero columns (absent elements) compared below
                assert (np.abs(x[ok] - y[ok])[big] / scale[big]).max() < 1e-8, col
            assert np.abs(x[ok][~big]).max(initial=0.0) < 1e-12, col
    # the calcite SI is zero by construction in both; temp and pCO2 are the inputs
    np.testing.assert_array_equal(fused["temp_c"].to_numpy(), t)
    np.testing.assert_array_equal(fused["pco2_atm"].to_numpy(), p)
    assert str(fused["mineral"].iloc[0]) == mineral and str(fused["system"].iloc[0]) == system


@pytest.mark.parametrize("system", ["open", "closed"])
@pytest.mark.phreeqc
def test_fused_against_phreeqc(system):
    """The fused path against PHREEQC (pinned phreeqc.dat) on 40 random waters, within the tolerances of issue 2."""
    t, p = _inputs(40, seed=3, log_p=(-3.5, -0.5), temp=(0.0, 40.0))
    fused = chemistry.equilibrate(t, p, mineral="calcite", system=system)
    ref = chemistry.equilibrate(t, p, mineral="calcite", system=system, backend="phreeqc")
    assert np.abs(fused["ph"] - ref["ph"]).max() < 1e-3
    for col in ("ca_mmol_kgw", "dic_mmol_kgw", "hco3_mmol_kgw"):
        assert (np.abs(fused[col] / ref[col] - 1)).max() < 5e-4, col


@pytest.mark.parametrize("mineral, system", [(m, s_) for s_ in ("open", "closed") for m in MINERALS])
def test_start_table_is_within_tolerance_so_one_step_converges(mineral, system):
    """Inside the table (0-60 C, pCO2 1e-8 to 1 atm) samples converge at the first Newton step (above 99 %; the
    rest, near log pCO2 -5.5 at high temperature where the solution bends most, at the second)."""
    t, p = _inputs(20000, seed=11, log_p=(-8.0, 0.0))
    run = _fused.equilibrate_open if system == "open" else _fused.equilibrate_closed
    _, _, _, conv, its = run(t, p, mineral, "phreeqc.dat", 1e-8)
    assert conv.all()
    assert its.max() <= 2 and (its == 1).mean() > 0.99


def test_tabulated_temperature_functions_match_thermo():
    """Debye-Hueckel A, B and the Peng-Robinson log phi of CO2, interpolated from the start table, against
    chemistry.thermo off the grid nodes."""
    st = _fused_table.start_table("phreeqc.dat", "calcite")
    t, p = _inputs(500, seed=5, log_p=(-8.0, 0.0))
    w = np.empty(4)
    model = st["model"]
    crit = model.database.phases["CO2(g)"].critical
    for tc, pp in zip(t, p):
        i0 = _fused._weights(tc, _fused_table.T_LO, 1.0 / _fused_table.T_STEP, st["tab_t"].shape[1], w)
        wt = w.copy()
        a = wt @ st["tab_t"][0, i0:i0 + 4]
        b = wt @ st["tab_t"][1, i0:i0 + 4]
        a_ref, b_ref = thermo.debye_huckel_a_b(np.array([tc]))
        assert abs(a / a_ref[0] - 1) < 1e-10 and abs(b / b_ref[0] - 1) < 1e-10
        j0 = _fused._weights(np.log10(pp), _fused_table.LP_LO, 1.0 / _fused_table.LP_STEP, st["tab"].shape[1], w)
        wp = w.copy()
        log_phi = pp * (wt @ st["tab"][i0:i0 + 4, j0:j0 + 4, -1] @ wp)
        phi, _ = thermo.peng_robinson(np.array([tc]), np.array([pp]), *crit)
        assert abs(log_phi - np.log10(phi[0])) < 1e-11


def test_outside_the_table_still_converges():
    """pCO2 below the table (1e-10 atm) starts from the nearest table cell and needs more steps, to the same
    answer as the general path."""
    t = np.array([5.0, 25.0, 45.0])
    p = np.full(3, 1e-10)
    fused = chemistry.equilibrate(t, p)
    general = chemistry.equilibrate(t, p, _fused=False)
    assert fused["converged"].all()
    np.testing.assert_allclose(fused["ca_mmol_kgw"], general["ca_mmol_kgw"], rtol=1e-8)
    np.testing.assert_allclose(fused["ph"], general["ph"], atol=1e-9)


def test_samples_the_fused_solve_misses_go_to_the_general_path(monkeypatch):
    """Samples flagged as not converged by the fused kernel are solved again by the general path."""
    t, p = _inputs(50, seed=9)
    real = _fused.equilibrate_open

    def flaky(*args):
        block, names, zero, conv, its = real(*args)
        conv[::7] = False
        block[:, ::7] = -999.0
        return block, names, zero, conv, its

    monkeypatch.setattr(_fused, "equilibrate_open", flaky)
    df = chemistry.equilibrate(t, p)
    general = chemistry.equilibrate(t, p, _fused=False)
    assert df["converged"].all()
    assert (df.select_dtypes("number") != -999.0).all().all()
    for col in ("ca_mmol_kgw", "ph", "si_aragonite"):  # flagged rows: exactly the general path's values
        np.testing.assert_array_equal(df[col].to_numpy()[::7], general[col].to_numpy()[::7])
    np.testing.assert_allclose(df["ca_mmol_kgw"], general["ca_mmol_kgw"], rtol=1e-8)


def test_bad_input_is_checked_as_in_the_general_path():
    from chemistry.errors import InputError
    with pytest.raises(InputError, match="pco2_atm"):
        chemistry.equilibrate([10.0, 20.0], [1e-2, -1.0])
    with pytest.raises(InputError, match="temp_c"):
        chemistry.equilibrate([10.0, 105.0], 1e-2)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_complete_start_state(engine):
    """solve(start_state=(I, log a_w)) from the converged state: one Newton step to the same solution; from a poor
    state (I ten times too high) it still converges to it (the fallback re-solves from x0 where needed)."""
    t, p = _inputs(400, seed=13, log_p=(-3.5, -0.5))
    model = water.build_model(("ca", "dic"), "phreeqc.dat")
    log_f = equilibrium.co2_log_fugacity(model, t, p)
    ll, sums = _fused_table.constraints(model, "calcite", log_f, t.size)
    x0 = equilibrium._x0(model, t.size, t, p, "open")
    ref = water.solve(model, t, ll, sums, x0=x0, engine=engine)
    warm = water.solve(model, t, ll, sums, x0=ref.x, start_state=(ref.ionic_strength, ref.log_aw), engine=engine)
    assert warm.converged.all() and warm.sample_iterations.max() == 1
    np.testing.assert_allclose(warm.x, ref.x, atol=1e-9)
    poor = water.solve(model, t, ll, sums, x0=ref.x, start_state=(10 * ref.ionic_strength, ref.log_aw),
                       engine=engine)
    assert poor.converged.all()
    np.testing.assert_allclose(poor.x, ref.x, atol=1e-9)
    np.testing.assert_allclose(poor.ionic_strength, ref.ionic_strength, rtol=1e-8)


def test_label_columns_are_categorical_strings():
    df = chemistry.equilibrate([10.0, 20.0], 1e-2)
    assert isinstance(df["mineral"].dtype, pd.CategoricalDtype)
    assert (df["mineral"] == "calcite").all() and (df["system"] == "open").all()


def test_vectorised_exp10_against_40_digit_arithmetic():
    """The kernel's exp10 (Cody & Waite reduction, Taylor series, exponent bits) against mpmath: relative error below
    eps (1 + |x ln 10|), the rounding of the argument x ln 10 that exp(x ln 10) also carries."""
    import math

    import mpmath
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-30.0, 2.0, 1500), rng.uniform(-300.0, 300.0, 500), [0.0, 1.0, -1.0, 2.0]])
    out = np.empty_like(x)
    _fused._exp10(x, x.size, out, np.empty(x.size, dtype=np.int64))
    with mpmath.workdps(40):
        exact = np.array([float(mpmath.power(10, mpmath.mpf(float(v)))) for v in x])
    rel = np.abs(out / exact - 1.0)
    assert np.all(rel <= np.finfo(float).eps * (1.0 + np.abs(x) * math.log(10.0)))
    assert rel[:1500].max() < 1e-14
    np.testing.assert_allclose(out[-4:], [1.0, 10.0, 0.1, 100.0], rtol=1e-15)
