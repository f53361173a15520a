"""The compiled time loop of the reaches (:func:`advance_tanks`): every tank of every reach, step by step.

Each reach is one or more well-mixed tanks in series (``n_segments``; several tanks approximate plug flow in a
stream). State per tank: element totals (DIC, Ca, Mg, Na, K, Cl, SO4, NO3 and the charge imbalance, mol/m3 =
mmol/L), dissolved O2, autochthonous organic carbon in the water (DOC + POC lumped, mol C/m3), labile organic
carbon on the bed (mol C/m2), deposited calcite (mol/m2), temperature. Every step:

1. Geometry from discharge: a stream has width = a Q^b and depth = c Q^f (Leopold & Maddock 1953, USGS Prof.
   Pap. 252, eqs. 1-2; defaults are their at-a-station mean exponents b = 0.26, f = 0.40) unless a fixed width or
   depth is given, velocity V = Q / (w d); a pond has a fixed area and depth; a lake or reservoir is a pond whose
   tank is its surface layer (``epilimnion_depth_m``) over a deep layer that exchanges with it, stratifies and
   buries settled organic carbon (:mod:`.lake`). Volume changes between steps are filled from the inflow or
   released to the outflow, so water and solute balances stay exact.
2. The carbonate system of every tank is re-speciated (:mod:`chemistry.carbonate`: the chemistry core's aqueous
   model and database, compiled; pH from electroneutrality): pH, CO2(aq), HCO3-, CO3-2, SI calcite, pCO2, and
   the buffer factor dCO2/dDIC. The Newton iteration starts from the tank's last two solutions extrapolated
   linearly in time and stops at the tolerance of :data:`chemistry.carbonate.TOL` like any other start.
3. Process rates (one function each, sources in their docstrings): light (:mod:`.light`), GPP of
   submerged macrophytes (canopy-integrated Jassby & Platt 1976 light curve with self-shading) and of
   phytoplankton (depth-integrated Jassby & Platt), temperature (Q10; Eppley 1972 for algal growth), inorganic-
   carbon limitation by CO2(aq) and HCO3- (a fraction of HCO3- users; Michaelis-Menten constants; Maberly &
   Madsen 2002), autotrophic respiration as a fraction of GPP (Hall & Beaulieu 2013), first-order mineralisation
   of water-column and bed organic carbon (Q10), settling of organic carbon and burial of a refractory fraction
   (burial efficiency; Sobek et al. 2009), CO2 and O2 gas exchange (:mod:`.gas_exchange`: Raymond et
   al. 2012 for streams, Cole & Caraco 1998 for ponds, Schmidt scaling, chemical enhancement of Hoover &
   Berkshire 1969 / Wanninkhof & Knox 1996), calcite precipitation/dissolution with the PWP rate (Plummer,
   Wigley & Parkhurst 1978; :func:`chemistry.kinetics.pwp_rate`, compiled in :mod:`chemistry.carbonate`, checked against
   it in the tests) on the bed and plant surfaces, O2 with photosynthetic and respiratory quotients.
   Carbon flows: GPP takes DIC; a fraction of GPP is respired at once by the autotrophs (so ER has a daytime
   part); the rest (NPP) becomes organic carbon in the water (phytoplankton, a share of macrophyte NPP as DOC and
   fragments) or on the bed (the rest of macrophyte NPP), where the standing stocks of plants and algae are
   parameters (not simulated growth). Organic carbon in the water is exported, settles or is mineralised; of what
   reaches the bed a refractory fraction is buried, the rest is mineralised (first order, Q10). Respiration
   consumes O2 at (C respired / RQ) x O2 / (K + O2); below that the carbon is mineralised anaerobically (CO2
   produced, no O2 consumed; reduced products are not tracked). Nutrient uptake does not change alkalinity here.
4. Integration over the step: rates are evaluated at the start of the step (light at its middle) and every state
   variable then obeys a linear ODE dy/dt = a - b y over the step, which is integrated exactly
   (y(t) = a/b + (y0 - a/b) e^{-bt}); CO2 gas exchange is linearised in DIC with the buffer factor
   (CO2 = CO2_0 + beta (DIC - DIC_0)), so degassing is stable for any step and k. Every flux is booked from the same
   integrals that update the state, so the carbon and O2 balances close to rounding (checked to 1e-9).

The rate laws are in :mod:`.carbon_pump` (GPP, light and carbon limitation, Q10), :mod:`.calcite` and
:mod:`.gas_exchange`; the packed parameters of a tank are read at the indices of :mod:`.params`; the state, the
per-step diagnostics and the per-step fluxes of a tank are the arrays indexed by ``S_*``, ``O_*`` and ``F_*``
below.
"""
from __future__ import annotations

import math

import numpy as np

from chemistry.carbonate import (D_A_CO2, D_A_H, D_ALK, D_BETA, D_CO2, D_CO3, D_HCO3, D_K1, D_K2, D_LG_CO2,
                                 D_LOG_AW, D_LOG_PCO2, D_LOGKH, D_PH, D_SI_CAL, N_DIAG, speciate_into,
                                 speciation_workspace)
from chemistry.constants import M_C_G_MOL, RHO_CP_WATER_J_M3_K, SECONDS_PER_DAY

from ..._compiled import njit
from . import gas_exchange as gx
from .calcite import calcite_flux_mol_m2_s, pwp_rate_mmol_cm2_s
from .carbon_pump import (attenuation_at_nodes, carbon_limitation, macrophyte_gpp_at_nodes, phytoplankton_gpp_at_nodes,
                          temperature_factor)
from .lake import H_C0, H_O2, H_STRAT, exchange_layers, hypolimnion_step
from .params import (P_ALBEDO, P_ALLOCH, P_AREA, P_BEDC, P_CALA, P_CALF, P_CALSI, P_CHL, P_CO2AIR, P_DC, P_DEPTH,
                     P_DF, P_ENH, P_FREF, P_K600, P_KD, P_KDCHL, P_KH, P_KIND, P_KO2R, P_KS, P_KW, P_LENGTH,
                     P_MBIO, P_MCAN, P_MCOVER, P_MEXT, P_MHCO3, P_MIK, P_MKCO2, P_MKHCO3, P_MPMAX, P_MTOW,
                     P_PHCO3, P_PIK, P_PKCO2, P_PKHCO3, P_PPMAX, P_PQ, P_PRESSURE, P_Q10G, P_Q10R, P_RA, P_RQ,
                     P_SCEXP, P_SLOPE, P_VSET, P_WA, P_WB, P_WIDTH, P_WIND)
from .params import P_BEANOX, P_LITT, P_STRDT, P_VMIX, P_VSTRAT, P_ZEPI


@njit
def linear_step(y0, a, b, dt):
    """Exact integral of dy/dt = a - b y over dt (b >= 0): returns (y(dt), int_0^dt y dt). y(dt) is computed as
    y0 + a dt - b int, so that the change equals the booked fluxes exactly."""
    bdt = b * dt
    if bdt > 1e-9:
        e = math.exp(-bdt)
        yinf = a / b
        integral = yinf * dt + (y0 - yinf) * (1.0 - e) / b
    else:
        integral = y0 * dt + 0.5 * (a - b * y0) * dt * dt
    return y0 + a * dt - b * integral, integral


@njit
def geometry(kind, q_m3_s, length_m, width_fixed, depth_fixed, wa, wb, dc, df, area_pond):
    """(width m, depth m, velocity m/s, surface area m2) of a tank: a pond has a fixed area and depth; a stream
    has w = a Q^b and d = c Q^f (Leopold & Maddock 1953) unless fixed, and V = Q / (w d)."""
    q = max(q_m3_s, 1e-9)
    if kind >= 1:
        d = depth_fixed
        area = area_pond
        w = math.sqrt(area)
        return w, d, q / (w * d), area
    w = width_fixed if width_fixed > 0.0 else wa * q**wb
    d = depth_fixed if depth_fixed > 0.0 else dc * q**df
    return w, d, q / (w * d), w * length_m


# ================================================================================================================
# the compiled time loop
# per-step diagnostics of each tank (state at the start of the step, rates over the step)
(O_PH, O_DIC, O_CA, O_ALK, O_CO2, O_HCO3, O_CO3, O_SI, O_LPCO2, O_DO, O_DOSAT, O_TEMP, O_DEPTH, O_WIDTH, O_VEL,
 O_K600, O_ENH, O_PAR, O_OCW, O_OCS, O_CALDEP, O_CONV, O_STRAT, O_HDO, O_HDIC) = range(25)
N_OUT = 25
# per-step fluxes of each tank (mol over the step; water in m3)
(F_WIN, F_WOUT, F_DIC_IN, F_DIC_OUT, F_OC_IN, F_OC_OUT, F_GPP, F_GPP_MAC, F_GPP_PHY, F_RAUTO, F_RW, F_RS, F_ER,
 F_DEGAS, F_PRECIP, F_SETTLE, F_BURIAL, F_ALLOCH, F_O2_IN, F_O2_OUT, F_O2_PROD, F_O2_CONS, F_REAER, F_CA_IN,
 F_CA_OUT, F_AREA, F_BURIAL_AUTO) = range(27)
N_FLUX = 27
# scalar state of each tank
(S_O2, S_OCW, S_OCS, S_CAL, S_T, S_V, S_I, S_AW, S_AREA) = range(9)
N_STATE = 9


@njit(nogil=True)
def advance_tanks(par, dt, f_q, f_cin, f_o2, f_tin, f_par, f_tair, f_twat, f_wind, conc, scal, xs, out, flux,
                  tank0, tank1, n0, n1, lbuf, nu, nu_w, logk_coef, charge, ion_size, b_param, kind, alk, nz_idx,
                  nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw, co2g_coef, sp_idx, dh_a,
                  dh_b):
    """Advance tanks ``tank0 .. tank1-1`` (of a series) over steps ``n0 .. n1-1`` of the forcing, one tank after
    the other. ``conc`` (tanks, E) mol/m3, ``scal`` (tanks, N_STATE) and ``xs`` (tanks, 2, M: the master log
    activities of the last two speciations, the start of the next one) are the state, updated in place; ``out``
    (tanks, N_OUT, steps) and ``flux`` (tanks, N_FLUX, steps) receive the diagnostics (one contiguous row per
    variable, so the result tables take them without a copy; every element is written, so they may be allocated
    uninitialised). The first tank takes the forcing; tank r > 0 takes what tank r-1 released,
    read from ``lbuf[r-1, n]`` = (water m3, O2 mol, OC mol, temperature C, element masses mol), which tank r writes
    for the next one; so each tank needs its upstream tank done for the same steps, and the tanks of a chain can
    run one after the other or overlap step ranges in separate threads (the arithmetic is the same either way).
    Returns the number of steps where a speciation did not converge."""
    n_steps = f_q.shape[0]
    n_t = par.shape[0]
    n_e = conc.shape[1]
    tot = np.empty(n_e)
    diag = np.empty(N_DIAG)
    st2 = np.empty(2)
    m_in = np.empty(n_e)
    m_out = np.empty(n_e)
    cin = np.empty(n_e)
    x_last = np.empty(n_e)
    wsp, jac, wu = speciation_workspace(nu.shape[0], nu.shape[1])
    hbuf = np.zeros(4)  # a lake's deep layer over one step (lake.hypolimnion_step)
    att_canopy = np.empty(6)  # relative light at the quadrature nodes of the canopy (fixed per tank) ...
    att_column = np.empty(6)  # ... and of the water column (recomputed when kd x depth changes)
    n_fail = 0
    for r in range(tank0, tank1):
        tau_canopy = par[r, P_MEXT] * par[r, P_MBIO]
        attenuation_at_nodes(tau_canopy, att_canopy)
        od_column = math.nan
        for n in range(n0, n1):
            q = f_q[n]
            if r == 0:  # inflow to the first tank over this step
                v_in = q * dt
                for e in range(n_e):
                    m_in[e] = v_in * f_cin[n, e]
                o2_in_m = v_in * f_o2[n]
                oc_in_m = 0.0
                t_in = f_tin[n]
            else:  # the outflow of the tank upstream
                v_in = lbuf[r - 1, n, 0]
                o2_in_m = lbuf[r - 1, n, 1]
                oc_in_m = lbuf[r - 1, n, 2]
                t_in = lbuf[r - 1, n, 3]
                for e in range(n_e):
                    m_in[e] = lbuf[r - 1, n, 4 + e]
            p = par[r]
            c = conc[r]
            s = scal[r]
            # ---------------- geometry and volume change (fill from the inflow or release to the outflow)
            w, d_geo, vel, area = geometry(int(p[P_KIND]), q, p[P_LENGTH], p[P_WIDTH], p[P_DEPTH], p[P_WA],
                                           p[P_WB], p[P_DC], p[P_DF], p[P_AREA])
            z_hyp = 0.0  # a lake: the tank is its surface layer, over a deep layer of z_hyp (lake.py)
            if int(p[P_KIND]) == 2:
                d_geo = p[P_ZEPI]
                z_hyp = p[P_DEPTH] - d_geo
            v0 = s[S_V]
            v_new = area * d_geo
            for e in range(n_e):
                cin[e] = m_in[e] / v_in if v_in > 0.0 else c[e]
                m_out[e] = 0.0
            o2_cin = o2_in_m / v_in if v_in > 0.0 else s[S_O2]
            oc_cin = oc_in_m / v_in if v_in > 0.0 else s[S_OCW]
            o2_out_m = 0.0
            oc_out_m = 0.0
            v_through = v_in
            release = 0.0
            dv = v_new - v0
            if dv > 0.0:
                fill = min(dv, v_in)
                v1 = v0 + fill
                for e in range(n_e):
                    c[e] = (c[e] * v0 + fill * cin[e]) / v1
                s[S_O2] = (s[S_O2] * v0 + fill * o2_cin) / v1
                s[S_OCW] = (s[S_OCW] * v0 + fill * oc_cin) / v1
                s[S_T] = (s[S_T] * v0 + fill * t_in) / v1
                v_through = v_in - fill
            else:
                release = -dv
                v1 = v_new
                for e in range(n_e):
                    m_out[e] = release * c[e]
                o2_out_m = release * s[S_O2]
                oc_out_m = release * s[S_OCW]
            s[S_V] = v1
            if s[S_AREA] > 0.0 and area != s[S_AREA]:  # the bed pools keep their mass when the width changes
                s[S_OCS] *= s[S_AREA] / area
                s[S_CAL] *= s[S_AREA] / area
            s[S_AREA] = area
            depth = v1 / area
            if z_hyp > 0.0:  # exchange with the deep layer (overturn, wind mixing or stratified)
                exchange_layers(c, s, N_STATE, area, depth, z_hyp, p[P_STRDT], p[P_VMIX], p[P_VSTRAT], dt, S_O2,
                                S_OCW, S_T)
            qrate = v_through / dt  # m3/s through the tank during the step
            qv = qrate / v1  # s-1
            temp = s[S_T]
            # ---------------- speciation of the tank water at the start of the step
            for e in range(n_e):
                tot[e] = c[e] * 1e-3
                if e >= 1 and tot[e] < 1e-15:
                    tot[e] = 1e-15
            # start from the last two solutions extrapolated linearly in time (2 x_n - x_{n-1}: the totals and the
            # temperature change smoothly over a step, so the start error is of second order and the Newton
            # iteration needs about one step less); the last solution when that start does not converge
            x_now = xs[r, 0]
            x_prev = xs[r, 1]
            for k in range(n_e):
                x_last[k] = x_now[k]
                x_now[k] = 2.0 * x_now[k] - x_prev[k]
                x_prev[k] = x_last[k]
            st2[0] = s[S_I]
            st2[1] = s[S_AW]
            ok = speciate_into(temp, tot, x_now, st2, diag, wsp, jac, wu, nu, nu_w, logk_coef, charge, ion_size,
                               b_param, kind, alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef,
                               co2g_nu, co2g_nuw, co2g_coef, sp_idx, dh_a, dh_b)
            if not ok:
                for k in range(n_e):
                    x_now[k] = x_last[k]
                st2[0] = s[S_I]
                st2[1] = s[S_AW]
                ok = speciate_into(temp, tot, x_now, st2, diag, wsp, jac, wu, nu, nu_w, logk_coef, charge,
                                   ion_size, b_param, kind, alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw,
                                   calcite_coef, co2g_nu, co2g_nuw, co2g_coef, sp_idx, dh_a, dh_b)
            if not ok:
                n_fail += 1
            s[S_I] = st2[0]
            s[S_AW] = st2[1]
            co2 = diag[D_CO2] * 1e3  # mol/m3
            hco3 = diag[D_HCO3] * 1e3
            beta = diag[D_BETA]
            if not (beta > 0.0):
                beta = co2 / max(c[1], 1e-12)
            # ---------------- light and primary production
            par0 = f_par[n] * (1.0 - p[P_ALBEDO])
            kd = p[P_KD] + p[P_KDCHL] * p[P_CHL]
            f_mac = carbon_limitation(co2, hco3, p[P_MHCO3], p[P_MKCO2], p[P_MKHCO3])
            f_phy = carbon_limitation(co2, hco3, p[P_PHCO3], p[P_PKCO2], p[P_PKHCO3])
            z_mac = p[P_LITT] if p[P_LITT] > 0.0 else depth  # a lake's macrophytes grow in its littoral
            g_mac = 0.0
            g_phy = 0.0
            if not (par0 <= 0.0):  # (both rates are zero in the dark)
                tf_gpp = temperature_factor(temp, p[P_Q10G])
                g_mac = macrophyte_gpp_at_nodes(par0, z_mac, kd, p[P_MCOVER], p[P_MBIO], p[P_MPMAX], p[P_MIK],
                                                p[P_MCAN], tau_canopy, att_canopy, tf_gpp, f_mac, p[P_PQ])
                if kd * depth != od_column:
                    od_column = kd * depth
                    attenuation_at_nodes(od_column, att_column)
                g_phy = phytoplankton_gpp_at_nodes(par0, att_column, p[P_CHL], p[P_PPMAX], p[P_PIK], tf_gpp, f_phy)
            gpp_v = g_mac / depth + g_phy  # mol C m-3 s-1
            cap = 0.5 * c[1] / dt
            if gpp_v > cap:  # never take more than half the DIC in one step
                g_mac *= cap / gpp_v
                g_phy *= cap / gpp_v
                gpp_v = cap
            ra = p[P_RA]
            npp_w = (1.0 - ra) * (g_phy + p[P_MTOW] * g_mac / depth)  # mol m-3 s-1 to the water OC
            npp_s = (1.0 - ra) * (1.0 - p[P_MTOW]) * g_mac  # mol m-2 s-1 to the bed
            fr = temperature_factor(temp, p[P_Q10R])
            kw = p[P_KW] / SECONDS_PER_DAY * fr
            ks = p[P_KS] / SECONDS_PER_DAY * fr
            vset = p[P_VSET] / SECONDS_PER_DAY
            # ---------------- organic carbon in the water and on the bed (exact linear steps)
            a_w = qv * oc_cin + npp_w
            b_w = qv + vset / depth + kw
            w1, int_w = linear_step(s[S_OCW], a_w, b_w, dt)
            settle = vset * area * int_w  # mol
            resp_w = kw * v1 * int_w
            alloch = p[P_ALLOCH] / M_C_G_MOL / SECONDS_PER_DAY  # mol m-2 s-1
            settle_bed = settle if z_hyp <= 0.0 else 0.0  # a lake's surface layer settles into its deep layer
            arrive = settle_bed / (area * dt) + npp_s + alloch  # mol m-2 s-1 reaching the bed
            burial = p[P_FREF] * arrive * area * dt
            burial_auto = p[P_FREF] * (settle_bed / (area * dt) + npp_s) * area * dt
            s1, int_s = linear_step(s[S_OCS], (1.0 - p[P_FREF]) * arrive, ks, dt)
            resp_s = ks * area * int_s
            r_auto = ra * gpp_v * v1 * dt
            er = r_auto + resp_w + resp_s  # mol C over the step
            er_v = er / (v1 * dt)
            # ---------------- calcite (PWP)
            a_h2o = 10.0 ** diag[D_LOG_AW]
            rate = pwp_rate_mmol_cm2_s(temp, diag[D_A_H], diag[D_A_CO2], diag[D_SI_CAL], a_h2o)
            fcal = calcite_flux_mol_m2_s(rate, diag[D_SI_CAL], p[P_CALA], p[P_CALF], p[P_CALSI], p[P_BEDC] > 0.5,
                                         s[S_CAL], dt)
            prec_v = -fcal / depth  # mol m-3 s-1 precipitated (negative = dissolved)
            capp = 0.5 * min(c[1], c[2]) / dt
            if prec_v > capp:
                prec_v = capp
            # ---------------- gas exchange
            if p[P_K600] > 0.0:
                k600 = p[P_K600]
            elif p[P_KIND] == 0:
                k600 = gx.k600_raymond_stream_m_d(p[P_SLOPE], vel)
            else:
                wind = f_wind[n]
                if not (wind >= 0.0):
                    wind = p[P_WIND]
                k600 = gx.k600_cole_caraco_m_d(wind)
            k_co2 = gx.k_gas_from_k600(k600, gx.schmidt_co2(temp), p[P_SCEXP]) / SECONDS_PER_DAY  # m/s
            k_o2 = gx.k_gas_from_k600(k600, gx.schmidt_o2(temp), p[P_SCEXP]) / SECONDS_PER_DAY
            enh = 1.0
            if p[P_ENH] > 0.5 and k_co2 > 0.0:
                enh = gx.chemical_enhancement(temp, diag[D_A_H], diag[D_K1], diag[D_K2], k_co2)
            p_atm = p[P_PRESSURE]
            pco2_air = p[P_CO2AIR] * 1e-6 * p_atm
            co2_eq = 10.0 ** diag[D_LOGKH] * pco2_air / 10.0 ** diag[D_LG_CO2] * 1e3  # mol/m3
            kc = enh * k_co2 / depth  # s-1
            # ---------------- DIC: dC/dt = q (Cin - C) + ER - GPP - P - kc (CO2_0 + beta (C - C0) - CO2eq)
            c0 = c[1]
            off = co2 - beta * c0 - co2_eq
            a_c = qv * cin[1] + er_v - gpp_v - prec_v - kc * off
            b_c = qv + kc * beta
            c1, int_c = linear_step(c0, a_c, b_c, dt)
            degas = kc * (beta * int_c + off * dt) * v1
            m_out[1] += qrate * int_c
            c[1] = c1
            # Ca: precipitation; other totals (and the charge imbalance) only flow through
            ca1, int_ca = linear_step(c[2], qv * cin[2] - prec_v, qv, dt)
            m_out[2] += qrate * int_ca
            c[2] = ca1
            for e in range(n_e):
                if e == 1 or e == 2:
                    continue
                ce1, int_e = linear_step(c[e], qv * cin[e], qv, dt)
                m_out[e] += qrate * int_e
                c[e] = ce1
            # ---------------- O2: inflow, reaeration, photosynthesis, respiration (Monod in O2)
            o2sat = gx.o2_solubility_umol_kg(temp, p_atm) * 1e-3 * gx.water_density_g_cm3(temp)  # mol/m3
            ko = k_o2 / depth
            o0 = s[S_O2]
            cons_rate = er_v / p[P_RQ] / (p[P_KO2R] + max(o0, 0.0))  # s-1 (per mol/m3 O2)
            a_o = qv * o2_cin + ko * o2sat + p[P_PQ] * gpp_v
            b_o = qv + ko + cons_rate
            o1, int_o = linear_step(o0, a_o, b_o, dt)
            # ---------------- temperature
            twat = f_twat[n + 1] if n + 1 < n_steps else f_twat[n]
            tair = f_tair[n]
            if twat == twat:  # forced water temperature (its value at the end of the step)
                t1 = twat
            elif tair == tair:
                kh = p[P_KH] / (RHO_CP_WATER_J_M3_K * depth)
                t1, _ = linear_step(temp, qv * t_in + kh * tair, qv + kh, dt)
            else:
                t1, _ = linear_step(temp, qv * t_in, qv, dt)
            # ---------------- a lake's deep layer: settled organic carbon, mineralisation, O2, burial
            hbuf[:] = 0.0
            if z_hyp > 0.0:
                hypolimnion_step(s, N_STATE, area, z_hyp, settle, p[P_KW], p[P_Q10R], p[P_VSET], p[P_FREF],
                                 p[P_BEANOX], p[P_KO2R], p[P_RQ], dt, hbuf)
            # ---------------- outputs (state at the start of the step, rates over it)
            out[r, O_PH, n] = diag[D_PH]
            out[r, O_DIC, n] = c0
            out[r, O_CA, n] = tot[2] * 1e3
            out[r, O_ALK, n] = diag[D_ALK] * 1e3
            out[r, O_CO2, n] = co2
            out[r, O_HCO3, n] = hco3
            out[r, O_CO3, n] = diag[D_CO3] * 1e3
            out[r, O_SI, n] = diag[D_SI_CAL]
            out[r, O_LPCO2, n] = diag[D_LOG_PCO2]
            out[r, O_DO, n] = o0
            out[r, O_DOSAT, n] = o2sat
            out[r, O_TEMP, n] = temp
            out[r, O_DEPTH, n] = depth
            out[r, O_WIDTH, n] = w
            out[r, O_VEL, n] = vel
            out[r, O_K600, n] = k600
            out[r, O_ENH, n] = enh
            out[r, O_PAR, n] = f_par[n]
            out[r, O_OCW, n] = s[S_OCW]
            out[r, O_OCS, n] = s[S_OCS]
            out[r, O_CALDEP, n] = s[S_CAL]
            out[r, O_CONV, n] = 1.0 if ok else 0.0
            out[r, O_STRAT, n] = s[N_STATE + H_STRAT] if z_hyp > 0.0 else 0.0
            out[r, O_HDO, n] = s[N_STATE + H_O2] if z_hyp > 0.0 else math.nan
            out[r, O_HDIC, n] = s[N_STATE + H_C0 + 1] if z_hyp > 0.0 else math.nan
            flux[r, F_WIN, n] = v_in
            flux[r, F_WOUT, n] = qrate * dt + release
            flux[r, F_DIC_IN, n] = m_in[1]
            flux[r, F_DIC_OUT, n] = m_out[1]
            flux[r, F_CA_IN, n] = m_in[2]
            flux[r, F_CA_OUT, n] = m_out[2]
            flux[r, F_OC_IN, n] = oc_in_m
            flux[r, F_GPP, n] = gpp_v * v1 * dt
            flux[r, F_GPP_MAC, n] = g_mac * area * dt
            flux[r, F_GPP_PHY, n] = g_phy * v1 * dt
            flux[r, F_RAUTO, n] = r_auto
            flux[r, F_RW, n] = resp_w + hbuf[0]
            flux[r, F_RS, n] = resp_s + hbuf[1]
            flux[r, F_ER, n] = er + hbuf[0] + hbuf[1]
            flux[r, F_DEGAS, n] = degas
            flux[r, F_PRECIP, n] = prec_v * v1 * dt
            flux[r, F_SETTLE, n] = settle
            flux[r, F_BURIAL, n] = burial + hbuf[2]
            flux[r, F_BURIAL_AUTO, n] = burial_auto + hbuf[2]
            flux[r, F_ALLOCH, n] = alloch * area * dt
            flux[r, F_O2_IN, n] = o2_in_m
            flux[r, F_O2_PROD, n] = p[P_PQ] * gpp_v * v1 * dt
            flux[r, F_O2_CONS, n] = cons_rate * int_o * v1 + hbuf[3]
            flux[r, F_REAER, n] = ko * (o2sat * dt - int_o) * v1
            flux[r, F_AREA, n] = area
            o2_out_m += qrate * int_o
            oc_out_m += qrate * int_w
            flux[r, F_O2_OUT, n] = o2_out_m
            flux[r, F_OC_OUT, n] = oc_out_m
            # ---------------- new state
            s[S_OCW] = w1
            s[S_OCS] = s1
            s[S_O2] = o1
            s[S_CAL] += prec_v * depth * dt
            s[S_T] = t1
            # outflow of this tank is the inflow of the next one
            if r < n_t - 1:
                lbuf[r, n, 0] = qrate * dt + release
                lbuf[r, n, 1] = o2_out_m
                lbuf[r, n, 2] = oc_out_m
                lbuf[r, n, 3] = t1
                for e in range(n_e):
                    lbuf[r, n, 4 + e] = m_out[e]
    return n_fail


