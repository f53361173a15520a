"""The results of the reaches (:class:`ReachResult`): tables, carbon and O2 balances and the fate of the karst DIC.

Fate of the karst DIC (``ReachResult.fate``; docs/interface.md)
--------------------------------------------------------------
All fluxes are NET over the reported period and summed over all reaches (gross photosynthesis that is respired
again in the reaches is not counted: its carbon returns to DIC and is counted in whatever fate that DIC takes).
Let I be the karst DIC entering the first reach, A any allochthonous organic carbon added to the beds (zero unless
set), dS the change of carbon stored in the reaches (DIC and organic carbon in the water, labile organic carbon on
the beds); the carbon that passed through is T = I + A - dS, and it leaves as

* ``export_dic``: DIC leaving the last reach;
* ``aquatic_organic_carbon``: autochthonous organic carbon (fixed by macrophytes and algae, not respired) leaving
  the last reach in the water;
* ``sediment``: calcite deposited (net of re-dissolution) plus organic carbon buried (the refractory fraction of
  what reaches the bed) in all reaches;
* ``degassed``: net CO2 evasion to the air from all reaches (evasion minus invasion).

The four shares are these fluxes divided by T and sum to 1 exactly. Buried organic carbon is organic carbon fixed
by the BCP *and* sediment; as carbon removed from the water it is counted in ``sediment``, and booked on its own as
``buried_autochthonous_oc`` (autochthonous OC buried in the beds and, in lakes, the profundal sediment) beside
``calcite_deposited`` (the two parts of ``sediment`` when no allochthonous OC is added); ``fate_detail`` gives the
components (``organic_exported``, ``organic_buried``, ``calcite_deposited``), ``bcp_fixed`` = exported +
buried organic carbon (the net fixation of the biological carbon pump that persists) and the autochthonous OC
formed (NPP = GPP - autotrophic respiration), buried and exported, in mol.
Stability (``fate["stability"]``): the share of the carbon passing through that is not returned to the atmosphere
within the reaches, 1 - degassed = export_dic + aquatic_organic_carbon + sediment (outlet-of-reach accounting:
exported DIC may still degas further downstream). A share is negative when its net flux reverses: ``degassed`` < 0
when the reaches take up atmospheric CO2 (e.g. a productive pond drawn below air pCO2), ``sediment`` < 0 when
previously deposited or bed calcite dissolves; the other shares can then exceed 1. A net-heterotrophic reach
(ER > GPP, e.g. with allochthonous inputs or while stored organic carbon is respired) returns fixed carbon to DIC:
it lowers ``aquatic_organic_carbon`` (bounded below by zero: exports cannot be negative) and raises ``degassed``
and ``export_dic``.

Fluxes are per m2 of water surface of the reach; concentrations mmol/L (= mol/m3), O2 mg/L in the tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemistry.constants import M_C_G_MOL, M_O2_G_MOL

from ..._compiled import njit

from .kernel import (F_ALLOCH, F_AREA, F_BURIAL, F_BURIAL_AUTO, F_DEGAS, F_DIC_IN, F_DIC_OUT, F_ER, F_GPP,
                     F_O2_CONS, F_O2_IN, F_O2_OUT, F_O2_PROD, F_OC_IN, F_OC_OUT, F_PRECIP, F_RAUTO, F_REAER, F_RS,
                     N_FLUX, N_STATE, O_ALK, O_CA, O_CO2, O_CO3, O_DEPTH, O_DIC, O_DO, O_DOSAT, O_ENH, O_HCO3, O_HDIC,
                     O_HDO, O_K600, O_LPCO2, O_OCS, O_OCW, O_PAR, O_PH, O_SI, O_STRAT, O_TEMP, O_VEL, O_WIDTH, S_AREA,
                     S_O2, S_OCS, S_OCW, S_V)
from .lake import H_C0, H_O2, H_OC, H_V


@dataclass
class ReachResult:
    """Result of :func:`simulate_reaches`.

    * ``subdaily``: DataFrame indexed by the start of each step, columns (reach, variable): state at the start of
      the step, rates averaged over the step; chemistry at the reach outlet (its last segment) (``ph, dic_mmol_l, ca_mmol_l, alk_meq_l, co2aq_mmol_l, hco3_mmol_l, co3_mmol_l, pco2_uatm,
      si_calcite, do_mg_l, do_sat_mg_l, temp_c``), hydraulics (``q_m3_s, depth_m, width_m, velocity_m_s,
      k600_m_d, co2_enhancement``), surface PAR (``par_umol_m2_s``) and rates per m2 of the reach
      (``gpp_mmol_c_m2_h, er_mmol_c_m2_h, nep_mmol_c_m2_h, degassing_mmol_c_m2_h, calcite_precip_mmol_m2_h,
      reaeration_mmol_o2_m2_h``).
    * ``daily``: DataFrame per day, columns (reach, variable): ``gpp_g_o2_m2_d, er_g_o2_m2_d, nep_g_o2_m2_d`` (O2
      produced by GPP = PQ x C fixed; O2 consumed by ER = C respired / RQ), ``gpp_g_c_m2_d, er_g_c_m2_d,
      nep_g_c_m2_d, degassing_g_c_m2_d, calcite_precip_g_c_m2_d, oc_burial_g_c_m2_d, reaeration_g_o2_m2_d``,
      ``dic_in_mol_d, dic_out_mol_d, oc_out_mol_d`` and daily means of the chemistry.
    * ``fate``: {export_dic, aquatic_organic_carbon, sediment, degassed} (sum 1) plus ``stability`` and
      ``definition`` (see the module docstring); ``fate_detail``: fluxes (mol C) and the component shares;
      ``fate_by_reach``: the same shares for each reach relative to its own throughput (its inflow of DIC and of
      organic carbon from upstream reaches).
    * ``balances``: {"carbon": {...}, "o2": {...}} for the whole chain and ``by_reach``, each with inputs,
      outputs, storage change (mol), residual and relative residual.
    """

    subdaily: pd.DataFrame
    daily: pd.DataFrame
    fate: dict
    fate_detail: dict
    fate_by_reach: dict
    balances: dict
    reaches: tuple
    settings: dict

    def reach(self, name: str, daily: bool = False) -> pd.DataFrame:
        """The sub-daily (or daily) table of one reach with plain column names."""
        df = self.daily if daily else self.subdaily
        return df[name].copy()



def _storage(conc, scal, tank_idx):
    """(carbon mol, O2 mol) stored in the given tanks: V (DIC + OC_water) + area x OC_bed; V O2; plus a lake's deep
    layer, V_h (DIC_h + OC_h) and V_h O2_h (V_h = 0 for streams and ponds)."""
    h = N_STATE
    c = sum(scal[t, S_V] * (conc[t, 1] + scal[t, S_OCW]) + scal[t, S_AREA] * scal[t, S_OCS]
            + scal[t, h + H_V] * (scal[t, h + H_C0 + 1] + scal[t, h + H_OC]) for t in tank_idx)
    return c, sum(scal[t, S_V] * scal[t, S_O2] + scal[t, h + H_V] * scal[t, h + H_O2] for t in tank_idx)


def _bed_area(flux, tank_idx) -> np.ndarray:
    """Bed (water-surface) area of a reach at every step, m2: the sum over its tanks. A stream whose width follows
    its discharge (Leopold & Maddock 1953) changes it from step to step; a pond keeps it."""
    area = flux[tank_idx[0], F_AREA].copy()
    for t in tank_idx[1:]:
        area += flux[t, F_AREA]
    return area


@njit
def _running_sum(a):
    """Row sums of a 2-D array, each added strictly left to right (compiled without reassociation). The rows advance
    together, column by column: independent sums, so the order within each row is unchanged."""
    out = np.zeros(a.shape[0])
    for j in range(a.shape[1]):
        for i in range(a.shape[0]):
            out[i] += a[i, j]
    return out


@njit
def _running_sum_from(acc, a):
    """Add the rows of a 2-D array to ``acc`` (one total per row), each value strictly left to right: a record that
    arrives in blocks of steps gives the same totals, bit for bit, as :func:`_running_sum` over the whole of it."""
    for j in range(a.shape[1]):
        for i in range(a.shape[0]):
            acc[i] += a[i, j]


@njit
def _running_sum_interleaved(flux, f, s=0.0):
    """Sum of ``flux[:, f, :]`` over steps and, within a step, over the tanks (step 0 tank 0, step 0 tank 1, ...),
    added left to right to ``s``: the whole-chain totals in the order they have always been added (``s``: the total
    of the blocks of steps before this one)."""
    for n in range(flux.shape[2]):
        for t in range(flux.shape[0]):
            s += flux[t, f, n]
    return s


@njit
def _day_sums(a, steps_per_day):
    """Sums of consecutive blocks of ``steps_per_day`` values of each row of a 2-D array, each block added in step
    order (the first value, then the next ones one by one)."""
    n_days = a.shape[1] // steps_per_day
    out = np.empty((a.shape[0], n_days))
    for i in range(a.shape[0]):
        for d in range(n_days):
            j0 = d * steps_per_day
            s = a[i, j0]
            for j in range(j0 + 1, j0 + steps_per_day):
                s += a[i, j]
            out[i, d] = s
    return out


def _seq_sum(a: np.ndarray):
    """Sum along the last axis in step order (a running sum, as the balances have always been added up); a scalar
    for a 1-D array."""
    if a.ndim == 1:
        return float(_running_sum(np.ascontiguousarray(a)[None, :])[0])
    return _running_sum(np.ascontiguousarray(a))


def _per_day(a: np.ndarray, steps_per_day: int, how: str) -> np.ndarray:
    """Daily sums or means of per-step values along the last axis (the steps always cover whole days): numpy's
    sum of one series, the fluxes of a (variables, steps) array added in step order."""
    if a.ndim == 1:
        r = a.reshape(a.shape[0] // steps_per_day, steps_per_day)
        return r.sum(axis=-1) if how == "sum" else r.mean(axis=-1)
    flat = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
    acc = _day_sums(flat, steps_per_day).reshape(a.shape[:-1] + (a.shape[-1] // steps_per_day,))
    return acc if how == "sum" else acc / steps_per_day


def _table(columns: dict, index) -> pd.DataFrame:
    """A float DataFrame with (reach, variable) columns that takes the arrays as they are (no copy: rows of the
    kernel's output arrays and freshly computed arrays)."""
    df = pd.DataFrame(columns, index=index, copy=False)
    df.columns = pd.MultiIndex.from_tuples(list(columns), names=["reach", "variable"])
    return df


def _balance(inputs: dict, outputs: dict, storage_change: float, storage: float = 0.0) -> dict:
    """Balance inputs - outputs - storage change; the relative residual is taken against the largest of the total
    input, output, storage change and amount stored (a closed pond has no inputs but holds carbon)."""
    tin = float(sum(inputs.values()))
    tout = float(sum(outputs.values()))
    resid = tin - tout - storage_change
    scale = max(abs(tin), abs(tout), abs(storage_change), abs(storage), 1e-300)
    return {"inputs_mol": {k: float(v) for k, v in inputs.items()},
            "outputs_mol": {k: float(v) for k, v in outputs.items()},
            "storage_change_mol": float(storage_change), "residual_mol": float(resid),
            "relative_residual": float(abs(resid) / scale)}


def _fate(dic_out, oc_out, burial, calcite, degas, dic_in, alloch, d_storage, burial_auto=0.0,
          npp=0.0) -> tuple[dict, dict]:
    through = dic_out + oc_out + burial + calcite + degas
    if not abs(through) > 0:
        shares = {"export_dic": float("nan"), "aquatic_organic_carbon": float("nan"), "sediment": float("nan"),
                  "degassed": float("nan")}
    else:
        shares = {"export_dic": dic_out / through, "aquatic_organic_carbon": oc_out / through,
                  "sediment": (burial + calcite) / through, "degassed": degas / through}
    shares = {k: float(v) for k, v in shares.items()}
    fate = dict(shares)
    # the two parts of ``sediment``: buried autochthonous organic carbon (fixed by the biological carbon pump from
    # DIC) and calcite; buried allochthonous OC (zero unless set) is the rest of sediment
    fate["buried_autochthonous_oc"] = float(burial_auto / through) if abs(through) > 0 else float("nan")
    fate["calcite_deposited"] = float(calcite / through) if abs(through) > 0 else float("nan")
    fate["stability"] = float(1.0 - shares["degassed"])
    fate["definition"] = ("shares of the carbon passing through the reaches (karst DIC in + allochthonous OC - "
                          "storage change), net fluxes over the period: export_dic = DIC leaving the last reach; "
                          "aquatic_organic_carbon = autochthonous OC leaving the last reach; sediment = calcite "
                          "deposited + OC buried (of which buried_autochthonous_oc = autochthonous OC buried, "
                          "calcite_deposited = calcite); degassed = net CO2 evasion. stability = 1 - degassed (share "
                          "not returned to the atmosphere within the reaches)")
    detail = {"karst_dic_in_mol": float(dic_in), "allochthonous_oc_in_mol": float(alloch),
              "storage_change_mol": float(d_storage), "throughput_mol": float(through),
              "dic_exported_mol": float(dic_out), "organic_exported_mol": float(oc_out),
              "organic_buried_mol": float(burial), "calcite_deposited_mol": float(calcite),
              "degassed_mol": float(degas), "autochthonous_oc_formed_mol": float(npp),
              "autochthonous_oc_buried_mol": float(burial_auto), "autochthonous_oc_exported_mol": float(oc_out)}
    if abs(through) > 0:
        detail.update(organic_exported=float(oc_out / through), organic_buried=float(burial / through),
                      calcite_deposited=float(calcite / through), bcp_fixed=float((oc_out + burial) / through))
    return fate, detail


#: flux rows summed per day (mol per m2 of the bed at each step) for the daily tables
_DAY_ROWS = (F_GPP, F_ER, F_DEGAS, F_PRECIP, F_BURIAL, F_REAER, F_O2_CONS, F_RAUTO, F_BURIAL_AUTO, F_RS)
#: sub-daily variables whose daily means go into the daily tables
_DAY_MEANS = ("ph", "dic_mmol_l", "pco2_uatm", "si_calcite", "do_mg_l", "temp_c", "q_m3_s", "stratified",
              "hypolimnion_do_mg_l")


class Assembly:
    """The result of the reaches built from the kernel's outputs as they arrive: blocks of whole days of ``out``
    (tanks, N_OUT, steps) and ``flux`` (tanks, N_FLUX, steps) in record order (:meth:`add`), then
    :meth:`result`. Every total is added in step order across the blocks and every daily value from its own day,
    so the daily tables, balances and fates do not depend on how the record was cut (one block: the whole record).
    ``keep``: the steps whose sub-daily rows are kept (a slice of the record; None: all, taken from the kernel's
    arrays without a copy when the record comes as one block)."""

    def __init__(self, reaches, tank_reach, dt: float, n_steps: int, keep: slice | None = None):
        self.reaches = tuple(reaches)
        self.tank_reach = np.asarray(tank_reach)
        self.names = [r.name for r in self.reaches]
        self.dt = dt
        self.spd = int(round(86400.0 / dt))
        self.n_steps = n_steps
        self.keep = keep
        self.done = 0
        self.tanks = [np.flatnonzero(self.tank_reach == i) for i in range(len(self.reaches))]
        self.area = [np.empty(n_steps) for _ in self.reaches]  # bed area of each reach at every step
        self.sub = {}  # (reach, variable) -> pieces of the kept sub-daily rows
        self.day = {}  # (reach, variable) -> pieces of the daily values
        ends = {int(t[0]) for t in self.tanks} | {int(t[-1]) for t in self.tanks}
        self.tank_tot = {t: np.zeros(N_FLUX) for t in sorted(ends)}  # step-order totals of first and last tanks
        self.reach_tot = {i: np.zeros(N_FLUX) for i, t in enumerate(self.tanks) if len(t) > 1}
        self.chain_tot = {f: 0.0 for f in (F_O2_PROD, F_REAER, F_O2_CONS)}

    def add(self, out, flux, f_q) -> None:
        """The next block of steps: the kernel's ``out`` and ``flux`` for it and the inflow ``f_q`` (m3/s) of its
        steps. A block holds whole days."""
        m = out.shape[2]
        k0 = self.done
        if m % self.spd or k0 + m > self.n_steps:
            raise ValueError("a block of the reaches' record must hold whole days within the record")
        spd = self.spd
        per_step_h = self.dt / 3600.0
        if self.keep is None:
            a, b = 0, m
        else:
            a = min(max(self.keep.start - k0, 0), m)
            b = min(max(self.keep.stop - k0, a), m)
        whole = self.keep is None and m == self.n_steps  # the kernel's rows are the table's columns, no copy
        for i, name in enumerate(self.names):
            tanks = self.tanks[i]
            last = tanks[-1]
            area = _bed_area(flux, tanks)
            self.area[i][k0:k0 + m] = area
            o = out[last]
            fl = flux[tanks[0]]
            for t in tanks[1:]:
                fl = fl + flux[t]
            lp = o[O_LPCO2]
            sub = {
                "ph": o[O_PH], "dic_mmol_l": o[O_DIC], "ca_mmol_l": o[O_CA], "alk_meq_l": o[O_ALK],
                "co2aq_mmol_l": o[O_CO2], "hco3_mmol_l": o[O_HCO3], "co3_mmol_l": o[O_CO3],
                "pco2_uatm": 1e6 * 10.0**lp, "si_calcite": o[O_SI], "do_mg_l": o[O_DO] * M_O2_G_MOL,
                "do_sat_mg_l": o[O_DOSAT] * M_O2_G_MOL, "temp_c": o[O_TEMP], "q_m3_s": f_q, "depth_m": o[O_DEPTH],
                "width_m": o[O_WIDTH], "velocity_m_s": o[O_VEL], "k600_m_d": o[O_K600],
                "co2_enhancement": o[O_ENH], "par_umol_m2_s": o[O_PAR],
                "oc_water_mmol_l": o[O_OCW], "oc_bed_mmol_m2": o[O_OCS] * 1e3,
            }
            rates = {"gpp_mmol_c_m2_h": F_GPP, "er_mmol_c_m2_h": F_ER, "degassing_mmol_c_m2_h": F_DEGAS,
                     "calcite_precip_mmol_m2_h": F_PRECIP, "reaeration_mmol_o2_m2_h": F_REAER}
            for k, f in rates.items():  # per m2 of the bed of each step; only for the kept rows
                sub[k] = fl[f, a:b] / area[a:b] / per_step_h * 1e3
            sub["nep_mmol_c_m2_h"] = sub["gpp_mmol_c_m2_h"] - sub["er_mmol_c_m2_h"]
            if self.reaches[i].hypolimnion_depth_m > 0.0:  # a stratifying lake: its deep layer
                sub["stratified"] = o[O_STRAT]
                sub["hypolimnion_do_mg_l"] = o[O_HDO] * M_O2_G_MOL
                sub["hypolimnion_dic_mmol_l"] = o[O_HDIC]
            for k, v in sub.items():
                if k not in rates and k != "nep_mmol_c_m2_h":
                    v = v if whole else v[a:b].copy()
                self.sub.setdefault((name, k), []).append(v)
            r = self.reaches[i]
            # mol per m2 of the bed at each step, summed over the day
            g = dict(zip(_DAY_ROWS, _per_day(fl[list(_DAY_ROWS)] / area, spd, "sum")))
            gc = lambda col: g[col] * M_C_G_MOL  # noqa: E731  g C m-2 d-1
            pq, rq = r.photosynthetic_quotient, r.respiratory_quotient
            daily = {
                "gpp_g_o2_m2_d": g[F_GPP] * pq * M_O2_G_MOL,
                "er_g_o2_m2_d": g[F_ER] / rq * M_O2_G_MOL,
                "gpp_g_c_m2_d": gc(F_GPP), "er_g_c_m2_d": gc(F_ER), "degassing_g_c_m2_d": gc(F_DEGAS),
                "calcite_precip_g_c_m2_d": gc(F_PRECIP), "oc_burial_g_c_m2_d": gc(F_BURIAL),
                "reaeration_g_o2_m2_d": g[F_REAER] * M_O2_G_MOL,
                "o2_consumed_g_o2_m2_d": g[F_O2_CONS] * M_O2_G_MOL,
                "npp_g_c_m2_d": (g[F_GPP] - g[F_RAUTO]) * M_C_G_MOL,
                "oc_burial_autochthonous_g_c_m2_d": gc(F_BURIAL_AUTO),
                "sediment_mineralisation_g_c_m2_d": gc(F_RS),
            }
            daily["dic_in_mol_d"] = _per_day(flux[tanks[0], F_DIC_IN], spd, "sum")
            daily["dic_out_mol_d"] = _per_day(flux[last, F_DIC_OUT], spd, "sum")
            daily["oc_out_mol_d"] = _per_day(flux[last, F_OC_OUT], spd, "sum")
            daily["nep_g_o2_m2_d"] = daily["gpp_g_o2_m2_d"] - daily["er_g_o2_m2_d"]
            daily["nep_g_c_m2_d"] = daily["gpp_g_c_m2_d"] - daily["er_g_c_m2_d"]
            for k in _DAY_MEANS:
                if k in sub:
                    daily[k] = _per_day(np.asarray(sub[k], dtype=float), spd, "mean")
            for k, v in daily.items():
                self.day.setdefault((name, k), []).append(v)
            if i in self.reach_tot:
                _running_sum_from(self.reach_tot[i], np.ascontiguousarray(fl))
        for t, acc in self.tank_tot.items():
            _running_sum_from(acc, flux[t])
        for f in self.chain_tot:
            self.chain_tot[f] = _running_sum_interleaved(flux, f, self.chain_tot[f])
        self.done = k0 + m

    def result(self, steps, conc0, scal0, conc1, scal1, settings) -> ReachResult:
        """The :class:`ReachResult` once every step has been added: ``steps`` the record's step times, ``conc0,
        scal0`` the tanks' state at its start and ``conc1, scal1`` at its end."""
        if self.done != self.n_steps:
            raise ValueError(f"the reaches' record has {self.n_steps} steps, {self.done} were added")
        reach_balances, reach_fates = {}, {}
        dtot = {k: 0.0 for k in ("degas", "precip", "burial", "alloch", "burial_auto", "npp")}
        for i, name in enumerate(self.names):
            tanks = self.tanks[i]
            first, last = int(tanks[0]), int(tanks[-1])
            # balances of the reach (all its tanks): inflow of its first tank, outflow of its last
            c0, o20 = _storage(conc0, scal0, tanks)
            c1, o21 = _storage(conc1, scal1, tanks)
            f_first = self.tank_tot[first]
            f_last = self.tank_tot[last]
            tot = f_first if len(tanks) == 1 else self.reach_tot[i]
            cb = _balance({"dic": f_first[F_DIC_IN], "organic_carbon": f_first[F_OC_IN],
                           "allochthonous": tot[F_ALLOCH]},
                          {"dic": f_last[F_DIC_OUT], "organic_carbon": f_last[F_OC_OUT], "degassing": tot[F_DEGAS],
                           "calcite": tot[F_PRECIP], "burial": tot[F_BURIAL]}, c1 - c0, max(c0, c1))
            ob = _balance({"inflow": f_first[F_O2_IN], "photosynthesis": tot[F_O2_PROD],
                           "reaeration": tot[F_REAER]},
                          {"outflow": f_last[F_O2_OUT], "respiration": tot[F_O2_CONS]}, o21 - o20, max(o20, o21))
            reach_balances[name] = {"carbon": cb, "o2": ob, "area_m2": float(self.area[i].mean())}
            reach_fates[name], _ = _fate(f_last[F_DIC_OUT], f_last[F_OC_OUT], tot[F_BURIAL], tot[F_PRECIP],
                                         tot[F_DEGAS], f_first[F_DIC_IN], tot[F_ALLOCH] + f_first[F_OC_IN], c1 - c0,
                                         tot[F_BURIAL_AUTO], tot[F_GPP] - tot[F_RAUTO])
            dtot["degas"] += tot[F_DEGAS]
            dtot["precip"] += tot[F_PRECIP]
            dtot["burial"] += tot[F_BURIAL]
            dtot["alloch"] += tot[F_ALLOCH]
            dtot["burial_auto"] += tot[F_BURIAL_AUTO]
            dtot["npp"] += tot[F_GPP] - tot[F_RAUTO]

        all_tanks = np.arange(len(self.tank_reach))
        c0, o20 = _storage(conc0, scal0, all_tanks)
        c1, o21 = _storage(conc1, scal1, all_tanks)
        # whole-chain totals added over the steps and, within a step, over the tanks
        ftot = self.chain_tot
        f_in = self.tank_tot[0]
        f_out = self.tank_tot[len(self.tank_reach) - 1]
        carbon = _balance({"dic": f_in[F_DIC_IN], "allochthonous": dtot["alloch"]},
                          {"dic": f_out[F_DIC_OUT], "organic_carbon": f_out[F_OC_OUT], "degassing": dtot["degas"],
                           "calcite": dtot["precip"], "burial": dtot["burial"]}, c1 - c0, max(c0, c1))
        o2 = _balance({"inflow": f_in[F_O2_IN], "photosynthesis": ftot[F_O2_PROD], "reaeration": ftot[F_REAER]},
                      {"outflow": f_out[F_O2_OUT], "respiration": ftot[F_O2_CONS]}, o21 - o20, max(o20, o21))
        fate, detail = _fate(f_out[F_DIC_OUT], f_out[F_OC_OUT], dtot["burial"], dtot["precip"], dtot["degas"],
                             f_in[F_DIC_IN], dtot["alloch"], c1 - c0, dtot["burial_auto"], dtot["npp"])
        kept = steps if self.keep is None else steps[self.keep]
        subdaily = _table({k: _joined(v) for k, v in self.sub.items()}, kept)
        daily = _table({k: _joined(v) for k, v in self.day.items()}, steps[::self.spd].normalize())
        daily.index.name = "date"
        subdaily.index.name = "time"
        return ReachResult(subdaily=subdaily, daily=daily, fate=fate, fate_detail=detail, fate_by_reach=reach_fates,
                           balances={"carbon": carbon, "o2": o2, "by_reach": reach_balances},
                           reaches=self.reaches, settings=settings)


def _joined(pieces: list) -> np.ndarray:
    """One array from the pieces of the blocks (the piece itself when there is one: no copy)."""
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def assemble(steps, dt, reaches, tank_reach, out, flux, f_q, conc0, scal0, conc1, scal1, settings) -> ReachResult:
    """The result tables, balances and fates from the kernel's ``out`` (tanks, N_OUT, steps) and ``flux`` (tanks,
    N_FLUX, steps) arrays of the whole record (:class:`Assembly` in one block; the sub-daily table takes the
    kernel's rows without a copy)."""
    a = Assembly(reaches, tank_reach, dt, out.shape[2])
    a.add(out, flux, f_q)
    return a.result(steps, conc0, scal0, conc1, scal1, settings)
