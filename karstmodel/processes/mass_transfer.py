"""Calcite dissolution under flowing water: the surface reaction in series with transport through a boundary layer.

Under flowing water the dissolved calcium carbonate leaves the rock by molecular diffusion across a diffusion
boundary layer (DBL) of thickness eps next to the wall, and the aggressive species reach it the same way
(Dreybrodt 1988, *Processes in Karst Systems*, Springer, ch. 5; Dreybrodt & Buhmann 1991, Chem. Geol. 90:107,
the film model of a plane calcite surface under turbulent flow). The surface reaction (the PWP rate, Plummer,
Wigley & Parkhurst 1978, :func:`chemistry.kinetics.pwp_rate`) then sees the water at the wall, not the bulk water.

Mixed rate in the linear-rate regime. With the surface rate linear in the undersaturation at the wall,
r = alpha_s (c_eq - c_w), and the transport flux across the layer r = k_m (c_w - c) (k_m = D / eps, the
mass-transfer coefficient; all dissolved species diffusing with one coefficient D, the assumption of Dreybrodt &
Buhmann 1991), the steady flux through both in series eliminates the wall concentration c_w:

    r = (c_eq - c) / (1/alpha_s + 1/k_m),   i.e.   1/r = 1/r_s + 1/(k_m (c_eq - c)),         (1)

with r_s = alpha_s (c_eq - c) the surface rate of the bulk water (the rate of a freely flushed surface, k_m ->
infinity). :func:`mixed_rate_mmol_cm2_s` evaluates (1) with r_s = PWP of the bulk water and c_eq - c its
undersaturation to the end point of its system: the linear law matched to PWP, as
:mod:`karstmodel.processes.allogenic_contact` already does for the surface rate. Its limits are exact: k_m -> inf
gives r_s, k_m -> 0 gives 0, and r < min(r_s, k_m (c_eq - c)). (1) holds for precipitation too (both terms
negative). Not included: the slow conversion CO2 + H2O -> H+ + HCO3- inside the layer and the water, which
Dreybrodt & Buhmann (1991) and Liu & Dreybrodt (1997, Geochim. Cosmochim. Acta 61:2879) show to slow dissolution
further at high pCO2 and eps > 1e-3 cm; (1) is therefore an upper bound of their film model at the same eps.

Mass-transfer coefficient from the flow. A wide channel of flow depth h and mean velocity v has the hydraulic
diameter d_h = 4 R_h = 4 h; with Re = v d_h / nu and Sc = nu / D the Sherwood number of fully developed turbulent
flow is

    Sh = k_m d_h / D = 0.023 Re^0.83 Sc^(1/3)                                                   (2)

(Linton & Sherwood 1950, Chem. Eng. Prog. 46:258: dissolution of tubes cast of benzoic acid, cinnamic acid and
beta-naphthol into water in turbulent flow, Schmidt numbers of order 10^3 as for Ca(HCO3)2 in water; the
Chilton-Colburn form). Below Re = 2,300 (laminar) the fully developed laminar value Sh = 3.66 (constant wall
concentration, circular tube: Incropera et al. 2007, *Fundamentals of Heat and Mass Transfer*, 6th ed., Wiley,
eq. 8.55, by the heat-mass analogy) is used, so k_m jumps where the flow turns turbulent (Sh about 140 at Re =
2,300, Sc = 1,000); (2) is taken as at least 3.66. The boundary layer is eps = D / k_m = d_h / Sh. The flows of
interest here are turbulent (the sitter_appenzell sinking stream, 0.05 m/s and 10 cm: Re about 14,000).

Water properties. Dynamic viscosity of water, Kestin, Sokolov & Wakeham (1978, J. Phys. Chem. Ref. Data 7:941,
the 0-40 C correlation, +-0.05 %):

    log10(mu / mu_20) = (20 - t)/(t + 96) [1.2364 - 1.37e-3 (20 - t) + 5.7e-6 (20 - t)^2],  mu_20 = 1002.0 uPa s,

(within 0.3 % of the IAPWS values up to 60 C); density from :func:`chemistry.thermo.water_density_g_cm3` (Wagner &
Pruss 2002). Diffusion coefficient of dissolved Ca(HCO3)2: the Nernst-Hartley coefficient of the 2:1 electrolyte
from the tracer coefficients of Ca2+ (7.93e-10 m2/s) and HCO3- (1.18e-9 m2/s) at 25 C (Li & Gregory 1974,
Geochim. Cosmochim. Acta 38:703, Table 1), D = 3 D_Ca D_HCO3 / (2 D_Ca + D_HCO3) = 1.015e-9 m2/s (Robinson &
Stokes 1959, *Electrolyte Solutions*, 2nd ed., Butterworths, ch. 11; Dreybrodt 1988 uses 1e-9 m2/s for all
species), scaled with temperature by Stokes-Einstein, D(T) = D_25 (T / 298.15 K) (mu_25 / mu(T)) (Li & Gregory
1974).

Units: velocity m/s, depth m, temperature deg C, k_m in m/s (x 100 for cm/s), rates in mmol cm-2 s-1,
undersaturation in mmol/L (= 1e-3 mmol cm-3).
"""
from __future__ import annotations

import numpy as np

from chemistry.constants import KELVIN
from chemistry.thermo import water_density_g_cm3

#: tracer diffusion coefficients at 25 C in water (m2/s), Li & Gregory 1974, Table 1
D_CA_25C_M2_S = 7.93e-10
D_HCO3_25C_M2_S = 1.18e-9
#: Nernst-Hartley coefficient of the 2:1 electrolyte Ca(HCO3)2 at 25 C (module docstring), to four digits:
#: 3 D_Ca D_HCO3 / (2 D_Ca + D_HCO3) = 1.0149e-9 m2/s
CA_HCO3_DIFFUSIVITY_25C_M2_S = 1.015e-9
#: Linton & Sherwood (1950): Sh = 0.023 Re^0.83 Sc^(1/3) above the laminar limit
SH_COEFF, SH_RE_EXP, SH_SC_EXP = 0.023, 0.83, 1.0 / 3.0
RE_LAMINAR = 2300.0
SH_LAMINAR = 3.66
#: Kestin, Sokolov & Wakeham (1978): viscosity of water at 20 C (Pa s)
MU_20C_PA_S = 1002.0e-6


def water_viscosity_pa_s(temp_c):
    """Dynamic viscosity of liquid water (Pa s) at ``temp_c``: Kestin, Sokolov & Wakeham (1978), 0-40 C
    correlation (module docstring)."""
    t = np.asarray(temp_c, dtype=float)
    d = 20.0 - t
    return MU_20C_PA_S * 10.0 ** (d / (t + 96.0) * (1.2364 - 1.37e-3 * d + 5.7e-6 * d * d))


def kinematic_viscosity_m2_s(temp_c):
    """nu = mu / rho (m2/s), rho from :func:`chemistry.thermo.water_density_g_cm3` (kg/m3 = 1000 g/cm3)."""
    return water_viscosity_pa_s(temp_c) / (1000.0 * water_density_g_cm3(temp_c))


def calcite_diffusivity_m2_s(temp_c, diffusivity_25c_m2_s: float = CA_HCO3_DIFFUSIVITY_25C_M2_S):
    """Diffusion coefficient (m2/s) of dissolved Ca(HCO3)2 at ``temp_c``: ``diffusivity_25c_m2_s`` scaled by
    Stokes-Einstein, D (T / 298.15 K) (mu_25 / mu(T)) (Li & Gregory 1974)."""
    t = np.asarray(temp_c, dtype=float)
    return diffusivity_25c_m2_s * (t + KELVIN) / (25.0 + KELVIN) * water_viscosity_pa_s(25.0) / water_viscosity_pa_s(t)


def sherwood_number(reynolds, schmidt):
    """Sh of fully developed flow: Linton & Sherwood (1950) 0.023 Re^0.83 Sc^(1/3) for Re >= 2,300 (at least the
    laminar 3.66), 3.66 below (module docstring)."""
    re = np.asarray(reynolds, dtype=float)
    turb = SH_COEFF * re ** SH_RE_EXP * np.asarray(schmidt, dtype=float) ** SH_SC_EXP
    return np.where(re >= RE_LAMINAR, np.maximum(turb, SH_LAMINAR), SH_LAMINAR)


def channel_mass_transfer_m_s(velocity_m_s, depth_m, temp_c,
                              diffusivity_25c_m2_s: float = CA_HCO3_DIFFUSIVITY_25C_M2_S):
    """Mass-transfer coefficient k_m = Sh D / d_h (m/s) between a wide channel's flow (mean ``velocity_m_s``,
    ``depth_m``: d_h = 4 h) and its bed, at ``temp_c`` (module docstring, eq. 2). Broadcast over the arguments."""
    d_h = 4.0 * np.asarray(depth_m, dtype=float)
    nu = kinematic_viscosity_m2_s(temp_c)
    dif = calcite_diffusivity_m2_s(temp_c, diffusivity_25c_m2_s)
    sh = sherwood_number(np.asarray(velocity_m_s, dtype=float) * d_h / nu, nu / dif)
    return sh * dif / d_h


def boundary_layer_m(velocity_m_s, depth_m, temp_c, diffusivity_25c_m2_s: float = CA_HCO3_DIFFUSIVITY_25C_M2_S):
    """Thickness of the diffusion boundary layer eps = D / k_m = d_h / Sh (m)."""
    return calcite_diffusivity_m2_s(temp_c, diffusivity_25c_m2_s) / channel_mass_transfer_m_s(
        velocity_m_s, depth_m, temp_c, diffusivity_25c_m2_s)


def mixed_rate_mmol_cm2_s(surface_rate_mmol_cm2_s, transfer_cm_s, undersaturation_mmol_l):
    """Dissolution rate (mmol cm-2 s-1) of the surface reaction in series with transport across the boundary
    layer, eq. (1) of the module docstring: r = r_s / (1 + r_s / (k_m (c_eq - c))).

    ``surface_rate_mmol_cm2_s``: r_s, the surface rate of the bulk water (PWP); ``transfer_cm_s``: k_m (cm/s;
    ``inf`` gives r_s exactly, 0 gives 0); ``undersaturation_mmol_l``: c_eq - c (mmol/L; 1 mmol/L = 1e-3 mmol
    cm-3), the carbonate the water would take up to its end point. Where r_s and c_eq - c differ in sign (no
    consistent linear regime; both vanish at equilibrium) the rate is 0. Broadcast over the arguments."""
    r_s = np.asarray(surface_rate_mmol_cm2_s, dtype=float)
    k_m = np.asarray(transfer_cm_s, dtype=float)
    dc = np.asarray(undersaturation_mmol_l, dtype=float) * 1e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        r = r_s / (1.0 + r_s / (k_m * dc))
    return np.where((r_s * dc > 0.0) & np.isfinite(r), r, 0.0)
