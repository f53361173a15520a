"""karstmodel.processes.recharge_tables: the shipped grid values of the pure-water recharge tables are exactly what a
new solve gives (chemistry.equilibrate with the shipped phreeqc.dat), runs use them without solving, and any other
request (a starting water with solutes, another database, a changed database file) is solved."""
from __future__ import annotations

import numpy as np
import pytest

from karstmodel.processes import dissolution
from karstmodel.processes import recharge_tables as rt


@pytest.mark.parametrize("mineral,system", rt.SHIPPED)
def test_shipped_values_equal_a_new_solve_bit_for_bit(mineral, system):
    """If the solver or the database moves any value, this fails: write the file again
    (python -m karstmodel.processes.recharge_tables)."""
    data = rt._load()
    assert data is not None
    new = rt.solve(mineral, system, 0.0, (), rt.DATABASE)
    for k in rt.KEYS:
        assert np.array_equal(data[f"{mineral}_{system}_{k}"], new[k]), (mineral, system, k)


def test_shipped_tables_are_used_without_solving(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("solved a shipped table")
    monkeypatch.setattr(rt, "solve", refuse)
    assert rt.covers("phreeqc.dat")
    z = rt.grid_values("dolomite", "open", 0.0, (), "phreeqc.dat")
    assert z["mg"].shape == (rt.TEMP_C.size, rt.LOG_PCO2.size) and np.all(z["mg"] > 0)
    # a run's table built from them evaluates exactly as one built from a new solve
    dissolution.equilibrium_table.cache_clear()
    shipped = dissolution.equilibrium_table("calcite", "open", 0.0, (), "phreeqc.dat")
    monkeypatch.undo()
    tx, ty, coef = rt.spline(rt.solve("calcite", "open", 0.0, (), "phreeqc.dat"))
    solved = dissolution.EquilibriumTable(keys=rt.KEYS, tx=tx, ty=ty, coef=coef, description="solved")
    t = np.linspace(-2.0, 47.0, 57)
    p = np.geomspace(5e-5, 0.5, 57)
    a, b = shipped(t, p), solved(t, p)
    assert all(np.array_equal(a[k], b[k]) for k in rt.KEYS)
    dissolution.equilibrium_table.cache_clear()


@pytest.mark.parametrize("mineral,system", rt.SHIPPED)
def test_shipped_splines_are_scipys_fit_of_the_shipped_values(mineral, system):
    """The shipped knots and coefficients are what RectBivariateSpline fits to the shipped grid values (equal to
    1e-13 of the largest coefficient: another scipy build may round differently), and the compiled evaluation of
    the shipped spline equals scipy's evaluation of that fit to 1e-12 relative, inside the grid and at its nodes."""
    from scipy.interpolate import RectBivariateSpline
    data = rt._load()
    values = {k: data[f"{mineral}_{system}_{k}"] for k in rt.KEYS}
    tx, ty, coef = rt.spline(values)
    assert np.array_equal(tx, data["spline_tx"]) and np.array_equal(ty, data["spline_ty"])
    shipped = data[f"{mineral}_{system}_coef"]
    assert np.max(np.abs(coef - shipped)) <= 1e-13 * np.max(np.abs(shipped))
    table = dissolution.EquilibriumTable(keys=rt.KEYS, tx=data["spline_tx"], ty=data["spline_ty"], coef=shipped,
                                         description="shipped")
    t = np.concatenate([rt.TEMP_C, np.linspace(0.3, 44.7, 40)])
    lp = np.concatenate([rt.LOG_PCO2, np.linspace(-3.9, -0.6, 40)])[: t.size]
    got = table(t, 10.0 ** lp)
    for k in rt.KEYS:
        ref = RectBivariateSpline(rt.TEMP_C, rt.LOG_PCO2, values[k], kx=3, ky=3).ev(t, lp)
        np.testing.assert_allclose(got[k], ref, rtol=1e-12, atol=0.0)
        if k != "mg" or mineral == "dolomite":  # at the grid nodes the spline interpolates the solved values
            tt, pp = np.meshgrid(rt.TEMP_C, rt.LOG_PCO2, indexing="ij")
            on_grid = table(tt, 10.0 ** pp)[k]
            np.testing.assert_allclose(on_grid, values[k], rtol=1e-12, atol=1e-15)


def test_other_requests_are_solved(monkeypatch):
    assert not rt.is_shipped("calcite", "open", (("so4", 0.1),), "phreeqc.dat")  # acids in the starting water
    assert not rt.is_shipped("calcite", "mixed", (), "phreeqc.dat")
    assert not rt.is_shipped("calcite", "open", (), "llnl.dat")
    calls = []
    monkeypatch.setattr(rt, "solve", lambda *a: calls.append(a) or {k: np.zeros(1) for k in rt.KEYS})
    rt.grid_values("calcite", "open", 0.0, (("so4", 0.1),), "phreeqc.dat")
    assert calls == [("calcite", "open", 0.0, (("so4", 0.1),), "phreeqc.dat")]


def test_a_changed_database_file_is_not_matched(monkeypatch):
    """The file records the SHA-256 of the database it was solved with; another file of the same name is solved."""
    monkeypatch.setattr(rt, "_sha256", lambda path: "0" * 64)
    rt._load.cache_clear()
    try:
        assert rt._load() is None and not rt.covers("phreeqc.dat")
    finally:
        monkeypatch.undo()
        rt._load.cache_clear()
    assert rt.covers("phreeqc.dat")
