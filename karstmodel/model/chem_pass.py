"""The daily result columns of a full-chain run up to a given day: the lean path of chemistry calibration.

A calibration against chemistry scores nothing after the last day of its calibration period, and the chain is
causal: a day's water, solutes and chemistry follow from the state at its start and the drivers up to it. The
run of :func:`karstmodel.model.simulate.simulate` starts the record from an initial state set from the whole
record (:func:`karstmodel.model.simulate.initial_state`: the mean matrix inflow of a probe pass) and a spin-up
over its first ``warmup_days``. :func:`chain_columns` makes the same start (the same initial state, the same
spin-up, the same groundwater temperature: the record's mean air temperature unless the file sets one) and then runs the chain (:func:`karstmodel.model.stages.run_chain`) over the record's first ``days`` days
only, so those days are the whole run's (``tests/test_karstmodel/model/test_chem_pass.py``: to 1e-10 relative),
without the later days' chemistry, the summary, the per-hydrotope tables or the reaches.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..accounting import sink as accounting
from ..config.catchment import Catchment
from .simulate import initial_state
from .stages import run_chain


def record_groundwater_temp_c(temp_c) -> float:
    """The groundwater temperature of a run whose file sets none: the record's mean air temperature, within 0.5-40
    C (the expression of :func:`karstmodel.model.stages.chemistry_stage`)."""
    return float(np.clip(np.mean(np.asarray(temp_c, dtype=float)), 0.5, 40.0))


def chain_columns(c: Catchment, data: pd.DataFrame, columns, days: int | None = None) -> dict:
    """``{column: array}`` of ``simulate(c, data, with_reaches=False).timeseries[column]`` over the first ``days``
    days of the record (all of it when None). ``data``: the drivers' table as the simulation reads it (checked,
    gaps filled, with ``pet_mm``)."""
    n = len(data) if days is None else max(1, min(int(days), len(data)))
    if c.chemistry.groundwater_temp_c is None:
        # the whole record's groundwater temperature (model.stages.chemistry_stage: the record's mean air
        # temperature), not that of the first days
        c = replace(c, chemistry=replace(c.chemistry, groundwater_temp_c=record_groundwater_temp_c(data["temp_c"])))
    state = initial_state(c, data)
    if c.warmup_days > 0:
        _, state = run_chain(c, data.iloc[: min(c.warmup_days, len(data))], state, stop_after="storage")
    part = data.iloc[:n]
    run, _ = run_chain(c, part, state)
    ts = accounting.timeseries_table(c, part, run, None)
    return {k: np.asarray(ts[k].to_numpy(), dtype=float) for k in columns}
