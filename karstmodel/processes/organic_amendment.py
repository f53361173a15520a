"""A soil organic-matter amendment pool: organic carbon added to the soil decomposing with first-order kinetics.

An amendment (manure, crop residue, compost) adds organic carbon I (g C m-2) to a pool C of the hydrotope's soil
on the dates it is spread. The pool decays as a single exponential, dC/dt = I(t) - k C (Olson 1963, Ecology
44:322, eq. 1: X/X0 = e^(-kt), the litter-decay model), with the rate constant modulated as soil respiration is in
:mod:`karstmodel.processes.soil_co2`: k = k10 Q10^((T_soil - 10)/10) f(WFPS), the hydrotope's own Q10 and the
moisture response f of that module, so that the amendment decomposes faster in warm, moist soil (the same rate
modifiers multiply the first-order rate constants of RothC, Coleman & Jenkinson 1996, and CENTURY, Parton et al.
1987, SSSAJ 51:1173). The carbon decomposed is CO2 produced in the soil: it adds to the soil CO2 production of the
hydrotope, raises the soil-air pCO2, and so reaches the karst through the soil CO2 -> DIC -> karst-store path.

Integration: the modifiers are held for one day (the model's step), so within day t the pool decays exactly,
C_t = (C_{t-1} + I_t) e^(-k_t), and the carbon decomposed on day t is (C_{t-1} + I_t)(1 - e^(-k_t)). Inputs,
decomposition and the pool's change therefore balance to rounding (booked in
:func:`karstmodel.accounting.balances.carbon_balance`). The pool starts empty on the first day of a piece of record:
an amendment dated before the record is not carried in.

Rate constant (at 10 C, moist soil; ``decay_rate_10c_per_yr``): the default 2 yr-1 (half-life about 4 months at
10 C) lies between the resistant (0.3 yr-1) and decomposable (10 yr-1) plant-material pools of RothC (Coleman &
Jenkinson 1996, RothC-26.3, in Powlson et al. (eds), Evaluation of Soil Organic Matter Models, NATO ASI I 38:237),
into which RothC splits farmyard manure (49 % / 49 %, 2 % humus) and crop residues; the annual litter-decay
constants compiled by Olson (1963) for forest floors span about 0.25 (temperate conifer) to 4 yr-1 (tropical).
"""
from __future__ import annotations

import numpy as np


def decompose(inputs_g_m2, rate_per_d) -> dict:
    """Daily first-order decomposition of an amendment pool (module docstring).

    Parameters
    ----------
    inputs_g_m2 : array (days,) or (days, pools)
        Organic carbon added on each day (g C m-2), before that day's decay.
    rate_per_d : array, the same shape (or broadcastable)
        The first-order rate constant on each day (d-1), modifiers applied.

    Returns
    -------
    dict
        ``pool_g_m2`` (end of each day), ``decomposed_g_m2_d`` (carbon decomposed each day, = CO2-C produced),
        both of the shape of ``inputs_g_m2``.
    """
    inputs = np.asarray(inputs_g_m2, dtype=float)
    rate = np.broadcast_to(np.asarray(rate_per_d, dtype=float), inputs.shape)
    keep, lost = np.exp(-rate), -np.expm1(-rate)
    pool = np.empty_like(inputs)
    decomposed = np.empty_like(inputs)
    c = np.zeros(inputs.shape[1:])
    for t in range(inputs.shape[0]):
        before = c + inputs[t]
        decomposed[t] = before * lost[t]
        c = before * keep[t]
        pool[t] = c
    return {"pool_g_m2": pool, "decomposed_g_m2_d": decomposed}
