"""Exchange between the karst matrix and the conduit water along the sinking stream's contact, and the water it puts
at the wall.

Where a sinking stream runs through a conduit in porous or fractured limestone, water crosses the conduit wall in the
direction of the head gradient. At low flow the matrix head exceeds the conduit head: matrix water, at equilibrium
with the rock it has long been in contact with, flows into the conduit (a gaining conduit) and the water along the
wall is the mixture of the stream and that matrix water. When a flood raises the conduit head above the matrix
head the gradient reverses: the conduit loses water to the matrix and the undersaturated stream water is pushed
against and into the wall. At the Santa Fe River sink-rise (Florida) this is what sets when the conduit dissolves:
Martin & Dean (2001, Chem. Geol. 179:145) showed the exchange of water between the conduit and the matrix and its
reversal during floods, Screaton et al. (2004, Ground Water 42:338) the head reversals, Ritorto et al. (2009,
Hydrogeol. J. 17:1687) that the stream water enters the matrix only in storms, when the conduit head exceeds the
aquifer's (about 2 % of the allogenic recharge), and Moore et al. (2010, J. Hydrol. 393:143) that the conduit
dissolved its wall at only 5 of 16 sampling times: "during low flow conditions, carbonate saturated water flows from
the matrix to the conduit, restricting contact between undersaturated allogenic water with the conduit wall".

Direction (:func:`gaining`). The exchange across the wall is Darcian, proportional to the head difference between
the matrix and the conduit, q = alpha (h_m - h_c) (the dual-porosity transfer of Barenblatt, Zheltov & Kochina
1960, J. Appl. Math. Mech. 24:1286; the conduit-matrix exchange of the hybrid models, Shoemaker et al. 2008, USGS
Techniques and Methods 6-A24, CFP mode 1, and of the lumped reservoir models, e.g. KarstMod, Mazzilli et al. 2019,
Environ. Model. Softw. 122:103927). In the model's lumped stores a storage S (mm) over a drainable porosity n
stands at a head S / n above the outlet, so the matrix head exceeds the conduit head when

    M / n_m > C / n_c,   i.e.   M (n_c / n_m) > C,                                            (1)

with M and C the matrix and conduit storages of :mod:`karstmodel.processes.karst_stores` at the end of the day and
n_c / n_m ``exchange_porosity_ratio``, the ratio of the conduit (channel) porosity to the matrix porosity of the
triple-porosity aquifer. Worthington (1999, in Palmer, Palmer & Sasowsky (eds.), Karst Modeling, Karst Waters
Institute Spec. Publ. 5, 30-37, Table 1) gives channel / matrix porosities of 0.06 % / 2.4 % at Mammoth Cave
(ratio 0.025), 0.5 % / 17 % in the Yucatan (0.03), 0.003 % / 6.6 % at Smithville (5e-4) and 0.02 % / 30 % in
the English Chalk (7e-4); the same table is in Worthington, Ford & Beddows (2000, in Sasowsky & Wicks (eds.),
Groundwater Flow and Contaminant Transport in Carbonate Aquifers, Balkema, 113-128). These porosities, and the
volumes and pages of Screaton et al. 2004, Moore et al. 2010 and Kiraly 1998, are recalled, not checked against
the papers (the abstracts of Moore et al. 2010 and Ritorto et al. 2009 were read).

Volume (:func:`matrix_inflow_mm`). On a gaining day the matrix water entering the conduit along the contact is the
share ``exchange_matrix_share`` f of the matrix discharge Q_m the model routes to the spring (in a sink-rise system
the conduit is the drain of the matrix around it and its water reaches the rise through the conduit: Kiraly 1998,
in Kovar et al. (eds.), IAHS Publ. 247:13; Martin & Dean 2001), Q_g = f Q_m; on a reversal day Q_g = 0. The water
the reversal pushes into the matrix (about 2 % of the allogenic recharge at the Santa Fe, Ritorto et al. 2009) is
not taken out of the conduit water: its volume is small and it returns with the matrix water. The water balance of
the stores does not change: the matrix water that crosses into the conduit is part of the matrix discharge, which
reaches the same spring.

Water at the wall (:func:`allogenic_share`, :func:`contact_with_exchange`). Along a gaining contact the water at the
wall is the conservative mixture (element totals mix linearly, :func:`chemistry.mix`) of the stream and the matrix
water, with the stream's share

    x_a = Q_a / (Q_a + Q_g),                                                                    (2)

Q_a the allogenic water sinking into the conduits that day; on a reversal day (or with no exchange) x_a = 1, the
stream water alone, as without the exchange. The matrix water is the day's outflow of the model's matrix store
with the solutes it carries (:func:`outflow_water` of :func:`karstmodel.processes.dissolution.transport`: the
carbonate-area recharge, which took up carbonate to equilibrium at the soil pCO2, mixed in the store); the matrix
store's transport does not depend on the conduits' inflows, so the chain carries the solutes once, sets the
stream's water at the wall and carries them again. The mixture reacts along the contact by the same kinetics and towards
the same end point as the stream alone (:func:`karstmodel.processes.allogenic_contact.contact_reaction`). In a
closed contact its end point is the closed equilibrium of the mixture, which is the share-weighted equilibria of the
two waters plus their mixing corrosion (:func:`karstmodel.processes.allogenic_contact.mixing_corrosion_mmol_l`,
Buhmann & Dreybrodt 1985, Chem. Geol. 53:109): the matrix water at saturation adds nothing of its own, the stream's
undersaturation is diluted by 1 / x_a and the mixing corrosion is added. In an open contact the matrix water
exchanges CO2 with the contact air too: matrix water saturated at a soil-air pCO2 above the contact air's becomes
supersaturated there, and a mixture with little stream water takes up no carbonate. Calcite precipitation on the
wall is not booked (the dissolved amount is bounded below by 0): its calcium would come from the matrix water,
which the model routes through the matrix. In a closed contact the mixture of an undersaturated stream with
saturated matrix water stays undersaturated (and gains mixing corrosion), so the wall dissolves, more slowly, on
every day the stream flows. Not modelled: the protection of the wall by the inflow itself, the matrix water
crossing the diffusion boundary layer against the stream's undersaturation (film theory with transpiration: the
transfer coefficient falls by phi / (exp(phi) - 1), phi the inflow velocity over the transfer coefficient; Bird,
Stewart & Lightfoot 2002, Transport Phenomena, 2nd ed., Wiley, ch. 22), which is how Moore et al. (2010) read the
phreatic Santa Fe conduit.

Booking. The carbonate the mixture takes up, per litre of stream water d = max(xi_mix, 0) / x_a (mmol/L), is added
to the stream water (rock carbon), split between Ca and Mg as the stream alone would take them up; its DIC moves
along the stream's own line of the contact reaction (closed: one C per Ca + Mg; open: the line of
:func:`karstmodel.processes.allogenic_contact.contact_reaction` between the water entering the contact air and the
open-system end point), so the CO2 exchanged with the contact air is booked as there. The matrix water leaves the
contact as it came (its CO2 exchange with the air is not booked): the spring's solute budget is the stream's plus
the matrix's, as without the exchange, and the carbon and water balances close the same way. With
``exchange_matrix_share = 0`` (the default), or on days with x_a = 1, the result is that of the contact alone,
exactly.

Wall retreat: the mixture's uptake per litre of mixture, ``wall_dissolved``, over the wetted rock per litre of the
contact (:func:`karstmodel.processes.allogenic_contact.mean_wall_rate_mmol_cm2_s`).

Units: storages and flows in mm (per day), concentrations in mmol/L.
"""
from __future__ import annotations

import numpy as np

from chemistry.equilibrium import equilibrate_solution

from .allogenic_contact import WATER_KEYS, AllogenicContact, _water, contact_reaction
from .dissolution import IDX, TABLE_TEMP_C


def exchanges(contact: AllogenicContact | None) -> bool:
    """Whether ``contact`` reacts (system "open" or "closed") with a matrix-conduit exchange along it."""
    return (contact is not None and contact.system != "none" and contact.contact_length_m > 0
            and contact.exchange_matrix_share > 0)


def gaining(matrix_mm, conduit_mm, porosity_ratio: float) -> np.ndarray:
    """Days on which the matrix head exceeds the conduit head (eq. 1 of the module docstring): M n_c / n_m > C."""
    return np.asarray(matrix_mm, dtype=float) * porosity_ratio > np.asarray(conduit_mm, dtype=float)


def matrix_inflow_mm(matrix_mm, conduit_mm, matrix_out_mm, share: float, porosity_ratio: float) -> np.ndarray:
    """Matrix water entering the conduit along the contact (mm/d): ``share`` x the matrix discharge on gaining days
    (:func:`gaining`), 0 on reversal days (module docstring)."""
    q_m = np.maximum(np.asarray(matrix_out_mm, dtype=float), 0.0)
    return np.where(gaining(matrix_mm, conduit_mm, porosity_ratio), share * q_m, 0.0)


def allogenic_share(allogenic_mm, inflow_mm) -> np.ndarray:
    """The stream's share of the water along the contact, x_a = Q_a / (Q_a + Q_g) (eq. 2); 1 without inflow."""
    q_a = np.maximum(np.asarray(allogenic_mm, dtype=float), 0.0)
    q_g = np.maximum(np.asarray(inflow_mm, dtype=float), 0.0)
    total = q_a + q_g
    return np.where((q_g > 0) & (total > 0), q_a / np.where(total > 0, total, 1.0), 1.0)


def mix_waters(water_a: dict, water_b: dict, share_a) -> dict:
    """Conservative mixture (element -> mmol/L) of two waters, ``share_a`` of the first (arrays broadcast)."""
    x = np.asarray(share_a, dtype=float)
    keys = set(water_a) | set(water_b)
    return {k: x * np.asarray(water_a.get(k, 0.0), dtype=float) + (1.0 - x) * np.asarray(water_b.get(k, 0.0),
                                                                                         dtype=float)
            for k in keys}


def _start_dic(conc: dict, temp_c, contact: AllogenicContact, pressure_atm: float, database: str) -> np.ndarray:
    """DIC (mmol/L) of the stream as it enters the contact: its own (closed), or after its CO2 has equilibrated with
    the contact air without carbonate (open), as in :func:`karstmodel.processes.allogenic_contact.contact_reaction`."""
    dic0 = np.asarray(conc["dic"], dtype=float)
    if contact.system != "open":
        return dic0
    t = np.asarray(temp_c, dtype=float)
    p = np.full(t.size, contact.contact_pco2_ppm * 1e-6 * pressure_atm)
    no_c = {k: v for k, v in _water(conc).items() if k != "dic_mmol_kgw"}
    start, _, _, _ = equilibrate_solution(t, p, mineral="none", system="open", water=no_c, database=database,
                                          series=True)
    return np.where(start.converged, start.total("dic") * 1000.0, dic0)


def contact_with_exchange(conc: dict, matrix_water: dict, share_a, temp_c, contact: AllogenicContact,
                          mineral: str = "calcite", pressure_atm: float = 1.0, database: str = "phreeqc.dat",
                          alone: dict | None = None) -> dict:
    """React the stream waters ``conc`` (element -> array, mmol/L, keys of
    :data:`karstmodel.processes.allogenic_contact.WATER_KEYS`) along the contact where the water at the wall is
    their mixture with ``matrix_water`` (element -> mmol/L, scalars or arrays) at the stream's share ``share_a``
    (module docstring). Returns, per litre of stream water, the new ``ca``, ``mg``, ``dic`` and ``dissolved``
    (Ca + Mg taken up, >= 0 where the mixture is used), and ``wall_dissolved`` (the mixture's uptake per litre of
    mixture, for the wall retreat) and ``allogenic_share``. Where ``share_a`` is 1 the values are those of
    :func:`karstmodel.processes.allogenic_contact.contact_reaction` of the stream alone, exactly. ``alone``: that
    result if already computed (the same waters, temperatures and contact)."""
    t = np.asarray(temp_c, dtype=float)
    n = t.size
    x = np.broadcast_to(np.asarray(share_a, dtype=float), (n,)).copy()
    if alone is None:
        alone = contact_reaction(conc, t, contact, mineral, pressure_atm, database)
    out = {"ca": np.array(alone["ca"], dtype=float), "mg": np.array(alone["mg"], dtype=float),
           "dic": np.array(alone["dic"], dtype=float), "dissolved": np.array(alone["dissolved"], dtype=float),
           "wall_dissolved": np.array(alone["dissolved"], dtype=float), "allogenic_share": x}
    rows = np.flatnonzero(x < 1.0)
    if rows.size == 0 or contact.system == "none" or contact.contact_length_m <= 0:
        return out
    sub = {k: np.asarray(conc[k], dtype=float)[rows] for k in WATER_KEYS if k in conc}
    sub.setdefault("mg", np.zeros(rows.size))
    mat = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,))[rows] for k, v in matrix_water.items()
           if k in WATER_KEYS}
    xr = x[rows]
    mixed = contact_reaction(mix_waters(sub, mat, xr), t[rows], contact, mineral, pressure_atm, database)
    wall = np.maximum(mixed["dissolved"], 0.0)
    # per litre of stream water (no stream water, nothing to book)
    d = np.where(xr > 0, wall / np.where(xr > 0, xr, 1.0), 0.0)
    d_alone = np.asarray(alone["dissolved"], dtype=float)[rows]
    ca0, mg0 = sub["ca"], sub["mg"]
    has = d_alone > 1e-12
    safe = np.where(has, d_alone, 1.0)
    ca_part = np.where(has, (np.asarray(alone["ca"], dtype=float)[rows] - ca0) / safe, 1.0)
    dic_start = _start_dic(sub, t[rows], contact, pressure_atm, database)
    # the stream's own line of DIC against the carbonate taken up (closed: one C per Ca + Mg; open: the line of
    # contact_reaction, with the stoichiometric slope 2 of the open system where the stream took up nothing)
    slope = np.where(has, (np.asarray(alone["dic"], dtype=float)[rows] - dic_start) / safe,
                     1.0 if contact.system == "closed" else 2.0)
    out["ca"][rows] = ca0 + ca_part * d
    out["mg"][rows] = mg0 + (1.0 - ca_part) * d
    out["dic"][rows] = dic_start + slope * d
    out["dissolved"][rows] = d
    out["wall_dissolved"][rows] = wall
    return out


def outflow_water(outflow_mass, flow_mm, index: dict) -> dict:
    """Composition (element -> mmol/L, per day) of a store's outflow from its solute masses (mmol/m2 per day; the
    BASE columns at ``index``) and volume (mm = L/m2); 0 on days without outflow."""
    q = np.asarray(flow_mm, dtype=float)
    mass = np.asarray(outflow_mass, dtype=float)
    return {k: np.divide(mass[:, index[k]], q, out=np.zeros(q.size), where=q > 0) for k in WATER_KEYS if k in index}


def sinking_water(rch: dict, matrix_water: dict, allogenic_mm, matrix_mm, conduit_mm, matrix_out_mm, soil_temp_c,
                  contact: AllogenicContact, mineral: str, pressure_atm: float, database: str) -> tuple:
    """The allogenic water sinking into the conduits after its contact with the carbonate, with the matrix-conduit
    exchange along the contact (module docstring): ``rch`` a recharge-chemistry result
    (:func:`karstmodel.processes.dissolution.recharge_chemistry`) whose ``allogenic_sinking`` and
    ``allogenic_contact_dissolved`` hold the contact of the stream alone; ``matrix_water`` (element -> mmol/L per
    day) the matrix water of the day (the matrix store's outflow, :func:`outflow_water`); ``allogenic_mm``,
    ``matrix_mm``, ``conduit_mm``, ``matrix_out_mm`` (days) the allogenic inflow to the conduits, the matrix and
    conduit storages and the matrix discharge; ``soil_temp_c`` (days, hydrotopes) the stream's temperature. Returns
    the new (days, hydrotopes, BASE) water and the Ca + Mg it took up per litre (days, hydrotopes) and the stream's
    share of the water at the wall per day."""
    allo, alone_water = rch["allogenic"], rch["allogenic_sinking"]
    n, nh, nb = allo.shape
    inflow = matrix_inflow_mm(matrix_mm, conduit_mm, matrix_out_mm, contact.exchange_matrix_share,
                              contact.exchange_porosity_ratio)
    share = allogenic_share(allogenic_mm, inflow)
    out = alone_water.copy()
    dissolved = np.array(rch["allogenic_contact_dissolved"], dtype=float).reshape(n * nh)
    flat, flat_alone = allo.reshape(n * nh, nb), alone_water.reshape(n * nh, nb)
    x = np.repeat(share, nh)
    # days with stream water and matrix water at the wall (no stream water: nothing sinks, nothing to change)
    rows = np.flatnonzero((flat[:, IDX["dic"]] > 0) & (x < 1.0) & (x > 0.0))
    if rows.size:
        matrix = {k: np.repeat(np.asarray(v, dtype=float), nh)[rows] for k, v in matrix_water.items()}
        conc = {k: flat[rows, IDX[k]] for k in WATER_KEYS}
        alone = {"ca": flat_alone[rows, IDX["ca"]], "mg": flat_alone[rows, IDX["mg"]],
                 "dic": flat_alone[rows, IDX["dic"]], "dissolved": dissolved[rows]}
        # the stream's temperature as in dissolution._sinking_water (the day's soil temperature, table range)
        temp = np.clip(np.asarray(soil_temp_c, dtype=float).reshape(n * nh)[rows], TABLE_TEMP_C[0], TABLE_TEMP_C[-1])
        got = contact_with_exchange(conc, matrix, x[rows], temp, contact, mineral, pressure_atm, database, alone)
        o = out.reshape(n * nh, nb)
        for k in ("ca", "mg", "dic"):
            o[rows, IDX[k]] = got[k]
        o[rows, IDX["rock_c"]] += got["dissolved"] - dissolved[rows]
        dissolved[rows] = got["dissolved"]
    return out, dissolved.reshape(n, nh), share
