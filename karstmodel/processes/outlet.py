"""The river at the outlet gauge: the mixture of spring water and non-karst runoff, routed to the gauge, at stream
temperature, after CO2 exchange with the air on its way.

Water chemistry at a river gauge differs from the spring water in three ways, each computed here:

1. Mixing. The gauge carries the spring (karst) water and the non-karst runoff (quick store and non-karst
   groundwater), each with its solutes; every element total is routed to the gauge with the water (the same unit
   hydrograph, so concentrations at the gauge are flow-weighted mixtures: conservative mixing of totals).
2. Temperature. Stream water follows air temperature with a lag of days; the gauge water temperature is taken as
   the mean air temperature of the previous ``STREAM_TEMP_WINDOW_D`` days (weekly air-water relations: Stefan &
   Preud'homme 1993, Water Resour. Bull. 29:27; Mohseni & Stefan 1999, J. Hydrol. 218:128), bounded below by
   0 C. Speciation (pH, pCO2, SI) depends on it; element totals do not.
3. CO2 exchange. Groundwater enters the river with a soil-derived pCO2 far above the air's and loses CO2 on its
   way (Kempe 1984; Butman & Raymond 2011, Nat. Geosci. 4:839). With ``[chemistry] outlet_pco2_ppm`` set, the
   gauge water is brought to that pCO2 with no mineral reaction: Ca, Mg and the strong ions stay, alkalinity is
   conserved (charge balance), and DIC follows from alkalinity, pCO2 and temperature (the chemistry core's gas
   equilibrium, ``chemistry.equilibrium.equilibrate_solution(mineral="none")``). The DIC lost is degassed CO2,
   booked in the outlet budget. Calcite precipitation in the river (supersaturated water) is not modelled: Ca
   and alkalinity leave as they arrive.

Concentrations in mmol/L (= mmol/kgw for fresh water, as in :mod:`karstmodel.processes.dissolution`).
"""
from __future__ import annotations

import numpy as np

from chemistry.equilibrium import equilibrate_solution
from chemistry.output import solution_columns

from . import dissolution
from .routing import route_unit_hydrograph

#: days of air temperature averaged for the stream temperature (module docstring, point 2)
STREAM_TEMP_WINDOW_D = 7


def stream_temperature(air_temp_c: np.ndarray) -> np.ndarray:
    """Gauge water temperature (C): trailing ``STREAM_TEMP_WINDOW_D``-day mean of air temperature (the first days
    average what is there), at least 0 C (module docstring, point 2)."""
    t = np.asarray(air_temp_c, dtype=float)
    c = np.concatenate([[0.0], np.cumsum(t)])
    i = np.arange(1, t.size + 1)
    lo = np.maximum(i - STREAM_TEMP_WINDOW_D, 0)
    return np.maximum((c[i] - c[lo]) / (i - lo), 0.0)


def route_solutes(raw_mass: np.ndarray, uh: np.ndarray, pending0: np.ndarray | None) -> tuple:
    """Route each solute column (days, components; mmol/m2/d) through the unit hydrograph ``uh`` like the water
    (:func:`karstmodel.processes.routing.route_unit_hydrograph`). ``pending0`` (len(uh) - 1, components): mass already in
    transit. Returns (mass at the gauge, mass still in transit at the end)."""
    n, nc = raw_mass.shape
    out = np.empty((n, nc))
    pend = np.zeros((max(uh.size - 1, 0), nc))
    for k in range(nc):
        p0 = None if pending0 is None else pending0[:, k]
        out[:, k], pk = route_unit_hydrograph(raw_mass[:, k], uh, p0)
        if pk.size:
            pend[: pk.size, k] = pk
    return out, pend


def gauge_chemistry(mass_mmol_m2: np.ndarray, q_mm: np.ndarray, air_temp_c: np.ndarray,
                    pco2_ppm: float | None, database: str = "phreeqc.dat") -> dict:
    """Chemistry of the gauge water from its routed element masses (days, BASE components) and discharge (mm/d).

    Returns daily arrays: ``temp_c``; totals before exchange ``conc`` (days, BASE; mmol/L); the same after exchange
    ``conc_gauge``; ``degassed_mmol_m2`` (CO2 lost per day; negative = taken up); and the speciation of the gauge
    water (``ph``, ``log_pco2``, ``si_calcite``, ``alk_meq_kgw``, ... as :func:`chemistry.output.solution_columns`).
    Days without flow get NaN concentrations."""
    i = dissolution.IDX
    n = q_mm.size
    flowing = q_mm > 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        conc = np.where(flowing[:, None], mass_mmol_m2 / np.where(flowing, q_mm, 1.0)[:, None], np.nan)
    temp = stream_temperature(air_temp_c)
    ok = flowing & np.isfinite(conc[:, i["dic"]]) & (conc[:, i["dic"]] > 1e-9)
    rows = np.flatnonzero(ok)
    conc_gauge = conc.copy()
    degassed = np.zeros(n)
    spec = {}
    if rows.size:
        water = {f"{k}_mmol_kgw": np.maximum(conc[rows, i[k]], 0.0) for k in dissolution.WATER_KEYS}
        imbalance = dissolution.organic_imbalance(conc[rows])  # the organic anion left (organic_acids)
        if imbalance is not None:
            water["charge_imbalance_meq_kgw"] = imbalance
        if pco2_ppm is not None:
            sol, _, _, _ = equilibrate_solution(temp[rows], np.full(rows.size, pco2_ppm * 1e-6), mineral="none",
                                                system="open", water=water, database=database)
            new_dic = sol.total("dic") * 1000.0
            good = sol.converged
            d_dic = np.where(good, new_dic - conc[rows, i["dic"]], 0.0)
            conc_gauge[rows, i["dic"]] += d_dic
            degassed[rows] = -d_dic * q_mm[rows]
            cols = solution_columns(sol, "mmol_kgw")
        else:
            sp = dissolution.speciate_water(conc[rows], temp[rows], database=database)
            cols = {k: v for k, v in sp.items() if k != "converged"}
        for k, v in cols.items():
            v = np.asarray(v)
            if v.dtype.kind != "f":
                continue
            arr = np.full(n, np.nan)
            arr[rows] = v
            spec[k] = arr
    return {"temp_c": temp, "conc": conc, "conc_gauge": conc_gauge, "degassed_mmol_m2": degassed, **spec}
