"""validation/fewer_parameters.py: the catchment its reduced fits start from holds the defaults, not the fitted
values, in every parameter of the default calibration set, and nothing else changes."""
import dataclasses
import importlib.util
import sys

import pytest

from repo_paths import REPO

sys.path.insert(0, str(REPO / "validation"))
spec = importlib.util.spec_from_file_location("fewer_parameters", REPO / "validation" / "fewer_parameters.py")
fewer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fewer)


@pytest.mark.parametrize("name", ["coln_bibury", "sitter_appenzell"])
def test_default_valued_catchment(name):
    from karstmodel.config.catchment import load_catchment, resolve_catchment
    from karstmodel.config.schema import Lithology, ReservoirParameters, SnowParameters
    from karstmodel.processes.landuse import default_parameters

    c = load_catchment(resolve_catchment(name))
    d = fewer.default_valued(c)
    assert d.reservoirs == ReservoirParameters()
    assert c.reservoirs != ReservoirParameters()  # the bundled file holds fitted values
    assert d.snow.melt_factor_mm_c_d == SnowParameters().melt_factor_mm_c_d != c.snow.melt_factor_mm_c_d
    assert d.lithology.allogenic_to_karst == Lithology().allogenic_to_karst != c.lithology.allogenic_to_karst
    table = default_parameters()
    for h, h_file in zip(d.hydrotopes, c.hydrotopes):
        for f in ("root_zone_storage_mm", "fast_flow_fraction", "recharge_shape"):
            assert getattr(h.params, f) == getattr(table[h.land_use], f)
    assert any(h.params != h_file.params for h, h_file in zip(d.hydrotopes, c.hydrotopes))
    # the rest of the catchment is the file's
    assert (d.area_km2, d.lithology.carbonate, d.snow.threshold_c, len(d.hydrotopes)) == \
        (c.area_km2, c.lithology.carbonate, c.snow.threshold_c, len(c.hydrotopes))
    assert dataclasses.replace(d, reservoirs=c.reservoirs, snow=c.snow, lithology=c.lithology,
                               hydrotopes=c.hydrotopes) == c
