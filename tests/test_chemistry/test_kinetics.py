"""chemistry.kinetics (PWP 1978 calcite kinetics) against the pinned phreeqc.dat ``RATES Calcite`` block evaluated
by PHREEQC's own BASIC interpreter, and dissolve_kinetic against PHREEQC KINETICS (CVODE)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import database, phreeqc
from chemistry.kinetics import (dissolve_kinetic, pwp_rate, pwp_rate_constants, surface_to_volume_conduit,
                                surface_to_volume_fracture)

RTOL_CA = 3e-3  # issue tolerance for Ca after a residence time
#: residence times 1 s .. 10 d (the issue asks 600 s .. 10 d; seconds are included because they were 0.7 % off
#: before the quadrature nodes were extended to small u)
TAUS = np.array([1.0, 10.0, 60.0, 600.0, 3600.0, 6 * 3600.0, 86400.0, 3 * 86400.0, 10 * 86400.0])


def _rates_program() -> list[str]:
    """The BASIC lines of ``RATES Calcite`` in the pinned phreeqc.dat."""
    text = database.database_path("phreeqc.dat").read_text()
    block = text[text.index("\nRATES"):]
    block = block[block.index("\nCalcite\n"):]
    body = block[block.index("-start") + len("-start"):block.index("-end")]
    lines = [ln.strip() for ln in body.strip().splitlines() if ln.strip()]
    assert any("k1 = 10^(0.198 - 444.0 / TK )" in ln for ln in lines)  # the block we mean
    return lines


def _calculate_values() -> str:
    """CALCULATE_VALUES made from the database's rate program: the rate per unit area (area = 1 cm2, in mmol, so
    the mmol -> mol line is dropped) and the three rate constants as the program computes them."""
    lines = _rates_program()
    num = lambda ln: int(ln.split()[0])  # noqa: E731
    consts = [ln for ln in lines if 30 <= num(ln) <= 60]
    rate = []
    for ln in lines:
        n = num(ln)
        if n == 20:  # depends on the kinetic reactant's moles M, which a solution does not have
            continue
        if n == 80:
            ln = "80 area = 1"
        if n == 130:
            ln = "130 moles = rate"
        rate.append(ln)
    out = "CALCULATE_VALUES\npwp_rate\n -start\n" + "\n".join(rate) + "\n -end\n"
    for k in (1, 2, 3):
        out += f"pwp_k{k}\n -start\n" + "\n".join(consts) + f"\n 70 SAVE k{k}\n -end\n"
    return out


def _phreeqc_rates(solutions: list[str]) -> pd.DataFrame:
    deck = (_calculate_values() + "SELECTED_OUTPUT 1\n -reset false\nUSER_PUNCH 1\n"
            " -headings tc r k1 k2 k3 a_h a_co2 a_w si\n -start\n"
            ' 10 PUNCH TC, CALC_VALUE("pwp_rate"), CALC_VALUE("pwp_k1"), CALC_VALUE("pwp_k2"), CALC_VALUE("pwp_k3")\n'
            ' 20 PUNCH ACT("H+"), ACT("CO2"), ACT("H2O"), SI("Calcite")\n -end\nEND\n' + "".join(solutions))
    return phreeqc.run(deck).astype(float)


@pytest.mark.phreeqc
def test_pwp_rate_constants_vs_phreeqc_database_program():
    temps = [5.0, 15.0, 24.99, 25.0, 25.01, 35.0]
    out = _phreeqc_rates([f"SOLUTION 1\n temp {t}\n pH 7\n C(4) 2 charge\n Ca 1\nEND\n" for t in temps])
    k1, k2, k3 = pwp_rate_constants(out["tc"].to_numpy())
    np.testing.assert_allclose(k1, out["k1"], rtol=1e-12)
    np.testing.assert_allclose(k2, out["k2"], rtol=1e-12)
    np.testing.assert_allclose(k3, out["k3"], rtol=1e-12)
    # PWP (1978) at 25 C: log k1 = -1.291, log k2 = -4.462, log k3 = -6.923 (mmol cm-2 s-1)
    k1, k2, k3 = pwp_rate_constants(25.0)
    assert np.log10([k1, k2, k3]) == pytest.approx([0.198 - 444 / 298.15, 2.84 - 2177 / 298.15,
                                                    -5.86 - 317 / 298.15], abs=1e-12)
    assert np.log10(k1) == pytest.approx(-1.291, abs=2e-3) and np.log10(k3) == pytest.approx(-6.923, abs=2e-3)


@pytest.mark.phreeqc
def test_pwp_rate_vs_phreeqc_on_under_and_supersaturated_waters():
    """The same waters in PHREEQC: rate from the database program vs pwp_rate with PHREEQC's activities."""
    sols = []
    for t, ph, ca, c in [(5, 6.5, 0.5, 3.0), (15, 7.2, 1.5, 3.5), (25, 7.8, 2.0, 4.0), (35, 8.3, 3.0, 6.0),
                         (12, 8.6, 2.5, 5.0), (20, 6.0, 0.1, 1.0)]:
        sols.append(f"SOLUTION 1\n temp {t}\n pH {ph}\n units mmol/kgw\n Ca {ca}\n C(4) {c}\nEND\n")
    out = _phreeqc_rates(sols)
    got = pwp_rate(out["tc"], out["a_h"], out["a_co2"], out["si"], out["a_w"])
    np.testing.assert_allclose(got, out["r"], rtol=1e-10)
    assert (out["si"] > 0.3).sum() >= 2 and (out["si"] < -0.5).sum() >= 2  # both regimes are covered
    assert np.all(np.sign(got) == -np.sign(out["si"]))  # dissolution below, precipitation above saturation


def test_rate_is_zero_at_equilibrium():
    eq = chemistry.equilibrate([5.0, 20.0, 35.0], [10**-3.0, 10**-2.0, 10**-1.0])
    r0 = dissolve_kinetic(eq["temp_c"], 0.0, 0.5, pco2_atm=None, system="closed",
                          water=eq[["ca_mmol_kgw", "dic_mmol_kgw", "temp_c"]])
    k1, _, _ = pwp_rate_constants(eq["temp_c"].to_numpy())
    assert np.all(np.abs(r0["rate_mmol_cm2_s"]) < 1e-12 * k1)
    assert np.all(np.abs(r0["equilibrium_dissolved_mmol_kgw"]) < 1e-7)
    assert pwp_rate(25.0, 1e-7, 1e-3, 0.0) == 0.0


def _kinetics_deck(temp_c, log_pco2, av, system, water="", extra_solution=""):
    """PHREEQC KINETICS with the database's Calcite rate at fixed area: -m0 = -m = 1000 mol and
    -parms A/V 0 give area = PARM(1) M0 (M/M0)^0 = 1000 A/V cm2 per kgw (~1000 cm3), i.e. A/V in cm-1.

    Integrated with PHREEQC's Runge-Kutta (-cvode false, -tol 1e-10): with -cvode true, IPhreeqc 3.7.3 once
    returned Ca 0.8 % off at 6 h depending on the step sequence (closed, 30 C, log pCO2 -2.5, A/V 0.05; RK and the
    native solution agree there to 6e-7)."""
    steps = " ".join(f"{d:.10g}" for d in np.diff(np.concatenate([[0.0], TAUS])))
    kin = (f"INCREMENTAL_REACTIONS true\nKINETICS 1\nCalcite\n -m0 1000\n -m 1000\n -parms {av} 0\n"
           f" -steps {steps}\n -cvode false\n -tol 1e-10\n")
    sol = f"SOLUTION 1\n temp {temp_c}\n units mmol/kgw\n pH 7 charge\n{water}"
    gas = f"EQUILIBRIUM_PHASES 1\n CO2(g) {log_pco2} 10\n" if log_pco2 is not None else ""
    if system == "closed":
        pre = sol + gas + "SAVE solution 1\nEND\nUSE solution 1\n"
        return pre + kin + "END\n"
    return sol + gas + kin + "END\n"


def _phreeqc_kinetic_ca(cases, system, water=""):
    head = ("SELECTED_OUTPUT 1\n -reset false\nUSER_PUNCH 1\n -headings ca t sim\n -start\n"
            ' 10 PUNCH TOT("Ca") * 1000 / TOT("water"), TOTAL_TIME, SIM_NO\n -end\nEND\n')
    deck = head + "".join(_kinetics_deck(t, lp, av, system, water) for t, lp, av in cases)
    out = phreeqc.run(deck).astype(float)
    out = out[out["t"] > 0]
    res = np.array([g["ca"].to_numpy() for _, g in out.groupby("sim")])
    assert res.shape == (len(cases), TAUS.size)
    assert np.allclose(out.groupby("sim")["t"].apply(list).iloc[0], TAUS)
    return res


CASES = [(15.0, -2.0, 0.2), (5.0, -1.5, 1.0), (30.0, -2.5, 0.05), (22.0, -1.0, 2.0)]


@pytest.mark.parametrize("system", ["closed", "open"])
@pytest.mark.phreeqc
def test_dissolve_kinetic_vs_phreeqc_kinetics(system):
    ref = _phreeqc_kinetic_ca(CASES, system)
    t = np.repeat([c[0] for c in CASES], TAUS.size)
    p = np.repeat([10.0 ** c[1] for c in CASES], TAUS.size)
    av = np.repeat([c[2] for c in CASES], TAUS.size)
    tau = np.tile(TAUS, len(CASES))
    nat = dissolve_kinetic(t, tau, av, pco2_atm=p, system=system)
    assert nat["converged"].all()
    got = nat["ca_mmol_kgw"].to_numpy().reshape(len(CASES), TAUS.size)
    dev = np.abs(got / ref - 1.0)
    assert dev.max() < RTOL_CA, f"{system}: max rel. deviation {dev.max():.2e}"
    # the runs span far-from-equilibrium to equilibrium
    frac = nat["fraction_of_equilibrium"].to_numpy()
    assert frac.min() < 0.1 and frac.max() > 0.999


@pytest.mark.parametrize("system", ["closed", "open"])
@pytest.mark.phreeqc
def test_precipitation_vs_phreeqc_kinetics(system):
    """A supersaturated water (Ca 3, DIC 6 mmol/kgw) precipitates calcite; open: degassing to log pCO2 -3.4."""
    water = {"ca_mmol_kgw": 3.0, "dic_mmol_kgw": 6.0}
    cases = [(10.0, -3.4 if system == "open" else None, 0.2), (25.0, -3.4 if system == "open" else None, 1.0)]
    ref = _phreeqc_kinetic_ca(cases, system, water=" Ca 3\n C(4) 6\n")
    t = np.repeat([c[0] for c in cases], TAUS.size)
    av = np.repeat([c[2] for c in cases], TAUS.size)
    tau = np.tile(TAUS, len(cases))
    p = 10.0 ** -3.4 if system == "open" else None
    nat = dissolve_kinetic(t, tau, av, pco2_atm=p, system=system, water=water)
    got = nat["ca_mmol_kgw"].to_numpy().reshape(len(cases), TAUS.size)
    dev = np.abs(got / ref - 1.0)
    assert dev.max() < RTOL_CA, f"{system} precipitation: max rel. deviation {dev.max():.2e}"
    k1, _, _ = pwp_rate_constants(t)
    assert np.all(nat["dissolved_mmol_kgw"] < 0) and np.all(nat["rate_mmol_cm2_s"] <= 1e-15 * k1)
    assert np.all(np.diff(got, axis=1) <= 1e-12)  # Ca falls with time


def test_dissolution_grows_monotonically_to_equilibrium():
    tau = np.concatenate([[0.0], np.geomspace(1.0, 1e8, 60)])
    for system in ("closed", "open"):
        k = dissolve_kinetic(12.0, tau, 0.3, pco2_atm=10**-1.8, system=system)
        eq = chemistry.equilibrate(12.0, 10**-1.8, system=system)
        xi = k["dissolved_mmol_kgw"].to_numpy()
        assert xi[0] == 0.0
        xi_eq = eq["dissolved_mmol_kgw"].iloc[0]
        before = xi[:-1] < (1 - 1e-9) * xi_eq
        assert before.sum() > 30
        assert np.all(np.diff(xi)[before] > 0) and np.all(np.diff(xi) >= 0), system
        rate = k["rate_mmol_cm2_s"].to_numpy()
        assert np.all(np.diff(rate)[before] < 0)  # the rate falls as the water saturates
        assert xi[-1] == pytest.approx(xi_eq, rel=1e-6)
        assert k["equilibrium_dissolved_mmol_kgw"].iloc[0] == pytest.approx(eq["dissolved_mmol_kgw"].iloc[0],
                                                                              rel=1e-9)
        assert abs(k["si_calcite"].iloc[-1]) < 1e-5
        # at the start, d xi/dt = r0 A/V (mmol cm-2 s-1 x cm-1 = mol/L/s ~ 1000 mmol/kgw/s): after 1 ms
        # (observed 9e-6 relative; the rate itself falls by 0.6 % in the first second)
        r0 = k["rate_mmol_cm2_s"].iloc[0]
        xi_1ms = dissolve_kinetic(12.0, 1e-3, 0.3, pco2_atm=10**-1.8, system=system)["dissolved_mmol_kgw"].iloc[0]
        assert xi_1ms == pytest.approx(r0 * 0.3 * 1000.0 * 1e-3, rel=1e-4)


def test_surface_to_volume_geometry():
    """Dreybrodt (1988): fracture aperture d -> A/V = 2/d; conduit radius r -> 2/r (cm-1)."""
    assert surface_to_volume_fracture(1.0) == pytest.approx(20.0)  # 1 mm = 0.1 cm
    assert surface_to_volume_conduit(50.0) == pytest.approx(0.4)  # 5 cm radius


def test_dissolve_kinetic_bad_input():
    with pytest.raises(chemistry.InputError):
        dissolve_kinetic(10.0, -1.0, 0.2, pco2_atm=1e-2)
    with pytest.raises(chemistry.InputError):
        dissolve_kinetic(10.0, 100.0, -0.2, pco2_atm=1e-2)
    with pytest.raises(chemistry.InputError):
        dissolve_kinetic(10.0, 100.0, 0.2, pco2_atm=1e-2, system="mixed")
    with pytest.raises(chemistry.InputError):
        dissolve_kinetic(10.0, 100.0, 0.2, system="open")
