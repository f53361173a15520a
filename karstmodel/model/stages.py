"""The chain as an explicit pipeline of three stages, each a plain function returning a frozen result:

1. :func:`water_stage`: snow -> soil water of the hydrotopes -> recharge split -> karst stores (epikarst, matrix,
   conduits), non-karst stores -> routing to the outlet (discharge calibration runs the same steps compiled in
   one loop, :mod:`karstmodel.model.water_pass`);
2. :func:`solute_stage`: soil CO2 -> recharge chemistry (dissolution in the soil and epikarst) -> solute transport
   through the stores (what a spin-up needs for its end state);
3. :func:`chemistry_stage`: saturated-zone reactions of the matrix and conduit outflow -> spring chemistry ->
   solutes routed to the gauge and their CO2 exchange there.

:func:`run_chain` runs them up to a stage (:data:`STAGES`) and returns a :class:`ChainRun` and the end state.
Each stage reads only the drivers, the catchment and the results of the stages before it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._compiled import njit, prange
from .._display import Rows, Shown, number
from ..config.catchment import Catchment
from ..processes import changes, conduit_exchange, dissolution, outlet, soil_solutes
from ..processes.karst_stores import simulate_karst
from ..processes.routing import route_store, route_unit_hydrograph, steady_state_storage, unit_hydrograph_gr4j
from ..processes.soil_water import parameter_table, simulate_hydrotopes
from ..processes.snow import simulate_snow
from ..processes.soil_co2 import pressure_atm, simulate_soil_co2
from .state import State, end_state, start_state

#: stages at which :func:`run_chain` can stop: "water" (snow, soil water, stores, routing: the fast path of
#: discharge calibration), "storage" (also soil CO2, recharge chemistry and solute transport: what a spin-up needs
#: for the end state), "chemistry" (the whole chain: reservoir reactions, spring and gauge chemistry)
STAGES = ("water", "storage", "chemistry")


@dataclass(frozen=True, repr=False)
class WaterStage(Shown):
    """Water of one piece of record: the drivers, the process outputs (daily arrays, mm over the catchment unless a
    key says otherwise) and the start of the record."""

    precip_mm: np.ndarray
    temp_c: np.ndarray
    pet_mm: np.ndarray
    snow: dict  #: :func:`karstmodel.processes.snow.simulate_snow`
    hyd: dict  #: :func:`karstmodel.processes.soil_water.simulate_hydrotopes` (days, hydrotopes)
    route: dict  #: recharge split per hydrotope: slow, fast, allogenic, surface, baseflow (days, hydrotopes)
    flows: dict  #: catchment fluxes and storages of the karst and non-karst stores and the outlet
    params: dict  #: the hydrotopes' parameters per day (land-use changes applied)
    changes: dict  #: :func:`karstmodel.processes.changes.evaluate`
    state0: State  #: the state the record started from
    storage0: tuple  #: epikarst, matrix, conduit storage at the start (mm)
    unit_hydrograph: np.ndarray  #: outlet routing ordinates (GR4J UH2)
    raw_outflow_mm: np.ndarray  #: spring + non-karst runoff before the routing to the outlet
    transit_end: np.ndarray | None  #: water still in transit to the gauge at the end

    @property
    def spring_mm(self) -> np.ndarray:
        return self.flows["spring_mm"]

    @property
    def surface_mm(self) -> np.ndarray:
        return self.flows["surface_mm"]

    @property
    def outlet_mm(self) -> np.ndarray:
        return self.flows["outlet_mm"]

    def _display_rows(self) -> Rows:
        n = len(self.precip_mm)
        return "WaterStage", [("days", str(n)), ("water (sums over the piece, mm)",
                                                  f"precipitation {np.sum(self.precip_mm):.1f}, PET {np.sum(self.pet_mm):.1f}, "
                                                  f"spring {np.sum(self.spring_mm):.1f}, outlet {np.sum(self.outlet_mm):.1f}")]


@dataclass(frozen=True, repr=False)
class SoluteStage(Shown):
    """Soil CO2, recharge chemistry and the solute masses carried through the stores (mmol/m2 per day, columns
    :data:`karstmodel.processes.dissolution.BASE` then the per-source water and carbonic-DIC tracers)."""

    co2: dict  #: :func:`karstmodel.processes.soil_co2.simulate_soil_co2`
    rch: dict  #: :func:`karstmodel.processes.dissolution.recharge_chemistry`
    slow_mass: np.ndarray
    fast_mass: np.ndarray
    allo_mass: np.ndarray
    surf_mass: np.ndarray
    base_mass: np.ndarray
    tr: dict  #: :func:`karstmodel.processes.dissolution.transport`
    surf: dict  #: the non-karst quick store with its solutes
    base: dict  #: the non-karst groundwater store with its solutes
    mass0: tuple  #: epikarst, matrix, conduit solute masses at the start
    n_sources: int  #: hydrotopes + the allogenic area
    #: the soil-water solute stores (:func:`soil_solute_store`; None when ``soil_solute_mixing = "none"``)
    soil: dict | None = None

    def _display_rows(self) -> Rows:
        return "SoluteStage", [("days", str(self.slow_mass.shape[0])), ("sources", f"{self.n_sources} (hydrotopes + "
                                                                                    "the allogenic area)")]


@dataclass(frozen=True, repr=False)
class ChemistryStage(Shown):
    """Reservoir reactions, spring and gauge chemistry (concentrations in mmol/L, columns as the masses)."""

    conc_m: np.ndarray  #: matrix outflow after its reactions
    conc_c: np.ndarray  #: conduit outflow after its reactions
    conc_s: np.ndarray  #: the spring (flow-weighted matrix + conduit; NaN on days without spring flow)
    diss_m: np.ndarray  #: carbonate dissolved in the matrix outflow (mmol/L)
    diss_c: np.ndarray  #: carbonate dissolved in the conduit outflow (mmol/L)
    spring_chem: pd.DataFrame  #: speciation of the spring water
    t_gw: float  #: groundwater temperature (C)
    mineral: str  #: the saturated zone's mineral
    outlet_mass: np.ndarray  #: solutes past the gauge (mmol/m2 per day, BASE columns)
    outlet_dic_mass: np.ndarray
    gauge: dict  #: :func:`karstmodel.processes.outlet.gauge_chemistry`
    outlet_transit: tuple  #: water in transit to the gauge at the start and end (mm per day of delay)
    outlet_transit_mass: tuple  #: solutes in transit at the start and end

    def _display_rows(self) -> Rows:
        dic = self.conc_s[:, dissolution.IDX["dic"]]
        return "ChemistryStage", [("days", str(self.conc_s.shape[0])), ("saturated zone", f"{self.mineral}, "
                                                                                          f"{self.t_gw:.1f} C"),
                                  ("spring DIC", f"{number(np.nanmean(dic), '.4g', 'mmol/L')} (mean over the days "
                                                 "with spring flow)")]


@dataclass(frozen=True, repr=False)
class ChainRun(Shown):
    """One piece of record through the chain; ``solutes`` and ``chemistry`` are None when it stopped earlier."""

    water: WaterStage
    solutes: SoluteStage | None = None
    chemistry: ChemistryStage | None = None

    def _display_rows(self) -> Rows:
        done = [k for k in ("water", "solutes", "chemistry") if getattr(self, k) is not None]
        rows = [("stages", ", ".join(done))]
        for k in done:
            title, items = getattr(self, k)._display_rows()
            rows += [(f"{k}: {label}", v) for label, v in items if label != "days"]
        return f"ChainRun ({len(self.water.precip_mm)} days)", rows


def route_recharge(hyd: dict, catchment: Catchment, fast=None) -> dict:
    """Split each hydrotope's recharge into epikarst (slow), conduit (fast), allogenic, non-karst groundwater
    (baseflow) and surface runoff, as mm over the catchment, per hydrotope (days, hydrotopes). ``fast``: (days,
    hydrotopes) preferential-flow shares when they change in time (default the hydrotopes' values).

    Recharge from the carbonate share of each hydrotope feeds the epikarst, a fraction ``fast_flow_fraction``
    bypassing it to the conduits; recharge from the non-carbonate share is allogenic runoff, of which
    ``allogenic_to_karst`` sinks into the conduits and the rest leaves outside the karst: a share
    ``nonkarst_baseflow_fraction`` percolates into the groundwater of the non-carbonate rock, the remainder runs off
    through the quick surface store; the open-water hydrotope runs off at the surface. The carbonate and
    non-carbonate shares are the lithology's, or 1/0 and 0/1 for hydrotopes on one rock
    (:meth:`karstmodel.config.schema.Hydrotope.rock_shares`)."""
    frac = np.array([h.fraction for h in catchment.hydrotopes])
    if fast is None:
        fast = np.array([h.params.fast_flow_fraction for h in catchment.hydrotopes])[None, :]
    is_water = np.array([h.land_use == "water" for h in catchment.hydrotopes])
    lith = catchment.lithology
    r = np.ascontiguousarray(hyd["recharge_mm"], dtype=float)
    fast = np.ascontiguousarray(np.broadcast_to(fast, r.shape), dtype=float)
    shares = np.array([h.rock_shares(lith) for h in catchment.hydrotopes], dtype=float).reshape(-1, 2)
    out = _split_loop(r, frac, is_water, np.ascontiguousarray(shares[:, 0]), np.ascontiguousarray(shares[:, 1]),
                      float(lith.allogenic_to_karst), float(catchment.reservoirs.nonkarst_baseflow_fraction), fast)
    return dict(zip(("slow", "fast", "allogenic", "surface", "baseflow"), out))


@njit
def split_recharge(recharge, frac, is_water, carbonate, non_carbonate, allogenic_to_karst, baseflow_fraction,
                   fast):
    """One hydrotope's recharge of one day (mm over the hydrotope) split as :func:`route_recharge` says: returns
    slow (epikarst), fast (conduits), allogenic (sinking into the karst), surface and non-karst groundwater
    (baseflow) inflow, mm over the catchment. The single compiled copy of the split, used by
    :func:`route_recharge` and the fused water pass of calibration (:mod:`karstmodel.model.water_pass`)."""
    r = recharge * frac
    carb = 0.0 if is_water else r * carbonate
    noncarb = 0.0 if is_water else r * non_carbonate
    outside = noncarb * (1.0 - allogenic_to_karst)
    surface = outside * (1.0 - baseflow_fraction) + (r if is_water else 0.0)
    return (carb * (1.0 - fast), carb * fast, noncarb * allogenic_to_karst, surface, outside * baseflow_fraction)


@njit
def _split_loop(r, frac, is_water, carbonate, non_carbonate, allogenic_to_karst, baseflow_fraction, fast):
    n, nh = r.shape
    slow = np.empty((n, nh))
    quick = np.empty((n, nh))
    allo = np.empty((n, nh))
    surface = np.empty((n, nh))
    base = np.empty((n, nh))
    for t in range(n):
        for h in range(nh):
            slow[t, h], quick[t, h], allo[t, h], surface[t, h], base[t, h] = split_recharge(
                r[t, h], frac[h], is_water[h], carbonate[h], non_carbonate[h], allogenic_to_karst, baseflow_fraction,
                fast[t, h])
    return slow, quick, allo, surface, base


def source_mass(vol_mm: np.ndarray, conc: np.ndarray, source: int | None, n_sources: int) -> np.ndarray:
    """Solute masses (mmol/m2 per day, days x (BASE + 2 sources)) carried by water volumes ``vol_mm`` (days,
    hydrotopes) of concentrations ``conc`` (days, hydrotopes, BASE): the element masses summed over the hydrotopes,
    then per source the water tracer (mm) and the carbonic DIC (DIC - 2 SO4(acid) - NO3(acid) - organic acid).
    ``source``: the single source all water is attributed to (the allogenic area), or None for one source per
    hydrotope."""
    i = dissolution.IDX
    return _source_mass_loop(np.ascontiguousarray(vol_mm, dtype=float), np.ascontiguousarray(conc, dtype=float),
                             -1 if source is None else int(source), int(n_sources), i["dic"], i["so4_acid"],
                             i["no3_acid"], i["org_acid"])


@njit(parallel=True)
def _source_mass_loop(vol, conc, source, n_sources, i_dic, i_so4a, i_no3a, i_orga):
    n, nh, nb = conc.shape
    out = np.zeros((n, nb + 2 * n_sources))
    for t in prange(n):
        for h in range(nh):
            v = vol[t, h]
            if v == 0.0:
                continue
            for k in range(nb):
                out[t, k] += v * conc[t, h, k]
            src = h if source < 0 else source
            out[t, nb + src] += v
            out[t, nb + n_sources + src] += v * (conc[t, h, i_dic] - 2.0 * conc[t, h, i_so4a] - conc[t, h, i_no3a]
                                                 - conc[t, h, i_orga])
    return out


def water_stage(c: Catchment, data: pd.DataFrame, state: State | None) -> WaterStage:
    """Snow, soil water, the recharge split, the karst and non-karst stores and the routing to the outlet."""
    precip = data["precip_mm"].to_numpy(float)
    temp = data["temp_c"].to_numpy(float)
    pet = data["pet_mm"].to_numpy(float)
    n = precip.size
    chg = changes.evaluate(c, data.index)
    params = parameter_table(c.hydrotopes, n, chg["overrides"])
    smax = params["root_zone_storage_mm"][0]
    if state is None:
        state = start_state(c, smax)
    snow = simulate_snow(precip, temp, c.snow, state.swe)
    hyd = simulate_hydrotopes(snow["rain_mm"], snow["melt_mm"], pet, c.hydrotopes, state.soil, state.icept,
                              params=params, irrigation_mm=chg["irrigation_mm"],
                              percolation_nu=c.reservoirs.soil_percolation_nu)
    route = route_recharge(hyd, c, params["fast_flow_fraction"])
    flows = {"slow_in_mm": route["slow"].sum(axis=1), "fast_in_mm": route["fast"].sum(axis=1),
             "allogenic_in_mm": route["allogenic"].sum(axis=1), "surface_in_mm": route["surface"].sum(axis=1),
             "baseflow_in_mm": route["baseflow"].sum(axis=1)}
    res = c.reservoirs
    if state.baseflow is None:
        b0 = res.initial_nonkarst_baseflow_mm
        if b0 is None:
            b0 = steady_state_storage(float(np.mean(flows["baseflow_in_mm"])), res.nonkarst_baseflow_k_per_d,
                                      res.nonkarst_baseflow_exponent)
        state = replace(state, baseflow=float(b0))
    surf_water = dissolution.route_surface(flows["surface_in_mm"], np.zeros((n, 1)), res.surface_k_per_d,
                                           state.surface)
    base_water = route_store(flows["baseflow_in_mm"], res.nonkarst_baseflow_k_per_d,
                             res.nonkarst_baseflow_exponent, state.baseflow)
    # runoff of the non-karst area at the outlet: the quick surface store plus the non-karst baseflow
    flows["surface_mm"] = surf_water["out_mm"] + base_water["out_mm"]
    flows["surface_store_mm"] = surf_water["store_mm"]
    flows["nonkarst_baseflow_mm"] = base_water["out_mm"]
    flows["nonkarst_baseflow_store_mm"] = base_water["store_mm"]
    karst = simulate_karst(flows["slow_in_mm"], flows["fast_in_mm"], flows["allogenic_in_mm"], res,
                           e0=state.storage[0], m0=state.storage[1], c0=state.storage[2])
    m_init = karst["matrix_mm"][0] + karst["matrix_out_mm"][0] - karst["epikarst_to_matrix_mm"][0]
    storage0 = (state.storage[0], m_init, state.storage[2])
    flows.update(karst)
    uh = unit_hydrograph_gr4j(res.routing_delay_d)
    raw_q = flows["spring_mm"] + flows["surface_mm"]  # leaving the springs and hillslopes, before the routing
    flows["outlet_mm"], transit_end = route_unit_hydrograph(raw_q, uh, state.transit)
    return WaterStage(precip_mm=precip, temp_c=temp, pet_mm=pet, snow=snow, hyd=hyd, route=route, flows=flows,
                      params=params, changes=chg, state0=state, storage0=storage0, unit_hydrograph=uh,
                      raw_outflow_mm=raw_q, transit_end=transit_end)


def solute_stage(c: Catchment, data: pd.DataFrame, w: WaterStage) -> SoluteStage:
    """Soil CO2, the chemistry of recharge and the solute masses carried through the stores with the water."""
    state, flows, route, hyd, snow, params, chg = w.state0, w.flows, w.route, w.hyd, w.snow, w.params, w.changes
    nh = len(c.hydrotopes)
    smax_t = params["root_zone_storage_mm"]
    rel = np.where(smax_t > 0, hyd["soil_mm"] / np.where(smax_t > 0, smax_t, 1.0), 1.0)
    co2 = simulate_soil_co2(w.temp_c, rel, c.hydrotopes, c.elevation_m, c.chemistry.atmospheric_co2_ppm,
                            c.chemistry.soil_temp_lag_days, swe_mm=snow["swe_mm"], aet_mm=hyd["aet_mm"],
                            model=c.chemistry.soil_co2_model, params=params, soil_warming_c=chg["soil_warming_c"],
                            amendments=chg["amendments"], percolation_mm=hyd["recharge_mm"],
                            database=c.chemistry.database)
    irrigation = []
    if chg["irrigation"]:
        soil_in = snow["rain_mm"][:, None] + snow["melt_mm"][:, None] + chg["irrigation_mm"]
        for h, water, mm in chg["irrigation"]:
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(soil_in[:, h] > 0, mm / soil_in[:, h], 0.0)
            irrigation.append((h, water, share))
    mixing = c.chemistry.soil_solute_mixing != "none"
    # with a soil-water store, the allogenic water meets the carbonate (the contact) after leaving the store
    rch = dissolution.recharge_chemistry(co2["soil_temp_c"], co2["pco2_atm"], c.hydrotopes, c.lithology,
                                         c.chemistry, c.acids, c.allogenic_water, irrigation=irrigation,
                                         powder=chg["powder"], allogenic_recharge_mm=hyd["recharge_mm"],
                                         index=data.index, contact=None if mixing else c.allogenic_contact,
                                         pressure_atm=pressure_atm(c.elevation_m))
    soil = None
    if mixing:
        rch, soil = soil_solute_store(c, w, rch)
        ts = np.broadcast_to(np.asarray(co2["soil_temp_c"])[:, None], rch["allogenic"].shape[:2])
        dissolution.add_contact(rch, ts, c.lithology, c.allogenic_contact, pressure_atm(c.elevation_m),
                                c.chemistry.database)
    ns = nh + 1
    nc = dissolution.N_BASE + 2 * ns
    is_water = np.array([h.land_use == "water" for h in c.hydrotopes])
    slow_mass = source_mass(route["slow"], rch["carbonate"], None, ns)
    fast_mass = source_mass(route["fast"], rch["carbonate"], None, ns)
    # the allogenic water sinking into the karst after its contact with the carbonate (if any, [allogenic_contact])
    allo_mass = source_mass(route["allogenic"], rch.get("allogenic_sinking", rch["allogenic"]), nh, ns)
    surf_mass = source_mass(np.where(is_water[None, :], 0.0, route["surface"]), rch["allogenic"], nh, ns)
    base_mass = source_mass(np.where(is_water[None, :], 0.0, route["baseflow"]), rch["allogenic"], nh, ns)
    storage0 = w.storage0

    def carry(allo_mass):
        """Initial solute masses (from the spin-up, or the mean composition of the inputs) and the transport."""
        if state.mass is None:
            def mean_conc(mass, vol):
                v = vol.sum()
                return mass.sum(axis=0) / v if v > 0 else np.zeros(nc)
            ce = mean_conc(slow_mass, flows["slow_in_mm"])
            cc = mean_conc(fast_mass + allo_mass + slow_mass,
                           flows["fast_in_mm"] + flows["allogenic_in_mm"] + flows["slow_in_mm"])
            mass0 = (ce * storage0[0], ce * storage0[1], cc * storage0[2])
        else:
            mass0 = state.mass
        return mass0, dissolution.transport(flows, slow_mass, fast_mass, allo_mass, storage0, mass0)
    mass0, tr = carry(allo_mass)
    if conduit_exchange.exchanges(c.allogenic_contact) and "allogenic_sinking" in rch:
        # the matrix-conduit exchange along the contact sets the water at the wall (conduit_exchange); the matrix
        # water is the day's matrix outflow of the transport, which does not depend on the conduits' inflows
        ts = np.broadcast_to(np.asarray(co2["soil_temp_c"])[:, None], rch["allogenic"].shape[:2])
        rch = dict(rch)
        rch["allogenic_sinking"], rch["allogenic_contact_dissolved"], rch["allogenic_wall_share"] = \
            conduit_exchange.sinking_water(
                rch, conduit_exchange.outflow_water(tr["matrix_out_mass"], flows["matrix_out_mm"], dissolution.IDX),
                flows["allogenic_in_mm"], flows["matrix_mm"], flows["conduit_mm"], flows["matrix_out_mm"], ts,
                c.allogenic_contact, "calcite" if c.lithology.limestone >= c.lithology.dolomite else "dolomite",
                pressure_atm(c.elevation_m), c.chemistry.database)
        allo_mass = source_mass(route["allogenic"], rch["allogenic_sinking"], nh, ns)
        mass0, tr = carry(allo_mass)
    surf = dissolution.route_surface(flows["surface_in_mm"], surf_mass, c.reservoirs.surface_k_per_d, state.surface,
                                     state.surface_mass if state.surface_mass is not None else
                                     (surf_mass.sum(axis=0) / max(flows["surface_in_mm"].sum(), 1e-12)) * state.surface)
    # the non-karst groundwater carries the allogenic water's solutes like the surface store (no reactions)
    base = route_store(flows["baseflow_in_mm"], c.reservoirs.nonkarst_baseflow_k_per_d,
                       c.reservoirs.nonkarst_baseflow_exponent, state.baseflow, base_mass,
                       state.baseflow_mass if state.baseflow_mass is not None else
                       (base_mass.sum(axis=0) / max(flows["baseflow_in_mm"].sum(), 1e-12)) * state.baseflow)
    return SoluteStage(co2=co2, rch=rch, slow_mass=slow_mass, fast_mass=fast_mass, allo_mass=allo_mass,
                       surf_mass=surf_mass, base_mass=base_mass, tr=tr, surf=surf, base=base, mass0=mass0,
                       n_sources=ns, soil=soil)


def soil_solute_store(c: Catchment, w: WaterStage, rch: dict) -> tuple[dict, dict]:
    """The water leaving the soil through the well-mixed soil-water stores (``[chemistry] soil_solute_mixing``,
    :mod:`karstmodel.processes.soil_solutes`): per hydrotope one store for the water over carbonate and one over
    non-carbonate rock, volume the day's soil water (``"soil_water"``) or ``soil_mixing_volume_mm`` (``"fixed"``),
    drained by the day's recharge. Returns the recharge chemistry with ``carbonate`` and ``allogenic`` replaced by
    the water leaving the stores (the day's equilibrium water kept as ``carbonate_equilibrium`` and
    ``allogenic_equilibrium``) and the stores in mmol per m2 of catchment: per day the net uptake (``taken``) and
    the release (``released``), the content at the start and end (BASE columns; the water of the open-water
    hydrotope carries no solutes, :func:`solute_stage`), and the end state (``conc_end``, ``volume_end_mm``)."""
    hyd, state, nb = w.hyd, w.state0, dissolution.N_BASE
    q = hyd["recharge_mm"]
    fixed = c.chemistry.soil_solute_mixing == "fixed"
    v = w.params["soil_mixing_volume_mm"] if fixed else hyd["soil_mm"]
    if state.soil_solute is not None:
        c_prev, v_prev = state.soil_solute
    else:
        c_prev, v_prev = None, (v[0] if fixed else state.soil)
    got = soil_solutes.mix(q, v, np.concatenate((rch["carbonate"], rch["allogenic"]), axis=2), v_prev, c_prev)
    out = dict(rch)
    out["carbonate_equilibrium"], out["allogenic_equilibrium"] = rch["carbonate"], rch["allogenic"]
    out["carbonate"] = np.ascontiguousarray(got["out_conc"][:, :, :nb])
    out["allogenic"] = np.ascontiguousarray(got["out_conc"][:, :, nb:])
    # catchment weight of each store: hydrotope fraction x rock share (none for open water)
    shares = np.array([h.rock_shares(c.lithology) for h in c.hydrotopes], dtype=float).reshape(-1, 2)
    land = np.array([0.0 if h.land_use == "water" else h.fraction for h in c.hydrotopes])
    wt = np.concatenate((np.repeat((land * shares[:, 0])[:, None], nb, axis=1),
                         np.repeat((land * shares[:, 1])[:, None], nb, axis=1)), axis=1)  # (hydrotopes, 2 BASE)

    def fold(x):  # (..., 2 BASE) -> (..., BASE): the two stores summed
        return x[..., :nb] + x[..., nb:]
    store = {"taken_mmol_m2": fold(np.einsum("thk,hk->tk", got["taken_mmol_m2"], wt)),
             "released_mmol_m2": fold(np.einsum("th,thk,hk->tk", q, got["out_conc"], wt)),
             "store_start_mmol_m2": fold((got["volume_start_mm"][:, None] * got["conc_start"] * wt).sum(axis=0)),
             "store_end_mmol_m2": fold((v[-1][:, None] * got["conc"][-1] * wt).sum(axis=0)),
             "conc_end": got["conc"][-1].copy(), "volume_end_mm": np.array(v[-1], dtype=float)}
    return out, store


def chemistry_stage(c: Catchment, w: WaterStage, s: SoluteStage) -> ChemistryStage:
    """Closed-system reactions of the matrix and conduit outflow, the spring's chemistry, and the solutes routed to
    the gauge with their CO2 exchange with the river air (:mod:`karstmodel.processes.outlet`)."""
    flows, state = w.flows, w.state0
    n = w.precip_mm.size
    ns = s.n_sources
    t_gw = c.chemistry.groundwater_temp_c if c.chemistry.groundwater_temp_c is not None else \
        float(np.clip(np.mean(w.temp_c), 0.5, 40.0))
    mineral = "calcite" if c.lithology.limestone >= c.lithology.dolomite else "dolomite"
    q_m, q_c = flows["matrix_out_mm"], flows["conduit_out_mm"]
    with np.errstate(divide="ignore", invalid="ignore"):
        conc_m = np.divide(s.tr["matrix_out_mass"], q_m[:, None], out=np.zeros_like(s.tr["matrix_out_mass"]),
                           where=q_m[:, None] > 0)
        conc_c = np.divide(s.tr["conduit_out_mass"], q_c[:, None], out=np.zeros_like(s.tr["conduit_out_mass"]),
                           where=q_c[:, None] > 0)
        residence_c = np.where(q_c > 0, (flows["conduit_mm"] + q_c) / q_c, 0.0)
    db = c.chemistry.database
    if c.lithology.carbonate > 0:
        conc_m2, diss_m = dissolution.react_outflow(conc_m, q_m, t_gw, c.chemistry.matrix, mineral, database=db)
        av = 2.0 / (c.chemistry.conduit_radius_mm / 10.0)
        conc_c2, diss_c = dissolution.react_outflow(conc_c, q_c, t_gw, c.chemistry.conduit, mineral,
                                                    residence_days=residence_c, surface_to_volume_cm_1=av, database=db)
    else:
        conc_m2, diss_m, conc_c2, diss_c = conc_m, np.zeros(n), conc_c, np.zeros(n)
    # attribute the carbonic DIC added by dissolution in the reservoirs to the sources by their water share
    for conc_new, conc_old in ((conc_m2, conc_m), (conc_c2, conc_c)):
        d_dic = conc_new[:, dissolution.IDX["dic"]] - conc_old[:, dissolution.IDX["dic"]]
        water = conc_new[:, dissolution.N_BASE: dissolution.N_BASE + ns]
        wsum = water.sum(axis=1)
        share = np.where(wsum[:, None] > 0, water / np.where(wsum > 0, wsum, 1.0)[:, None], 0.0)
        conc_new[:, dissolution.N_BASE + ns:] += share * d_dic[:, None]
    q_s = q_m + q_c
    with np.errstate(divide="ignore", invalid="ignore"):
        conc_s = np.where(q_s[:, None] > 0, (conc_m2 * q_m[:, None] + conc_c2 * q_c[:, None]) / q_s[:, None], np.nan)
    i_dic = dissolution.IDX["dic"]
    valid = (q_s > 1e-9) & np.isfinite(conc_s[:, i_dic]) & (conc_s[:, i_dic] > 1e-9)
    spring_chem = pd.DataFrame(index=np.arange(n))
    if valid.any():
        sp = dissolution.speciate_water(conc_s[valid], t_gw, database=db)
        cols = {}
        for col, v in sp.items():
            arr = np.full(n, np.nan) if v.dtype != bool else np.zeros(n, dtype=bool)
            arr[valid] = v
            cols[col] = arr
        spring_chem = pd.DataFrame(cols, copy=False)
    # the outlet's solutes, routed with its water; water already in transit at the start (from the spin-up)
    # carries the first day's outlet concentrations (the spin-up does not speciate the spring water)
    nb = dissolution.N_BASE
    raw_mass = (np.nan_to_num(flows["spring_mm"][:, None] * conc_s[:, :nb]) + s.surf["out_mass"][:, :nb]
                + s.base["out_mass"][:, :nb])
    raw_q = w.raw_outflow_mm
    transit_mass0 = state.transit_mass
    if transit_mass0 is None and state.transit is not None and np.size(state.transit):
        c_first = raw_mass[0] / raw_q[0] if raw_q[0] > 0 else np.zeros(nb)
        transit_mass0 = np.asarray(state.transit)[:, None] * c_first[None, :]
    outlet_mass, transit_mass_end = outlet.route_solutes(raw_mass, w.unit_hydrograph, transit_mass0)
    gauge = outlet.gauge_chemistry(outlet_mass, flows["outlet_mm"], w.temp_c, c.chemistry.outlet_pco2_ppm,
                                   database=db)
    return ChemistryStage(conc_m=conc_m2, conc_c=conc_c2, conc_s=conc_s, diss_m=diss_m, diss_c=diss_c,
                          spring_chem=spring_chem, t_gw=t_gw, mineral=mineral, outlet_mass=outlet_mass,
                          outlet_dic_mass=outlet_mass[:, i_dic], gauge=gauge,
                          outlet_transit=(state.transit, w.transit_end),
                          outlet_transit_mass=(transit_mass0, transit_mass_end))


def run_chain(c: Catchment, data: pd.DataFrame, state: State | None, stop_after: str = "chemistry"
              ) -> tuple[ChainRun, State]:
    """One piece of record through the chain up to the stage ``stop_after`` (:data:`STAGES`). Returns the stages'
    results and the end state (the start of the next piece)."""
    if stop_after not in STAGES:
        raise ValueError(f"stop_after must be one of {STAGES}, got {stop_after!r}")
    w = water_stage(c, data, state)
    if stop_after == "water":
        return ChainRun(water=w), end_state(w)
    s = solute_stage(c, data, w)
    if stop_after == "storage":
        return ChainRun(water=w, solutes=s), end_state(w, s)
    ch = chemistry_stage(c, w, s)
    return ChainRun(water=w, solutes=s, chemistry=ch), end_state(w, s, ch.outlet_transit_mass[1])
