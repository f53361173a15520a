"""The compiled water pass of discharge calibration (:mod:`karstmodel.model.water_pass`) gives the discharge of
``simulate_water`` (the reference: the water stage built from the process modules' own loops) to 1e-10 relative,
day by day, on every bundled catchment and on synthetic catchments that switch on each feature of the water chain:
snow elevation bands, non-karst groundwater, a surface store or none, routing delay to the outlet, GR4J soil
percolation, set initial storages (no probe pass), no spin-up, a spin-up longer than the record, a catchment without
karst, and a catchment with changes in time (which takes the full water stage)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from karst_helpers import synthetic_drivers
from karstmodel.config.catchment import bundled_catchments, load_catchment, resolve_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.model.simulate import simulate_water
from karstmodel.model.water_pass import PreparedDrivers, discharge
from karstmodel.processes.changes import Irrigation


def assert_same_discharge(c, data):
    """spring_mm and outlet_mm of the water pass equal simulate_water's to 1e-10 relative on every day."""
    ref = simulate_water(c, data)
    got = discharge(c, PreparedDrivers.from_frame(data), data)
    for key in ("spring_mm", "outlet_mm"):
        a, b = getattr(ref, key), got[key]
        assert a.shape == b.shape == (len(data),)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-300, err_msg=key)
    return ref


@pytest.mark.parametrize("name", bundled_catchments())
def test_bundled_catchments(name):
    c = load_catchment(resolve_catchment(name))
    data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    ref = assert_same_discharge(c, data)
    assert ref.outlet_mm.sum() > 0.0


def _base():
    return load_catchment(resolve_catchment("kerschbaum"))


def _res(c, **kw):
    return replace(c, reservoirs=replace(c.reservoirs, **kw))


BANDS = dict(band_elevations_m=(600.0, 1000.0, 1400.0, 1800.0), band_fractions=(0.2, 0.3, 0.3, 0.2),
             temperature_lapse_c_per_100m=0.55, precip_gradient_per_km=0.41)
OUTLET = dict(nonkarst_baseflow_fraction=0.4, nonkarst_baseflow_k_per_d=0.01, nonkarst_baseflow_exponent=2.0,
              routing_delay_d=2.7, surface_k_per_d=0.3)


def _variants():
    c = _base()
    mixed = replace(c, lithology=replace(c.lithology, limestone=0.6, non_carbonate=0.4, allogenic_to_karst=0.3))
    yield "snow bands", replace(c, snow=replace(c.snow, **BANDS))
    yield "non-karst groundwater, surface store, routing delay", _res(mixed, **OUTLET)
    yield "no surface store", _res(mixed, **{**OUTLET, "surface_k_per_d": None})
    yield "GR4J soil percolation", _res(c, soil_percolation_nu=4.0 / 9.0)
    yield "set initial storages", _res(mixed, **OUTLET, initial_matrix_mm=120.0, initial_nonkarst_baseflow_mm=40.0)
    yield "no spin-up", replace(_res(mixed, **OUTLET), warmup_days=0)
    yield "spin-up longer than the record", replace(c, warmup_days=5000)
    yield "no karst", _res(replace(c, lithology=replace(c.lithology, limestone=0.0, dolomite=0.0, non_carbonate=1.0,
                                                        allogenic_to_karst=0.0)), **OUTLET)
    yield "overflow to the matrix", _res(c, overflow_to_matrix_fraction=0.4, epikarst_max_mm=15.0,
                                         matrix_exponent=2.5)
    yield "changes in time (full water stage)", replace(
        c, changes=(Irrigation(hydrotope=c.hydrotopes[0].name, mm_per_day=2.0, months=(6, 7, 8)),))


@pytest.mark.parametrize("label,c", list(_variants()), ids=lambda v: v if isinstance(v, str) else "")
def test_synthetic_catchments(label, c):
    raw = synthetic_drivers(days=4 * 365, seed=5, t_mean=4.0, t_amp=9.0)
    data = raw.set_index(pd.DatetimeIndex(raw.pop("date")))
    data["pet_mm"] = np.maximum(0.0, 0.2 + 0.12 * data["temp_c"])
    ref = assert_same_discharge(c, data)
    assert ref.spring_mm.sum() + ref.outlet_mm.sum() > 0.0
    if label == "snow bands":
        assert ref.snow["swe_mm"].max() > 10.0  # snow does accumulate: the bands are exercised


def test_calibration_objective_uses_the_same_discharge():
    """The loss of a parameter vector is the same through the water pass as through simulate_water."""
    from karstmodel.workflows.calibration import Objective, load_station_observations, period_mask, \
        setup_from_catchment
    from karstmodel.accounting import metrics as M
    from karstmodel.config.parameters import apply_parameters
    c = _base()
    data = load_drivers(c.drivers, c.latitude, "2001-01-01", "2005-12-31").data
    obs = load_station_observations(c, data.index)
    setup = setup_from_catchment(c, {}, {"calibration": "2002-01-01:2005-12-31"})
    mask = period_mask(data.index, setup.calibration_period)
    obj = Objective(c, data, setup, obs, mask)
    rng = np.random.default_rng(3)
    lo = np.array([p.search_bounds[0] for p in setup.parameters])
    hi = np.array([p.search_bounds[1] for p in setup.parameters])
    for x in lo + rng.random((3, lo.size)) * (hi - lo):
        cx = apply_parameters(c, obj.values(x))
        q = simulate_water(cx, data).spring_mm
        q_obs = obs["q_obs_m3_s"].to_numpy() * 86.4 / cx.area_km2
        assert obj(x) == pytest.approx(1.0 - M.kge(q[mask], q_obs[mask]), rel=1e-10)


def test_apply_parameters_at_once_equals_one_at_a_time():
    """Applying a parameter set in one call (each object copied once) gives the catchment that applying the names
    one by one gives, with scales acting on the value set before them and unit storages on this call's exponent."""
    from karstmodel.config.parameters import apply_parameters
    c = _base()
    h0 = c.hydrotopes[0]
    values = {"area_km2": 2.2, "reservoirs.epikarst_k_per_d": 0.07, "snow.melt_factor_mm_c_d": 3.3,
              f"hydrotopes.{h0.name}.root_zone_storage_mm": 150.0, "hydrotopes.*.root_zone_storage_mm_scale": 1.3,
              "hydrotopes.*.fast_flow_fraction_scale": 1.7, f"land_use.{h0.land_use}.recharge_shape": 3.5,
              "hydrotopes.*.recharge_shape": 2.5, "lithology.allogenic_to_karst": 0.4,
              "reservoirs.matrix_exponent": 2.5}
    one_by_one = c
    for k, v in values.items():
        one_by_one = apply_parameters(one_by_one, {k: v})
    assert apply_parameters(c, values) == one_by_one
    assert apply_parameters(c, values) != c
    # a unit storage is applied last, with the exponent set in the same call
    got = apply_parameters(c, {"reservoirs.matrix_unit_storage_mm": 300.0, "reservoirs.matrix_exponent": 2.5})
    assert got.reservoirs.matrix_k_per_d == pytest.approx(300.0 ** -2.5, rel=1e-15)
    assert apply_parameters(c, {}) is c
    with pytest.raises(KeyError):
        apply_parameters(c, {"reservoirs.no_such_field": 1.0})
    with pytest.raises(KeyError):
        apply_parameters(c, {"hydrotopes.no_such_hydrotope.recharge_shape": 1.0})


@pytest.mark.parametrize("label,c", list(_variants()) + [("coln_bibury", load_catchment(resolve_catchment(
    "coln_bibury")))], ids=lambda v: v if isinstance(v, str) else "")
def test_first_days_only(label, c):
    """``days=d`` (a calibration that scores nothing after day d) gives the whole run's first d days to 1e-10
    relative, for d before, at and after the end of the spin-up (the record pass stops early, the probe does not)."""
    if label == "coln_bibury":
        data = load_drivers(c.drivers, c.latitude, c.start, c.end).data
    else:
        raw = synthetic_drivers(days=4 * 365, seed=5, t_mean=4.0, t_amp=9.0)
        data = raw.set_index(pd.DatetimeIndex(raw.pop("date")))
        data["pet_mm"] = np.maximum(0.0, 0.2 + 0.12 * data["temp_c"])
    prep = PreparedDrivers.from_frame(data)
    whole = discharge(c, prep, data)
    for d in (1, 200, 700, len(data) - 1):
        part = discharge(c, prep, data, days=d)
        for key in ("spring_mm", "outlet_mm"):
            assert part[key].shape == (d,)
            np.testing.assert_allclose(part[key], whole[key][:d], rtol=1e-10, atol=1e-300, err_msg=f"{key} {d}")


def test_copy_with_equals_dataclasses_replace():
    """The calibration's copy of a parameter object (fields set directly) equals ``dataclasses.replace``'s, field by
    field and as a whole; a class whose ``__init__`` does more, or an unknown field, goes through ``replace``."""
    from dataclasses import dataclass, fields
    from karstmodel.config.parameters import _copy_with
    c = _base()
    for obj, changes in ((c.reservoirs, {"matrix_k_per_d": 3e-4, "epikarst_exponent": 1.7}),
                         (c.hydrotopes[0].params, {"root_zone_storage_mm": 123.0}),
                         (c, {"area_km2": 9.5, "reservoirs": c.reservoirs})):
        got, ref = _copy_with(obj, changes), replace(obj, **changes)
        assert type(got) is type(ref) and got == ref and hash(got) == hash(ref)
        assert all(getattr(got, f.name) is getattr(ref, f.name) for f in fields(ref))
        assert got != obj
    with pytest.raises(TypeError):
        _copy_with(c.reservoirs, {"no_such_field": 1.0})

    @dataclass(frozen=True)
    class Checked:
        x: float = 1.0

        def __post_init__(self):
            if self.x < 0:
                raise ValueError("x < 0")

    with pytest.raises(ValueError):
        _copy_with(Checked(), {"x": -1.0})


def test_snow_terms_are_the_snow_routine_s():
    """The temperature-only snow terms computed once per calibration (``PreparedDrivers.snow_terms``), with the
    melt step of each band, give :func:`karstmodel.processes.snow.simulate_snow`'s rain and melt exactly, with
    bands and without; a second call returns the cached arrays."""
    from karstmodel.model.water_pass import _setup
    from karstmodel.processes.snow import melt_step, simulate_snow
    raw = synthetic_drivers(days=2 * 365, seed=5, t_mean=2.0, t_amp=9.0)
    prep = PreparedDrivers.from_frame(raw.assign(pet_mm=1.0))
    c = _base()
    for snow in (c.snow, replace(c.snow, **BANDS)):
        s = _setup(replace(c, snow=snow))
        terms = prep.snow_terms(s.snow_p[0], s.snow_p[1], s.band_w, s.band_dt, s.band_f)
        assert prep.snow_terms(s.snow_p[0], s.snow_p[1], s.band_w, s.band_dt, s.band_f) is terms
        rain, snowfall, degree_day = terms
        ref = simulate_snow(prep.precip_mm, prep.temp_c, snow)
        swe = np.zeros(s.band_f.size)
        melt = np.empty(prep.n_days)
        for t in range(prep.n_days):
            m = 0.0
            for b in range(s.band_f.size):
                m_b, swe[b] = melt_step(swe[b], snowfall[t, b], degree_day[t, b], snow.melt_factor_mm_c_d)
                m += s.band_f[b] * m_b
            melt[t] = m
        assert ref["melt_mm"].max() > 1.0
        np.testing.assert_array_equal(rain, ref["rain_mm"])
        np.testing.assert_array_equal(melt, ref["melt_mm"])


def test_hydrotopes_sharing_soil_parameters_run_one_soil_store():
    """Hydrotopes with the same soil parameters form one soil group (their stores would hold the same numbers);
    the discharge is simulate_water's (the Sitter, with its allogenic hydrotopes, is in test_bundled_catchments)."""
    from karstmodel.model.water_pass import _setup
    c = load_catchment(resolve_catchment("sitter_appenzell"))
    s = _setup(c)
    assert len(c.hydrotopes) == 12 and s.soil_p.shape[1] == 6
    for h, x in enumerate(c.hydrotopes):
        p = x.params
        assert tuple(s.soil_p[:, s.group[h]]) == (p.interception_capacity_mm, p.root_zone_storage_mm,
                                                   p.crop_coefficient, p.recharge_shape, p.et_threshold_fraction)
