"""Parameters of one stream reach or pond (:class:`ReachParameters`), declared once, and their packed form.

Every numeric field is declared with :func:`karstmodel.registry.param` (default, unit, admissible bounds, source).
From that one declaration come the checks of :class:`ReachParameters` (so the Python API and the catchment
reader's ``[[reaches]]`` refuse the same values), :func:`reach_parameters_from_dict` / :func:`reach_parameters_to_dict`
and the per-tank array the compiled time loop reads (:func:`pack`): its order is the order of the fields
(:data:`PACKED`) and every ``P_*`` index is looked up by field name, so adding or moving a field cannot shift
another one.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from ...registry import declared, param
from .light import pressure_ratio_from_elevation

_ASSUMED = "assumed default of a small spring-fed karst stream"
_LM = "Leopold & Maddock 1953, USGS Prof. Pap. 252, eqs. 1-2 (at-a-station mean exponents)"


@dataclass(frozen=True)
class ReachParameters:
    """One stream reach or pond. Units are in the names; defaults describe a small spring-fed karst stream.

    Geometry: ``kind`` "stream" (``length_m``; ``width_m``/``depth_m`` fixed, or hydraulic geometry
    width = ``width_coef`` Q^``width_exp``, depth = ``depth_coef`` Q^``depth_exp``, Leopold & Maddock 1953, Q in
    m3/s; ``slope`` m/m for k600), "pond" (``area_m2``, ``depth_m`` mean depth; residence time = volume / Q) or
    "lake" (alias "reservoir": a pond with a surface layer of ``epilimnion_depth_m`` over a deep layer, seasonal
    stratification and oxygen-dependent burial; :mod:`.lake`).

    Aquatic plant cultivation is set by ``macrophyte_cover`` (0-1, share of the bed covered) and
    ``macrophyte_biomass_g_m2`` (dry weight per m2 of covered bed): a scenario changes these.
    """

    name: str = "reach"
    kind: str = "stream"
    n_segments: int = param(1, "tanks", (1, 10000), source="well-mixed tanks in series; several approximate plug "
                            "flow in a stream")
    # --- stream geometry
    length_m: float = param(1000.0, "m", (0.0, 1e6), source=_ASSUMED)
    width_m: float | None = param(None, "m", (0.0, 1e4), source="None: hydraulic geometry (width_coef, width_exp)")
    depth_m: float | None = param(None, "m", (0.0, 1e3), source="None: hydraulic geometry (depth_coef, depth_exp); "
                                  "the mean depth of a pond")
    width_coef: float = param(5.0, "m (m3/s)^-width_exp", (0.0, 1e4), source=_ASSUMED)
    width_exp: float = param(0.26, "1", (0.0, 1.0), source=_LM)
    depth_coef: float = param(0.4, "m (m3/s)^-depth_exp", (0.0, 1e3), source=_ASSUMED)
    depth_exp: float = param(0.40, "1", (0.0, 1.0), source=_LM)
    slope: float = param(0.005, "m/m", (0.0, 1.0), source=_ASSUMED)
    # --- pond geometry
    area_m2: float = param(10000.0, "m2", (0.0, 1e12), source=_ASSUMED)
    elevation_m: float = param(0.0, "m", (-500.0, 9000.0), source="barometric pressure for gas exchange")
    # --- gas exchange
    k600_m_d: float | None = param(None, "m/d", (0.0, 1e4), source="fixed k600; None: Raymond et al. 2012 "
                                   "(streams), Cole & Caraco 1998 (ponds)")
    wind_m_s: float = param(2.0, "m/s", (0.0, 100.0), source="U10 used for ponds when no wind series is given")
    schmidt_exponent: float = param(0.5, "1", (0.0, 1.0), source="Jaehne et al. 1987: 1/2 rough, 2/3 smooth surface")
    chemical_enhancement: bool = param(True, "true/false", (False, True), source="Hoover & Berkshire 1969; "
                                       "Wanninkhof & Knox 1996")
    co2_air_ppm: float = param(420.0, "ppm", (0.0, 1e5), source="NOAA global mean 2023-2024")
    # --- light
    kd_background_per_m: float = param(0.5, "m-1", (0.0, 100.0), source=_ASSUMED)
    kd_chl_m2_mg: float = param(0.016, "m2 (mg Chl a)-1", (0.0, 1.0), source="specific attenuation by chlorophyll "
                                "a (Kirk 2011: 0.01-0.02)")
    albedo: float = param(0.06, "1", (0.0, 1.0), source=_ASSUMED)
    # --- submerged macrophytes
    macrophyte_cover: float = param(0.3, "1", (0.0, 1.0), source="share of the bed covered; " + _ASSUMED)
    macrophyte_biomass_g_m2: float = param(150.0, "g DW m-2", (0.0, 1e5), source="dry weight per m2 of covered "
                                           "bed; " + _ASSUMED)
    macrophyte_pmax_mg_o2_g_h: float = param(6.0, "mg O2 (g DW)-1 h-1", (0.0, 1000.0), source="at 20 C; Kahara & "
                                             "Vermaat (2003): 3-22 mg O2 g AFDW-1 h-1")
    macrophyte_ik_umol_m2_s: float = param(150.0, "umol m-2 s-1", (0.0, 1e4), source=_ASSUMED)
    macrophyte_canopy_height_m: float = param(0.4, "m", (0.0, 100.0), source=_ASSUMED)
    macrophyte_extinction_m2_g: float = param(0.01, "m2 (g DW)-1", (0.0, 10.0), source="self-shading in the canopy "
                                              "(per g DW/m2) [assumption]")
    macrophyte_hco3_fraction: float = param(0.5, "1", (0.0, 1.0), source="~half of tested freshwater angiosperms "
                                            "use HCO3- (Maberly & Madsen 2002)")
    macrophyte_k_co2_mmol_l: float = param(0.10, "mmol/L", (1e-6, 100.0), source="Kirk (2011) Table 11.1: Km(CO2) "
                                           "4-185 umol/L")
    macrophyte_k_hco3_mmol_l: float = param(1.5, "mmol/L", (1e-6, 100.0), source="Kirk (2011) Table 11.1")
    macrophyte_npp_to_water: float = param(0.3, "1", (0.0, 1.0), source="share of macrophyte NPP released to the "
                                           "water (DOC, fragments); " + _ASSUMED)
    # --- phytoplankton
    chl_a_ug_l: float = param(2.0, "ug/L", (0.0, 1e4), source=_ASSUMED)
    phyto_pmax_mg_c_mg_chl_h: float = param(3.0, "mg C (mg Chl a)-1 h-1", (0.0, 100.0), source="assimilation "
                                            "number at 20 C (typical 1-10)")
    phyto_ik_umol_m2_s: float = param(120.0, "umol m-2 s-1", (0.0, 1e4), source=_ASSUMED)
    phyto_hco3_fraction: float = param(0.8, "1", (0.0, 1.0), source=_ASSUMED)
    phyto_k_co2_mmol_l: float = param(0.01, "mmol/L", (1e-6, 100.0), source="Kirk (2011) Table 11.1: Km(CO2) of "
                                      "whole phytoplankton and macrophytes 4-185 umol/L; 10 umol/L, near the low "
                                      "end, for algae with a CO2-concentrating mechanism [choice within the range]")
    phyto_k_hco3_mmol_l: float = param(0.3, "mmol/L", (1e-6, 100.0), source=_ASSUMED)
    # --- metabolism
    q10_gpp: float = param(1.88, "1", (1.0, 10.0), source="Eppley (1972): growth ~ exp(0.0633 T) -> Q10 = 1.88")
    q10_resp: float = param(2.0, "1", (1.0, 10.0), source=_ASSUMED)
    autotrophic_resp_fraction: float = param(0.44, "1", (0.0, 1.0), source="Hall & Beaulieu (2013): autotrophic "
                                             "respiration ~0.44 GPP")
    photosynthetic_quotient: float = param(1.1, "mol O2 / mol C", (0.5, 3.0), source="mol O2 per mol C fixed "
                                           "(1.0-1.2)")
    respiratory_quotient: float = param(1.0, "mol CO2 / mol O2", (0.5, 3.0), source="mol CO2 per mol O2 consumed")
    oc_mineralisation_20_per_d: float = param(0.1, "d-1", (0.0, 100.0), source=_ASSUMED)
    sediment_mineralisation_20_per_d: float = param(0.03, "d-1", (0.0, 100.0), source=_ASSUMED)
    oc_settling_m_d: float = param(0.3, "m/d", (0.0, 1000.0), source=_ASSUMED)
    refractory_fraction: float = param(0.2, "1", (0.0, 1.0), source="burial efficiency of OC reaching the bed "
                                       "(Sobek et al. 2009: 0.1-0.5)")
    allochthonous_oc_g_c_m2_d: float = param(0.0, "g C m-2 d-1", (0.0, 1000.0), source="none unless set")
    respiration_k_o2_mmol_l: float = param(0.03, "mmol/L", (0.0, 10.0), source="half-saturation of aerobic "
                                           "respiration (~1 mg O2/L)")
    # --- calcite
    calcite_surface_m2_m2: float = param(1.0, "m2/m2", (0.0, 1000.0), source="reactive calcite surface per m2 of "
                                         "bed (bed + encrusted plants); " + _ASSUMED)
    calcite_rate_factor: float = param(1.0, "1", (0.0, 1000.0), source="multiplies the PWP rate (inhibition, "
                                       "boundary layer; 1 = PWP)")
    calcite_si_crit: float = param(0.0, "1", (0.0, 5.0), source="no precipitation below this SI (nucleation "
                                   "barrier)")
    bed_carbonate: bool = param(True, "true/false", (False, True), source="carbonate bed: calcite can dissolve "
                                "even where none was deposited")
    # --- temperature
    heat_exchange_w_m2_k: float = param(25.0, "W m-2 K-1", (0.0, 1000.0), source="equilibrium-temperature "
                                        "exchange coefficient (Edinger et al. 1968)")
    # --- lakes and reservoirs (kind "lake" / "reservoir"; module lake.py)
    epilimnion_depth_m: float = param(4.0, "m", (0.1, 1000.0), source="thickness of the surface mixed layer of a "
                                      "lake in summer (typically 2-10 m in small and medium lakes, Wetzel 2001, "
                                      "Limnology ch. 6) [assumed default]; >= depth_m: no deep layer (polymictic)")
    stratification: bool = param(True, "true/false", (False, True), source="two layers with seasonal "
                                 "stratification; false: one well-mixed tank (residence time V/Q)")
    stratification_dt_c: float = param(1.0, "C", (0.0, 30.0), source="layers closer than this are mixed: the "
                                       "'mixed.cutoff' of Lake Analyzer (Read et al. 2011, Environ. Model. Softw. "
                                       "26:1325)")
    mixing_exchange_m_d: float = param(0.2, "m/d", (0.0, 1e4), source="exchange velocity between the layers of an "
                                       "unstratified lake by wind; with surface heating it sets when stratification "
                                       "sets in (a 1 C difference builds up when heating outpaces this exchange) "
                                       "[assumption]")
    hypolimnion_exchange_m_d: float = param(0.05, "m/d", (0.0, 1e3), source="exchange across the thermocline of "
                                            "a stratified lake, K_z / metalimnion thickness: K_z 1e-6 - 1e-5 m2/s "
                                            "over ~2 m gives 0.04-0.4 m/d (Imboden & Wueest 1995)")
    burial_efficiency_anoxic: float = param(0.4, "1", (0.0, 1.0), source="burial efficiency of organic carbon "
                                            "under anoxic bottom water (refractory_fraction is the oxic value); "
                                            "autochthonous sediments 0.10-0.41 (Sobek et al. 2011, Aquat. Sci. "
                                            "73:355), higher at short O2 exposure (Sobek et al. 2009)")
    littoral_depth_m: float | None = param(None, "m", (0.0, 1e3), source="depth of the bed where the macrophytes "
                                           "of a lake grow; None: the depth of the tank (surface layer)")

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"reach {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind != "stream" and (self.depth_m is None or self.depth_m <= 0 or self.area_m2 <= 0):
            raise ValueError(f"{self.kind} {self.name!r}: area_m2 and depth_m must be > 0")
        for f, p in _DECLARED.items():
            v = getattr(self, f)
            if v is None:
                continue
            lo, hi = p.bounds
            try:
                inside = lo <= v <= hi
            except TypeError:
                raise ValueError(f"reach {self.name!r}: {f} must be a number, got {v!r}") from None
            if not inside:
                raise ValueError(f"reach {self.name!r}: {f} must be within {lo:g}-{hi:g} ({p.unit}), got {v}")

    def with_cultivation(self, cover: float | None = None, biomass_g_m2: float | None = None) -> "ReachParameters":
        """A copy with another macrophyte cover and/or biomass (aquatic plant cultivation scenario)."""
        kw = {}
        if cover is not None:
            kw["macrophyte_cover"] = float(cover)
        if biomass_g_m2 is not None:
            kw["macrophyte_biomass_g_m2"] = float(biomass_g_m2)
        return replace(self, **kw)


    @property
    def is_lake(self) -> bool:
        """A lake or reservoir (two layers, :mod:`.lake`)."""
        return self.kind in ("lake", "reservoir")

    @property
    def surface_layer_depth_m(self) -> float:
        """Depth of the tank the surface processes act on: the epilimnion of a stratifying lake, else the mean
        depth (a stream's depth follows the discharge; this is its fixed depth or None)."""
        if self.is_lake and self.stratification and self.epilimnion_depth_m < self.depth_m:
            return float(self.epilimnion_depth_m)
        return self.depth_m

    @property
    def hypolimnion_depth_m(self) -> float:
        """Mean thickness of the deep layer of a lake (0 without one)."""
        if not self.is_lake:
            return 0.0
        return float(self.depth_m - self.surface_layer_depth_m)


#: the reach kinds ("reservoir" is a lake)
KINDS = ("stream", "pond", "lake", "reservoir")

#: field name -> declaration (unit, bounds, source) of every numeric parameter
_DECLARED = declared(ReachParameters)

# ================================================================================================================
# the packed per-tank array of the compiled time loop
#: the fields in the packed array, in field order (the name and the number of tanks are not packed)
PACKED = tuple(f.name for f in fields(ReachParameters) if f.name not in ("name", "n_segments"))
N_PAR = len(PACKED)


def _index(name: str) -> int:
    return PACKED.index(name)


# index of every parameter in the packed array, looked up by field name
P_KIND, P_LENGTH, P_WIDTH, P_DEPTH = _index("kind"), _index("length_m"), _index("width_m"), _index("depth_m")
P_WA, P_WB, P_DC, P_DF = _index("width_coef"), _index("width_exp"), _index("depth_coef"), _index("depth_exp")
P_SLOPE, P_AREA, P_PRESSURE = _index("slope"), _index("area_m2"), _index("elevation_m")
P_K600, P_WIND, P_SCEXP, P_ENH = (_index("k600_m_d"), _index("wind_m_s"), _index("schmidt_exponent"),
                                  _index("chemical_enhancement"))
P_CO2AIR, P_KD, P_KDCHL, P_ALBEDO = (_index("co2_air_ppm"), _index("kd_background_per_m"), _index("kd_chl_m2_mg"),
                                     _index("albedo"))
P_MCOVER, P_MBIO, P_MPMAX, P_MIK = (_index("macrophyte_cover"), _index("macrophyte_biomass_g_m2"),
                                    _index("macrophyte_pmax_mg_o2_g_h"), _index("macrophyte_ik_umol_m2_s"))
P_MCAN, P_MEXT, P_MHCO3 = (_index("macrophyte_canopy_height_m"), _index("macrophyte_extinction_m2_g"),
                           _index("macrophyte_hco3_fraction"))
P_MKCO2, P_MKHCO3, P_MTOW = (_index("macrophyte_k_co2_mmol_l"), _index("macrophyte_k_hco3_mmol_l"),
                             _index("macrophyte_npp_to_water"))
P_CHL, P_PPMAX, P_PIK = _index("chl_a_ug_l"), _index("phyto_pmax_mg_c_mg_chl_h"), _index("phyto_ik_umol_m2_s")
P_PHCO3, P_PKCO2, P_PKHCO3 = (_index("phyto_hco3_fraction"), _index("phyto_k_co2_mmol_l"),
                              _index("phyto_k_hco3_mmol_l"))
P_Q10G, P_Q10R, P_RA = _index("q10_gpp"), _index("q10_resp"), _index("autotrophic_resp_fraction")
P_PQ, P_RQ = _index("photosynthetic_quotient"), _index("respiratory_quotient")
P_KW, P_KS = _index("oc_mineralisation_20_per_d"), _index("sediment_mineralisation_20_per_d")
P_VSET, P_FREF = _index("oc_settling_m_d"), _index("refractory_fraction")
P_ALLOCH, P_KO2R = _index("allochthonous_oc_g_c_m2_d"), _index("respiration_k_o2_mmol_l")
P_CALA, P_CALF, P_CALSI = (_index("calcite_surface_m2_m2"), _index("calcite_rate_factor"),
                           _index("calcite_si_crit"))
P_BEDC, P_KH = _index("bed_carbonate"), _index("heat_exchange_w_m2_k")
P_ZEPI, P_STRDT, P_VMIX, P_VSTRAT = (_index("epilimnion_depth_m"), _index("stratification_dt_c"),
                                     _index("mixing_exchange_m_d"), _index("hypolimnion_exchange_m_d"))
P_BEANOX, P_LITT = _index("burial_efficiency_anoxic"), _index("littoral_depth_m")
P_STRAT = _index("stratification")  # read through P_ZEPI (the surface layer is the whole lake without it)

#: packed values that are not the field's value itself (per tank of a reach of n tanks); otherwise a number is
#: packed as it is, True/False as 1/0 and an optional field left unset (None) as -1
_PACK_AS = {
    "kind": lambda r, n: 0.0 if r.kind == "stream" else 2.0 if r.is_lake else 1.0,
    # the depth of the tank of a lake (its surface layer; the mean depth when it has no deep layer)
    "epilimnion_depth_m": lambda r, n: r.surface_layer_depth_m if r.is_lake else -1.0,
    "length_m": lambda r, n: r.length_m / n,
    "area_m2": lambda r, n: r.area_m2 / n,
    "elevation_m": lambda r, n: pressure_ratio_from_elevation(r.elevation_m),  # barometric pressure, atm
}


def pack(reach: ReachParameters) -> np.ndarray:
    """The parameters of one tank of ``reach`` as the float array (:data:`N_PAR`) the compiled loop reads."""
    p = np.zeros(N_PAR)
    nseg = int(reach.n_segments)
    for i, name in enumerate(PACKED):
        if name in _PACK_AS:
            p[i] = _PACK_AS[name](reach, nseg)
            continue
        v = getattr(reach, name)
        p[i] = -1.0 if v is None else (1.0 if v is True else 0.0 if v is False else v)
    return p


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
