"""chemistry.equilibrate and chemistry.mix against PHREEQC (pinned database), published reference values and an
exact closed-form solution of the open-system calcite problem."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

import chemistry
from chemistry import InputError, thermo
from chemref import PB_GAMMA, pb_log_k

MINERALS = ("calcite", "dolomite", "both")
SYSTEMS = ("open", "closed", "mixed")
#: issue tolerances: native vs PHREEQC with the pinned database
RTOL_TOTALS = 1e-3
ATOL_PH = 0.003


def _compare(native: pd.DataFrame, ref: pd.DataFrame, columns=("ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw")):
    """Max relative deviation of each total (where PHREEQC has it) and max |dpH|; asserts all converged."""
    assert native["converged"].all(), f"{(~native['converged']).sum()} samples did not converge"
    dev = {}
    for col in columns:
        r = ref[col].to_numpy(float)
        if np.all(r == 0):
            assert np.all(native[col].to_numpy(float) == 0), col
            continue
        dev[col] = float(np.max(np.abs(native[col].to_numpy(float) / r - 1.0)))
    dev["ph"] = float(np.max(np.abs(native["ph"].to_numpy(float) - ref["ph"].to_numpy(float))))
    return dev


# ------------------------------------------------------------------------------------------------------------
# 1. native vs PHREEQC on seeded random grids
@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("mineral", MINERALS)
@pytest.mark.phreeqc
def test_native_matches_phreeqc_on_random_grid(grid, mineral, system):
    g = grid(seed=100 + 10 * MINERALS.index(mineral) + SYSTEMS.index(system), n=300)
    kw = {"gas_water_ratio": g["gas_water_ratio"]} if system == "mixed" else {}
    nat = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], mineral=mineral, system=system, **kw)
    ref = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], mineral=mineral, system=system, backend="phreeqc", **kw)
    assert len(nat) == len(ref) == 300
    dev = _compare(nat, ref)
    for col in ("ca_mmol_kgw", "dic_mmol_kgw") + (("mg_mmol_kgw",) if mineral != "calcite" else ()):
        assert dev[col] < RTOL_TOTALS, f"{mineral}/{system}: max rel. deviation of {col} {dev[col]:.2e}"
    assert dev["ph"] < ATOL_PH, f"{mineral}/{system}: max |dpH| {dev['ph']:.2e}"
    # the saturation indices of the equilibrium minerals and the final pCO2 agree as well
    for si in {"calcite": ["si_calcite"], "dolomite": ["si_dolomite"], "both": ["si_calcite", "si_dolomite"]}[mineral]:
        assert np.max(np.abs(nat[si] - ref[si])) < 1e-3, si
    assert np.max(np.abs(nat["log_pco2"] - ref["log_pco2"])) < 2e-3


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("mineral", MINERALS)
@pytest.mark.phreeqc
def test_native_matches_phreeqc_with_starting_water(grid, water_grid, mineral, system):
    n = 200
    g = grid(seed=200 + 10 * MINERALS.index(mineral) + SYSTEMS.index(system), n=n)
    water = water_grid(seed=300 + SYSTEMS.index(system), n=n)
    kw = {"gas_water_ratio": g["gas_water_ratio"]} if system == "mixed" else {}
    nat = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], mineral=mineral, system=system, water=water, **kw)
    ref = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], mineral=mineral, system=system, water=water,
                                backend="phreeqc", **kw)
    dev = _compare(nat, ref, ("ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "na_mmol_kgw", "so4_mmol_kgw",
                              "cl_mmol_kgw"))
    for col in ("ca_mmol_kgw", "mg_mmol_kgw", "dic_mmol_kgw", "na_mmol_kgw", "so4_mmol_kgw"):
        assert dev[col] < RTOL_TOTALS, f"{mineral}/{system} + water: max rel. deviation of {col} {dev[col]:.2e}"
    assert dev["ph"] < ATOL_PH, f"{mineral}/{system} + water: max |dpH| {dev['ph']:.2e}"
    assert np.max(np.abs(nat["si_gypsum"] - ref["si_gypsum"])) < 1e-3


@pytest.mark.phreeqc
def test_starting_water_dict_matches_phreeqc():
    water = {"na_mmol_kgw": 1.2, "cl_mmol_kgw": 1.5, "so4_mmol_kgw": 0.4, "mg_mmol_kgw": 0.3}
    t = np.array([2.0, 12.0, 25.0, 38.0])
    p = 10.0 ** np.array([-3.2, -2.0, -1.4, -0.7])
    for system in ("open", "closed"):
        nat = chemistry.equilibrate(t, p, system=system, water=water)
        ref = chemistry.equilibrate(t, p, system=system, water=water, backend="phreeqc")
        dev = _compare(nat, ref)
        assert dev["ca_mmol_kgw"] < RTOL_TOTALS and dev["dic_mmol_kgw"] < RTOL_TOTALS and dev["ph"] < ATOL_PH, dev


@pytest.mark.phreeqc
def test_documented_reference_value():
    """chemistry/databases/PROVENANCE.md: 25 C, log pCO2 -2, calcite, open: pH 7.2969, Ca 1.6455, C 3.6214 mmol/kgw."""
    for backend in ("native", "phreeqc"):
        r = chemistry.equilibrate(25.0, 1e-2, backend=backend).iloc[0]
        assert r["ph"] == pytest.approx(7.2969, abs=1e-4), backend
        assert r["ca_mmol_kgw"] == pytest.approx(1.6455, abs=1e-4), backend
        assert r["dic_mmol_kgw"] == pytest.approx(3.6214, abs=1e-4), backend


# ------------------------------------------------------------------------------------------------------------
# 3. other databases and PHREEQC versions (tests/data/phreeqc_reference)
@pytest.mark.phreeqc
def test_pinned_database_vs_phreeqc_2025_database(phreeqc_reference):
    """Native + pinned phreeqc.dat (3.7.3) vs IPhreeqc 3.8.6 + phreeqc.dat of 2025-09-08 (phreeqc_2679bd88.dat).

    The databases differ (PROVENANCE: 1-3 % in Ca). Observed: max |dCa| 3.0006 % (calcite, 15 C, log pCO2 -1),
    and pinned PHREEQC itself differs from the 2025 rows by 3.0013 % there, so the whole difference is the
    database; the issue's 3 % band is exceeded by 6e-6, hence 3.1 %. The second assertion shows that the
    deviation is the database's: native - reference equals pinned PHREEQC - reference to 2e-5.
    """
    ref = phreeqc_reference[phreeqc_reference["database"] == "phreeqc_2679bd88.dat"]
    assert len(ref) == 84
    for mineral, sub in ref.groupby("mineral"):
        t, p = sub["temp_C"].to_numpy(float), 10.0 ** sub["log_pCO2_atm"].to_numpy(float)
        nat = chemistry.equilibrate(t, p, mineral=mineral.lower())
        pin = chemistry.equilibrate(t, p, mineral=mineral.lower(), backend="phreeqc")
        d_nat = nat["ca_mmol_kgw"].to_numpy() / sub["Ca_mmol_kgw"].to_numpy() - 1.0
        d_pin = pin["ca_mmol_kgw"].to_numpy() / sub["Ca_mmol_kgw"].to_numpy() - 1.0
        assert np.max(np.abs(d_nat)) < 0.031, f"{mineral}: max |dCa| {np.max(np.abs(d_nat)):.4%}"
        assert np.max(np.abs(d_nat - d_pin)) < 2e-5
        assert np.max(np.abs(nat["dic_mmol_kgw"].to_numpy() / sub["DIC_mmol_kgw"].to_numpy() - 1)) < 0.031
        assert np.max(np.abs(nat["ph"].to_numpy() - sub["pH"].to_numpy())) < 0.01
        if mineral == "Dolomite":
            assert np.max(np.abs(nat["mg_mmol_kgw"].to_numpy() / sub["Mg_mmol_kgw"].to_numpy() - 1)) < 0.031


def test_native_solver_reads_wateq4f(phreeqc_reference):
    """The native parser on the shipped wateq4f.dat vs the IPhreeqc 3.8.6 + wateq4f.dat rows.

    The equilibrium constants that matter here are the same in both wateq4f versions (observed max |dCa|
    9e-6), so the tolerance is tight (2e-4, the native vs PHREEQC agreement of the open system plus margin).
    """
    ref = phreeqc_reference[phreeqc_reference["database"] == "wateq4f.dat"]
    assert len(ref) == 84
    for mineral, sub in ref.groupby("mineral"):
        t, p = sub["temp_C"].to_numpy(float), 10.0 ** sub["log_pCO2_atm"].to_numpy(float)
        nat = chemistry.equilibrate(t, p, mineral=mineral.lower(), database="wateq4f.dat")
        assert nat["converged"].all()
        assert nat.attrs["database"] == "wateq4f.dat"
        for col, rc in (("ca_mmol_kgw", "Ca_mmol_kgw"), ("dic_mmol_kgw", "DIC_mmol_kgw"),
                        ("hco3_mmol_kgw", "HCO3_mmol_kgw"), ("ca_free_mmol_kgw", "Ca2_free_mmol_kgw")):
            d = np.max(np.abs(nat[col].to_numpy() / sub[rc].to_numpy() - 1.0))
            assert d < 2e-4, f"wateq4f {mineral} {col}: {d:.2e}"
        assert np.max(np.abs(nat["ph"].to_numpy() - sub["pH"].to_numpy())) < 1e-4
        assert np.max(np.abs(nat["ionic_strength"].to_numpy() / sub["ionic_strength"].to_numpy() - 1)) < 2e-4
        # the database is really used: phreeqc.dat gives a different answer on the same rows (observed max |dCa|
        # 0.85 % for calcite, 15 % for dolomite)
        other = chemistry.equilibrate(t, p, mineral=mineral.lower())
        assert np.max(np.abs(other["ca_mmol_kgw"].to_numpy() / sub["Ca_mmol_kgw"].to_numpy() - 1.0)) > 5e-3


@pytest.mark.phreeqc
def test_wateq4f_native_vs_phreeqc_backend(grid):
    g = grid(seed=7, n=100)
    for system in ("open", "closed"):
        nat = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], system=system, database="wateq4f.dat")
        ref = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], system=system, database="wateq4f.dat",
                                    backend="phreeqc")
        dev = _compare(nat, ref)
        assert dev["ca_mmol_kgw"] < RTOL_TOTALS and dev["dic_mmol_kgw"] < RTOL_TOTALS and dev["ph"] < ATOL_PH, dev


# ------------------------------------------------------------------------------------------------------------
# 4. closed-form open-system solution without ion pairs (Dreybrodt 1988)
_Z = {"H+": 1, "Ca+2": 2, "CO3-2": -2, "HCO3-": -1, "OH-": -1}


def _log_gamma(ionic: float, temp_c: float) -> dict:
    """WATEQ log gamma of the five ions from chemistry.thermo at ionic strength ``ionic``."""
    a, b = thermo.debye_huckel_a_b(np.atleast_1d(temp_c))
    names = list(PB_GAMMA)
    lg = thermo.log_gamma(np.atleast_1d(ionic), np.array([_Z[s] for s in names], float),
                          np.array([PB_GAMMA[s][0] for s in names]), np.array([PB_GAMMA[s][1] for s in names]),
                          np.zeros(len(names), dtype=int), a, b)[0]
    return dict(zip(names, lg))


def exact_open_calcite(temp_c: float, pco2: float):
    """Open-system calcite equilibrium without ion pairs, solved exactly: full charge balance
    2 Ca + H = HCO3 + 2 CO3 + OH (brentq in log a_H+) with PB1982 constants, WATEQ gammas at the solution's I,
    a_CO2 = KH pCO2, and a_w = 1 - 0.017 sum m (as PHREEQC and the native model), iterated to a fixed point.
    Returns (Ca mol/kgw, pH, DIC mol/kgw)."""
    tk = temp_c + thermo.KELVIN
    k1, k2, kc, kh, kw = (10.0 ** pb_log_k(k, tk) for k in ("K1", "K2", "Kc", "KH", "Kw"))
    ionic, log_aw = 1e-3, 0.0
    for _ in range(200):
        g = {k: 10.0 ** v for k, v in _log_gamma(ionic, temp_c).items()}
        g_co2 = 10.0 ** (0.1 * ionic)
        a_co2, a_w = kh * pco2, 10.0 ** log_aw

        def molal(log_ah):
            ah = 10.0 ** log_ah
            a_hco3 = k1 * a_co2 * a_w / ah
            a_co3 = k2 * a_hco3 / ah
            return {"H": ah / g["H+"], "HCO3": a_hco3 / g["HCO3-"], "CO3": a_co3 / g["CO3-2"],
                    "Ca": kc / a_co3 / g["Ca+2"], "OH": kw * a_w / ah / g["OH-"], "CO2": a_co2 / g_co2}

        def balance(log_ah):
            m = molal(log_ah)
            return 2 * m["Ca"] + m["H"] - m["HCO3"] - 2 * m["CO3"] - m["OH"]

        log_ah = brentq(balance, -12.0, -3.0, xtol=1e-15, rtol=1e-15)
        m = molal(log_ah)
        new_i = 0.5 * (4 * m["Ca"] + m["H"] + m["HCO3"] + 4 * m["CO3"] + m["OH"])
        new_aw = np.log10(1.0 - 0.017 * sum(m.values()))
        if abs(new_i - ionic) < 1e-17 and abs(new_aw - log_aw) < 1e-17:
            break
        ionic, log_aw = new_i, new_aw
    return m["Ca"], -log_ah, m["CO2"] + m["HCO3"] + m["CO3"]


def dreybrodt_ca(temp_c: float, pco2: float) -> float:
    """Dreybrodt (1988): [Ca]^3 = pCO2 K1 Kc KH / (4 K2 gCa gHCO3^2), I = 3 [Ca], iterated."""
    tk = temp_c + thermo.KELVIN
    k1, k2, kc, kh = (10.0 ** pb_log_k(k, tk) for k in ("K1", "K2", "Kc", "KH"))
    ca = 1e-3
    for _ in range(200):
        lg = _log_gamma(3.0 * ca, temp_c)
        new = (pco2 * k1 * kc * kh / (4.0 * k2 * 10.0 ** lg["Ca+2"] * 10.0 ** (2 * lg["HCO3-"]))) ** (1.0 / 3.0)
        if abs(new - ca) < 1e-18:
            break
        ca = new
    return ca


def test_pb1982_constants_published_values():
    """The transcribed PB1982 expressions at 25 C give the published pK values (Plummer & Busenberg 1982,
    Table 2 / Appelo & Postma 2005 Table 5.5): pK1 6.352, pK2 10.329, pKc 8.480, pKH 1.468, pKw 13.995."""
    t = 298.15
    assert -pb_log_k("K1", t) == pytest.approx(6.352, abs=2e-3)
    assert -pb_log_k("K2", t) == pytest.approx(10.329, abs=2e-3)
    assert -pb_log_k("Kc", t) == pytest.approx(8.480, abs=2e-3)
    assert -pb_log_k("KH", t) == pytest.approx(1.468, abs=2e-3)
    assert -pb_log_k("Kw", t) == pytest.approx(13.995, abs=3e-3)


def test_open_calcite_exact_closed_form(no_ion_pair_db):
    rng = np.random.default_rng(4)
    t = rng.uniform(0.0, 40.0, 25)
    lp = rng.uniform(-3.5, -0.5, 25)
    nat = chemistry.equilibrate(t, 10.0 ** lp, database=str(no_ion_pair_db))
    assert nat["converged"].all()
    assert set(nat.attrs.items()) >= {("database", no_ion_pair_db.name)}
    exact = np.array([exact_open_calcite(a, 10.0 ** b) for a, b in zip(t, lp)])
    assert np.max(np.abs(nat["ca_mmol_kgw"].to_numpy() / 1000.0 / exact[:, 0] - 1)) < 1e-6
    assert np.max(np.abs(nat["ph"].to_numpy() - exact[:, 1])) < 1e-6
    assert np.max(np.abs(nat["dic_mmol_kgw"].to_numpy() / 1000.0 / exact[:, 2] - 1)) < 1e-6
    # no ion pairs in this database: free Ca is all Ca, and the species sum is DIC
    assert np.allclose(nat["ca_free_mmol_kgw"], nat["ca_mmol_kgw"], rtol=1e-12)
    assert np.all(nat["cahco3_mmol_kgw"] == 0) and np.all(nat["co2dimer_mmol_kgw"] == 0)


def test_open_calcite_dreybrodt_approximation(no_ion_pair_db):
    """The Dreybrodt formula neglects CO3-2, OH- and H+ in the charge balance: it is exact to 2 % at
    log pCO2 -3.5 (observed 1.5 %) and to 0.2 % above log pCO2 -2 (observed 0.17 %)."""
    rng = np.random.default_rng(5)
    t = rng.uniform(0.0, 40.0, 40)
    lp = rng.uniform(-3.5, -0.5, 40)
    nat = chemistry.equilibrate(t, 10.0 ** lp, database=str(no_ion_pair_db))["ca_mmol_kgw"].to_numpy() / 1000.0
    approx = np.array([dreybrodt_ca(a, 10.0 ** b) for a, b in zip(t, lp)])
    dev = approx / nat - 1.0
    assert np.max(np.abs(dev)) < 0.02
    assert np.max(np.abs(dev[lp >= -2.0])) < 0.002
    assert np.all(dev[lp < -2.5] < 0)  # neglecting CO3-2 and OH- underestimates Ca


@pytest.mark.phreeqc
def test_no_ion_pair_database_native_vs_phreeqc(no_ion_pair_db, grid):
    """The same user database read by IPhreeqc: both engines agree (open and closed)."""
    g = grid(seed=8, n=60)
    for system in ("open", "closed"):
        nat = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], system=system, database=str(no_ion_pair_db))
        ref = chemistry.equilibrate(g["temp_c"], g["pco2_atm"], system=system, database=str(no_ion_pair_db),
                                    backend="phreeqc")
        dev = _compare(nat, ref)
        assert dev["ca_mmol_kgw"] < RTOL_TOTALS and dev["dic_mmol_kgw"] < RTOL_TOTALS and dev["ph"] < ATOL_PH, dev


# ------------------------------------------------------------------------------------------------------------
# mixing of two waters (mixing corrosion) vs PHREEQC MIX
@pytest.mark.phreeqc
def test_mix_and_reequilibration_vs_phreeqc(punch):
    t = 10.0
    lp_a, lp_b = -1.3, -2.7
    a = chemistry.equilibrate(t, 10.0 ** lp_a)
    b = chemistry.equilibrate(t, 10.0 ** lp_b)
    fr = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    mixed = chemistry.mix(a, b, fr)
    again = chemistry.equilibrate(t, None, system="closed", water=mixed)
    blocks = []
    for f in fr:
        blocks.append(f"SOLUTION 1\n temp {t}\n pH 7 charge\nEQUILIBRIUM_PHASES 1\n CO2(g) {lp_a} 10\n Calcite 0 10\n"
                      f"SAVE solution 1\nEND\nSOLUTION 2\n temp {t}\n pH 7 charge\nEQUILIBRIUM_PHASES 2\n"
                      f" CO2(g) {lp_b} 10\n Calcite 0 10\nSAVE solution 2\nEND\n"
                      f"MIX 1\n 1 {f}\n 2 {1 - f}\nSAVE solution 3\nEND\n"
                      "USE solution 3\nEQUILIBRIUM_PHASES 3\n Calcite 0 10\nEND\n")
    out = punch(blocks, {"sim": "SIM_NO", "ca": 'TOT("Ca")*1000', "si": 'SI("Calcite")', "ph": '-LA("H+")',
                         "lp": 'SI("CO2(g)")'})
    sims = sorted(out["sim"].unique())
    per = out.groupby("sim").tail(1).set_index("sim")
    mix_rows = per.loc[sims[2::4]]  # the MIX simulation of each block
    eq_rows = per.loc[sims[3::4]]
    assert np.max(np.abs(mixed["si_calcite"].to_numpy() - mix_rows["si"].to_numpy())) < 1e-3
    assert np.max(np.abs(mixed["ph"].to_numpy() - mix_rows["ph"].to_numpy())) < ATOL_PH
    assert np.max(np.abs(again["ca_mmol_kgw"].to_numpy() / eq_rows["ca"].to_numpy() - 1)) < RTOL_TOTALS
    assert np.max(np.abs(again["ph"].to_numpy() - eq_rows["ph"].to_numpy())) < ATOL_PH
    # mixing corrosion: undersaturated mixture, re-equilibration dissolves more calcite
    assert np.all(mixed["si_calcite"] < -0.005)
    assert np.all(again["ca_mmol_kgw"].to_numpy() > mixed["ca_mmol_kgw"].to_numpy() + 1e-3)
    # conservative mixing of the totals
    assert np.allclose(mixed["ca_mmol_kgw"], fr * a["ca_mmol_kgw"].iloc[0] + (1 - fr) * b["ca_mmol_kgw"].iloc[0],
                       rtol=1e-10)


# ------------------------------------------------------------------------------------------------------------
# 10. bad input
@pytest.mark.parametrize("temp", [-0.5, 100.5, 150.0, np.nan])
def test_equilibrate_rejects_temperature_out_of_range(temp):
    with pytest.raises(InputError) as e:
        chemistry.equilibrate([10.0, temp], 1e-2)
    assert "temp_c[1]" in str(e.value) and e.value.index == 1


@pytest.mark.parametrize("pco2", [0.0, -1e-3, np.nan, 2.0])
def test_equilibrate_rejects_bad_pco2(pco2):
    with pytest.raises(InputError) as e:
        chemistry.equilibrate(10.0, [1e-2, pco2])
    assert "pco2_atm" in str(e.value)


def test_equilibrate_rejects_bad_options():
    with pytest.raises(InputError, match="mineral"):
        chemistry.equilibrate(10.0, 1e-2, mineral="aragonite")
    with pytest.raises(InputError, match="system"):
        chemistry.equilibrate(10.0, 1e-2, system="half-open")
    with pytest.raises(InputError, match="gas_water_ratio"):
        chemistry.equilibrate(10.0, 1e-2, system="mixed")
    with pytest.raises(InputError, match="backend"):
        chemistry.equilibrate(10.0, 1e-2, backend="pitzer")
    with pytest.raises(InputError, match="negative"):
        chemistry.equilibrate(10.0, 1e-2, water={"na_mmol_kgw": -1.0})
    with pytest.raises(InputError, match="unknown starting-water"):
        chemistry.equilibrate(10.0, 1e-2, water={"sodium": 1.0})
