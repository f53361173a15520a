"""The state of the chain between two pieces of record: every storage of water and solutes, built in one place.

The spin-up ends in a :class:`State`; the recorded run starts from it, so the storage changes in the balances are
those of the recorded period (docs/science.md, Balances).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class State:
    """Storages at the start of a piece of record.

    Water in mm over the catchment (soil and interception per hydrotope, mm over the hydrotope); solute masses in
    mmol/m2 of catchment, columns the components of :data:`karstmodel.processes.dissolution.BASE` (plus the source
    tracers where noted)."""

    swe: float | np.ndarray  #: catchment SWE, or per-band SWE with [snow] elevation bands (mm)
    soil: np.ndarray  #: soil water per hydrotope (mm)
    icept: np.ndarray  #: interception store per hydrotope (mm)
    storage: tuple  #: epikarst, matrix, conduit (mm); matrix None = its steady state, set by the karst stores
    mass: tuple | None  #: epikarst, matrix, conduit solute masses; None = the mean recharge composition
    surface: float = 0.0  #: the non-karst quick-runoff store (mm)
    surface_mass: np.ndarray | None = None
    #: the non-karst groundwater store (mm); None = ``[reservoirs] initial_nonkarst_baseflow_mm`` or the steady
    #: state of its mean inflow in the run
    baseflow: float | None = None
    baseflow_mass: np.ndarray | None = None
    #: water (mm) and solutes on their way to the gauge (routing_delay_d > 0), owed to the days after the end of the
    #: previous piece of record (rows: days still in transit)
    transit: np.ndarray | None = None
    transit_mass: np.ndarray | None = None
    #: the soil-water solute stores (``[chemistry] soil_solute_mixing``): their concentrations (mmol/L; hydrotopes,
    #: water over carbonate then over non-carbonate components) and volumes (mm over the hydrotope); None = off,
    #: or the mean composition of the day's soil water over the next piece
    soil_solute: tuple | None = None


def start_state(c, smax, matrix_mm: float | None = None, baseflow_mm: float | None = None) -> State:
    """The state at the start of the spin-up: no snow, soils half full, interception empty, epikarst and conduits at
    ``[reservoirs] initial_epikarst_mm`` / ``initial_conduit_mm``, the matrix at ``matrix_mm`` (None: ``[reservoirs]
    initial_matrix_mm``, else the steady state of its inflow, set by the karst stores) and the non-karst groundwater
    at ``baseflow_mm`` (None: its steady state in the water stage). Without karst (no carbonate rock and nothing
    sinking into it) the karst stores start and stay empty."""
    karst_fed = c.lithology.carbonate > 0 or c.lithology.allogenic_to_karst > 0
    res = c.reservoirs
    storage = ((res.initial_epikarst_mm, matrix_mm, res.initial_conduit_mm) if karst_fed else (0.0, 0.0, 0.0))
    return State(swe=0.0, soil=0.5 * np.asarray(smax, dtype=float), icept=np.zeros(len(c.hydrotopes)),
                 storage=storage, mass=None, baseflow=baseflow_mm)


def end_state(water, solutes=None, transit_mass=None) -> State:
    """The state at the end of a piece of record, the start of the next: the storages of the water stage
    (:class:`karstmodel.model.stages.WaterStage`), and the solute masses when the chain ran through transport
    (:class:`karstmodel.model.stages.SoluteStage`)."""
    snow, hyd, flows = water.snow, water.hyd, water.flows
    return State(swe=snow["swe_end"], soil=hyd["soil_mm"][-1].copy(), icept=hyd["icept_mm"][-1].copy(),
                 storage=(float(flows["epikarst_mm"][-1]), float(flows["matrix_mm"][-1]),
                          float(flows["conduit_mm"][-1])),
                 mass=None if solutes is None else tuple(solutes.tr["storage_mass_end"][k].copy() for k in range(3)),
                 surface=float(flows["surface_store_mm"][-1]),
                 surface_mass=None if solutes is None else solutes.surf["store_mass"][-1].copy(),
                 baseflow=float(flows["nonkarst_baseflow_store_mm"][-1]),
                 baseflow_mass=None if solutes is None else solutes.base["store_mass"][-1].copy(),
                 transit=water.transit_end, transit_mass=transit_mass,
                 soil_solute=None if solutes is None or solutes.soil is None else
                 (solutes.soil["conc_end"], solutes.soil["volume_end_mm"]))
