"""Lakes and reservoirs (reach ``kind = "lake"`` or ``"reservoir"``): two layers with seasonal stratification.

A lake reach is one well-mixed tank for the surface layer (the epilimnion, depth ``epilimnion_depth_m``; the tank
the compiled loop of :mod:`.kernel` advances with light, photosynthesis, gas exchange and calcite) plus a deep layer
(the hypolimnion, mean depth ``depth_m`` minus the epilimnion depth) held in extra columns of the tank's scalar state
(:func:`state_width`). With ``stratification = false``, or when the epilimnion reaches the bottom, there is no deep
layer and the lake is one well-mixed tank of volume V = area x mean depth with residence time V / Q.

Each step, before the surface layer's processes (:func:`exchange_layers`):

* **mixing regime** from the two layers' temperatures (a simple thermal criterion): when the surface water is denser
  than the deep water (autumn cooling, density of water from Wagner & Pruss 2002, eq. 2.6, as in
  :mod:`.gas_exchange`) the layers overturn and are homogenised; when they differ by less than
  ``stratification_dt_c`` (default 1 C, the "mixed" cut-off of Lake Analyzer: Read et al. 2011, Environ. Model.
  Softw. 26:1325, ``thermo.depth(mixed.cutoff = 1)``) the lake is mixed by wind at the exchange velocity
  ``mixing_exchange_m_d``; otherwise it is stratified and the layers exchange only at ``hypolimnion_exchange_m_d``
  (turbulent diffusion across the thermocline, K_z / thickness of the metalimnion; K_z ~ 1e-6 - 1e-5 m2/s in the
  metalimnion of lakes, Wetzel 2001, Limnology, ch. 6; Imboden & Wueest 1995, in Physics and Chemistry of Lakes,
  pp. 83-138).
* **exchange**: every tracer of the two layers (element totals, O2, organic carbon, temperature) relaxes toward the
  volume-weighted mean by the exact solution of the two-box exchange, d(x_e - x_h)/dt = -v (1/z_e + 1/z_h)
  (x_e - x_h), so the amounts in the lake are unchanged to rounding.

After the surface layer's step (:func:`hypolimnion_step`): organic carbon settling out of the epilimnion enters the
hypolimnion; there it is mineralised (first order, Q10, aerobic while O2 lasts, as in the surface layer) or settles
to the profundal sediment, where a fraction is buried and the rest mineralised at once into the deep water (no
profundal sediment pool). The burial efficiency falls with oxygen exposure: it is ``burial_efficiency_anoxic`` under
anoxic bottom water and ``refractory_fraction`` (the oxic value) under oxygenated water, weighted by O2 / (K + O2)
(:func:`burial_efficiency`). Sobek et al. (2009), Limnol. Oceanogr. 54:2243: organic-carbon burial efficiency of lake
sediments (buried / deposited) is strongly and negatively related to the oxygen exposure time, mean 48 % over 27
sediments, higher (mean 67 %) where allochthonous organic matter dominates; autochthonous-dominated sediments of Lake
Kinneret bury 10-41 % (Sobek et al. 2011, Aquat. Sci. 73:355). The deep layer has no light, no gas exchange and no
calcite reaction (its water is isolated from the air; calcite dissolution by respired CO2 in the hypolimnion is not
represented).
"""
from __future__ import annotations

import math

from ..._compiled import njit
from . import gas_exchange as gx

#: extra scalar state of a lake tank, after the kernel's own N_STATE columns: hypolimnion temperature (C), O2
#: (mol/m3), organic carbon in the water (mol C/m3), stratified flag of the last step (0/1), volume (m3; 0 without a
#: deep layer), then the element totals (mol/m3, same order as the tank's ``conc`` row)
H_T, H_O2, H_OC, H_STRAT, H_V, H_C0 = range(6)
#: the regimes returned by :func:`mixing_regime`
OVERTURN, MIXED, STRATIFIED = 0, 1, 2


def state_width(n_state: int, n_elements: int) -> int:
    """Columns of the scalar state of every tank: the kernel's ``n_state`` plus the hypolimnion (unused by streams
    and ponds)."""
    return n_state + H_C0 + n_elements


@njit
def mixing_regime(temp_epi_c, temp_hypo_c, dt_crit_c):
    """OVERTURN when the surface water is denser than the deep water (convective overturn), MIXED when the two
    temperatures differ by less than ``dt_crit_c`` (Read et al. 2011: 1 C), STRATIFIED otherwise (density from
    Wagner & Pruss 2002, so inverse winter stratification below 4 C is stable too)."""
    rho_e = gx.water_density_g_cm3(temp_epi_c)
    rho_h = gx.water_density_g_cm3(temp_hypo_c)
    if rho_e > rho_h:
        return OVERTURN
    if abs(temp_epi_c - temp_hypo_c) < dt_crit_c:
        return MIXED
    return STRATIFIED


@njit
def relax_pair(x_e, x_h, v_e, v_h, factor):
    """The two layers' values after their difference has decayed by ``factor`` (0 = homogenised, 1 = no exchange),
    keeping v_e x_e + v_h x_h: (x_e', x_h')."""
    mean = (v_e * x_e + v_h * x_h) / (v_e + v_h)
    d = (x_e - x_h) * factor
    return mean + d * v_h / (v_e + v_h), mean - d * v_e / (v_e + v_h)


@njit
def exchange_layers(c, s, n_state, area_m2, z_epi_m, z_hypo_m, dt_crit_c, v_mix_m_d, v_strat_m_d, dt_s,
                    i_o2, i_ocw, i_t):
    """Mix the epilimnion (tank concentrations ``c`` and scalar state ``s``) with the hypolimnion stored in
    ``s[n_state:]`` over one step; returns the regime (:data:`OVERTURN`, :data:`MIXED`, :data:`STRATIFIED`) and
    records it in the state. ``i_o2``, ``i_ocw``, ``i_t``: the kernel's indices of O2, water organic carbon and
    temperature in ``s``."""
    h = n_state
    regime = mixing_regime(s[i_t], s[h + H_T], dt_crit_c)
    if regime == OVERTURN:
        factor = 0.0
    else:
        v = v_mix_m_d if regime == MIXED else v_strat_m_d
        factor = math.exp(-v / 86400.0 * (1.0 / z_epi_m + 1.0 / z_hypo_m) * dt_s)
    ve = area_m2 * z_epi_m
    vh = area_m2 * z_hypo_m
    for e in range(c.shape[0]):
        c[e], s[h + H_C0 + e] = relax_pair(c[e], s[h + H_C0 + e], ve, vh, factor)
    s[i_o2], s[h + H_O2] = relax_pair(s[i_o2], s[h + H_O2], ve, vh, factor)
    s[i_ocw], s[h + H_OC] = relax_pair(s[i_ocw], s[h + H_OC], ve, vh, factor)
    s[i_t], s[h + H_T] = relax_pair(s[i_t], s[h + H_T], ve, vh, factor)
    s[h + H_STRAT] = 1.0 if regime == STRATIFIED else 0.0
    return regime


@njit
def burial_efficiency(o2_mmol_l, be_oxic, be_anoxic, k_o2_mmol_l):
    """Share of the organic carbon reaching the sediment that is buried: be_anoxic + (be_oxic - be_anoxic)
    O2 / (K + O2) (Sobek et al. 2009: burial efficiency falls with the oxygen exposure time of the sediment)."""
    o2 = max(o2_mmol_l, 0.0)
    return be_anoxic + (be_oxic - be_anoxic) * o2 / (k_o2_mmol_l + o2)


@njit
def hypolimnion_step(s, n_state, area_m2, z_hypo_m, settle_in_mol, k_min_20_per_d, q10, vset_m_d, be_oxic,
                     be_anoxic, k_o2_mmol_l, rq, dt_s, out):
    """Advance the hypolimnion's organic carbon, DIC and O2 over one step (exact linear steps as in the kernel).

    ``settle_in_mol``: organic carbon settling in from the epilimnion over the step. Organic carbon in the deep
    water is mineralised at k Q10^((T-20)/10) and settles at ``vset_m_d``; of what reaches the sediment the
    fraction :func:`burial_efficiency` (at the O2 of the start of the step) is buried and the rest is mineralised
    into the deep water. Respiration takes O2 at (C respired / RQ) O2 / (K + O2) (anaerobic below that, CO2
    produced without O2). Writes ``out`` = (water mineralisation, sediment mineralisation, burial, O2 consumed),
    all mol over the step."""
    h = n_state
    vh = area_m2 * z_hypo_m
    temp = s[h + H_T]
    k = k_min_20_per_d / 86400.0 * q10 ** ((temp - 20.0) / 10.0)
    ks = vset_m_d / 86400.0 / z_hypo_m
    oc0 = s[h + H_OC]
    a = settle_in_mol / (vh * dt_s)
    b = k + ks
    bdt = b * dt_s
    if bdt > 1e-9:
        e = math.exp(-bdt)
        integral = a / b * dt_s + (oc0 - a / b) * (1.0 - e) / b
    else:
        integral = oc0 * dt_s + 0.5 * (a - b * oc0) * dt_s * dt_s
    oc1 = oc0 + a * dt_s - b * integral
    resp_w = k * integral * vh
    reach_bed = ks * integral * vh
    o2_0 = s[h + H_O2]
    be = burial_efficiency(o2_0, be_oxic, be_anoxic, k_o2_mmol_l)
    burial = be * reach_bed
    resp_s = reach_bed - burial
    # O2: dO2/dt = -(R / RQ) / (K + O2_0) O2, R the mean respiration rate per m3 over the step
    r = (resp_w + resp_s) / (vh * dt_s)
    kk = r / rq / (k_o2_mmol_l + max(o2_0, 0.0))
    o2_1 = o2_0 * math.exp(-kk * dt_s)
    s[h + H_OC] = oc1
    s[h + H_O2] = o2_1
    s[h + H_C0 + 1] += (resp_w + resp_s) / vh  # element 1 is DIC
    out[0] = resp_w
    out[1] = resp_s
    out[2] = burial
    out[3] = (o2_0 - o2_1) * vh
