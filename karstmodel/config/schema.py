"""The catchment file's sections as frozen dataclasses (the schema; read and written by
:mod:`karstmodel.config.catchment`, documented in ``catchments/README.md``).

Every number of a section is declared once with :func:`karstmodel.registry.param` (default, unit,
bounds, default calibration range and transform, source); the reader's bounds, the default calibration and the
parameter tables are generated from these declarations. The snow and land-use sections are declared with their
processes (:mod:`karstmodel.processes.snow`, :mod:`karstmodel.processes.landuse`), the reaches with theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..processes.allogenic_contact import AllogenicContact
from ..processes.landuse import LandUseParameters
from .._display import Rows, Shown, number
from ..registry import param, table
from ..processes.snow import SnowParameters
from ..processes.changes import OrganicAmendment
from ..processes.reaches.params import ReachParameters

#: strong-acid inputs per litre of recharge: 0-20 mmol/L (20 mmol/L H2SO4 is already a mine drainage)
_ACID_MAX_MMOL_L = 20.0
_ACID = "strong-acid input per litre of recharge; 20 mmol/L H2SO4 is already a mine drainage"
_SOFT = "default: a soft silicate water"


@dataclass(frozen=True)
class Hydrotope:
    """A land-use hydrotope: ``fraction`` of the catchment area. ``rock``: the rock under it, "mixed" (default:
    the catchment's lithology fractions, the same under every hydrotope), "carbonate" (its recharge is autogenic,
    on the carbonate shares of the lithology) or "non_carbonate" (its recharge is allogenic): the allogenic area
    with its own land use and soils (``[allogenic_land_use]``)."""

    name: str
    land_use: str
    fraction: float
    params: LandUseParameters
    rock: str = "mixed"

    def rock_shares(self, lithology) -> tuple[float, float]:
        """(carbonate, non-carbonate) share of this hydrotope's recharge."""
        if self.rock == "carbonate":
            return 1.0, 0.0
        if self.rock == "non_carbonate":
            return 0.0, 1.0
        return lithology.carbonate, lithology.non_carbonate


@dataclass(frozen=True)
class Lithology:
    """Area fractions of the catchment by rock type (sum to 1). Runoff from the non-carbonate (allogenic) area
    sinks into the karst conduits with share ``allogenic_to_karst``; the rest leaves as surface runoff."""

    limestone: float = param(1.0, "1", (0.0, 1.0), source="area fraction (a [lithology] table gives all of them)")
    dolomite: float = param(0.0, "1", (0.0, 1.0), source="area fraction")
    non_carbonate: float = param(0.0, "1", (0.0, 1.0), source="area fraction")
    allogenic_to_karst: float = param(1.0, "1", (0.0, 1.0), (0.0, 1.0),
                                      source="share of the allogenic runoff sinking into the karst (calibrated)")
    #: share (0-1) of the non-carbonate area's recharge that meets disseminated calcite on its way (calcareous
    #: clays, marls, calcareous till: non-karstic rocks whose water is nevertheless hard) and leaves it at calcite
    #: equilibrium with its soil air, like carbonate-area recharge (karstmodel.dissolution.recharge_chemistry); 0 =
    #: inert silicate rock. Hydrologically the area stays non-karst (surface store and non-karst groundwater).
    non_carbonate_calcareous: float = param(0.0, "1", (0.0, 1.0), source="calcareous clays, marls, till (assumed)")

    @property
    def carbonate(self) -> float:
        return self.limestone + self.dolomite


_START = "start storage; the warm-up years bring it to the model's own state"
_KM = "KarstMod reservoir model (Mazzilli et al. 2019, EMS 122:103927)"


@dataclass(frozen=True)
class ReservoirParameters:
    """Epikarst (E), matrix (M) and conduit (C) reservoirs, KarstMod-like (Mazzilli et al. 2019, EMS 122:103927).

    Storages are in mm over the whole catchment area. Outflows: Q_E = k_E E^a_E (to conduits with share
    ``conduit_fraction``, the rest to the matrix) plus overflow of E above ``epikarst_max_mm`` (a share
    ``overflow_outside_fraction`` of it leaves to other outlets; of the rest a share ``overflow_to_matrix_fraction``
    percolates diffusely into the matrix and the remainder goes to the conduits);
    Q_M = k_M M^a_M; Q_C = k_C C^a_C. Each day's inflow enters as a pulse at the start of the day and the
    reservoir then recedes with the exact solution of dS/dt = -k S^a over the day (exponential for a = 1,
    S = [S0^(1-a) + (a-1) k t]^(1/(1-a)) otherwise): unconditionally stable, exact mass balance, storages never
    negative, whatever the parameters.
    """

    epikarst_k_per_d: float = param(0.2, "mm^(1-a) d-1", (1e-6, 10.0), (0.005, 2.0), "log", _KM)
    epikarst_exponent: float = param(1.0, "1", (0.2, 5.0), (0.5, 3.0), source=_KM)
    epikarst_max_mm: float = param(50.0, "mm", (0.0, 5000.0), (1.0, 300.0), "log", _KM)
    conduit_fraction: float = param(0.2, "1", (0.0, 1.0), (0.0, 0.9), source=_KM)
    #: share of the epikarst overflow that leaves to other outlets (overflow/secondary springs, the "loss" of
    #: KarstMod; LuKARS's secondary springs): water and solutes that never reach the modelled spring
    overflow_outside_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0), source=_KM)
    #: share of the epikarst overflow kept in the system that percolates diffusely into the matrix instead of
    #: the conduits (saturation excess of a thin epikarst over a porous, fissured rock such as oolite or chalk
    #: recharging the slow store; 0 = all of it to the conduits)
    overflow_to_matrix_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0),
                                               source="diffuse recharge of porous carbonate aquifers")
    #: calibrated through reservoirs.matrix_unit_storage_mm (karstmodel.config.parameters)
    matrix_k_per_d: float = param(0.01, "mm^(1-a) d-1", (1e-12, 10.0), source=_KM)
    matrix_exponent: float = param(1.0, "1", (0.2, 5.0), (0.5, 5.0),
                                   source="power-law karst reservoirs a = 1-5: Kovacs & Perrochet 2008, J. Hydrol. "
                                          "352:16; Fiorillo 2014; GR4J routing store a = 5, Perrin et al. 2003")
    conduit_k_per_d: float = param(0.3, "mm^(1-a) d-1", (1e-5, 50.0), (0.005, 3.0), "log", _KM)
    conduit_exponent: float = param(1.0, "1", (0.2, 5.0), source=_KM)
    initial_epikarst_mm: float = param(10.0, "mm", (0.0, 1e5), source=_START)
    initial_matrix_mm: float | None = param(None, "mm", (0.0, 1e6),
                                            source="None: steady state for the mean recharge")
    initial_conduit_mm: float = param(1.0, "mm", (0.0, 1e5), source=_START)
    #: runoff that does not enter the karst (allogenic runoff not sinking, open water) reaches the outlet through
    #: a linear store with this constant (interflow/shallow groundwater of the non-karst area); None = same day
    surface_k_per_d: float | None = param(None, "d-1", (1e-5, 50.0), (0.005, 5.0), "log",
                                          source="linear store (HBV upper zone, Bergstroem 1992)")
    #: travel time from the springs and hillslopes to the outlet gauge: the outlet runoff (spring + non-karst runoff)
    #: and its solutes are routed through GR4J's unit hydrograph UH1 with base time X4 = routing_delay_d days
    #: (karstmodel.processes.routing.unit_hydrograph_gr4j); 0 = same day. Spring outputs are not delayed.
    routing_delay_d: float = param(0.0, "d", (0.0, 30.0), (0.05, 4.0),
                                   source="GR4J UH1, Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275")
    #: groundwater of the non-carbonate area (molasse, flysch, sandstone): the share of the non-carbonate recharge
    #: that does not sink into the karst which percolates into it instead of running off through the surface
    #: store; it drains to the outlet as baseflow with Q = k S^a (karstmodel.processes.routing.route_store).
    #: 0 = no such store (default).
    nonkarst_baseflow_fraction: float = param(0.0, "1", (0.0, 1.0), (0.0, 1.0),
                                              source="HBV lower zone (a = 1, Bergstroem 1992) to GR4J routing store "
                                                     "(a = 5, Perrin et al. 2003)")
    #: calibrated through reservoirs.nonkarst_baseflow_unit_storage_mm (karstmodel.config.parameters)
    nonkarst_baseflow_k_per_d: float = param(0.01, "mm^(1-a) d-1", (1e-12, 10.0),
                                             source="power-law store (HBV lower zone .. GR4J routing store)")
    nonkarst_baseflow_exponent: float = param(1.0, "1", (0.2, 5.0), (1.0, 5.0),
                                              source="HBV lower zone a = 1 .. GR4J routing store a = 5")
    initial_nonkarst_baseflow_mm: float | None = param(None, "mm", (0.0, 1e6),
                                                       source="None: steady state for its mean inflow")
    #: percolation from the soil store of every hydrotope, also on days without rain or melt (e.g. under snow): GR4J's
    #: percolation of the production store, perc = S {1 - [1 + (nu S / S_max)^4]^(-1/4)}, added to the day's
    #: recharge after ET (karstmodel.processes.soil_water). 0 (default) = none: recharge only from the day's input
    #: (HBV soil routine). Calibrated only where a catchment file sets it > 0.
    soil_percolation_nu: float = param(0.0, "1", (0.0, 2.0), (0.1, 1.0),
                                       source="Perrin, Michel & Andreassian 2003, J. Hydrol. 279:275, eq. 8 "
                                              "(nu = 4/9)")


@dataclass(frozen=True)
class ChemistryOptions:
    """How recharge, matrix and conduit water react with the rock.

    ``recharge_system``: soil water dissolves carbonate in contact with soil air ("open"), after isolation
    ("closed"), or with a finite gas volume ("mixed", ``gas_water_ratio`` L gas per kg water).
    ``matrix``: "equilibrium" (the slow reservoir's outflow re-equilibrates with the dominant carbonate in a closed
    system, e.g. after mixing) or "none". ``conduit``: "kinetic" (PWP kinetics over the conduit residence time,
    first-order relaxation with the PWP rate of the inflowing water), "equilibrium" or "none".
    ``soil_solute_mixing``: "none" (the water leaving the soil has the day's composition), "soil_water" or "fixed"
    (it leaves a well-mixed soil-water store of the day's soil water, or of ``[land_use_parameters.<class>]
    soil_mixing_volume_mm``, drained by percolation: :mod:`karstmodel.processes.soil_solutes`).
    ``organic_acids``: "none" (off) or "soil_doc": the water leaving the soil carries an organic-acid load of
    ``[land_use_parameters.<class>] soil_water_doc_mg_l`` x ``doc_charge_ueq_mg_c`` that dissolves carbonate
    without consuming CO2; ``organic_anion_removal`` of the anion is removed before the karst stores, sorbed after
    the soil (``organic_anion_fate = "sorbed"``) or mineralised in it (``"mineralised"``)
    (:mod:`karstmodel.processes.organic_acids`).
    """

    recharge_system: str = "open"
    gas_water_ratio: float = param(0.1, "L gas / kg water", (0.0, 100.0), source="mixed open/closed recharge system "
                                   "(docs/science.md, carbonate chemistry)")
    matrix: str = "equilibrium"
    conduit: str = "kinetic"
    conduit_radius_mm: float = param(50.0, "mm", (0.01, 1e5), source="A/V = 2 / radius of the PWP kinetics "
                                     "(Dreybrodt 1988, ch. 5)")
    soil_co2_model: str = "process"  # or "brook"
    prior_climate: str = "all"  # SRDB priors: "all" or "subtropical"
    atmospheric_co2_ppm: float = param(420.0, "ppm", (150.0, 5000.0), source="NOAA global mean 2023-2024")
    soil_temp_lag_days: float = param(10.0, "d", (0.0, 365.0), source="soil temperature lags air temperature")
    groundwater_temp_c: float | None = param(None, "C", (0.0, 40.0), source="None: the mean air temperature")
    #: pCO2 (ppm) of the river at the outlet gauge: the gauge water (spring + non-karst runoff) has exchanged CO2
    #: with the air on its way (karstmodel.outlet); None = no exchange, the gauge carries the mixed groundwater's DIC
    outlet_pco2_ppm: float | None = param(None, "ppm", (150.0, 1e5),
                                          source="river pCO2 at the gauge (measured, e.g. speciated samples)")
    database: str = "phreeqc.dat"
    soil_solute_mixing: str = "none"  # or "soil_water", "fixed" (karstmodel.processes.soil_solutes)
    #: organic-acid weathering in the soil and epikarst (karstmodel.processes.organic_acids): "none" (off) or
    #: "soil_doc" (acid load = [land_use_parameters.<class>] soil_water_doc_mg_l x doc_charge_ueq_mg_c)
    organic_acids: str = "none"
    doc_charge_ueq_mg_c: float = param(10.0, "ueq/mg C", (0.0, 30.0),
                                       source="carboxyl content of aquatic humic substances ~10 ueq/mg C (Oliver, "
                                              "Thurman & Malcolm 1983, GCA 47:2031); generic fulvic acid 5.88 eq/kg "
                                              "(Milne, Kinniburgh & Tipping 2001, ES&T 35:2049), ~12 ueq/mg C")
    organic_anion_removal: float = param(0.9, "1", (0.0, 1.0),
                                         source="assumed: soil-water DOC up to 100 mg/L, groundwater below 2 mg/L "
                                                "(cave percolation waters, AGU 2017 abstract B43F-2186); the "
                                                "removed anion's charge becomes alkalinity (sorption by ligand "
                                                "exchange, Gu et al. 1994, ES&T 28:38; or mineralisation)")
    organic_anion_fate: str = "sorbed"  # or "mineralised" (in the soil; karstmodel.processes.organic_acids)


@dataclass(frozen=True)
class AcidInputs:
    """Strong acids added per litre of recharge (mmol/L): H2SO4 (sulfide oxidation, acid rain) and HNO3
    (nitrification of fertiliser N). They dissolve carbonate without consuming CO2 and are kept apart from
    carbonic-acid weathering in the accounting. ``by_land_use``: class -> (sulfuric, nitric) overrides."""

    sulfuric_mmol_l: float = param(0.0, "mmol/L", (0.0, _ACID_MAX_MMOL_L), source=_ACID)
    nitric_mmol_l: float = param(0.0, "mmol/L", (0.0, _ACID_MAX_MMOL_L), source=_ACID)
    by_land_use: dict = field(default_factory=dict, hash=False)

    def for_class(self, land_use: str) -> tuple[float, float]:
        return self.by_land_use.get(land_use, (self.sulfuric_mmol_l, self.nitric_mmol_l))


@dataclass(frozen=True)
class AllogenicWater:
    """Chemistry of recharge from the non-carbonate area before it takes up soil CO2 (mmol/L); its charge
    imbalance is carried as silicate-weathering alkalinity. Default: a soft silicate water."""

    ca_mmol_l: float = param(0.10, "mmol/L", (0.0, 50.0), source=_SOFT)
    mg_mmol_l: float = param(0.05, "mmol/L", (0.0, 50.0), source=_SOFT)
    na_mmol_l: float = param(0.10, "mmol/L", (0.0, 50.0), source=_SOFT)
    k_mmol_l: float = param(0.02, "mmol/L", (0.0, 50.0), source=_SOFT)
    cl_mmol_l: float = param(0.10, "mmol/L", (0.0, 50.0), source=_SOFT)
    so4_mmol_l: float = param(0.05, "mmol/L", (0.0, 50.0), source=_SOFT)


@dataclass(frozen=True)
class SurfaceWaterOptions:
    """How the reaches below the spring are run: time step (minutes, must divide a day), inflow interpolation
    between daily spring values, cloudiness for clear-sky PAR (0-1, None = clear sky), and whether the sub-daily
    record of the whole run is written (large) or only a summer week (``diel_output = "week"``)."""

    dt_minutes: float = param(15.0, "min", (1.0, 1440.0), source="resolves the diel cycle of photosynthesis")
    inflow_interpolation: str = "linear"
    cloudiness: float | None = param(None, "1", (0.0, 1.0), source="None: clear sky")
    spinup_days: int = param(30, "d", (0, 3650), source="reach state settles before the reported record")
    diel_output: str = "week"


@dataclass(frozen=True)
class DriverSpec:
    """The drivers file and how to read it: ``columns`` maps the file's column names to the model's
    (``(("P_mm_d", "precip_mm"), ...)``, karstmodel.io.columns), ``date_format`` (a strftime format, e.g.
    ``%d.%m.%Y``) reads dates whose day/month order the file cannot show (karstmodel.io.files.parse_times)."""

    file: Path
    pet: str = "oudin"  # "column" | "oudin" | "hargreaves"
    gap_fill: str = "none"  # "none" | "linear" | "climatology"
    max_gap_days: int = 5
    columns: tuple = ()
    date_format: str | None = None


@dataclass(frozen=True)
class ObservationSpec:
    """The observations file: ``columns`` and ``date_format`` as for :class:`DriverSpec`."""

    file: Path | None = None
    discharge: str = "spring"  # the observed q is the spring discharge or the total outlet runoff
    columns: tuple = ()
    date_format: str | None = None


@dataclass(frozen=True, repr=False)
class Catchment(Shown):
    """A catchment as read from its file (``karstmodel.load_catchment``): location, area, hydrotopes, lithology, the
    processes' parameters, drivers and observations; ``repr`` shows a short summary (all fields: ``vars(c)``)."""

    name: str
    latitude: float
    longitude: float
    elevation_m: float
    area_km2: float
    hydrotopes: tuple
    lithology: Lithology
    snow: SnowParameters
    reservoirs: ReservoirParameters
    chemistry: ChemistryOptions
    acids: AcidInputs
    allogenic_water: AllogenicWater
    drivers: DriverSpec
    observations: ObservationSpec
    start: str | None = None
    end: str | None = None
    warmup_days: int = 365
    description: str = ""
    source: Path | None = None
    #: the raw [calibration] table (checked by karstmodel.calibration.setup_from_catchment)
    calibration: dict = field(default_factory=dict, hash=False, compare=False)
    #: spring-fed reaches and ponds below the spring, upstream first (karstmodel.processes.reaches.ReachParameters)
    reaches: tuple = ()
    surface_water: "SurfaceWaterOptions | None" = None
    #: changes in time (karstmodel.changes: ParameterRamp, Irrigation, CarbonatePowder), set by scenarios
    changes: tuple = ()
    #: how the allogenic water meets the carbonate on its way into the conduits
    #: (karstmodel.processes.allogenic_contact)
    allogenic_contact: AllogenicContact = AllogenicContact()

    def with_updates(self, **kwargs) -> "Catchment":
        return replace(self, **kwargs)

    def _display_rows(self) -> Rows:
        lith = self.lithology
        period = f"{self.start or 'start of the drivers'} .. {self.end or 'end of the drivers'}"
        hyd = ", ".join(f"{h.name}{'' if h.name == h.land_use else f' ({h.land_use})'} {h.fraction:.0%}"
                        for h in self.hydrotopes[:4])
        more = f" and {len(self.hydrotopes) - 4} more" if len(self.hydrotopes) > 4 else ""
        rows = [("area", number(self.area_km2, ".4g", "km2")),
                ("location", f"{abs(self.latitude):.4f} {'N' if self.latitude >= 0 else 'S'}, "
                             f"{abs(self.longitude):.4f} {'E' if self.longitude >= 0 else 'W'}, "
                             f"{self.elevation_m:.0f} m a.s.l."),
                ("period", f"{period} (warm-up {self.warmup_days} d)"),
                ("hydrotopes", hyd + more),
                ("lithology", f"limestone {lith.limestone:.0%}, dolomite {lith.dolomite:.0%}, non-carbonate "
                              f"{lith.non_carbonate:.0%}")]
        if self.reaches:
            rows.append(("reaches", f"{len(self.reaches)} below the spring"))
        if self.changes:
            rows.append(("changes", f"{len(self.changes)} in time (scenario)"))
        rows.append(("drivers", str(self.drivers.file) if self.drivers.file is not None else "none"))
        if self.source is not None:
            rows.append(("file", str(self.source)))
        return f"Catchment {self.name!r}", rows


#: the catchment file's tables whose numbers are declared with param(), in the order of catchments/README.md
DECLARED_SECTIONS = {"land_use_parameters.<class>": LandUseParameters, "lithology": Lithology,
                     "snow": SnowParameters, "reservoirs": ReservoirParameters, "chemistry": ChemistryOptions,
                     "acid_inputs": AcidInputs, "allogenic_water": AllogenicWater,
                     "allogenic_contact": AllogenicContact,
                     "surface_water": SurfaceWaterOptions}


def parameter_reference() -> str:
    """The parameter reference of docs/parameters.md (kept equal to it by tests/test_karstmodel/config/test_registry.py): one table per
    section, generated from the declarations."""
    out = ["# Catchment file parameters", "",
           "Generated from the parameter declarations (`karstmodel.registry.param`): default, unit, the",
           "bounds the reader enforces, the default calibration range (`x lo .. hi`: a factor on every hydrotope's",
           "value) and the source. Land-use defaults differ by class: `karstmodel/processes/landuse.py`.", ""]
    for section, cls in DECLARED_SECTIONS.items():
        out += [f"## [{section}]", "", *table(cls, section), ""]
    # the reaches below the spring: an array of tables, one per reach (kind "stream", "pond", "lake"/"reservoir")
    out += ["## [[reaches]]", "", *table(ReachParameters, "reaches"), ""]
    # scenario files (karstmodel.workflows.scenarios): the numbers of their tables declared with param()
    out += ["## [[organic_amendment]] (scenario files)", "", *table(OrganicAmendment, "organic_amendment"), ""]
    return "\n".join(out)
