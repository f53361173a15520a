"""Read the thermodynamic data the native solver needs from a PHREEQC database file.

The native solver and the PHREEQC backend read the *same* file (the pinned ``phreeqc.dat`` of PHREEQC
3.7.3, shipped in ``chemistry/databases/`` with its provenance), so the two engines use identical
equilibrium constants, temperature expressions and activity-coefficient parameters.

Only the parts of the PHREEQC database format that define aqueous equilibria are read:
``SOLUTION_MASTER_SPECIES`` (element, master species, alkalinity contribution, formula weight),
``SOLUTION_SPECIES`` (reaction, ``log_k``, ``delta_h``, ``analytical_expression``, ``gamma``) and
``PHASES`` (reaction, ``log_k``, ``delta_h``, ``analytical_expression``). The meaning of each item
follows Parkhurst & Appelo (2013), *Description of input and examples for PHREEQC version 3*, USGS
Techniques and Methods 6-A43, keyword data blocks SOLUTION_MASTER_SPECIES, SOLUTION_SPECIES and PHASES:

* ``-analytical_expression A1 .. A6``: log K = A1 + A2 T + A3/T + A4 log10 T + A5/T^2 + A6 T^2 (T in K).
* ``-delta_h`` (default kJ/mol, or the unit written after it): van't Hoff extrapolation from 25 C,
  log K(T) = log K(298.15) - dH / (R ln 10) (1/T - 1/298.15).
* ``-gamma a b``: WATEQ (Truesdell & Jones 1974) extended Debye-Hueckel parameters: ion size a (Angstrom)
  and the linear ionic-strength term b.

Reactions are rewritten in terms of the primary master species (PHREEQC does the same), so that every
species' log activity is log K_eff(T) + sum_m nu_m log a_m, and every log K_eff(T) is again a linear
combination of the six analytical-expression basis functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .constants import KELVIN, LN10, R_PHREEQC_KJ_MOL_K as R_KJ_MOL_K  # noqa: F401 (KELVIN: also importable here)

DATABASE_DIR = Path(__file__).resolve().parent / "databases"

T_REF_K = 298.15

_ENERGY_UNITS_KJ = {"kj": 1.0, "kj/mol": 1.0, "kcal": 4.184, "kcal/mol": 4.184, "j": 1e-3, "j/mol": 1e-3,
                    "cal": 4.184e-3, "cal/mol": 4.184e-3}

#: Basis of the temperature expressions: f(T) = [1, T, 1/T, log10 T, 1/T^2, T^2].
N_BASIS = 6


def temperature_basis(temp_k: np.ndarray) -> np.ndarray:
    """Return the six basis functions of PHREEQC's analytical expression, shape ``temp_k.shape + (6,)``.

    Parkhurst & Appelo (2013), SOLUTION_SPECIES ``-analytical_expression``.
    """
    t = np.asarray(temp_k, dtype=float)
    return np.stack([np.ones_like(t), t, 1.0 / t, np.log10(t), 1.0 / t**2, t**2], axis=-1)


class DatabaseError(ValueError):
    """The database file cannot be read or lacks a species the model needs."""


@dataclass(frozen=True)
class LogK:
    """Temperature dependence of one reaction, reduced to coefficients on :func:`temperature_basis`."""

    coefficients: tuple[float, ...]

    @staticmethod
    def from_entry(log_k25: float | None, delta_h_kj: float | None, analytic: tuple[float, ...] | None) -> "LogK":
        if analytic is not None:
            a = list(analytic) + [0.0] * (N_BASIS - len(analytic))
            return LogK(tuple(float(v) for v in a[:N_BASIS]))
        lk = 0.0 if log_k25 is None else float(log_k25)
        if delta_h_kj:
            # van't Hoff: log K = lk + dH/(R ln10) (1/Tref) - dH/(R ln10) (1/T)
            s = delta_h_kj / (R_KJ_MOL_K * LN10)
            return LogK((lk + s / T_REF_K, 0.0, -s, 0.0, 0.0, 0.0))
        return LogK((lk, 0.0, 0.0, 0.0, 0.0, 0.0))

    def __call__(self, temp_k):
        return temperature_basis(temp_k) @ np.asarray(self.coefficients)


@dataclass(frozen=True)
class Species:
    """An aqueous species as defined in the database, reaction rewritten on primary master species."""

    name: str
    charge: float
    #: stoichiometry on primary master species (and "H2O", "e-"): log a = log K_eff + sum nu log a_master
    nu: dict = field(hash=False)
    log_k: LogK = field(hash=False)
    #: WATEQ ion size (Angstrom) and b; None where the database gives no ``-gamma``
    gamma: tuple | None = None
    is_master: bool = False


@dataclass(frozen=True)
class Phase:
    """A mineral or gas; ``nu`` is the stoichiometry of its ion activity product on primary masters."""

    name: str
    formula: str
    nu: dict = field(hash=False)
    log_k: LogK = field(hash=False)
    #: critical temperature (K), critical pressure (atm) and acentric factor of a gas (Peng-Robinson), or None
    critical: tuple | None = None


@dataclass(frozen=True)
class Master:
    element: str
    species: str
    alkalinity: float
    gfw: float | None


@dataclass(frozen=True)
class Database:
    """The aqueous model read from one PHREEQC database file."""

    path: Path
    masters: dict = field(hash=False)  # element -> Master (primary and secondary)
    species: dict = field(hash=False)  # name -> Species
    phases: dict = field(hash=False)  # name -> Phase

    @property
    def name(self) -> str:
        return self.path.name

    def primary_master(self, element: str) -> Master:
        try:
            return self.masters[element]
        except KeyError:
            raise DatabaseError(f"{self.path.name}: element {element!r} is not defined in SOLUTION_MASTER_SPECIES") from None


_CHARGE_RE = re.compile(r"^(.*?)([+-])(\d*(?:\.\d+)?)$")


def species_charge(name: str) -> float:
    """Charge of a species from its name as PHREEQC writes it (``Ca+2``, ``HCO3-``, ``CO3-2``, ``CaCO3``)."""
    if name in ("e-",):
        return -1.0
    m = _CHARGE_RE.match(name)
    if not m or not m.group(1):
        return 0.0
    sign = 1.0 if m.group(2) == "+" else -1.0
    mag = float(m.group(3)) if m.group(3) else 1.0
    return sign * mag


_COEF_RE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(.*)$")


_SPECIES_TOKEN_RE = re.compile(r"^[A-Za-z0-9()\[\]+\-.:_]+$")


def parse_reaction(text: str) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """Parse ``"Ca+2 + CO3-2 + H+ = CaHCO3+"`` into (left, right) lists of (coefficient, species).

    Raises :class:`DatabaseError` for text that is not a reaction (no or several ``=``, an empty side, or a
    character PHREEQC does not allow in a species name), as PHREEQC itself refuses such a database.
    """
    if text.count("=") != 1:
        raise DatabaseError(f"not a reaction (needs exactly one '='): {text!r}")
    left_s, right_s = text.split("=", 1)
    for tok in (left_s + " " + right_s).split():
        if not _SPECIES_TOKEN_RE.match(tok):
            raise DatabaseError(f"not a reaction (character not allowed in {tok!r}): {text!r}")
    if not left_s.strip() or not right_s.strip():
        raise DatabaseError(f"not a reaction (empty side): {text!r}")

    def side(s):
        items, coef = [], None
        for tok in s.split():
            if tok == "+":
                continue
            if re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", tok):
                coef = float(tok)
                continue
            m = _COEF_RE.match(tok)
            c = 1.0
            if m and m.group(2) and not m.group(2)[0].isdigit():
                c, tok = float(m.group(1)), m.group(2)
            if coef is not None:
                c, coef = coef, None
            items.append((c, tok))
        return items

    return side(left_s), side(right_s)


def _energy_kj(tokens: list[str]) -> float:
    value = float(tokens[0])
    unit = tokens[1].lower() if len(tokens) > 1 else "kj"
    if unit not in _ENERGY_UNITS_KJ:
        unit = "kj"
    return value * _ENERGY_UNITS_KJ[unit]


def _split_lines(text: str):
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        for part in line.split(";"):
            if part.strip():
                yield part


_BLOCKS = {"SOLUTION_MASTER_SPECIES", "SOLUTION_SPECIES", "PHASES"}
_SINGLE_WORD_KEYWORDS = {"PHASES", "RATES", "END", "PITZER", "SIT", "KNOBS", "ISOTOPES", "SOLUTION", "EXCHANGE",
                         "SURFACE", "TITLE", "PRINT", "USE", "SAVE", "MIX", "REACTION", "INCREMENTAL_REACTIONS"}
_PHASE_OPTIONS = {"log_k", "logk", "delta_h", "deltah", "analytic", "analytical_expression", "vm", "t_c", "p_c",
                  "omega", "no_check", "add_logk", "add_log_k", "add_constant"}


def _is_keyword(line: str) -> str | None:
    first = line.split()[0]
    if line[0].isspace() or not re.fullmatch(r"[A-Z][A-Z_]+", first):
        return None
    if "_" in first or first in _SINGLE_WORD_KEYWORDS:
        return first
    return None


def _raw_entries(text: str):
    """Yield (block, head line, [option lines]) for the three blocks that matter.

    SOLUTION_SPECIES: head is the reaction. PHASES: head is the phase name; the first option line
    holding "=" is its reaction.
    """
    block = None
    current = None
    for line in _split_lines(text):
        stripped = line.strip()
        keyword = _is_keyword(line)
        if keyword:
            if current is not None:
                yield current
                current = None
            block = keyword if keyword in _BLOCKS else "OTHER"
            continue
        if block in (None, "OTHER"):
            continue
        is_option = stripped.startswith("-") or stripped.split()[0].lower() in _PHASE_OPTIONS
        if block == "SOLUTION_MASTER_SPECIES":
            yield (block, stripped, [])
        elif block == "SOLUTION_SPECIES":
            if "=" in stripped and not is_option:
                if current is not None:
                    yield current
                current = (block, stripped, [])
            elif current is not None:
                current[2].append(stripped)
        else:  # PHASES
            has_reaction = current is not None and any("=" in o and not o.startswith("-") for o in current[2])
            if "=" in stripped and not is_option and current is not None and not has_reaction:
                current[2].append(stripped)
            elif is_option and current is not None:
                current[2].append(stripped)
            elif not is_option and "=" not in stripped:
                if current is not None:
                    yield current
                current = (block, stripped, [])
    if current is not None:
        yield current


def _critical(lines: list[str]):
    vals = {}
    for opt in lines:
        toks = opt.split()
        key = toks[0].lstrip("-").lower()
        if key in ("t_c", "p_c", "omega") and len(toks) > 1:
            vals[key] = float(toks[1])
    if {"t_c", "p_c", "omega"} <= set(vals):
        return (vals["t_c"], vals["p_c"], vals["omega"])
    return None


def _options(lines: list[str]):
    log_k = dh = analytic = gamma = None
    for opt in lines:
        toks = opt.split()
        key = toks[0].lstrip("-").lower()
        vals = toks[1:]
        if key in ("log_k", "logk", "l", "log_k:"):
            log_k = float(vals[0])
        elif key in ("delta_h", "deltah", "d"):
            dh = _energy_kj(vals)
        elif key in ("analytic", "analytical_expression", "analytical", "a_e", "ae", "a"):
            analytic = tuple(float(v) for v in vals[:N_BASIS])
        elif key in ("gamma", "g"):
            gamma = (float(vals[0]), float(vals[1]) if len(vals) > 1 else 0.0)
    return log_k, dh, analytic, gamma


def parse_database(path: str | Path) -> Database:
    """Parse a PHREEQC database file into a :class:`Database` (no caching; see :func:`load`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DatabaseError(f"cannot read database {path}: {exc}") from None
    masters: dict[str, Master] = {}
    raw_species: dict[str, tuple] = {}
    raw_phases: dict[str, tuple] = {}
    for block, head, opts in _raw_entries(text):
        if block == "SOLUTION_MASTER_SPECIES":
            toks = head.split()
            if len(toks) < 3:
                continue
            element, sp, alk = toks[0], toks[1], toks[2]
            gfw = None
            if len(toks) >= 5:
                try:
                    gfw = float(toks[4])
                except ValueError:
                    gfw = None
            try:
                alk_v = float(alk)
            except ValueError:
                alk_v = 0.0
            masters[element] = Master(element, sp, alk_v, gfw)
        elif block == "SOLUTION_SPECIES":
            try:
                left, right = parse_reaction(head)
            except DatabaseError as exc:
                raise DatabaseError(f"{path}: SOLUTION_SPECIES: {exc}") from None
            defined = right[0][1]
            raw_species[defined] = (left, right, _options(opts))  # a later definition replaces an earlier one
        elif block == "PHASES":
            name = head.split()[0]
            reaction = next((o for o in opts if "=" in o and not o.startswith("-")), None)
            if reaction is None:
                continue
            rest = [o for o in opts if o is not reaction]
            try:
                left, right = parse_reaction(reaction)
            except DatabaseError as exc:
                raise DatabaseError(f"{path}: PHASES {name}: {exc}") from None
            raw_phases[name] = (left, right, _options(rest), _critical(rest))

    primary = {m.species for el, m in masters.items() if "(" not in el}
    primary |= {"H2O", "e-"}

    resolved: dict[str, tuple[dict, np.ndarray]] = {}

    def resolve(name: str, stack=()):
        """Return (nu over primary masters, logK coefficient vector) for log a(name)."""
        if name in primary:
            return {name: 1.0}, np.zeros(N_BASIS)
        if name in resolved:
            return resolved[name]
        if name in stack or name not in raw_species:
            raise KeyError(name)
        left, right, (lk, dh, an, _g) = raw_species[name]
        coef = np.array(LogK.from_entry(lk, dh, an).coefficients)
        nu: dict[str, float] = {}
        # log a_S = log K + sum_left l log a_X - sum_(right others) r log a_Y
        terms = [(c, s) for c, s in left] + [(-c, s) for c, s in right[1:]]
        for c, s in terms:
            sub_nu, sub_k = resolve(s, stack + (name,))
            coef = coef + c * sub_k
            for k, v in sub_nu.items():
                nu[k] = nu.get(k, 0.0) + c * v
        nu = {k: v for k, v in nu.items() if abs(v) > 1e-12}
        resolved[name] = (nu, coef)
        return resolved[name]

    species: dict[str, Species] = {}
    for name, (left, right, (lk, dh, an, gamma)) in raw_species.items():
        try:
            nu, coef = resolve(name)
        except KeyError:
            continue
        species[name] = Species(name=name, charge=species_charge(name), nu=nu, log_k=LogK(tuple(coef)),
                                gamma=gamma, is_master=name in primary)

    phases: dict[str, Phase] = {}
    for name, (left, right, (lk, dh, an, _g), critical) in raw_phases.items():
        formula = left[0][1]
        coef = np.array(LogK.from_entry(lk, dh, an).coefficients)
        # log IAP = sum_right r log a - sum_(left others) l log a; SI = log IAP - log K
        nu: dict[str, float] = {}
        ok = True
        for c, s in [(c, s) for c, s in right] + [(-c, s) for c, s in left[1:]]:
            try:
                sub_nu, sub_k = resolve(s)
            except KeyError:
                ok = False
                break
            coef = coef - c * sub_k  # move the species' own log K onto the phase side
            for k, v in sub_nu.items():
                nu[k] = nu.get(k, 0.0) + c * v
        if not ok:
            continue
        nu = {k: v for k, v in nu.items() if abs(v) > 1e-12}
        phases[name] = Phase(name=name, formula=formula, nu=nu, log_k=LogK(tuple(coef)), critical=critical)
    if not species or not masters:
        raise DatabaseError(f"{path.name}: no SOLUTION_SPECIES or SOLUTION_MASTER_SPECIES found")
    return Database(path=path, masters=masters, species=species, phases=phases)


def database_path(name: str | Path = "phreeqc.dat") -> Path:
    """Resolve a database name shipped in ``chemistry/databases`` or a path to a user's file."""
    p = Path(name)
    if p.exists():
        return p.resolve()
    shipped = DATABASE_DIR / str(name)
    if shipped.exists():
        return shipped
    raise DatabaseError(f"database {name!r} not found (shipped: "
                        f"{', '.join(sorted(x.name for x in DATABASE_DIR.glob('*.dat')))})")


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Database:
    return parse_database(path)


def load(name: str | Path = "phreeqc.dat") -> Database:
    """Load (and cache) a database by shipped name or path. Default: the pinned PHREEQC 3.7.3 ``phreeqc.dat``.

    Parameters
    ----------
    name : str or path, default "phreeqc.dat"
        A database shipped in ``chemistry/databases`` (``phreeqc.dat``, ``wateq4f.dat``) or a path to a file.

    Returns
    -------
    Database
        The parsed database: log K(T) of the reactions, activity parameters, phases (cached per path).

    Raises
    ------
    chemistry.DatabaseError
        The name is neither a shipped database nor an existing file, or the file cannot be parsed.
    """
    return _load_cached(database_path(name))
