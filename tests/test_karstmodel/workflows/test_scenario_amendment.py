"""The ``[[organic_amendment]]`` table of a scenario file (karstmodel.workflows.scenarios.file): what it builds and
the errors naming the key."""
from __future__ import annotations

import pytest

from karst_helpers import base_doc, synthetic_drivers, toml_text
from karstmodel.config.catchment import load_catchment
from karstmodel.processes.changes import OrganicAmendment
from karstmodel.workflows.scenarios import ScenarioError, apply_scenario, load_scenario


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("amend_sc")
    synthetic_drivers(days=2 * 365, seed=5).to_csv(d / "drivers.csv", index=False)
    (d / "catchment.toml").write_text(toml_text(base_doc(land_use={"cropland": 0.6, "forest": 0.4})))
    return d, load_catchment(d / "catchment.toml")


def _apply(d, c, text):
    p = d / "sc.toml"
    p.write_text('name = "manure"\n' + text)
    return apply_scenario(c, load_scenario(p), "2001-01-01")


def test_amendment_table_builds_the_change(site):
    d, c = site
    out = _apply(d, c, '[[organic_amendment]]\nland_use = "cropland"\ncarbon_g_m2 = 150\n'
                       'dates = ["2001-04-01", "2001-10-01"]\nevery_year = "03-15"\nstart = "2002-01-01"\n'
                       'decay_rate_10c_per_yr = 1.5\n')
    (am,) = [ch for ch in out.changes if isinstance(ch, OrganicAmendment)]
    assert am == OrganicAmendment("cropland", 150.0, ("2001-04-01", "2001-10-01"), "03-15", "2002-01-01",
                                  "2200-12-31", 1.5)
    (one,) = [ch for ch in _apply(d, c, '[[organic_amendment]]\nhydrotope = "forest"\ncarbon_g_m2 = 80\n'
                                        'date = "2001-05-01"\n').changes if isinstance(ch, OrganicAmendment)]
    assert one.dates == ("2001-05-01",) and one.decay_rate_10c_per_yr == 2.0 and one.every_year is None


@pytest.mark.parametrize("text,match", [
    ('land_use = "cropland"\ncarbon_g_m2 = 10\ndate = "2001-01-01"\nbogus = 1\n', r"#1 bogus: unknown key"),
    ('land_use = "cropland"\ndate = "2001-01-01"\n', r"#1 carbon_g_m2: missing"),
    ('land_use = "cropland"\ncarbon_g_m2 = 10\n', r"#1 date: missing"),
    ('land_use = "cropland"\ncarbon_g_m2 = 10\nevery_year = "3-15"\n', r"#1 every_year: must be"),
    ('land_use = "cropland"\ncarbon_g_m2 = 10\ndate = "2001-01-01"\ndecay_rate_10c_per_yr = 0\n',
     r"decay_rate_10c_per_yr: must lie in 0.01..50"),
    ('land_use = "cropland"\ncarbon_g_m2 = 10\ndate = "2001-13-01"\n', r"#1 date: not an ISO date"),
    ('land_use = "bare_rock"\ncarbon_g_m2 = 10\ndate = "2001-01-01"\n', r"has no bare_rock hydrotope"),
])
def test_amendment_errors_name_the_key(site, text, match):
    d, c = site
    with pytest.raises(ScenarioError, match=match):
        _apply(d, c, "[[organic_amendment]]\n" + text)
