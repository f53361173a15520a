"""The discharge of one parameter set, compiled: the lean path of discharge calibration.

:func:`discharge` returns what :func:`karstmodel.model.simulate.simulate_water` gives as ``spring_mm`` and
``outlet_mm`` (the same numbers to rounding, ``tests/test_karstmodel/model/test_water_pass.py``) without building the
water stage's tables: two compiled day loops, :func:`_upstream` (snow with its elevation bands, the hydrotopes, the
recharge split, the epikarst) and :func:`_stores` (matrix, conduits, surface and non-karst groundwater stores), call
the processes' own one-day steps (:func:`karstmodel.processes.snow.melt_step` on the snow terms of
:func:`~karstmodel.processes.snow.snowfall_split` and :func:`~karstmodel.processes.snow.degree_days`,
:func:`karstmodel.processes.soil_water.soil_step`, :func:`karstmodel.model.stages.split_recharge`,
:func:`karstmodel.processes.karst_stores.epikarst_step` and ``matrix_conduit_step``,
:func:`karstmodel.processes.routing.drain`), so the equations exist once; the outlet routing is
:func:`karstmodel.processes.routing.route_unit_hydrograph`.

The run is the one of ``simulate_water``: a probe pass over the whole record from the start state with an empty
matrix (and non-karst groundwater store) gives the mean matrix inflow and non-karst recharge, whose steady states
start the spin-up (:func:`karstmodel.model.simulate.initial_state`); the spin-up runs the first ``warmup_days``; the
record runs from its end state. Nothing upstream of the matrix and the non-karst groundwater store depends on their
storages (the matrix receives only epikarst water, that store only recharge), and the probe starts from the
spin-up's start state in every other store, so the spin-up's first ``warmup_days`` are the probe's: the spin-up
only re-runs the stores over the probe's inflows (an exact shortcut, not an approximation). The probe itself needs
only the stores' inflows, so it runs no store. Catchments with changes in time (scenarios: ramps, irrigation) take
the full water stage.

Work a run does not repeat, each exact (the same floating-point operations on the same numbers): the snow terms
that depend on temperature and precipitation only (rain, snowfall and degree-days per band) are computed once per
calibration (:meth:`PreparedDrivers.snow_terms`); hydrotopes with the same soil parameters (e.g. one land use on
carbonate and on non-carbonate rock) share one soil store; a soil group without recharge on a day skips its
hydrotopes' split. What a run costs is then mostly powers (x**y, each waiting on the day before): the HBV soil
recharge (S/S_max)^beta of every soil group on every day with water input, two per day in the epikarst, matrix and
non-karst groundwater stores (:func:`karstmodel.processes.routing.recess`) -- over the whole record in the probe, the
calibration days in the record pass until it merges with the probe, and the spin-up and calibration days in the
stores (``validation/bench_water_pass.py`` times a run against an earlier revision).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._compiled import njit
from ..config.catchment import Catchment
from ..processes.karst_stores import epikarst_step, matrix_conduit_step
from ..processes.routing import drain, route_unit_hydrograph, steady_state_storage, unit_hydrograph_gr4j
from ..processes.snow import band_weights, degree_days, melt_step, snowfall_split
from ..processes.soil_water import soil_step
from .simulate import simulate_water
from .stages import split_recharge


@dataclass(frozen=True)
class PreparedDrivers:
    """The daily drivers as contiguous float arrays, prepared once for many runs on the same record, and the
    snow terms that depend on them and on no calibrated parameter but the snow routine's thresholds and bands
    (:meth:`snow_terms`, computed once per set of those)."""

    precip_mm: np.ndarray
    temp_c: np.ndarray
    pet_mm: np.ndarray
    _snow: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_frame(cls, data: pd.DataFrame) -> "PreparedDrivers":
        return cls(*(np.ascontiguousarray(data[k].to_numpy(float)) for k in ("precip_mm", "temp_c", "pet_mm")))

    @property
    def n_days(self) -> int:
        return int(self.precip_mm.size)

    def snow_terms(self, threshold_c: float, transition_c: float, band_w, band_dt, band_f):
        """(catchment rain (days), snowfall (days, bands), degree-days (days, bands)) of the degree-day routine
        (:func:`karstmodel.processes.snow.snowfall_split`, :func:`~karstmodel.processes.snow.degree_days` per
        band, rain summed over the bands by area as :func:`~karstmodel.processes.snow.simulate_snow` does): they
        depend on temperature and precipitation, not on the melt factor or the snowpack."""
        key = (float(threshold_c), float(transition_c), band_w.tobytes(), band_dt.tobytes(), band_f.tobytes())
        got = self._snow.get(key)
        if got is None:
            n, nb = self.n_days, band_f.size
            got = (np.empty(n), np.empty((n, nb)), np.empty((n, nb)))
            _snow_terms(self.precip_mm, self.temp_c, float(threshold_c), float(transition_c), band_w, band_dt,
                        band_f, *got)
            self._snow[key] = got
        return got


@njit(nogil=True)
def _snow_terms(precip, temp, thr, trans, band_w, band_dt, band_f, rain, snowfall, degree_day):
    for t in range(precip.size):
        r = 0.0
        for b in range(band_f.size):
            tb = temp[t] + band_dt[b]
            r_b, snowfall[t, b] = snowfall_split(precip[t] * band_w[b], tb, thr, trans)
            degree_day[t, b] = degree_days(tb, thr)
            r += band_f[b] * r_b
        rain[t] = r


#: days between the record pass's comparisons of its storages with the probe's (:func:`discharge`): 2**5 = 32
MERGE_CHECK_SHIFT = 5


@njit(nogil=True)
def _upstream(rain_c, snowfall, degree_day, pet, n, mf, band_f, soil_p, nu, group, hyd_p, frac, is_water, split_p,
              epi_p, u, out, shift, states, ref, snap, u_snap):
    """Days 0 .. n-1 of snow, the hydrotopes, the recharge split and the epikarst from the storages ``u`` = (SWE
    per band, soil per soil group, interception per soil group, epikarst), updated in place. Writes per day the
    inflows of the stores below (rows of ``out``: matrix, conduits, surface store, non-karst groundwater; mm over
    the catchment).

    Snow: ``rain_c``, ``snowfall`` and ``degree_day`` from :meth:`PreparedDrivers.snow_terms`, the store's day by
    :func:`karstmodel.processes.snow.melt_step` with melt factor ``mf``. Hydrotopes with the same soil parameters
    (``soil_p`` columns: interception capacity, root zone, crop coefficient, beta, ET threshold) receive the same
    rain, melt and PET, so their stores hold the same numbers: each such soil group runs once (``group[h]``:
    hydrotope h's group) and every member splits its recharge in hydrotope order, as
    :func:`karstmodel.model.stages.route_recharge` sums them.

    ``shift`` >= 0: at the start of each day t that is a multiple of 2**shift the storages are written to
    ``states[t >> shift]`` (when ``states`` has rows) and compared with ``ref[t >> shift]`` (when ``ref`` has
    rows); when they are equal the run stops and returns t: from the same storages and drivers every later day is
    the reference run's. Otherwise returns n. ``snap`` > 0: the storages after day ``snap`` - 1 are copied to
    ``u_snap``."""
    nb = band_f.size
    ng = soil_p.shape[1]
    nh = frac.size
    allo_k, base_f = split_p[2], split_p[3]
    ke, ae, emax, fc, f_out, f_om = epi_p[0], epi_p[1], epi_p[2], epi_p[3], epi_p[4], epi_p[5]
    ie = nb + 2 * ng
    rch = np.empty(ng)
    check = shift >= 0
    mask = (1 << shift) - 1 if check else 0
    for t in range(n):
        if check and (t & mask) == 0:
            r = t >> shift
            if states.shape[0] > 0:
                states[r, :] = u
            if ref.shape[0] > 0:
                same = True
                for j in range(u.size):
                    if u[j] != ref[r, j]:
                        same = False
                        break
                if same:
                    return t
        melt = 0.0
        for b in range(nb):
            m_b, u[b] = melt_step(u[b], snowfall[t, b], degree_day[t, b], mf)
            melt += band_f[b] * m_b
        rain = rain_c[t]
        for g in range(ng):
            _, _, rch[g], u[nb + g], u[nb + ng + g] = soil_step(rain, melt, pet[t], 0.0, soil_p[0, g], soil_p[1, g],
                                                                soil_p[2, g], soil_p[3, g], soil_p[4, g], nu,
                                                                u[nb + g], u[nb + ng + g])
        slow = 0.0
        fast = 0.0
        allo = 0.0
        surf = 0.0
        base = 0.0
        for h in range(nh):
            if rch[group[h]] == 0.0:  # every share of no recharge is 0: adding it changes no sum
                continue
            sl, fa, al, su, ba = split_recharge(rch[group[h]], frac[h], is_water[h], hyd_p[0, h], hyd_p[1, h],
                                                allo_k, base_f, hyd_p[2, h])
            slow += sl
            fast += fa
            allo += al
            surf += su
            base += ba
        u[ie], tm, tc, _, _ = epikarst_step(u[ie], slow, ke, ae, emax, fc, f_out, f_om)
        out[0, t] = tm
        out[1, t] = fast + allo + tc
        out[2, t] = surf
        out[3, t] = base
        if t + 1 == snap:
            u_snap[:] = u
    return n


@njit(nogil=True)
def _stores(to_m, c_in, surf_in, base_in, n, km, am, kcd, ac, surf_k, base_k, base_a, st, spring, surface):
    """Days 0 .. n-1 of the matrix, the conduits, the surface store (``surf_k`` < 0: none, same-day runoff) and
    the non-karst groundwater store from their inflows and the storages ``st`` (updated in place): writes the
    spring's discharge (matrix + conduits) and the non-karst runoff (surface + groundwater store outflow)."""
    m, c, ss, sb = st[0], st[1], st[2], st[3]
    for t in range(n):
        m, c, qm, qc = matrix_conduit_step(m, c, to_m[t], c_in[t], km, am, kcd, ac)
        if surf_k < 0.0:
            so = surf_in[t]
        else:
            so, ss = drain(ss + surf_in[t], surf_k, 1.0)
        bo, sb = drain(sb + base_in[t], base_k, base_a)
        spring[t] = qm + qc
        surface[t] = so + bo
    st[0], st[1], st[2], st[3] = m, c, ss, sb


@dataclass(frozen=True)
class _Setup:
    """The catchment's parameters as the arrays :func:`_upstream` and :func:`_stores` read."""

    snow_p: np.ndarray
    band_w: np.ndarray
    band_dt: np.ndarray
    band_f: np.ndarray
    soil_p: np.ndarray  # per soil group: interception, root zone, crop coefficient, beta, ET threshold
    nu: float
    group: np.ndarray  # soil group of each hydrotope
    hyd_p: np.ndarray  # per hydrotope: carbonate and non-carbonate share of its recharge, fast-flow share
    frac: np.ndarray
    is_water: np.ndarray
    split_p: np.ndarray
    epi_p: np.ndarray  # epikarst k, exponent, capacity, conduit share, overflow outside, overflow to matrix
    store_p: tuple  # matrix k, exponent, conduit k, exponent
    surf_k: float
    base_k: float
    base_a: float


def _setup(c: Catchment) -> _Setup:
    sp = c.snow
    if getattr(sp, "band_elevations_m", ()):
        w, dt, f = band_weights(sp)
    else:  # one store: the band terms are exact identities (x 1.0, + 0.0)
        w, dt, f = np.ones(1), np.zeros(1), np.ones(1)
    hyd = c.hydrotopes
    hp = np.empty((3, len(hyd)))
    res, lith = c.reservoirs, c.lithology
    groups: dict = {}
    group = np.empty(len(hyd), dtype=np.int64)
    for h, x in enumerate(hyd):
        p = x.params
        key = (float(p.interception_capacity_mm), float(p.root_zone_storage_mm), float(p.crop_coefficient),
               float(p.recharge_shape), float(p.et_threshold_fraction))
        group[h] = groups.setdefault(key, len(groups))
        hp[0, h], hp[1, h] = x.rock_shares(lith)  # carbonate and non-carbonate share of its recharge
        hp[2, h] = p.fast_flow_fraction
    return _Setup(
        snow_p=np.array([sp.threshold_c, sp.transition_c, sp.melt_factor_mm_c_d], dtype=float),
        band_w=np.ascontiguousarray(w, dtype=float), band_dt=np.ascontiguousarray(dt, dtype=float),
        band_f=np.ascontiguousarray(f, dtype=float),
        soil_p=np.array(list(groups), dtype=float).reshape(len(groups), 5).T.copy(),
        nu=float(res.soil_percolation_nu), group=group,
        hyd_p=hp, frac=np.array([x.fraction for x in hyd], dtype=float),
        is_water=np.array([x.land_use == "water" for x in hyd]),
        split_p=np.array([lith.carbonate, lith.non_carbonate, lith.allogenic_to_karst,
                          res.nonkarst_baseflow_fraction], dtype=float),
        epi_p=np.array([res.epikarst_k_per_d, res.epikarst_exponent, res.epikarst_max_mm, res.conduit_fraction,
                        res.overflow_outside_fraction, res.overflow_to_matrix_fraction], dtype=float),
        store_p=(float(res.matrix_k_per_d), float(res.matrix_exponent), float(res.conduit_k_per_d),
                 float(res.conduit_exponent)),
        surf_k=-1.0 if res.surface_k_per_d is None else float(res.surface_k_per_d),
        base_k=float(res.nonkarst_baseflow_k_per_d), base_a=float(res.nonkarst_baseflow_exponent))


def _up(s: _Setup, d: PreparedDrivers, n: int, u, shift=-1, states=None, ref=None, snap=0, u_snap=None):
    """:func:`_upstream` over days 0 .. n-1: returns the inflows to the stores (rows: matrix, conduits, surface
    store, non-karst groundwater) and the day the run merged with ``ref`` (n if never)."""
    rain, snowfall, degree_day = d.snow_terms(s.snow_p[0], s.snow_p[1], s.band_w, s.band_dt, s.band_f)
    out = np.empty((4, n))
    none = np.empty((0, u.size))
    t = _upstream(rain, snowfall, degree_day, d.pet_mm, n, s.snow_p[2], s.band_f, s.soil_p, s.nu, s.group, s.hyd_p,
                  s.frac, s.is_water, s.split_p, s.epi_p, u, out, shift, none if states is None else states,
                  none if ref is None else ref, snap, np.empty(u.size) if u_snap is None else u_snap)
    return out, t


def _down(s: _Setup, ins, n: int, st):
    spring, surface = np.empty(n), np.empty(n)
    _stores(*ins, n, *s.store_p, s.surf_k, s.base_k, s.base_a, st, spring, surface)
    # spring and spring + non-karst runoff before the routing to the outlet, summed as the water stage does
    return spring, spring + surface


def discharge(c: Catchment, drivers: PreparedDrivers, data: pd.DataFrame | None = None,
              days: int | None = None) -> dict:
    """Daily ``spring_mm`` and ``outlet_mm`` of the recorded run of ``simulate_water(c, data)`` (module docstring).
    ``data``: the drivers' table, needed only by catchments with changes in time (they take the full water
    stage). ``days``: only the first ``days`` days of the record are wanted (a calibration scores none after
    its calibration period): the record pass stops there, the probe still runs the whole record (its mean
    inflows set the start state), so those days are the whole run's, bit for bit.

    The record pass starts from the spin-up's end state, the probe from its start: where the two runs' upstream
    storages (snow, soil, interception, epikarst) become equal, bit for bit (they converge: every store drains,
    fills to its capacity or empties), the record pass stops computing them and takes the probe's inflows to the
    stores below for the rest of the record, which is exact."""
    if c.changes:
        if data is None:
            raise ValueError("a catchment with changes in time needs the drivers' table (data=)")
        w = simulate_water(c, data)
        return {"spring_mm": w.spring_mm[:days], "outlet_mm": w.outlet_mm[:days]}
    s = _setup(c)
    n_all = drivers.n_days
    n = n_all if days is None else max(1, min(int(days), n_all))
    res, lith = c.reservoirs, c.lithology
    warm = min(c.warmup_days, n_all) if c.warmup_days > 0 else 0
    karst_fed = lith.carbonate > 0 or lith.allogenic_to_karst > 0
    need_m = karst_fed and res.initial_matrix_mm is None
    need_b = res.nonkarst_baseflow_fraction > 0 and lith.non_carbonate > 0 and res.initial_nonkarst_baseflow_mm is None
    # the start state of simulate.initial_state / state.start_state
    e0, c0 = (float(res.initial_epikarst_mm), float(res.initial_conduit_mm)) if karst_fed else (0.0, 0.0)
    m_fixed = (0.0 if res.initial_matrix_mm is None else float(res.initial_matrix_mm)) if karst_fed else 0.0
    b_fixed = 0.0 if res.initial_nonkarst_baseflow_mm is None else float(res.initial_nonkarst_baseflow_mm)
    u = np.concatenate([np.zeros(s.band_f.size), 0.5 * s.soil_p[1], np.zeros(s.soil_p.shape[1]), [e0]])
    uh = unit_hydrograph_gr4j(res.routing_delay_d)
    if need_m or need_b:
        k = MERGE_CHECK_SHIFT
        states = np.empty(((n_all >> k) + 1, u.size))
        u_warm = np.empty(u.size)
        probe, _ = _up(s, drivers, n_all, u, k, states=states, snap=warm, u_snap=u_warm)
        m0 = (max(float(np.mean(probe[0])), 1e-12) / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent) if need_m \
            else m_fixed
        b0 = steady_state_storage(float(np.mean(probe[3])), res.nonkarst_baseflow_k_per_d,
                                  res.nonkarst_baseflow_exponent) if need_b else b_fixed
        st = np.array([m0, c0, 0.0, b0])
        # the spin-up (without one, the record) upstream of the stores is the probe's
        span = warm if warm > 0 else n
        spring, raw = _down(s, probe[:, :span], span, st)
        if warm == 0:
            return {"spring_mm": spring, "outlet_mm": route_unit_hydrograph(raw, uh, None)[0]}
        transit = route_unit_hydrograph(raw, uh, None)[1]
        rec, t_merge = _up(s, drivers, n, u_warm, k, ref=states)
        rec[:, t_merge:] = probe[:, t_merge:n]
    else:
        st = np.array([m_fixed, c0, 0.0, b_fixed])
        transit = None
        if warm > 0:
            ins, _ = _up(s, drivers, warm, u)
            transit = route_unit_hydrograph(_down(s, ins, warm, st)[1], uh, None)[1]
        rec, _ = _up(s, drivers, n, u)
    spring, raw = _down(s, rec, n, st)
    return {"spring_mm": spring, "outlet_mm": route_unit_hydrograph(raw, uh, transit)[0]}
