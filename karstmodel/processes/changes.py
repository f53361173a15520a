"""Changes of a catchment in time: parameter ramps, irrigation with exogenous water, carbonate powder.

A :class:`karstmodel.config.catchment.Catchment` may carry ``changes`` (built by :mod:`karstmodel.workflows.scenarios` from a
scenario file). They are evaluated on the simulation's daily index:

* :class:`ParameterRamp`: one land-use parameter of one hydrotope moves from ``start_value`` to ``end_value``,
  beginning on ``start`` and reaching the end value after ``ramp_days``, either linearly or as an exponential
  approach with time constant ramp_days/3 (95 % after ramp_days). Land-use conversions ramp hydrology over about a
  decade and soil respiration over one to two decades (docs/science.md, Scenarios: effects build up over one to two
  decades after enclosure).
* :class:`Irrigation`: exogenous water applied to a hydrotope's soil (mm over the hydrotope per day on active days,
  from ``start`` to ``end`` in the given months) with its own chemistry; recharge of that hydrotope is the
  volume-weighted mixture of natural and irrigation water, each equilibrated as ``[chemistry] recharge_system``
  says from its own starting composition.
* :class:`CarbonatePowder`: calcite powder spread on a hydrotope's non-carbonate (allogenic) area. Its dissolution
  rate per m2 of land is the PWP far-from-equilibrium rate (Plummer, Wigley & Parkhurst 1978; k1 aH + k2 aCO2 + k3
  at the soil pCO2 and temperature, for water at pH 5.6-ish soil conditions taken as the CO2-saturated start)
  times the powder surface (spheres: 6 / (rho d) per unit mass, rho = 2.71 g/cm3), capped by what the day's
  allogenic recharge can take up before calcite saturation (open system at the soil pCO2) and by the powder
  left; the share phi of allogenic recharge brought to saturation follows (enhanced-weathering bookkeeping as in
  Hartmann et al. 2013, Rev. Geophys. 51:113, applied to carbonate).
* :class:`SoilWarming`: the soil (its temperature for CO2 production, CO2 diffusion and the soil-water chemistry)
  warmed by ``delta_c`` while air temperature, PET, snow and the groundwater temperature stay as the drivers say,
  the design of buried heating-cable experiments: Peterjohn et al. 1994 (Ecol. Appl. 4:617; Harvard Forest,
  Prospect Hill: cables at 10 cm depth held the soil 5 C above control plots, air untouched; Melillo et al. 2002,
  Science 298:2173, the same plots over ten years, the response declining as labile soil carbon was used up, which
  this model does not represent: R10 stays fixed) and Rustad & Fernandez 1998 (Global Change Biol. 4:597; Howland,
  Maine: cables 1-2 cm below the surface, ~5 C warmer soil, soil CO2 efflux up by 25-40 %). The warming ramps
  linearly from 0 on ``start`` to ``delta_c`` after ``ramp_days`` (0 = a step).
* :class:`OrganicAmendment`: organic carbon (g C m-2) spread on a hydrotope's soil on given dates or every year on
  one day, feeding a first-order decomposition pool (:mod:`karstmodel.processes.organic_amendment`) whose
  decomposition adds to the soil CO2 production (Zhou et al. 2002, Carsologica Sinica 21(3): organic amendment of
  karst soils raised soil CO2 production, HCO3- discharge and limestone dissolution).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemistry.kinetics import pwp_rate_constants

from ..registry import param
from .soil_water import parameter_table


@dataclass(frozen=True)
class ParameterRamp:
    hydrotope: str
    parameter: str
    start_value: float
    end_value: float
    start: str
    ramp_days: float
    shape: str = "linear"  # or "exponential"

    def values(self, index: pd.DatetimeIndex) -> np.ndarray:
        t = (index - pd.Timestamp(self.start)).days.to_numpy(dtype=float)
        if self.ramp_days <= 0:
            f = (t >= 0).astype(float)
        elif self.shape == "exponential":
            f = np.where(t < 0, 0.0, 1.0 - np.exp(-3.0 * t / self.ramp_days))
        else:
            f = np.clip(t / self.ramp_days, 0.0, 1.0)
        return self.start_value + f * (self.end_value - self.start_value)


@dataclass(frozen=True)
class Irrigation:
    hydrotope: str
    mm_per_day: float
    months: tuple = tuple(range(1, 13))
    start: str | None = None
    end: str | None = None
    #: composition of the exogenous water, ((element, mmol/L), ...) with element in ca, mg, na, k, cl, so4, no3, dic
    water: tuple = ()

    def amounts(self, index: pd.DatetimeIndex) -> np.ndarray:
        on = np.isin(index.month, np.asarray(self.months))
        if self.start is not None:
            on &= index >= pd.Timestamp(self.start)
        if self.end is not None:
            on &= index <= pd.Timestamp(self.end)
        return np.where(on, self.mm_per_day, 0.0)


@dataclass(frozen=True)
class CarbonatePowder:
    hydrotope: str
    dose_t_ha: float
    grain_size_um: float
    date: str

    @property
    def dose_mol_m2(self) -> float:
        return self.dose_t_ha * 1e6 / 1e4 / 100.09  # t/ha -> g/m2 -> mol CaCO3/m2

    @property
    def specific_surface_cm2_mol(self) -> float:
        d_cm = self.grain_size_um * 1e-4
        return 6.0 / (2.71 * d_cm) * 100.09  # cm2/g x g/mol


@dataclass(frozen=True)
class SoilWarming:
    delta_c: float
    start: str
    ramp_days: float = 0.0

    def values(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Warming of the soil (C) on every day of ``index``."""
        t = (index - pd.Timestamp(self.start)).days.to_numpy(dtype=float)
        f = (t >= 0).astype(float) if self.ramp_days <= 0 else np.clip((t + 1.0) / self.ramp_days, 0.0, 1.0)
        return self.delta_c * f


_AMENDMENT_RATE_SOURCE = ("single-pool first-order decay (Olson 1963, Ecology 44:322, eq. 1); 2 yr-1 between the "
                          "RothC resistant (0.3 yr-1) and decomposable (10 yr-1) plant-material pools (Coleman & "
                          "Jenkinson 1996, RothC-26.3); forest-floor litter 0.25-4 yr-1 (Olson 1963)")


@dataclass(frozen=True)
class OrganicAmendment:
    """Organic carbon ``carbon_g_m2`` (g C per m2 of the hydrotope) spread on the soil of ``hydrotope`` on each of
    ``dates`` (ISO dates) and, with ``every_year`` ("MM-DD"), on that day of every year from ``start`` to ``end``.
    It decomposes at ``decay_rate_10c_per_yr`` at 10 C in moist soil, modulated by soil temperature (the hydrotope's
    Q10) and moisture (:mod:`karstmodel.processes.organic_amendment`)."""

    hydrotope: str
    carbon_g_m2: float
    dates: tuple = ()
    every_year: str | None = None
    start: str | None = None
    end: str | None = None
    #: first-order decomposition rate constant of the added organic carbon at 10 C, moist soil (yr-1)
    decay_rate_10c_per_yr: float = param(2.0, "yr-1", (0.01, 50.0), source=_AMENDMENT_RATE_SOURCE)

    def inputs(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Organic carbon added (g C m-2 of the hydrotope) on every day of ``index``."""
        on = np.isin(index.normalize(), pd.DatetimeIndex([pd.Timestamp(d) for d in self.dates]))
        if self.every_year is not None:
            yearly = np.asarray(index.strftime("%m-%d") == self.every_year)
            if self.start is not None:
                yearly &= index >= pd.Timestamp(self.start)
            if self.end is not None:
                yearly &= index <= pd.Timestamp(self.end)
            on = on | yearly
        return np.where(on, self.carbon_g_m2, 0.0)


def hydrotope_index(c, name: str) -> int:
    for i, h in enumerate(c.hydrotopes):
        if h.name == name:
            return i
    raise KeyError(f"no hydrotope named {name!r} (hydrotopes: {', '.join(h.name for h in c.hydrotopes)})")


def evaluate(c, index: pd.DatetimeIndex) -> dict:
    """Arrays for the changes of catchment ``c`` on ``index``: ``overrides`` (parameter name -> (days,
    hydrotopes)), ``irrigation_mm`` (days, hydrotopes) or None, ``irrigation`` list of (hydrotope index, water,
    mm array), ``powder`` list of (hydrotope index, CarbonatePowder), ``soil_warming_c`` (days,) or None,
    ``amendments`` list of (hydrotope index, inputs g C m-2 per day (days,), rate constant at 10 C d-1)."""
    changes = getattr(c, "changes", ()) or ()
    n, nh = len(index), len(c.hydrotopes)
    out = {"overrides": {}, "irrigation_mm": None, "irrigation": [], "powder": [], "soil_warming_c": None,
           "amendments": []}
    if not changes:
        return out
    base = None
    for ch in changes:
        if isinstance(ch, ParameterRamp):
            if base is None:
                base = parameter_table(c.hydrotopes, n)
            h = hydrotope_index(c, ch.hydrotope)
            arr = out["overrides"].get(ch.parameter)
            if arr is None:
                arr = base[ch.parameter].copy()
            arr[:, h] = ch.values(index)
            out["overrides"][ch.parameter] = arr
        elif isinstance(ch, Irrigation):
            h = hydrotope_index(c, ch.hydrotope)
            if out["irrigation_mm"] is None:
                out["irrigation_mm"] = np.zeros((n, nh))
            mm = ch.amounts(index)
            out["irrigation_mm"][:, h] += mm
            out["irrigation"].append((h, ch.water, mm))
        elif isinstance(ch, CarbonatePowder):
            out["powder"].append((hydrotope_index(c, ch.hydrotope), ch))
        elif isinstance(ch, SoilWarming):
            w = ch.values(index)
            out["soil_warming_c"] = w if out["soil_warming_c"] is None else out["soil_warming_c"] + w
        elif isinstance(ch, OrganicAmendment):
            out["amendments"].append((hydrotope_index(c, ch.hydrotope), ch.inputs(index),
                                      ch.decay_rate_10c_per_yr / 365.25))
        else:  # pragma: no cover
            raise TypeError(f"unknown change {ch!r}")
    return out


def co2_saturated_pwp_rate(soil_temp_c, pco2_atm):
    """PWP forward rate k1 a_H + k2 a_CO2 + k3 (mmol cm-2 s-1; Plummer, Wigley & Parkhurst 1978, Am. J. Sci.
    278:179, eq. 5) of soil water saturated with CO2 at ``pco2_atm`` before it has dissolved carbonate: a_CO2 = KH
    pCO2, a_H ~ sqrt(K1 a_CO2) (~10^-5.6 at 1e-3 atm), KH and K1 near 25 C; far from equilibrium the k2 a_CO2 + k3
    terms dominate."""
    k1, k2, k3 = pwp_rate_constants(soil_temp_c)
    kh = 10.0 ** -1.47  # mol/L/atm near 25 C (PHREEQC CO2(g))
    a_co2 = kh * np.asarray(pco2_atm)
    a_h = np.sqrt(10.0 ** -6.35 * a_co2)
    return k1 * a_h + k2 * a_co2 + k3


def powder_dissolution(index: pd.DatetimeIndex, powder: CarbonatePowder, allo_recharge_mm, deficit_mmol_l,
                       soil_temp_c, pco2_atm) -> tuple[np.ndarray, np.ndarray]:
    """Daily share phi (0-1) of the hydrotope's allogenic recharge brought to calcite saturation by the powder, and
    the powder left (mol/m2). ``deficit_mmol_l``: Ca the recharge would take up to saturation; ``allo_recharge_mm``
    per m2 of the hydrotope's non-carbonate area."""
    rate_mmol_cm2_d = co2_saturated_pwp_rate(soil_temp_c, pco2_atm) * 86400.0
    n = len(index)
    phi = np.zeros(n)
    left = np.zeros(n)
    m = 0.0
    t_spread = pd.Timestamp(powder.date)
    ssa = powder.specific_surface_cm2_mol
    for t in range(n):
        if index[t] == t_spread or (t == 0 and index[0] > t_spread):
            m += powder.dose_mol_m2
        cap_mol = max(deficit_mmol_l[t], 0.0) * allo_recharge_mm[t] / 1000.0  # mmol/L x L/m2 -> mol/m2
        kin_mol = rate_mmol_cm2_d[t] / 1000.0 * ssa * m  # mol/m2/day (surface shrinks with mass)
        d = min(kin_mol, cap_mol, m)
        m -= d
        phi[t] = d / cap_mol if cap_mol > 0 else 0.0
        left[t] = m
    return phi, left
