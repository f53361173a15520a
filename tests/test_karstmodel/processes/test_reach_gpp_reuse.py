"""The reaches' time loop reuses the light attenuation at the quadrature nodes and the temperature factor of GPP
between steps (karstmodel.processes.reaches.kernel): the GPP it books must equal the rate laws of
karstmodel.processes.reaches.carbon_pump evaluated afresh at every step, and the rate laws must equal the plain
formula and the integral they approximate (scipy quad)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from karstmodel.processes import reaches as sw
from karstmodel.processes.reaches.carbon_pump import (_GL_W, _GL_X, canopy_light_factor, carbon_limitation,
                                                      macrophyte_gpp_mol_c_m2_s, mixed_layer_light_factor,
                                                      phytoplankton_gpp_mol_c_m3_s)


@pytest.mark.parametrize("par0,kd,depth,ik", [(1500.0, 0.8, 1.2, 150.0), (40.0, 2.5, 1.9, 120.0), (900.0, 0.5, 0.05,
                                                                                                  80.0)])
def test_light_factors_equal_the_plain_quadrature_and_the_integral(par0, kd, depth, ik):
    plain = sum(w * math.tanh(par0 * math.exp(-kd * depth * x) / ik) for w, x in zip(_GL_W, _GL_X))
    assert mixed_layer_light_factor(par0, kd, depth, ik) == pytest.approx(plain, rel=1e-15)
    exact = quad(lambda z: math.tanh(par0 * math.exp(-kd * z) / ik), 0.0, depth)[0] / depth
    assert mixed_layer_light_factor(par0, kd, depth, ik) == pytest.approx(exact, abs=1e-6)  # its docstring
    tau = 0.01 * 150.0
    plain_c = sum(w * math.tanh(par0 * math.exp(-tau * x) / ik) for w, x in zip(_GL_W, _GL_X))
    assert canopy_light_factor(par0, 0.01, 150.0, ik) == pytest.approx(plain_c, rel=1e-15)
    assert canopy_light_factor(par0, 0.0, 150.0, ik) == pytest.approx(math.tanh(par0 / ik), rel=1e-15)


def test_booked_gpp_equals_the_rate_laws_at_every_step():
    # a stream whose depth follows the varying discharge (the column attenuation changes every step) above a pond
    # (fixed depth: reused), two summer days with a diel light cycle
    idx = pd.date_range("2021-06-20", periods=3, freq="D")
    inflow = pd.DataFrame({"q_m3_s": [0.2, 0.35, 0.25], "temp_c": [14.0, 16.0, 15.0], "ca": 2.0, "mg": 0.3,
                           "dic": 4.6}, index=idx)
    reaches = [sw.ReachParameters(name="stream", length_m=800.0, macrophyte_cover=0.4),
               sw.ReachParameters(name="pond", kind="pond", area_m2=4000.0, depth_m=1.1, macrophyte_cover=0.6,
                                  chl_a_ug_l=8.0)]
    res = sw.simulate_reaches(inflow, reaches, latitude_deg=47.0, longitude_deg=13.0, spinup_days=0,
                              air_temp_c=18.0)
    n_day = 0
    for r in reaches:
        s = res.reach(r.name)
        kd = r.kd_background_per_m + r.kd_chl_m2_mg * r.chl_a_ug_l
        par0 = s["par_umol_m2_s"].to_numpy() * (1.0 - r.albedo)
        expect = np.empty(len(s))
        # the rates per m2 are per bed area of each step (a stream's width follows the discharge)
        for i, (p0, z, t, co2, hco3) in enumerate(zip(par0, s["depth_m"], s["temp_c"], s["co2aq_mmol_l"],
                                                      s["hco3_mmol_l"])):
            f_mac = carbon_limitation(co2, hco3, r.macrophyte_hco3_fraction, r.macrophyte_k_co2_mmol_l,
                                      r.macrophyte_k_hco3_mmol_l)
            f_phy = carbon_limitation(co2, hco3, r.phyto_hco3_fraction, r.phyto_k_co2_mmol_l, r.phyto_k_hco3_mmol_l)
            g_mac = macrophyte_gpp_mol_c_m2_s(p0, z, kd, r.macrophyte_cover, r.macrophyte_biomass_g_m2,
                                              r.macrophyte_pmax_mg_o2_g_h, r.macrophyte_ik_umol_m2_s,
                                              r.macrophyte_canopy_height_m, r.macrophyte_extinction_m2_g, t,
                                              r.q10_gpp, f_mac, r.photosynthetic_quotient)
            g_phy = phytoplankton_gpp_mol_c_m3_s(p0, z, kd, r.chl_a_ug_l, r.phyto_pmax_mg_c_mg_chl_h,
                                                 r.phyto_ik_umol_m2_s, t, r.q10_gpp, f_phy)
            expect[i] = (g_mac / z + g_phy) * z * 3600.0 * 1e3  # mmol C m-2 h-1
        if r.kind == "stream":
            assert np.unique(s["depth_m"]).size > 50
        got = s["gpp_mmol_c_m2_h"].to_numpy()
        day = expect > 0.0
        n_day += int(day.sum())
        assert np.all(got[~day] == 0.0)
        np.testing.assert_allclose(got[day], expect[day], rtol=1e-12)
    assert n_day > 100
