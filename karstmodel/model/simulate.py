"""One run of the chain: drivers -> snow -> hydrotopes -> karst reservoirs -> soil CO2 -> dissolution -> spring
chemistry -> accounting. Returns a result table with unit-named columns and a summary with closed balances.

Data flow is one way (docs/science.md): no process reaches back into an earlier one. The matrix starts at the steady
state of its long-term mean inflow; a spin-up run over the first ``warmup_days`` of the drivers then sets the
initial storages and solute masses; the recorded run starts from them, so storage changes in the balances are those
of the recorded period.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from chemistry._threads import single_blas_thread

from ..accounting import sink as accounting
from ..processes import dissolution, outlet
from ..config.catchment import Catchment, load_catchment, resolve_catchment
from ..io.drivers import MIN_RECORD_DAYS, Drivers, load_drivers
from ..processes import changes
from .._compiled import njit, prange
from ..processes.hydrology import (parameter_table, route_store, route_unit_hydrograph, simulate_hydrotopes, simulate_karst,
                        steady_state_storage, unit_hydrograph_gr4j)
from ..io.observations import load_discharge_observations, mm_d_to_m3_s
from ..processes.snow import simulate_snow
from ..processes.soil_co2 import simulate_soil_co2
from ..processes.surface_water import simulate_reaches


@dataclass
class SimulationResult:
    catchment: Catchment
    timeseries: pd.DataFrame
    summary: dict
    hydrotope_series: dict = field(default_factory=dict)  # name -> DataFrame (soil water, AET, pCO2, ...)
    drivers: Drivers | None = None
    reaches: object | None = None  # karstmodel.surface_water.ReachResult when the catchment has reaches


@dataclass
class _State:
    swe: float | np.ndarray  # catchment SWE (mm), or per-band SWE with [snow] elevation bands
    soil: np.ndarray
    icept: np.ndarray
    storage: tuple  # E, M, C (mm)
    mass: tuple | None  # E, M, C solute masses (mmol/m2) or None (start from mean recharge composition)
    surface: float = 0.0  # storage of the non-karst runoff store (mm)
    surface_mass: np.ndarray | None = None
    #: storage of the non-karst groundwater store (mm); None = [reservoirs] initial_nonkarst_baseflow_mm or the
    #: steady state of its mean inflow in the run
    baseflow: float | None = None
    baseflow_mass: np.ndarray | None = None
    #: outlet routing (routing_delay_d > 0): water (mm) and solutes (mmol/m2, rows as transit, columns the
    #: dissolution.BASE components) already on their way to the gauge, owed to the days after the end of the
    #: previous piece of the record
    transit: np.ndarray | None = None
    transit_mass: np.ndarray | None = None


def _route_recharge(hyd: dict, catchment: Catchment, fast=None) -> dict:
    """Split each hydrotope's recharge into epikarst (slow), conduit (fast), allogenic, non-karst groundwater
    (baseflow) and surface runoff, as mm over the catchment, per hydrotope (days, hydrotopes). ``fast``: (days,
    hydrotopes) preferential-flow shares when they change in time (default the hydrotopes' values)."""
    frac = np.array([h.fraction for h in catchment.hydrotopes])
    if fast is None:
        fast = np.array([h.params.fast_flow_fraction for h in catchment.hydrotopes])[None, :]
    is_water = np.array([h.land_use == "water" for h in catchment.hydrotopes])
    lith = catchment.lithology
    r = hyd["recharge_mm"] * frac[None, :]
    carb = np.where(is_water[None, :], 0.0, r * lith.carbonate)
    noncarb = np.where(is_water[None, :], 0.0, r * lith.non_carbonate)
    slow = carb * (1.0 - fast)
    quick = carb * fast
    allo_k = noncarb * lith.allogenic_to_karst
    outside = noncarb * (1.0 - lith.allogenic_to_karst)
    f_b = catchment.reservoirs.nonkarst_baseflow_fraction
    baseflow = outside * f_b
    surface = outside * (1.0 - f_b) + np.where(is_water[None, :], r, 0.0)  # f_b = 0: x 1.0, the former values
    return {"slow": slow, "fast": quick, "allogenic": allo_k, "surface": surface, "baseflow": baseflow}


def _source_mass(vol_mm: np.ndarray, conc: np.ndarray, source: int | None, n_sources: int) -> np.ndarray:
    """Solute masses (mmol/m2 per day, days x (BASE + 2 sources)) carried by water volumes ``vol_mm`` (days,
    hydrotopes) of concentrations ``conc`` (days, hydrotopes, BASE): the element masses summed over the hydrotopes,
    then per source the water tracer (mm) and the carbonic DIC (DIC - 2 SO4(acid) - NO3(acid)). ``source``: the
    single source all water is attributed to (the allogenic area), or None for one source per hydrotope."""
    i = dissolution.IDX
    return _source_mass_loop(np.ascontiguousarray(vol_mm, dtype=float), np.ascontiguousarray(conc, dtype=float),
                             -1 if source is None else int(source), int(n_sources), i["dic"], i["so4_acid"],
                             i["no3_acid"])


@njit(parallel=True)
def _source_mass_loop(vol, conc, source, n_sources, i_dic, i_so4a, i_no3a):
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
            out[t, nb + n_sources + src] += v * (conc[t, h, i_dic] - 2.0 * conc[t, h, i_so4a] - conc[t, h, i_no3a])
    return out


#: stages of the chain at which :func:`_core` can stop: "water" (snow, soil water, stores, routing: the fast path of
#: discharge calibration), "storage" (also soil CO2, recharge chemistry and solute transport: what a spin-up needs
#: for the end state), "chemistry" (the whole chain: reservoir reactions, spring and gauge chemistry)
STAGES = ("water", "storage", "chemistry")


def _end_state(snow: dict, hyd: dict, flows: dict, transit_end, tr: dict | None = None, surf: dict | None = None,
               base: dict | None = None, transit_mass=None) -> _State:
    """The state at the end of a piece of record, the start of the next (storages; solute masses when the chain ran
    through transport)."""
    return _State(swe=snow["swe_end"], soil=hyd["soil_mm"][-1].copy(), icept=hyd["icept_mm"][-1].copy(),
                  storage=(float(flows["epikarst_mm"][-1]), float(flows["matrix_mm"][-1]),
                           float(flows["conduit_mm"][-1])),
                  mass=None if tr is None else tuple(tr["storage_mass_end"][k].copy() for k in range(3)),
                  surface=float(flows["surface_store_mm"][-1]),
                  surface_mass=None if surf is None else surf["store_mass"][-1].copy(),
                  baseflow=float(flows["nonkarst_baseflow_store_mm"][-1]),
                  baseflow_mass=None if base is None else base["store_mass"][-1].copy(),
                  transit=transit_end, transit_mass=transit_mass)


def _core(c: Catchment, data: pd.DataFrame, state: _State | None, stop_after: str = "chemistry"
          ) -> tuple[dict, _State]:
    """One piece of record through the chain up to the stage ``stop_after`` (:data:`STAGES`). Returns the run's
    arrays (empty for "storage", whose only product is the end state) and the end state."""
    if stop_after not in STAGES:
        raise ValueError(f"stop_after must be one of {STAGES}, got {stop_after!r}")
    precip = data["precip_mm"].to_numpy(float)
    temp = data["temp_c"].to_numpy(float)
    pet = data["pet_mm"].to_numpy(float)
    n = precip.size
    nh = len(c.hydrotopes)
    chg = changes.evaluate(c, data.index)
    params = parameter_table(c.hydrotopes, n, chg["overrides"])
    smax_t = params["root_zone_storage_mm"]
    smax = smax_t[0]
    if state is None:
        state = _start_state(c, smax)
    snow = simulate_snow(precip, temp, c.snow, state.swe)
    hyd = simulate_hydrotopes(snow["rain_mm"], snow["melt_mm"], pet, c.hydrotopes, state.soil, state.icept,
                              params=params, irrigation_mm=chg["irrigation_mm"],
                              percolation_nu=c.reservoirs.soil_percolation_nu)
    route = _route_recharge(hyd, c, params["fast_flow_fraction"])
    flows = {"slow_in_mm": route["slow"].sum(axis=1), "fast_in_mm": route["fast"].sum(axis=1),
             "allogenic_in_mm": route["allogenic"].sum(axis=1), "surface_in_mm": route["surface"].sum(axis=1),
             "baseflow_in_mm": route["baseflow"].sum(axis=1)}
    k_s = c.reservoirs.surface_k_per_d
    res_p = c.reservoirs
    if state.baseflow is None:
        b0 = res_p.initial_nonkarst_baseflow_mm
        if b0 is None:
            b0 = steady_state_storage(float(np.mean(flows["baseflow_in_mm"])), res_p.nonkarst_baseflow_k_per_d,
                                      res_p.nonkarst_baseflow_exponent)
        state = replace(state, baseflow=float(b0))
    surf_water = dissolution.route_surface(flows["surface_in_mm"], np.zeros((n, 1)), k_s, state.surface)
    base_water = route_store(flows["baseflow_in_mm"], res_p.nonkarst_baseflow_k_per_d,
                             res_p.nonkarst_baseflow_exponent, state.baseflow)
    # runoff of the non-karst area at the outlet: the quick surface store plus the non-karst baseflow
    flows["surface_mm"] = surf_water["out_mm"] + base_water["out_mm"]
    flows["surface_store_mm"] = surf_water["store_mm"]
    flows["nonkarst_baseflow_mm"] = base_water["out_mm"]
    flows["nonkarst_baseflow_store_mm"] = base_water["store_mm"]
    karst = simulate_karst(flows["slow_in_mm"], flows["fast_in_mm"], flows["allogenic_in_mm"], c.reservoirs,
                           e0=state.storage[0], m0=state.storage[1], c0=state.storage[2])
    m_init = karst["matrix_mm"][0] + karst["matrix_out_mm"][0] - karst["epikarst_to_matrix_mm"][0]
    storage0 = (state.storage[0], m_init, state.storage[2])
    flows.update(karst)
    uh = unit_hydrograph_gr4j(c.reservoirs.routing_delay_d)
    raw_q = flows["spring_mm"] + flows["surface_mm"]  # leaving the springs and hillslopes, before the routing
    flows["outlet_mm"], transit_end = route_unit_hydrograph(raw_q, uh, state.transit)
    if stop_after == "water":
        end_state = _end_state(snow, hyd, flows, transit_end)
        return dict(precip=precip, temp=temp, pet=pet, snow=snow, hyd=hyd, route=route, flows=flows, state0=state,
                    storage0=storage0, params=params), end_state

    rel = np.where(smax_t > 0, hyd["soil_mm"] / np.where(smax_t > 0, smax_t, 1.0), 1.0)
    co2 = simulate_soil_co2(temp, rel, c.hydrotopes, c.elevation_m, c.chemistry.atmospheric_co2_ppm,
                            c.chemistry.soil_temp_lag_days, swe_mm=snow["swe_mm"], aet_mm=hyd["aet_mm"],
                            model=c.chemistry.soil_co2_model, params=params)
    irrigation = []
    if chg["irrigation"]:
        soil_in = snow["rain_mm"][:, None] + snow["melt_mm"][:, None] + chg["irrigation_mm"]
        for h, water, mm in chg["irrigation"]:
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(soil_in[:, h] > 0, mm / soil_in[:, h], 0.0)
            irrigation.append((h, water, share))
    rch = dissolution.recharge_chemistry(co2["soil_temp_c"], co2["pco2_atm"], c.hydrotopes, c.lithology,
                                         c.chemistry, c.acids, c.allogenic_water, irrigation=irrigation,
                                         powder=chg["powder"], allogenic_recharge_mm=hyd["recharge_mm"],
                                         index=data.index)
    ns = nh + 1
    nc = dissolution.N_BASE + 2 * ns
    is_water = np.array([h.land_use == "water" for h in c.hydrotopes])
    slow_mass = _source_mass(route["slow"], rch["carbonate"], None, ns)
    fast_mass = _source_mass(route["fast"], rch["carbonate"], None, ns)
    allo_mass = _source_mass(route["allogenic"], rch["allogenic"], nh, ns)
    surf_mass = _source_mass(np.where(is_water[None, :], 0.0, route["surface"]), rch["allogenic"], nh, ns)
    base_mass = _source_mass(np.where(is_water[None, :], 0.0, route["baseflow"]), rch["allogenic"], nh, ns)
    # initial solute masses: from the spin-up, or the mean composition of the inputs
    if state.mass is None:
        def mean_conc(mass, vol):
            v = vol.sum()
            return mass.sum(axis=0) / v if v > 0 else np.zeros(nc)
        ce = mean_conc(slow_mass, flows["slow_in_mm"])
        cc = mean_conc(fast_mass + allo_mass + slow_mass, flows["fast_in_mm"] + flows["allogenic_in_mm"] + flows["slow_in_mm"])
        mass0 = (ce * storage0[0], ce * storage0[1], cc * storage0[2])
    else:
        mass0 = state.mass
    tr = dissolution.transport(flows, slow_mass, fast_mass, allo_mass, storage0, mass0)
    surf = dissolution.route_surface(flows["surface_in_mm"], surf_mass, k_s, state.surface,
                                     state.surface_mass if state.surface_mass is not None else
                                     (surf_mass.sum(axis=0) / max(flows["surface_in_mm"].sum(), 1e-12)) * state.surface)
    # the non-karst groundwater carries the allogenic water's solutes like the surface store (no reactions)
    base = route_store(flows["baseflow_in_mm"], c.reservoirs.nonkarst_baseflow_k_per_d,
                       c.reservoirs.nonkarst_baseflow_exponent, state.baseflow, base_mass,
                       state.baseflow_mass if state.baseflow_mass is not None else
                       (base_mass.sum(axis=0) / max(flows["baseflow_in_mm"].sum(), 1e-12)) * state.baseflow)

    if stop_after == "storage":  # only the end state is used: storages and solute masses, no outflow reactions
        return {}, _end_state(snow, hyd, flows, transit_end, tr, surf, base)
    t_gw = c.chemistry.groundwater_temp_c if c.chemistry.groundwater_temp_c is not None else float(np.clip(np.mean(temp), 0.5, 40.0))
    mineral = "calcite" if c.lithology.limestone >= c.lithology.dolomite else "dolomite"
    q_m, q_c = karst["matrix_out_mm"], karst["conduit_out_mm"]
    with np.errstate(divide="ignore", invalid="ignore"):
        conc_m = np.divide(tr["matrix_out_mass"], q_m[:, None], out=np.zeros_like(tr["matrix_out_mass"]),
                           where=q_m[:, None] > 0)
        conc_c = np.divide(tr["conduit_out_mass"], q_c[:, None], out=np.zeros_like(tr["conduit_out_mass"]),
                           where=q_c[:, None] > 0)
        residence_c = np.where(q_c > 0, (karst["conduit_mm"] + q_c) / q_c, 0.0)
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
    valid = (q_s > 1e-9) & np.isfinite(conc_s[:, dissolution.IDX["dic"]]) & (conc_s[:, dissolution.IDX["dic"]] > 1e-9)
    spring_chem = pd.DataFrame(index=np.arange(n))
    if valid.any():
        sp = dissolution.speciate_water(conc_s[valid], t_gw, database=db)
        cols = {}
        for col, v in sp.items():
            arr = np.full(n, np.nan) if v.dtype != bool else np.zeros(n, dtype=bool)
            arr[valid] = v
            cols[col] = arr
        spring_chem = pd.DataFrame(cols, copy=False)
    # the outlet's solutes, routed with its water (karstmodel.outlet); water already in transit at the start (from
    # the spin-up) carries the first day's outlet concentrations (the spin-up does not speciate the spring water)
    nb = dissolution.N_BASE
    raw_mass = (np.nan_to_num(flows["spring_mm"][:, None] * conc_s[:, :nb]) + surf["out_mass"][:, :nb]
                + base["out_mass"][:, :nb])
    transit_mass0 = state.transit_mass
    if transit_mass0 is None and state.transit is not None and np.size(state.transit):
        c_first = raw_mass[0] / raw_q[0] if raw_q[0] > 0 else np.zeros(nb)
        transit_mass0 = np.asarray(state.transit)[:, None] * c_first[None, :]
    outlet_mass, transit_mass_end = outlet.route_solutes(raw_mass, uh, transit_mass0)
    gauge = outlet.gauge_chemistry(outlet_mass, flows["outlet_mm"], temp, c.chemistry.outlet_pco2_ppm, database=db)
    outlet_dic = outlet_mass[:, dissolution.IDX["dic"]]
    end_state = _end_state(snow, hyd, flows, transit_end, tr, surf, base, transit_mass_end)
    out = dict(precip=precip, temp=temp, pet=pet, snow=snow, hyd=hyd, route=route, flows=flows, co2=co2, rch=rch,
               slow_mass=slow_mass, fast_mass=fast_mass, allo_mass=allo_mass, surf_mass=surf_mass, tr=tr, surf=surf,
               base_mass=base_mass, base=base, outlet_dic_mass=outlet_dic, outlet_mass=outlet_mass, gauge=gauge,
               outlet_transit=(state.transit, transit_end), outlet_transit_mass=(transit_mass0, transit_mass_end),
               conc_m=conc_m2, conc_c=conc_c2, conc_s=conc_s, diss_m=diss_m, diss_c=diss_c, spring_chem=spring_chem,
               t_gw=t_gw, mineral=mineral, state0=state, storage0=storage0, mass0=mass0, n_sources=ns,
               params=params)
    return out, end_state


def _initial_state(c: Catchment, data: pd.DataFrame) -> _State | None:
    """Start of the spin-up: the matrix (and the non-karst groundwater store, when it is fed) at the steady state of
    its long-term mean inflow (from a water-only pass over the whole record with an empty matrix), unless the
    catchment file sets ``initial_matrix_mm`` (``initial_nonkarst_baseflow_mm``)."""
    res = c.reservoirs
    smax = np.array([h.params.root_zone_storage_mm for h in c.hydrotopes])
    karst_fed = c.lithology.carbonate > 0 or c.lithology.allogenic_to_karst > 0
    need_m = karst_fed and res.initial_matrix_mm is None
    need_b = (res.nonkarst_baseflow_fraction > 0 and c.lithology.non_carbonate > 0
              and res.initial_nonkarst_baseflow_mm is None)
    if not (need_m or need_b):
        return None
    probe = _start_state(c, smax, matrix_mm=0.0 if need_m else None, baseflow_mm=0.0)
    # without the scenario's changes: a scenario starts from the same state as its baseline
    run, _ = _core(replace(c, changes=()), data, probe, stop_after="water")
    m0 = None
    if need_m:
        inflow = max(float(np.mean(run["flows"]["epikarst_to_matrix_mm"])), 1e-12)
        m0 = (inflow / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent)
    b0 = None
    if need_b:
        b0 = steady_state_storage(float(np.mean(run["flows"]["baseflow_in_mm"])), res.nonkarst_baseflow_k_per_d,
                                  res.nonkarst_baseflow_exponent)
    return _start_state(c, smax, matrix_mm=m0, baseflow_mm=b0)


def _start_state(c: Catchment, smax, matrix_mm: float | None = None, baseflow_mm: float | None = None) -> _State:
    """The state at the start of the spin-up: no snow, soils half full, interception empty, epikarst and conduits at
    ``[reservoirs] initial_epikarst_mm`` / ``initial_conduit_mm``, the matrix at ``matrix_mm`` (None: ``[reservoirs]
    initial_matrix_mm``, else the steady state of its inflow, set by the karst stores) and the non-karst groundwater
    at ``baseflow_mm`` (None: its steady state in :func:`_core`). Without karst (no carbonate rock and nothing
    sinking into it) the karst stores start and stay empty."""
    karst_fed = c.lithology.carbonate > 0 or c.lithology.allogenic_to_karst > 0
    res = c.reservoirs
    storage = ((res.initial_epikarst_mm, matrix_mm, res.initial_conduit_mm) if karst_fed else (0.0, 0.0, 0.0))
    return _State(swe=0.0, soil=0.5 * np.asarray(smax, dtype=float), icept=np.zeros(len(c.hydrotopes)),
                  storage=storage, mass=None, baseflow=baseflow_mm)


def check_inputs(c: Catchment, drivers: Drivers, observations=None) -> None:
    """Refuse what the chain cannot compute honestly, with the argument named: a catchment area that is not a
    finite number > 0; drivers that are not a :class:`Drivers` with a daily, consecutive, increasing date index;
    missing ``precip_mm``, ``temp_c`` or ``pet_mm``; any non-finite value (one NaN temperature would turn the
    spring chemistry into NaN); negative precipitation or PET; a record shorter than ``MIN_RECORD_DAYS``."""
    if not isinstance(drivers, Drivers):
        raise TypeError(f"drivers: expected karstmodel.drivers.Drivers (or None to read the catchment's file), got "
                        f"{type(drivers).__name__}")
    if observations is not None and not isinstance(observations, pd.DataFrame):
        raise TypeError(f"observations: expected a pandas DataFrame or None, got {type(observations).__name__}")
    a = c.area_km2
    if isinstance(a, bool) or not isinstance(a, (int, float, np.integer, np.floating)) or not np.isfinite(a) or a <= 0:
        raise ValueError(f"catchment.area_km2 must be a finite number > 0, got {a!r}")
    data = drivers.data
    if not isinstance(data, pd.DataFrame) or not isinstance(data.index, pd.DatetimeIndex):
        raise TypeError("drivers.data: expected a pandas DataFrame with a DatetimeIndex of days")
    for col in ("precip_mm", "temp_c", "pet_mm"):
        if col not in data.columns:
            raise ValueError(f"drivers.data: missing column {col!r} (needs precip_mm, temp_c, pet_mm)")
        try:
            v = data[col].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"drivers.data[{col!r}]: not numeric") from None
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise ValueError(f"drivers.data[{col!r}]: {bad.size} missing or infinite value(s), first on "
                             f"{data.index[bad[0]].date()}")
        if col != "temp_c" and (v < 0).any():
            i = int(np.flatnonzero(v < 0)[0])
            raise ValueError(f"drivers.data[{col!r}]: negative value {v[i]:g} on {data.index[i].date()}")
    if len(data) < MIN_RECORD_DAYS:
        raise ValueError(f"drivers.data: {len(data)} day(s); at least {MIN_RECORD_DAYS} days are needed for annual "
                         "sink and balance figures")
    idx = data.index
    if (idx != idx.normalize()).any():
        raise ValueError("drivers.data: the index must hold dates at midnight (daily values)")
    gaps = np.flatnonzero(np.diff(idx.values) != np.timedelta64(1, "D"))
    if gaps.size:
        i = int(gaps[0])
        raise ValueError(f"drivers.data: the index must be consecutive days; {idx[i + 1].date()} follows "
                         f"{idx[i].date()} (fill gaps first, e.g. karstmodel.drivers.load_drivers with gap_fill)")


@single_blas_thread
def simulate_water(catchment: Catchment, data: pd.DataFrame) -> dict:
    """Water fluxes only (no soil CO2 or chemistry): the fast path used by calibration of discharge.
    Returns daily arrays ``spring_mm``, ``surface_mm``, ``outlet_mm`` and the water-balance terms."""
    state = _initial_state(catchment, data)
    if catchment.warmup_days > 0:
        _, state = _core(catchment, data.iloc[: min(catchment.warmup_days, len(data))], state, stop_after="water")
    run, _ = _core(catchment, data, state, stop_after="water")
    f = run["flows"]
    return {"spring_mm": f["spring_mm"], "surface_mm": f["surface_mm"], "outlet_mm": f["outlet_mm"],
            "run": run}


@single_blas_thread
def simulate(catchment: Catchment | str | None = None, drivers: Drivers | None = None,
             observations: pd.DataFrame | None = None, with_reaches: bool = True) -> SimulationResult:
    """Simulate a catchment (a :class:`Catchment`, a catchment file, a folder or a bundled name; default
    the bundled default catchment). Returns the daily result table and the summary (docs/interface.md); with reaches
    below the spring (``[[reaches]]``) also their sub-daily run and the fate of the karst DIC."""
    if not isinstance(catchment, Catchment):
        if catchment is not None and not isinstance(catchment, (str, os.PathLike)):
            raise TypeError(f"catchment: expected a Catchment, a catchment file or folder path or a bundled name, "
                            f"got {type(catchment).__name__}")
        catchment = load_catchment(resolve_catchment(catchment))
    c = catchment
    if drivers is None:
        drivers = load_drivers(c.drivers, c.latitude, c.start, c.end, min_days=MIN_RECORD_DAYS)
    check_inputs(c, drivers, observations)
    data = drivers.data
    state = _initial_state(c, data)
    if c.warmup_days > 0:
        _, state = _core(c, data.iloc[: min(c.warmup_days, len(data))], state, stop_after="storage")
    run, _ = _core(c, data, state)
    if observations is None and c.observations.file is not None:
        observations = load_discharge_observations(c.observations.file, c.area_km2, data.index)
    ts = accounting.timeseries_table(c, data, run, observations)
    summary = accounting.summary(c, data, run, ts, drivers)
    # the spin-up repeats the first warmup_days of the record; a shorter record spins up over all of it (reported)
    summary["spin_up_days"] = int(min(c.warmup_days, len(data)))
    hyd_series = accounting.hydrotope_tables(c, data, run)
    reach_result = None
    if c.reaches and with_reaches:
        reach_result = run_reaches(c, data, run)
        summary.update(accounting.fate_summary(reach_result))
    return SimulationResult(catchment=c, timeseries=ts, summary=summary, hydrotope_series=hyd_series,
                            drivers=drivers, reaches=reach_result)


def spring_outflow(c: Catchment, data: pd.DataFrame, run: dict) -> pd.DataFrame:
    """The spring water as the inflow of the reaches: daily discharge (m3/s), groundwater temperature and element
    totals (mmol/L). Days without spring flow get 1e-9 m3/s of the nearest water (documented floor)."""
    i = dissolution.IDX
    conc = pd.DataFrame({k: run["conc_s"][:, i[k]] for k in ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")},
                        index=data.index).ffill().bfill()
    q = mm_d_to_m3_s(run["flows"]["spring_mm"], c.area_km2)
    inflow = conc.copy()
    inflow.insert(0, "temp_c", run["t_gw"])
    inflow.insert(0, "q_m3_s", np.maximum(q, 1e-9))
    return inflow


def run_reaches(c: Catchment, data: pd.DataFrame, run: dict):
    """Route the spring water through the catchment's reaches (karstmodel.surface_water.simulate_reaches)."""
    sw = c.surface_water
    inflow = spring_outflow(c, data, run)
    if not np.isfinite(inflow[["ca", "dic"]].to_numpy()).all():
        raise ValueError("the spring has no water chemistry (no carbonate recharge), so reaches below it cannot run")
    return simulate_reaches(inflow, c.reaches, c.latitude, c.longitude, dt_minutes=sw.dt_minutes,
                            air_temp_c=data["temp_c"], cloudiness=sw.cloudiness, database=c.chemistry.database,
                            inflow_interpolation=sw.inflow_interpolation, spinup_days=sw.spinup_days)
