"""Couples water fluxes, soil pCO2 and carbonate chemistry into recharge, reservoir and spring chemistry.

Chain (each step vectorised over days; the chemistry core is called in bulk, never per day in a Python loop):

1. Recharge chemistry. Water leaving the soil of each hydrotope has equilibrated with its soil air (pCO2 of
   :mod:`karstmodel.processes.soil_co2`, at soil temperature) and with the carbonate rock below: calcite over limestone,
   dolomite over dolomite, open/closed/mixed as ``[chemistry] recharge_system`` says (docs/science.md;
   Dreybrodt 1988). Strong acids from ``[acid_inputs]`` (H2SO4, HNO3 per litre of recharge) and, with
   ``[chemistry] organic_acids``, the organic acids of the soil water (:mod:`karstmodel.processes.organic_acids`:
   an equivalent strong-acid load carried as charge imbalance) are in the water before it meets the rock.
   Equilibria come from tables over (temperature, log pCO2) solved with
   :func:`chemistry.equilibrate` (for pure starting water shipped with the package:
   :mod:`karstmodel.processes.recharge_tables`) and interpolated with bicubic splines (checked against direct
   solves in the tests).
   Recharge from the non-carbonate area (allogenic water) keeps its own chemistry (``[allogenic_water]``) and only
   takes up soil CO2: it arrives at the karst undersaturated.
2. Transport. Element totals, strong-acid tracers, rock-derived carbon and per-source tracers are carried through
   the epikarst, matrix and conduit reservoirs with the same daily pulse scheme as the water (well-mixed tanks;
   exact mass conservation).
3. Saturated-zone reactions, applied to each reservoir's outflow: the matrix outflow re-equilibrates with the
   dominant carbonate in a closed system (``matrix = "equilibrium"``: long residence, undersaturation from mixing
   removed); the conduit outflow dissolves carbonate with PWP kinetics over its residence time (``conduit =
   "kinetic"``), as a first-order approach to the closed-system equilibrium with the rate constant given by the
   PWP rate of the inflowing water, k = (A/V) r_PWP / (c_eq - c_0) (the linear rate law of Dreybrodt 1988,
   ch. 5, with its constant matched to PWP at the start), A/V = 2 / conduit radius.
4. The spring is the mixture of matrix and conduit outflow, speciated at groundwater temperature (the mean air
   temperature of the run unless ``groundwater_temp_c`` is given): pH, SI, pCO2, species, EC estimate.

Concentrations are in mmol/L, taken equal to mmol/kgw (fresh water; the difference is below 0.1 %).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from chemistry.equilibrium import equilibrate_solution, speciate_totals_solution
from chemistry.kinetics import pwp_rate_of
from chemistry.output import solution_columns

from .._compiled import njit, prange
from . import recharge_tables
from .allogenic_contact import contact_reaction
from .changes import powder_dissolution
from .organic_acids import loads_meq_l
from .routing import route_store

#: element totals, strong-acid tracers (mmol/L), rock carbon, and the organic acid: ``org_acid`` the organic-acid
#: load that met the carbonate (meq/L, booked as non-carbonic weathering) and ``org_anion`` the organic anion still in
#: the water (meq/L, the charge imbalance of every later equilibrium; :mod:`karstmodel.processes.organic_acids`)
BASE = ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic", "so4_acid", "no3_acid", "rock_c", "org_acid", "org_anion")
IDX = {k: i for i, k in enumerate(BASE)}
N_BASE = len(BASE)
WATER_KEYS = ("ca", "mg", "na", "k", "cl", "so4", "no3", "dic")

TABLE_TEMP_C = recharge_tables.TEMP_C
TABLE_LOG_PCO2 = recharge_tables.LOG_PCO2


@njit
def _bspline_cubic_basis(knots, x, out, left, right):
    """Index of the knot span of ``x`` (binary search) and the four non-zero cubic B-spline basis values (de
    Boor's recursion; de Boor 1978, *A practical guide to splines*, ch. IX). ``left``, ``right``: scratch arrays
    of length 4."""
    k = 3
    n = knots.size - k - 1
    # the span i in [k, n - 1] with knots[i] <= x < knots[i + 1] (x at or beyond the last knot: the last span)
    lo = k
    hi = n - 1
    if x >= knots[hi]:
        i = hi
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if x >= knots[mid]:
                lo = mid
            else:
                hi = mid
        i = lo
    out[0] = 1.0
    for j in range(1, k + 1):
        left[j] = x - knots[i + 1 - j]
        right[j] = knots[i + j] - x
        saved = 0.0
        for r in range(j):
            temp = out[r] / (right[r + 1] + left[j - r])
            out[r] = saved + right[r + 1] * temp
            saved = left[j - r] * temp
        out[j] = saved
    return i


@njit(parallel=True)
def _bicubic_eval(tx, ty, coef, x, y, out):
    """Tensor-product cubic B-spline at points (x, y) for several coefficient sets at once: coef (V, nx, ny), out
    (V, N). The basis is computed once per point and reused for every variable; blocks of points in parallel."""
    nv = coef.shape[0]
    n = x.size
    block = 2048
    for b in prange((n + block - 1) // block):
        bx = np.empty(4)
        by = np.empty(4)
        left = np.empty(4)
        right = np.empty(4)
        for p in range(b * block, min(n, (b + 1) * block)):
            ix = _bspline_cubic_basis(tx, x[p], bx, left, right)
            iy = _bspline_cubic_basis(ty, y[p], by, left, right)
            for v in range(nv):
                acc = 0.0
                for a in range(4):
                    row = ix - 3 + a
                    s_ = 0.0
                    for c in range(4):
                        s_ += by[c] * coef[v, row, iy - 3 + c]
                    acc += bx[a] * s_
                out[v, p] = acc


@dataclass(frozen=True)
class EquilibriumTable:
    """Equilibrium totals (mmol/kgw) as bicubic splines of temperature and log10 pCO2: the knots ``tx``, ``ty``
    (full vectors, the boundary knots repeated) and the coefficients ``coef`` (keys, nx, ny) of the interpolating
    splines of the grid values (:func:`karstmodel.processes.recharge_tables.spline`), evaluated by a compiled
    tensor-product B-spline that shares the basis between the variables (equal to scipy's own evaluation of the
    fit to rounding, tested)."""

    keys: tuple
    tx: np.ndarray
    ty: np.ndarray
    coef: np.ndarray
    description: str

    def __call__(self, temp_c, pco2_atm) -> dict:
        t = np.clip(np.asarray(temp_c, dtype=float), TABLE_TEMP_C[0], TABLE_TEMP_C[-1])
        lp = np.clip(np.log10(np.asarray(pco2_atm, dtype=float)), TABLE_LOG_PCO2[0], TABLE_LOG_PCO2[-1])
        out = np.empty((len(self.keys), t.size))
        _bicubic_eval(self.tx, self.ty, self.coef, np.ascontiguousarray(t.ravel()),
                      np.ascontiguousarray(lp.ravel()), out)
        return {k: out[i].reshape(t.shape) for i, k in enumerate(self.keys)}


@lru_cache(maxsize=64)
def equilibrium_table(mineral: str, system: str, gas_water_ratio: float, water: tuple,
                      database: str = "phreeqc.dat") -> EquilibriumTable:
    """The table (once per process) for a mineral/system and a starting water ((key, mmol/kgw) pairs): its spline
    (:func:`karstmodel.processes.recharge_tables.spline_of`: shipped for pure water, else solved and fitted)."""
    tx, ty, coef = recharge_tables.spline_of(mineral, system, gas_water_ratio, water, database)
    return EquilibriumTable(keys=recharge_tables.KEYS, tx=np.ascontiguousarray(tx, dtype=float),
                            ty=np.ascontiguousarray(ty, dtype=float), coef=np.ascontiguousarray(coef, dtype=float),
                            description=f"{mineral}, {system} system, start water {dict(water)}")


def _clip_report(temp_c, pco2_atm) -> dict:
    t = np.asarray(temp_c)
    lp = np.log10(np.asarray(pco2_atm))
    return {"soil_temp_below_0c": int(np.sum(t < TABLE_TEMP_C[0])), "soil_temp_above_45c": int(np.sum(t > TABLE_TEMP_C[-1])),
            "pco2_below_table": int(np.sum(lp < TABLE_LOG_PCO2[0])), "pco2_above_table": int(np.sum(lp > TABLE_LOG_PCO2[-1]))}


@lru_cache(maxsize=64)
def _blended_table(lime: float, system: str, gwr: float, water: tuple, db: str):
    """The :class:`EquilibriumTable` of the area-weighted mixture of the calcite (share ``lime``) and dolomite tables
    (None when their knots differ). A spline is linear in its coefficients, so blending them equals blending the two evaluations
    (to rounding) at the cost of one; the two tables share their knots (the same grid), which is checked."""
    parts = []
    if lime > 0:
        parts.append((lime, equilibrium_table("calcite", system, gwr, water, db)))
    if lime < 1:
        parts.append((1.0 - lime, equilibrium_table("dolomite", system, gwr, water, db)))
    first = parts[0][1]
    for _, tb in parts[1:]:
        if not (np.array_equal(tb.tx, first.tx) and np.array_equal(tb.ty, first.ty) and tb.keys == first.keys):
            return None
    coef = sum(share * tb.coef for share, tb in parts)
    return EquilibriumTable(keys=first.keys, tx=first.tx, ty=first.ty, coef=np.ascontiguousarray(coef),
                            description=f"{lime:g} calcite + {1.0 - lime:g} dolomite, {system} system")


def _carbonate_recharge(ts, pco2, lime: float, system, gwr, water: tuple, db) -> dict:
    """ca, mg, dic (mmol/L) of recharge that met carbonate rock, for a starting water: calcite and dolomite
    equilibria mixed by ``lime``, the limestone share of the carbonate. ``ts`` and ``pco2`` may be arrays of any
    shape (one spline evaluation for both minerals)."""
    blended = _blended_table(float(lime), system, float(gwr), water, db)
    if blended is not None:
        return blended(ts, pco2)
    out = {k: np.zeros(np.shape(ts)) for k in ("ca", "mg", "dic")}
    parts = []
    if lime > 0:
        parts.append((lime, equilibrium_table("calcite", system, gwr, water, db)))
    if lime < 1:
        parts.append((1.0 - lime, equilibrium_table("dolomite", system, gwr, water, db)))
    for share, table in parts:
        got = table(ts, pco2)
        for k in out:
            out[k] += share * got[k]
    return out


def recharge_chemistry(soil_temp_c, pco2_atm, hydrotopes, lithology, options, acids, allogenic,
                       irrigation=None, powder=None, allogenic_recharge_mm=None, index=None, contact=None,
                       pressure_atm: float = 1.0) -> dict:
    """Concentrations (mmol/L) of carbonate-area and non-carbonate-area recharge, arrays (days, hydrotopes, BASE).

    ``irrigation``: list of (hydrotope index, water ((element, mmol/L), ...), share of irrigation water in the
    hydrotope's soil input per day): recharge is the volume-weighted mixture of natural and irrigation water, each
    equilibrated from its own starting composition. ``powder``: list of (hydrotope index, CarbonatePowder) on the
    non-carbonate area (see :mod:`karstmodel.processes.changes`), with ``allogenic_recharge_mm`` (days, hydrotopes) and the
    date ``index``; returns ``powder_left_mol_m2`` per hydrotope as well. ``contact``: an
    :class:`karstmodel.processes.allogenic_contact.AllogenicContact`; when it reacts (system "open" or "closed") and
    the catchment has carbonate rock, ``allogenic_sinking`` holds the allogenic water after its contact with the
    carbonate on its way into the conduits (the water that leaves outside the karst stays ``allogenic``) and
    ``allogenic_contact_dissolved`` the Ca + Mg it took up there (mmol/L; days, hydrotopes). ``pressure_atm``: the
    barometric pressure (the contact air's pCO2 is its mixing ratio times it).
    """
    n, nh = pco2_atm.shape
    ts = np.broadcast_to(np.asarray(soil_temp_c)[:, None], (n, nh))
    carb = np.zeros((n, nh, N_BASE))
    allo = np.zeros((n, nh, N_BASE))
    db = options.database
    system = options.recharge_system
    gwr = float(options.gas_water_ratio) if system == "mixed" else 0.0
    irr_by_h = {}
    for h, water, share in (irrigation or []):
        irr_by_h.setdefault(h, []).append((tuple(sorted((k, float(v)) for k, v in water if v > 0)), np.asarray(share)))
    aw = tuple((k, getattr(allogenic, f"{k}_mmol_l")) for k in ("ca", "mg", "na", "k", "cl", "so4")
               if getattr(allogenic, f"{k}_mmol_l") > 0)
    # the natural recharge of all hydrotopes with the same acid inputs in one table evaluation
    natural_carb, natural_allo = {}, None
    lime = lithology.limestone / lithology.carbonate if lithology.carbonate > 0 else 1.0
    if lithology.carbonate > 0:
        groups = {}
        for h, hyd in enumerate(hydrotopes):
            groups.setdefault(_acid_water(hyd, acids, options)[0], []).append(h)
        for water, hs in groups.items():
            got = _carbonate_recharge(ts[:, hs], pco2_atm[:, hs], lime, system, gwr, water, db)
            for j, h in enumerate(hs):
                natural_carb[h] = {k: v[:, j] for k, v in got.items()}
    if lithology.non_carbonate > 0:
        natural_allo = equilibrium_table("none", "open", 0.0, aw, db)(ts, pco2_atm)
    for h, hyd in enumerate(hydrotopes):
        acid_water, s_acid, n_acid, org, org_left = _acid_water(hyd, acids, options)
        sources = [(acid_water, None)]  # (starting water, share array or None for the remainder)
        for water, share in irr_by_h.get(h, []):
            merged = dict(water)
            for k, v in acid_water:
                merged[k] = merged.get(k, 0.0) + v
            sources.append((tuple(sorted(merged.items())), share))
        irr_total = sum((sh for _, sh in sources[1:]), np.zeros(n))
        weights = [1.0 - irr_total] + [sh for _, sh in sources[1:]]
        if lithology.carbonate > 0:
            for k_src, ((water, _), w) in enumerate(zip(sources, weights)):
                got = natural_carb[h] if k_src == 0 else _carbonate_recharge(ts[:, h], pco2_atm[:, h], lime,
                                                                               system, gwr, water, db)
                wd = dict(water)
                for k in ("ca", "mg", "dic"):
                    carb[:, h, IDX[k]] += w * got[k]
                for k in ("na", "k", "cl", "so4", "no3"):
                    carb[:, h, IDX[k]] += w * wd.get(k, 0.0)
                # rock carbon: Ca + Mg gained from the carbonate (the starting water's own Ca/Mg are not rock)
                carb[:, h, IDX["rock_c"]] += w * (got["ca"] + got["mg"] - wd.get("ca", 0.0) - wd.get("mg", 0.0))
            carb[:, h, IDX["so4_acid"]] = s_acid
            carb[:, h, IDX["no3_acid"]] = n_acid
            if org > 0:
                carb[:, h, IDX["org_acid"]] = org
                carb[:, h, IDX["org_anion"]] = org_left
        if lithology.non_carbonate > 0:
            a_sources = [(aw, None)] + [(water, sh) for water, sh in irr_by_h.get(h, [])]
            for k_src, ((water, _), w) in enumerate(zip(a_sources, weights)):
                got = ({k: v[:, h] for k, v in natural_allo.items()} if k_src == 0 else
                       equilibrium_table("none", "open", 0.0, water, db)(ts[:, h], pco2_atm[:, h]))
                wd = dict(water)
                allo[:, h, IDX["dic"]] += w * got["dic"]
                for k in ("ca", "mg", "na", "k", "cl", "so4", "no3"):
                    allo[:, h, IDX[k]] += w * wd.get(k, 0.0)
            calc = lithology.non_carbonate_calcareous
            if calc > 0:
                allo[:, h] = (1.0 - calc) * allo[:, h] + calc * _calcareous_recharge(
                    ts[:, h], pco2_atm[:, h], aw, acid_water, s_acid, n_acid, system, gwr, db, org, org_left)
    out = {"carbonate": carb, "allogenic": allo, "clipped": _clip_report(ts, pco2_atm), "powder_left_mol_m2": {}}
    for h, pw in (powder or []):
        sat = equilibrium_table("calcite", "open", 0.0, aw, db)(ts[:, h], pco2_atm[:, h])
        d_ca = sat["ca"] - allo[:, h, IDX["ca"]]
        phi, left = powder_dissolution(index, pw, allogenic_recharge_mm[:, h], d_ca, ts[:, h], pco2_atm[:, h])
        for k in ("ca", "mg", "dic"):
            allo[:, h, IDX[k]] += phi * (sat[k] - allo[:, h, IDX[k]])
        allo[:, h, IDX["rock_c"]] += phi * np.maximum(d_ca, 0.0)
        out["powder_left_mol_m2"][hydrotopes[h].name] = left
    add_contact(out, ts, lithology, contact, pressure_atm, db)
    return out


def _acid_water(hyd, acids, options) -> tuple:
    """The non-carbonic acids of a hydrotope's soil water: the starting-water pairs of the recharge tables
    (("so4", mmol/L), ("no3", mmol/L), ("imbalance", meq/L): the strong acids as their anions, the organic acid as
    the charge imbalance it leaves; only those > 0), the sulfuric and nitric loads (mmol/L), and the organic acid
    that acts in the soil and the anion left of it (meq/L; :func:`karstmodel.processes.organic_acids.loads_meq_l`)."""
    s_acid, n_acid = acids.for_class(hyd.land_use)
    org, org_left = loads_meq_l(hyd.params.soil_water_doc_mg_l, options)
    water = tuple((k, v) for k, v in (("so4", s_acid), ("no3", n_acid), ("imbalance", org)) if v > 0)
    return water, s_acid, n_acid, org, org_left


def add_contact(rch: dict, ts, lithology, contact, pressure_atm: float, db: str) -> None:
    """Set ``allogenic_sinking`` and ``allogenic_contact_dissolved`` of a :func:`recharge_chemistry` result from
    its ``allogenic`` water when the contact reacts (system "open" or "closed") and the catchment has carbonate and
    non-carbonate rock (:func:`_sinking_water`); nothing otherwise. ``ts``: soil temperature (days, hydrotopes)."""
    if (contact is not None and contact.system != "none" and lithology.carbonate > 0
            and lithology.non_carbonate > 0):
        rch["allogenic_sinking"], rch["allogenic_contact_dissolved"] = _sinking_water(
            rch["allogenic"], ts, contact, "calcite" if lithology.limestone >= lithology.dolomite else "dolomite",
            pressure_atm, db)


def _sinking_water(allo: np.ndarray, ts: np.ndarray, contact, mineral: str, pressure_atm: float, db: str):
    """The allogenic water (days, hydrotopes, BASE) after its contact with the carbonate on the way into the conduits
    (:func:`karstmodel.processes.allogenic_contact.contact_reaction`, all days and hydrotopes in one call): Ca, Mg
    and DIC change, the carbonate taken up is rock carbon; returns it and the Ca + Mg dissolved (days, hydrotopes)."""
    n, nh, _ = allo.shape
    flat = allo.reshape(n * nh, N_BASE)
    rows = np.flatnonzero(flat[:, IDX["dic"]] > 0)
    out = allo.copy()
    dissolved = np.zeros(n * nh)
    if rows.size:
        conc = {k: flat[rows, IDX[k]] for k in WATER_KEYS}
        # the stream's temperature: the soil temperature of the day, within the range of the recharge tables
        # (liquid water; a soil below 0 C under the tables' range is counted in ``clipped`` there)
        temp = np.clip(np.asarray(ts, dtype=float).reshape(n * nh)[rows], TABLE_TEMP_C[0], TABLE_TEMP_C[-1])
        got = contact_reaction(conc, temp, contact, mineral, pressure_atm, db)
        o = out.reshape(n * nh, N_BASE)
        for k in ("ca", "mg", "dic"):
            o[rows, IDX[k]] = got[k]
        o[rows, IDX["rock_c"]] += got["dissolved"]
        dissolved[rows] = got["dissolved"]
    return out, dissolved.reshape(n, nh)


def _calcareous_recharge(ts, pco2, allogenic_water: tuple, acid_water: tuple, s_acid: float, n_acid: float,
                         system: str, gwr: float, db: str, org: float = 0.0, org_left: float = 0.0) -> np.ndarray:
    """Recharge (days, BASE; mmol/L) of the calcareous part of the non-carbonate area
    (``[lithology] non_carbonate_calcareous``): the non-carbonate area's starting water with the land use's strong
    acids, equilibrated with calcite at the soil pCO2 in the recharge system of the carbonate area (the same
    tables). Calcite dissolved by carbonic acid is weathering like on limestone (CaCO3 + CO2 + H2O ->
    Ca2+ + 2 HCO3-); by H2SO4 / HNO3 or the organic acids (``org`` meq/L, ``org_left`` of it still an anion after
    the soil) it consumes no CO2 and is tagged by the acid tracers as there."""
    start = dict(allogenic_water)
    for k, v in acid_water:
        start[k] = start.get(k, 0.0) + v
    water = tuple(sorted((k, v) for k, v in start.items() if v > 0))
    got = _carbonate_recharge(ts, pco2, 1.0, system, gwr, water, db)
    out = np.zeros((np.size(ts), N_BASE))
    for k in ("ca", "mg", "dic"):
        out[:, IDX[k]] = got[k]
    for k in ("na", "k", "cl", "so4", "no3"):
        out[:, IDX[k]] = start.get(k, 0.0)
    out[:, IDX["rock_c"]] = got["ca"] + got["mg"] - start.get("ca", 0.0) - start.get("mg", 0.0)
    out[:, IDX["so4_acid"]] = s_acid
    out[:, IDX["no3_acid"]] = n_acid
    out[:, IDX["org_acid"]] = org
    out[:, IDX["org_anion"]] = org_left
    return out


# ------------------------------------------------------------------------------------------------------------
@njit(parallel=True)
def _transport_loop(slow_in, fast_in, allo_in, q_em, q_ec, q_lost, q_m, q_c, slow_mass, fast_mass, allo_mass,
                    e0, m0, c0, me0, mm0, mc0):
    """Daily pulse-and-recession transport of well-mixed solutes through E, M and C. Every component moves with the
    same daily water fractions (computed first, in time order); the components are then independent and are carried
    in parallel, each without temporaries. Returns the daily outflow masses and the stored masses at the end
    (3, components)."""
    n, nc = slow_mass.shape
    f_em = np.zeros(n)
    f_ec = np.zeros(n)
    f_lost = np.zeros(n)
    f_m = np.zeros(n)
    f_c = np.zeros(n)
    e, m, c = e0, m0, c0
    for t in range(n):
        s_e = e + slow_in[t]
        if s_e > 0.0:
            f_em[t] = q_em[t] / s_e
            f_ec[t] = q_ec[t] / s_e
            f_lost[t] = q_lost[t] / s_e
        e = s_e - q_em[t] - q_ec[t] - q_lost[t]
        s_m = m + q_em[t]
        if s_m > 0.0:
            f_m[t] = q_m[t] / s_m
        m = s_m - q_m[t]
        s_c = c + fast_in[t] + allo_in[t] + q_ec[t]
        if s_c > 0.0:
            f_c[t] = q_c[t] / s_c
        c = s_c - q_c[t]
    out_lost = np.zeros((n, nc))
    out_m = np.zeros((n, nc))
    out_c = np.zeros((n, nc))
    store = np.empty((3, nc))
    for k in prange(nc):
        x_e = me0[k]
        x_m = mm0[k]
        x_c = mc0[k]
        for t in range(n):
            x = x_e + slow_mass[t, k]
            to_m = x * f_em[t]
            to_c = x * f_ec[t]
            lost = x * f_lost[t]
            out_lost[t, k] = lost
            x_e = x - to_m - to_c - lost
            y = x_m + to_m
            om = y * f_m[t]
            out_m[t, k] = om
            x_m = y - om
            z = x_c + fast_mass[t, k] + allo_mass[t, k] + to_c
            oc = z * f_c[t]
            out_c[t, k] = oc
            x_c = z - oc
        store[0, k] = x_e
        store[1, k] = x_m
        store[2, k] = x_c
    return out_m, out_c, out_lost, store


def route_surface(inflow_mm, mass_in, k_per_d, s0: float = 0.0, m0=None) -> dict:
    """Route non-karst runoff and its solutes through a linear store (``k_per_d``; None = same day): the daily
    pulse-and-recession store of :func:`karstmodel.processes.routing.route_store` with exponent 1."""
    n, nc = mass_in.shape
    if k_per_d is None:
        return {"out_mm": np.asarray(inflow_mm, dtype=float), "out_mass": mass_in, "store_mm": np.zeros(n),
                "store_mass": np.zeros((n, nc))}
    return route_store(inflow_mm, float(k_per_d), 1.0, float(s0), mass_in, m0)


def transport(flows: dict, slow_mass, fast_mass, allo_mass, storage0: tuple, mass0: tuple) -> dict:
    """Carry solute masses (mmol/m2) through E, M and C with the water (see the module docstring): daily outflow
    masses of the matrix, the conduits and other outlets, and the masses stored at the end (``storage_mass_end``,
    rows E, M, C)."""
    out_m, out_c, out_lost, store = _transport_loop(
        *(np.ascontiguousarray(flows[k], dtype=float) for k in ("slow_in_mm", "fast_in_mm", "allogenic_in_mm",
                                                                "epikarst_to_matrix_mm", "epikarst_to_conduit_mm",
                                                                "other_outlets_mm", "matrix_out_mm", "conduit_out_mm")),
        np.ascontiguousarray(slow_mass), np.ascontiguousarray(fast_mass), np.ascontiguousarray(allo_mass),
        float(storage0[0]), float(storage0[1]), float(storage0[2]),
        np.ascontiguousarray(mass0[0], dtype=float), np.ascontiguousarray(mass0[1], dtype=float),
        np.ascontiguousarray(mass0[2], dtype=float))
    return {"matrix_out_mass": out_m, "conduit_out_mass": out_c, "other_outlets_mass": out_lost,
            "storage_mass_end": store}


# ------------------------------------------------------------------------------------------------------------
def react_outflow(conc: np.ndarray, flow_mm: np.ndarray, temp_c: float, mode: str, mineral: str,
                  residence_days=None, surface_to_volume_cm_1: float | None = None,
                  database: str = "phreeqc.dat") -> tuple[np.ndarray, np.ndarray]:
    """Closed-system reaction of a reservoir's outflow water with carbonate.

    ``mode`` "equilibrium": to saturation with ``mineral``; "kinetic": first-order approach to it over
    ``residence_days`` with the PWP rate constant of the inflowing water; "none": unchanged.
    Returns (new concentrations, dissolved mineral in mmol/L per day of outflow; negative = precipitated).
    """
    out = conc.copy()
    dissolved = np.zeros(conc.shape[0])
    rows = np.flatnonzero((flow_mm > 1e-12) & (conc[:, IDX["dic"]] > 0))
    if mode == "none" or rows.size == 0:
        return out, dissolved
    sel = slice(None) if rows.size == conc.shape[0] else rows  # every row (the usual case): views, no gathers
    water = {f"{k}_mmol_kgw": np.maximum(conc[sel, IDX[k]], 0.0) for k in WATER_KEYS}
    imbalance = organic_imbalance(conc[sel])
    if imbalance is not None:
        water["charge_imbalance_meq_kgw"] = imbalance
    temp = np.full(rows.size, temp_c)
    eq, _, _, _ = equilibrate_solution(temp, None, mineral=mineral, system="closed", water=water, database=database,
                                       series=True)
    ok = eq.converged
    d_ca = eq.total("ca") * 1000.0 - conc[sel, IDX["ca"]]
    d_mg = (eq.total("mg") * 1000.0 if "mg" in eq.model.elements else 0.0) - conc[sel, IDX["mg"]]
    # closed system: carbon changes only with the carbonate dissolved or precipitated, one C per Ca or Mg (calcite,
    # dolomite). Taken from that stoichiometry rather than from the solved DIC, which satisfies it to the Newton
    # tolerance only, so the carbon balance closes to rounding.
    d_dic = d_ca + d_mg
    frac = np.ones(rows.size)
    if mode == "kinetic":
        start = speciate_totals_solution(temp, {k: conc[sel, IDX[k]] / 1000.0 for k in WATER_KEYS},
                                         0.0 if imbalance is None else imbalance / 1000.0, database=database,
                                         series=True)
        rate = pwp_rate_of(start)  # mmol cm-2 s-1
        dxi = (d_ca + d_mg) / 1000.0  # mol/L to reach equilibrium
        with np.errstate(divide="ignore", invalid="ignore"):
            k_eff = np.where(np.abs(dxi) > 1e-12, surface_to_volume_cm_1 * rate / dxi, 0.0)  # 1/s
        k_eff = np.where(np.isfinite(k_eff) & (k_eff > 0), k_eff, 0.0)
        frac = 1.0 - np.exp(-k_eff * np.asarray(residence_days)[sel] * 86400.0)
    frac = np.where(ok, frac, 0.0)
    out[sel, IDX["ca"]] += frac * d_ca
    out[sel, IDX["mg"]] += frac * d_mg
    out[sel, IDX["dic"]] += frac * d_dic
    out[sel, IDX["rock_c"]] += frac * (d_ca + d_mg)
    dissolved[sel] = frac * (d_ca + d_mg)
    return out, dissolved


def organic_imbalance(conc: np.ndarray):
    """The charge imbalance (meq/kgw) that the organic anion still in waters ``conc`` (rows, BASE columns) leaves
    to the modelled ions, or None when there is none (then the equilibria run exactly as without organic acids)."""
    a = conc[:, IDX["org_anion"]]
    return np.maximum(a, 0.0) if np.any(a > 0) else None


def speciate_water(conc: np.ndarray, temp_c: float, database: str = "phreeqc.dat") -> dict:
    """pH, SI, pCO2, species of waters given by totals (mmol/L), charge balanced: the columns of
    :func:`chemistry.speciate_totals` (name -> array, ``converged`` included) without building a table. The rows
    are a daily series (solved with warm starts)."""
    imbalance = organic_imbalance(conc)
    sol = speciate_totals_solution(np.full(conc.shape[0], temp_c),
                                   {k: np.maximum(conc[:, IDX[k]], 0.0) / 1000.0 for k in WATER_KEYS},
                                   0.0 if imbalance is None else imbalance / 1000.0, database=database, series=True)
    cols = solution_columns(sol, "mmol_kgw")
    cols["converged"] = sol.converged
    return cols
