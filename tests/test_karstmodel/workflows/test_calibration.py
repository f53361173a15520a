"""Calibration, uncertainty (GLUE), sensitivity (SALib), catchment writing and init.

The central check is synthetic truth recovery: discharge simulated with known parameters plus noise is calibrated,
and the known values must fall inside the GLUE 90 % intervals and close to the optimum.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from karst_helpers import SYNTHETIC_TRUTH, synthetic_calibration_site
from karstmodel.accounting import metrics
from karstmodel.workflows.calibration import ParameterSpec, calibrate, parse_period, period_mask, setup_from_catchment
from karstmodel.config.catchment import load_catchment, write_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.config.parameters import apply_parameters
from karstmodel.model.simulate import simulate_water
from karstmodel.workflows.uncertainty import glue, weighted_quantile
from repo_paths import REPO

TRUE = SYNTHETIC_TRUTH


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    """The synthetic catchment of karst_helpers.synthetic_calibration_site (truth = TRUE)."""
    return synthetic_calibration_site(tmp_path_factory.mktemp("synthetic_cal"), seed=1, maxiter=25, popsize=10)


def test_synthetic_truth_recovered_by_differential_evolution(synthetic_site):
    c = synthetic_site["catchment"]
    setup = setup_from_catchment(c, c.calibration)
    assert [p.name for p in setup.parameters] == list(TRUE)
    res = calibrate(c, setup, data=synthetic_site["data"], progress=False)
    assert res.parameters["reservoirs.matrix_k_per_d"] == pytest.approx(0.02, rel=0.05)
    assert res.parameters["reservoirs.conduit_fraction"] == pytest.approx(0.3, abs=0.03)
    # noise of 5 % bounds the attainable fit: KGE close to, not above, that of the truth itself
    val = period_mask(synthetic_site["data"].index, setup.validation_period)
    kge_truth = metrics.kge(synthetic_site["truth"][val], res.observed["q"][val])
    assert res.metrics["validation"]["q"]["kge"] == pytest.approx(kge_truth, abs=0.01)
    assert res.metrics["validation"]["q"]["kge"] > 0.9


def test_synthetic_truth_inside_glue_intervals(synthetic_site):
    c = synthetic_site["catchment"]
    setup = setup_from_catchment(c, c.calibration)
    from karstmodel.workflows.calibration import load_station_observations
    obs = load_station_observations(c, synthetic_site["data"].index)
    g = glue(c, setup, synthetic_site["data"], obs, n_samples=300, threshold=0.8, n_full_runs=4, seed=2,
             progress=False)
    assert g.summary["n_behavioural"] >= 30
    for name, true in TRUE.items():
        p = g.summary["parameters"][name]
        assert p["p05"] <= true <= p["p95"], (name, p, true)
    # weights are normalised and the sink interval brackets its median
    assert g.behavioural["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    s = g.summary["carbon_sink_tc_km2_yr"]
    assert s["p05"] <= s["median"] <= s["p95"]
    # the discharge band contains most of the noise-free truth on the calibration period
    m = period_mask(synthetic_site["data"].index, setup.calibration_period)
    inside = (synthetic_site["truth"][m] >= g.q_bands["q_p05_mm"].to_numpy()[m] - 1e-12) & \
             (synthetic_site["truth"][m] <= g.q_bands["q_p95_mm"].to_numpy()[m] + 1e-12)
    assert inside.mean() > 0.8


def test_weighted_quantile_matches_numpy_for_equal_weights():
    rng = np.random.default_rng(0)
    v = rng.normal(size=1001)
    q = weighted_quantile(v, np.ones_like(v), [0.05, 0.5, 0.95])
    assert np.allclose(q, np.quantile(v, [0.05, 0.5, 0.95]), atol=0.02)
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.0]), 0.5) == pytest.approx(2.0)


def test_parse_period_and_errors():
    a, b = parse_period("2002-01-01:2009-12-31")
    assert (a, b) == (pd.Timestamp("2002-01-01"), pd.Timestamp("2009-12-31"))
    assert parse_period(":2005-01-01")[0] is None
    from chemistry.errors import InputError
    with pytest.raises(InputError, match="before start"):
        parse_period("2005-01-01:2001-01-01")
    with pytest.raises(InputError, match="START:END"):
        parse_period("2005")


def test_bad_calibration_table_names_the_key(synthetic_site):
    from karstmodel.config.catchment import CatchmentError
    c = synthetic_site["catchment"]
    with pytest.raises(CatchmentError, match="not_a_parameter"):
        setup_from_catchment(c, {"parameters": {"not_a_parameter": {"min": 0, "max": 1}}})
    with pytest.raises(CatchmentError, match="min < max"):
        setup_from_catchment(c, {"parameters": {"area_km2": {"min": 2, "max": 1}}})
    with pytest.raises(CatchmentError, match="bogus"):
        setup_from_catchment(c, {"bogus": 1})


def test_log_transform_round_trip():
    p = ParameterSpec("reservoirs.matrix_k_per_d", 1e-4, 1e-1, "log")
    assert p.search_bounds == pytest.approx((-4.0, -1.0))
    assert p.from_search(p.to_search(0.0123)) == pytest.approx(0.0123, rel=1e-14)


def test_written_catchment_reproduces_the_run(tmp_path):
    c = load_catchment(REPO / "catchments" / "coln_bibury" / "catchment.toml")
    c2 = load_catchment(write_catchment(apply_parameters(c, {"reservoirs.matrix_k_per_d": 0.0123}),
                                        tmp_path / "out" / "catchment.toml"))
    assert c2.reservoirs.matrix_k_per_d == 0.0123
    data = load_drivers(c.drivers, c.latitude, "1999-01-01", "2001-12-31").data
    a = simulate_water(apply_parameters(c, {"reservoirs.matrix_k_per_d": 0.0123}), data).outlet_mm
    b = simulate_water(c2, data).outlet_mm
    assert np.array_equal(a, b)


def test_sensitivity_morris_ranks_the_matrix_constant_for_runoff(synthetic_site):
    from karstmodel.workflows.sensitivity import sensitivity
    c = synthetic_site["catchment"]
    data = synthetic_site["data"].iloc[: 3 * 365]
    params = (ParameterSpec("reservoirs.matrix_k_per_d", 0.002, 0.2, "log"),
              ParameterSpec("land_use.forest.crop_coefficient", 0.5, 1.2),
              ParameterSpec("snow.threshold_c", 0.0, 0.1))
    r = sensitivity(c, params, data, method="morris", n=4, seed=1, progress=False)
    assert r["n_runs"] == 4 * (len(params) + 1)
    mu = r["indices"]["runoff_mm_yr"]["mu_star"]
    # evapotranspiration (crop coefficient) controls long-term runoff far more than a snow threshold in a mild
    # climate; the outlet runoff over 3 years barely depends on a 0.1 C snow threshold
    assert mu[1] > 10 * mu[2]
    assert mu[1] > 1.0  # mm/yr per unit change in the (scaled) parameter


@pytest.mark.parametrize("argv_extra", [["--calibration", "2002-06-01:2004-12-31"]])
@pytest.mark.slow  # a differential-evolution calibration through the CLI (~7 s)
def test_cli_calibrate_writes_runnable_catchment_and_metrics(synthetic_site, tmp_path, argv_extra):
    out = tmp_path / "cal"
    r = subprocess.run([sys.executable, "-m", "karstmodel", "calibrate", str(synthetic_site["dir"]), "-o", str(out),
                        "--maxiter", "5", "--popsize", "5", "--glue-samples", "60", "--glue-threshold", "0.6",
                        "--no-figures", "--quiet"]
                       + argv_extra, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-500:]
    s = json.loads((out / "summary.json").read_text())
    assert set(s["metrics"]) == {"calibration", "validation"}
    for block in s["metrics"].values():
        assert {"kge", "nse", "log_nse", "pbias"} <= set(block["q"])
    assert s["calibration"]["evaluations"] > 0
    c2 = load_catchment(out / "catchment.toml")
    assert c2.reservoirs.matrix_k_per_d == pytest.approx(s["calibration"]["parameters"]["reservoirs.matrix_k_per_d"])
    # the calibrated file records the periods and settings used, the command line's included, and says what is next
    assert c2.calibration["calibration_period"] == "2002-06-01:2004-12-31"
    assert c2.calibration["validation_period"] == "2005-01-01:2006-12-31"
    assert (c2.calibration["maxiter"], c2.calibration["popsize"], c2.calibration["objective"]) == (5, 5, "kge")
    # the GLUE threshold of the command line was used and is recorded with the other settings
    assert s["uncertainty"]["threshold"] == s["uncertainty"]["threshold_used"] == 0.6
    assert c2.calibration["glue_threshold"] == 0.6
    assert setup_from_catchment(c2, c2.calibration).glue_threshold == 0.6
    assert f"next: karstmodel validate {out / 'catchment.toml'}" in r.stdout
    r2 = subprocess.run([sys.executable, "-m", "karstmodel", "validate", str(out / "catchment.toml"), "-o",
                         str(tmp_path / "val"), "--no-figures"], capture_output=True, text=True, timeout=600)
    assert r2.returncode == 0, r2.stderr[-500:]
    s2 = json.loads((tmp_path / "val" / "summary.json").read_text())
    assert s2["metrics"]["validation"]["q"]["kge"] == pytest.approx(s["metrics"]["validation"]["q"]["kge"], abs=1e-9)
    assert s2["metrics"]["calibration"]["q"]["kge"] == pytest.approx(s["metrics"]["calibration"]["q"]["kge"], abs=1e-9)


def test_cli_init_scaffold_runs_and_refuses_to_overwrite(tmp_path):
    root = REPO / "catchments" / "coln_bibury"
    site = tmp_path / "site"
    cmd = [sys.executable, "-m", "karstmodel", "init", str(site), "--drivers", str(root / "drivers.csv"),
           "--observations", str(root / "observations.csv"), "--lat", "51.76", "--lon", "-1.83", "--area-km2", "106.7",
           "--land-use", "cropland=0.5,grassland=0.5", "--lithology", "limestone=0.8,non_carbonate=0.2",
           "--discharge", "outlet"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    c = load_catchment(site / "catchment.toml")
    assert c.area_km2 == 106.7 and c.drivers.pet == "column" and c.observations.discharge == "outlet"
    # daily discharge 2000-01-01 .. 2008-12-31 after the 1999 warm-up: 3288 days, floor(0.6 * 3288) = 1972 calibrate
    assert c.calibration["calibration_period"] == "2000-01-01:2005-05-25"
    assert c.calibration["validation_period"] == "2005-05-26:2008-12-31"
    assert "first 60 % of the days with observed discharge" in r.stdout and "2005-05-26:2008-12-31" in r.stdout
    assert (site / "drivers.csv").read_bytes() == (root / "drivers.csv").read_bytes()
    r2 = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r2.returncode == 2 and "exists" in r2.stderr and "Traceback" not in r2.stderr
    bad = subprocess.run(cmd[:4] + [str(tmp_path / "site2")] + cmd[5:-6] + ["--land-use", "forest=0.4"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "sum to 1" in bad.stderr
    assert not (tmp_path / "site2").exists()


def test_worker_processes_get_one_thread_per_library(monkeypatch):
    """Spawned workers inherit one-thread settings for BLAS/OpenMP/numba (they are the parallelism); a value the
    user set is kept and the parent's environment is restored afterwards."""
    import os
    from karstmodel._parallel import SINGLE_THREAD_ENV, map_chunks, single_threaded_children
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    with single_threaded_children():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"
    got = map_chunks(_env_of_worker, [list(SINGLE_THREAD_ENV)], workers=2, progress=False)
    assert dict(got)["OPENBLAS_NUM_THREADS"] == "1" and dict(got)["NUMBA_NUM_THREADS"] == "1"
    assert dict(got)["MKL_NUM_THREADS"] == "3"


def _env_of_worker(names):
    import os
    return [(k, os.environ.get(k)) for k in names]


def test_scaled_hydrotope_fields_stay_within_their_bounds():
    """A scale parameter multiplies every hydrotope's field but never takes it past the bounds the catchment file is
    checked against (a fast-flow share above 1 would route more than the recharge)."""
    from karstmodel.config.catchment import load_catchment, resolve_catchment
    from karstmodel.processes.landuse import PARAMETER_BOUNDS
    from karstmodel.config.parameters import apply_parameters
    c = load_catchment(resolve_catchment("coln_bibury"))
    big = apply_parameters(c, {"hydrotopes.*.fast_flow_fraction_scale": 200.0, "hydrotopes.*.q10_scale": 0.1})
    for h0, h in zip(c.hydrotopes, big.hydrotopes):
        assert h.params.fast_flow_fraction == min(h0.params.fast_flow_fraction * 200.0, 1.0)
        assert h.params.q10 == max(h0.params.q10 * 0.1, PARAMETER_BOUNDS["q10"][0])


def test_a_failing_run_is_not_scored_silently(synthetic_site, monkeypatch):
    """A run that raises is reported with its parameter values instead of becoming a loss of 1e3."""
    from karstmodel.workflows.calibration import CalibrationRunError, Objective
    c = synthetic_site["catchment"]
    setup = setup_from_catchment(c, c.calibration)
    data = synthetic_site["data"]
    obs = pd.DataFrame({"q_obs_mm": synthetic_site["truth"]}, index=data.index)
    obj = Objective(c, data, setup, obs, np.ones(len(data), dtype=bool))
    x = np.array([p.search_bounds[0] for p in setup.parameters])
    assert np.isfinite(obj(x))
    monkeypatch.setattr(Objective, "simulate", lambda self, x, days=None: (_ for _ in ()).throw(ValueError("boom")))
    with pytest.raises(CalibrationRunError, match=r"reservoirs.matrix_k_per_d.*ValueError: boom"):
        obj(x)


def test_progress_line_counts_runs_and_bounds_the_time_left():
    """10 generations of 20 runs each in 42 s: 220 runs (the initial population too), 190.9 ms per run, at most
    (42 / 10) x (60 - 10) = 210 s left; the last generation has no time left."""
    from karstmodel.workflows.calibration import _Progress
    p = _Progress(60, runs_per_generation=20)
    p.gen = 10
    line = p.line(0.1234, 42.0)
    assert "generation 10/60" in line and "best loss 0.1234" in line
    assert "220 runs (190.9 ms/run)" in line
    assert re.search(r"42 s, at most 210 s left \(done by \d\d:\d\d:\d\d\)$", line)
    p.gen = 60
    assert p.line(0.1, 120.0).endswith("120 s")


def test_identifiability_names_flat_bounded_and_correlated_parameters():
    """Behavioural sets built by hand: 'a' narrow in the middle (identified), 'b' uniform over its range (not
    identified), 'c' piled at its upper bound, 'd' = 'a' + small noise (correlated with 'a', r ~ 0.99)."""
    from karstmodel.workflows.uncertainty import identifiability
    rng = np.random.default_rng(5)
    n = 4000
    a = rng.normal(0.5, 0.02, n)
    specs = [ParameterSpec("a", 0.0, 1.0), ParameterSpec("b", 1e-3, 1e1, "log"), ParameterSpec("c", 0.0, 1.0),
             ParameterSpec("d", 0.0, 1.0)]
    samples = pd.DataFrame({"a": a, "b": 10.0 ** rng.uniform(-3, 1, n), "c": rng.uniform(0.97, 1.0, n),
                            "d": a + rng.normal(0.0, 0.002, n)})
    out = identifiability(samples, np.ones(n), specs)
    p = out["parameters"]
    assert p["a"]["identified"] and p["a"]["range_share"] == pytest.approx(2 * 1.645 * 0.02 / 0.9, rel=0.1)
    assert not p["b"]["identified"] and p["b"]["range_share"] == pytest.approx(1.0, abs=0.05)  # log space: uniform
    assert p["c"]["at_bound"] == "upper" and p["a"]["at_bound"] is None
    pairs = {(x, y): r for x, y, r in out["correlated_pairs"]}
    assert pairs[("a", "d")] == pytest.approx(0.995, abs=0.01)
    assert ("a", "b") not in pairs


def test_time_budget_stops_the_search_after_the_generation_that_uses_it_up(synthetic_site):
    """A budget of 1e-9 s is used up by the first generation: scipy evaluates the initial population (popsize x
    parameters = 10 x 2) and one generation (20 more), then stops; without a budget all generations run."""
    from dataclasses import replace
    c = synthetic_site["catchment"]
    setup = replace(setup_from_catchment(c, c.calibration), time_budget_s=1e-9)
    res = calibrate(c, setup, data=synthetic_site["data"], progress=False)
    assert res.stopped_by_budget
    assert res.n_evaluations == 2 * setup.popsize * len(setup.parameters)
    assert len(res.history) == 1


def test_loss_scores_the_calibration_days_of_the_whole_run(synthetic_site):
    """The loss stops the water pass after the last calibration day (Objective.days): it equals the KGE of the
    whole run (simulate_water) on the calibration days, to 1e-12."""
    from karstmodel.workflows.calibration import Objective, load_station_observations
    c = synthetic_site["catchment"]
    data = synthetic_site["data"]
    setup = setup_from_catchment(c, c.calibration)
    obs = load_station_observations(c, data.index)
    mask = period_mask(data.index, setup.calibration_period)
    obj = Objective(c, data, setup, obs, mask)
    assert obj.days == int(np.flatnonzero(mask)[-1]) + 1 < len(data)
    for x in ([-2.0, 0.1], [-1.0, 0.5], [-2.5, 0.7]):
        q = simulate_water(apply_parameters(c, obj.values(x)), data).spring_mm
        ref = 1.0 - metrics.kge(q[mask], obs["q_obs_mm"].to_numpy()[mask])
        assert obj(np.array(x)) == pytest.approx(ref, rel=1e-12, abs=1e-14)


def test_threads_score_a_population_as_one_after_the_other(synthetic_site):
    """workers > 1 on the water-only path runs a generation on threads (ThreadMap): the same losses, in order,
    as one run after the other; the calibration then recovers the truth as with one worker."""
    from karstmodel.workflows.calibration import Objective, ThreadMap, load_station_observations, population_map
    c = synthetic_site["catchment"]
    data = synthetic_site["data"]
    setup = setup_from_catchment(c, c.calibration, {"workers": 2})
    obs = load_station_observations(c, data.index)
    obj = Objective(c, data, setup, obs, period_mask(data.index, setup.calibration_period))
    xs = np.column_stack([np.linspace(-2.7, -0.7, 40), np.linspace(0.0, 0.8, 40)])
    pool = population_map(2, obj.water_only)
    assert isinstance(pool, ThreadMap) and population_map(1, True) is None
    try:
        assert pool(obj, xs) == [obj(x) for x in xs]
    finally:
        pool.close()
    res = calibrate(c, setup, data=data, progress=False)
    assert res.parameters["reservoirs.matrix_k_per_d"] == pytest.approx(0.02, rel=0.05)
    assert res.parameters["reservoirs.conduit_fraction"] == pytest.approx(0.3, abs=0.03)


def test_cli_quick_preset_fills_what_was_not_given(monkeypatch, synthetic_site, tmp_path):
    """--quick: popsize 8, 20 generations, all cores, 300 GLUE samples; an explicit --maxiter wins."""
    import karstmodel.workflows.report as report
    from karstmodel.cli.parser import build_parser
    seen = {}

    def fake(c, setup, outdir, **kw):
        seen.update(setup=setup, **kw)
        raise SystemExit(0)

    monkeypatch.setattr(report, "calibrate_catchment", fake)
    args = build_parser().parse_args(["calibrate", str(synthetic_site["dir"]), "--quick", "--maxiter", "7",
                                      "-o", str(tmp_path / "q")])
    with pytest.raises(SystemExit):
        args.func(args)
    assert (seen["setup"].popsize, seen["setup"].maxiter, seen["setup"].workers) == (8, 7, -1)
    assert seen["glue_samples"] == 300


def test_a_parameter_plan_sets_what_each_name_says_for_every_value_set():
    """ParameterPlan resolves the names once and then sets each value set as the names say (the plan behind
    apply_parameters and the calibration objective): a section field keeps its type, a land-use value reaches every
    hydrotope of the class, a scale multiplies the value set before it in the same call and stays within its
    bounds, a unit storage uses the exponent of the same call; the catchment itself is never changed."""
    from karstmodel.config.catchment import resolve_catchment
    from karstmodel.config.parameters import ParameterPlan
    from karstmodel.processes.landuse import PARAMETER_BOUNDS
    c = load_catchment(resolve_catchment("coln_bibury"))
    names = ("snow.melt_factor_mm_c_d", "land_use.grassland.root_zone_storage_mm",
             "hydrotopes.*.root_zone_storage_mm_scale", "hydrotopes.*.fast_flow_fraction_scale",
             "reservoirs.matrix_unit_storage_mm", "reservoirs.matrix_exponent", "area_km2")
    plan = ParameterPlan(c, names)
    h0 = {h.name: h.params for h in c.hydrotopes}
    for vals in ((2.5, 80.0, 1.5, 0.5, 40.0, 2.0, 11.0), (4.0, 120.0, 0.7, 900.0, 10.0, 1.0, 9.5)):
        new = plan.apply(vals)
        assert new.snow.melt_factor_mm_c_d == vals[0] and type(new.snow.melt_factor_mm_c_d) is float
        for h in new.hydrotopes:
            rz = (vals[1] if h.land_use == "grassland" else h0[h.name].root_zone_storage_mm) * vals[2]
            lo, hi = PARAMETER_BOUNDS["root_zone_storage_mm"]
            assert h.params.root_zone_storage_mm == min(max(rz, lo), hi)
            ff = h0[h.name].fast_flow_fraction * vals[3]
            assert h.params.fast_flow_fraction == min(max(ff, PARAMETER_BOUNDS["fast_flow_fraction"][0]),
                                                      PARAMETER_BOUNDS["fast_flow_fraction"][1])
        assert new.reservoirs.matrix_exponent == vals[5]
        assert new.reservoirs.matrix_k_per_d == vals[4] ** (-vals[5])  # S1^-a with this call's exponent
        assert new.area_km2 == vals[6]
        assert new == apply_parameters(c, dict(zip(names, vals)))
    assert any(h.params.fast_flow_fraction == PARAMETER_BOUNDS["fast_flow_fraction"][1]
               for h in plan.apply((2.5, 80.0, 1.5, 900.0, 40.0, 2.0, 11.0)).hydrotopes)  # the bound is reached
    assert {h.name: h.params for h in c.hydrotopes} == h0 and c.area_km2 != 11.0
    with pytest.raises(KeyError, match="matches no hydrotope"):
        ParameterPlan(c, ("land_use.tundra.root_zone_storage_mm",))
    with pytest.raises(KeyError, match="unknown parameter"):
        ParameterPlan(c, ("reservoirs.no_such_field",))
    with pytest.raises(ValueError):
        plan.apply((1.0, 2.0))  # fewer values than names


def test_glue_threshold_from_the_file_and_the_command_line(synthetic_site):
    """[calibration] glue_threshold sets the GLUE threshold, --glue-threshold overrides it; anything that is not a
    number below 1 (no objective exceeds a perfect fit's 1) is refused, naming where it came from."""
    from karstmodel.config.catchment import CatchmentError
    c = synthetic_site["catchment"]
    assert setup_from_catchment(c, c.calibration).glue_threshold == 0.5
    raw = {**c.calibration, "glue_threshold": 0.7}
    assert setup_from_catchment(c, raw).glue_threshold == 0.7
    assert setup_from_catchment(c, raw, {"glue_threshold": -0.41}).glue_threshold == -0.41
    for bad, where in (({"glue_threshold": 1.0}, "[calibration] glue_threshold"),
                       ({"glue_threshold": "high"}, "[calibration] glue_threshold"),
                       ({"glue_threshold": True}, "[calibration] glue_threshold")):
        with pytest.raises(CatchmentError, match=re.escape(where)):
            setup_from_catchment(c, {**c.calibration, **bad})
    with pytest.raises(CatchmentError, match="--glue-threshold.*below 1.*nan"):
        setup_from_catchment(c, c.calibration, {"glue_threshold": float("nan")})


def test_threshold_note_says_when_glue_does_not_discriminate():
    """The note under the identifiability verdicts: none when the threshold rejects most samples; the share kept
    and the score of the best tenth (the 0.9 quantile) when it keeps more than 30 %; the stand-ins when no sample
    reached it."""
    from karstmodel.workflows.uncertainty import LOOSE_BEHAVIOURAL_SHARE, threshold_note
    scores = np.linspace(0.0, 1.0, 1001)  # 0.000, 0.001, ..., 1.000
    strict = scores >= 0.8  # 201 of 1001: 20 %
    assert threshold_note(scores, strict, 0.8, 0.8, False, "kge") is None
    loose = scores >= 0.5  # 501 of 1001: 50 %
    assert loose.mean() > LOOSE_BEHAVIOURAL_SHARE > strict.mean()
    note = threshold_note(scores, loose, 0.5, 0.5, False, "nse")
    assert "nse >= 0.5 keeps 501 of 1001 samples (50%)" in note and "score nse >= 0.9:" in note
    none = np.zeros(1001, bool)
    none[-30:] = True  # the best 30 stand in for a threshold no sample reached
    note = threshold_note(np.where(np.isfinite(scores), scores - 2.0, -np.inf), none, 0.5, -1.029, True, "kge")
    assert note.startswith("no sample reached kge >= 0.5: the best 30 stand in (down to -1.03)")
