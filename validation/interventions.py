"""Field evidence for land-use interventions in carbonate terrain, and karstmodel's value for the same quantity.

Issue 14, item 2 ("evidence first"): each row of :data:`EVIDENCE` is one number from a primary field (or field-soil)
study, with the unit, the spread the authors report, the site, and the citation with the place in the paper the
number is read from. Only numbers read from the cited text itself are included; where the source gave the number
but its citation could not be completed (authors, journal, volume), the study is listed in :data:`LEADS` instead,
so that it can be checked and promoted later. Nothing here is a model parameter: the rows are references the model
must reproduce (or whose gap must be explained).

Where the model can compute the same quantity today, :data:`MODEL_FUNCTIONS` maps the row id to a function that
runs karstmodel on a small synthetic catchment configured like the field site and returns the model's value in the
row's unit. The synthetic catchment (:func:`site_catchment_run`) is a 10 km2 limestone catchment driven by seeded
synthetic weather (``tests/karst_helpers.synthetic_drivers``: a sine-wave temperature and intermittent exponential
rain) with a subtropical monsoon climate like the Guizhou/Hunan karst of the field sites: mean air temperature
15 C (seasonal amplitude 8 C), about 1,280 mm of rain a year, 1,200 m a.s.l. These climate numbers are a
configuration choice for the comparison, not evidence; the rows compared are ratios or orderings where possible,
which depend less on the exact climate than absolute levels do. The reservoir and lake rows (category e) run the
reach model alone on a karst reservoir fed by karst water (:func:`reservoir_run`, configured by
:data:`RESERVOIR` and :data:`RESERVOIR_INFLOW`; also configuration choices). The absolute soil CO2 rows (B1-B4) run
the same synthetic weather with a Dalongdong-like climate (:data:`DALONGDONG`, cited there; :func:`dalongdong_run`);
the sink-rise rows (D3-D5) take the bundled sitter_appenzell catchment with the contact of its
``allogenic_sinking_stream`` scenario and the matrix-conduit exchange :data:`EVIDENCE_EXCHANGE`
(:func:`sinking_stream_retreat`).

Run ``python validation/interventions.py`` to print the Markdown table "model vs measurement" (validation/README.md,
section "Land-use interventions", explains each gap with numbers).
"""
from __future__ import annotations

import sys
import tempfile
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import chemistry  # noqa: E402
from chemistry.constants import ATM_PA, KELVIN, M_CO2_G_MOL, R_J_MOL_K  # noqa: E402
from karst_helpers import base_doc, synthetic_drivers, write_catchment  # noqa: E402
from karstmodel.config.catchment import load_catchment  # noqa: E402
from karstmodel.model.simulate import initial_state, simulate  # noqa: E402
from karstmodel.model.stages import run_chain  # noqa: E402
from karstmodel.processes.allogenic_contact import (AllogenicContact, contact_reaction,  # noqa: E402
                                                    mean_wall_rate_mmol_cm2_s, wall_retreat_m_d)
from karstmodel.processes.changes import SoilWarming  # noqa: E402
from karstmodel.processes.conduit_exchange import (allogenic_share, contact_with_exchange, exchanges,  # noqa: E402
                                                   matrix_inflow_mm, outflow_water)
from karstmodel.processes.dissolution import IDX, equilibrium_table  # noqa: E402
from karstmodel.processes.mass_transfer import channel_mass_transfer_m_s, mixed_rate_mmol_cm2_s  # noqa: E402
from karstmodel.processes.reaches import ReachParameters, simulate_reaches  # noqa: E402
from karstmodel.processes.soil_co2 import pressure_atm  # noqa: E402

CATEGORIES = {
    "a": "rock-tablet burial under different land uses",
    "b": "soil-air CO2 by land use and depth",
    "c": "irrigation, warming and soil-amendment experiments on carbonate soils",
    "d": "sinking streams and allogenic recharge",
    "e": "karst reservoirs and lakes: HCO3- use and autochthonous organic-carbon burial",
    "f": "land-use effect on the karst carbon sink at plot or catchment scale",
    "g": "organic acids: soil-water DOC and its charge, organic-acid weathering of carbonate, DOC removal before "
         "the spring",
}

#: every unit used by a row (the tests check that each row uses one of these)
UNITS = ("mg m-3", "1", "%", "d", "mg cm-2 d-1", "g C m-2 yr-1", "Pg C yr-1", "m d-1", "mm yr-1")


@dataclass(frozen=True)
class Evidence:
    """One measured number. ``kind`` is ``"value"`` (a measurement, with the spread ``low``..``high``) or
    ``"lower_bound"`` (the source reports only that the quantity exceeds ``value``, e.g. an ordering: ratio > 1).
    ``spread`` says where ``low``..``high`` comes from: ``"reported"`` (the source's range, SD or the spread
    between its replicates), ``"assumed"`` (the source reports none; the band is set here and says so in
    ``uncertainty``), ``"sampling"`` (the source gives a share of n samples; the band is its binomial interval,
    computed here) or ``"none"`` (no band; used with ``lower_bound`` and for rows not compared)."""

    id: str
    category: str
    intervention: str
    quantity: str
    unit: str
    value: float
    kind: str
    low: float | None
    high: float | None
    uncertainty: str
    spread: str
    site: str
    climate: str
    lithology: str
    citation: str
    where: str
    note: str = ""


@dataclass(frozen=True)
class Lead:
    """A study whose number was seen in its abstract but whose citation could not be completed here."""

    category: str
    title: str
    found_at: str
    numbers: str
    missing: str


#: relative band used where a source reports no uncertainty and the row is compared with the model (an assumption
#: of this comparison, flagged ``spread="assumed"`` on the row; not a property of the measurement)
ASSUMED_REL_BAND = 0.25


def _clopper_pearson_pct(k: int, n: int, level: float = 0.95) -> tuple:
    """Exact binomial interval (%) of k successes in n trials (Clopper & Pearson 1934, Biometrika 26:404, eqs. via
    the beta distribution)."""
    from scipy.stats import beta

    a = (1.0 - level) / 2.0
    low = beta.ppf(a, k, n - k + 1) if k > 0 else 0.0
    high = beta.ppf(1.0 - a, k + 1, n - k) if k < n else 1.0
    return 100.0 * float(low), 100.0 * float(high)


#: D3: 30 % of 16 sampling times is 5 of them (4.8); its 95 % interval
D3_BAND = _clopper_pearson_pct(5, 16)

_SCHINDLBACHER2019 = ("Schindlbacher A., Beck K., Holzheu S., Borken W. (2019) Inorganic carbon leaching from a warmed "
                      "and irrigated carbonate forest soil. Frontiers in Forests and Global Change 2, 40, "
                      "doi:10.3389/ffgc.2019.00040")
_SCH_SITE = "field lysimeters: Rendzic Leptosol A horizon over detrital dolomite (site named in the paper)"

_MOORE2010 = ("Moore P.J., Martin J.B., Screaton E.J., Neuhoff P.S. (2010) Conduit enlargement in an eogenetic karst "
              "aquifer. Journal of Hydrology 393, 143-155 (title, authors and numbers read from the indexed "
              "abstract; year, journal, volume and pages recalled, not checked against the paper)")

_LAN2017 = ("Lan F., Wang W., Wu H., Jiang Z., Qin X., An S. (2017) Temporal and spatial distributions of CO2 in "
            "soil and their influencing factors under different LUCC: a case study of the Dalongdong underground "
            "river drainage area. Carsologica Sinica 36(4), doi:10.11932/karst20170401 (page numbers not verified)")
_LAN_SITE = "Dalongdong underground-river drainage area, western Hunan, China"
_SUBTROP = "subtropical monsoon"

EVIDENCE: tuple[Evidence, ...] = (
    # (a) rock tablets
    Evidence(
        "A1", "a", "none (synthesis of rock-tablet tests under all land covers)",
        "global carbon sink of carbonate-mineral weathering upscaled from 2,444 in-situ rock-tablet rates",
        "Pg C yr-1", 0.27, "value", None, None, "not given in the abstract", "none",
        "global (2,444 tablet measurements)", "all", "carbonate",
        "Tang W., Krklec K., Huang Y., Regnier P., Li Y., Zhang D., Du J., Gao Q., Yan J., Yuan W., Tang G., "
        "Zhang H. (2026) Resolving the carbon sink from global carbonate weathering and its environmental controls "
        "using a global synthesis of rock tablet data and machine learning. Environmental Research Letters "
        "21(11), 114009, doi:10.1088/1748-9326/ae7133",
        "Abstract",
        "A synthesis, not a single site; listed because it is the largest tablet data set and finds soil pH and "
        "moisture more important than climate or vegetation for the tablet rates."),
    # (b) soil-air CO2 by land use
    Evidence(
        "B1", "b", "land use: grassland", "annual mean soil-air CO2, 10-50 cm, one year of monthly profiles",
        "mg m-3", 7527.0, "value", 7527.0 * (1 - ASSUMED_REL_BAND), 7527.0 * (1 + ASSUMED_REL_BAND),
        "no SD or n in the abstract; +-25 % band assumed here", "assumed",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract"),
    Evidence(
        "B2", "b", "land use: forest", "annual mean soil-air CO2, 10-50 cm, one year of monthly profiles",
        "mg m-3", 7197.0, "value", 7197.0 * (1 - ASSUMED_REL_BAND), 7197.0 * (1 + ASSUMED_REL_BAND),
        "no SD or n in the abstract; +-25 % band assumed here", "assumed",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract"),
    Evidence(
        "B3", "b", "land use: cropland (tobacco)", "annual mean soil-air CO2, 10-50 cm, one year of monthly profiles",
        "mg m-3", 4562.0, "value", 4562.0 * (1 - ASSUMED_REL_BAND), 4562.0 * (1 + ASSUMED_REL_BAND),
        "no SD or n in the abstract; +-25 % band assumed here", "assumed",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract"),
    Evidence(
        "B4", "b", "land use: cropland (maize)", "annual mean soil-air CO2, 10-50 cm, one year of monthly profiles",
        "mg m-3", 4414.0, "value", 4414.0 * (1 - ASSUMED_REL_BAND), 4414.0 * (1 + ASSUMED_REL_BAND),
        "no SD or n in the abstract; +-25 % band assumed here", "assumed",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract"),
    Evidence(
        "B5", "b", "cropland -> forest", "soil-air CO2 ratio forest / cropland (from B2 over B3 and B4)",
        "1", 7197.0 / ((4562.0 + 4414.0) / 2.0), "value", 7197.0 / 4562.0, 7197.0 / 4414.0,
        "spread = the two crops (tobacco, maize); no SD reported", "reported",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract (ratio derived here)",
        "Same site, same depths, same year: the ratio removes most of the climate dependence."),
    Evidence(
        "B6", "b", "cropland -> grassland", "soil-air CO2 ratio grassland / cropland (from B1 over B3 and B4)",
        "1", 7527.0 / ((4562.0 + 4414.0) / 2.0), "value", 7527.0 / 4562.0, 7527.0 / 4414.0,
        "spread = the two crops (tobacco, maize); no SD reported", "reported",
        _LAN_SITE, _SUBTROP, "carbonate (karst underground-river basin)", _LAN2017, "Abstract (ratio derived here)"),
    Evidence(
        "B7", "b", "soil on carbonate vs non-carbonate bedrock",
        "decrease of deep-soil CO2 below a diffusion-model profile, attributed to carbonate corrosion "
        "(carbonate areas)", "%", 36.0, "value", 5.2, 66.3, "range over profiles (21 profiles measured in all)", "reported",
        "Zhaotong City, Yunnan, China", "subtropical plateau", "carbonate and non-carbonate areas",
        "Chen Q. (2019) Characteristics of soil profile CO2 concentrations in karst areas and their significance "
        "for global carbon cycles and climate change. Earth System Dynamics 10, 525-, doi:10.5194/esd-10-525-2019 "
        "(last page not verified)",
        "Abstract"),
    # (c) irrigation, warming, soil amendment
    Evidence(
        "C1", "c", "organic amendment of karst soils (bush and corn-field soils)",
        "lag of the Ca2+/HCO3- release behind the enhanced soil CO2 production after organic amendment",
        "d", 15.0, "lower_bound", None, None, "'15 days or longer'", "none",
        "Guizhou karst soils (leaching simulation with field soils)", _SUBTROP, "limestone",
        "Zhou Y., Pan G., Zhang P., Xiong Z., Ran J. (2002) Study on the effect of limestone dissolution and carbon "
        "transfer in karst system affected by organic amendment. Carsologica Sinica 21(3), "
        "doi:10.3969/j.issn.1001-4810.2002.03.001 (page numbers not verified)",
        "Abstract",
        "A soil-column experiment with field soils, not an in-situ plot."),
    Evidence(
        "C2", "c", "irrigation (+50 % precipitation)", "change of annual DIC leaching from the soil",
        "%", 100.0, "value", 100.0 * (1 - ASSUMED_REL_BAND), 100.0 * (1 + ASSUMED_REL_BAND),
        "'almost 100 %' (significant); no SD in the abstract; +-25 % band assumed here", "assumed",
        _SCH_SITE, "temperate (forest)", "dolomite", _SCHINDLBACHER2019, "Abstract",
        "The authors attribute the increase to higher seepage DIC concentrations and higher drainage."),
    Evidence(
        "C3", "c", "soil warming (+4 C)", "change of annual DIC leaching from the soil",
        "%", 0.0, "value", -100.0 * ASSUMED_REL_BAND, 100.0 * ASSUMED_REL_BAND,
        "'no effect' (not significant); band +-25 percentage points assumed here", "assumed",
        _SCH_SITE, "temperate (forest)", "dolomite", _SCHINDLBACHER2019, "Abstract"),
    Evidence(
        "C4", "c", "soil warming (+4 C)", "change of the soil CO2 efflux",
        "%", 50.0, "lower_bound", None, None, "'> 50 %', independent of irrigation", "none",
        _SCH_SITE, "temperate (forest)", "dolomite", _SCHINDLBACHER2019, "Abstract"),
    Evidence(
        "C5", "c", "soil warming (+4 C)", "change of soil-air CO2 concentration",
        "%", 0.0, "value", -100.0 * ASSUMED_REL_BAND, 100.0 * ASSUMED_REL_BAND,
        "'not affected by soil warming alone'; band +-25 percentage points assumed here", "assumed",
        _SCH_SITE, "temperate (forest)", "dolomite", _SCHINDLBACHER2019, "Abstract"),
    # (d) allogenic water
    Evidence(
        "D1", "d", "allogenic (exogenous) and karst waters of one basin",
        "rate of carbonate-tablet dissolution in surface and ground waters, mean over sites and seasons",
        "mg cm-2 d-1", 0.068, "value", -0.023, 0.258, "range over sites and seasons", "reported",
        "Maocun basin, Guilin, Guangxi, China (Xiaolongbei, Bianyan, Beidiping)", _SUBTROP,
        "limestone with a clastic (allogenic) upper basin",
        "Mo C., Xin S., Huang F., Cao J., Xiao J. (2023) Characteristics of dissolution changes in carbonate rocks "
        "and their influencing factors in the Maocun Basin, Guilin, China. Water 15(18), 3285",
        "Abstract"),
    Evidence(
        "D2", "d", "allogenic (exogenous) water vs autogenic karst water",
        "ratio of tablet dissolution rate in exogenous water (Xiaolongbei) to karst water (Beidiping)",
        "1", 1.0, "lower_bound", None, None, "ordering only: exogenous > mixed > karst water", "none",
        "Maocun basin, Guilin, Guangxi, China", _SUBTROP, "limestone with a clastic (allogenic) upper basin",
        "Mo C., Xin S., Huang F., Cao J., Xiao J. (2023) Characteristics of dissolution changes in carbonate rocks "
        "and their influencing factors in the Maocun Basin, Guilin, China. Water 15(18), 3285",
        "Abstract"),
    Evidence(
        "D3", "d", "allogenic recharge through a sink-rise conduit",
        "share of sampling times at which the conduit water dissolved the wall (inverse PHREEQC models)",
        "%", 30.0, "value", *D3_BAND, "n = 16 sampling times, 2003-03..2007-04; 95 % binomial interval of 5 in 16 "
        "(Clopper & Pearson 1934), computed here", "sampling",
        "Santa Fe River Sink-Rise, north-central Florida, USA", "humid subtropical", "eogenetic Upper Floridan "
        "limestone", _MOORE2010, "Abstract",
        "During low flow saturated matrix water flows into the conduit and keeps the allogenic water off the wall; "
        "dissolution happens when high flow reverses the gradient."),
    Evidence(
        "D4", "d", "allogenic recharge through a sink-rise conduit",
        "conduit wall retreat, time-averaged (dissolution periods only: about 4e-6 m/d)",
        "m d-1", 7e-7, "value", 7e-7 * (1 - ASSUMED_REL_BAND), 7e-7 * (1 + ASSUMED_REL_BAND),
        "'about'; no spread in the abstract; +-25 % band assumed here", "assumed",
        "Santa Fe River Sink-Rise, north-central Florida, USA", "humid subtropical", "eogenetic Upper Floridan "
        "limestone", _MOORE2010, "Abstract"),
    Evidence(
        "D5", "d", "allogenic streams entering carbonate rock",
        "typical mean-annual dissolutional wall retreat in caves fed by allogenic streams",
        "mm yr-1", 0.1, "value", 0.1 * (1 - ASSUMED_REL_BAND), 0.1 * (1 + ASSUMED_REL_BAND),
        "'typically about 0.01 cm/yr' (a synthesis of field cases); +-25 % band assumed here", "assumed",
        "caves fed by allogenic streams (synthesis, mainly USA)", "various", "limestone",
        "Palmer A.N. (2001) Dynamics of cave development by allogenic water. Acta Carsologica 30(2), 13-32",
        "Abstract"),
    # (e) karst reservoirs and lakes: HCO3- use and autochthonous organic-carbon burial
    Evidence(
        "E1", "e", "organic carbon settling in a lake dominated by autochthonous (algal) organic matter",
        "organic-carbon burial efficiency of lake sediment (buried / deposited OC)",
        "%", 25.5, "value", 10.0, 41.0,
        "range over four sites and three ways of computing the deposition (10-41 %); value = the middle of the range",
        "reported",
        "Lake Kinneret, Israel (four sites, autochthonous OC source)", "semi-arid Mediterranean",
        "carbonate-rich catchment (Jordan river)",
        "Sobek S., Zurbruegg R., Ostrovsky I. (2011) The burial efficiency of organic carbon in the sediments of "
        "Lake Kinneret. Aquatic Sciences 73(3), 355-364, doi:10.1007/s00027-011-0183-x",
        "Abstract",
        "Differences between sites were small: the OC source mattered more than oxygen exposure or mineral particles. "
        "Not a karst lake, but the burial efficiency of autochthonous OC is what the model's lake parameters set."),
    Evidence(
        "E2", "e", "lake sediments under different organic-matter sources and oxygen exposure",
        "organic-carbon burial efficiency of lake sediment, mean of 27 sediments in 11 lakes",
        "%", 48.0, "value", 48.0 * (1 - ASSUMED_REL_BAND), 48.0 * (1 + ASSUMED_REL_BAND),
        "mean only in the abstract; allochthonous-rich sediments mean 67 %; +-25 % band assumed here", "assumed",
        "11 lakes (27 sediments), mainly Switzerland", "temperate", "various",
        "Sobek S., Durisch-Kaiser E., Zurbruegg R., Wongfun N., Wessels M., Pasche N., Wehrli B. (2009) Organic "
        "carbon burial efficiency in lake sediments controlled by oxygen exposure time and sediment source. "
        "Limnology and Oceanography 54(6), 2243-2254, doi:10.4319/lo.2009.54.6.2243",
        "Abstract",
        "Burial efficiency is strongly and negatively related to the oxygen exposure time of the sediment: the "
        "basis of the model's oxic/anoxic burial efficiencies."),
    Evidence(
        "E3", "e", "none (a deep karst lake with its present trophic state)",
        "net ecosystem production of a karst lake (diel monitoring): net autotrophic",
        "g C m-2 yr-1", 0.0, "lower_bound", None, None, "ordering only: NEP > 0 (net autotrophic) in the abstract",
        "none",
        "Fuxian Lake, Yunnan-Guizhou Plateau, China", _SUBTROP + " (plateau, 1,720 m)", "carbonate (karst lake)",
        "He H., Wang Y., Liu Z., Bao Q., Wei Y., Chen C., Sun H. (2022) Lake metabolic processes and their effects "
        "on the carbonate weathering CO2 sink: insights from diel variations in the hydrochemistry of a typical "
        "karst lake in SW China. Water Research, 118907, doi:10.1016/j.watres.2022.118907",
        "Abstract (the sink magnitude is cut off in the indexed abstract and is not quoted)",
        "A karst lake fed by DIC-rich water fixes more carbon than it respires (DIC fertilisation); the model's "
        "reservoir has no allochthonous OC, so this ordering is a weak test: it fails only if the lake's respiration "
        "of stored OC exceeded its production over the year."),
    Evidence(
        "E4", "e", "none (lakes and reservoirs worldwide)",
        "ratio of organic-carbon burial to carbon emission of lakes and reservoirs",
        "1", 0.20, "value", 0.20 * (1 - ASSUMED_REL_BAND), 0.20 * (1 + ASSUMED_REL_BAND),
        "'~20 %' in the abstract; +-25 % band assumed here", "assumed",
        "global lakes and reservoirs (403 burial measurements upscaled)", "all", "all",
        "Mendonca R., et al. (2017) Organic carbon burial in global lakes and reservoirs. Nature Communications "
        "8, 1694, doi:10.1038/s41467-017-01789-6",
        "Abstract (0.15 Pg C yr-1 burial, range 0.06-0.25, ~40 % in reservoirs; burial ~20 % of C emissions)",
        "A global ratio, not a karst one: a reservoir fed by CO2-supersaturated karst water emits more per unit of "
        "buried OC."),
    # (f) land use and the catchment sink
    Evidence(
        "F1", "f", "present land use of a small karst spring catchment (baseline)",
        "karst carbon sink of the Chenqi spring catchment (DIC flux from LOADEST, halved)",
        "g C m-2 yr-1", 3.40, "value", 2.85, 4.05, "95 % confidence interval of the LOADEST estimate", "reported",
        "Chenqi karst spring, Puding, Guizhou, China", _SUBTROP, "limestone and dolomite",
        "Xiong B., Zhang J., Peng T., Hao Z., Gao Y. (2018) Concentration variations and flux estimation of "
        "dissolved carbon in karst spring of a typical karst area. Environmental Science (Huanjing Kexue) 39(11), "
        "4991-4998",
        "Abstract (DIC 16.47-42.31 mg/L; DIC flux 9490.01 kg/yr, 95 % CI 7972.33-11293.58; DOC flux 1704.87 kg/yr; "
        "sink 3.40 g m-2 a-1, 95 % CI 2.85-4.05)",
        "The abstract gives the sink as 3.40 g/(m2 a) of carbon; half the DIC flux (4745 kg C/yr) over 3.40 g m-2 "
        "implies a 1.40 km2 catchment, consistent with a carbon (not CO2) basis. DIC decreases exponentially with "
        "the instantaneous runoff."),
    Evidence(
        "F2", "f", "forest vs cropland over carbonate springs",
        "ratio of spring HCO3- under forest (Baishuwan) to spring HCO3- under cropland (Hougou), dry season",
        "1", 1.0, "lower_bound", None, None, "ordering only: forest > grass+crop > crop; dry season 2013-11..2014-05", "none",
        "Baishuwan, Lanhuagou and Hougou springs, Chongqing, China", _SUBTROP, "carbonate",
        "Zhao R., Liang Z., Wang Z., Yu Z., Jiang Z. (2015) Difference of karst carbon sink under different land use "
        "and land cover areas in dry season. Environmental Science (Huanjing Kexue) 36(5), 1598-1604",
        "Abstract",
        "The authors attribute the cropland springs' HCO3- mainly to sulfuric and nitric acid weathering "
        "((Ca+Mg)/HCO3- >> 0.5), so the carbonic-acid contrast is larger than the HCO3- contrast."),
)

LEADS: tuple[Lead, ...] = (
    Lead("e", "Wang S., Yeager K.M., Wan G., Liu C.-Q., Wang Y., Lue Y. (2011) Carbon export and HCO3- fate in "
              "carbonate catchments: a case study in the karst plateau of southwestern China (Hongfeng Lake; "
              "Applied Geochemistry)",
         "abstracts at scholars.uky.edu and aquila.usm.edu",
         "of the exported HCO3- (excluding carbonate-derived C), 32 % returns to the atmosphere through the river "
         "and lake surfaces and 10 % is stored in the lake sediment; lake CO2 evasion 13.2 +- 3.9 mmol m-2 d-1",
         "volume and pages (not in the abstracts)"),
    Lead("e", "A lake in a karst catchment: CO2 evasion and OC burial (title: 'Importance of considered organic "
              "versus inorganic source of carbon to lakes for calculating net effect on landscape C budgets')",
         "abstract at discovery.researcher.life",
         "CO2 evasion 1.0 +- 0.2 and OC burial 0.9 +- 0.2 g C m-2 yr-1 (burial / evasion 0.9)",
         "authors, journal, volume, the lake's name"),
    Lead("e", "Tianchi Lake (Huaying Mountain, Sichuan): NEP under DIC fertilisation from high-frequency monitoring",
         "abstract at researchtracker.win (PubMed 42210481)",
         "annual NEP 9.15 g C m-2 yr-1; summer +53.86, spring -6.74, autumn -36.95, winter -4.02 g C m-2",
         "authors, journal, volume"),
    Lead("f", "Zeng Q., Liu Z. et al. (2017) Carbonate weathering-related carbon sink fluxes under different land "
              "uses: a case study from the Shawan Simulation Test Site, Puding (Chemical Geology)",
         "not found in the searchable corpus",
         "the sink by land use (bare rock, bare soil, cropland, grassland, shrubland) is the essential row; the "
         "values were not available to read here and are not quoted from memory",
         "the numbers and their table; the volume/pages"),
    Lead("e", "Influence of the biological carbon pump effect on the sources and deposition of organic matter in "
              "Fuxian Lake, a deep oligotrophic lake in southwest China",
         "abstract at discovery.researcher.life",
         "AOC 30-100 % of sediment-trap OC (C/N); AOC flux 20.43 t C km-2 in 2017",
         "authors, journal, volume, pages"),
    Lead("e", "The ballast effect controls the settling of autochthonous organic carbon in three subtropical karst "
              "reservoirs (Hongfenghu, Pingzhai, Puding)",
         "abstract at discovery.researcher.life",
         "30-60 % of settling OC autochthonous; OCauto settling 47-119 g C m-2 yr-1, burial 10-26 g C m-2 yr-1 "
         "(if ~80 % is remineralised)", "authors, journal, volume, pages"),
    Lead("e", "Contribution of microalgae to carbon sequestration in a natural karst wetland aquatic ecosystem: an "
              "in-situ mesocosm study (Huixian karst wetland, Guilin)",
         "abstract at discovery.researcher.life",
         "28.7 % of the bicarbonate fed by the karst underground river fixed as organic carbon by microalgae; "
         "4207.5 t C/a for the wetland", "authors, journal, volume, pages"),
    Lead("a", "Dissolution of limestone and dolomite tablets under farm manure, Guiyang (soil-profile burial)",
         "abstract at 219.142.81.70/article/id/20090621",
         "manure lowers limestone tablet dissolution by 11.7-116.9 % (mean 34.2 %), dolomite by 25.0-65.69 % "
         "(mean 39.45 %); soil CO2 +22.52-198.87 % (mean 93.94 %)", "authors, journal, volume, pages"),
    Lead("a", "Rock tablets of local limestone and dolomite buried under secondary forest, shrub, grassland, dry "
              "land and paddy field, Puding, four hydrological years",
         "abstract at cgsjournals.com, doi:10.11932/karst20220314 (Carsologica Sinica 2022)",
         "the abstract gives no numbers", "the rates per land use (tables of the paper)"),
    Lead("a", "Lan J., Fu W., Peng J., Zhou X., Xiao S., Yuan B. (2013) Subsoil karst dissolution rates under "
              "different land uses, Zhongliang Mountain, Chongqing (Acta Ecologica Sinica 2013, issue 10)",
         "page at fx361.cc", "the excerpt gives no rates", "the rates per land use; the volume/pages"),
    Lead("a", "Yu S., Wang A., Yang H., Yan Y., Zhang C. (2012) acid rain and carbonate rock, Guilin and Liuzhou. "
              "Earth and Environment 40(1), 44-49",
         "abstract at english.gyig.cas.cn",
         "tablet-based carbon sink 273.891e5 and 43.660e5 g a-1 km-2 (Guilin, Liuzhou)",
         "whether the mass is C or CO2 (not stated in the abstract), so not used"),
    Lead("d", "Covington M.D., Prelovsek M., Gabrovsek F. (2013) Influence of CO2 dynamics on the longitudinal "
              "variation of incision rates in soluble bedrock channels: feedback mechanisms. Geomorphology 186, "
              "85-95", "paper at c.coek.info",
         "tablet dissolution rates along a cave stream decrease systematically downstream (CO2 loss)",
         "the rates themselves (the abstract gives none)"),
    Lead("d", "Changes in streams between swallets and inlets in the cave at St. Cuthbert's Swallet, Priddy, "
              "Somerset. Proceedings of the University of Bristol Spelaeological Society 22(2), 183-202 (2001)",
         "abstract at ubss.org.uk",
         "limestone dissolves between swallet and cave inlet; the rate of solution rises with stream size",
         "author; the numbers (not in the abstract)"),
    Lead("d", "Stream CO2 degassing below the Changliushui epikarst spring, Guilin (Rock and Mineral Analysis, "
              "doi:10.15898/j.cnki.11-2131/td.202107310088)",
         "abstract at cgsjournals.com",
         "over 270 m of steep stream: DIC -0.7 mmol/L, Ca -0.2 mmol/L, pCO2 -85 %; degassing offsets 29 % of the "
         "karst sink", "authors, volume, pages"),
    # (g) organic acids ([chemistry] organic_acids, karstmodel.processes.organic_acids): no study read here reports
    # the share of carbonate weathering (or of spring Ca) due to organic acids in carbonate terrain, so there is no
    # row to compare the model with; what was found sets or bounds the parameters
    Lead("g", "Estimation of organic acid anion concentrations and evaluation of charge balance in atmospherically "
              "acidified colored waters (Bohemian Forest streams; Water Research 2000, "
              "doi:10.1016/S0043-1354(00)00109-3)",
         "abstract at mysciencework.com",
         "total carboxyl groups of natural fulvic and humic acids 10 ueq per mg DOC (the value taken); ionizable "
         "(not Al/Fe-complexed) 6.2 +- 0.8 ueq/mg in the streams; organic anion 2-146 ueq/L. The model's default "
         "doc_charge_ueq_mg_c is 10; 6.2 would lower its organic-acid load by 38 %",
         "authors, volume, pages (not on the page read); a silicate (acidified) catchment, not carbonate terrain"),
    Lead("g", "Groundwater-surface water interaction, dissolved organic carbon oxidation and dissolution in carbonate "
              "aquifers (Floridan aquifer, a sink-rise system and a reversing spring)",
         "abstract at par.nsf.gov/biblio/10498826",
         "DOC losses vs Ca gains: slope -0.9 (r2 0.99) at the reversing spring (months of storage) and -0.4 "
         "(r2 0.72) at the sink-rise system (days); Ca gains vs DIC gains after removing the calcite carbon: slopes "
         "1.3 and 1.61. DOC oxidised to CO2 in the aquifer drives dissolution as carbonic acid; not modelled "
         "(the model's removed anion is sorbed and adds no carbon)",
         "authors, journal, volume, pages"),
    Lead("g", "Dissolved organic matter in the unsaturated zone: the view from the cave (SE Australian caves; AGU "
              "Fall Meeting 2017, abstract B43F-2186)",
         "abstract at ui.adsabs.harvard.edu",
         "soil pore water DOM up to 100 ppm, groundwater DOM typically below 2 ppm; biodegradation and sorption "
         "both remove it and their relative importance is 'poorly understood'. Sets the default "
         "organic_anion_removal (0.9)",
         "authors; an abstract, not a paper"),
    Lead("g", "Krzyszowska A.J., Blaylock M.J., Vance G.F., David M.B. (1996) Ion-chromatographic analysis of low "
              "molecular weight organic acids in spodosol forest floor solutions. Soil Sci. Soc. Am. J. (issue 5), "
              "1565-1571",
         "abstract at experts.illinois.edu",
         "forest-floor solutions: mean 10 uM acetic, 0.7 uM formic, 3.3 uM oxalic acid (~17 ueq/L if dissociated); "
         "acetic acid at most 2.0 % of the DOC. Low-molecular-weight acids are a small part of the organic charge "
         "next to the DOC's carboxyl groups (10 mg C/L x 10 ueq/mg = 100 ueq/L)",
         "the volume (60 by the year, not on the page read); a Spodosol, not carbonate terrain"),
    Lead("g", "Sokolova T.A. (2020) Low-molecular-weight organic acids in soils: sources, composition, "
              "concentrations, and functions: a review. Eurasian Soil Science 53(5), 580-594",
         "abstract at doi.org/10.1134/S1064229320050154",
         "LMWOA in root exudates and microbial metabolites several to tens of mmol/L, in soil solutions one to two "
         "orders of magnitude lower (sorption, biodegradation, dilution); lifespan hours in the upper horizons",
         "a review, not a primary measurement; no carbonate-terrain number"),
)



# ---------------------------------------------------------------------------------------------------------------
# model side

#: synthetic weather and location of the comparison catchments (configuration choices, see the module docstring):
#: "subtropical" like the Guizhou/Hunan sites, "temperate" the test-suite default (about 1,150 mm, 9 C, 500 m)
CLIMATES = {
    "subtropical": ({"t_mean": 15.0, "t_amp": 8.0, "wet_share": 0.5, "wet_mean_mm": 7.0},
                    {"latitude": 26.3, "longitude": 105.8, "elevation_m": 1200.0}),
    "temperate": ({"t_mean": 9.0, "t_amp": 9.0, "wet_share": 0.45, "wet_mean_mm": 7.0},
                  {"latitude": 47.0, "longitude": 14.0, "elevation_m": 500.0}),
}
SITE_YEARS = 4  # the first is the spin-up (base_doc: warmup_days = 365)

#: the land-use mix of the subtropical comparison catchment (each class its own hydrotope)
MIXED_LAND_USE = (("forest", 0.2), ("shrubland", 0.2), ("grassland", 0.2), ("cropland", 0.2),
                  ("bare_soil", 0.1), ("bare_rock", 0.1))
LIMESTONE = (("limestone", 1.0), ("dolomite", 0.0), ("non_carbonate", 0.0))
DOLOMITE = (("limestone", 0.0), ("dolomite", 1.0), ("non_carbonate", 0.0))


@lru_cache(maxsize=None)
def site_run(land_use: tuple = MIXED_LAND_USE, climate: str = "subtropical", lithology: tuple = LIMESTONE,
             precip_factor: float = 1.0, temp_delta_c: float = 0.0, soil_warming_c: float = 0.0):
    """Simulate a 10 km2 synthetic catchment (one hydrotope per land-use class) under seeded synthetic weather,
    optionally with the precipitation scaled, the air temperature shifted (``temp_delta_c``: a whole-climate
    shift, which also changes PET and snow) or the soil alone warmed (``soil_warming_c``: soil CO2 production,
    diffusion and soil-water chemistry, not air, PET or snow, as buried heating cables do;
    :class:`karstmodel.processes.changes.SoilWarming` from the first day). Cached per argument set."""
    weather, location = CLIMATES[climate]
    drivers = synthetic_drivers(days=SITE_YEARS * 365, **weather)
    drivers["precip_mm"] = drivers["precip_mm"] * precip_factor
    drivers["temp_c"] = drivers["temp_c"] + temp_delta_c
    doc = base_doc(land_use=dict(land_use), location=location, lithology=dict(lithology))
    with tempfile.TemporaryDirectory() as td:
        catchment = load_catchment(write_catchment(Path(td), doc, drivers))
        if soil_warming_c:
            start = str(drivers["date"].iloc[0])
            catchment = replace(catchment, changes=(SoilWarming(soil_warming_c, start, 0.0),))
        return simulate(catchment)


def model_soil_pco2_ppm(land_use: str, column: str = "soil_pco2_10_50cm_ppm") -> float:
    """Mean soil-air pCO2 (ppm) of one hydrotope of the mixed catchment: by default the mean over 10-50 cm (the
    depths the field profiles of Lan et al. 2017 cover; within a shallower soil down to its base), from the
    production-diffusion profile; ``"soil_pco2_ppm"`` at the base of the soil (what recharge meets)."""
    return float(site_run().hydrotope_series[land_use][column].mean())


def model_b5() -> float:
    """Soil pCO2 ratio forest / cropland (same weather, same catchment)."""
    return model_soil_pco2_ppm("forest") / model_soil_pco2_ppm("cropland")


def model_b6() -> float:
    """Soil pCO2 ratio grassland / cropland."""
    return model_soil_pco2_ppm("grassland") / model_soil_pco2_ppm("cropland")


# (b) absolute soil-air CO2 at Dalongdong (B1-B4): the same 10-50 cm layer mean as B5/B6, under a Dalongdong-like
# climate (configuration choices with their sources; the abstract gives neither the site's climate nor elevation)

#: synthetic Dalongdong weather: western Hunan, subtropical monsoon. Hunan: annual mean 16-18 C, precipitation
#: 1,200-1,700 mm, 68-84 % of it from April to October ("Hunan ABC: Climate", China Daily / rednet.com.cn,
#: 2004-05-27); the western hills are the cool end, so 16 C; 1,450 mm (the middle) with 76 % in April-October
#: (the middle), peaking at the end of May (Hunan's rain is "concentrated mainly in April, May and June", same
#: source); seasonal half-range 12 C, that of the monthly means at Changde, north-west Hunan (January 5.2, July
#: 29.1 C; China Meteorological Administration normals 1971-2000). Elevation 500 m (assumed: the western Hunan
#: karst plateau; not in the abstract), 28.0 N 109.6 E (western Hunan, approximate).
DALONGDONG = {"t_mean": 16.0, "t_amp": 12.0, "precip_mm_yr": 1450.0, "apr_oct_share": 0.76, "rain_peak_doy": 150,
              "latitude": 28.0, "longitude": 109.6, "elevation_m": 500.0}
#: one hydrotope per land use of the field study (tobacco and maize are both the model's cropland class)
DALONGDONG_LAND_USE = (("forest", 1.0 / 3.0), ("grassland", 1.0 / 3.0), ("cropland", 1.0 / 3.0))


def seasonal_rain_weights(doy, share: float, peak_doy: float, first_doy: int = 91, last_doy: int = 304):
    """Daily rain weights 1 + a cos(2 pi (doy - peak) / 365), with a chosen so that ``share`` of a year's rain
    falls on days ``first_doy`` .. ``last_doy`` (1 April .. 31 October of a 365-day year); the weights average 1
    over a year, so rescaling rain by them keeps the annual total."""
    year = np.arange(1, 366, dtype=float)
    c = np.cos(2.0 * np.pi * (year - peak_doy) / 365.0)
    inside = (year >= first_doy) & (year <= last_doy)
    # share = (n_in + a sum_in c) / (365 + a sum_all c), solved for a
    a = (share * 365.0 - inside.sum()) / (c[inside].sum() - share * c.sum())
    if not abs(a) < 1.0:
        raise ValueError(f"a wet-season share of {share} needs negative rain weights (a = {a:.2f})")
    return 1.0 + a * np.cos(2.0 * np.pi * (np.asarray(doy, dtype=float) - peak_doy) / 365.0)


def dalongdong_drivers(site: dict = DALONGDONG, years: int = SITE_YEARS) -> pd.DataFrame:
    """Daily drivers with the Dalongdong climate (:data:`DALONGDONG`): the seeded synthetic weather of the other
    rows (sine-wave temperature, intermittent exponential rain) with the site's temperature, and the rain
    reweighted by :func:`seasonal_rain_weights` and rescaled to the site's annual total."""
    days = years * 365
    d = synthetic_drivers(days=days, t_mean=site["t_mean"], t_amp=site["t_amp"], wet_share=0.5, wet_mean_mm=7.0)
    doy = pd.to_datetime(d["date"]).dt.day_of_year.to_numpy()
    rain = d["precip_mm"].to_numpy() * seasonal_rain_weights(doy, site["apr_oct_share"], site["rain_peak_doy"])
    d["precip_mm"] = rain * site["precip_mm_yr"] * years / rain.sum()
    return d


@lru_cache(maxsize=None)
def dalongdong_run(prior_climate: str = "subtropical", elevation_m: float = DALONGDONG["elevation_m"],
                   t_mean: float = DALONGDONG["t_mean"]):
    """A 10 km2 limestone catchment with one hydrotope per land use of Lan et al. (2017) under the Dalongdong
    drivers; soil respiration from the SRDB priors of sites with a mean annual temperature of 14-22 C
    (``[chemistry] prior_climate = "subtropical"``; Dalongdong's ~16 C is inside). Cached per argument set."""
    site = {**DALONGDONG, "elevation_m": elevation_m, "t_mean": t_mean}
    doc = base_doc(land_use=dict(DALONGDONG_LAND_USE), lithology=dict(LIMESTONE),
                   location={"latitude": site["latitude"], "longitude": site["longitude"],
                             "elevation_m": site["elevation_m"]},
                   chemistry={"prior_climate": prior_climate})
    with tempfile.TemporaryDirectory() as td:
        return simulate(load_catchment(write_catchment(Path(td), doc, dalongdong_drivers(site))))


def pco2_to_mg_m3(pco2_uatm, temp_c):
    """Mass concentration of CO2 in soil air (mg m-3) from its partial pressure (uatm) at temperature ``temp_c``:
    the ideal-gas law c = p M / (R T) (p in Pa, M = 44.01 g/mol from chemistry.constants, R the gas constant). The
    model's pCO2 is a partial pressure already, so the site's barometric pressure enters through the model (the
    atmospheric pCO2 at the surface and the diffusivity, soil_co2.pressure_atm), not through this conversion; a
    mole fraction (ppmv) would be multiplied by the total pressure first."""
    p_pa = np.asarray(pco2_uatm, dtype=float) * 1e-6 * ATM_PA
    return p_pa * M_CO2_G_MOL * 1000.0 / (R_J_MOL_K * (np.asarray(temp_c, dtype=float) + KELVIN))


def model_soil_co2_mg_m3(land_use: str, result=None) -> float:
    """Mean soil-air CO2 (mg m-3) over 10-50 cm of one hydrotope (the column B5/B6 use), converted day by day at
    the day's soil temperature and averaged over the record (the field: the mean of a year of monthly profiles)."""
    r = dalongdong_run() if result is None else result
    p = r.hydrotope_series[land_use]["soil_pco2_10_50cm_ppm"].to_numpy()
    return float(pco2_to_mg_m3(p, r.timeseries["soil_temp_c"].to_numpy()).mean())


def model_b1() -> float:
    """Grassland soil-air CO2 (mg m-3, 10-50 cm) at Dalongdong."""
    return model_soil_co2_mg_m3("grassland")


def model_b2() -> float:
    """Forest soil-air CO2 (mg m-3, 10-50 cm) at Dalongdong."""
    return model_soil_co2_mg_m3("forest")


def model_b3() -> float:
    """Cropland soil-air CO2 (mg m-3, 10-50 cm) at Dalongdong (tobacco; the model has one cropland class)."""
    return model_soil_co2_mg_m3("cropland")


def model_b4() -> float:
    """Cropland soil-air CO2 (mg m-3, 10-50 cm) at Dalongdong (maize; the same model class as B3)."""
    return model_soil_co2_mg_m3("cropland")


def _recharge_dic_mmol_m2(result) -> float:
    """DIC carried below the soil and epikarst by recharge over the run (mmol m-2): soil CO2 taken up plus carbonate
    carbon dissolved (the model's carbon balance); the model's counterpart of lysimeter DIC leaching."""
    cb = result.summary["carbon_balance"]
    return float(cb["soil_co2_uptake_mmol_m2"] + cb["rock_carbon_recharge_mmol_m2"])


_FOREST = (("forest", 1.0),)


def _change_pct(new: float, old: float) -> float:
    return 100.0 * (new / old - 1.0)


#: the soil warming of Schindlbacher et al. (2019): +4 C in the soil of the lysimeters (treatment H), air unchanged
SOIL_WARMING_C = 4.0


def model_c2() -> float:
    """Change (%) of DIC leached with recharge when precipitation is 1.5x, temperate forest on dolomite."""
    base = site_run(_FOREST, "temperate", DOLOMITE)
    wet = site_run(_FOREST, "temperate", DOLOMITE, precip_factor=1.5)
    return _change_pct(_recharge_dic_mmol_m2(wet), _recharge_dic_mmol_m2(base))


def model_c3() -> float:
    """Change (%) of DIC leached with recharge when the soil alone is warmed by 4 C (the experiment's soil warming;
    air, PET and snow unchanged), temperate forest on dolomite."""
    base = site_run(_FOREST, "temperate", DOLOMITE)
    warm = site_run(_FOREST, "temperate", DOLOMITE, soil_warming_c=SOIL_WARMING_C)
    return _change_pct(_recharge_dic_mmol_m2(warm), _recharge_dic_mmol_m2(base))


def model_c4() -> float:
    """Change (%) of soil respiration (the model's soil CO2 production = efflux at steady state) with the soil
    warmed by 4 C."""
    base = site_run(_FOREST, "temperate", DOLOMITE).summary["soil_respiration_gc_m2_yr"]
    warm = site_run(_FOREST, "temperate", DOLOMITE, soil_warming_c=SOIL_WARMING_C)
    warm = warm.summary["soil_respiration_gc_m2_yr"]
    return _change_pct(float(warm), float(base))


def model_c5() -> float:
    """Change (%) of mean soil-air pCO2 with the soil warmed by 4 C."""
    base = site_run(_FOREST, "temperate", DOLOMITE).hydrotope_series["forest"]["soil_pco2_ppm"].mean()
    warm = site_run(_FOREST, "temperate", DOLOMITE, soil_warming_c=SOIL_WARMING_C)
    warm = warm.hydrotope_series["forest"]["soil_pco2_ppm"]
    return _change_pct(float(warm.mean()), float(base))


SOFT_WATER = {"ca_mmol_kgw": 0.10, "mg_mmol_kgw": 0.05, "na_mmol_kgw": 0.10, "k_mmol_kgw": 0.02,
              "cl_mmol_kgw": 0.10, "so4_mmol_kgw": 0.05}  # the model's default [allogenic_water]

#: the rate law the D rows compare (karstmodel.processes.allogenic_contact.RATE_LAWS): the PWP surface reaction in
#: series with transport across the diffusion boundary layer of the flowing water (Dreybrodt & Buhmann 1991;
#: karstmodel.processes.mass_transfer); "pwp" gives the surface-controlled rates these rows showed before
EVIDENCE_RATE_LAW = "mixed"
#: the flow over a tablet in stream water (D1, D2): the model's default [allogenic_contact] velocity and depth
#: (0.1 m/s, conduit and stream tracer velocities of 0.01-0.1 m/s, Ford & Williams 2007, ch. 6; 0.1 m deep). A
#: configuration choice: Mo et al. (2023) give no flow at the tablets in their abstract
TABLET_FLOW = AllogenicContact()


def _pwp_rate_mmol_cm2_s(sp):
    """PWP calcite rate (Plummer, Wigley & Parkhurst 1978; chemistry.pwp_rate) of speciated waters (the columns of
    chemistry.speciate_totals / equilibrate): a_H = 10^-pH, a_CO2 = m_CO2(aq) (neutral species, activity
    coefficient ~1)."""
    return chemistry.pwp_rate(sp["temp_c"].to_numpy(), 10.0 ** -sp["ph"].to_numpy(),
                              sp["co2aq_mmol_kgw"].to_numpy() / 1000.0, sp["si_calcite"].to_numpy())


def _tablet_rate_mmol_cm2_s(sp, eq, temp_c, rate_law: str):
    """Rate (mmol cm-2 s-1) of a calcite tablet in the speciated waters ``sp`` under :data:`TABLET_FLOW`: PWP for
    ``rate_law="pwp"``; for "mixed" PWP in series with the boundary-layer transport of that flow at ``temp_c``
    (karstmodel.processes.mass_transfer, eq. 1), the undersaturation c_eq - c being the Ca the water takes up to its
    calcite equilibrium ``eq`` (open system at its own pCO2)."""
    pwp = _pwp_rate_mmol_cm2_s(sp)
    if rate_law == "pwp":
        return pwp
    k_m_cm_s = 100.0 * channel_mass_transfer_m_s(TABLET_FLOW.velocity_m_s, TABLET_FLOW.depth_m, temp_c,
                                                 TABLET_FLOW.diffusivity_25c_m2_s)
    return mixed_rate_mmol_cm2_s(pwp, k_m_cm_s, eq["ca_mmol_kgw"].to_numpy() - sp["ca_mmol_kgw"].to_numpy())


@lru_cache(maxsize=None)
def model_rates(rate_law: str = EVIDENCE_RATE_LAW) -> dict:
    """Calcite dissolution rates (mg cm-2 d-1) of a tablet in the model's waters in the subtropical catchment:
    allogenic water as it sinks (the default soft silicate water with the soil CO2 of each land use, at soil
    temperature, area-weighted) and the spring's karst water (at groundwater temperature, with its Ca, Mg, SO4 and
    NO3 at its pCO2), averaged over the days; ``rate_law`` as in :func:`_tablet_rate_mmol_cm2_s`."""
    r = site_run()
    ts = r.timeseries
    to_mg = 100.09 * 86400.0  # mmol cm-2 s-1 -> mg CaCO3 cm-2 d-1
    allo = []
    t = np.clip(ts["soil_temp_c"].to_numpy(), 0.0, 45.0)
    for lu, share in MIXED_LAND_USE:
        p = r.hydrotope_series[lu]["soil_pco2_ppm"].to_numpy() * 1e-6
        sp = chemistry.equilibrate(t, p, mineral="none", system="open", water=SOFT_WATER)
        eq = chemistry.equilibrate(t, p, mineral="calcite", system="open", water=SOFT_WATER)
        allo.append(share * _tablet_rate_mmol_cm2_s(sp, eq, t, rate_law).mean())
    ok = (ts["spring_mm"].to_numpy() > 0) & np.isfinite(ts["ph"].to_numpy())
    t_gw = np.full(ok.sum(), float(r.summary["groundwater_temp_c"]))
    sp = pd.DataFrame({"temp_c": t_gw, "ph": ts["ph"].to_numpy()[ok], "co2aq_mmol_kgw": ts["co2aq_mmol_l"].to_numpy()[ok],
                       "si_calcite": ts["si_calcite"].to_numpy()[ok], "ca_mmol_kgw": ts["ca_mmol_l"].to_numpy()[ok]})
    eq = sp[["ca_mmol_kgw"]]
    if rate_law != "pwp":
        water = {f"{k}_mmol_kgw": ts[f"{k}_mmol_l"].to_numpy()[ok] for k in ("ca", "mg", "so4", "no3")}
        eq = chemistry.equilibrate(t_gw, ts["pco2_ppm"].to_numpy()[ok] * 1e-6, mineral="calcite", system="open",
                                   water=water)
    karst = _tablet_rate_mmol_cm2_s(sp, eq, t_gw, rate_law)
    return {"allogenic": float(sum(allo)) * to_mg, "karst": float(karst.mean()) * to_mg}


def model_d1() -> float:
    """Mean tablet dissolution rate (mg cm-2 d-1) of the allogenic and the karst water (:data:`EVIDENCE_RATE_LAW`)."""
    m = model_rates()
    return 0.5 * (m["allogenic"] + m["karst"])


def model_d2() -> float:
    """Tablet dissolution rate in allogenic water over that in the spring's karst water (same catchment and law)."""
    m = model_rates()
    return m["allogenic"] / max(m["karst"], 1e-12)


# (d) wall retreat where allogenic water meets the rock (D4, D5): the bundled sitter_appenzell catchment with its
# allogenic_sinking_stream scenario's contact (2 km open to cave air at 3,000 ppm, 0.05 m/s, 10 cm deep: 11 h)

SINKING_STREAM = ROOT / "catchments" / "sitter_appenzell"


#: the matrix-conduit exchange along the sinking stream's contact the D rows use
#: (karstmodel.processes.conduit_exchange; [allogenic_contact] exchange_* keys), where the scenario has none: the
#: stream sinks into the catchment's one conduit store, the drain of the whole matrix, whose discharge reaches the
#: spring through it on gaining days (share 1, the upper end; Kiraly 1998; Martin & Dean 2001), and the heads of
#: the two stores are compared with the channel / matrix porosity ratio of Mammoth Cave, a telogenetic limestone
#: like the Alpstein's (0.06 % / 2.4 % = 0.025; Worthington 1999, Table 1; 5e-4 to 0.03 over his four aquifers).
#: The days it keeps from dissolving are gaining days on which the matrix water, saturated at the soil CO2 of the
#: karst area, degasses to the scenario's 3,000 ppm cave air and the mixture is supersaturated: in a closed contact
#: (the phreatic Santa Fe conduit) the mixture stays undersaturated and D3 stays at 73.1 % (D4 4.52e-7 m/d); the
#: wall protection by the inflow across the boundary layer is not modelled (karstmodel.processes.conduit_exchange)
EVIDENCE_EXCHANGE = {"exchange_matrix_share": 1.0, "exchange_porosity_ratio": 0.025}


def sinking_stream_retreat(contact_pco2_ppm: float | None = None, rate_law: str = EVIDENCE_RATE_LAW,
                           exchange: dict | None = None) -> dict:
    """:func:`_sinking_stream_retreat`, cached per contact pCO2, rate law and exchange (None and the defaults are
    one cache entry): ``exchange`` the [allogenic_contact] exchange keys (None: :data:`EVIDENCE_EXCHANGE`;
    ``{"exchange_matrix_share": 0.0}``: no exchange)."""
    ex = tuple(sorted({**EVIDENCE_EXCHANGE, **(exchange or {})}.items()))
    return _sinking_stream_retreat(contact_pco2_ppm, rate_law, ex)


@lru_cache(maxsize=None)
def _sinking_stream_simulation():
    """The bundled sitter_appenzell catchment and its run (shared by the rate laws and contact pCO2 tried)."""
    catchment = load_catchment(SINKING_STREAM / "catchment.toml")
    return catchment, simulate(catchment)


@lru_cache(maxsize=None)
def _sinking_stream_retreat(contact_pco2_ppm: float | None, rate_law: str, exchange: tuple = ()) -> dict:
    """Wall retreat along the sinking stream of the bundled ``sitter_appenzell/allogenic_sinking_stream`` scenario
    over the catchment's record: the allogenic hydrotopes' recharge (the soft [allogenic_water] with each one's
    soil CO2 at the day's soil temperature, no carbonate: what the model sinks), mixed by recharge volume, reacted
    along the contact (karstmodel.processes.allogenic_contact.contact_reaction, PWP kinetics), the carbonate taken
    up turned into a mean rate per wetted rock area and a calcite wall retreat. Returns ``flowing_m_d`` (mean over
    the days the stream flows), ``time_averaged_m_d`` (over all days, 0 when it does not flow), ``flow_share``,
    ``start_rate_m_d`` (the retreat at the PWP rate of the water entering the contact, mean over flowing days),
    ``contact_fraction`` (mean share of the way to the open-system end point). ``contact_pco2_ppm`` replaces the
    scenario's cave-air pCO2 (a sensitivity); ``rate_law`` ("pwp" or "mixed", allogenic_contact.RATE_LAWS) the
    scenario's rate law along the contact; ``pwp_start_rate_m_d`` is the retreat at the PWP rate of the water
    entering, whatever the law. ``exchange``: the [allogenic_contact] exchange keys as (key, value) pairs; with a
    matrix share above 0 the water at the wall is the stream mixed with the matrix water on the days the matrix
    head exceeds the conduit head (karstmodel.processes.conduit_exchange.contact_with_exchange; the matrix water
    :func:`_sinking_stream_matrix_water`), the retreat and ``dissolving_share`` follow that mixture's uptake, and
    ``matrix_share_mean`` is the mean share of matrix water at the wall over the flowing days."""
    catchment, res = _sinking_stream_simulation()
    with open(SINKING_STREAM / "scenarios" / "allogenic_sinking_stream.toml", "rb") as fh:
        table = tomllib.load(fh)["allogenic_contact"]
    if contact_pco2_ppm is not None:
        table = {**table, "contact_pco2_ppm": contact_pco2_ppm}
    contact = AllogenicContact(**{**table, "rate_law": rate_law, **dict(exchange)})
    temp = np.clip(res.timeseries["soil_temp_c"].to_numpy(), 0.0, 40.0)
    aw = catchment.allogenic_water
    start = {k: getattr(aw, f"{k}_mmol_l") for k in ("ca", "mg", "na", "k", "cl", "so4")}
    # the model's own table of soft water equilibrated with soil CO2, no mineral (dissolution.recharge_chemistry)
    soil_water = equilibrium_table("none", "open", 0.0, tuple((k, v) for k, v in start.items() if v > 0),
                                   catchment.chemistry.database)
    vol, dic = [], []
    for h in catchment.hydrotopes:
        if not h.name.startswith("allogenic_") or h.land_use == "water":
            continue
        series = res.hydrotope_series[h.name]
        vol.append(series["recharge_mm"].to_numpy() * h.fraction)
        dic.append(soil_water(temp, series["soil_pco2_ppm"].to_numpy() * 1e-6)["dic"])
    vol, dic = np.array(vol), np.array(dic)
    total = vol.sum(axis=0)
    flow = total > 0
    n = int(flow.sum())
    conc = {**{k: np.full(n, v) for k, v in start.items()}, "dic": (vol * dic).sum(axis=0)[flow] / total[flow]}
    got = contact_reaction(conc, temp[flow], contact, "calcite", pressure_atm(catchment.elevation_m))
    wall = got["dissolved"]
    alone = got
    share = np.ones(n)
    if exchanges(contact):
        # the matrix-conduit exchange along the contact (karstmodel.processes.conduit_exchange): the matrix water
        # is the day's outflow of the model's matrix store
        ts = res.timeseries
        inflow = matrix_inflow_mm(ts["matrix_mm"], ts["conduit_mm"], ts["matrix_out_mm"],
                                  contact.exchange_matrix_share, contact.exchange_porosity_ratio)
        share = allogenic_share(ts["allogenic_recharge_mm"].to_numpy(), inflow)[flow]
        matrix = {k: v[flow] for k, v in _sinking_stream_matrix_water().items()}
        mixed = contact_with_exchange(conc, matrix, share, temp[flow], contact, "calcite",
                                      pressure_atm(catchment.elevation_m), alone=alone)
        wall = mixed["wall_dissolved"]
    retreat = wall_retreat_m_d(mean_wall_rate_mmol_cm2_s(wall, contact))
    start_rate = wall_retreat_m_d(got["start_rate_mmol_cm2_s"])
    return {"flowing_m_d": float(retreat.mean()), "time_averaged_m_d": float(retreat.sum() / flow.size),
            "dissolving_share": float((wall > 0.0).sum() / flow.size),
            "matrix_share_mean": float(1.0 - share.mean()),
            "flow_share": float(flow.mean()), "start_rate_m_d": float(start_rate.mean()),
            "pwp_start_rate_m_d": float(wall_retreat_m_d(got["pwp_start_rate_mmol_cm2_s"]).mean()),
            "contact_fraction": float(got["fraction"].mean())}


@lru_cache(maxsize=None)
def _sinking_stream_matrix_water() -> dict:
    """The matrix water of the sinking-stream run per day (element -> mmol/L): the outflow of the model's matrix
    store with its solutes (karstmodel.processes.conduit_exchange.outflow_water of the transport), from the chain
    run as :func:`karstmodel.model.simulate.simulate` makes it (initial state, spin-up, record) up to the solutes."""
    catchment, res = _sinking_stream_simulation()
    data = res.drivers.data
    state = initial_state(catchment, data)
    if catchment.warmup_days > 0:
        _, state = run_chain(catchment, data.iloc[: min(catchment.warmup_days, len(data))], state,
                             stop_after="storage")
    run, _ = run_chain(catchment, data, state, stop_after="storage")
    return outflow_water(run.solutes.tr["matrix_out_mass"], run.water.flows["matrix_out_mm"], IDX)


def model_d3() -> float:
    """Share of days (%) on which the model's sinking stream dissolves the rock of its conduit walls: the days it
    flows and the water at the wall (the stream, mixed with matrix water on the days the matrix head exceeds the
    conduit head, :data:`EVIDENCE_EXCHANGE`) takes up carbonate (the record's days without allogenic flow count as
    not dissolving, as the Santa Fe conduit's times with matrix water at the wall do)."""
    return 100.0 * sinking_stream_retreat()["dissolving_share"]


def model_d4() -> float:
    """Time-averaged wall retreat (m d-1) along the model's sinking stream (:data:`EVIDENCE_RATE_LAW`)."""
    return sinking_stream_retreat()["time_averaged_m_d"]


def model_d5() -> float:
    """The same retreat as a mean-annual rate (mm yr-1)."""
    return model_d5_at(None)


def model_d5_at(contact_pco2_ppm: float | None, rate_law: str = EVIDENCE_RATE_LAW) -> float:
    """The mean-annual retreat (mm yr-1) with the contact air's pCO2 replaced (None: the scenario's)."""
    return sinking_stream_retreat(contact_pco2_ppm, rate_law)["time_averaged_m_d"] * 365.25 * 1000.0


def model_f1() -> float:
    """Carbon sink of the subtropical catchment with the mixed land use (t C km-2 yr-1 = g C m-2 yr-1)."""
    return float(site_run().summary["carbon_sink_tc_km2_yr"])


def model_f1_by_land_use() -> dict:
    """The sink of single-land-use versions of the same catchment (t C km-2 yr-1)."""
    return {lu: float(site_run(((lu, 1.0),)).summary["carbon_sink_tc_km2_yr"])
            for lu in ("forest", "shrubland", "grassland", "cropland", "bare_soil", "bare_rock")}


def model_f2() -> float:
    """Spring HCO3- of an all-forest catchment over that of an all-cropland one (same weather)."""
    forest = site_run((("forest", 1.0),)).timeseries
    crop = site_run((("cropland", 1.0),)).timeseries
    return _flow_weighted(forest, "hco3_mmol_l") / _flow_weighted(crop, "hco3_mmol_l")


def _flow_weighted(ts, column: str) -> float:
    """Spring-discharge-weighted mean of a concentration column."""
    w = ts["spring_mm"].to_numpy()
    return float((ts[column].to_numpy() * w).sum() / w.sum())


# ---------------------------------------------------------------------------------------------------------------
# (b7) CO2 consumed by carbonate in the soil; (c1) an organic-matter amendment pool

#: carbonate in the comparison soils of B7 (g CaCO3 per g soil) and its grain size (mm): configuration choices
#: (Chen 2019's abstract gives no soil carbonate content); the uptake of percolating water limits the sink, so the
#: result does not depend on them from 0.01 to 0.5 and 0.01 to 10 mm (validation/README.md)
B7_SOIL_CARBONATE = 0.1
B7_GRAIN_MM = 1.0
_VEGETATED = ("forest", "shrubland", "grassland", "cropland")


@lru_cache(maxsize=None)
def soil_carbonate_run(fraction: float = B7_SOIL_CARBONATE, grain_mm: float = B7_GRAIN_MM):
    """The subtropical mixed catchment (:func:`site_run`) with carbonate in the soils of its vegetated classes."""
    weather, location = CLIMATES["subtropical"]
    drivers = synthetic_drivers(days=SITE_YEARS * 365, **weather)
    params = {lu: {"soil_carbonate_fraction": fraction, "soil_carbonate_grain_mm": grain_mm} for lu in _VEGETATED}
    doc = base_doc(land_use=dict(MIXED_LAND_USE), location=location, lithology=dict(LIMESTONE),
                   land_use_parameters=params)
    with tempfile.TemporaryDirectory() as td:
        return simulate(load_catchment(write_catchment(Path(td), doc, drivers)))


def b7_decreases(fraction: float = B7_SOIL_CARBONATE, grain_mm: float = B7_GRAIN_MM) -> dict:
    """Per vegetated class: the decrease (%) of the mean soil-air pCO2 at the base of the soil (deep soil) with the
    soil-carbonate sink against the same profile without it (the same catchment without soil carbonate: the sink
    does not change the water), over all days and over the days with percolation."""
    sink, base = soil_carbonate_run(fraction, grain_mm), site_run()
    out = {}
    for lu in _VEGETATED:
        a, b = base.hydrotope_series[lu], sink.hydrotope_series[lu]
        wet = a["recharge_mm"].to_numpy() > 0
        out[lu] = {"all_days": _change_pct(b["soil_pco2_ppm"].mean(), a["soil_pco2_ppm"].mean()) * -1.0,
                   "percolation_days": _change_pct(b["soil_pco2_ppm"][wet].mean(), a["soil_pco2_ppm"][wet].mean()) * -1.0,
                   "sink_gc_m2_yr": float(b["carbonate_co2_sink_gc_m2_d"].sum() / SITE_YEARS),
                   "respiration_gc_m2_yr": float(b["soil_respiration_gc_m2_d"].sum() / SITE_YEARS)}
    return out


def model_b7() -> float:
    """Decrease (%) of deep-soil CO2 (the base of the soil) by the CO2 consumed by soil carbonate, against the same
    production-diffusion profile without that sink: the mean over the four vegetated classes of the subtropical
    catchment, soils holding :data:`B7_SOIL_CARBONATE` of carbonate."""
    return float(np.mean([v["all_days"] for v in b7_decreases().values()]))


#: the C1 amendment: organic carbon (g C m-2; about 6 t/ha of manure dry matter at 50 % C) spread on a cropland soil
#: kept at a constant temperature and leached by the same rain every day, like a leaching column (configuration
#: choices; the amount used by Zhou et al. 2002 is not in the abstract)
C1_CARBON_G_M2 = 300.0
C1_DATE = "2002-03-01"
C1_TEMP_C = 20.0
C1_RAIN_MM_D = 4.0
C1_PET_MM_D = 1.0
#: solute residence in the soil for C1 (``[chemistry] soil_solute_mixing``): the water leaving the soil passes a
#: well-mixed store of the day's soil water (karstmodel.processes.soil_solutes); the other rows keep the default
#: "none"
C1_SOIL_SOLUTE_MIXING = "soil_water"


def _column_catchment(td: Path, temp_c: float, rain_mm_d: float, weather: bool):
    """A one-hydrotope cropland catchment on limestone in the subtropical location, driven by constant temperature,
    rain and PET (``weather`` False: the column setting of C1) or by the subtropical synthetic weather."""
    wx, location = CLIMATES["subtropical"]
    drivers = synthetic_drivers(days=SITE_YEARS * 365, **wx)
    doc = base_doc(land_use={"cropland": 1.0}, location=location, lithology=dict(LIMESTONE))
    if not weather:
        drivers["temp_c"] = temp_c
        drivers["precip_mm"] = rain_mm_d
        drivers["pet_mm"] = C1_PET_MM_D
        doc["drivers"] = {**doc["drivers"], "pet": "column"}
    return load_catchment(write_catchment(td, doc, drivers))


@lru_cache(maxsize=None)
def amendment_runs(date: str = C1_DATE, carbon_g_m2: float = C1_CARBON_G_M2, weather: bool = False,
                   mixing: str = C1_SOIL_SOLUTE_MIXING):
    """Cropland catchment with an organic amendment of ``carbon_g_m2`` on ``date`` and the same with 0 g C m-2
    (the baseline: identical physics, no carbon), both with the model's default parameters but ``[chemistry]
    soil_solute_mixing = mixing``; returns the two hydrotope tables (baseline, amended)."""
    from karstmodel.processes.changes import OrganicAmendment
    with tempfile.TemporaryDirectory() as td:
        c = _column_catchment(Path(td), C1_TEMP_C, C1_RAIN_MM_D, weather)
        c = replace(c, chemistry=replace(c.chemistry, soil_solute_mixing=mixing))
        runs = [simulate(replace(c, changes=(OrganicAmendment("cropland", g, (date,)),)))
                for g in (0.0, carbon_g_m2)]
    return tuple(r.hydrotope_series["cropland"] for r in runs)


def amendment_lags(date: str = C1_DATE, weather: bool = False, mixing: str = C1_SOIL_SOLUTE_MIXING) -> dict:
    """Days from the peak of the extra soil CO2 production (amended minus baseline) to the peak of the extra Ca
    (= HCO3- / 2 from carbonate) leaving the soil with the recharge (recharge x Ca of the water leaving the soil over
    carbonate), and the lag of their centroids (first 365 days after the amendment)."""
    base, amended = amendment_runs(date, C1_CARBON_G_M2, weather, mixing)
    window = slice(pd.Timestamp(date), pd.Timestamp(date) + pd.Timedelta(days=364))
    d_prod = (amended["soil_respiration_gc_m2_d"] - base["soil_respiration_gc_m2_d"]).loc[window]
    d_ca = (amended["recharge_mm"] * (amended["recharge_ca_mmol_l_carbonate"]
                                       - base["recharge_ca_mmol_l_carbonate"])).loc[window]
    t = np.arange(len(d_prod), dtype=float)
    pos = d_ca.clip(lower=0.0).to_numpy()
    return {"peak_lag_d": float((d_ca.idxmax() - d_prod.idxmax()).days),
            "centroid_lag_d": float((t * pos).sum() / pos.sum() - (t * d_prod.to_numpy()).sum() / d_prod.sum()),
            "production_peak_gc_m2_d": float(d_prod.max()), "ca_peak_mmol_m2_d": float(d_ca.max())}


def model_c1() -> float:
    """Lag (d) of the peak of the extra Ca/HCO3- leaving the soil behind the peak of the extra soil CO2 production
    after an organic amendment, in the constant (column-like) setting (:data:`C1_CARBON_G_M2` on a cropland soil at
    :data:`C1_TEMP_C` leached by :data:`C1_RAIN_MM_D` every day, PET :data:`C1_PET_MM_D`), the water leaving the
    soil through a well-mixed store of its soil water (:data:`C1_SOIL_SOLUTE_MIXING`)."""
    return amendment_lags()["peak_lag_d"]


# ---------------------------------------------------------------------------------------------------------------
# (e) a karst reservoir below a karst river (reach model only; configuration choices, not site data)

#: the comparison reservoir: 1 km2, mean depth 15 m (surface layer 5 m), 2 m3/s of karst water (residence time
#: 87 d), mesotrophic (chlorophyll a 10 ug/L), macrophytes on 10 % of the bed in the littoral (1.5 m), at 26.5 N,
#: 106.5 E, 1,200 m; air temperature 15 +- 8 C (the "subtropical" climate above), half-cloudy sky
RESERVOIR = dict(name="reservoir", kind="reservoir", area_m2=1.0e6, depth_m=15.0, epilimnion_depth_m=5.0,
                 chl_a_ug_l=10.0, macrophyte_cover=0.1, littoral_depth_m=1.5, elevation_m=1200.0)
RESERVOIR_INFLOW = {"q_m3_s": 2.0, "ca": 1.9, "mg": 0.5, "na": 0.1, "k": 0.03, "cl": 0.1, "so4": 0.3, "no3": 0.1,
                    "dic": 4.3}


@lru_cache(maxsize=None)
def reservoir_run(years: int = 2, **changes):
    """The comparison reservoir simulated hourly over ``years`` (the first is a spin-up, the second reported),
    driven by the seasonal air temperature of the subtropical climate; returns the reach result of the last year."""
    days = pd.date_range("2021-01-01", periods=365 * years, freq="D")
    doy = np.asarray(days.day_of_year, dtype=float)
    t_air = 15.0 - 8.0 * np.cos(2.0 * np.pi * (doy - 15.0) / 365.0)
    inflow = pd.DataFrame({**RESERVOIR_INFLOW, "temp_c": t_air}, index=days)
    reach = ReachParameters(**{**RESERVOIR, **changes})
    res = simulate_reaches(inflow, [reach], latitude_deg=26.5, longitude_deg=106.5, dt_minutes=60.0,
                           air_temp_c=pd.Series(t_air, index=days), cloudiness=0.5, spinup_days=365 * (years - 1))
    return res


def _reservoir_year(res):
    """Annual sums (g C m-2 yr-1) of the reported year of a reservoir run."""
    d = res.reach("reservoir", daily=True)
    last = d.iloc[-365:]
    return {k: float(last[k].sum()) for k in ("gpp_g_c_m2_d", "er_g_c_m2_d", "oc_burial_g_c_m2_d",
                                               "sediment_mineralisation_g_c_m2_d", "degassing_g_c_m2_d",
                                               "npp_g_c_m2_d", "oc_burial_autochthonous_g_c_m2_d")}


def model_e1() -> float:
    """Burial efficiency (%) of the reservoir's sediments: OC buried / OC deposited (buried + mineralised in and on
    the sediment) over the reported year."""
    y = _reservoir_year(reservoir_run())
    return 100.0 * y["oc_burial_g_c_m2_d"] / (y["oc_burial_g_c_m2_d"] + y["sediment_mineralisation_g_c_m2_d"])


#: allochthonous OC delivered to the comparison reservoir's bed for E2 (g C m-2 d-1; ``allochthonous_oc_g_c_m2_d``):
#: 110 g C m-2 yr-1, about two thirds of the OC reaching its sediment (a configuration choice: "allochthonous-rich")
E2_ALLOCHTHONOUS_G_C_M2_D = 0.3


def model_e2() -> float:
    """Burial efficiency (%) of the reservoir's sediments, as E1, with allochthonous OC added to the bed
    (:data:`E2_ALLOCHTHONOUS_G_C_M2_D`)."""
    y = _reservoir_year(reservoir_run(allochthonous_oc_g_c_m2_d=E2_ALLOCHTHONOUS_G_C_M2_D))
    return 100.0 * y["oc_burial_g_c_m2_d"] / (y["oc_burial_g_c_m2_d"] + y["sediment_mineralisation_g_c_m2_d"])


def model_e3() -> float:
    """Net ecosystem production (GPP - ER, g C m-2 yr-1) of the reservoir over the reported year."""
    y = _reservoir_year(reservoir_run())
    return y["gpp_g_c_m2_d"] - y["er_g_c_m2_d"]


def model_e4() -> float:
    """OC burial over net CO2 emission of the reservoir over the reported year."""
    y = _reservoir_year(reservoir_run())
    return y["oc_burial_g_c_m2_d"] / y["degassing_g_c_m2_d"]


MODEL_FUNCTIONS = {"B1": model_b1, "B2": model_b2, "B3": model_b3, "B4": model_b4, "B5": model_b5, "B6": model_b6, "C2": model_c2, "C3": model_c3, "C4": model_c4,
                   "C5": model_c5, "D1": model_d1, "D2": model_d2, "D3": model_d3, "D4": model_d4, "D5": model_d5, "F1": model_f1, "F2": model_f2}

MODEL_FUNCTIONS.update({"E1": model_e1, "E2": model_e2, "E3": model_e3, "E4": model_e4, "B7": model_b7, "C1": model_c1})

#: why a row has no model counterpart yet
NOT_MODELLED = {
    "A1": "global upscaling; the model simulates catchments, not a global tablet synthesis",
}

#: rows the model computes but does not reproduce today, with the numbers (measured 2026-12-07; the tests mark
#: these xfail(strict=True), so a fix shows up as an unexpected pass)
KNOWN_GAPS = {
    "B6": "model grassland/cropland soil pCO2 (10-50 cm) 1.37 vs measured 1.65-1.71: 17 % below; with the same "
          "0.6 m soil under every class (one field site) it is 1.66, but forest/cropland then falls to 1.43: the "
          "classes differ by the SRDB R10/Q10 medians and the assumed soil depths, and the field grassland soil is "
          "as CO2-rich as the forest's",
    "C5": "model soil-air pCO2 +45.1 % with the soil warmed by 4 C vs measured 'not affected' (band +-25 "
          "assumed): in the model the soil-air CO2 follows production (+50.1 %) because gas diffusivity hardly "
          "changes with 4 C (D ~ T^1.81, Massman 1998: +2.6 %) and the warming leaves the soil water as it is; "
          "the field efflux rose without a rise in soil-air CO2, which needs faster gas transport (a drier, more "
          "porous warmed soil) or production shifted towards the surface, neither in the model",
    "D1": "model 0.41 mg cm-2 d-1 (allogenic water 0.82, karst water 0.0075; PWP in series with transport across "
          "the boundary layer of 0.1 m/s, 0.1 m deep water, 0.26 mm thick) vs measured mean 0.068 (-0.023 to 0.258): "
          "6.1x; PWP alone gives 0.56 (allogenic 1.10), the transport step takes off 26 %; at 0.02 m/s and 5 cm "
          "0.26. Not modelled: the slow CO2 conversion in the layer (Dreybrodt & Buhmann 1991), the degassing of "
          "the field streams (the model's allogenic water carries its soil CO2) and their mixing with karst water",
    "F1": "model sink 11.0 t C km-2 yr-1 (single land uses 8.0-16.1, bare rock to bare soil) vs measured 3.40 "
          "(2.85-4.05): 3.2x; the model's spring collects 597 mm/yr of runoff at 3.08 mmol/L DIC (R x DIC = 1.84 "
          "m mmol/L) where the measured sink implies R x DIC = 0.57 m mmol/L; the model's DIC lies inside the "
          "measured 1.37-3.52 mmol/L (16.47-42.31 mg C/L), so the gap is the runoff the spring collects: 0.57 over "
          "that DIC range is 160-410 mm/yr, 1.4-3.7x less than the model's",
}


KNOWN_GAPS.update({
    "B7": "model deep-soil pCO2 3.9 % below the profile without the sink (classes 3.6-4.4 %; 7.2-9.2 % over the "
          "days with percolation, up to 96 % on single wet days) vs measured 36 % (5.2-66.3): the CO2 consumed "
          "(9-11 g C m-2 yr-1, 1.3-2.0 % of soil respiration) is capped by what percolation (450-560 mm/yr) carries "
          "away at calcite equilibrium (1.5-1.8 mmol CaCO3 per litre); 36 % needs 8-10x that, 12-17 mmol/L",
    "D5": "model 0.20 mm/yr vs ~0.1 mm/yr (2.0x; PWP alone 0.34; 0.067 mm/yr with the contact air at 420 ppm; "
          "0.51 without the matrix-conduit exchange, EVIDENCE_EXCHANGE): the exchange keeps the wall from "
          "dissolving on 23 of the 73 % of days the stream flows and dilutes it on the others; transport across the "
          "boundary layer (Linton & Sherwood, 0.47 mm at 0.05 m/s and 10 cm) in series with PWP lowers the rate of "
          "the entering water to 0.59 of PWP; not modelled: the slow CO2 conversion in the layer (Dreybrodt & "
          "Buhmann 1991; Liu & Dreybrodt 1997); the 3,000 ppm cave air of the scenario is illustrative",
    "E2": "model reservoir with 110 g C m-2 yr-1 of allochthonous OC (69 % of the OC reaching its sediment): "
          "burial efficiency 20.5 % vs 48 % (allochthonous-rich sediments 67 %); the model buries allochthonous OC "
          "at refractory_fraction (0.2, oxic) whatever the O2 exposure, and its highest efficiency (anoxic) is "
          "0.4: 48 % with this mix needs 0.60 for the allochthonous OC (Sobek's allochthonous-rich mean 0.67), above "
          "the 0.1-0.5 the parameter's source gives",
    "E4": "model reservoir buries 10.5 g C m-2 yr-1 of autochthonous OC and degasses 301 g C m-2 yr-1: ratio 0.035 "
          "vs ~0.20 for lakes and reservoirs worldwide; its inflow is karst water at pCO2 ~2,300 uatm (DIC 4.3 "
          "mmol/L), whose excess CO2 leaves whatever the lake buries; a global mean ratio is not a karst one",
})


def model_value(row: Evidence) -> float | None:
    """The model's value for ``row`` (None when there is no counterpart yet)."""
    fn = MODEL_FUNCTIONS.get(row.id)
    return None if fn is None else float(fn())


def reproduces(row: Evidence, model: float) -> bool:
    """Whether ``model`` lies within the row's band: above ``value`` for a lower bound, inside ``low``..``high``
    otherwise (the band is reported or, flagged ``spread="assumed"``, set here)."""
    if row.kind == "lower_bound":
        return model > row.value
    if row.low is None or row.high is None:
        raise ValueError(f"{row.id}: no band to compare the model with")
    return row.low <= model <= row.high


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _measured_text(row: Evidence) -> str:
    if row.kind == "lower_bound":
        return f"> {_fmt(row.value)}"
    if row.low is not None:
        band = f"{_fmt(row.low)} to {_fmt(row.high)}"
        return f"{_fmt(row.value)} ({band}{', assumed' if row.spread == 'assumed' else ''})"
    return _fmt(row.value)


def _short_source(row: Evidence) -> str:
    authors, rest = row.citation.split(" (", 1)
    year = rest.split(")", 1)[0]
    first = authors.split(",")[0]
    many = authors.count(".,") >= 1
    return f"{first}{' et al.' if many else ''} {year}"


def comparison_table() -> str:
    """One Markdown table: every evidence row with the model's value or the reason it has none yet."""
    lines = ["| id | cat. | intervention | quantity | unit | measured | model | status | source |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in EVIDENCE:
        m = model_value(row)
        if m is None:
            model_txt, status = "-", "not modelled yet: " + NOT_MODELLED[row.id]
        else:
            model_txt = _fmt(m)
            status = "reproduced" if reproduces(row, m) else "**not reproduced**"
        lines.append(f"| {row.id} | {row.category} | {row.intervention} | {row.quantity} | {row.unit} | "
                     f"{_measured_text(row)} | {model_txt} | {status} | {_short_source(row)}, {row.where} |")
    return "\n".join(lines)


def main() -> int:
    print("## Interventions: model vs measurement\n")
    print(comparison_table())
    print("\nEvidence rows per category: " + ", ".join(
        f"({c}) {sum(r.category == c for r in EVIDENCE)}" for c in CATEGORIES))
    print(f"Leads (numbers seen, citation incomplete): {len(LEADS)}")
    sub, tmp = site_run(), site_run(_FOREST, "temperate", DOLOMITE)
    print("\nModel details (synthetic catchments):")
    print(f"- subtropical mixed catchment: precip {sub.summary['precip_mm_yr']:.0f} mm/yr, spring runoff "
          f"{sub.summary['runoff_mm_yr']:.0f} mm/yr, flow-weighted DIC {sub.summary['dic_mmol_l_flow_weighted']:.2f}"
          f" mmol/L, sink {sub.summary['carbon_sink_tc_km2_yr']:.2f} t C km-2 yr-1")
    print("- soil pCO2 by class at the base of the soil (ppm): " + ", ".join(
        f"{k} {v['soil_pco2_ppm'].mean():.0f}" for k, v in sub.hydrotope_series.items()))
    print("- soil pCO2 by class, 10-50 cm mean (ppm): " + ", ".join(
        f"{k} {v['soil_pco2_10_50cm_ppm'].mean():.0f}" for k, v in sub.hydrotope_series.items()))
    rates, pwp_rates = model_rates(), model_rates("pwp")
    print(f"- calcite tablet rate (mg cm-2 d-1; {EVIDENCE_RATE_LAW} law at {TABLET_FLOW.velocity_m_s} m/s, "
          f"{TABLET_FLOW.depth_m} m deep): allogenic water as it sinks {rates['allogenic']:.3f}, spring water "
          f"{rates['karst']:.4f}; PWP alone {pwp_rates['allogenic']:.3f}, {pwp_rates['karst']:.4f}")
    ret, ret_pwp = sinking_stream_retreat(), sinking_stream_retreat(None, "pwp")
    print(f"- sinking stream (sitter_appenzell allogenic_sinking_stream contact, {EVIDENCE_RATE_LAW} law): wall "
          f"retreat {ret['flowing_m_d']:.3g} m/d while flowing ({100 * ret['flow_share']:.0f} % of days; at the "
          f"entry rate {ret['start_rate_m_d']:.3g}, at its PWP rate {ret['pwp_start_rate_m_d']:.3g}), time-averaged "
          f"{ret['time_averaged_m_d']:.3g} m/d = {model_d5():.2f} mm/yr; with the contact air at 420 ppm "
          f"{model_d5_at(420.0):.2f} mm/yr; PWP alone {ret_pwp['flowing_m_d']:.3g} m/d while flowing, "
          f"{ret_pwp['time_averaged_m_d']:.3g} m/d = {model_d5_at(None, 'pwp'):.2f} mm/yr "
          f"({model_d5_at(420.0, 'pwp'):.2f} at 420 ppm)")
    off = sinking_stream_retreat(exchange={"exchange_matrix_share": 0.0})
    print(f"- sinking stream with the matrix-conduit exchange {EVIDENCE_EXCHANGE}: matrix water "
          f"{100 * ret['matrix_share_mean']:.0f} % of the water at the wall on flowing days, dissolving on "
          f"{100 * ret['dissolving_share']:.1f} % of days; without it {100 * off['dissolving_share']:.1f} % of "
          f"days, time-averaged {off['time_averaged_m_d']:.3g} m/d")
    print("- Dalongdong soil-air CO2, 10-50 cm (mg m-3): " + ", ".join(
        f"{lu} {model_soil_co2_mg_m3(lu):.0f}" for lu, _ in DALONGDONG_LAND_USE))
    print("- sink of single-land-use catchments (t C km-2 yr-1): " + ", ".join(
        f"{k} {v:.2f}" for k, v in model_f1_by_land_use().items()))
    res = reservoir_run()
    y = _reservoir_year(res)
    print(f"- karst reservoir (1 km2, 15 m, 2 m3/s, reported year): GPP {y['gpp_g_c_m2_d']:.0f}, NPP "
          f"{y['npp_g_c_m2_d']:.0f}, ER {y['er_g_c_m2_d']:.0f}, OC burial {y['oc_burial_g_c_m2_d']:.1f}, "
          f"sediment mineralisation {y['sediment_mineralisation_g_c_m2_d']:.1f}, CO2 evasion "
          f"{y['degassing_g_c_m2_d']:.0f} g C m-2 yr-1; stratified "
          f"{int((res.reach('reservoir', daily=True)['stratified'].iloc[-365:] > 0.5).sum())} d; fate shares "
          + ", ".join(f"{k} {res.fate[k]:.4f}" for k in ("export_dic", "aquatic_organic_carbon", "sediment",
                                                          "degassed", "buried_autochthonous_oc")))
    print("- soil carbonate (B7, content %.2f, grains %.1f mm): deep-soil pCO2 decrease (%%), all days / days with "
          "percolation, and CO2 consumed (g C m-2 yr-1): " % (B7_SOIL_CARBONATE, B7_GRAIN_MM) + ", ".join(
              f"{k} {v['all_days']:.1f} / {v['percolation_days']:.1f}, {v['sink_gc_m2_yr']:.1f}"
              for k, v in b7_decreases().items()))
    for mixing in (C1_SOIL_SOLUTE_MIXING, "none"):
        lags = amendment_lags(mixing=mixing)
        print(f"- organic amendment (C1, {C1_CARBON_G_M2:.0f} g C m-2 on cropland, {C1_TEMP_C:.0f} C, "
              f"{C1_RAIN_MM_D:.0f} mm/d, soil_solute_mixing {mixing!r}): peak lag {lags['peak_lag_d']:.0f} d, "
              f"centroid lag {lags['centroid_lag_d']:.1f} d; under the subtropical weather (amendment on 15 Jan / "
              "15 May / 15 Sep 2002), peak lags " + ", ".join(
                  f"{amendment_lags(d, weather=True, mixing=mixing)['peak_lag_d']:.0f}"
                  for d in ("2002-01-15", "2002-05-15", "2002-09-15")) + " d")
    print(f"- temperate forest on dolomite: precip {tmp.summary['precip_mm_yr']:.0f} mm/yr, soil respiration "
          f"{tmp.summary['soil_respiration_gc_m2_yr']:.0f} g C m-2 yr-1, recharge DIC "
          f"{_recharge_dic_mmol_m2(tmp):.0f} mmol m-2 over the run, mean soil pCO2 "
          f"{tmp.hydrotope_series['forest']['soil_pco2_ppm'].mean():.0f} ppm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
