"""CO2 exchange of a cave stream with ventilated cave air, calcite reactions kinetically inhibited.

Water that dissolved calcite at the soil/epikarst pCO2 reaches a ventilated cave passage whose air has a different
pCO2 (outside air drawn in by the chimney effect in the cold season: a few hundred ppmv; soil-derived air in the
warm season: thousands of ppmv; Covington et al. 2021, J. Hydrol. 593:125824, for Blowing Springs Cave). The stream
exchanges CO2 with that air on its way to the outlet. Degassing raises pH and the calcite saturation index without
changing Ca: if calcite nucleation and growth are slow on the transit time, the water leaves supersaturated, as
cave and spring waters do (Hendy 1971, GCA 35:801, degassing before precipitation; Dreybrodt 1988, *Processes in
karst systems*, Springer, ch. 2 and 6; Spoetl, Fairchild & Tooth 2005, GCA 69:2451, cave ventilation sets the
degassing of drip water; Fairchild & Baker 2012, *Speleothem Science*, Wiley-Blackwell, ch. 5).

The process, with the carbonate species in internal equilibrium at every instant (CO2 hydration takes seconds to
tens of seconds at 10-15 C, short against a cave-stream transit of minutes to hours):

* Air-water CO2 flux by the thin-film model (Liss & Slater 1974, Nature 247:181; the first-order exchange of
  Covington, Prelovsek & Gabrovsek 2013, Geomorphology 186:85, for cave streams):
  ``F = k_L (c - c*)`` (mol m-2 s-1), c the CO2(aq) molality of the stream, c* that of the same water in
  equilibrium with the cave air (Henry's law at the cave-air pCO2, same activity model), k_L the gas-transfer
  velocity (m/s).
* Carbon balance of a water column of depth h (m) with Ca, the other elements and the charge imbalance (hence the
  alkalinity) fixed, because no mineral reacts: ``h dDIC/dt = -F`` (1), so DIC lost = CO2 degassed exactly.
* With the dimensionless exchange time ``tau = k_L t / h`` and the exchange number ``N = k_L T / h`` over the
  transit time T to the outlet: ``dDIC/dtau = -(c(DIC) - c*)`` (2), c(DIC) the CO2(aq) of the water with that DIC
  at fixed alkalinity (:func:`chemistry.speciate_totals`). With x = (DIC - DIC*)/(DIC0 - DIC*), DIC* the DIC of the
  water fully equilibrated with the cave air (:func:`chemistry.equilibrate`, ``mineral="none"``), and the secant
  slope g(x) = (c - c*)/(DIC - DIC*) > 0, (2) becomes ``d ln x / dtau = -g`` (3) and
  ``N = integral from ln x_out to 0 of dv / g(e^v)`` (4), evaluated on a grid of 33 points in v = ln x from 0 to -8
  with 1/g linear between grid points (trapezoid rule, inverted exactly per interval); below the grid g is
  constant, its limit dc/dDIC at DIC*, so ln x falls linearly with N. Against a fourth-order Runge-Kutta
  integration of (2) the outlet DIC agrees within 1e-3 of the initial disequilibrium DIC0 - DIC* (tests). N = 0: the water is
  unchanged; N -> infinity: the water reaches CO2 equilibrium with the cave air at unchanged Ca. Where the water's
  pCO2 is below the cave air's, (2) is ingassing (DIC rises) with the same law.
* The equilibration fraction ``phi = 1 - x_out = (DIC0 - DIC_out)/(DIC0 - DIC*)`` is reported per water; for
  c linear in DIC (CO3 2- negligible, pH below ~8.3) g is constant and phi = 1 - exp(-g N).

Plausible N (literature bounds of the station calibration): k_L of small turbulent streams 1-40 m/d (k600;
Raymond et al. 2012, Limnol. Oceanogr. Fluids Environ. 2:41), stream depth 0.05-0.5 m and a cave-passage
transit of 0.01-0.3 d give N between about 0.02 and 200.

Units: molalities in mmol/kgw (``*_mmol_kgw``), pCO2 in atm.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import chemistry
from chemistry.errors import InputError

ELEMENTS = ("ca", "mg", "na", "k", "cl", "so4", "no3")
#: grid in v = ln x of eq. (4): 0 .. V_MIN in V_POINTS points (x from 1 down to e^-8 = 3.4e-4 of the initial
#: disequilibrium); below it g is taken constant (the linear limit)
V_MIN = -8.0
V_POINTS = 33
EXTRA_COLUMNS = ("dic_initial_mmol_kgw", "dic_cave_equilibrium_mmol_kgw", "co2_degassed_mmol_kgw",
                 "equilibration_fraction", "exchange_number", "cave_pco2_atm")


def _totals(water: pd.DataFrame, dic_mmol_kgw) -> dict:
    """Element totals (mol/kgw) of ``water`` with its DIC replaced by ``dic_mmol_kgw``."""
    out = {e: water[f"{e}_mmol_kgw"].to_numpy(float) / 1000.0 for e in ELEMENTS if f"{e}_mmol_kgw" in water}
    out["dic"] = np.asarray(dic_mmol_kgw, float) / 1000.0
    return out


def _speciate(temp_c, water: pd.DataFrame, dic_mmol_kgw, imbalance_eq, database) -> pd.DataFrame:
    """The water at fixed elements and charge imbalance with the given DIC (:func:`chemistry.speciate_totals`)."""
    return chemistry.speciate_totals(temp_c, _totals(water, dic_mmol_kgw), imbalance_eq, database=database)


def _invert(cum: np.ndarray, inv_g: np.ndarray, v: np.ndarray, big_n: np.ndarray) -> np.ndarray:
    """v_out with N(v_out) = big_n per row, N(v) = integral from v to 0 of 1/g (eq. 4). Within a grid interval 1/g
    is linear in v (the trapezoid rule of ``cum``), so N is quadratic there and is inverted exactly; beyond the
    grid 1/g keeps its last value."""
    m, k = cum.shape
    dv = v[0] - v[1]
    j = np.array([np.searchsorted(cum[i], big_n[i], side="right") - 1 for i in range(m)], dtype=int)
    j = np.clip(j, 0, k - 1)
    rows = np.arange(m)
    rest = big_n - cum[rows, j]
    a = inv_g[rows, j]
    inside = j < k - 1
    b = np.where(inside, (inv_g[rows, np.minimum(j + 1, k - 1)] - a) / dv, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        u_quad = 2.0 * rest / (a + np.sqrt(np.maximum(a * a + 2.0 * b * rest, 0.0)))  # root of a u + b u^2/2 = rest
    u = np.where(inside, np.minimum(u_quad, dv), rest / a)
    return v[j] - u


def exchange_with_cave_air(water: pd.DataFrame, cave_pco2_atm, exchange_number,
                           database: str = "phreeqc.dat") -> pd.DataFrame:
    """CO2 exchange of ``water`` with cave air at ``cave_pco2_atm`` over the dimensionless exchange number
    ``exchange_number`` = k_L T / h (module docstring, eqs. 1-4), Ca and the alkalinity unchanged.

    ``water``: rows of waters as returned by :func:`chemistry.equilibrate` (``temp_c``, ``<element>_mmol_kgw``,
    ``dic_mmol_kgw``, ``charge_imbalance_meq_kgw``). ``cave_pco2_atm`` and ``exchange_number`` broadcast to the rows.
    Returns the outlet waters (columns of :func:`chemistry.speciate_totals`) plus ``dic_initial_mmol_kgw``,
    ``dic_cave_equilibrium_mmol_kgw`` (DIC*), ``co2_degassed_mmol_kgw`` (DIC0 - DIC_out; negative = ingassing),
    ``equilibration_fraction`` (phi), ``exchange_number`` and ``cave_pco2_atm``. Rows with a missing input are NaN.
    """
    n = len(water)
    p = np.broadcast_to(np.asarray(cave_pco2_atm, float), (n,)).copy()
    big_n = np.broadcast_to(np.asarray(exchange_number, float), (n,)).copy()
    if np.any(big_n[np.isfinite(big_n)] < 0):
        raise InputError("exchange_number must be >= 0", column="exchange_number")
    bad_p = np.isfinite(p) & ((p <= 0) | (p > 1))
    if bad_p.any():
        i = int(np.flatnonzero(bad_p)[0])
        raise InputError(f"cave-air pCO2 {p[i]} atm outside (0, 1]", column="cave_pco2_atm", row=i)
    t = water["temp_c"].to_numpy(float)
    d0 = water["dic_mmol_kgw"].to_numpy(float)
    imb = (water["charge_imbalance_meq_kgw"].to_numpy(float) / 1000.0 if "charge_imbalance_meq_kgw" in water
           else np.zeros(n))
    ok = np.isfinite(p) & np.isfinite(big_n) & np.isfinite(t) & np.isfinite(d0)
    for e in ELEMENTS:
        if f"{e}_mmol_kgw" in water:
            ok &= np.isfinite(water[f"{e}_mmol_kgw"].to_numpy(float))
    idx = np.flatnonzero(ok)
    w = water.iloc[idx].reset_index(drop=True)
    t, d0, imb, p, big_n = t[idx], d0[idx], imb[idx], p[idx], big_n[idx]
    m = idx.size
    if m == 0:  # nothing to compute: the columns of a speciated water, all NaN
        cols = [c for c in chemistry.speciate_totals([25.0], {"dic": [1e-3]}, database=database).columns
                if c != "converged"]
        res = pd.DataFrame(np.nan, index=range(n), columns=cols + list(EXTRA_COLUMNS))
        res["converged"] = np.zeros(n, bool)
        return res

    # DIC* and c*: the same water (elements, charge imbalance) in CO2 equilibrium with the cave air, no mineral
    full = chemistry.equilibrate(t, p, mineral="none", system="open", water=w, database=database)
    d_eq = full["dic_mmol_kgw"].to_numpy(float)
    delta = d0 - d_eq
    # eq. (4) on the v grid, all waters in one speciation call; the point v -> -inf (DIC*) gives c*
    v = np.linspace(0.0, V_MIN, V_POINTS)
    dic_grid = d_eq[:, None] + delta[:, None] * np.exp(v)[None, :]
    cols = np.concatenate([dic_grid, d_eq[:, None]], axis=1)  # (m, V_POINTS + 1)
    rep = w.iloc[np.repeat(np.arange(m), V_POINTS + 1)].reset_index(drop=True)
    sp = _speciate(np.repeat(t, V_POINTS + 1), rep, cols.ravel(), np.repeat(imb, V_POINTS + 1), database)
    c = sp["co2aq_mmol_kgw"].to_numpy(float).reshape(m, V_POINTS + 1)
    conv = sp["converged"].to_numpy(bool).reshape(m, V_POINTS + 1).all(axis=1)
    c_star = c[:, -1]
    moving = np.abs(delta) > 1e-9 * np.maximum(d0, 1e-12)  # DIC0 == DIC*: already in equilibrium, nothing moves
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (c[:, :-1] - c_star[:, None]) / (dic_grid - d_eq[:, None])
    g = np.where(moving[:, None], g, 1.0)
    # cumulative N(v) from v = 0 down the grid (trapezoid), then invert for v_out at the given N
    dv = -np.diff(v)  # positive steps
    cum = np.concatenate([np.zeros((m, 1)), np.cumsum(0.5 * (1.0 / g[:, 1:] + 1.0 / g[:, :-1]) * dv, axis=1)],
                         axis=1)
    v_out = _invert(cum, 1.0 / g, v, big_n)
    x_out = np.exp(v_out)
    d_out = np.where(moving, d_eq + delta * x_out, d0)
    out_w = _speciate(t, w, d_out, imb, database)
    ok_rows = conv & out_w["converged"].to_numpy(bool) & full["converged"].to_numpy(bool) & (g > 0).all(axis=1)

    res = pd.DataFrame(np.nan, index=range(n), columns=[col for col in out_w.columns if col != "converged"])
    num = [col for col in out_w.columns if col != "converged"]
    res.loc[idx, num] = out_w[num].to_numpy(float)
    extra = {"dic_initial_mmol_kgw": d0, "dic_cave_equilibrium_mmol_kgw": d_eq, "co2_degassed_mmol_kgw": d0 - d_out,
             "equilibration_fraction": np.where(moving, 1.0 - x_out, 1.0), "exchange_number": big_n,
             "cave_pco2_atm": p}
    for k, val in extra.items():
        res[k] = np.nan
        res.loc[idx, k] = val
    conv_all = np.zeros(n, bool)
    conv_all[idx] = ok_rows
    res.loc[~conv_all, :] = np.nan
    res["converged"] = conv_all
    return res
