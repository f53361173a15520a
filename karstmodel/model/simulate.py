"""One run of the chain: drivers -> snow -> hydrotopes -> karst reservoirs -> soil CO2 -> dissolution -> spring
chemistry -> accounting. Returns a result table with unit-named columns and a summary with closed balances.

Data flow is one way (docs/science.md): no process reaches back into an earlier one. The matrix starts at the steady
state of its long-term mean inflow; a spin-up run over the first ``warmup_days`` of the drivers then sets the
initial storages and solute masses; the recorded run starts from them, so storage changes in the balances are those
of the recorded period.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from chemistry._threads import single_blas_thread

from .._display import Rows, Shown, number, run_rows
from ..accounting import sink as accounting
from ..config.catchment import Catchment, load_catchment, resolve_catchment
from ..io.drivers import MIN_RECORD_DAYS, Drivers, drivers_from_frame, load_drivers
from ..io.observations import load_discharge_observations, mm_d_to_m3_s
from ..processes import dissolution, recharge_tables
from ..processes.routing import steady_state_storage
from ..processes.reaches import simulate_reaches, summer_week
from . import background_compile
from .compile_notice import announce_compilation
from .stages import ChainRun, WaterStage, run_chain
from .state import State, start_state


@dataclass(repr=False)
class SimulationResult(Shown):
    """A simulation: the catchment as run, the daily result table (docs/interface.md), the summary with closed
    balances, per-hydrotope series, the drivers, and the reaches' result when the catchment has reaches."""

    catchment: Catchment
    timeseries: pd.DataFrame
    summary: dict
    hydrotope_series: dict = field(default_factory=dict)  # name -> DataFrame (soil water, AET, pCO2, ...)
    drivers: Drivers | None = None
    reaches: object | None = None  # karstmodel.processes.reaches.ReachResult when the catchment has reaches

    def _display_rows(self) -> Rows:  # repr: a few lines, not the tables (they are in .timeseries, .summary)
        rows = [("catchment", f"{self.catchment.name!r}, {number(self.catchment.area_km2, '.4g', 'km2')}"),
                *run_rows(self.summary),
                ("tables", f"timeseries {self.timeseries.shape[0]} days x {self.timeseries.shape[1]} columns"
                           + ("; reaches" if self.reaches is not None else ""))]
        return "SimulationResult", rows


def initial_state(c: Catchment, data: pd.DataFrame) -> State | None:
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
    probe = start_state(c, smax, matrix_mm=0.0 if need_m else None, baseflow_mm=0.0)
    # without the scenario's changes: a scenario starts from the same state as its baseline
    run, _ = run_chain(replace(c, changes=()), data, probe, stop_after="water")
    m0 = None
    if need_m:
        inflow = max(float(np.mean(run.water.flows["epikarst_to_matrix_mm"])), 1e-12)
        m0 = (inflow / res.matrix_k_per_d) ** (1.0 / res.matrix_exponent)
    b0 = None
    if need_b:
        b0 = steady_state_storage(float(np.mean(run.water.flows["baseflow_in_mm"])), res.nonkarst_baseflow_k_per_d,
                                  res.nonkarst_baseflow_exponent)
    return start_state(c, smax, matrix_mm=m0, baseflow_mm=b0)


def check_inputs(c: Catchment, drivers: Drivers, observations=None) -> None:
    """Refuse what the chain cannot compute honestly, with the argument named: a catchment area that is not a
    finite number > 0; drivers that are not a :class:`Drivers` with a daily, consecutive, increasing date index;
    missing ``precip_mm``, ``temp_c`` or ``pet_mm``; any non-finite value (one NaN temperature would turn the
    spring chemistry into NaN); negative precipitation or PET; a record shorter than ``MIN_RECORD_DAYS``."""
    if not isinstance(drivers, Drivers):
        raise TypeError("drivers: expected karstmodel.io.drivers.Drivers, a pandas DataFrame (or None to read the "
                        f"catchment's file), got {type(drivers).__name__}")
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
                         f"{idx[i].date()} (fill gaps first, e.g. karstmodel.io.drivers.load_drivers with gap_fill)")


@single_blas_thread
def simulate_water(catchment: Catchment, data: pd.DataFrame) -> WaterStage:
    """Water fluxes only (no soil CO2 or chemistry). Calibration of discharge runs the compiled
    :func:`karstmodel.model.water_pass.discharge`, which gives this function's discharge. Returns the
    recorded run's :class:`~karstmodel.model.stages.WaterStage` (``spring_mm``, ``surface_mm``, ``outlet_mm`` and
    every water-balance term)."""
    state = initial_state(catchment, data)
    if catchment.warmup_days > 0:
        _, state = run_chain(catchment, data.iloc[: min(catchment.warmup_days, len(data))], state,
                             stop_after="water")
    run, _ = run_chain(catchment, data, state, stop_after="water")
    return run.water


@single_blas_thread
def simulate(catchment: Catchment | str | None = None, drivers: Drivers | pd.DataFrame | None = None,
             observations: pd.DataFrame | None = None, with_reaches: bool = True,
             on_daily: Callable[[SimulationResult], None] | None = None, progress: bool = False,
             reach_subdaily="all") -> SimulationResult:
    """Simulate a catchment (a :class:`Catchment`, a catchment file, a folder or a bundled name; default
    the bundled default catchment). ``drivers``: None (the catchment's drivers file), a :class:`Drivers`, or a
    pandas DataFrame with ``precip_mm``, ``temp_c`` (``pet_mm`` ...) and dates as a ``date`` column or the index,
    checked, gap-filled and given PET as the catchment's ``[drivers]`` table says
    (:func:`karstmodel.io.drivers.drivers_from_frame`). ``observations``: None (the catchment's observations file)
    or a pandas DataFrame with the file's columns (``date``, ``q_m3_s``/``q_l_s``/``q_mm_d``), checked as the file
    is (:func:`karstmodel.io.observations.load_discharge_observations`). Returns the daily result table and the summary
    (docs/interface.md); with reaches below the spring (``[[reaches]]``) also their sub-daily run and the fate of
    the karst DIC.

    Parameters
    ----------
    catchment : Catchment, str or path, optional
        The catchment, its file or folder, or a bundled name; default the bundled default catchment.
    drivers : Drivers or pandas.DataFrame, optional
        Daily forcing (``precip_mm``, ``temp_c``, optional ``pet_mm``, ...); default the catchment's drivers file,
        over its ``[simulation]`` period.
    observations : pandas.DataFrame, optional
        Observed discharge on the drivers' dates, columns ``q_obs_mm`` and ``q_obs_m3_s``; default the
        catchment's observations file, if it has one. With observations the summary has ``metrics``.
    with_reaches : bool, default True
        Run the reaches below the spring when the catchment has them (False: the spring and gauge only, faster).
    on_daily : callable, optional
        Called once with the daily result (a :class:`SimulationResult` without ``reaches``) as soon as the daily
        chain is done, in this thread while the reaches run in a second one: e.g. to write the daily outputs
        (:func:`karstmodel.reporting.outputs.write_daily`) while the reaches compute (or their kernel is still
        compiling in the second process on a first run, :mod:`karstmodel.model.background_compile`) instead of
        before or after them. It must not change the catchment or the drivers.
    progress : bool, default False
        Show a progress bar with an ETA on stderr for the reaches' sub-daily run when it takes longer than
        ``REACH_PROGRESS_DELAY_S`` seconds (:func:`run_reaches`); shorter runs stay silent.
    reach_subdaily : "all" (default), "week", "none" or a (start, end) pair of times
        The rows of the reaches' sub-daily table (``reaches.subdaily``): every step, the summer week that
        :func:`karstmodel.reporting.outputs.write_run` writes and plots (:func:`outputs_subdaily` says which a
        catchment's outputs need), none, or the steps from ``start`` up to ``end``. Their daily tables, balances and
        fates are the same to the last bit whichever is kept; keeping part of them runs the reaches in blocks, in
        the memory of one block instead of the whole record's sub-daily outputs.

    Returns
    -------
    SimulationResult
        ``catchment``, ``timeseries`` (daily, unit-named columns), ``summary`` (sink, runoff, DIC, water and
        carbon balances; docs/interface.md), ``hydrotope_series``, ``drivers`` and ``reaches``.

    Raises
    ------
    TypeError
        ``catchment``, ``drivers`` or ``observations`` of the wrong type.
    ValueError
        An area that is not > 0, missing, infinite or negative forcing, a date index with holes, or a record
        shorter than ``MIN_RECORD_DAYS`` (30) days, naming the argument.
    karstmodel.config.catchment.CatchmentError
        A catchment file that cannot be read or has a bad key.
    """
    if not isinstance(catchment, Catchment):
        if catchment is not None and not isinstance(catchment, (str, os.PathLike)):
            raise TypeError(f"catchment: expected a Catchment, a catchment file or folder path or a bundled name, "
                            f"got {type(catchment).__name__}")
        catchment = load_catchment(resolve_catchment(catchment))
    c = catchment
    if drivers is None:
        drivers = load_drivers(c.drivers, c.latitude, c.start, c.end, min_days=MIN_RECORD_DAYS)
    elif isinstance(drivers, pd.DataFrame):  # a user's table: the same checks, gap filling and PET as a file
        drivers = drivers_from_frame(drivers, c.drivers, c.latitude, c.start, c.end, min_days=MIN_RECORD_DAYS)
    check_inputs(c, drivers, observations)
    # the fused equilibrium kernel is compiled (in the second process on a first run) only when the run needs a
    # recharge table that is not shipped; the reach kernel whenever there are reaches
    fused = not recharge_tables.covers(c.chemistry.database)
    announce_compilation(bool(c.reaches) and with_reaches, with_fused=fused)
    compiling = background_compile.start(bool(c.reaches) and with_reaches, with_fused=fused)
    data = drivers.data
    state = initial_state(c, data)
    if c.warmup_days > 0:
        _, state = run_chain(c, data.iloc[: min(c.warmup_days, len(data))], state, stop_after="storage")
    run, _ = run_chain(c, data, state)
    if observations is None and c.observations.file is not None:
        observations = load_discharge_observations(c.observations.file, c.area_km2, data.index,
                                                   c.observations.columns, c.observations.date_format)
    elif observations is not None and "q_obs_mm" not in observations.columns:  # a user's table, checked as a file
        observations = load_discharge_observations(observations, c.area_km2, data.index, c.observations.columns,
                                                   c.observations.date_format)
    ts = accounting.timeseries_table(c, data, run, observations)
    summary = accounting.summary(c, data, run, ts, drivers)
    # the spin-up repeats the first warmup_days of the record; a shorter record spins up over all of it (reported)
    summary["spin_up_days"] = int(min(c.warmup_days, len(data)))
    hyd_series = accounting.hydrotope_tables(c, data, run)
    daily = SimulationResult(catchment=c, timeseries=ts, summary=dict(summary), hydrotope_series=hyd_series,
                             drivers=drivers)
    reach_result = None
    if c.reaches and with_reaches:
        reach_result = _reaches_beside(c, data, run, compiling, on_daily, daily, progress, reach_subdaily)
        summary.update(accounting.fate_summary(reach_result))
    elif on_daily is not None:
        on_daily(daily)
    return SimulationResult(catchment=c, timeseries=ts, summary=summary, hydrotope_series=hyd_series,
                            drivers=drivers, reaches=reach_result)


def _reaches_beside(c: Catchment, data: pd.DataFrame, run: ChainRun, compiling,
                    on_daily: Callable[[SimulationResult], None] | None, daily: SimulationResult,
                    progress: bool = False, subdaily="all"):
    """The reaches' run (:func:`run_reaches`, after the background compile ``compiling`` has finished) while
    ``on_daily`` handles the daily result in this thread: the reach kernel releases the GIL, so writing the daily
    tables and figures overlaps with it instead of following it. The reaches compute the same numbers in either
    thread (they read ``run`` and ``data`` and write only their own arrays); an error in either is raised here,
    the reaches' first."""
    if on_daily is None:
        background_compile.finish(compiling)
        return run_reaches(c, data, run, progress, subdaily)

    def reaches():
        background_compile.finish(compiling)
        return run_reaches(c, data, run, progress, subdaily)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="karstmodel-reaches") as ex:
        future = ex.submit(reaches)
        try:
            on_daily(daily)
        except BaseException:
            future.result()  # the reaches' own error first, if they failed too
            raise
        return future.result()


def spring_outflow(c: Catchment, data: pd.DataFrame, run: ChainRun) -> pd.DataFrame:
    """The spring water as the inflow of the reaches: daily discharge (m3/s), groundwater temperature and element
    totals (mmol/L). Days without spring flow get 1e-9 m3/s of the nearest water (documented floor)."""
    i = dissolution.IDX
    ch = run.chemistry
    conc = pd.DataFrame({k: ch.conc_s[:, i[k]] for k in ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")},
                        index=data.index).ffill().bfill()
    q = mm_d_to_m3_s(run.water.flows["spring_mm"], c.area_km2)
    inflow = conc.copy()
    inflow.insert(0, "temp_c", ch.t_gw)
    inflow.insert(0, "q_m3_s", np.maximum(q, 1e-9))
    return inflow


#: seconds the reaches' run may take before its progress bar appears (a warm run of the default catchment's two
#: reaches takes about 2-4 s on 2 cores; a longer record or more tanks take proportionally longer)
REACH_PROGRESS_DELAY_S = 5.0


class _ReachProgress:
    """The progress bar of the reaches' run (:func:`karstmodel._progress.progress_bar`, tank-steps done of the
    total, with an ETA), updated from the reaches' worker threads under a lock. It opens once the run has taken
    ``REACH_PROGRESS_DELAY_S`` seconds (with the steps done so far), so a shorter run prints nothing and does not
    import tqdm."""

    def __init__(self):
        self.bar = None
        self.total = 0
        self.done = 0
        self.t0 = 0.0
        self._lock = threading.Lock()

    def __call__(self, total: int):
        self.total, self.done, self.t0 = int(total), 0, time.perf_counter()
        return self.update

    def update(self, n: int) -> None:
        with self._lock:
            self.done += n
            if self.bar is not None:
                self.bar.update(n)
            elif time.perf_counter() - self.t0 >= REACH_PROGRESS_DELAY_S and self.done < self.total:
                from .._progress import progress_bar  # deferred: tqdm only for a run that reports
                self.bar = progress_bar(self.total, "reaches (sub-daily steps x tanks)", unit="step",
                                        initial=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def outputs_subdaily(c: Catchment) -> str:
    """The sub-daily rows of the reaches that a run's outputs need (:func:`karstmodel.reporting.outputs.write_run`):
    "all" when the catchment's ``[surface_water] diel_output`` asks for the whole sub-daily record, else "week"
    (the summer week its diel table and figure show)."""
    sw = c.surface_water
    return "all" if sw is not None and sw.diel_output == "all" else "week"


def run_reaches(c: Catchment, data: pd.DataFrame, run: ChainRun, progress: bool = False, subdaily="all"):
    """Route the spring water through the catchment's reaches (karstmodel.processes.reaches.simulate_reaches);
    ``progress``: a progress bar on stderr once the run has taken ``REACH_PROGRESS_DELAY_S`` seconds;
    ``subdaily``: the sub-daily rows kept, as :func:`simulate`'s ``reach_subdaily``."""
    sw = c.surface_water
    inflow = spring_outflow(c, data, run)
    if not np.isfinite(inflow[["ca", "dic"]].to_numpy()).all():
        raise ValueError("the spring has no water chemistry (no carbonate recharge), so reaches below it cannot run")
    bar = _ReachProgress() if progress else None
    try:
        return simulate_reaches(inflow, c.reaches, c.latitude, c.longitude, dt_minutes=sw.dt_minutes,
                                air_temp_c=data["temp_c"], cloudiness=sw.cloudiness, database=c.chemistry.database,
                                inflow_interpolation=sw.inflow_interpolation, spinup_days=sw.spinup_days,
                                progress=bar, subdaily=summer_week(data.index, c.latitude) if
                                isinstance(subdaily, str) and subdaily == "week" else subdaily)
    finally:
        if bar is not None:
            bar.close()
