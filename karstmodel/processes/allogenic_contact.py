"""Allogenic water meeting carbonate: where and how water from the non-carbonate area reacts before the conduits.

Water from the non-carbonate area has taken up soil CO2 but met no carbonate (:mod:`karstmodel.processes.dissolution`,
``mineral="none"``). Where it sinks into the karst (swallets, sinking streams, contact karst) it flows over
carbonate rock for a contact length L at a velocity v before it joins the conduit water. How much rock it takes up
there depends on how it meets the rock (``[allogenic_contact]``):

* ``system = "none"`` (default): no reaction on the way; the water enters the conduits as it left the soil, and
  reacts there with the conduit water (the closed-system conduit reaction of
  :func:`karstmodel.processes.dissolution.react_outflow`).
* ``system = "closed"``: the stream dissolves carbonate isolated from any gas (a flooded swallet, a phreatic
  sink), so its carbon is the soil CO2 it carries: C - Ca - Mg is conserved (Dreybrodt 1988, *Processes in karst
  systems*, Springer, ch. 2; the closed system of docs/science.md section 7.4).
* ``system = "open"``: the stream flows in contact with air of pCO2 ``contact_pco2_ppm`` (a free-surface sinking
  stream or a vadose cave stream under ventilated cave air; cave-air pCO2 ranges from near atmospheric in winter
  to several thousand ppm in summer, Covington et al. 2021, J. Hydrol. 593:125824), whose CO2 it exchanges while it dissolves; the open system at that pCO2 is its end
  point (Dreybrodt 1988, ch. 2).

Kinetics along the stream. The contact time is t = L / v. The carbonate dissolved approaches the end point of the
chosen system as a first-order process,

    xi(t) = xi_eq (1 - exp(-k t)),     k = (A/V) r_PWP(c_0) / xi_eq,

with r_PWP the rate of Plummer, Wigley & Parkhurst (1978, Am. J. Sci. 278:179, eqs. 5 and 7-9, with the affinity
term of phreeqc.dat; :func:`chemistry.kinetics.pwp_rate_of`) of the water as it enters the contact (open: after
its CO2 has equilibrated with the contact air) and A/V = 1 / ``depth_m`` the wetted bed per volume of a wide
channel of flow depth h (the film geometry of Dreybrodt 1988, ch. 5). This is the linear rate law of Dreybrodt
1988 (ch. 5) with its constant matched to PWP at the start, the same law as the conduit reaction
(:func:`karstmodel.processes.dissolution.react_outflow`). Its limits are exact: for k t << 1 the dissolved amount
is (A/V) r_PWP t (the far-from-equilibrium PWP rate), for k t >> 1 the equilibrium of the chosen system (tested
against PHREEQC and :func:`chemistry.dissolve_kinetic`). PWP is the calcite rate law; over dolomite it is used as
well (with dolomite as the end point), an upper bound because dolomite dissolves about an order of magnitude more
slowly far from equilibrium (Busenberg & Plummer 1982, Am. J. Sci. 282:45).

Rate law (``rate_law``). ``"pwp"`` (default): the surface-controlled PWP rate above, the rate of a freely flushed
surface. ``"mixed"``: the PWP surface reaction in series with transport of the dissolved carbonate across the
diffusion boundary layer of the flowing water (Dreybrodt 1988, ch. 5; Dreybrodt & Buhmann 1991, Chem. Geol.
90:107), in the linear-rate regime 1/r = 1/r_PWP + 1/(k_m (c_eq - c)) (:mod:`karstmodel.processes.mass_transfer`,
eq. 1), with the mass-transfer coefficient k_m of turbulent flow in a wide channel of the contact's depth and
velocity at the water's temperature (Linton & Sherwood 1950; d_h = 4 ``depth_m``; D of Ca(HCO3)2
``diffusivity_25c_m2_s`` at 25 C, scaled by Stokes-Einstein). Both terms are linear in c_eq - c, so the series
rate is the linear law with alpha = alpha_PWP k_m / (alpha_PWP + k_m) all along the contact: k = (A/V) r(c_0) /
xi_eq with r the mixed rate of the water entering. It is never faster than PWP and equals it when k_m -> inf.

Carbon: in a closed contact DIC rises by the Ca + Mg dissolved (one C per mineral formula unit of calcite or
dolomite per Ca + Mg); in an open contact DIC follows the open system at the contact pCO2, linear in the Ca + Mg
dissolved between the start and the end point (at fixed pCO2, CO2(aq) is fixed and HCO3- follows the alkalinity
while CO3 2- is negligible, pH < 8.3). The CO2 the water exchanges with the air on the way (up or down) is booked
with the soil CO2 uptake of the carbon balance; the Ca + Mg dissolved is rock carbon.

Mixing corrosion (Boegli 1964, Erdkunde 18:83; Buhmann & Dreybrodt 1985, Chem. Geol. 53:109): the reacted
allogenic water then mixes with the autogenic conduit water; the mixture of two waters at different pCO2 is
undersaturated even when each is saturated, and dissolves more rock in the conduits (the closed-system conduit
reaction of the mixture). :func:`mixing_corrosion_mmol_l` gives that extra dissolution for two waters, the
equilibrium end-member of the conduit reaction.

Wall retreat (:func:`mean_wall_rate_mmol_cm2_s`, :func:`wall_retreat_m_d`): the carbonate the water takes up
over the contact, per area of wetted rock and time, is the mean rate along the contact, r = xi / ((A/V) t); it
removes rock at r V_m, V_m = M / rho the molar volume of calcite (M = 100.09 g/mol from the phreeqc.dat element
weights in :mod:`chemistry.constants`; rho = 2.71 g cm-3, Deer, Howie & Zussman 1992, *An Introduction to the
Rock-Forming Minerals*, 2nd ed., Longman, calcite), so a rate in mmol cm-2 s-1 is a retreat of r 1e-3 V_m cm s-1
(x 864 for m d-1). It is the retreat of the rock the contact wets, with no conduit geometry needed: the film
geometry A/V = 1/h already sets how much wall each litre meets.

Units: concentrations in mmol/L (= mmol/kgw for fresh water), pCO2 in atm or ppm as named, lengths in m.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chemistry.constants import M_C_G_MOL, M_CA_G_MOL, M_O_G_MOL
from chemistry.equilibrium import equilibrate_solution, speciate_totals_solution
from chemistry.kinetics import pwp_rate_of

from ..registry import param
from .mass_transfer import (CA_HCO3_DIFFUSIVITY_25C_M2_S, channel_mass_transfer_m_s,
                            mixed_rate_mmol_cm2_s)

WATER_KEYS = ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")
#: calcite: density (g cm-3; Deer, Howie & Zussman 1992, Longman) and molar volume (cm3 mol-1) with the formula
#: weight of CaCO3 from the phreeqc.dat element weights (100.09 g/mol)
CALCITE_DENSITY_G_CM3 = 2.71
CALCITE_MOLAR_VOLUME_CM3_MOL = (M_CA_G_MOL + M_C_G_MOL + 3.0 * M_O_G_MOL) / CALCITE_DENSITY_G_CM3
SYSTEMS = ("none", "closed", "open")
#: the rate law along the contact (module docstring): surface-controlled PWP, or PWP in series with transport
RATE_LAWS = ("pwp", "mixed")


@dataclass(frozen=True)
class AllogenicContact:
    """How allogenic water meets the carbonate before it joins the conduits (module docstring). ``system``: "none"
    (default: no reaction on the way), "closed" or "open" (in contact with air at ``contact_pco2_ppm``);
    ``rate_law``: "pwp" (default: surface-controlled) or "mixed" (PWP in series with boundary-layer transport)."""

    system: str = "none"
    #: pCO2 of the air the stream is in contact with (open system): outside air ~420 ppm, ventilated cave air in
    #: winter a few hundred ppm, cave air in summer 1,000-10,000 ppm
    contact_pco2_ppm: float = param(1000.0, "ppm", (150.0, 1e5),
                                    source="cave air: Covington et al. 2021, J. Hydrol. 593:125824")
    #: length of the flow path over carbonate between the sinking point and the conduits (0 = no contact)
    contact_length_m: float = param(100.0, "m", (0.0, 1e5), (10.0, 5000.0), "log",
                                    source="sinking-stream reach over carbonate (site geometry)")
    #: mean flow velocity along the contact; contact time = length / velocity
    velocity_m_s: float = param(0.1, "m s-1", (1e-5, 10.0),
                                source="conduit tracer velocities, order 0.01-0.1 m/s (Ford & Williams 2007, Karst "
                                       "Hydrogeology and Geomorphology, Wiley, ch. 6)")
    #: flow depth: wetted bed per volume A/V = 1 / depth (wide channel)
    depth_m: float = param(0.1, "m", (1e-3, 10.0),
                           source="film geometry A/V = 1/h (Dreybrodt 1988, ch. 5)")
    rate_law: str = "pwp"
    #: diffusion coefficient of dissolved Ca(HCO3)2 at 25 C (rate_law = "mixed"; scaled to the water's temperature
    #: by Stokes-Einstein): Nernst-Hartley from the tracer coefficients of Ca2+ and HCO3-
    diffusivity_25c_m2_s: float = param(CA_HCO3_DIFFUSIVITY_25C_M2_S, "m2 s-1", (5e-10, 2e-9),
                                        source="Li & Gregory 1974, Geochim. Cosmochim. Acta 38:703, Table 1 "
                                               "(Ca2+ 7.93e-10, HCO3- 1.18e-9); Dreybrodt 1988 uses 1e-9")
    #: exchange between the matrix and the conduit water along the contact (karstmodel.processes.conduit_exchange):
    #: share of the matrix discharge entering the conduit along the contact on days the matrix head exceeds the
    #: conduit head (0 = no exchange) and the conduit / matrix porosity ratio that sets the heads
    exchange_matrix_share: float = param(0.0, "-", (0.0, 1.0),
                                         source="sink-rise conduits drain the matrix around them (Kiraly 1998; "
                                                "Martin & Dean 2001, Chem. Geol. 179:145)")
    exchange_porosity_ratio: float = param(0.025, "-", (1e-5, 1.0),
                                           source="channel / matrix porosity: Worthington 1999, KWI Spec. Publ. 5, "
                                                  "Table 1: 5e-4 (Smithville) to 0.03 (Yucatan), 0.025 Mammoth Cave")

    @property
    def contact_time_s(self) -> float:
        return self.contact_length_m / self.velocity_m_s

    @property
    def surface_to_volume_cm_1(self) -> float:
        return 1.0 / (self.depth_m * 100.0)


def _water(conc: dict) -> dict:
    return {f"{k}_mmol_kgw": np.maximum(np.asarray(conc[k], dtype=float), 0.0) for k in WATER_KEYS if k in conc}


def contact_reaction(conc: dict, temp_c, contact: AllogenicContact, mineral: str = "calcite",
                     pressure_atm: float = 1.0, database: str = "phreeqc.dat") -> dict:
    """React waters (``conc``: element -> array, mmol/L, keys of :data:`WATER_KEYS`) along the contact.

    Returns the new ``ca``, ``mg``, ``dic`` (mmol/L), ``dissolved`` (Ca + Mg taken up, mmol/L; negative =
    precipitated), ``fraction`` (of the way to the end point), ``equilibrium_dissolved`` (what the end point
    would take up), ``start_rate_mmol_cm2_s`` (the rate of ``contact.rate_law`` for the water as it enters the
    contact) and ``pwp_start_rate_mmol_cm2_s`` (its PWP rate; the same for ``rate_law = "pwp"``).
    ``pressure_atm``: barometric pressure (the contact pCO2 is a mixing ratio times it)."""
    if contact.system not in SYSTEMS:
        raise ValueError(f"[allogenic_contact] system must be one of {SYSTEMS}, got {contact.system!r}")
    if contact.rate_law not in RATE_LAWS:
        raise ValueError(f"[allogenic_contact] rate_law must be one of {RATE_LAWS}, got {contact.rate_law!r}")
    t = np.asarray(temp_c, dtype=float)
    n = t.size
    ca0 = np.asarray(conc["ca"], dtype=float)
    mg0 = np.asarray(conc.get("mg", np.zeros(n)), dtype=float)
    dic0 = np.asarray(conc["dic"], dtype=float)
    zero = {"ca": ca0.copy(), "mg": mg0.copy(), "dic": dic0.copy(), "dissolved": np.zeros(n),
            "fraction": np.zeros(n), "equilibrium_dissolved": np.zeros(n), "start_rate_mmol_cm2_s": np.zeros(n),
            "pwp_start_rate_mmol_cm2_s": np.zeros(n)}
    if contact.system == "none" or n == 0 or contact.contact_length_m <= 0:
        return zero
    water = _water(conc)
    if contact.system == "closed":
        eq, _, _, _ = equilibrate_solution(t, None, mineral=mineral, system="closed", water=water,
                                           database=database, series=True)
        start = speciate_totals_solution(t, {k: water[f"{k}_mmol_kgw"] / 1000.0 for k in WATER_KEYS
                                             if f"{k}_mmol_kgw" in water}, 0.0, database=database, series=True)
        dic_start = dic0
    else:
        p = np.full(n, contact.contact_pco2_ppm * 1e-6 * pressure_atm)
        no_c = {k: v for k, v in water.items() if k != "dic_mmol_kgw"}
        eq, _, _, _ = equilibrate_solution(t, p, mineral=mineral, system="open", water=no_c, database=database,
                                           series=True)
        start, _, _, _ = equilibrate_solution(t, p, mineral="none", system="open", water=no_c, database=database,
                                              series=True)
        dic_start = start.total("dic") * 1000.0
    ok = eq.converged & start.converged
    d_ca = eq.total("ca") * 1000.0 - ca0
    d_mg = (eq.total("mg") * 1000.0 if "mg" in eq.model.elements else 0.0) - mg0
    xi_eq = d_ca + d_mg  # mmol/L
    pwp = pwp_rate_of(start)  # mmol cm-2 s-1
    if contact.rate_law == "mixed":
        k_m_cm_s = 100.0 * channel_mass_transfer_m_s(contact.velocity_m_s, contact.depth_m, t,
                                                     contact.diffusivity_25c_m2_s)
        rate = mixed_rate_mmol_cm2_s(pwp, k_m_cm_s, xi_eq)
    else:
        rate = pwp
    with np.errstate(divide="ignore", invalid="ignore"):
        k_eff = np.where(np.abs(xi_eq) > 1e-12, contact.surface_to_volume_cm_1 * rate / (xi_eq / 1000.0), 0.0)
    k_eff = np.where(np.isfinite(k_eff) & (k_eff > 0), k_eff, 0.0)
    frac = np.where(ok, 1.0 - np.exp(-k_eff * contact.contact_time_s), 0.0)
    if contact.system == "closed":
        dic_eq = dic0 + xi_eq  # one C per Ca + Mg (the stoichiometry, exact to rounding)
    else:
        dic_eq = eq.total("dic") * 1000.0
    dic_new = np.where(ok, dic_start + frac * (dic_eq - dic_start), dic0)
    return {"ca": ca0 + frac * d_ca, "mg": mg0 + frac * d_mg, "dic": dic_new, "dissolved": frac * xi_eq,
            "fraction": frac, "equilibrium_dissolved": np.where(ok, xi_eq, 0.0),
            "start_rate_mmol_cm2_s": np.where(ok, rate, 0.0), "pwp_start_rate_mmol_cm2_s": np.where(ok, pwp, 0.0)}


def mixing_corrosion_mmol_l(water_a: dict, water_b: dict, share_a: float, temp_c: float,
                            mineral: str = "calcite", database: str = "phreeqc.dat") -> float:
    """Carbonate (Ca + Mg, mmol/L) a mixture of two waters dissolves in a closed system beyond what the two waters
    would dissolve apart (mixing corrosion, Boegli 1964; Buhmann & Dreybrodt 1985, Chem. Geol. 53:109): the closed
    equilibrium of the mixture minus the share-weighted closed equilibria of the end-members. Element totals mix
    linearly (conservative mixing, :func:`chemistry.mix`). ``water_*``: element -> mmol/L (:data:`WATER_KEYS`)."""
    def closed_gain(w: dict) -> float:
        eq, _, _, _ = equilibrate_solution(np.array([temp_c]), None, mineral=mineral, system="closed",
                                           water=_water({k: np.atleast_1d(v) for k, v in w.items()}),
                                           database=database)
        got = eq.total("ca")[0] * 1000.0 + (eq.total("mg")[0] * 1000.0 if "mg" in eq.model.elements else 0.0)
        return got - float(w.get("ca", 0.0)) - float(w.get("mg", 0.0))

    keys = set(water_a) | set(water_b)
    mixed = {k: share_a * float(water_a.get(k, 0.0)) + (1.0 - share_a) * float(water_b.get(k, 0.0)) for k in keys}
    return closed_gain(mixed) - share_a * closed_gain(water_a) - (1.0 - share_a) * closed_gain(water_b)


def mean_wall_rate_mmol_cm2_s(dissolved_mmol_l, contact: AllogenicContact):
    """Mean dissolution rate along the contact per area of wetted rock (mmol cm-2 s-1): the carbonate taken up
    (``dissolved`` of :func:`contact_reaction`, mmol/L = 1e-3 mmol cm-3) over (A/V) t (module docstring); 0 for a
    contact of no length."""
    exposure = contact.surface_to_volume_cm_1 * contact.contact_time_s  # cm2 of rock wetted per cm3, times s
    d = np.asarray(dissolved_mmol_l, dtype=float)
    return d * 1e-3 / exposure if exposure > 0 else np.zeros_like(d)


def wall_retreat_m_d(rate_mmol_cm2_s):
    """Retreat of a calcite wall (m d-1) dissolving at ``rate_mmol_cm2_s``: rate x 1e-3 mol/mmol x
    :data:`CALCITE_MOLAR_VOLUME_CM3_MOL` gives cm s-1, x 86,400 s d-1 x 0.01 m cm-1 gives m d-1."""
    return np.asarray(rate_mmol_cm2_s, dtype=float) * 1e-3 * CALCITE_MOLAR_VOLUME_CM3_MOL * 864.0
