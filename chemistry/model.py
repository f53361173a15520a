"""The aqueous model: species, stoichiometry and parameters of one system from the database, and the two kinds of
constraints the solver takes (:mod:`chemistry.water`).

Mass action (Parkhurst & Appelo 2013, USGS TM 6-A43, eq. 6): log m_j = log K_j(T) + sum_m nu_jm x_m + nu_jw log a_w
- log g_j, with x the log10 activities of the master species (H+ first, then one per element).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import database as dbmod


#: element name -> (database element, master species) for the components the native solver handles
ELEMENTS = {
    "ca": ("Ca", "Ca+2"),
    "mg": ("Mg", "Mg+2"),
    "na": ("Na", "Na+"),
    "k": ("K", "K+"),
    "cl": ("Cl", "Cl-"),
    "so4": ("S", "SO4-2"),
    "no3": ("N", "NO3-"),
    "dic": ("C", "CO3-2"),
}
ELEMENT_ORDER = ("dic", "ca", "mg", "na", "k", "cl", "so4", "no3")


@dataclass(frozen=True)
class AqueousModel:
    """Species, stoichiometry and parameters of one aqueous system, as arrays ready for vectorised use."""

    database: dbmod.Database
    elements: tuple  # karstmodel element keys, e.g. ("dic", "ca")
    masters: tuple  # "H+" first, then one master species per element
    species: tuple
    nu: np.ndarray = field(repr=False)  # (S, M)
    nu_w: np.ndarray = field(repr=False)  # (S,)
    logk_coef: np.ndarray = field(repr=False)  # (S, 6)
    charge: np.ndarray = field(repr=False)
    ion_size: np.ndarray = field(repr=False)
    b_param: np.ndarray = field(repr=False)
    gamma_kind: np.ndarray = field(repr=False)
    alkalinity: np.ndarray = field(repr=False)

    def index(self, species: str) -> int:
        return self.species.index(species)

    def master_index(self, element: str) -> int:
        if element == "h":
            return 0
        return self.masters.index(ELEMENTS[element][1])

    def element_row(self, element: str) -> np.ndarray:
        """Weights W_j = moles of the element in species j (a mass-balance row)."""
        return self.nu[:, self.master_index(element)].copy()

    def phase(self, name: str):
        """(nu over masters (M,), nu_w, logK coefficients (6,)) of a phase's ion activity product."""
        try:
            ph = self.database.phases[name]
        except KeyError:
            raise dbmod.DatabaseError(f"{self.database.name}: phase {name!r} not defined") from None
        row = np.zeros(len(self.masters))
        for sp, v in ph.nu.items():
            if sp == "H2O":
                continue
            if sp not in self.masters:
                raise dbmod.DatabaseError(f"phase {name} needs {sp}, which is not a component of this model")
            row[self.masters.index(sp)] = v
        return row, ph.nu.get("H2O", 0.0), np.asarray(ph.log_k.coefficients)

    def species_logk(self, temp_k):
        return dbmod.temperature_basis(temp_k) @ self.logk_coef.T


@lru_cache(maxsize=64)
def build_model(elements: tuple = ("dic", "ca"), database: str = "phreeqc.dat") -> AqueousModel:
    """Collect every species of ``database`` made only of H+, H2O and the masters of ``elements`` (no redox)."""
    db = dbmod.load(database)
    elements = tuple(e for e in ELEMENT_ORDER if e in set(elements))
    masters = ["H+"]
    for e in elements:
        el, sp = ELEMENTS[e]
        m = db.primary_master(el)
        if m.species != sp:
            raise dbmod.DatabaseError(f"{db.name}: master species of {el} is {m.species}, expected {sp}")
        masters.append(sp)
    allowed = set(masters) | {"H2O"}
    names, nus, nuw, coefs, z, size, bpar, kind, alk = [], [], [], [], [], [], [], [], []
    master_alk = {m.species: m.alkalinity for k, m in db.masters.items() if "(" not in k and k != "Alkalinity"}
    for name, sp in db.species.items():
        if name in ("H2O", "e-"):
            continue
        if not set(sp.nu) <= allowed:
            continue
        if name not in masters and not sp.nu:
            continue
        row = np.zeros(len(masters))
        for k, v in sp.nu.items():
            if k != "H2O":
                row[masters.index(k)] = v
        names.append(name)
        nus.append(row)
        nuw.append(sp.nu.get("H2O", 0.0))
        coefs.append(np.asarray(sp.log_k.coefficients))
        z.append(sp.charge)
        if sp.gamma is not None and sp.charge != 0:
            size.append(sp.gamma[0]); bpar.append(sp.gamma[1]); kind.append(0)
        elif sp.charge != 0:
            size.append(0.0); bpar.append(0.0); kind.append(1)
        else:
            size.append(0.0); bpar.append(0.0); kind.append(2)
        alk.append(sum(v * master_alk.get(k, 0.0) for k, v in sp.nu.items()))
    return AqueousModel(database=db, elements=elements, masters=tuple(masters), species=tuple(names),
                        nu=np.array(nus), nu_w=np.array(nuw), logk_coef=np.array(coefs), charge=np.array(z),
                        ion_size=np.array(size), b_param=np.array(bpar), gamma_kind=np.array(kind, dtype=int),
                        alkalinity=np.array(alk))


# --------------------------------------------------------------------------------------------------------------
# constraints
@dataclass
class LogLinear:
    """sum_m coef_m x_m = rhs, with rhs = target + logk(T) - nu_w log a_w + gamma_species log g (per iteration)."""

    coef: np.ndarray  # (M,)
    target: np.ndarray  # (N,)
    logk_coef: np.ndarray | None = None  # (6,)
    nu_w: float = 0.0
    gamma_species: int | None = None  # add + log g of this species (fixing a free molality instead of activity)


@dataclass
class Sum:
    """sum_j W_j m_j + gas_coef * 10^SI(gas_phase) = rhs. ``log_form`` solves log10(sum) = log10(rhs)."""

    weights: np.ndarray  # (S,)
    rhs: np.ndarray  # (N,)
    log_form: bool = False
    gas_coef: np.ndarray | None = None  # (N,) moles of gas per kgw per atm
    gas_phase: tuple | None = None  # (nu (M,), nu_w, logk coef (6,))
