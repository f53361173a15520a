"""The biological carbon pump of the reaches: gross primary production of submerged macrophytes and phytoplankton.

Aquatic photosynthesis takes DIC (CO2 and, for HCO3- users, HCO3-) from the karst water and fixes it into
autochthonous organic carbon (Liu, Dreybrodt & Wang 2010, Earth-Sci. Rev. 99:162; Liu et al. 2018, Earth-Sci. Rev.
182:42). Each rate law is one compiled function, callable from Python with scalars: the light curve (Jassby & Platt
1976) integrated over the depth of the water (phytoplankton) or over a self-shading canopy (macrophytes), the
temperature factor (Q10; Eppley 1972 for algal growth; also used for respiration by :mod:`.kernel`) and the
inorganic-carbon limitation by CO2(aq) and HCO3- (Maberly & Madsen 2002). Autotrophic respiration, a fraction of
GPP (Hall & Beaulieu 2013), and the mineralisation of organic carbon are booked in the time loop (:mod:`.kernel`).
"""
from __future__ import annotations

import math

import numpy as np

from chemistry.constants import M_C_G_MOL, M_O2_G_MOL

from ..._compiled import njit

#: Gauss-Legendre nodes and weights on [0, 1] (6 points) for depth and canopy integrals of the light curve
_GL_X = np.array([0.033765242898423975, 0.16939530676686776, 0.38069040695840156, 0.6193095930415985,
                  0.8306046932331322, 0.966234757101576])
_GL_W = np.array([0.08566224618958517, 0.1803807865240693, 0.2339569672863455, 0.2339569672863455,
                  0.1803807865240693, 0.08566224618958517])



@njit
def temperature_factor(temp_c, q10):
    """Q10^((T - 20)/10): rate relative to 20 C (van 't Hoff; Eppley 1972 for algal growth with Q10 = 1.88)."""
    return q10 ** ((temp_c - 20.0) / 10.0)


@njit
def jassby_platt(par_umol_m2_s, ik_umol_m2_s):
    """Relative photosynthesis P/Pmax = tanh(I / Ik) (Jassby & Platt 1976, Limnol. Oceanogr. 21:540, eq. 4 without
    respiration term)."""
    if ik_umol_m2_s <= 0.0:
        return 1.0
    return math.tanh(par_umol_m2_s / ik_umol_m2_s)


@njit
def attenuation_at_nodes(optical_depth, out):
    """exp(-tau x_i) at the Gauss-Legendre nodes x_i of a layer of optical depth tau (kd z of a water column, k_b B
    of a canopy; Beer-Lambert) into ``out`` (6,): the relative light at the nodes of the integrals below, which
    depends on the layer only, so a time loop computes it once while the layer stays the same."""
    for i in range(6):
        out[i] = math.exp(-optical_depth * _GL_X[i])
    return out


@njit
def light_curve_mean(par_top_umol_m2_s, attenuation, ik_umol_m2_s):
    """Gauss-Legendre mean of tanh(I_top a_i / Ik) (Jassby & Platt 1976) over the nodes of a layer with the relative
    light ``attenuation`` = a_i (:func:`attenuation_at_nodes`)."""
    s = 0.0
    for i in range(6):
        s += _GL_W[i] * jassby_platt(par_top_umol_m2_s * attenuation[i], ik_umol_m2_s)
    return s


@njit
def mixed_layer_light_factor(par0_umol_m2_s, kd_per_m, depth_m, ik_umol_m2_s):
    """Depth-mean of tanh(I(z)/Ik) over 0..depth with I(z) = I0 exp(-kd z) (Beer-Lambert; Jassby & Platt 1976),
    6-point Gauss-Legendre quadrature (exact to < 1e-6 for kd z < 5)."""
    return light_curve_mean(par0_umol_m2_s, attenuation_at_nodes(kd_per_m * depth_m, np.empty(6)), ik_umol_m2_s)


@njit
def canopy_light_factor(par_top_umol_m2_s, extinction_m2_g, biomass_g_m2, ik_umol_m2_s):
    """Canopy mean of tanh(I/Ik) for a submerged canopy of ``biomass_g_m2`` with self-shading: the light reaching
    the biomass below cumulative biomass b is I_top exp(-k_b b) (Beer's law in the canopy, as used for submerged
    macrophyte canopies, e.g. Carr et al. 1997, Aquat. Bot. 59:195), the per-biomass rate follows Jassby & Platt
    (1976). Returns (1/B) int_0^B tanh(I_top e^{-k_b b}/Ik) db (Gauss-Legendre)."""
    tau = extinction_m2_g * biomass_g_m2
    return _canopy_mean(par_top_umol_m2_s, tau, attenuation_at_nodes(tau, np.empty(6)), ik_umol_m2_s)


@njit
def _canopy_mean(par_top_umol_m2_s, tau, attenuation, ik_umol_m2_s):
    """:func:`canopy_light_factor` with the canopy's relative light at the nodes given (optical depth ``tau``): the
    light curve at the top for a canopy without self-shading (tau < 1e-9), else its canopy mean."""
    if tau < 1e-9:
        return jassby_platt(par_top_umol_m2_s, ik_umol_m2_s)
    return light_curve_mean(par_top_umol_m2_s, attenuation, ik_umol_m2_s)


@njit
def carbon_limitation(co2_mmol_l, hco3_mmol_l, hco3_user_fraction, k_co2_mmol_l, k_hco3_mmol_l):
    """Inorganic-carbon limitation factor (0-1) of a community with a fraction h of HCO3- users.

    CO2-only users: C / (K_C + C) (Michaelis-Menten); HCO3- users take both substrates (competitive two-substrate
    Michaelis-Menten): (C/K_C + B/K_B) / (1 + C/K_C + B/K_B). f = (1 - h) f_CO2 + h f_both. The functional split
    follows Maberly & Madsen (2002), Funct. Plant Biol. 29:393 (about half of freshwater submerged angiosperms use
    HCO3-, with a lower affinity for HCO3- than for CO2); half-saturation constants as in Kirk (2011), Table 11.1."""
    c = max(co2_mmol_l, 0.0) / k_co2_mmol_l
    b = max(hco3_mmol_l, 0.0) / k_hco3_mmol_l
    return (1.0 - hco3_user_fraction) * c / (1.0 + c) + hco3_user_fraction * (c + b) / (1.0 + c + b)


@njit
def macrophyte_gpp_mol_c_m2_s(par0_umol_m2_s, depth_m, kd_per_m, cover, biomass_g_m2, pmax_mg_o2_g_h, ik,
                              canopy_height_m, extinction_m2_g, temp_c, q10, f_carbon, pq):
    """Gross primary production of submerged macrophytes per m2 of bed (mol C m-2 s-1).

    GPP = cover x B x Pmax(20 C) x Q10^((T-20)/10) x canopy light factor x carbon limitation / PQ, with the light
    at the canopy top I0 exp(-kd max(depth - canopy height, 0)) (Beer-Lambert) and Pmax in mg O2 per g dry weight
    and hour converted with 32 g/mol O2 and the photosynthetic quotient PQ (mol O2 per mol C)."""
    if cover <= 0.0 or biomass_g_m2 <= 0.0 or par0_umol_m2_s <= 0.0:
        return 0.0
    tau = extinction_m2_g * biomass_g_m2
    return macrophyte_gpp_at_nodes(par0_umol_m2_s, depth_m, kd_per_m, cover, biomass_g_m2, pmax_mg_o2_g_h, ik,
                                   canopy_height_m, tau, attenuation_at_nodes(tau, np.empty(6)),
                                   temperature_factor(temp_c, q10), f_carbon, pq)


@njit
def macrophyte_gpp_at_nodes(par0_umol_m2_s, depth_m, kd_per_m, cover, biomass_g_m2, pmax_mg_o2_g_h, ik,
                            canopy_height_m, canopy_tau, canopy_attenuation, temp_factor, f_carbon, pq):
    """:func:`macrophyte_gpp_mol_c_m2_s` with the parts a time loop keeps between steps given: the canopy's optical
    depth k_b B and relative light at the nodes (:func:`attenuation_at_nodes`) and the temperature factor
    (:func:`temperature_factor`)."""
    if cover <= 0.0 or biomass_g_m2 <= 0.0 or par0_umol_m2_s <= 0.0:
        return 0.0
    z_top = depth_m - canopy_height_m
    if z_top < 0.0:
        z_top = 0.0
    i_top = par0_umol_m2_s * math.exp(-kd_per_m * z_top)
    fl = _canopy_mean(i_top, canopy_tau, canopy_attenuation, ik)
    pmax = cover * biomass_g_m2 * pmax_mg_o2_g_h * 1e-3 / M_O2_G_MOL / 3600.0  # mol O2 m-2 s-1
    return pmax * temp_factor * fl * f_carbon / pq


@njit
def phytoplankton_gpp_mol_c_m3_s(par0_umol_m2_s, depth_m, kd_per_m, chl_mg_m3, pmax_mg_c_mg_chl_h, ik, temp_c, q10,
                                 f_carbon):
    """Gross primary production of phytoplankton per m3 (mol C m-3 s-1): chl x P^B_max (assimilation number,
    mg C per mg Chl a and hour at 20 C) x Q10^((T-20)/10) x depth-mean tanh(I/Ik) (Jassby & Platt 1976) x carbon
    limitation."""
    if chl_mg_m3 <= 0.0 or par0_umol_m2_s <= 0.0:
        return 0.0
    return phytoplankton_gpp_at_nodes(par0_umol_m2_s, attenuation_at_nodes(kd_per_m * depth_m, np.empty(6)),
                                      chl_mg_m3, pmax_mg_c_mg_chl_h, ik, temperature_factor(temp_c, q10), f_carbon)


@njit
def phytoplankton_gpp_at_nodes(par0_umol_m2_s, column_attenuation, chl_mg_m3, pmax_mg_c_mg_chl_h, ik, temp_factor,
                               f_carbon):
    """:func:`phytoplankton_gpp_mol_c_m3_s` with the water column's relative light at the nodes (kd z;
    :func:`attenuation_at_nodes`) and the temperature factor given."""
    if chl_mg_m3 <= 0.0 or par0_umol_m2_s <= 0.0:
        return 0.0
    fl = light_curve_mean(par0_umol_m2_s, column_attenuation, ik)
    pmax = chl_mg_m3 * pmax_mg_c_mg_chl_h * 1e-3 / M_C_G_MOL / 3600.0
    return pmax * temp_factor * fl * f_carbon
