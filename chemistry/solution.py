"""The result of a solve (:class:`Solution`) and the per-sample activity model it reports.

Activity coefficients: :func:`chemistry.thermo.activity_parameters` (WATEQ extended Debye-Hueckel, Davies, 0.1 I;
Parkhurst & Appelo 2013, USGS TM 6-A43, eqs. 2-4) with the Debye-Hueckel A, B of
:func:`chemistry.thermo.debye_huckel_a_b`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import database as dbmod
from . import thermo
from .model import AqueousModel


def one_temperature(temp_c) -> bool:
    """Whether a series of more than one sample has a single temperature (groundwater): temperature-dependent
    constants are then evaluated once and broadcast."""
    t = np.asarray(temp_c)
    return t.size > 1 and t.flat[0] == t.flat[-1] and bool(np.all(t == t.flat[0]))


def _debye_huckel(temp_c, chunk: int = 65536):
    """Debye-Hueckel A and B per sample (:func:`chemistry.thermo.debye_huckel_a_b`), evaluated in blocks so
    that its many temporaries stay small; a series at one temperature (groundwater) is evaluated once."""
    n = temp_c.size
    if one_temperature(temp_c):
        a, b = thermo.debye_huckel_a_b(temp_c[:1])
        return np.full(n, float(a[0])), np.full(n, float(b[0]))
    if n <= chunk:
        a, b = thermo.debye_huckel_a_b(temp_c)
        return np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float)
    a, b = np.empty(n), np.empty(n)
    for lo in range(0, n, chunk):
        a[lo:lo + chunk], b[lo:lo + chunk] = thermo.debye_huckel_a_b(temp_c[lo:lo + chunk])
    return a, b


def _activity_arrays(model: AqueousModel, dh_a, dh_b):
    """(A z^2, beta, b) of every species (N, S) for Debye-Hueckel A, B (N,):
    :func:`chemistry.thermo.activity_parameters`."""
    return thermo.activity_parameters((model.charge**2)[None, :], model.gamma_kind[None, :], model.ion_size[None, :],
                                      model.b_param[None, :], dh_a[:, None], dh_b[:, None])


def activity_parameters(model: AqueousModel, temp_c):
    """Per-sample parameters of the unified activity model log g_j = -A z_j^2 sqrt(I) / (1 + beta_j sqrt(I))
    + b_j I, which is the WATEQ equation (beta = B a_j, b = b_j), the Davies equation (beta = 1, b = 0.3 A z^2)
    or the neutral-species rule (z = 0, b = 0.1), as in :func:`chemistry.thermo.log_gamma`.
    Returns (a z^2 (N,S), beta (N,S), b (N,S))."""
    dh_a, dh_b = thermo.debye_huckel_a_b(np.atleast_1d(np.asarray(temp_c, dtype=float)))
    return _activity_arrays(model, dh_a, dh_b)


@dataclass
class Solution:
    """Result of a solve: species molalities and state, one row per sample."""

    model: AqueousModel
    temp_c: np.ndarray
    x: np.ndarray  # (N, M) log10 activities of masters
    molality: np.ndarray  # (N, S) mol/kgw
    ionic_strength: np.ndarray
    log_aw: np.ndarray
    converged: np.ndarray  # (N,) bool
    iterations: int
    #: Newton iterations of each sample (max_iter where it did not converge)
    sample_iterations: np.ndarray | None = field(default=None, repr=False)
    # computed on first use: log g (N, S) (from I and the Debye-Hueckel A, B (N,) given in _dh), log K (N, S),
    # the temperature basis (N, 6) and the totals of all masters (N, M)
    _log_gamma: np.ndarray | None = field(default=None, repr=False)
    _dh: tuple | None = field(default=None, repr=False, compare=False)
    _logk: np.ndarray | None = field(default=None, repr=False)
    _basis: np.ndarray | None = field(default=None, repr=False, compare=False)
    _totals: np.ndarray | None = field(default=None, repr=False, compare=False)
    _tcols: dict | None = field(default=None, repr=False, compare=False)

    @property
    def log_gamma(self) -> np.ndarray:
        """log10 activity coefficients (N, S), :func:`activity_parameters` at the final ionic strength."""
        if self._log_gamma is None:
            dh_a, dh_b = self._dh if self._dh is not None else _debye_huckel(self.temp_c)
            az2, beta, bpar = _activity_arrays(self.model, dh_a, dh_b)
            sq = np.sqrt(self.ionic_strength)[:, None]
            self._log_gamma = -az2 * sq / (1.0 + beta * sq) + bpar * self.ionic_strength[:, None]
        return self._log_gamma

    def log_gamma_of(self, species: str) -> np.ndarray:
        """log10 activity coefficient of one species (N,), the same model as :attr:`log_gamma` without building
        the (N, S) array."""
        if self._log_gamma is not None:
            return self._log_gamma[:, self.model.index(species)]
        j = self.model.index(species)
        ionic = self.ionic_strength
        m = self.model
        dh_a, dh_b = self._dh if self._dh is not None else _debye_huckel(self.temp_c)
        az2, beta, bpar = thermo.activity_parameters(float(m.charge[j]) ** 2, int(m.gamma_kind[j]),
                                                     float(m.ion_size[j]), float(m.b_param[j]), dh_a, dh_b)
        return thermo.log_gamma_unified(az2, beta, bpar, np.sqrt(ionic), ionic)

    @property
    def logk(self) -> np.ndarray:
        """log10 K(T) of every species' formation reaction from the masters, (N, S)."""
        if self._logk is None:
            self._logk = self._temperature_basis() @ self.model.logk_coef.T
        return self._logk

    def _temperature_basis(self) -> np.ndarray:
        if self._basis is None:
            self._basis = dbmod.temperature_basis(self.temp_c + thermo.KELVIN)
        return self._basis

    def _phase_logk(self, coef) -> np.ndarray:
        """log K(T) of a reaction from its analytical-expression coefficients (only the non-zero terms of
        :func:`chemistry.database.temperature_basis` are evaluated; the basis arrays are cached)."""
        if self._basis is not None:
            return self._basis @ coef
        tc = self.temp_c
        if one_temperature(tc):  # one evaluation
            one = dbmod.temperature_basis(tc[:1] + thermo.KELVIN) @ coef
            return np.full(tc.size, float(one[0]))
        if self._tcols is None:
            self._tcols = {}
        tk = self.temp_c + thermo.KELVIN
        out = np.full(tk.shape, float(coef[0]))
        make = (None, lambda: tk, lambda: 1.0 / tk, lambda: np.log10(tk), lambda: 1.0 / tk**2, lambda: tk**2)
        for c in range(1, 6):
            if coef[c] != 0.0:
                if c not in self._tcols:
                    self._tcols[c] = make[c]()
                out += coef[c] * self._tcols[c]
        return out

    def total(self, element: str) -> np.ndarray:
        """Total molality of an element (all masters' totals are computed in one pass on first use)."""
        if self._totals is None:
            self._totals = self.molality @ self.model.nu  # column m: sum_j nu_jm m_j
        return self._totals[:, self.model.master_index(element)].copy()

    def free(self, species: str) -> np.ndarray:
        if species not in self.model.species:
            return np.zeros(len(self.temp_c))
        return self.molality[:, self.model.index(species)]

    @property
    def ph(self) -> np.ndarray:
        return -self.x[:, 0]

    @property
    def alkalinity(self) -> np.ndarray:
        """Total alkalinity (eq/kgw) as PHREEQC defines it (species weights from the master alkalinities)."""
        return self.molality @ self.model.alkalinity

    def saturation_index(self, phase: str) -> np.ndarray:
        row, nu_w, coef = self.model.phase(phase)
        return self.x @ row + nu_w * self.log_aw - self._phase_logk(coef)

    def log_pco2(self) -> np.ndarray:
        return self.saturation_index("CO2(g)")
