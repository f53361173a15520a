"""The discharge of one parameter set, compiled: the lean path of discharge calibration.

:func:`discharge` returns what :func:`karstmodel.model.simulate.simulate_water` gives as ``spring_mm`` and
``outlet_mm`` (the same numbers to rounding, ``tests/test_water_pass.py``) without building the water stage's
tables: one compiled day loop (:func:`_water_pass`) runs snow (with its elevation bands), the hydrotopes, the
recharge split, the karst and non-karst stores, calling the processes' own one-day steps
(:func:`karstmodel.processes.snow.snow_step`, :func:`karstmodel.processes.soil_water.soil_step`,
:func:`karstmodel.model.stages.split_recharge`, :func:`karstmodel.processes.karst_stores.karst_step`,
:func:`karstmodel.processes.routing.drain`), so the equations exist once.

The run is the one of ``simulate_water``: a probe pass over the whole record from the start state with an empty
matrix (and non-karst groundwater store) gives the mean matrix inflow and non-karst recharge, whose steady states
start the spin-up (:func:`karstmodel.model.simulate.initial_state`); the spin-up runs the first ``warmup_days``; the
record runs from its end state. Nothing upstream of the matrix and the non-karst groundwater store depends on their
storages (the matrix receives only epikarst water, that store only recharge), and the probe starts from the
spin-up's start state in every other store, so the spin-up's first ``warmup_days`` are the probe's: the spin-up
only re-runs those two stores over the probe's inflows (an exact shortcut, not an approximation). Catchments with
changes in time (scenarios: ramps, irrigation) take the full water stage.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compiled import njit
from ..config.catchment import Catchment
from ..processes.karst_stores import karst_step
from ..processes.routing import _store_loop, drain, route_unit_hydrograph, steady_state_storage, \
    unit_hydrograph_gr4j
from ..processes.snow import band_weights, snow_step
from ..processes.soil_water import soil_step
from .simulate import simulate_water
from .stages import split_recharge


@dataclass(frozen=True)
class PreparedDrivers:
    """The daily drivers as contiguous float arrays, prepared once for many runs on the same record."""

    precip_mm: np.ndarray
    temp_c: np.ndarray
    pet_mm: np.ndarray

    @classmethod
    def from_frame(cls, data: pd.DataFrame) -> "PreparedDrivers":
        return cls(*(np.ascontiguousarray(data[k].to_numpy(float)) for k in ("precip_mm", "temp_c", "pet_mm")))

    @property
    def n_days(self) -> int:
        return int(self.precip_mm.size)


@njit
def _water_pass(precip, temp, pet, n, snap, snow_p, band_w, band_dt, band_f, banded, swe, hyd_p, frac, is_water,
                split_p, soil, icept, karst_p, surf_k, base_k, base_a, st, swe_snap, soil_snap, icept_snap, st_snap,
                to_m, base_in, q_m, q_c, surf_out, base_out):
    """Days 0 .. n-1 of the water chain from the storages ``swe`` (per band), ``soil``, ``icept`` (per hydrotope)
    and ``st`` = (epikarst, matrix, conduit, surface store, non-karst groundwater store), all updated in place;
    the storages after day ``snap`` - 1 are copied to the ``*_snap`` arrays (snap = 0: not kept). Writes per day
    the matrix inflow, the non-karst recharge, the matrix and conduit outflow, and the outflow of the surface and
    the non-karst groundwater stores (mm over the catchment). ``surf_k`` < 0: no surface store (same-day
    runoff)."""
    nb = swe.size
    nh = soil.size
    thr, trans, mf = snow_p[0], snow_p[1], snow_p[2]
    nu = hyd_p[5, 0]
    carbonate, non_carbonate, allo_k, base_f = split_p[0], split_p[1], split_p[2], split_p[3]
    ke, ae, emax, fc, f_out = karst_p[0], karst_p[1], karst_p[2], karst_p[3], karst_p[4]
    km, am, kcd, ac, f_om = karst_p[5], karst_p[6], karst_p[7], karst_p[8], karst_p[9]
    e, m, c, s_surf, s_base = st[0], st[1], st[2], st[3], st[4]
    for t in range(n):
        if banded:
            rain = 0.0
            melt = 0.0
            for b in range(nb):
                r_b, _, m_b, swe[b] = snow_step(precip[t] * band_w[b], temp[t] + band_dt[b], thr, trans, mf, swe[b])
                rain += band_f[b] * r_b
                melt += band_f[b] * m_b
        else:
            rain, _, melt, swe[0] = snow_step(precip[t], temp[t], thr, trans, mf, swe[0])
        slow = 0.0
        fast = 0.0
        allo = 0.0
        surf = 0.0
        base = 0.0
        for h in range(nh):
            _, _, rch, soil[h], icept[h] = soil_step(rain, melt, pet[t], 0.0, hyd_p[0, h], hyd_p[1, h], hyd_p[2, h],
                                                     hyd_p[3, h], hyd_p[4, h], nu, soil[h], icept[h])
            sl, fa, al, su, ba = split_recharge(rch, frac[h], is_water[h], carbonate, non_carbonate, allo_k, base_f,
                                                hyd_p[6, h])
            slow += sl
            fast += fa
            allo += al
            surf += su
            base += ba
        e, m, c, tm, _, _, qm, qc, _ = karst_step(e, m, c, slow, fast, allo, ke, ae, emax, fc, f_out, km, am, kcd,
                                                  ac, f_om)
        if surf_k < 0.0:
            so = surf
        else:
            so, s_surf = drain(s_surf + surf, surf_k, 1.0)
        bo, s_base = drain(s_base + base, base_k, base_a)
        to_m[t] = tm
        base_in[t] = base
        q_m[t] = qm
        q_c[t] = qc
        surf_out[t] = so
        base_out[t] = bo
        if t + 1 == snap:
            swe_snap[:] = swe
            soil_snap[:] = soil
            icept_snap[:] = icept
            st_snap[0], st_snap[1], st_snap[2], st_snap[3], st_snap[4] = e, m, c, s_surf, s_base
    st[0], st[1], st[2], st[3], st[4] = e, m, c, s_surf, s_base


@dataclass(frozen=True)
class _Setup:
    """The catchment's parameters as the arrays :func:`_water_pass` reads."""

    snow_p: np.ndarray
    band_w: np.ndarray
    band_dt: np.ndarray
    band_f: np.ndarray
    banded: bool
    hyd_p: np.ndarray  # rows: interception, root zone, crop coefficient, beta, ET threshold, nu, fast-flow share
    frac: np.ndarray
    is_water: np.ndarray
    split_p: np.ndarray
    karst_p: np.ndarray
    surf_k: float
    base_k: float
    base_a: float


def _setup(c: Catchment) -> _Setup:
    sp = c.snow
    banded = bool(getattr(sp, "band_elevations_m", ()))
    if banded:
        w, dt, f = band_weights(sp)
    else:
        w = dt = f = np.ones(1)
    hyd = c.hydrotopes
    hp = np.empty((7, len(hyd)))
    for h, x in enumerate(hyd):
        p = x.params
        hp[0, h], hp[1, h], hp[2, h] = p.interception_capacity_mm, p.root_zone_storage_mm, p.crop_coefficient
        hp[3, h], hp[4, h], hp[6, h] = p.recharge_shape, p.et_threshold_fraction, p.fast_flow_fraction
    res, lith = c.reservoirs, c.lithology
    hp[5, :] = float(res.soil_percolation_nu)
    return _Setup(
        snow_p=np.array([sp.threshold_c, sp.transition_c, sp.melt_factor_mm_c_d], dtype=float),
        band_w=np.ascontiguousarray(w, dtype=float), band_dt=np.ascontiguousarray(dt, dtype=float),
        band_f=np.ascontiguousarray(f, dtype=float), banded=banded, hyd_p=hp,
        frac=np.array([x.fraction for x in hyd], dtype=float),
        is_water=np.array([x.land_use == "water" for x in hyd]),
        split_p=np.array([lith.carbonate, lith.non_carbonate, lith.allogenic_to_karst,
                          res.nonkarst_baseflow_fraction], dtype=float),
        karst_p=np.array([res.epikarst_k_per_d, res.epikarst_exponent, res.epikarst_max_mm, res.conduit_fraction,
                          res.overflow_outside_fraction, res.matrix_k_per_d, res.matrix_exponent,
                          res.conduit_k_per_d, res.conduit_exponent, res.overflow_to_matrix_fraction], dtype=float),
        surf_k=-1.0 if res.surface_k_per_d is None else float(res.surface_k_per_d),
        base_k=float(res.nonkarst_baseflow_k_per_d), base_a=float(res.nonkarst_baseflow_exponent))


class _Pass:
    """Storages and daily outputs of one call of :func:`_water_pass`."""

    def __init__(self, s: _Setup, n: int, swe, soil, icept, st):
        self.swe, self.soil, self.icept = swe, soil, icept
        self.st = st
        self.out = tuple(np.empty(n) for _ in range(6))  # to_m, base_in, q_m, q_c, surf_out, base_out
        self.snap = (np.empty(swe.size), np.empty(soil.size), np.empty(soil.size), np.empty(5))

    def run(self, s: _Setup, d: PreparedDrivers, n: int, snap: int = 0):
        _water_pass(d.precip_mm, d.temp_c, d.pet_mm, n, snap, s.snow_p, s.band_w, s.band_dt, s.band_f, s.banded,
                    self.swe, s.hyd_p, s.frac, s.is_water, s.split_p, self.soil, self.icept, s.karst_p, s.surf_k,
                    s.base_k, s.base_a, self.st, *self.snap, *self.out)
        return self


def _raw_outflow(q_m, q_c, surf_out, base_out):
    """Spring (matrix + conduits) and spring + non-karst runoff before the outlet routing, summed in the order of
    the water stage."""
    spring = q_m + q_c
    return spring, spring + (surf_out + base_out)


def discharge(c: Catchment, drivers: PreparedDrivers, data: pd.DataFrame | None = None) -> dict:
    """Daily ``spring_mm`` and ``outlet_mm`` of the recorded run of ``simulate_water(c, data)`` (module docstring).
    ``data``: the drivers' table, needed only by catchments with changes in time (they take the full water
    stage)."""
    if c.changes:
        if data is None:
            raise ValueError("a catchment with changes in time needs the drivers' table (data=)")
        w = simulate_water(c, data)
        return {"spring_mm": w.spring_mm, "outlet_mm": w.outlet_mm}
    s = _setup(c)
    n = drivers.n_days
    res, lith = c.reservoirs, c.lithology
    warm = min(c.warmup_days, n) if c.warmup_days > 0 else 0
    karst_fed = lith.carbonate > 0 or lith.allogenic_to_karst > 0
    need_m = karst_fed and res.initial_matrix_mm is None
    need_b = res.nonkarst_baseflow_fraction > 0 and lith.non_carbonate > 0 and res.initial_nonkarst_baseflow_mm is None
    # the start state of simulate.initial_state / state.start_state
    e0, c0 = (float(res.initial_epikarst_mm), float(res.initial_conduit_mm)) if karst_fed else (0.0, 0.0)
    m_fixed = (0.0 if res.initial_matrix_mm is None else float(res.initial_matrix_mm)) if karst_fed else 0.0
    b_fixed = 0.0 if res.initial_nonkarst_baseflow_mm is None else float(res.initial_nonkarst_baseflow_mm)

    def start(m, b):
        return (np.zeros(s.band_f.size), 0.5 * s.hyd_p[1].copy(), np.zeros(s.hyd_p.shape[1]),
                np.array([e0, m, c0, 0.0, b]))

    uh = unit_hydrograph_gr4j(res.routing_delay_d)
    if need_m or need_b:
        probe = _Pass(s, n, *start(0.0 if need_m else m_fixed, 0.0)).run(s, drivers, n, snap=warm)
        to_m, base_in = probe.out[0], probe.out[1]
        m0 = (max(float(np.mean(to_m)), 1e-12) / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent) if need_m \
            else m_fixed
        b0 = steady_state_storage(float(np.mean(base_in)), res.nonkarst_baseflow_k_per_d,
                                  res.nonkarst_baseflow_exponent) if need_b else b_fixed
        # the spin-up (or, without one, the record) upstream of the two stores is the probe's: re-run the stores
        span = warm if warm > 0 else n
        q_m, m_end = _store_series(to_m[:span], res.matrix_k_per_d, res.matrix_exponent, m0)
        base_out, b_end = _store_series(base_in[:span], res.nonkarst_baseflow_k_per_d,
                                        res.nonkarst_baseflow_exponent, b0)
        spring, raw = _raw_outflow(q_m, probe.out[3][:span], probe.out[4][:span], base_out)
        if warm == 0:
            return {"spring_mm": spring, "outlet_mm": route_unit_hydrograph(raw, uh, None)[0]}
        swe, soil, icept, st = (a.copy() for a in probe.snap)
        st[1], st[4] = m_end, b_end
        transit = route_unit_hydrograph(raw, uh, None)[1]
    else:
        swe, soil, icept, st = start(m_fixed, b_fixed)
        transit = None
        if warm > 0:
            w = _Pass(s, warm, swe, soil, icept, st).run(s, drivers, warm)
            transit = route_unit_hydrograph(_raw_outflow(w.out[2], w.out[3], w.out[4], w.out[5])[1], uh, None)[1]
    rec = _Pass(s, n, swe, soil, icept, st).run(s, drivers, n)
    spring, raw = _raw_outflow(rec.out[2], rec.out[3], rec.out[4], rec.out[5])
    return {"spring_mm": spring, "outlet_mm": route_unit_hydrograph(raw, uh, transit)[0]}


def _store_series(inflow, k, a, s0):
    """Outflow series and end storage of one power-law store (:func:`karstmodel.processes.routing.drain` day by
    day, the scheme of the karst and non-karst stores)."""
    q = np.ascontiguousarray(inflow)
    out, _, store, _ = _store_loop(q, np.zeros((q.size, 0)), float(k), float(a), float(s0), np.zeros(0))
    return out, (float(store[-1]) if store.size else float(s0))
