"""Parameters declared once (karstmodel.registry): the reader's bounds and the default calibration ranges
of [reservoirs] come from each field's declaration, and every declaration is consistent."""
from __future__ import annotations

from dataclasses import fields

import pytest

from karstmodel.config.catchment import CatchmentError, ReservoirParameters, load_catchment
from karstmodel.registry import bounds_of, declared, table
from karstmodel.workflows.calibration import default_parameters

from karst_helpers import base_doc, synthetic_drivers, write_catchment


def test_every_reservoir_field_is_declared_with_consistent_ranges():
    decl = declared(ReservoirParameters)
    assert set(decl) == {f.name for f in fields(ReservoirParameters)}
    for f in fields(ReservoirParameters):
        p = decl[f.name]
        lo, hi = p.bounds
        assert f.default is None or lo <= f.default <= hi
        if p.calibrate is not None:
            assert lo <= p.calibrate[0] < p.calibrate[1] <= hi
            assert p.transform in ("none", "log") and (p.transform == "none" or p.calibrate[0] > 0)
    assert len(table(ReservoirParameters, "reservoirs")) == len(decl) + 2


@pytest.mark.parametrize("key", ["epikarst_k_per_d", "conduit_fraction", "routing_delay_d", "matrix_exponent"])
def test_reader_refuses_values_beyond_the_declared_bounds(tmp_path, key):
    lo, hi = bounds_of(ReservoirParameters)[key]
    path = write_catchment(tmp_path / key, base_doc(reservoirs={key: hi * 2 + 1}), synthetic_drivers(days=60))
    with pytest.raises(CatchmentError, match=rf"\[reservoirs\] {key}: must be <= {hi:g}"):
        load_catchment(path)


def test_default_calibration_uses_the_declared_ranges(tmp_path):
    doc = base_doc(lithology={"limestone": 0.7, "dolomite": 0.0, "non_carbonate": 0.3},
                   observations={"file": "observations.csv", "discharge": "outlet"})
    path = write_catchment(tmp_path / "c", doc, synthetic_drivers(days=60))
    (path.parent / "observations.csv").write_text("date,q_m3_s\n2001-01-01,1.0\n")
    specs = {p.name: p for p in default_parameters(load_catchment(path))}
    decl = declared(ReservoirParameters)
    checked = 0
    for name, spec in specs.items():
        if name.startswith("reservoirs.") and name.split(".", 1)[1] in decl:
            p = decl[name.split(".", 1)[1]]
            assert (spec.lower, spec.upper, spec.transform) == (p.calibrate[0], p.calibrate[1], p.transform)
            checked += 1
    assert checked >= 10
