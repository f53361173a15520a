"""Entry point of the reaches: :func:`simulate_reaches` checks the inflow, builds the forcing at sub-daily steps,
runs the compiled loop (:mod:`.kernel`) and assembles the result (:mod:`.fate`).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from chemistry import thermo
from chemistry._threads import single_blas_thread
from chemistry.carbonate import carbonate_system, starting_point
from chemistry.constants import M_O2_G_MOL
from chemistry.water import ELEMENT_ORDER

from ..._memory import no_hugepage_advice
from . import gas_exchange as gx
from . import light as lt
from .fate import Assembly, ReachResult
from .kernel import N_FLUX, N_OUT, N_STATE, S_AREA, S_I, S_O2, S_T, S_V, advance_tanks, geometry
from .lake import H_C0, H_O2, H_T, H_V, state_width
from .params import P_AREA, P_DC, P_DEPTH, P_DF, P_KIND, P_LENGTH, P_WA, P_WB, P_WIDTH, P_ZEPI, ReachParameters, pack

INFLOW_ELEMENTS = ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")


def _step_index(inflow: pd.DataFrame, dt_minutes: float) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(inflow.index)
    start = idx[0].normalize()
    end = idx[-1].normalize() + pd.Timedelta(days=1)
    n = int(round((end - start) / pd.Timedelta(minutes=dt_minutes)))
    return pd.date_range(start, periods=n, freq=pd.Timedelta(minutes=dt_minutes))


def _daily_to_steps(values: np.ndarray, days: pd.DatetimeIndex, steps: pd.DatetimeIndex, how: str) -> np.ndarray:
    """Daily values (placed at noon) to step times: linear interpolation or held through each day."""
    if how == "hold":
        pos = np.searchsorted(lt.ns(days), lt.ns(steps.normalize()))
        pos = np.clip(pos, 0, len(days) - 1)
        return values[pos]
    x = lt.ns(days + pd.Timedelta(hours=12)).astype(float)
    xs = lt.ns(steps).astype(float)
    if values.ndim == 1:
        return np.interp(xs, x, values)
    return np.column_stack([np.interp(xs, x, values[:, k]) for k in range(values.shape[1])])


def _check_inflow(inflow: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(inflow, pd.DataFrame):
        raise TypeError("inflow must be a pandas DataFrame with a daily DatetimeIndex")
    if not isinstance(inflow.index, pd.DatetimeIndex):
        raise ValueError("inflow must have a DatetimeIndex (one row per day)")
    if len(inflow) < 1:
        raise ValueError("inflow is empty")
    idx = inflow.index
    if len(idx) > 1 and not (np.all(np.diff(lt.ns(idx.normalize())) == 86400 * 10**9)):
        raise ValueError("inflow index must be consecutive days without gaps")
    missing = [c for c in ("q_m3_s", "temp_c", "ca", "dic") if c not in inflow.columns]
    if missing:
        raise ValueError(f"inflow lacks columns {missing} (need q_m3_s, temp_c and element totals in mmol/L: "
                         f"{', '.join(INFLOW_ELEMENTS)})")
    optional = [c for c in ("do_mg_l", "charge_imbalance_meq_l") if c in inflow.columns]
    for col in ("q_m3_s", "temp_c", *[c for c in INFLOW_ELEMENTS if c in inflow.columns], *optional):
        v = inflow[col].to_numpy(dtype=float)
        bad = ~np.isfinite(v)
        if bad.any():
            raise ValueError(f"inflow column {col!r} has a missing value at row {int(np.flatnonzero(bad)[0])}")
        if col not in ("temp_c", "charge_imbalance_meq_l") and np.any(v < 0):
            raise ValueError(f"inflow column {col!r} has a negative value at row {int(np.flatnonzero(v < 0)[0])}")
    t = inflow["temp_c"].to_numpy(dtype=float)
    out = (t < thermo.TEMP_MIN_C) | (t > thermo.TEMP_MAX_C)
    if np.any(out):
        raise ValueError(f"inflow column 'temp_c' outside {thermo.TEMP_MIN_C:g}-{thermo.TEMP_MAX_C:g} C (the "
                         f"thermodynamic data) at row {int(np.flatnonzero(out)[0])}")
    return inflow


#: steps a tank hands to the next one at a time (:func:`_pipelined`)
PIPELINE_CHUNK = 8192
#: days of a block when only part of the sub-daily record is kept (:func:`simulate_reaches`' ``subdaily``): its step
#: outputs (about 60 MB for two tanks at 15-minute steps) are reused from block to block
BLOCK_DAYS = 730
#: a block is handed from tank to tank in this many chunks (at least MIN_BLOCK_CHUNK steps each): the tanks
#: downstream wait for the first chunk of every block, so the chunks are smaller than in one pass over the record
BLOCK_CHUNKS = 32
MIN_BLOCK_CHUNK = 512


def _kept_steps(steps: pd.DatetimeIndex, subdaily) -> slice:
    """The steps whose sub-daily rows are kept: ``"none"`` (none) or a ``(start, end)`` pair of times (the steps
    from ``start`` up to, not including, ``end``)."""
    if isinstance(subdaily, str):
        if subdaily != "none":
            raise ValueError(f"subdaily must be 'all', 'none' or a (start, end) pair, got {subdaily!r}")
        return slice(0, 0)
    try:
        start, end = (pd.Timestamp(t) for t in subdaily)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"subdaily must be 'all', 'none' or a (start, end) pair of times, got {subdaily!r}") from exc
    a = int(steps.searchsorted(start))
    return slice(a, max(a, int(steps.searchsorted(end))))


def summer_week(index: pd.DatetimeIndex, latitude_deg: float) -> tuple:
    """Start and end of the last full week of July (January south of the equator) in a record of days or of
    steps: the week whose sub-daily rows ``karstmodel run`` writes and plots (the record's first week when it
    holds no such days)."""
    month = 7 if latitude_deg >= 0 else 1
    days = index[(index.month == month) & (index.day <= 24)]
    start = days[-1].normalize() if len(days) else index[0].normalize()
    return start, start + pd.Timedelta(days=7)


def _pipelined(advance, n_tanks: int, n_steps: int, chunk: int = PIPELINE_CHUNK, on_chunk=None) -> int:
    """Run ``advance(tank0, tank1, step0, step1)`` (the compiled loop, which releases the GIL) over all tanks and
    steps and return the sum of its results. With one tank or one core, one call (in chunks of steps, all tanks
    each, when ``on_chunk`` is given); otherwise one thread per tank, each going through the steps in chunks as
    soon as the tank upstream has finished them (a pipeline: tank r works on chunk k while tank r+1 works on chunk
    k-1). Every tank sees the same inflow in the same order either way, so the results do not depend on the
    threads or the chunks. ``on_chunk(tank_steps)``: called after each chunk with the number of tank-steps it
    advanced (from the worker threads: it must be thread-safe), e.g. to update a progress bar."""
    workers = min(n_tanks, os.cpu_count() or 1)
    bounds = list(range(0, n_steps, chunk)) + [n_steps]
    if workers < 2 or n_steps <= chunk:
        if on_chunk is None:
            return advance(0, n_tanks, 0, n_steps)
        n_fail = 0
        for a, b in zip(bounds[:-1], bounds[1:]):
            n_fail += advance(0, n_tanks, a, b)
            on_chunk(n_tanks * (b - a))
        return n_fail
    done = [threading.Semaphore(0) for _ in range(n_tanks)]  # released once per chunk a tank has finished
    failed = threading.Event()

    def tank(r):
        n_fail = 0
        try:
            for k in range(len(bounds) - 1):
                if r > 0:
                    done[r - 1].acquire()
                if failed.is_set():
                    break
                n_fail += advance(r, r + 1, bounds[k], bounds[k + 1])
                done[r].release()
                if on_chunk is not None:
                    on_chunk(bounds[k + 1] - bounds[k])
        except BaseException:
            failed.set()
            raise
        finally:
            if failed.is_set():  # let the tanks downstream stop instead of waiting for chunks that never come
                for _ in bounds:
                    done[r].release()
        return n_fail

    with ThreadPoolExecutor(max_workers=n_tanks) as ex:
        futures = [ex.submit(tank, r) for r in range(n_tanks)]
        return sum(f.result() for f in futures)


def _tanks(reaches) -> tuple[list, list]:
    tank_reach, packed = [], []
    for i, r in enumerate(reaches):
        for _ in range(int(r.n_segments)):
            tank_reach.append(i)
            packed.append(pack(r))
    return tank_reach, packed


@single_blas_thread
@no_hugepage_advice  # its ~0.5 GB of step outputs, written once (karstmodel._memory)
def simulate_reaches(inflow: pd.DataFrame, reaches, latitude_deg: float, longitude_deg: float = 0.0,
                     dt_minutes: float = 15.0, water_temp=None, air_temp_c=None, wind_m_s=None, par=None,
                     cloudiness=None, database: str = "phreeqc.dat", utc_offset_h: float | None = None,
                     inflow_interpolation: str = "linear", spinup_days: int = 30, progress=None,
                     subdaily="all") -> ReachResult:
    """Simulate a chain of reaches below a spring at sub-daily steps.

    Parameters
    ----------
    inflow : DataFrame with a daily DatetimeIndex and columns ``q_m3_s``, ``temp_c`` and element totals in mmol/L
        ``ca, mg, na, k, cl, so4, no3, dic`` (missing elements are zero; ``ca`` and ``dic`` required), optional
        ``do_mg_l`` (default: saturation at the inflow temperature and the first reach's pressure) and
        ``charge_imbalance_meq_l`` (default 0: pH follows from electroneutrality, as for the spring water of the
        catchment model).
    reaches : a :class:`ReachParameters` or a sequence of them, upstream first.
    latitude_deg, longitude_deg : site position (solar geometry).
    dt_minutes : step (must divide a day).
    water_temp : forced water temperature (deg C; Series indexed by time, daily or sub-daily, or scalar) for all
        reaches. Otherwise with ``air_temp_c`` each tank relaxes toward the air temperature (equilibrium-temperature
        model, exchange coefficient ``heat_exchange_w_m2_k``; Edinger, Duttweiler & Geyer 1968), else it only
        mixes the inflow temperature.
    air_temp_c : air temperature (deg C; Series indexed by time, daily or sub-daily, or scalar) for the heat
        exchange; default none (see ``water_temp``).
    wind_m_s : U10 for ponds (Series or scalar; default each pond's ``wind_m_s``).
    par : measured PAR above the water (umol m-2 s-1; Series indexed by time or scalar); default clear-sky PAR from
        solar geometry times the cloud factor of ``cloudiness`` (Kasten & Czeplak 1980).
    cloudiness : cloud fraction, 0-1 (Series indexed by time or scalar) reducing the clear-sky PAR; default clear sky.
    database : shipped database name or a path (the reaches' carbonate chemistry).
    utc_offset_h : time zone of the inflow's clock (default: the nominal zone of the longitude,
        :func:`.light.default_utc_offset_h`).
    inflow_interpolation : "linear" (daily values at noon, linear in between) or "hold" (constant through each day).
    spinup_days : the first days are run this many days before the period (repeating its first days) to set the
        organic-carbon pools and the diel state; the reported period and balances start after the spin-up.
    progress : callable, optional
        ``progress(total)`` is called once with the number of tank-steps the run will take (spin-up included) and
        returns a callable that is then called with the tank-steps done after each chunk of steps, from the
        worker threads (e.g. ``karstmodel._progress.progress_bar(...).update``; it must be thread-safe). The
        results do not depend on it.
    subdaily : "all" (default), "none" or a (start, end) pair of times
        The rows of ``ReachResult.subdaily``: every step, none, or the steps from ``start`` up to (not including)
        ``end``. The daily tables, balances and fates are the same to the last bit either way; with "none" or a
        pair the record runs in blocks of ``BLOCK_DAYS`` days through one set of step buffers, so the memory no
        longer grows with the record (about 15 MB of step outputs per year and tank at 15-minute steps for the
        whole table).

    Returns
    -------
    ReachResult
        Sub-daily and daily series per reach, the balances and the fate of the karst DIC (see its docstring and
        :mod:`.fate` for the fate accounting).

    Raises
    ------
    ValueError
        No reach, duplicate reach names, a step that does not divide a day, or a bad inflow table.
    """
    if isinstance(reaches, ReachParameters):
        reaches = [reaches]
    reaches = tuple(reaches)
    if not reaches:
        raise ValueError("give at least one reach")
    names = [r.name for r in reaches]
    if len(set(names)) != len(names):
        raise ValueError(f"reach names must be unique, got {names}")
    if (1440.0 / dt_minutes) % 1 > 1e-9:
        raise ValueError("dt_minutes must divide 1440")
    if inflow_interpolation not in ("linear", "hold"):
        raise ValueError("inflow_interpolation must be 'linear' or 'hold'")
    inflow = _check_inflow(inflow)
    days = pd.DatetimeIndex(inflow.index).normalize()
    steps = _step_index(inflow, dt_minutes)
    dt = dt_minutes * 60.0
    n = len(steps)

    # ---- chemistry model: the elements present in the inflow
    els = tuple(e for e in ELEMENT_ORDER if e in ("dic", "ca") or (e in inflow.columns and (inflow[e] > 0).any()))
    system = carbonate_system(els, database)
    n_e = system.n_masters
    daily_tot = np.zeros((len(inflow), n_e))
    if "charge_imbalance_meq_l" in inflow.columns:
        daily_tot[:, 0] = inflow["charge_imbalance_meq_l"].to_numpy(dtype=float)
    for k, e in enumerate(system.elements, start=1):
        daily_tot[:, k] = inflow[e].to_numpy(dtype=float)

    def cin(sl):  # element totals at the steps ``sl`` (mol/m3), built per block: the widest of the forcing arrays
        return np.ascontiguousarray(_daily_to_steps(daily_tot, days, steps[sl], inflow_interpolation))

    cin_first = cin(slice(0, 1))[0]
    f_q = _daily_to_steps(inflow["q_m3_s"].to_numpy(dtype=float), days, steps, inflow_interpolation)
    f_tin = _daily_to_steps(inflow["temp_c"].to_numpy(dtype=float), days, steps, inflow_interpolation)
    p_first = lt.pressure_ratio_from_elevation(reaches[0].elevation_m)
    if "do_mg_l" in inflow.columns:
        do_daily = inflow["do_mg_l"].to_numpy(dtype=float)
    else:
        # scalar calls of the compiled function: an array call would compile a second, array signature (~2 s)
        do_daily = np.array([gx.o2_saturation_mg_l(t, p_first) for t in inflow["temp_c"].to_numpy(dtype=float)])
    f_o2 = _daily_to_steps(do_daily, days, steps, inflow_interpolation) / M_O2_G_MOL  # mol/m3
    mid = steps + pd.Timedelta(seconds=dt / 2)
    if par is not None:
        f_par = np.maximum(lt.align_series(par, mid), 0.0)
    else:
        elev = reaches[0].elevation_m
        f_par = lt.surface_par_umol_m2_s(mid, latitude_deg, longitude_deg, utc_offset_h, cloudiness=cloudiness,
                                         elevation_m=elev)
    nan = np.full(n, np.nan)
    f_tair = lt.align_series(air_temp_c, steps) if air_temp_c is not None else nan
    f_twat = lt.align_series(water_temp, steps) if water_temp is not None else nan
    f_wind = lt.align_series(wind_m_s, steps) if wind_m_s is not None else nan

    tank_reach, packed = _tanks(reaches)
    par_arr = np.ascontiguousarray(np.array(packed))
    n_t = len(packed)

    # ---- initial state: every tank filled with the first inflow water
    conc = np.repeat(cin_first[None, :], n_t, axis=0)
    scal = np.zeros((n_t, state_width(N_STATE, n_e)))
    scal[:, S_O2] = f_o2[0]
    scal[:, S_T] = f_twat[0] if np.isfinite(f_twat[0]) else f_tin[0]
    scal[:, S_I] = 1e-3
    for i, p in enumerate(packed):
        _, d, _, area = geometry(int(p[P_KIND]), f_q[0], p[P_LENGTH], p[P_WIDTH], p[P_DEPTH], p[P_WA], p[P_WB],
                                 p[P_DC], p[P_DF], p[P_AREA])
        if int(p[P_KIND]) == 2:  # a lake: the tank is its surface layer; the deep layer starts with the same water
            d = p[P_ZEPI]
            h = N_STATE
            scal[i, h + H_V] = area * (p[P_DEPTH] - d)
            scal[i, h + H_T] = scal[i, S_T]
            scal[i, h + H_O2] = scal[i, S_O2]
            scal[i, h + H_C0:h + H_C0 + n_e] = conc[i]
        scal[i, S_V] = area * d
        scal[i, S_AREA] = area
    x0 = starting_point(system, np.maximum(cin_first * 1e-3, 1e-15))
    xs = np.tile(x0, (n_t, 2, 1))  # per tank: the last two solutions (the start of each speciation)
    args = system.kernel_args()

    def buffers(m):
        """Step buffers for ``m`` steps: out, flux and the tanks' hand-over (every element is written by the
        kernel before it is read)."""
        return np.empty((n_t, N_OUT, m)), np.empty((n_t, N_FLUX, m)), np.empty((max(n_t - 1, 1), m, n_e + 4))

    def run(sl, bufs=None, chunk=None):
        """The kernel over the steps ``sl`` (all tanks) into ``bufs`` (new ones by default), handed from tank to
        tank in ``chunk`` steps (default :func:`_pipelined`'s); returns the buffers and the number of steps whose
        speciation failed."""
        out, flux, lbuf = buffers(sl.stop - sl.start) if bufs is None else bufs
        m = sl.stop - sl.start
        forcing = (f_q[sl], cin(sl), f_o2[sl], f_tin[sl], f_par[sl], f_tair[sl], f_twat[sl], f_wind[sl])

        def advance(r0, r1, a, b):
            return advance_tanks(par_arr, dt, *forcing, conc, scal, xs, out, flux, r0, r1, a, b, lbuf, *args)

        nf = _pipelined(advance, n_t, m, on_chunk=on_chunk, **({} if chunk is None else {"chunk": chunk}))
        return (out, flux, lbuf), nf

    spin = int(min(max(spinup_days, 0), len(days)))
    spin_steps = int(round(spin * 1440 / dt_minutes)) if spin else 0
    on_chunk = None if progress is None else progress(n_t * (spin_steps + n))
    if spin:
        run(slice(0, spin_steps))
    conc0, scal0 = conc.copy(), scal.copy()
    spd = int(round(1440 / dt_minutes))
    keep = None if isinstance(subdaily, str) and subdaily == "all" else _kept_steps(steps, subdaily)
    assembly = Assembly(reaches, tank_reach, dt, n, keep)
    n_fail = 0
    if keep is None:  # the whole record at once: the sub-daily table takes the kernel's rows
        (out, flux, _), n_fail = run(slice(0, n))
        assembly.add(out, flux, f_q)
    else:  # blocks of whole days through the same buffers: the memory of one block, not of the record
        block = spd * BLOCK_DAYS
        bufs = None
        for k0 in range(0, n, block):
            sl = slice(k0, min(n, k0 + block))
            m = sl.stop - sl.start
            bufs, nf = run(sl, bufs if bufs is not None and bufs[0].shape[2] == m else None,
                           chunk=max(MIN_BLOCK_CHUNK, m // BLOCK_CHUNKS))
            n_fail += nf
            assembly.add(bufs[0], bufs[1], f_q[sl])
    if n_fail:
        raise RuntimeError(f"carbonate speciation did not converge in {n_fail} tank-steps")

    settings = dict(dt_minutes=dt_minutes, latitude_deg=latitude_deg, longitude_deg=longitude_deg,
                    utc_offset_h=utc_offset_h if utc_offset_h is not None else lt.default_utc_offset_h(longitude_deg),
                    database=database, elements=system.elements, inflow_interpolation=inflow_interpolation,
                    spinup_days=spin, tanks=n_t)
    return assembly.result(steps, conc0, scal0, conc, scal, settings)


