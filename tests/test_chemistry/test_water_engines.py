"""The numba and numpy engines of chemistry.water.solve solve the same equations the same way.

They must agree to rounding (pH to 1e-10, totals to 1e-9 relative) on every problem type the package builds
(open, closed and mixed systems with calcite, dolomite or both, pure or with a starting water; speciation with
DIC or alkalinity as the carbon input) and flag the same samples as not converged. The time of the first numba
call (compilation, or loading numba's cache) is reported, not asserted.
"""
from __future__ import annotations

import subprocess
import sys
import time
import zlib

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import speciation, water
from repo_paths import REPO

numba = pytest.importorskip("numba")

N = 1500
TOTAL_COLUMNS = ("ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "na_mmol_kgw", "cl_mmol_kgw", "so4_mmol_kgw")


@pytest.fixture(scope="module", autouse=True)
def first_numba_call():
    """Time the first numba call of this process (compiles, or loads the on-disk cache); report it."""
    model = water.build_model(("dic", "ca"))
    t = np.full(10, 15.0)
    ll = [chemistry.equilibrium._phase_ll(model, "CO2(g)", np.full(10, -2.0)),
          chemistry.equilibrium._phase_ll(model, "Calcite", np.zeros(10))]
    sums = [chemistry.equilibrium._charge(model, np.zeros(10))]
    t0 = time.perf_counter()
    water.solve(model, t, ll, sums, engine="numba")
    dt = time.perf_counter() - t0
    print(f"\nfirst numba call (compile or cache load): {dt:.2f} s")
    yield dt


def _with_engine(engine, fn, *args, **kwargs):
    old = water.ENGINE
    water.ENGINE = engine
    try:
        return fn(*args, **kwargs)
    finally:
        water.ENGINE = old


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, ph_col="ph", totals=TOTAL_COLUMNS):
    assert (a["converged"].to_numpy() == b["converged"].to_numpy()).all()
    ok = a["converged"].to_numpy(dtype=bool)
    assert ok.any()
    np.testing.assert_allclose(a[ph_col].to_numpy()[ok], b[ph_col].to_numpy()[ok], rtol=0, atol=1e-10)
    for col in totals:
        if col in a:
            np.testing.assert_allclose(a[col].to_numpy()[ok], b[col].to_numpy()[ok], rtol=1e-9, atol=1e-300)


def _inputs(seed):
    rng = np.random.default_rng(seed)
    temp = rng.uniform(0.0, 50.0, N)
    p = 10 ** rng.uniform(-3.5, -0.5, N)
    start = pd.DataFrame({"na_mmol_kgw": rng.uniform(0, 5, N), "cl_mmol_kgw": rng.uniform(0, 5, N),
                          "so4_mmol_kgw": rng.uniform(0, 3, N), "mg_mmol_kgw": rng.uniform(0, 2, N)})
    start["charge_imbalance_meq_kgw"] = 0.0
    return rng, temp, p, start


@pytest.mark.parametrize("system", ["open", "closed", "mixed"])
@pytest.mark.parametrize("mineral", ["calcite", "dolomite", "both"])
@pytest.mark.parametrize("with_water", [False, True])
def test_equilibrate_engines_agree(system, mineral, with_water):
    rng, temp, p, start = _inputs(zlib.crc32(f"{system}-{mineral}-{with_water}".encode()))
    kw = {"gas_water_ratio": rng.uniform(0.0, 3.0, N)} if system == "mixed" else {}
    if with_water:
        kw["water"] = start
    a = _with_engine("numpy", chemistry.equilibrate, temp, p, mineral=mineral, system=system, **kw)
    b = _with_engine("numba", chemistry.equilibrate, temp, p, mineral=mineral, system=system, **kw)
    assert a["converged"].all()
    _assert_same(a, b)


@pytest.mark.parametrize("carbon", ["dic_mg_c_l", "alk_meq_l", "hco3_mg_l"])
def test_speciation_engines_agree(carbon):
    rng = np.random.default_rng(7)
    n = N
    samples = pd.DataFrame({"temp_c": rng.uniform(0, 40, n), "ph": rng.uniform(5.8, 9.0, n),
                            "ca_mg_l": rng.uniform(1, 150, n), "mg_mg_l": rng.uniform(0, 40, n),
                            "na_mg_l": rng.uniform(0, 30, n), "cl_mg_l": rng.uniform(0, 50, n),
                            "so4_mg_l": rng.uniform(0, 80, n)})
    samples[carbon] = {"dic_mg_c_l": rng.uniform(1, 100, n), "alk_meq_l": rng.uniform(0.05, 8, n),
                       "hco3_mg_l": rng.uniform(10, 400, n)}[carbon]
    a = _with_engine("numpy", speciation.speciate, samples)
    b = _with_engine("numba", speciation.speciate, samples)
    # the same rows fail (and for the same reason), the others agree
    assert (a["speciation_error"] == b["speciation_error"]).all()
    ok = (a["speciation_error"] == "").to_numpy()
    assert ok.sum() > n // 2
    for col in ("dic_mmol_l", "ca_mmol_l", "mg_mmol_l", "so4_mmol_l", "hco3_mmol_l"):
        np.testing.assert_allclose(a[col].to_numpy()[ok], b[col].to_numpy()[ok], rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(a["log_pco2"].to_numpy()[ok], b["log_pco2"].to_numpy()[ok], rtol=0, atol=1e-10)


def test_same_nonconvergent_samples():
    """With too few iterations allowed, both engines give up on exactly the same samples."""
    _, temp, p, start = _inputs(11)
    model = water.build_model(("dic", "ca", "mg", "na", "cl", "so4"))
    totals, imbalance, _ = chemistry.equilibrium._water_totals(start, N)
    ll, sums = chemistry.equilibrium._closed_constraints(model, "calcite", 0.03 * p + 1e-4, totals, imbalance)
    for max_iter in (3, 5, 8):
        a = water.solve(model, temp, ll, sums, max_iter=max_iter, engine="numpy")
        b = water.solve(model, temp, ll, sums, max_iter=max_iter, engine="numba")
        assert (a.converged == b.converged).all()
        assert (a.sample_iterations == b.sample_iterations).all()
        if max_iter == 3:
            assert not a.converged.all()
        ok = a.converged
        np.testing.assert_allclose(a.ph[ok], b.ph[ok], rtol=0, atol=1e-10)


def test_solution_fields_agree():
    """Every array of the Solution (not only the reported columns) agrees, including the log-linear constraint
    on a free molality (gamma_species) used for free HCO3- input."""
    rng = np.random.default_rng(3)
    n = 500
    model = water.build_model(("dic", "ca"))
    j = model.index("HCO3-")
    ll = [water.LogLinear(coef=np.eye(3)[0], target=-rng.uniform(6.5, 8.5, n)),
          water.LogLinear(coef=model.nu[j].copy(), target=np.log10(rng.uniform(1e-4, 5e-3, n)),
                          logk_coef=-model.logk_coef[j], nu_w=model.nu_w[j], gamma_species=j)]
    sums = [water.Sum(weights=model.element_row("ca"), rhs=rng.uniform(1e-4, 3e-3, n), log_form=True)]
    t = rng.uniform(0, 40, n)
    a = water.solve(model, t, ll, sums, engine="numpy")
    b = water.solve(model, t, ll, sums, engine="numba")
    assert a.converged.all() and b.converged.all()
    np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.molality, b.molality, rtol=1e-9)
    np.testing.assert_allclose(a.log_gamma, b.log_gamma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.ionic_strength, b.ionic_strength, rtol=1e-10)
    np.testing.assert_allclose(a.log_aw, b.log_aw, rtol=0, atol=1e-14)
    np.testing.assert_allclose(a.logk, b.logk, rtol=0, atol=1e-12)


def test_engine_selection(monkeypatch):
    model = water.build_model(("dic", "ca"))
    # with numba installed, "auto" is numba for any batch size (results never depend on process history)
    assert water._pick_engine("auto", 1) == "numba"
    assert water._pick_engine("auto", 10**6) == "numba"
    assert water._pick_engine("numpy", 10**6) == "numpy"
    with pytest.raises(ValueError):
        water.solve(model, [10.0], [], [water.Sum(weights=model.charge, rhs=0.0)] * 3, engine="fortran")


def test_works_without_numba():
    """numba is optional: with it hidden, the package imports, 'auto' falls back to numpy, 'numba' says why."""
    code = """
import sys
sys.modules['numba'] = None
import numpy as np
import chemistry
from chemistry import water
df = chemistry.equilibrate(np.linspace(0, 30, 3000), 0.01)
assert df.converged.all()
try:
    water._pick_engine('numba', 10**6)
except ImportError:
    pass
else:
    raise SystemExit('engine numba accepted without numba')
assert water._pick_engine('auto', 10**6) == 'numpy'
"""
    root = str(REPO)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr


def test_log_gamma_of_one_species_equals_the_full_array():
    """Solution.log_gamma_of (one species, no (N, S) array) equals the column of Solution.log_gamma for every
    species kind (WATEQ, Davies, neutral)."""
    from chemistry.equilibrium import speciate_totals_solution
    t = np.array([5.0, 20.0, 35.0])
    tot = {"ca": np.array([1e-3, 2e-3, 4e-3]), "mg": np.array([1e-3, 5e-4, 2e-3]), "dic": np.array([4e-3, 5e-3, 9e-3]),
           "so4": np.array([1e-4, 2e-4, 3e-3]), "na": np.array([1e-4, 1e-3, 5e-3]), "cl": np.array([1e-4, 1e-3, 5e-3])}
    fresh = speciate_totals_solution(t, tot)
    one = {sp: fresh.log_gamma_of(sp) for sp in fresh.model.species}
    full = speciate_totals_solution(t, tot).log_gamma
    for sp, v in one.items():
        np.testing.assert_allclose(v, full[:, fresh.model.index(sp)], rtol=1e-12, atol=1e-15, err_msg=sp)
    assert len(set(fresh.model.gamma_kind.tolist())) >= 2


def test_series_warm_start_gives_the_same_waters_in_fewer_steps():
    """series=True (each sample starts from the previous solution in its block) converges to the same speciation
    and equilibria as cold starts, with fewer Newton steps on a smooth daily series, and recovers (falls back to
    the cold start) across an abrupt change of composition."""
    import chemistry
    from chemistry.equilibrium import speciate_totals_solution
    n = 3000
    day = np.arange(n)
    t = np.full(n, 9.0)
    tot = {"ca": 2e-3 * (1 + 0.2 * np.sin(day / 30)), "mg": 1e-3 * (1 + 0.1 * np.cos(day / 45)),
           "so4": np.full(n, 2e-4), "na": np.full(n, 3e-4), "cl": np.full(n, 3e-4)}
    tot["dic"] = 2 * (tot["ca"] + tot["mg"]) * (1.05 + 0.05 * np.sin(day / 20))
    tot["ca"][2000:] = 2e-6  # abrupt change: from a karst water to a nearly pure one
    tot["dic"][2000:] = 1e-5
    cold = speciate_totals_solution(t, tot)
    warm = speciate_totals_solution(t, tot, series=True)
    assert cold.converged.all() and warm.converged.all()
    np.testing.assert_allclose(warm.x, cold.x, rtol=0, atol=1e-8)
    assert warm.sample_iterations.mean() < 0.7 * cold.sample_iterations.mean()
    water = {f"{k}_mmol_kgw": 1000 * v for k, v in tot.items()}
    eq_cold = chemistry.equilibrate(t, None, mineral="dolomite", system="closed", water=water)
    eq_warm = chemistry.equilibrate(t, None, mineral="dolomite", system="closed", water=water, series=True)
    for col in ("ph", "ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "si_calcite"):
        np.testing.assert_allclose(eq_warm[col], eq_cold[col], rtol=1e-8, atol=1e-10, err_msg=col)


def test_series_solves_retry_failed_samples_from_their_own_start(monkeypatch):
    """In series mode the start is computed for each block's first sample only; a sample that still fails is
    solved again from its own start (here: two samples forced to fail), and the result equals the cold solve."""
    from chemistry import equilibrium as eq
    from chemistry.equilibrium import speciate_totals_solution
    n = 600
    day = np.arange(n)
    t = np.full(n, 12.0)
    tot = {"ca": 2e-3 * (1 + 0.3 * np.sin(day / 25)), "mg": np.full(n, 8e-4), "so4": np.full(n, 1e-4)}
    tot["dic"] = 2.1 * (tot["ca"] + tot["mg"])
    cold = speciate_totals_solution(t, tot)
    real = eq.solve
    calls = []

    def failing_once(*a, **k):
        sol = real(*a, **k)
        calls.append(k.get("series"))
        if k.get("series"):
            sol.converged[[5, 300]] = False
        return sol
    monkeypatch.setattr(eq, "solve", failing_once)
    warm = speciate_totals_solution(t, tot, series=True)
    assert calls == [True, False]
    assert warm.converged.all()
    np.testing.assert_allclose(warm.x, cold.x, rtol=0, atol=1e-8)


def test_threads_do_not_change_results():
    """The numba engine hands ranges of blocks to threads (chemistry._kernel._run_blocks); every sample is solved by
    the same code either way, so one thread and two give bit-identical results (series mode included)."""
    from chemistry import _kernel
    n = (_kernel.MIN_ITEM_BLOCKS + 4) * _kernel.BLOCK  # more than one work item
    rng = np.random.default_rng(3)
    temp = rng.uniform(2.0, 25.0, n)
    model = water.build_model(("dic", "ca"))
    ll = [chemistry.equilibrium._phase_ll(model, "CO2(g)", rng.uniform(-3.5, -1.5, n)),
          chemistry.equilibrium._phase_ll(model, "Calcite", np.zeros(n))]
    sums = [chemistry.equilibrium._charge(model, np.zeros(n))]
    old = numba.get_num_threads()
    try:
        res = {}
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            for series in (False, True):
                res[threads, series] = water.solve(model, temp, ll, sums, engine="numba", series=series)
    finally:
        numba.set_num_threads(old)
    for series in (False, True):
        a, b = res[1, series], res[min(2, numba.config.NUMBA_NUM_THREADS), series]
        assert a.converged.all()
        assert np.array_equal(a.x, b.x) and np.array_equal(a.ionic_strength, b.ionic_strength)
