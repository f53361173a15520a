"""Spring-fed streams and ponds below a karst spring: the biological carbon pump, degassing, calcite, O2.

Karst water leaves the spring supersaturated in CO2 and rich in DIC. In the reaches below it submerged plants and
algae fix DIC into autochthonous organic carbon, CO2 degasses, calcite may precipitate, organic carbon settles and
is partly buried, and the rest flows on (docs/science.md; Liu, Dreybrodt & Wang 2010, Earth-Sci. Rev. 99:162;
Liu et al. 2018, Earth-Sci. Rev. 182:42; de Montety et al. 2011, Chem. Geol. 283:31 for the diel cycles). This
module simulates a chain of reaches (the outflow of one is the inflow of the next) at sub-daily steps
(default 15 min) and returns the diel chemistry, daily metabolism, the fate of the karst DIC and closed carbon and
O2 balances. Entry point: :func:`simulate_reaches`; parameters: :class:`ReachParameters`.

Model structure
---------------
Each reach is one or more well-mixed tanks in series (``n_segments``; several tanks approximate plug flow in a
stream). State per tank: element totals (DIC, Ca, Mg, Na, K, Cl, SO4, NO3 and the charge imbalance, mol/m3 =
mmol/L), dissolved O2, autochthonous organic carbon in the water (DOC + POC lumped, mol C/m3), labile organic
carbon on the bed (mol C/m2), deposited calcite (mol/m2), temperature. Every step:

1. Geometry from discharge: a stream has width = a Q^b and depth = c Q^f (Leopold & Maddock 1953, USGS Prof.
   Pap. 252, eqs. 1-2; defaults are their at-a-station mean exponents b = 0.26, f = 0.40) unless a fixed width or
   depth is given, velocity V = Q / (w d); a pond has a fixed area and depth. Volume changes between steps are
   filled from the inflow or released to the outflow, so water and solute balances stay exact.
2. The carbonate system of every tank is re-speciated (:mod:`chemistry.carbonate`: the chemistry core's aqueous
   model and database, compiled; pH from electroneutrality): pH, CO2(aq), HCO3-, CO3-2, SI calcite, pCO2, and
   the buffer factor dCO2/dDIC.
3. Process rates (one function each, sources in their docstrings): light (:mod:`karstmodel.light`), GPP of
   submerged macrophytes (canopy-integrated Jassby & Platt 1976 light curve with self-shading) and of
   phytoplankton (depth-integrated Jassby & Platt), temperature (Q10; Eppley 1972 for algal growth), inorganic-
   carbon limitation by CO2(aq) and HCO3- (a fraction of HCO3- users; Michaelis-Menten constants; Maberly &
   Madsen 2002), autotrophic respiration as a fraction of GPP (Hall & Beaulieu 2013), first-order mineralisation
   of water-column and bed organic carbon (Q10), settling of organic carbon and burial of a refractory fraction
   (burial efficiency; Sobek et al. 2009), CO2 and O2 gas exchange (:mod:`karstmodel.gas_exchange`: Raymond et
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

Fate of the karst DIC (``ReachResult.fate``; docs/interface.md)
---------------------------------------------------------------
All fluxes are NET over the reported period and summed over all reaches (gross photosynthesis that is respired
again in the reaches is not counted: its carbon returns to DIC and is counted in whatever fate that DIC takes).
Let I be the karst DIC entering the first reach, A any allochthonous organic carbon added to the beds (zero unless
set), dS the change of carbon stored in the reaches (DIC and organic carbon in the water, labile organic carbon on
the beds); the carbon that passed through is T = I + A - dS, and it leaves as

* ``export_dic``: DIC leaving the last reach;
* ``aquatic_organic_carbon``: autochthonous organic carbon (fixed by macrophytes and algae, not respired) leaving
  the last reach in the water;
* ``sediment``: calcite deposited (net of re-dissolution) plus organic carbon buried (the refractory fraction of
  what reaches the bed) in all reaches;
* ``degassed``: net CO2 evasion to the air from all reaches (evasion minus invasion).

The four shares are these fluxes divided by T and sum to 1 exactly. Buried organic carbon is organic carbon fixed
by the BCP *and* sediment; as carbon removed from the water it is counted in ``sediment``; ``fate_detail`` gives the
components (``organic_exported``, ``organic_buried``, ``calcite_deposited``) and ``bcp_fixed`` = exported +
buried organic carbon (the net fixation of the biological carbon pump that persists).
Stability (``fate["stability"]``): the share of the carbon passing through that is not returned to the atmosphere
within the reaches, 1 - degassed = export_dic + aquatic_organic_carbon + sediment (outlet-of-reach accounting:
exported DIC may still degas further downstream). A share is negative when its net flux reverses: ``degassed`` < 0
when the reaches take up atmospheric CO2 (e.g. a productive pond drawn below air pCO2), ``sediment`` < 0 when
previously deposited or bed calcite dissolves; the other shares can then exceed 1. A net-heterotrophic reach
(ER > GPP, e.g. with allochthonous inputs or while stored organic carbon is respired) returns fixed carbon to DIC:
it lowers ``aquatic_organic_carbon`` (bounded below by zero: exports cannot be negative) and raises ``degassed``
and ``export_dic``.

Units: concentrations mmol/L (= mol/m3; taken equal to mmol/kgw for the chemistry, as in
:mod:`karstmodel.dissolution`), O2 mg/L in outputs, fluxes per m2 of water surface of the reach.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd

from chemistry import thermo
from chemistry._threads import single_blas_thread
from chemistry.constants import M_C_G_MOL, SECONDS_PER_DAY
from chemistry.carbonate import (D_A_CO2, D_A_H, D_ALK, D_BETA, D_CO2, D_CO3, D_HCO3, D_K1, D_K2, D_LG_CO2,
                                 D_LOG_AW, D_LOG_PCO2, D_LOGKH, D_PH, D_SI_CAL, N_DIAG, carbonate_system, pwp_rate_one,
                                 speciate_one, starting_point)
from chemistry.water import ELEMENT_ORDER

from . import gas_exchange as gx
from . import light as lt
from .._compiled import njit

#: g C per mol (the phreeqc.dat formula weight, :mod:`chemistry.constants`)
M_C = M_C_G_MOL
M_O2 = gx.M_O2
#: volumetric heat capacity of water, J m-3 K-1
RHO_CP = 4.18e6
#: Gauss-Legendre nodes and weights on [0, 1] (6 points) for depth and canopy integrals of the light curve
_GL_X = np.array([0.033765242898423975, 0.16939530676686776, 0.38069040695840156, 0.6193095930415985,
                  0.8306046932331322, 0.966234757101576])
_GL_W = np.array([0.08566224618958517, 0.1803807865240693, 0.2339569672863455, 0.2339569672863455,
                  0.1803807865240693, 0.08566224618958517])

INFLOW_ELEMENTS = ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")


# ================================================================================================================
# parameters
@dataclass(frozen=True)
class ReachParameters:
    """One stream reach or pond. Units are in the names; defaults describe a small spring-fed karst stream.

    Geometry: ``kind`` "stream" (``length_m``; ``width_m``/``depth_m`` fixed, or hydraulic geometry
    width = ``width_coef`` Q^``width_exp``, depth = ``depth_coef`` Q^``depth_exp``, Leopold & Maddock 1953, Q in
    m3/s; ``slope`` m/m for k600) or "pond" (``area_m2``, ``depth_m`` mean depth; residence time = volume / Q).

    Aquatic plant cultivation is set by ``macrophyte_cover`` (0-1, share of the bed covered) and
    ``macrophyte_biomass_g_m2`` (dry weight per m2 of covered bed): a scenario changes these.
    """

    name: str = "reach"
    kind: str = "stream"
    n_segments: int = 1
    # --- stream geometry
    length_m: float = 1000.0
    width_m: float | None = None
    depth_m: float | None = None
    width_coef: float = 5.0
    width_exp: float = 0.26
    depth_coef: float = 0.4
    depth_exp: float = 0.40
    slope: float = 0.005
    # --- pond geometry
    area_m2: float = 10000.0
    elevation_m: float = 0.0
    # --- gas exchange
    k600_m_d: float | None = None  # fixed k600 (overrides Raymond / Cole & Caraco)
    wind_m_s: float = 2.0  # U10 used for ponds when no wind series is given
    schmidt_exponent: float = 0.5
    chemical_enhancement: bool = True
    co2_air_ppm: float = 420.0
    # --- light
    kd_background_per_m: float = 0.5
    kd_chl_m2_mg: float = 0.016  # specific attenuation by chlorophyll a (Kirk 2011: 0.01-0.02)
    albedo: float = 0.06
    # --- submerged macrophytes
    macrophyte_cover: float = 0.3
    macrophyte_biomass_g_m2: float = 150.0  # g dry weight per m2 of covered bed
    macrophyte_pmax_mg_o2_g_h: float = 6.0  # at 20 C; Kahara & Vermaat (2003): 3-22 mg O2 g AFDW-1 h-1
    macrophyte_ik_umol_m2_s: float = 150.0
    macrophyte_canopy_height_m: float = 0.4
    macrophyte_extinction_m2_g: float = 0.01  # self-shading in the canopy (per g DW/m2) [assumption]
    macrophyte_hco3_fraction: float = 0.5  # ~half of tested freshwater angiosperms use HCO3- (Maberly & Madsen 2002)
    macrophyte_k_co2_mmol_l: float = 0.10  # Kirk (2011) Table 11.1: Km(CO2) 4-185 umol/L
    macrophyte_k_hco3_mmol_l: float = 1.5
    macrophyte_npp_to_water: float = 0.3  # share of macrophyte NPP released to the water (DOC, fragments)
    # --- phytoplankton
    chl_a_ug_l: float = 2.0
    phyto_pmax_mg_c_mg_chl_h: float = 3.0  # assimilation number at 20 C (typical 1-10)
    phyto_ik_umol_m2_s: float = 120.0
    phyto_hco3_fraction: float = 0.8
    phyto_k_co2_mmol_l: float = 0.01
    phyto_k_hco3_mmol_l: float = 0.3
    # --- metabolism
    q10_gpp: float = 1.88  # Eppley (1972): growth ~ exp(0.0633 T) -> Q10 = 1.88
    q10_resp: float = 2.0
    autotrophic_resp_fraction: float = 0.44  # Hall & Beaulieu (2013): autotrophic respiration ~0.44 GPP
    photosynthetic_quotient: float = 1.1  # mol O2 per mol C fixed (1.0-1.2)
    respiratory_quotient: float = 1.0  # mol CO2 per mol O2 consumed
    oc_mineralisation_20_per_d: float = 0.1
    sediment_mineralisation_20_per_d: float = 0.03
    oc_settling_m_d: float = 0.3
    refractory_fraction: float = 0.2  # burial efficiency of OC reaching the bed (Sobek et al. 2009: 0.1-0.5)
    allochthonous_oc_g_c_m2_d: float = 0.0
    respiration_k_o2_mmol_l: float = 0.03  # half-saturation of aerobic respiration (~1 mg O2/L)
    # --- calcite
    calcite_surface_m2_m2: float = 1.0  # reactive calcite surface per m2 of bed (bed + encrusted plants)
    calcite_rate_factor: float = 1.0  # multiplies the PWP rate (inhibition, boundary layer; 1 = PWP)
    calcite_si_crit: float = 0.0  # no precipitation below this SI (nucleation barrier)
    bed_carbonate: bool = True  # carbonate bed: calcite can dissolve even where none was deposited
    # --- temperature
    heat_exchange_w_m2_k: float = 25.0  # equilibrium-temperature exchange coefficient (Edinger et al. 1968)

    def __post_init__(self):
        if self.kind not in ("stream", "pond"):
            raise ValueError(f"reach {self.name!r}: kind must be 'stream' or 'pond', got {self.kind!r}")
        if int(self.n_segments) < 1:
            raise ValueError(f"reach {self.name!r}: n_segments must be >= 1")
        if self.kind == "pond" and (self.depth_m is None or self.depth_m <= 0 or self.area_m2 <= 0):
            raise ValueError(f"pond {self.name!r}: area_m2 and depth_m must be > 0")
        for f in ("macrophyte_cover", "macrophyte_hco3_fraction", "phyto_hco3_fraction", "macrophyte_npp_to_water",
                  "refractory_fraction", "autotrophic_resp_fraction"):
            v = getattr(self, f)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"reach {self.name!r}: {f} must be within 0-1, got {v}")
        for f in ("length_m", "width_coef", "depth_coef", "slope", "macrophyte_biomass_g_m2", "chl_a_ug_l",
                  "kd_background_per_m", "oc_settling_m_d", "heat_exchange_w_m2_k", "calcite_rate_factor"):
            if getattr(self, f) < 0:
                raise ValueError(f"reach {self.name!r}: {f} must be >= 0")

    def with_cultivation(self, cover: float | None = None, biomass_g_m2: float | None = None) -> "ReachParameters":
        """A copy with another macrophyte cover and/or biomass (aquatic plant cultivation scenario)."""
        kw = {}
        if cover is not None:
            kw["macrophyte_cover"] = float(cover)
        if biomass_g_m2 is not None:
            kw["macrophyte_biomass_g_m2"] = float(biomass_g_m2)
        return replace(self, **kw)


# index of every parameter in the packed per-tank array
(P_KIND, P_LENGTH, P_WIDTH, P_DEPTH, P_WA, P_WB, P_DC, P_DF, P_SLOPE, P_AREA, P_PRESSURE, P_K600, P_WIND, P_SCEXP,
 P_ENH, P_CO2AIR, P_KD, P_KDCHL, P_ALBEDO, P_MCOVER, P_MBIO, P_MPMAX, P_MIK, P_MCAN, P_MEXT, P_MHCO3, P_MKCO2,
 P_MKHCO3, P_MTOW, P_CHL, P_PPMAX, P_PIK, P_PHCO3, P_PKCO2, P_PKHCO3, P_Q10G, P_Q10R, P_RA, P_PQ, P_RQ, P_KW, P_KS,
 P_VSET, P_FREF, P_ALLOCH, P_KO2R, P_CALA, P_CALF, P_CALSI, P_BEDC, P_KH) = range(51)
N_PAR = 51


def _pack(reach: ReachParameters) -> np.ndarray:
    p = np.zeros(N_PAR)
    nseg = int(reach.n_segments)
    p[P_KIND] = 0.0 if reach.kind == "stream" else 1.0
    p[P_LENGTH] = reach.length_m / nseg
    p[P_WIDTH] = reach.width_m if reach.width_m is not None else -1.0
    p[P_DEPTH] = reach.depth_m if reach.depth_m is not None else -1.0
    p[P_WA], p[P_WB], p[P_DC], p[P_DF] = reach.width_coef, reach.width_exp, reach.depth_coef, reach.depth_exp
    p[P_SLOPE] = reach.slope
    p[P_AREA] = reach.area_m2 / nseg
    p[P_PRESSURE] = lt.pressure_ratio_from_elevation(reach.elevation_m)
    p[P_K600] = reach.k600_m_d if reach.k600_m_d is not None else -1.0
    p[P_WIND] = reach.wind_m_s
    p[P_SCEXP] = reach.schmidt_exponent
    p[P_ENH] = 1.0 if reach.chemical_enhancement else 0.0
    p[P_CO2AIR] = reach.co2_air_ppm
    p[P_KD], p[P_KDCHL], p[P_ALBEDO] = reach.kd_background_per_m, reach.kd_chl_m2_mg, reach.albedo
    p[P_MCOVER], p[P_MBIO], p[P_MPMAX] = reach.macrophyte_cover, reach.macrophyte_biomass_g_m2, \
        reach.macrophyte_pmax_mg_o2_g_h
    p[P_MIK], p[P_MCAN], p[P_MEXT] = reach.macrophyte_ik_umol_m2_s, reach.macrophyte_canopy_height_m, \
        reach.macrophyte_extinction_m2_g
    p[P_MHCO3], p[P_MKCO2], p[P_MKHCO3] = reach.macrophyte_hco3_fraction, reach.macrophyte_k_co2_mmol_l, \
        reach.macrophyte_k_hco3_mmol_l
    p[P_MTOW] = reach.macrophyte_npp_to_water
    p[P_CHL], p[P_PPMAX], p[P_PIK] = reach.chl_a_ug_l, reach.phyto_pmax_mg_c_mg_chl_h, reach.phyto_ik_umol_m2_s
    p[P_PHCO3], p[P_PKCO2], p[P_PKHCO3] = reach.phyto_hco3_fraction, reach.phyto_k_co2_mmol_l, \
        reach.phyto_k_hco3_mmol_l
    p[P_Q10G], p[P_Q10R], p[P_RA] = reach.q10_gpp, reach.q10_resp, reach.autotrophic_resp_fraction
    p[P_PQ], p[P_RQ] = reach.photosynthetic_quotient, reach.respiratory_quotient
    p[P_KW], p[P_KS] = reach.oc_mineralisation_20_per_d, reach.sediment_mineralisation_20_per_d
    p[P_VSET], p[P_FREF] = reach.oc_settling_m_d, reach.refractory_fraction
    p[P_ALLOCH], p[P_KO2R] = reach.allochthonous_oc_g_c_m2_d, reach.respiration_k_o2_mmol_l
    p[P_CALA], p[P_CALF], p[P_CALSI] = reach.calcite_surface_m2_m2, reach.calcite_rate_factor, reach.calcite_si_crit
    p[P_BEDC] = 1.0 if reach.bed_carbonate else 0.0
    p[P_KH] = reach.heat_exchange_w_m2_k
    return p


# ================================================================================================================
# process functions (compiled; each callable from Python with scalars)
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
def mixed_layer_light_factor(par0_umol_m2_s, kd_per_m, depth_m, ik_umol_m2_s):
    """Depth-mean of tanh(I(z)/Ik) over 0..depth with I(z) = I0 exp(-kd z) (Beer-Lambert; Jassby & Platt 1976),
    6-point Gauss-Legendre quadrature (exact to < 1e-6 for kd z < 5)."""
    s = 0.0
    for i in range(6):
        s += _GL_W[i] * jassby_platt(par0_umol_m2_s * math.exp(-kd_per_m * depth_m * _GL_X[i]), ik_umol_m2_s)
    return s


@njit
def canopy_light_factor(par_top_umol_m2_s, extinction_m2_g, biomass_g_m2, ik_umol_m2_s):
    """Canopy mean of tanh(I/Ik) for a submerged canopy of ``biomass_g_m2`` with self-shading: the light reaching
    the biomass below cumulative biomass b is I_top exp(-k_b b) (Beer's law in the canopy, as used for submerged
    macrophyte canopies, e.g. Carr et al. 1997, Aquat. Bot. 59:195), the per-biomass rate follows Jassby & Platt
    (1976). Returns (1/B) int_0^B tanh(I_top e^{-k_b b}/Ik) db (Gauss-Legendre)."""
    tau = extinction_m2_g * biomass_g_m2
    if tau < 1e-9:
        return jassby_platt(par_top_umol_m2_s, ik_umol_m2_s)
    s = 0.0
    for i in range(6):
        s += _GL_W[i] * jassby_platt(par_top_umol_m2_s * math.exp(-tau * _GL_X[i]), ik_umol_m2_s)
    return s


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
    z_top = depth_m - canopy_height_m
    if z_top < 0.0:
        z_top = 0.0
    i_top = par0_umol_m2_s * math.exp(-kd_per_m * z_top)
    fl = canopy_light_factor(i_top, extinction_m2_g, biomass_g_m2, ik)
    pmax = cover * biomass_g_m2 * pmax_mg_o2_g_h * 1e-3 / M_O2 / 3600.0  # mol O2 m-2 s-1
    return pmax * temperature_factor(temp_c, q10) * fl * f_carbon / pq


@njit
def phytoplankton_gpp_mol_c_m3_s(par0_umol_m2_s, depth_m, kd_per_m, chl_mg_m3, pmax_mg_c_mg_chl_h, ik, temp_c, q10,
                                 f_carbon):
    """Gross primary production of phytoplankton per m3 (mol C m-3 s-1): chl x P^B_max (assimilation number,
    mg C per mg Chl a and hour at 20 C) x Q10^((T-20)/10) x depth-mean tanh(I/Ik) (Jassby & Platt 1976) x carbon
    limitation."""
    if chl_mg_m3 <= 0.0 or par0_umol_m2_s <= 0.0:
        return 0.0
    fl = mixed_layer_light_factor(par0_umol_m2_s, kd_per_m, depth_m, ik)
    pmax = chl_mg_m3 * pmax_mg_c_mg_chl_h * 1e-3 / M_C / 3600.0
    return pmax * temperature_factor(temp_c, q10) * fl * f_carbon


#: Net calcite dissolution rate (mmol cm-2 s-1; < 0 = precipitation), Plummer, Wigley & Parkhurst (1978) as in
#: phreeqc.dat: :func:`chemistry.kinetics.pwp_rate` compiled for the time loop
pwp_rate_mmol_cm2_s = pwp_rate_one


@njit
def calcite_flux_mol_m2_s(rate_mmol_cm2_s, si_calcite, surface_m2_m2, rate_factor, si_crit, bed_carbonate,
                          deposited_mol_m2, dt_s):
    """Net calcite dissolution flux per m2 of bed (mol m-2 s-1; < 0 = precipitation) from the PWP rate:
    rate x 10 (mmol cm-2 -> mol m-2) x reactive surface per bed area x ``rate_factor``; no precipitation below
    ``si_crit``; without a carbonate bed, dissolution is limited to the calcite deposited before."""
    f = rate_mmol_cm2_s * 10.0 * surface_m2_m2 * rate_factor
    if f < 0.0 and si_calcite < si_crit:
        return 0.0
    if f > 0.0 and not bed_carbonate:
        lim = max(deposited_mol_m2, 0.0) / dt_s
        if f > lim:
            f = lim
    return f


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
    if kind == 1:
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
 O_K600, O_ENH, O_PAR, O_OCW, O_OCS, O_CALDEP, O_CONV) = range(22)
N_OUT = 22
# per-step fluxes of each tank (mol over the step; water in m3)
(F_WIN, F_WOUT, F_DIC_IN, F_DIC_OUT, F_OC_IN, F_OC_OUT, F_GPP, F_GPP_MAC, F_GPP_PHY, F_RAUTO, F_RW, F_RS, F_ER,
 F_DEGAS, F_PRECIP, F_SETTLE, F_BURIAL, F_ALLOCH, F_O2_IN, F_O2_OUT, F_O2_PROD, F_O2_CONS, F_REAER, F_CA_IN,
 F_CA_OUT, F_AREA) = range(26)
N_FLUX = 26
# scalar state of each tank
(S_O2, S_OCW, S_OCS, S_CAL, S_T, S_V, S_I, S_AW, S_AREA) = range(9)
N_STATE = 9


@njit
def _run(par, dt, f_q, f_cin, f_o2, f_tin, f_par, f_tair, f_twat, f_wind, conc, scal, xs, out, flux,
         nu, nu_w, logk_coef, charge, ion_size, b_param, kind, alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw,
         calcite_coef, co2g_nu, co2g_nuw, co2g_coef, sp_idx, dh_a, dh_b):
    """Advance all tanks (in series) over all steps. ``conc`` (tanks, E) mol/m3, ``scal`` (tanks, N_STATE) and
    ``xs`` (tanks, M) are the state, updated in place; ``out`` (steps, tanks, N_OUT) and ``flux`` (steps, tanks,
    N_FLUX) receive the diagnostics. Returns the number of steps where a speciation did not converge."""
    n_steps = f_q.shape[0]
    n_t = par.shape[0]
    n_e = conc.shape[1]
    tot = np.empty(n_e)
    diag = np.empty(N_DIAG)
    st2 = np.empty(2)
    m_in = np.empty(n_e)
    m_out = np.empty(n_e)
    cin = np.empty(n_e)
    n_fail = 0
    for n in range(n_steps):
        q = f_q[n]
        # inflow to the first tank over this step
        v_in = q * dt
        for e in range(n_e):
            m_in[e] = v_in * f_cin[n, e]
        o2_in_m = v_in * f_o2[n]
        oc_in_m = 0.0
        t_in = f_tin[n]
        for r in range(n_t):
            p = par[r]
            c = conc[r]
            s = scal[r]
            # ---------------- geometry and volume change (fill from the inflow or release to the outflow)
            w, d_geo, vel, area = geometry(int(p[P_KIND]), q, p[P_LENGTH], p[P_WIDTH], p[P_DEPTH], p[P_WA],
                                           p[P_WB], p[P_DC], p[P_DF], p[P_AREA])
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
            qrate = v_through / dt  # m3/s through the tank during the step
            qv = qrate / v1  # s-1
            temp = s[S_T]
            # ---------------- speciation of the tank water at the start of the step
            for e in range(n_e):
                tot[e] = c[e] * 1e-3
                if e >= 1 and tot[e] < 1e-15:
                    tot[e] = 1e-15
            st2[0] = s[S_I]
            st2[1] = s[S_AW]
            ok = speciate_one(temp, tot, xs[r], st2, diag, nu, nu_w, logk_coef, charge, ion_size, b_param, kind,
                              alk, nz_idx, nz_val, nz_cnt, calcite_nu, calcite_nuw, calcite_coef, co2g_nu, co2g_nuw,
                              co2g_coef, sp_idx, dh_a, dh_b)
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
            g_mac = macrophyte_gpp_mol_c_m2_s(par0, depth, kd, p[P_MCOVER], p[P_MBIO], p[P_MPMAX], p[P_MIK],
                                              p[P_MCAN], p[P_MEXT], temp, p[P_Q10G], f_mac, p[P_PQ])
            g_phy = phytoplankton_gpp_mol_c_m3_s(par0, depth, kd, p[P_CHL], p[P_PPMAX], p[P_PIK], temp, p[P_Q10G],
                                                 f_phy)
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
            alloch = p[P_ALLOCH] / M_C / SECONDS_PER_DAY  # mol m-2 s-1
            arrive = settle / (area * dt) + npp_s + alloch  # mol m-2 s-1 reaching the bed
            burial = p[P_FREF] * arrive * area * dt
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
                kh = p[P_KH] / (RHO_CP * depth)
                t1, _ = linear_step(temp, qv * t_in + kh * tair, qv + kh, dt)
            else:
                t1, _ = linear_step(temp, qv * t_in, qv, dt)
            # ---------------- outputs (state at the start of the step, rates over it)
            o = out[n, r]
            o[O_PH] = diag[D_PH]
            o[O_DIC] = c0
            o[O_CA] = tot[2] * 1e3
            o[O_ALK] = diag[D_ALK] * 1e3
            o[O_CO2] = co2
            o[O_HCO3] = hco3
            o[O_CO3] = diag[D_CO3] * 1e3
            o[O_SI] = diag[D_SI_CAL]
            o[O_LPCO2] = diag[D_LOG_PCO2]
            o[O_DO] = o0
            o[O_DOSAT] = o2sat
            o[O_TEMP] = temp
            o[O_DEPTH] = depth
            o[O_WIDTH] = w
            o[O_VEL] = vel
            o[O_K600] = k600
            o[O_ENH] = enh
            o[O_PAR] = f_par[n]
            o[O_OCW] = s[S_OCW]
            o[O_OCS] = s[S_OCS]
            o[O_CALDEP] = s[S_CAL]
            o[O_CONV] = 1.0 if ok else 0.0
            fl = flux[n, r]
            fl[F_WIN] = v_in
            fl[F_WOUT] = qrate * dt + release
            fl[F_DIC_IN] = m_in[1]
            fl[F_DIC_OUT] = m_out[1]
            fl[F_CA_IN] = m_in[2]
            fl[F_CA_OUT] = m_out[2]
            fl[F_OC_IN] = oc_in_m
            fl[F_GPP] = gpp_v * v1 * dt
            fl[F_GPP_MAC] = g_mac * area * dt
            fl[F_GPP_PHY] = g_phy * v1 * dt
            fl[F_RAUTO] = r_auto
            fl[F_RW] = resp_w
            fl[F_RS] = resp_s
            fl[F_ER] = er
            fl[F_DEGAS] = degas
            fl[F_PRECIP] = prec_v * v1 * dt
            fl[F_SETTLE] = settle
            fl[F_BURIAL] = burial
            fl[F_ALLOCH] = alloch * area * dt
            fl[F_O2_IN] = o2_in_m
            fl[F_O2_PROD] = p[P_PQ] * gpp_v * v1 * dt
            fl[F_O2_CONS] = cons_rate * int_o * v1
            fl[F_REAER] = ko * (o2sat * dt - int_o) * v1
            fl[F_AREA] = area
            o2_out_m += qrate * int_o
            oc_out_m += qrate * int_w
            fl[F_O2_OUT] = o2_out_m
            fl[F_OC_OUT] = oc_out_m
            # ---------------- new state
            s[S_OCW] = w1
            s[S_OCS] = s1
            s[S_O2] = o1
            s[S_CAL] += prec_v * depth * dt
            s[S_T] = t1
            # outflow of this tank is the inflow of the next one
            v_in = qrate * dt + release
            for e in range(n_e):
                m_in[e] = m_out[e]
            o2_in_m = o2_out_m
            oc_in_m = oc_out_m
            t_in = t1
    return n_fail


# ================================================================================================================
# Python driver
@dataclass
class ReachResult:
    """Result of :func:`simulate_reaches`.

    * ``subdaily``: DataFrame indexed by the start of each step, columns (reach, variable): state at the start of
      the step, rates averaged over the step; chemistry at the reach outlet (its last segment) (``ph, dic_mmol_l, ca_mmol_l, alk_meq_l, co2aq_mmol_l, hco3_mmol_l, co3_mmol_l, pco2_uatm,
      si_calcite, do_mg_l, do_sat_mg_l, temp_c``), hydraulics (``q_m3_s, depth_m, width_m, velocity_m_s,
      k600_m_d, co2_enhancement``), surface PAR (``par_umol_m2_s``) and rates per m2 of the reach
      (``gpp_mmol_c_m2_h, er_mmol_c_m2_h, nep_mmol_c_m2_h, degassing_mmol_c_m2_h, calcite_precip_mmol_m2_h,
      reaeration_mmol_o2_m2_h``).
    * ``daily``: DataFrame per day, columns (reach, variable): ``gpp_g_o2_m2_d, er_g_o2_m2_d, nep_g_o2_m2_d`` (O2
      produced by GPP = PQ x C fixed; O2 consumed by ER = C respired / RQ), ``gpp_g_c_m2_d, er_g_c_m2_d,
      nep_g_c_m2_d, degassing_g_c_m2_d, calcite_precip_g_c_m2_d, oc_burial_g_c_m2_d, reaeration_g_o2_m2_d``,
      ``dic_in_mol_d, dic_out_mol_d, oc_out_mol_d`` and daily means of the chemistry.
    * ``fate``: {export_dic, aquatic_organic_carbon, sediment, degassed} (sum 1) plus ``stability`` and
      ``definition`` (see the module docstring); ``fate_detail``: fluxes (mol C) and the component shares;
      ``fate_by_reach``: the same shares for each reach relative to its own throughput (its inflow of DIC and of
      organic carbon from upstream reaches).
    * ``balances``: {"carbon": {...}, "o2": {...}} for the whole chain and ``by_reach``, each with inputs,
      outputs, storage change (mol), residual and relative residual.
    """

    subdaily: pd.DataFrame
    daily: pd.DataFrame
    fate: dict
    fate_detail: dict
    fate_by_reach: dict
    balances: dict
    reaches: tuple
    settings: dict

    def reach(self, name: str, daily: bool = False) -> pd.DataFrame:
        """The sub-daily (or daily) table of one reach with plain column names."""
        df = self.daily if daily else self.subdaily
        return df[name].copy()


def _step_index(inflow: pd.DataFrame, dt_minutes: float) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(inflow.index)
    start = idx[0].normalize()
    end = idx[-1].normalize() + pd.Timedelta(days=1)
    n = int(round((end - start) / pd.Timedelta(minutes=dt_minutes)))
    return pd.date_range(start, periods=n, freq=pd.Timedelta(minutes=dt_minutes))


def _daily_to_steps(values: np.ndarray, days: pd.DatetimeIndex, steps: pd.DatetimeIndex, how: str) -> np.ndarray:
    """Daily values (placed at noon) to step times: linear interpolation or held through each day."""
    if how == "hold":
        pos = np.searchsorted(lt.ns(days), lt.ns(steps.normalize()))
        pos = np.clip(pos, 0, len(days) - 1)
        return values[pos]
    x = lt.ns(days + pd.Timedelta(hours=12)).astype(float)
    xs = lt.ns(steps).astype(float)
    if values.ndim == 1:
        return np.interp(xs, x, values)
    return np.column_stack([np.interp(xs, x, values[:, k]) for k in range(values.shape[1])])


def _check_inflow(inflow: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(inflow, pd.DataFrame):
        raise TypeError("inflow must be a pandas DataFrame with a daily DatetimeIndex")
    if not isinstance(inflow.index, pd.DatetimeIndex):
        raise ValueError("inflow must have a DatetimeIndex (one row per day)")
    if len(inflow) < 1:
        raise ValueError("inflow is empty")
    idx = inflow.index
    if len(idx) > 1 and not (np.all(np.diff(lt.ns(idx.normalize())) == 86400 * 10**9)):
        raise ValueError("inflow index must be consecutive days without gaps")
    missing = [c for c in ("q_m3_s", "temp_c", "ca", "dic") if c not in inflow.columns]
    if missing:
        raise ValueError(f"inflow lacks columns {missing} (need q_m3_s, temp_c and element totals in mmol/L: "
                         f"{', '.join(INFLOW_ELEMENTS)})")
    optional = [c for c in ("do_mg_l", "charge_imbalance_meq_l") if c in inflow.columns]
    for col in ("q_m3_s", "temp_c", *[c for c in INFLOW_ELEMENTS if c in inflow.columns], *optional):
        v = inflow[col].to_numpy(dtype=float)
        bad = ~np.isfinite(v)
        if bad.any():
            raise ValueError(f"inflow column {col!r} has a missing value at row {int(np.flatnonzero(bad)[0])}")
        if col not in ("temp_c", "charge_imbalance_meq_l") and np.any(v < 0):
            raise ValueError(f"inflow column {col!r} has a negative value at row {int(np.flatnonzero(v < 0)[0])}")
    t = inflow["temp_c"].to_numpy(dtype=float)
    out = (t < thermo.TEMP_MIN_C) | (t > thermo.TEMP_MAX_C)
    if np.any(out):
        raise ValueError(f"inflow column 'temp_c' outside {thermo.TEMP_MIN_C:g}-{thermo.TEMP_MAX_C:g} C (the "
                         f"thermodynamic data) at row {int(np.flatnonzero(out)[0])}")
    return inflow


def _tanks(reaches) -> tuple[list, list]:
    tank_reach, packed = [], []
    for i, r in enumerate(reaches):
        for _ in range(int(r.n_segments)):
            tank_reach.append(i)
            packed.append(_pack(r))
    return tank_reach, packed


@single_blas_thread
def simulate_reaches(inflow: pd.DataFrame, reaches, latitude_deg: float, longitude_deg: float = 0.0,
                     dt_minutes: float = 15.0, water_temp=None, air_temp_c=None, wind_m_s=None, par=None,
                     cloudiness=None, database: str = "phreeqc.dat", utc_offset_h: float | None = None,
                     inflow_interpolation: str = "linear", spinup_days: int = 30) -> ReachResult:
    """Simulate a chain of reaches below a spring at sub-daily steps.

    Parameters
    ----------
    inflow : DataFrame with a daily DatetimeIndex and columns ``q_m3_s``, ``temp_c`` and element totals in mmol/L
        ``ca, mg, na, k, cl, so4, no3, dic`` (missing elements are zero; ``ca`` and ``dic`` required), optional
        ``do_mg_l`` (default: saturation at the inflow temperature and the first reach's pressure) and
        ``charge_imbalance_meq_l`` (default 0: pH follows from electroneutrality, as for the spring water of the
        catchment model).
    reaches : a :class:`ReachParameters` or a sequence of them, upstream first.
    latitude_deg, longitude_deg : site position (solar geometry). ``utc_offset_h``: time zone of the inflow's clock
        (default: the nominal zone of the longitude, :func:`karstmodel.light.default_utc_offset_h`).
    dt_minutes : step (must divide a day).
    water_temp : forced water temperature (deg C; Series indexed by time, daily or sub-daily, or scalar) for all
        reaches. Otherwise with ``air_temp_c`` each tank relaxes toward the air temperature (equilibrium-temperature
        model, exchange coefficient ``heat_exchange_w_m2_k``; Edinger, Duttweiler & Geyer 1968), else it only
        mixes the inflow temperature.
    wind_m_s : U10 for ponds (Series or scalar; default each pond's ``wind_m_s``).
    par : measured PAR above the water (umol m-2 s-1; Series indexed by time or scalar); default clear-sky PAR from
        solar geometry times the cloud factor of ``cloudiness`` (0-1; Kasten & Czeplak 1980).
    inflow_interpolation : "linear" (daily values at noon, linear in between) or "hold" (constant through each day).
    spinup_days : the first days are run this many days before the period (repeating its first days) to set the
        organic-carbon pools and the diel state; the reported period and balances start after the spin-up.

    Returns a :class:`ReachResult` (see its docstring and the module docstring for the fate accounting).
    """
    if isinstance(reaches, ReachParameters):
        reaches = [reaches]
    reaches = tuple(reaches)
    if not reaches:
        raise ValueError("give at least one reach")
    names = [r.name for r in reaches]
    if len(set(names)) != len(names):
        raise ValueError(f"reach names must be unique, got {names}")
    if (1440.0 / dt_minutes) % 1 > 1e-9:
        raise ValueError("dt_minutes must divide 1440")
    if inflow_interpolation not in ("linear", "hold"):
        raise ValueError("inflow_interpolation must be 'linear' or 'hold'")
    inflow = _check_inflow(inflow)
    days = pd.DatetimeIndex(inflow.index).normalize()
    steps = _step_index(inflow, dt_minutes)
    dt = dt_minutes * 60.0
    n = len(steps)

    # ---- chemistry model: the elements present in the inflow
    els = tuple(e for e in ELEMENT_ORDER if e in ("dic", "ca") or (e in inflow.columns and (inflow[e] > 0).any()))
    system = carbonate_system(els, database)
    n_e = system.n_masters
    daily_tot = np.zeros((len(inflow), n_e))
    if "charge_imbalance_meq_l" in inflow.columns:
        daily_tot[:, 0] = inflow["charge_imbalance_meq_l"].to_numpy(dtype=float)
    for k, e in enumerate(system.elements, start=1):
        daily_tot[:, k] = inflow[e].to_numpy(dtype=float)
    f_cin = np.ascontiguousarray(_daily_to_steps(daily_tot, days, steps, inflow_interpolation))
    f_q = _daily_to_steps(inflow["q_m3_s"].to_numpy(dtype=float), days, steps, inflow_interpolation)
    f_tin = _daily_to_steps(inflow["temp_c"].to_numpy(dtype=float), days, steps, inflow_interpolation)
    p_first = lt.pressure_ratio_from_elevation(reaches[0].elevation_m)
    if "do_mg_l" in inflow.columns:
        do_daily = inflow["do_mg_l"].to_numpy(dtype=float)
    else:
        do_daily = gx.o2_saturation_mg_l(inflow["temp_c"].to_numpy(dtype=float), p_first)
    f_o2 = _daily_to_steps(do_daily, days, steps, inflow_interpolation) / M_O2  # mol/m3
    mid = steps + pd.Timedelta(seconds=dt / 2)
    if par is not None:
        f_par = np.maximum(lt.align_series(par, mid), 0.0)
    else:
        elev = reaches[0].elevation_m
        f_par = lt.surface_par_umol_m2_s(mid, latitude_deg, longitude_deg, utc_offset_h, cloudiness=cloudiness,
                                         elevation_m=elev)
    nan = np.full(n, np.nan)
    f_tair = lt.align_series(air_temp_c, steps) if air_temp_c is not None else nan
    f_twat = lt.align_series(water_temp, steps) if water_temp is not None else nan
    f_wind = lt.align_series(wind_m_s, steps) if wind_m_s is not None else nan

    tank_reach, packed = _tanks(reaches)
    par_arr = np.ascontiguousarray(np.array(packed))
    n_t = len(packed)

    # ---- initial state: every tank filled with the first inflow water
    conc = np.repeat(f_cin[:1], n_t, axis=0).copy()
    scal = np.zeros((n_t, N_STATE))
    scal[:, S_O2] = f_o2[0]
    scal[:, S_T] = f_twat[0] if np.isfinite(f_twat[0]) else f_tin[0]
    scal[:, S_I] = 1e-3
    for i, p in enumerate(packed):
        _, d, _, area = geometry(int(p[P_KIND]), f_q[0], p[P_LENGTH], p[P_WIDTH], p[P_DEPTH], p[P_WA], p[P_WB],
                                 p[P_DC], p[P_DF], p[P_AREA])
        scal[i, S_V] = area * d
        scal[i, S_AREA] = area
    x0 = starting_point(system, np.maximum(f_cin[0] * 1e-3, 1e-15))
    xs = np.repeat(x0[None, :], n_t, axis=0).copy()
    args = system.kernel_args()

    def run(sl):
        m = sl.stop - sl.start
        out = np.zeros((m, n_t, N_OUT))
        flux = np.zeros((m, n_t, N_FLUX))
        nf = _run(par_arr, dt, f_q[sl], f_cin[sl], f_o2[sl], f_tin[sl], f_par[sl], f_tair[sl], f_twat[sl],
                  f_wind[sl], conc, scal, xs, out, flux, *args)
        return out, flux, nf

    spin = int(min(max(spinup_days, 0), len(days)))
    if spin:
        run(slice(0, int(round(spin * 1440 / dt_minutes))))
    conc0, scal0 = conc.copy(), scal.copy()
    out, flux, n_fail = run(slice(0, n))
    if n_fail:
        raise RuntimeError(f"carbonate speciation did not converge in {n_fail} tank-steps")

    settings = dict(dt_minutes=dt_minutes, latitude_deg=latitude_deg, longitude_deg=longitude_deg,
                    utc_offset_h=utc_offset_h if utc_offset_h is not None else lt.default_utc_offset_h(longitude_deg),
                    database=database, elements=system.elements, inflow_interpolation=inflow_interpolation,
                    spinup_days=spin, tanks=n_t)
    return _assemble(steps, dt, reaches, tank_reach, out, flux, f_q, conc0, scal0, conc, scal, settings)


# ================================================================================================================
# results
def _storage(conc, scal, tank_idx):
    """(carbon mol, O2 mol) stored in the given tanks: V (DIC + OC_water) + area x OC_bed; V O2."""
    c = sum(scal[t, S_V] * (conc[t, 1] + scal[t, S_OCW]) + scal[t, S_AREA] * scal[t, S_OCS] for t in tank_idx)
    return c, sum(scal[t, S_V] * scal[t, S_O2] for t in tank_idx)


def _bed_area(flux, tank_idx):
    return float(sum(flux[0, t, F_AREA] for t in tank_idx))


def _per_day(a: np.ndarray, steps_per_day: int, how: str) -> np.ndarray:
    """Daily sums or means of a per-step array (the steps always cover whole days)."""
    r = a.reshape((a.shape[0] // steps_per_day, steps_per_day) + a.shape[1:])
    return r.sum(axis=1) if how == "sum" else r.mean(axis=1)


def _balance(inputs: dict, outputs: dict, storage_change: float, storage: float = 0.0) -> dict:
    """Balance inputs - outputs - storage change; the relative residual is taken against the largest of the total
    input, output, storage change and amount stored (a closed pond has no inputs but holds carbon)."""
    tin = float(sum(inputs.values()))
    tout = float(sum(outputs.values()))
    resid = tin - tout - storage_change
    scale = max(abs(tin), abs(tout), abs(storage_change), abs(storage), 1e-300)
    return {"inputs_mol": {k: float(v) for k, v in inputs.items()},
            "outputs_mol": {k: float(v) for k, v in outputs.items()},
            "storage_change_mol": float(storage_change), "residual_mol": float(resid),
            "relative_residual": float(abs(resid) / scale)}


def _fate(dic_out, oc_out, burial, calcite, degas, dic_in, alloch, d_storage) -> tuple[dict, dict]:
    through = dic_out + oc_out + burial + calcite + degas
    if not abs(through) > 0:
        shares = {"export_dic": float("nan"), "aquatic_organic_carbon": float("nan"), "sediment": float("nan"),
                  "degassed": float("nan")}
    else:
        shares = {"export_dic": dic_out / through, "aquatic_organic_carbon": oc_out / through,
                  "sediment": (burial + calcite) / through, "degassed": degas / through}
    shares = {k: float(v) for k, v in shares.items()}
    fate = dict(shares)
    fate["stability"] = float(1.0 - shares["degassed"])
    fate["definition"] = ("shares of the carbon passing through the reaches (karst DIC in + allochthonous OC - "
                          "storage change), net fluxes over the period: export_dic = DIC leaving the last reach; "
                          "aquatic_organic_carbon = autochthonous OC leaving the last reach; sediment = calcite "
                          "deposited + OC buried; degassed = net CO2 evasion. stability = 1 - degassed (share not "
                          "returned to the atmosphere within the reaches)")
    detail = {"karst_dic_in_mol": float(dic_in), "allochthonous_oc_in_mol": float(alloch),
              "storage_change_mol": float(d_storage), "throughput_mol": float(through),
              "dic_exported_mol": float(dic_out), "organic_exported_mol": float(oc_out),
              "organic_buried_mol": float(burial), "calcite_deposited_mol": float(calcite),
              "degassed_mol": float(degas)}
    if abs(through) > 0:
        detail.update(organic_exported=float(oc_out / through), organic_buried=float(burial / through),
                      calcite_deposited=float(calcite / through), bcp_fixed=float((oc_out + burial) / through))
    return fate, detail


def _assemble(steps, dt, reaches, tank_reach, out, flux, f_q, conc0, scal0, conc1, scal1, settings) -> ReachResult:
    tank_reach = np.asarray(tank_reach)
    names = [r.name for r in reaches]
    sub_cols, day_cols = {}, {}
    spd = int(round(86400.0 / dt))
    days = steps[::spd].normalize()
    reach_balances, reach_fates = {}, {}
    dtot = {k: 0.0 for k in ("degas", "precip", "burial", "alloch")}
    per_step_h = dt / 3600.0
    for i, name in enumerate(names):
        tanks = np.flatnonzero(tank_reach == i)
        last = tanks[-1]
        area = _bed_area(flux, tanks)
        o = out[:, last, :]
        fl = flux[:, tanks, :].sum(axis=1)
        lp = o[:, O_LPCO2]
        sub = {
            "ph": o[:, O_PH], "dic_mmol_l": o[:, O_DIC], "ca_mmol_l": o[:, O_CA], "alk_meq_l": o[:, O_ALK],
            "co2aq_mmol_l": o[:, O_CO2], "hco3_mmol_l": o[:, O_HCO3], "co3_mmol_l": o[:, O_CO3],
            "pco2_uatm": 1e6 * 10.0**lp, "si_calcite": o[:, O_SI], "do_mg_l": o[:, O_DO] * M_O2,
            "do_sat_mg_l": o[:, O_DOSAT] * M_O2, "temp_c": o[:, O_TEMP], "q_m3_s": f_q, "depth_m": o[:, O_DEPTH],
            "width_m": o[:, O_WIDTH], "velocity_m_s": o[:, O_VEL], "k600_m_d": o[:, O_K600],
            "co2_enhancement": o[:, O_ENH], "par_umol_m2_s": o[:, O_PAR],
            "oc_water_mmol_l": o[:, O_OCW], "oc_bed_mmol_m2": o[:, O_OCS] * 1e3,
            "gpp_mmol_c_m2_h": fl[:, F_GPP] / area / per_step_h * 1e3,
            "er_mmol_c_m2_h": fl[:, F_ER] / area / per_step_h * 1e3,
            "degassing_mmol_c_m2_h": fl[:, F_DEGAS] / area / per_step_h * 1e3,
            "calcite_precip_mmol_m2_h": fl[:, F_PRECIP] / area / per_step_h * 1e3,
            "reaeration_mmol_o2_m2_h": fl[:, F_REAER] / area / per_step_h * 1e3,
        }
        sub["nep_mmol_c_m2_h"] = sub["gpp_mmol_c_m2_h"] - sub["er_mmol_c_m2_h"]
        for k, v in sub.items():
            sub_cols[(name, k)] = np.asarray(v, dtype=float)
        r = reaches[i]
        g = _per_day(fl, spd, "sum")
        gc = lambda col: g[:, col] / area * M_C  # noqa: E731  g C m-2 d-1
        pq, rq = r.photosynthetic_quotient, r.respiratory_quotient
        daily = {
            "gpp_g_o2_m2_d": g[:, F_GPP] * pq / area * M_O2,
            "er_g_o2_m2_d": g[:, F_ER] / rq / area * M_O2,
            "gpp_g_c_m2_d": gc(F_GPP), "er_g_c_m2_d": gc(F_ER), "degassing_g_c_m2_d": gc(F_DEGAS),
            "calcite_precip_g_c_m2_d": gc(F_PRECIP), "oc_burial_g_c_m2_d": gc(F_BURIAL),
            "reaeration_g_o2_m2_d": g[:, F_REAER] / area * M_O2,
            "o2_consumed_g_o2_m2_d": g[:, F_O2_CONS] / area * M_O2,
        }
        daily["dic_in_mol_d"] = _per_day(flux[:, tanks[0], F_DIC_IN], spd, "sum")
        daily["dic_out_mol_d"] = _per_day(flux[:, last, F_DIC_OUT], spd, "sum")
        daily["oc_out_mol_d"] = _per_day(flux[:, last, F_OC_OUT], spd, "sum")
        daily["nep_g_o2_m2_d"] = daily["gpp_g_o2_m2_d"] - daily["er_g_o2_m2_d"]
        daily["nep_g_c_m2_d"] = daily["gpp_g_c_m2_d"] - daily["er_g_c_m2_d"]
        for k in ("ph", "dic_mmol_l", "pco2_uatm", "si_calcite", "do_mg_l", "temp_c", "q_m3_s"):
            daily[k] = _per_day(np.asarray(sub[k], dtype=float), spd, "mean")
        for k, v in daily.items():
            day_cols[(name, k)] = np.asarray(v, dtype=float)

        # balances of the reach (all its tanks): inflow of its first tank, outflow of its last
        first = tanks[0]
        c0, o20 = _storage(conc0, scal0, tanks)
        c1, o21 = _storage(conc1, scal1, tanks)
        tot = fl.sum(axis=0)
        f_first = flux[:, first, :].sum(axis=0)
        f_last = flux[:, last, :].sum(axis=0)
        cb = _balance({"dic": f_first[F_DIC_IN], "organic_carbon": f_first[F_OC_IN], "allochthonous": tot[F_ALLOCH]},
                      {"dic": f_last[F_DIC_OUT], "organic_carbon": f_last[F_OC_OUT], "degassing": tot[F_DEGAS],
                       "calcite": tot[F_PRECIP], "burial": tot[F_BURIAL]}, c1 - c0, max(c0, c1))
        ob = _balance({"inflow": f_first[F_O2_IN], "photosynthesis": tot[F_O2_PROD], "reaeration": tot[F_REAER]},
                      {"outflow": f_last[F_O2_OUT], "respiration": tot[F_O2_CONS]}, o21 - o20, max(o20, o21))
        reach_balances[name] = {"carbon": cb, "o2": ob, "area_m2": area}
        reach_fates[name], _ = _fate(f_last[F_DIC_OUT], f_last[F_OC_OUT], tot[F_BURIAL], tot[F_PRECIP],
                                     tot[F_DEGAS], f_first[F_DIC_IN], tot[F_ALLOCH] + f_first[F_OC_IN], c1 - c0)
        dtot["degas"] += tot[F_DEGAS]
        dtot["precip"] += tot[F_PRECIP]
        dtot["burial"] += tot[F_BURIAL]
        dtot["alloch"] += tot[F_ALLOCH]

    all_tanks = np.arange(len(tank_reach))
    c0, o20 = _storage(conc0, scal0, all_tanks)
    c1, o21 = _storage(conc1, scal1, all_tanks)
    ftot = flux.sum(axis=(0, 1))
    f_in = flux[:, 0, :].sum(axis=0)
    f_out = flux[:, -1, :].sum(axis=0)
    carbon = _balance({"dic": f_in[F_DIC_IN], "allochthonous": dtot["alloch"]},
                      {"dic": f_out[F_DIC_OUT], "organic_carbon": f_out[F_OC_OUT], "degassing": dtot["degas"],
                       "calcite": dtot["precip"], "burial": dtot["burial"]}, c1 - c0, max(c0, c1))
    o2 = _balance({"inflow": f_in[F_O2_IN], "photosynthesis": ftot[F_O2_PROD], "reaeration": ftot[F_REAER]},
                  {"outflow": f_out[F_O2_OUT], "respiration": ftot[F_O2_CONS]}, o21 - o20, max(o20, o21))
    fate, detail = _fate(f_out[F_DIC_OUT], f_out[F_OC_OUT], dtot["burial"], dtot["precip"], dtot["degas"],
                         f_in[F_DIC_IN], dtot["alloch"], c1 - c0)
    subdaily = pd.DataFrame(sub_cols, index=steps)
    subdaily.columns = pd.MultiIndex.from_tuples(subdaily.columns, names=["reach", "variable"])
    daily = pd.DataFrame(day_cols, index=days)
    daily.columns = pd.MultiIndex.from_tuples(daily.columns, names=["reach", "variable"])
    daily.index.name = "date"
    subdaily.index.name = "time"
    return ReachResult(subdaily=subdaily, daily=daily, fate=fate, fate_detail=detail, fate_by_reach=reach_fates,
                       balances={"carbon": carbon, "o2": o2, "by_reach": reach_balances}, reaches=tuple(reaches),
                       settings=settings)


def reach_parameters_from_dict(d: dict) -> ReachParameters:
    """A :class:`ReachParameters` from a mapping (e.g. a catchment file's ``[[reach]]`` table); unknown keys raise."""
    known = {f.name for f in fields(ReachParameters)}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"unknown reach parameters {sorted(unknown)}")
    return ReachParameters(**d)


def reach_parameters_to_dict(r: ReachParameters) -> dict:
    """The mapping form of a :class:`ReachParameters` (None values dropped)."""
    return {k: v for k, v in asdict(r).items() if v is not None}
