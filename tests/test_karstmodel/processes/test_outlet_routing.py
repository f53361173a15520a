"""Routing of the outlet runoff to the gauge through GR4J's unit hydrograph UH1 ([reservoirs] routing_delay_d)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from karstmodel.config.catchment import load_catchment, resolve_catchment
from karstmodel.processes.routing import route_unit_hydrograph, unit_hydrograph_gr4j
from karstmodel.model.simulate import simulate, simulate_water


def test_unit_hydrograph_ordinates():
    """UH1 from SH1(t) = (t/X4)^2.5 (Perrin et al. 2003): ordinates sum to 1; X4 = 2.5 d by hand."""
    uh = unit_hydrograph_gr4j(2.5)
    sh = np.array([0.0, (1 / 2.5) ** 2.5, (2 / 2.5) ** 2.5, 1.0])
    np.testing.assert_allclose(uh, np.diff(sh), rtol=1e-15)
    assert uh.sum() == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_array_equal(unit_hydrograph_gr4j(0.0), [1.0])
    np.testing.assert_array_equal(unit_hydrograph_gr4j(0.7), [1.0])


def test_routing_in_pieces_equals_routing_whole_and_conserves_water():
    rng = np.random.default_rng(4)
    q = rng.exponential(2.0, 400)
    uh = unit_hydrograph_gr4j(3.3)
    whole, tail = route_unit_hydrograph(q, uh)
    a, pend = route_unit_hydrograph(q[:123], uh)
    b, tail2 = route_unit_hydrograph(q[123:], uh, pend)
    np.testing.assert_allclose(np.concatenate([a, b]), whole, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(tail2, tail, rtol=1e-13, atol=1e-13)
    assert q.sum() == pytest.approx(whole.sum() + tail.sum(), rel=1e-13)


def test_routed_outlet_closes_and_delays_the_peak():
    """With a delay the gauge hydrograph peaks later, keeps the water (spring + surface = gauge + change in
    transit), and the outlet DIC concentration stays that of the routed water; without it nothing changes."""
    c = load_catchment(resolve_catchment("coln_bibury"))
    c = replace(c, reservoirs=replace(c.reservoirs, routing_delay_d=0.0), reaches=())
    base = simulate(c, with_reaches=False)
    c2 = replace(c, reservoirs=replace(c.reservoirs, routing_delay_d=2.5), reaches=())
    r = simulate(c2, with_reaches=False)
    ts0, ts = base.timeseries, r.timeseries
    np.testing.assert_allclose(ts0["outlet_runoff_mm"], ts0["spring_mm"] + ts0["surface_runoff_mm"], rtol=1e-12)
    np.testing.assert_allclose(ts["spring_mm"], ts0["spring_mm"], rtol=1e-12)  # the spring itself is not delayed
    wb = r.summary["water_balance"]
    assert abs(wb["outlet_routing"]["residual_mm"]) < 1e-9 * wb["precip_mm"]
    assert r.summary["water_balance_error"] < 1e-12 and r.summary["carbon_balance_error"] < 1e-12
    lag = np.argmax(np.correlate(ts["outlet_runoff_mm"] - ts["outlet_runoff_mm"].mean(),
                                 ts0["outlet_runoff_mm"] - ts0["outlet_runoff_mm"].mean(), "full")) - (len(ts) - 1)
    assert lag == 1
    ok = ts["outlet_runoff_mm"] > 0.01
    assert np.all(ts.loc[ok, "outlet_dic_mmol_l"].between(ts0["outlet_dic_mmol_l"].min() * 0.99,
                                                           ts0["outlet_dic_mmol_l"].max() * 1.01))
    w = simulate_water(c2, r.drivers.data)
    np.testing.assert_allclose(w.outlet_mm, ts["outlet_runoff_mm"].to_numpy(), rtol=1e-12, atol=1e-12)
