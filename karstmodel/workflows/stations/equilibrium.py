"""Spring DIC predicted by carbonate equilibrium from the CO2 measured at the station, and its fit.

:func:`chemistry.equilibrate` (open, closed and mixed systems, the recharge systems of the catchment model) at the
sample temperature with recharge pCO2 = ``pco2_factor`` x measured CO2 mole fraction x barometric pressure at the
station's elevation. This tests karstmodel's dissolution coupling on real data; soil CO2 of Blowing Springs:
Covington, Knierim, Young, Rodriguez & Gnoza (2021), J. Hydrol. 593:125824. With ``[soil_co2] mean_days`` the
recharge CO2 is the mean soil CO2 over that window before the sample (recharge memory: spring water is a mixture of
water recharged over the window, a uniform transit-time distribution; Maloszewski & Zuber 1982, J. Hydrol. 57:207,
lumped transit-time models).

The parameters (``pco2_factor`` per system and the ``gas_water_ratio`` of the mixed system) are fitted with
``scipy.optimize.differential_evolution`` (seeded, vectorised; Storn & Price 1997). Equilibrium results are per kg
of water and are compared with per-litre observations without conversion (difference below 0.05 % for these dilute
waters).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

import chemistry

from ...processes.soil_co2 import pressure_atm as _soil_pressure_atm
from .data import CAVE_AIR_COLUMN, StationData
from .schema import Station, SystemParameters
from .scores import _objective_value


def co2_at_samples(st: Station, data: StationData, source: str) -> pd.DataFrame:
    """Measured CO2 (ppmv) for each sample: ``soil`` = the site mean of the nearest soil-gas date within
    ``[soil_co2] max_days``, or with ``[soil_co2] mean_days`` > 0 the mean of the site means of all soil-gas dates
    in the ``mean_days`` before the sample (a recharge memory: spring water that recharged over the preceding weeks
    to months, a boxcar transit-time distribution; ``co2_days`` is then the age of the newest date);
    ``cave_air`` = the sample's own cave-air CO2, or, with ``[model] cave_air_max_days``
    > 0, that of the nearest sample (in time) with one within that many days (a documented gap-filling choice:
    cave-air CO2 changes with the season of the airflow direction, Covington et al. 2021)."""
    s = data.samples
    n = len(s)
    out = pd.DataFrame({"co2_ppmv": np.full(n, np.nan), "co2_date": pd.NaT, "co2_days": np.full(n, np.nan)})
    if source == "cave_air":
        if CAVE_AIR_COLUMN in s.columns:
            c = s[CAVE_AIR_COLUMN].to_numpy(float)
            out["co2_ppmv"] = c
            out["co2_days"] = np.where(np.isfinite(c), 0.0, np.nan)
            have = np.flatnonzero(np.isfinite(c))
            if st.cave_air_max_days > 0 and have.size:
                t = s["datetime"].to_numpy("datetime64[ns]")
                diff = np.abs((t[:, None] - t[None, have]).astype("timedelta64[s]").astype(float)) / 86400.0
                j = np.argmin(diff, axis=1)
                dd = diff[np.arange(n), j]
                fill = ~np.isfinite(c) & (dd <= st.cave_air_max_days)
                out.loc[fill, "co2_ppmv"] = c[have[j[fill]]]
                out.loc[fill, "co2_days"] = dd[fill]
        return out
    soil = data.soil_co2
    if soil is None:
        return out
    sd = soil.index.to_numpy("datetime64[ns]")
    t = s["datetime"].dt.normalize().to_numpy("datetime64[ns]")
    if st.soil_co2_mean_days > 0:  # recharge memory: the mean of the soil-gas dates in (t - mean_days, t]
        age = (t[:, None] - sd[None, :]).astype("timedelta64[h]").astype(float) / 24.0
        win = (age >= 0) & (age < st.soil_co2_mean_days)
        cnt = win.sum(axis=1)
        with np.errstate(invalid="ignore"):
            out["co2_ppmv"] = np.where(cnt > 0, (win * soil["mean_ppmv"].to_numpy()[None, :]).sum(axis=1) / cnt,
                                       np.nan)
        newest = np.where(win, age, np.inf).min(axis=1)
        j = np.argmin(np.where(win, age, np.inf), axis=1)
        out["co2_date"] = pd.DatetimeIndex(np.where(cnt > 0, sd[j], np.datetime64("NaT")))
        out["co2_days"] = np.where(cnt > 0, newest, np.nan)
        return out
    diff = np.abs((t[:, None] - sd[None, :]).astype("timedelta64[h]").astype(float)) / 24.0
    j = np.argmin(diff, axis=1)
    dd = diff[np.arange(n), j]
    ok = dd <= st.soil_co2_max_days
    out["co2_ppmv"] = np.where(ok, soil["mean_ppmv"].to_numpy()[j], np.nan)
    out["co2_date"] = pd.DatetimeIndex(np.where(ok, sd[j], np.datetime64("NaT")))
    out["co2_days"] = np.where(ok, dd, np.nan)
    return out


def pressure_atm(elevation_m: float) -> float:
    return float(_soil_pressure_atm(elevation_m))


def predict_equilibrium(temp_c, co2_ppmv, system: str, params: SystemParameters, mineral="calcite",
                        p_atm: float = 1.0, database="phreeqc.dat") -> pd.DataFrame:
    """:func:`chemistry.equilibrate` at pCO2 = pco2_factor x CO2 (ppmv) x 1e-6 x P (atm): the spring DIC predicted
    from measured CO2 (columns of equilibrate; rows where the input is missing are NaN)."""
    t = np.asarray(temp_c, float)
    c = np.asarray(co2_ppmv, float)
    ok = np.isfinite(t) & np.isfinite(c) & (c > 0)
    n = t.size
    kw = {"gas_water_ratio": params.gas_water_ratio} if system == "mixed" else {}
    eq = chemistry.equilibrate(t[ok], params.pco2_factor * c[ok] * 1e-6 * p_atm, mineral=mineral, system=system,
                               database=database, **kw)
    num = [col for col in eq.columns if pd.api.types.is_numeric_dtype(eq[col])]
    out = pd.DataFrame(np.nan, index=range(n), columns=num)
    out.loc[np.flatnonzero(ok), num] = eq[num].to_numpy(float)
    if "converged" in eq.columns:
        bad = np.flatnonzero(ok)[~eq["converged"].to_numpy(bool)]
        out.loc[bad, num] = np.nan
    return out


class EquilibriumObjective:
    """Loss of the equilibrium prediction on the fitting samples; vectorised over a population (scipy's
    ``differential_evolution(..., vectorized=True)`` passes x with shape (N, S)): one equilibrate call per
    generation."""

    def __init__(self, temp_c, co2_ppmv, obs, system, names, transforms, mineral, p_atm, objective, database):
        self.t, self.c, self.obs = (np.asarray(a, float) for a in (temp_c, co2_ppmv, obs))
        self.system, self.names, self.transforms = system, names, transforms
        self.mineral, self.p_atm, self.objective, self.database = mineral, p_atm, objective, database
        self.evaluations = 0

    def values(self, x) -> dict:
        return {n: (10.0 ** u if tr == "log" else u) for n, u, tr in zip(self.names, x, self.transforms)}

    def __call__(self, x):
        x = np.asarray(x, float)
        single = x.ndim == 1
        X = x[:, None] if single else x
        S, n = X.shape[1], self.t.size
        vals = [self.values(X[:, s]) for s in range(S)]
        f = np.array([v.get("pco2_factor", 1.0) for v in vals])
        p = (f[:, None] * self.c[None, :] * 1e-6 * self.p_atm).ravel()
        t = np.tile(self.t, S)
        kw = {}
        if self.system == "mixed":
            g = np.array([v["gas_water_ratio"] for v in vals])
            kw["gas_water_ratio"] = np.repeat(g, n)
        eq = chemistry.equilibrate(t, p, mineral=self.mineral, system=self.system, database=self.database, **kw)
        dic = eq["dic_mmol_kgw"].to_numpy(float)
        if "converged" in eq.columns:
            dic = np.where(eq["converged"].to_numpy(bool), dic, np.nan)
        dic = dic.reshape(S, n)
        self.evaluations += S
        loss = np.array([_objective_value(dic[s], self.obs, self.objective) if np.isfinite(dic[s]).all() else 1e3
                         for s in range(S)])
        return float(loss[0]) if single else loss


def fit_equilibrium(st: Station, temp_c, co2_ppmv, obs, system: str, seed: int, objective: str | None = None):
    """Fit ``pco2_factor`` (and ``gas_water_ratio`` for the mixed system) with scipy's differential evolution
    (seeded, vectorised, L-BFGS-B polish). Returns (SystemParameters, loss, parameter sets evaluated)."""
    names = ["pco2_factor"] + (["gas_water_ratio"] if system == "mixed" else [])
    trs = [st.bounds[n][2] for n in names]
    bounds = [((math.log10(st.bounds[n][0]), math.log10(st.bounds[n][1])) if st.bounds[n][2] == "log"
               else (st.bounds[n][0], st.bounds[n][1])) for n in names]
    obj = EquilibriumObjective(temp_c, co2_ppmv, obs, system, names, trs, st.mineral, pressure_atm(st.elevation_m),
                               objective or st.objective, st.database)
    res = differential_evolution(obj, bounds, seed=seed, maxiter=st.maxiter, popsize=st.popsize, tol=1e-6,
                                 polish=True, vectorized=True, updating="deferred")
    v = obj.values(res.x)
    # scipy counts vectorised calls in nfev; the objective counts the parameter sets it evaluated
    return SystemParameters(v["pco2_factor"], v.get("gas_water_ratio")), float(res.fun), int(obj.evaluations)
