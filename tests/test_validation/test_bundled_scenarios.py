"""Every bundled scenario against the field evidence of ``validation/interventions.py`` (issue 14's done-when): each
changes the sink, or the fate shares of the karst DIC, in the direction and the order of magnitude the evidence
gives, and its numbers are those quoted in validation/README.md ("The bundled scenarios against the evidence") and
in the scenario files.

Each scenario runs as a user runs it (``run_scenario`` with the bundled catchment), with the central parameters
(``ensemble=0``). The kerschbaum land-use and climate scenarios run without the catchment's two reaches: the sink is
taken at the spring, above the reaches, so it is the same to the last digit with and without them (checked in
``test_reaches_do_not_change_the_spring_sink``), and the reaches at 15-minute steps over 45-60 years would take most
of a minute each. The aquatic scenario (``pond_cultivation``) changes only the reaches and runs with them.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.workflows.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "validation"))

import interventions as iv  # noqa: E402

EVIDENCE = {row.id: row for row in iv.EVIDENCE}


@lru_cache(maxsize=None)
def _run(catchment: str, scenario: str, reaches: bool = True) -> dict:
    c = load_catchment(resolve_catchment(catchment))
    if not reaches:
        c = replace(c, reaches=())
    path = ROOT / "catchments" / catchment / "scenarios" / f"{scenario}.toml"
    return run_scenario(c, load_scenario(path), ensemble=0, progress=False)["summary"]


def _rel_sink(s: dict) -> float:
    return s["delta"]["delta_carbon_sink_tc_km2_yr"] / s["baseline"]["carbon_sink_tc_km2_yr"]


def test_evidence_rows_quoted_here_exist():
    """The rows the assertions below lean on are in the evidence table with the values quoted in the docstrings."""
    assert EVIDENCE["B5"].value == pytest.approx(1.6, abs=0.01) and EVIDENCE["F2"].kind == "lower_bound"
    assert EVIDENCE["C2"].value == pytest.approx(100.0) and EVIDENCE["C3"].value == pytest.approx(0.0)
    assert EVIDENCE["D2"].kind == "lower_bound" and EVIDENCE["E1"].value == pytest.approx(25.5)
    assert EVIDENCE["B2"].value / EVIDENCE["B1"].value == pytest.approx(0.956, abs=0.001)


def test_cropland_to_forest_raises_the_sink_by_the_soil_co2_contrast():
    """coln_bibury: 30 % of the cropland (15 % of the area) to forest. Evidence: forest soils hold 1.6x the CO2 of
    cropland soils (B5) and forest springs carry more HCO3- (F2, > 1). At open-system equilibrium DIC ~ pCO2^(1/3),
    so converting 15 % of the area can raise DIC by up to 0.15 x (1.6^(1/3) - 1) = 2.6 %: the model gives +2.1 %,
    with 1.9 % less runoff (forests evaporate more); the sink rises, by +0.21 % over a record that ends before the
    20-year soil ramp is complete."""
    s = _run("coln_bibury", "cropland_to_forest")
    d = s["delta"]
    assert d["relative_change_dic"] == pytest.approx(0.0209, abs=2e-4)
    assert 0.005 < d["relative_change_dic"] < 0.15 * (1.6 ** (1 / 3) - 1)
    assert d["relative_change_runoff"] == pytest.approx(-0.0188, abs=2e-4)
    assert d["delta_carbon_sink_tc_km2_yr"] == pytest.approx(0.0225, abs=5e-4) and d["sink_increases"]


def test_irrigation_raises_the_sink_with_the_water():
    """coln_bibury: 150 mm/yr of exogenous water on the cropland. Evidence C2: +50 % water almost doubled DIC
    leaching (the extra water leaves as hard as the rest). Model: runoff +11.1 %, DIC -0.7 %, sink +10.3 %: the sink
    follows the water, as in the field."""
    s = _run("coln_bibury", "irrigation_exogenous_water")
    d = s["delta"]
    assert d["relative_change_runoff"] == pytest.approx(0.1108, abs=5e-4)
    assert _rel_sink(s) == pytest.approx(0.103, abs=1e-3)
    assert abs(d["relative_change_dic"]) < 0.02  # the water is as hard as before, within 2 %
    assert 0.8 < _rel_sink(s) / d["relative_change_runoff"] < 1.2


def test_manure_raises_the_sink():
    """coln_bibury: 200 g C m-2 of manure on the cropland every spring. Evidence (Zhou et al. 2002, C1's study):
    organic amendment raises soil CO2, HCO3- and limestone dissolution. Model: DIC +4.3 %, sink +4.4 %, runoff
    unchanged."""
    s = _run("coln_bibury", "manure_cropland")
    d = s["delta"]
    assert d["relative_change_runoff"] == 0.0
    assert _rel_sink(s) == pytest.approx(0.044, abs=1e-3)
    assert d["relative_change_dic"] == pytest.approx(0.0433, abs=5e-4)


def test_soil_warming_changes_dic_within_the_experiment_band():
    """coln_bibury: the soil warmed by 4 C with heating cables. Evidence C3 (Schindlbacher et al. 2019, treatment H):
    no effect on DIC leaching (band +-25 % assumed); the water balance is untouched. Model: runoff unchanged, DIC
    +8.1 %, sink +8.4 %: inside the band, up as soil respiration rises."""
    s = _run("coln_bibury", "soil_warming_cables")
    d = s["delta"]
    assert d["relative_change_runoff"] == 0.0
    assert d["relative_change_dic"] == pytest.approx(0.0814, abs=5e-4)
    assert EVIDENCE["C3"].low / 100 < d["relative_change_dic"] < EVIDENCE["C3"].high / 100


def test_carbonate_powder_raises_dic():
    """coln_bibury: carbonate powder on the cropland's clay (non-carbonate) area dissolves with the soil CO2 (no
    field row; the direction is the reaction's). Its water joins the river above the gauge, where the Coln's sink is
    taken (a river gauge): gauge DIC 3.68 -> 3.91 mmol/L, sink +0.65 t C km-2 yr-1 (+6.1 %), runoff unchanged; the
    spring, fed mostly by the limestone, gains 0.2 %."""
    s = _run("coln_bibury", "carbonate_powder")
    d = s["delta"]
    assert d["relative_change_runoff"] == 0.0 and d["relative_change_dic"] > 0.0
    assert d["delta_carbon_sink_tc_km2_yr"] == pytest.approx(0.649, abs=0.005)
    assert _rel_sink(s) == pytest.approx(0.0607, abs=5e-4)


def test_grassland_to_forest_hardly_moves_the_sink():
    """kerschbaum: the meadow (13 %) to forest. Evidence B1/B2: forest and grassland soils hold about the same CO2
    (7,197 vs 7,527 mg m-3, ratio 0.96) and forests evaporate more, so about no change is expected. Model: sink
    -0.43 %, DIC -0.08 %, runoff -0.35 %."""
    s = _run("kerschbaum", "grassland_to_forest", reaches=False)
    assert _rel_sink(s) == pytest.approx(-0.0043, abs=2e-4)
    assert abs(_rel_sink(s)) < 0.02 and abs(s["delta"]["relative_change_dic"]) < 0.01


def test_climate_warming_lowers_the_sink_with_the_runoff():
    """kerschbaum: the 2060 climate (warmer, hence more PET). Evidence C3: warming of the soil alone leaves DIC
    leaching unchanged; with the air warmer, evaporation takes more water, and the sink follows the runoff down.
    Model: runoff -0.76 %, DIC -0.06 %, sink -0.82 % (-0.21 t C km-2 yr-1)."""
    s = _run("kerschbaum", "warming_2060", reaches=False)
    d = s["delta"]
    assert d["delta_carbon_sink_tc_km2_yr"] == pytest.approx(-0.209, abs=0.002) and not d["sink_increases"]
    assert d["relative_change_runoff"] < 0 and abs(d["relative_change_dic"]) < abs(d["relative_change_runoff"])


def test_pond_cultivation_moves_the_fate_shares_not_the_spring_sink():
    """kerschbaum: the pond below the spring planted densely (cover 50 -> 90 %, biomass 150 -> 300 g DW/m2). The
    spring sink cannot change (same catchment); the fate of the karst DIC moves to autochthonous OC: formed
    0.31 -> 0.76, buried 0.045 -> 0.114, exported 0.080 -> 0.178 t C/yr. Evidence (category e): burial per area of
    water surface, 13 -> 33 g C m-2 yr-1 here, has the order of the autochthonous OC burial estimated for karst
    reservoirs (10-26 g C m-2 yr-1, a lead) and of lakes' autochthonous sediments (E1: burial efficiency 25.5 %,
    10-41 %)."""
    s = _run("kerschbaum", "pond_cultivation")
    assert s["delta"]["delta_carbon_sink_tc_km2_yr"] == 0.0
    b, n = s["baseline"]["autochthonous_oc"], s["scenario"]["autochthonous_oc"]
    assert b["formed_t_c_yr"] == pytest.approx(0.312, abs=0.002)
    assert n["formed_t_c_yr"] == pytest.approx(0.758, abs=0.002)
    assert b["buried_t_c_yr"] == pytest.approx(0.0455, abs=5e-4)
    assert n["buried_t_c_yr"] == pytest.approx(0.1139, abs=5e-4)
    pond_m2 = 3000.0
    burial_g_m2_yr = [1e6 * x["buried_t_c_yr"] / pond_m2 for x in (b, n)]
    assert 10.0 < burial_g_m2_yr[0] < burial_g_m2_yr[1] < 50.0
    assert s["scenario"]["fate"]["aquatic_organic_carbon"] > 2 * s["baseline"]["fate"]["aquatic_organic_carbon"]
    assert s["delta"]["fate_change"]["buried_autochthonous_oc"] > 0


def test_allogenic_scenarios_raise_the_sink():
    """sitter_appenzell. Evidence D2: allogenic water dissolves carbonate faster than karst water (> 1; model 97).
    The sinking stream flowing 2 km open to cave air raises DIC by 2.1 % and the sink by 1.9 % (runoff unchanged);
    reforesting half the allogenic grassland raises it slightly (+0.24 %), as only about half of the allogenic
    runoff sinks into the karst."""
    s = _run("sitter_appenzell", "allogenic_sinking_stream")
    assert s["delta"]["relative_change_runoff"] == 0.0
    assert s["delta"]["relative_change_dic"] == pytest.approx(0.021, abs=5e-4)
    assert _rel_sink(s) == pytest.approx(0.019, abs=5e-4)
    r = _run("sitter_appenzell", "allogenic_reforestation")
    assert 0.0 < _rel_sink(r) < _rel_sink(s)


def test_reaches_do_not_change_the_spring_sink():
    """The sink is taken at the spring, above the reaches: the catchment without its reaches has the same sink to the
    last digit as the scenario baseline with them (which is why the land-use and climate tests above may leave the
    reaches out)."""
    from karstmodel.model.simulate import simulate
    c = replace(load_catchment(resolve_catchment("kerschbaum")), reaches=())
    with_reaches = _run("kerschbaum", "pond_cultivation")["baseline"]["carbon_sink_tc_km2_yr"]
    assert simulate(c).summary["carbon_sink_tc_km2_yr"] == with_reaches
