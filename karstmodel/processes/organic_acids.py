"""Organic-acid weathering of carbonate in the soil and epikarst (``[chemistry] organic_acids``; off by default).

Low-molecular-weight organic acids (root exudates, decomposition products) and the carboxyl groups of the dissolved
organic carbon (DOC) of soil water are acids besides carbonic acid. They dissolve carbonate without consuming CO2:
CaCO3 + 2 RCOOH -> Ca2+ + 2 RCOO- + CO2 + H2O (or CaCO3 + RCOOH -> Ca2+ + RCOO- + HCO3- at the pH of
carbonate water), like the strong acids of ``[acid_inputs]``, and are kept apart from carbonic-acid weathering in
the accounting in the same way (:mod:`karstmodel.accounting.sink`).

Proton supply (:func:`soil_acid_meq_l`). The organic-acid load of the water leaving the soil of a hydrotope, in
meq per litre, is its soil-water DOC (``[land_use_parameters.<class>] soil_water_doc_mg_l``) times the charge
density of that DOC (``[chemistry] doc_charge_ueq_mg_c``): A = DOC x m / 1000 (Oliver, Thurman & Malcolm 1983,
Geochim. Cosmochim. Acta 47:2031: the organic anion of natural waters is m x DOC x the dissociated fraction of the
carboxyl groups, with m ~ 10 ueq per mg C of carboxyl groups in aquatic fulvic and humic acids). The generic
fulvic acid of Milne, Kinniburgh & Tipping (2001, Environ. Sci. Technol. 35:2049, NICA-Donnan fit to 49 data
sets) holds 5.88 eq of carboxylic-type sites per kg of fulvic acid (to ~20 %), ~12 ueq per mg C at ~50 % C by
mass: the bounds 0..30 ueq/mg C hold both.

Chemistry. At the pH of water in equilibrium with calcite (6.5-8.5) the carboxyl groups are dissociated: in the
Oliver et al. (1983) model the apparent pK is 0.96 + 0.90 pH - 0.039 pH^2 (:func:`oliver_dissociated_fraction`),
so 96 % (pH 6.5) to over 99 % (pH 8) of the groups carry their charge. The organic anion is therefore taken as a
fully dissociated monovalent anion that forms no complexes: the equivalent strong-acid proton load. phreeqc.dat,
the model's database, has no organic-acid species; the anion enters the chemistry as the water's charge
imbalance (``charge_imbalance_meq_kgw`` of :mod:`chemistry`: the modelled ions carry +A), which changes the
charge balance exactly as a strong-acid anion would and leaves the ionic strength without the anion's share (at
A < 0.5 meq/L, below 5 % of the ionic strength of karst water). The recharge water reacts with the carbonate in
the soil and epikarst (:mod:`karstmodel.processes.dissolution`, the recharge tables) with that load, like the
strong acids.

Removal before the karst stores (:func:`loads_meq_l`): soil-water DOC is largely removed in the unsaturated zone,
by sorption to mineral surfaces and by biodegradation, whose relative importance is "poorly understood" (AGU 2017
abstract B43F-2186, a lead in validation/interventions.py). A fraction ``[chemistry] organic_anion_removal`` of the
organic anion is removed, by one of two explicit fates (``[chemistry] organic_anion_fate``):

* ``"sorbed"`` (default): the acid dissolves carbonate in the soil with its whole load A; between the soil and the
  karst stores the removed anion is sorbed by ligand exchange, which releases OH- for the carboxylate it binds (Gu
  et al. 1994, Environ. Sci. Technol. 28:38, on iron oxide; Kalbitz et al. 2000, Soil Sci. 165:277, review of DOC
  retention in mineral soil): the anion's charge is replaced by alkalinity, the water's DIC, Ca and Mg are
  unchanged, and the organic carbon leaves the water (it is not inorganic carbon, so the DIC balance needs no term
  for it). The water entering the closed stores then holds more alkalinity than its carbonate equilibrium, and the
  saturated zone's re-equilibration precipitates some of the calcite the acid dissolved.
* ``"mineralised"``: the removed fraction is mineralised within the soil, in contact with the soil air, as
  low-molecular-weight acids are within hours in the upper horizons (Sokolova 2020, Eurasian Soil Sci. 53:580,
  review): RCOO- becomes HCO3- and the rest of its carbon CO2 of the soil air (part of the soil respiration that
  :mod:`karstmodel.processes.soil_co2` produces), and the water re-equilibrates with the soil air and the
  carbonate. That is carbonic-acid weathering (the carbon of the HCO3- came from the biosphere, as soil CO2 does),
  so only (1 - removal) x A acts as, and is booked as, a non-carbonic acid.

In both, what is left, (1 - removal) x A, travels to the spring as an anion and enters every later equilibrium as
charge imbalance. The default removal, 0.9, is the ratio of soil-water to groundwater DOC reported for karst caves
("soil pore water DOM up to 100 ppm, groundwater typically below 2 ppm", the same abstract), i.e. an assumption
backed by one abstract, not by a measured anion budget. DOC oxidised to CO2 in the closed aquifer, which drives
further dissolution (Floridan aquifer, a lead in validation/interventions.py), is not represented.

Limits: the load is the hydrotope's (its land use's DOC) for the whole run, also when a scenario changes the land
use in time; the allogenic water carries no organic acid (unless it meets calcite on the calcareous part of the
non-carbonate area, where it is treated like carbonate-area recharge) and its contact reaction with the carbonate
does not see an organic anion; the reach model downstream of the outlet does not carry it.

Accounting. The organic acid that dissolved carbonate (A, meq/L; the ``org_acid`` tracer) is booked like the strong
acids: DIC_carbonic = DIC - 2 SO4_acid - NO3_acid - A (one equivalent of non-carbonic acid dissolves one CaCO3 and
releases one carbonate carbon that no soil CO2 balanced): the whole load when the anion is sorbed later (sorption
moves no carbon, so the CO2 the acid did not consume stays unconsumed), the part not mineralised in the soil when it
is mineralised there.
"""
from __future__ import annotations

import numpy as np

#: [chemistry] organic_acids: "none" (off, the default) or "soil_doc" (A = soil-water DOC x charge density)
MODES = ("none", "soil_doc")
#: [chemistry] organic_anion_fate: how the removed part of the anion leaves the water (module docstring)
FATES = ("sorbed", "mineralised")


def oliver_dissociated_fraction(ph):
    """Dissociated fraction of the carboxyl groups of natural DOC at ``ph``: 1 / (1 + 10^(pK - pH)) with the
    apparent pK = 0.96 + 0.90 pH - 0.039 pH^2 (Oliver, Thurman & Malcolm 1983, Geochim. Cosmochim. Acta 47:2031,
    their empirical fit to the titrations of aquatic humic substances). Vectorised."""
    ph = np.asarray(ph, dtype=float)
    pk = 0.96 + 0.90 * ph - 0.039 * ph ** 2
    return 1.0 / (1.0 + 10.0 ** (pk - ph))


def anion_charge_meq_l(doc_mg_l, charge_ueq_mg_c):
    """Organic-anion charge (meq/L) of water with ``doc_mg_l`` of DOC whose charge density is ``charge_ueq_mg_c``
    (ueq per mg C): DOC x m / 1000 (Oliver et al. 1983, with all carboxyl groups dissociated; see the module
    docstring). Vectorised."""
    return np.asarray(doc_mg_l, dtype=float) * np.asarray(charge_ueq_mg_c, dtype=float) / 1000.0


def soil_acid_meq_l(doc_mg_l: float, options) -> float:
    """The organic-acid load (meq/L) of the water leaving a hydrotope's soil whose soil water holds ``doc_mg_l``
    of DOC: 0 when ``options.organic_acids`` is "none", else :func:`anion_charge_meq_l` with
    ``options.doc_charge_ueq_mg_c`` (``options``: the catchment's :class:`ChemistryOptions`)."""
    if options.organic_acids == "none":
        return 0.0
    return float(anion_charge_meq_l(doc_mg_l, options.doc_charge_ueq_mg_c))


def loads_meq_l(doc_mg_l: float, options) -> tuple[float, float]:
    """The organic acid of the water leaving a hydrotope's soil (soil-water DOC ``doc_mg_l``; ``options``: the
    catchment's :class:`ChemistryOptions`): (load that dissolves carbonate in the soil and is booked as non-carbonic
    weathering, anion left when the water enters the karst stores), meq/L. With A = :func:`soil_acid_meq_l` and r =
    ``options.organic_anion_removal``: (A, (1 - r) A) when the removed anion is sorbed after the soil, ((1 - r) A,
    (1 - r) A) when it is mineralised in the soil (module docstring); (0, 0) when the option is off."""
    a = soil_acid_meq_l(doc_mg_l, options)
    if a <= 0.0:
        return 0.0, 0.0
    left = a * (1.0 - float(options.organic_anion_removal))
    return (a if options.organic_anion_fate == "sorbed" else left), left
