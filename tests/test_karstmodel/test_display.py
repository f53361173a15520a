"""Short views of catchments and results (karstmodel._display): ``repr`` is a few lines with the name, area, period,
the sink with its unit and the balances (not thousands of numbers), ``_repr_html_`` the same rows as a table."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest

from karstmodel import load_catchment
from karstmodel._display import calibration_rows, html, number, text
from karstmodel.io.drivers import load_drivers
from karstmodel.model.simulate import simulate
from karstmodel.model.stages import run_chain
from karstmodel.workflows.scenarios.run import ScenarioResult

MAX_CHARS = 1000
MAX_LINES = 12


def _short(r: str):
    assert len(r) <= MAX_CHARS and len(r.splitlines()) <= MAX_LINES, r


@pytest.fixture(scope="module")
def kerschbaum():
    return load_catchment("kerschbaum")


@pytest.fixture(scope="module")
def short_run(kerschbaum):
    c = replace(kerschbaum, start="2003-01-01", end="2004-12-31", warmup_days=60, reaches=(), surface_water=None)
    return simulate(c)


def test_catchment_repr_is_short_and_says_what_it_is(kerschbaum):
    r = repr(kerschbaum)
    _short(r)
    assert r.startswith("Catchment 'kerschbaum'\n")
    assert f"area: {kerschbaum.area_km2:.4g} km2" in r
    assert "47.9600 N, 14.7700 E" in r and "(warm-up 365 d)" in r and "forest 56%" in r
    assert "dolomite 90%" in r and "reaches: 2 below the spring" in r
    h = kerschbaum._repr_html_()
    assert h.startswith("<table>") and h.count("<tr>") == len(r.splitlines()) - 1
    assert "Catchment &#x27;kerschbaum&#x27;" in h
    assert replace(kerschbaum) == kerschbaum  # still a frozen dataclass with field equality


def test_simulation_result_repr_has_sink_with_unit_and_balances(short_run):
    s = short_run.summary
    r = repr(short_run)
    _short(r)
    assert r.startswith("SimulationResult\n")
    assert f"carbon sink: {s['carbon_sink_tc_km2_yr']:.4g} t C km-2 yr-1 ({s['carbon_sink_t_co2_yr']:.4g} t CO2 yr-1)" in r
    assert f"period: {s['period']['start']} .. {s['period']['end']} ({s['period']['days']} days)" in r
    assert f"water {s['water_balance_error']:.1e}, carbon {s['carbon_balance_error']:.1e}" in r
    assert "discharge fit: KGE" in r  # kerschbaum has observed discharge
    assert "<table>" in short_run._repr_html_() and "t C km-2 yr-1" in short_run._repr_html_()


def test_chain_run_and_stage_reprs_are_short(kerschbaum):
    c = replace(kerschbaum, reaches=(), surface_water=None)
    data = load_drivers(c.drivers, c.latitude, "2003-01-01", "2003-12-31").data
    run, _ = run_chain(c, data, None)
    r = repr(run)
    _short(r)
    assert r.startswith("ChainRun (365 days)\n  stages: water, solutes, chemistry")
    precip = run.water.precip_mm.sum()
    assert f"precipitation {precip:.1f}" in r and "saturated zone: " in r and "mmol/L" in r
    for stage in (run.water, run.solutes, run.chemistry):
        _short(repr(stage))
        assert repr(stage).startswith(type(stage).__name__) and "days: 365" in repr(stage)
        assert stage._repr_html_().startswith("<table>")
    water_only, _ = run_chain(c, data, None, stop_after="water")
    assert "stages: water\n" in repr(water_only) + "\n" and "solutes" not in repr(water_only)


def test_scenario_result_is_a_dict_with_a_short_repr():
    summary = {"scenario": {"name": "reforest"}, "period": {"start": "2001-01-01", "end": "2010-12-31"},
               "baseline": {"carbon_sink_tc_km2_yr": 10.0}, "carbon_sink_tc_km2_yr": 11.25,
               "delta": {"delta_carbon_sink_tc_km2_yr": 1.25, "sink_change_label": "larger sink"},
               "uncertainty": {"members": 8, "delta_carbon_sink_tc_km2_yr": {"lo": 0.5, "hi": 2.0,
                                                                              "kind": "range of 8 members"}},
               "water_balance_error": 1e-13, "carbon_balance_error": 2e-13, "warnings": []}
    res = ScenarioResult({"summary": summary, "ensemble": list(range(1000))})
    assert isinstance(res, dict) and res["summary"] is summary
    r = repr(res)
    _short(r)
    assert r.startswith("ScenarioResult 'reforest'")
    assert "baseline 10, scenario 11.25 t C km-2 yr-1" in r and "+1.25 t C km-2 yr-1 (larger sink)" in r
    assert "8 members; change +0.5 .. +2 (range of 8 members)" in r and "water 1.0e-13, carbon 2.0e-13" in r
    assert "<table>" in res._repr_html_()


def test_calibration_rows_label_periods_and_loss():
    res = SimpleNamespace(catchment=SimpleNamespace(name="coln", area_km2=106.7), loss=0.2345, n_evaluations=900,
                          seconds=61.0, stopped_by_budget=True,
                          setup=SimpleNamespace(objective="kge", calibration_period=(pd.Timestamp("2001-01-01"),
                                                                                     pd.Timestamp("2005-12-31")),
                                                validation_period=None),
                          metrics={"calibration": {"q": {"kge": 0.81234, "nse": 0.7}}},
                          parameters={f"p{i}": 1.0 + i for i in range(6)})
    r = text(calibration_rows(res))
    _short(r)
    assert "objective: kge, loss 0.2345" in r and "900 runs in 61.0 s; stopped by the time budget" in r
    assert "discharge, calibration: KGE 0.812, NSE 0.700 (2001-01-01 .. 2005-12-31)" in r
    assert "p0 = 1, p1 = 2, p2 = 3, p3 = 4 and 2 more" in r
    assert html(calibration_rows(res)).count("<tr>") == 5


def test_calibration_result_repr_is_short():
    """A real CalibrationResult (one generation on kerschbaum) shows a few lines, periods as dates."""
    from karstmodel.config.catchment import load_catchment, resolve_catchment
    from karstmodel.workflows.calibration import calibrate, setup_from_catchment
    c = load_catchment(resolve_catchment("kerschbaum"))
    res = calibrate(c, setup_from_catchment(c, c.calibration, {"maxiter": 1, "popsize": 2}), progress=False)
    r = repr(res)
    _short(r)
    assert r.startswith("CalibrationResult") and "(2002-01-01 .. 2009-12-31)" in r and "00:00" not in r
    assert "<table>" in res._repr_html_()


def test_number_formats_and_missing_values():
    assert number(12.345, ".3g", "mm") == "12.3 mm"
    assert number(None) == number(float("nan")) == number("x") == "n/a"


def test_glue_result_repr_gives_the_sink_interval():
    import pandas as pd

    from karstmodel.workflows.uncertainty import GlueResult
    samples = pd.DataFrame({"x": range(2000)})
    g = GlueResult(samples=samples, behavioural=samples.iloc[:150], threshold=0.5, fallback=False, q_bands=None,
                   outputs=None, seconds=12.34,
                   summary={"n_samples": 2000, "threshold_used": 0.5, "objective": "kge", "n_full_runs": 40,
                            "carbon_sink_tc_km2_yr": {"median": 10.5, "p05": 9.25, "p95": 12.0}})
    r = repr(g)
    _short(r)
    assert "2000 sets, 150 behavioural (kge >= 0.500)" in r
    assert "median 10.5, 90 % interval 9.25 .. 12 t C km-2 yr-1 (40 full runs)" in r and "12.3 s" in r
