"""Independent references for the chemistry tests: seeded input grids, a PHREEQC USER_PUNCH runner, the
Plummer & Busenberg (1982, Geochim. Cosmochim. Acta 46:1011) constants and a minimal PHREEQC-format test database."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


# ----------------------------------------------------------------------------------------------------------------
# random input grids
def random_grid(seed: int, n: int, temp=(0.0, 40.0), log_pco2=(-3.5, -0.5), ratio=(0.05, 2.0)) -> dict:
    """Seeded uniform grid of temperature (C), pCO2 (atm) and gas/water ratio (L/kgw)."""
    rng = np.random.default_rng(seed)
    return {"temp_c": rng.uniform(*temp, n), "pco2_atm": 10.0 ** rng.uniform(*log_pco2, n),
            "gas_water_ratio": rng.uniform(*ratio, n)}


def random_water(seed: int, n: int) -> pd.DataFrame:
    """Seeded starting waters (mmol/kgw) with Na, K, Cl, SO4, NO3 and Mg; not charge
    balanced on purpose (the pH takes up the imbalance, in PHREEQC ("pH 7 charge") and natively)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "na_mmol_kgw": rng.uniform(0.0, 3.0, n),
        "k_mmol_kgw": rng.uniform(0.0, 0.2, n),
        "cl_mmol_kgw": rng.uniform(0.0, 3.0, n),
        "so4_mmol_kgw": rng.uniform(0.0, 1.5, n),
        "no3_mmol_kgw": rng.uniform(0.0, 0.5, n),
        "mg_mmol_kgw": rng.uniform(0.0, 1.5, n),
    })


# ----------------------------------------------------------------------------------------------------------------
# PHREEQC helpers
def phreeqc_punch(solution_blocks: list[str], punch: dict[str, str], database: str = "phreeqc.dat") -> pd.DataFrame:
    """Run ``solution_blocks`` (each a full simulation ending in END) in PHREEQC with a USER_PUNCH of the
    BASIC expressions in ``punch`` (heading -> expression); return one row per selected-output line."""
    from chemistry import phreeqc

    heads = list(punch)
    lines = [f" {10 * (k + 1)} PUNCH {punch[h]}" for k, h in enumerate(heads)]
    deck = ("SELECTED_OUTPUT 1\n -reset false\nUSER_PUNCH 1\n -headings " + " ".join(heads) + "\n -start\n"
            + "\n".join(lines) + "\n -end\nEND\n" + "".join(solution_blocks))
    out = phreeqc.run(deck, database)
    for h in heads:
        out[h] = pd.to_numeric(out[h], errors="coerce")
    return out


# ----------------------------------------------------------------------------------------------------------------
# a minimal PHREEQC-format database without ion pairs (Plummer & Busenberg 1982 constants)
#: log K = A1 + A2 T + A3/T + A4 log10 T + A5/T^2 (T in K); Plummer & Busenberg (1982),
#: GCA 46:1011; Kw from Harned & Hamer (1933).
PB1982 = {
    "K1": (-356.3094, -0.06091964, 21834.37, 126.8339, -1684915.0),  # CO2 + H2O = HCO3- + H+
    "K2": (-107.8871, -0.03252849, 5151.79, 38.92561, -563713.9),  # HCO3- = CO3-2 + H+
    "Kc": (-171.9065, -0.077993, 2839.319, 71.595, 0.0),  # CaCO3 = Ca+2 + CO3-2
    "KH": (108.3865, 0.01985076, -6919.53, -40.45154, 669365.0),  # CO2(g) = CO2
    "Kw": (22.801, -0.010365, -4787.3, -7.1321, 0.0),  # H2O = H+ + OH-
}
#: WATEQ ion-size a (Angstrom) and b, the -gamma values of phreeqc.dat 3.7.3
PB_GAMMA = {"H+": (9.0, 0.0), "Ca+2": (5.0, 0.165), "CO3-2": (5.4, 0.0), "HCO3-": (5.4, 0.0), "OH-": (3.5, 0.0)}


def pb_log_k(name: str, temp_k):
    a = PB1982[name]
    t = np.asarray(temp_k, dtype=float)
    return a[0] + a[1] * t + a[2] / t + a[3] * np.log10(t) + a[4] / t**2


def _analytic(coef) -> str:
    return " ".join(f"{c:.10g}" for c in coef)


def write_no_ion_pair_database(path: Path) -> Path:
    """Write a minimal PHREEQC database: H+, Ca+2, CO3-2, HCO3-, CO2, OH-, H2O, Calcite, CO2(g); no ion pairs,
    no (CO2)2, no Peng-Robinson constants (so fugacity = partial pressure). H2 and O2 are there only because
    IPhreeqc refuses a database without them (the native solver ignores redox species)."""
    k1, k2 = np.array(PB1982["K1"]), np.array(PB1982["K2"])
    text = f"""# test database: carbonate system without ion pairs, Plummer & Busenberg (1982) constants
SOLUTION_MASTER_SPECIES
H        H+       -1.0   H                1.008
H(0)     H2        0.0   H
H(1)     H+       -1.0   0
E        e-        0.0   0.0              0.0
O        H2O       0.0   O                16.0
O(0)     O2        0.0   O
O(-2)    H2O       0.0   0
Ca       Ca+2      0.0   Ca               40.08
C        CO3-2     2.0   HCO3             12.0111
C(+4)    CO3-2     2.0   HCO3
Alkalinity CO3-2   1.0   Ca0.5(CO3)0.5    50.05

SOLUTION_SPECIES
H+ = H+
    -gamma {PB_GAMMA['H+'][0]} {PB_GAMMA['H+'][1]}
e- = e-
H2O = H2O
Ca+2 = Ca+2
    -gamma {PB_GAMMA['Ca+2'][0]} {PB_GAMMA['Ca+2'][1]}
CO3-2 = CO3-2
    -gamma {PB_GAMMA['CO3-2'][0]} {PB_GAMMA['CO3-2'][1]}
H2O = OH- + H+
    -analytic {_analytic(PB1982['Kw'])}
    -gamma {PB_GAMMA['OH-'][0]} {PB_GAMMA['OH-'][1]}
2 H+ + 2 e- = H2
    -log_k -3.15
2 H2O = O2 + 4 H+ + 4 e-
    -log_k -86.08
CO3-2 + H+ = HCO3-
    -analytic {_analytic(-k2)}
    -gamma {PB_GAMMA['HCO3-'][0]} {PB_GAMMA['HCO3-'][1]}
CO3-2 + 2 H+ = CO2 + H2O
    -analytic {_analytic(-(k1 + k2))}

PHASES
Calcite
    CaCO3 = CO3-2 + Ca+2
    -analytic {_analytic(PB1982['Kc'])}
CO2(g)
    CO2 = CO2
    -analytic {_analytic(PB1982['KH'])}
END
"""
    path.write_text(text)
    return path
