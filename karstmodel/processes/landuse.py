"""Land-use classes and their default parameters (the hydrotope parameter table).

Each land-use class carries the parameters of one hydrotope (Bittner et al. 2018, J. Hydrol. 567:267, LuKARS:
land-use hydrotopes with their own soil storage and interception): soil respiration (production of soil CO2),
soil properties for CO2 diffusion, root-zone water storage, crop coefficient and interception.

Sources of the defaults
-----------------------
* ``r10_gc_m2_d`` and ``q10``: medians of the Soil Respiration Database (SRDB v5; Jian et al. 2021, ESSD 13:255;
  Bond-Lamberty & Thomson 2010), derived by ``tools/derive_soil_respiration_priors.py`` into
  ``karstmodel/data/soil_respiration_priors.csv`` (all climates) and ``..._subtropical.csv`` (MAT 14-22 C). The
  bare_soil, bare_rock, urban and water rows are documented rules, not measurements (see that file's ``source``).
* ``crop_coefficient``: annual-mean single crop coefficients in the ranges of FAO-56 (Allen et al. 1998, FAO
  Irrigation and Drainage Paper 56, Tables 12 and 17: grass/pasture 0.75-1.05, conifer trees ~1.0, bare soil
  evaporation ~0.3-0.5 when not wetted every day; open water 1.05).
* ``root_zone_storage_mm``: plant-available water of the root zone = effective rooting depth (FAO-56 Table 22:
  grass 0.5-1.5 m, field crops 0.5-1.5 m, trees 1-2 m) x available water capacity ~100-150 mm/m, reduced for the
  thin, stony soils typical of karst. These are starting values to be calibrated, not measurements.
* ``interception_capacity_mm``: canopy storage capacity, 1-2 mm for forests (Gash 1979, Q. J. R. Meteorol. Soc.
  105:43; Breuer et al. 2003, Ecol. Model. 169:237 give 0.5-3 mm by land cover); grass and crops ~0.5 mm.
* ``fast_flow_fraction``: share of recharge that bypasses epikarst storage through preferential paths (open
  fissures under bare rock, sealed surfaces draining to sinkholes). Assumed defaults to calibrate.
* ``soil_depth_m``, ``porosity``, water contents: loamy soils (Saxton & Rawls 2006, SSSAJ 70:1569: field capacity
  ~0.3, wilting point ~0.1 m3/m3 for loam); porosity 0.55 for vegetated topsoils (bulk density ~1.2 g/cm3),
  0.45-0.48 for bare soils; the same porosity for all vegetated classes, so that land-use contrasts in soil pCO2
  come from respiration (R10, Q10), soil depth and water, not from an assumed structure difference; soil depth
  of the CO2-producing layer by land use (assumed).
"""
from __future__ import annotations

import csv
from dataclasses import MISSING, dataclass, fields, replace
from functools import lru_cache
from pathlib import Path

from ..registry import bounds_of, param

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

LAND_USE_CLASSES = ("forest", "shrubland", "grassland", "cropland", "bare_soil", "bare_rock", "urban", "water")


_SRDB = "SRDB v5 class median (Jian et al. 2021, ESSD 13:255), karstmodel/data/soil_respiration_priors*.csv"
_SOIL = "loamy soils (Saxton & Rawls 2006, SSSAJ 70:1569)"
_HBV = "HBV soil routine (Bergstroem 1992, SMHI RH 4)"


@dataclass(frozen=True)
class LandUseParameters:
    """Parameters of one land-use hydrotope (units in the names). Each field is declared once here (unit, bounds,
    default calibration, source; :mod:`karstmodel.registry`); its per-class default is in the class table
    below (the respiration pair from the SRDB priors)."""

    #: reference soil respiration at 10 C (g C m-2 d-1) and its temperature sensitivity
    r10_gc_m2_d: float = param(MISSING, "g C m-2 d-1", (0.0, 20.0), source=_SRDB)
    q10: float = param(MISSING, "1", (1.0, 6.0), source=_SRDB)
    #: depth of the soil layer that produces CO2 and through which it diffuses (m); 0 = no soil
    soil_depth_m: float = param(MISSING, "m", (0.0, 5.0), source="depth of the CO2-producing layer (assumed)")
    #: e-folding depth of the CO2 production profile as a fraction of soil depth (roots near the surface)
    production_depth_fraction: float = param(MISSING, "1", (0.01, 10.0), source="roots near the surface (assumed)")
    porosity: float = param(MISSING, "m3 m-3", (0.05, 0.8), source="topsoil bulk density ~1.2 g/cm3")
    field_capacity_m3_m3: float = param(MISSING, "m3 m-3", (0.02, 0.7), source=_SOIL)
    wilting_point_m3_m3: float = param(MISSING, "m3 m-3", (0.0, 0.5), source=_SOIL)
    #: plant-available water of the root zone (mm)
    root_zone_storage_mm: float = param(MISSING, "mm", (0.0, 1000.0), scale=(0.5, 2.0),
                                        source="rooting depth (FAO-56, Allen et al. 1998, Table 22) x available "
                                               "water capacity 100-150 mm/m, less on thin karst soils")
    crop_coefficient: float = param(MISSING, "1", (0.0, 1.5),
                                    source="FAO-56 (Allen et al. 1998) Tables 12 and 17")
    interception_capacity_mm: float = param(MISSING, "mm", (0.0, 10.0),
                                            source="Gash 1979, QJRMS 105:43; Breuer et al. 2003, Ecol. Model. "
                                                   "169:237")
    fast_flow_fraction: float = param(MISSING, "1", (0.0, 1.0), scale=(0.0, 2.0),
                                      source="preferential flow past the epikarst (assumed, calibrated)")
    #: HBV recharge shape (Bergstroem 1992) and the relative storage above which AET = PET kc (LP)
    recharge_shape: float = param(2.0, "1", (0.1, 10.0), (1.0, 6.0), source=_HBV + ", eq. 3; usual range 1-6")
    et_threshold_fraction: float = param(0.7, "1", (0.05, 1.0), source=_HBV)
    #: depth of the loosened plough layer (m; 0 = untilled): its higher air-filled porosity vents soil CO2
    #: (karstmodel.processes.soil_co2); mouldboard ploughing 0.2-0.3 m
    tillage_depth_m: float = param(0.0, "m", (0.0, 1.0),
                                   source="plough layer 0.2-0.3 m (mouldboard ploughing); 0 = untilled")
    #: porosity added in the plough layer by tillage at the same water content (m3 m-3)
    tilled_porosity_increase: float = param(0.05, "m3 m-3", (0.0, 0.3),
                                            source="assumed: a freshly tilled layer is looser (Strudley, Green & "
                                                   "Ascough 2008, Soil Tillage Res. 99:4, review); averaged over "
                                                   "seasons the effect is small (Nunes, Karlen & Moorman 2020, "
                                                   "Sustainability 12:2071, 295 US studies)")

    #: carbonate in the soil (g CaCO3 per g of dry soil; 0 = a non-carbonate or decalcified soil): dissolving, it
    #: consumes soil CO2 (karstmodel.processes.soil_co2). Decalcified karst red soils (terra rossa) hold ~0; a
    #: calcic horizon holds >= 0.15 (IUSS Working Group WRB 2015, World Reference Base, Calcisols); rendzic
    #: leptosols and calcareous soils up to ~0.5 and more
    soil_carbonate_fraction: float = param(0.0, "g g-1", (0.0, 1.0),
                                           source="0 = no soil carbonate; calcic horizon >= 0.15 (IUSS Working "
                                                  "Group WRB 2015); calcareous soils up to ~0.5")
    #: diameter of the soil's carbonate grains (mm): their specific surface 6 / (rho d) sets the kinetic rate
    soil_carbonate_grain_mm: float = param(1.0, "mm", (0.001, 100.0),
                                           source="assumed: coarse sand to fine gravel (carbonate fragments in "
                                                  "the fine earth); the uptake of percolating water usually limits "
                                                  "the rate (karstmodel.processes.soil_co2)")

    #: volume of the well-mixed soil-water store through which the water leaving the soil passes under
    #: ``[chemistry] soil_solute_mixing = "fixed"`` (mm over the hydrotope; karstmodel.processes.soil_solutes):
    #: mean solute residence = volume / percolation
    soil_mixing_volume_mm: float = param(100.0, "mm", (0.0, 5000.0),
                                         source="assumed: the plant-available water of ~1 m of soil (available "
                                                "water capacity 100-150 mm/m, FAO-56, Allen et al. 1998); soil-water "
                                                "transit times weeks to months (Sprenger et al. 2016, Rev. Geophys. "
                                                "54:674)")

    #: DOC of the soil water leaving the root zone (mg C/L): with ``[chemistry] organic_acids = "soil_doc"`` its
    #: carboxyl groups are an acid besides carbonic acid (karstmodel.processes.organic_acids); per-class defaults
    #: in :data:`SOIL_WATER_DOC_MG_L`
    soil_water_doc_mg_l: float = param(5.0, "mg C/L", (0.0, 200.0),
                                       source="assumed per class; highest DOC in forest-floor leachates and A "
                                              "horizons (Michalzik et al. 2001, Biogeochemistry 52:173, 42 "
                                              "temperate-forest studies); soil pore water up to ~100 mg/L, "
                                              "groundwater below 2 mg/L (cave percolation waters, AGU 2017 "
                                              "abstract B43F-2186)")

    def with_updates(self, **kwargs) -> "LandUseParameters":
        return replace(self, **kwargs)


#: hydrological and soil defaults (see the module docstring for sources)
_DEFAULTS = {
    #                 soil_depth  prod_frac porosity fc    wp    root_zone kc    intercep fast
    "forest":        (0.60,       0.33,     0.55,    0.32, 0.10, 150.0,    1.00, 2.0,     0.05),
    "shrubland":     (0.40,       0.33,     0.55,    0.30, 0.10, 100.0,    0.90, 1.0,     0.05),
    "grassland":     (0.40,       0.33,     0.55,    0.32, 0.10, 90.0,     0.90, 0.5,     0.10),
    "cropland":      (0.50,       0.33,     0.55,    0.30, 0.10, 110.0,    0.85, 0.5,     0.10),
    "bare_soil":     (0.30,       0.33,     0.48,    0.28, 0.10, 50.0,     0.40, 0.0,     0.20),
    "bare_rock":     (0.05,       0.50,     0.40,    0.20, 0.05, 5.0,      0.20, 0.5,     0.50),
    "urban":         (0.30,       0.33,     0.45,    0.28, 0.10, 20.0,     0.40, 0.3,     0.50),
    "water":         (0.0,        0.33,     0.50,    0.32, 0.10, 0.0,      1.05, 0.0,     0.0),
}


#: soil-water DOC leaving the root zone by class (mg C/L): assumed, ordered forest > shrubland > grassland >
#: cropland as litter input and soil organic carbon usually are, below the ~100 mg/L of soil pore water and above
#: the < 2 mg/L of groundwater (AGU 2017 abstract B43F-2186); no measurement in karst per land use was found to set
#: them (validation/interventions.py, category g, leads)
SOIL_WATER_DOC_MG_L = {"forest": 10.0, "shrubland": 8.0, "grassland": 6.0, "cropland": 4.0, "bare_soil": 2.0,
                       "bare_rock": 1.0, "urban": 2.0, "water": 0.0}


@lru_cache(maxsize=4)
def soil_respiration_priors(climate: str = "all") -> dict:
    """R10 and Q10 medians per class from the shipped SRDB-derived table (``climate`` "all" or "subtropical")."""
    name = "soil_respiration_priors.csv" if climate == "all" else "soil_respiration_priors_subtropical.csv"
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"missing packaged table {path}")
    out = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["land_use"]] = {k: row[k] for k in row}
    return out


@lru_cache(maxsize=4)
def default_parameters(climate: str = "all") -> dict:
    """Default :class:`LandUseParameters` per class; soil respiration from the SRDB priors for ``climate``."""
    if climate not in ("all", "subtropical"):
        raise ValueError(f"soil-respiration prior climate must be 'all' or 'subtropical', got {climate!r}")
    pri = soil_respiration_priors(climate)
    out = {}
    for cls in LAND_USE_CLASSES:
        d, pf, por, fc, wp, rz, kc, ic, fast = _DEFAULTS[cls]
        row = pri.get(cls) or soil_respiration_priors("all")[cls]
        out[cls] = LandUseParameters(r10_gc_m2_d=float(row["r10_gc_m2_d_median"]), q10=float(row["q10_median"]),
                                     soil_depth_m=d, production_depth_fraction=pf, porosity=por,
                                     field_capacity_m3_m3=fc, wilting_point_m3_m3=wp, root_zone_storage_mm=rz,
                                     crop_coefficient=kc, interception_capacity_mm=ic, fast_flow_fraction=fast,
                                     soil_water_doc_mg_l=SOIL_WATER_DOC_MG_L[cls])
    return out


PARAMETER_NAMES = tuple(f.name for f in fields(LandUseParameters))

#: physical bounds used to validate user values (inclusive), from the declarations above
PARAMETER_BOUNDS = bounds_of(LandUseParameters)
