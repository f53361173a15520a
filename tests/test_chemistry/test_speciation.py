"""chemistry.speciate on real station data: native vs PHREEQC (pinned database), vs the authors' published
speciation (Blowing Springs) and the USGS-computed CO2 (Buffalo River); round trips and bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import InputError

#: issue tolerances for native vs PHREEQC on the same inputs
RTOL_HCO3 = 5e-3
ATOL_SI = 0.01
ATOL_LOG_PCO2 = 0.005
#: g/mol of HCO3- from the database's element weights (phreeqc.dat: H 1.008, C 12.0111, O 16.0)
HCO3_GFW = 1.008 + 12.0111 + 3 * 16.0


def _both(samples):
    return chemistry.speciate(samples), chemistry.speciate(samples, backend="phreeqc")


@pytest.fixture(scope="module")
def bs_result(blowing_springs):
    return _both(blowing_springs)


@pytest.fixture(scope="module")
def buffalo_result(buffalo_river):
    return _both(buffalo_river)


def _check_native_vs_phreeqc(nat, ref, si_columns):
    ok = nat["speciation_error"] == ""
    assert (ok == (ref["speciation_error"] == "")).all(), "the backends reject different rows"
    n, r = nat[ok], ref[ok]
    for col in ("hco3_mmol_l", "dic_mmol_l", "co3_mmol_l", "co2aq_mmol_l", "ionic_strength"):
        d = np.max(np.abs(n[col] / r[col] - 1.0))
        assert d < RTOL_HCO3, f"{col}: max rel. deviation {d:.2e}"
    for col in si_columns:
        assert (n[col].isna() == r[col].isna()).all(), f"{col}: NaN pattern differs"
        d = np.nanmax(np.abs(n[col] - r[col]))
        assert d < ATOL_SI, f"{col}: max |dSI| {d:.2e}"
    d = np.max(np.abs(n["log_pco2"] - r["log_pco2"]))
    assert d < ATOL_LOG_PCO2, f"log_pco2: max deviation {d:.2e}"
    assert np.max(np.abs(n["charge_balance_pct"] - r["charge_balance_pct"])) < 0.01
    return int(ok.sum())


# ------------------------------------------------------------------------------------------------------------
# 2. real waters, native vs PHREEQC
@pytest.mark.phreeqc
def test_blowing_springs_native_vs_phreeqc(bs_result):
    nat, ref = bs_result
    assert _check_native_vs_phreeqc(nat, ref, ["si_calcite", "si_aragonite"]) == 58
    # Mg and SO4 are not measured there: no dolomite or gypsum SI from either backend
    assert nat["si_dolomite"].isna().all() and ref["si_dolomite"].isna().all()
    assert nat["si_gypsum"].isna().all() and ref["si_gypsum"].isna().all()


@pytest.mark.phreeqc
def test_buffalo_river_native_vs_phreeqc(buffalo_result):
    nat, ref = buffalo_result
    assert _check_native_vs_phreeqc(nat, ref, ["si_calcite", "si_dolomite", "si_gypsum"]) == 78
    assert (nat["carbon_input"] == "alk_mg_l_caco3").all()


def test_blowing_springs_rows_with_errors(blowing_springs, bs_result):
    """Rows without temperature (11) or DIC (3 more) keep NaN outputs and a reason; 58 rows are speciated."""
    df = blowing_springs
    nat, ref = bs_result
    speciable = df["temp_c"].notna() & df["ph"].notna() & df["dic_mg_c_l"].notna()
    assert int(speciable.sum()) == 58
    for out in (nat, ref):
        assert ((out["speciation_error"] == "") == speciable).all()
        assert out.loc[speciable, "log_pco2"].notna().all()
        assert out.loc[~speciable, ["log_pco2", "hco3_mmol_l", "si_calcite", "ionic_strength"]].isna().all().all()
        no_temp = df["temp_c"].isna()
        assert int(no_temp.sum()) == 11
        assert out.loc[no_temp, "speciation_error"].str.contains("temp_c").all()
        no_dic = df["temp_c"].notna() & df["dic_mg_c_l"].isna()
        assert int(no_dic.sum()) == 3
        assert out.loc[no_dic, "speciation_error"].str.contains("dic_mg_c_l").all()
    # input columns pass through unchanged (including pH and the authors' columns)
    pd.testing.assert_frame_equal(nat[df.columns], df)
    # rows without Ca: speciated (pCO2, HCO3), but no calcite SI, and a warning
    no_ca = speciable & df["ca_mg_l"].isna()
    assert int(no_ca.sum()) == 3
    assert nat.loc[no_ca, "si_calcite"].isna().all() and ref.loc[no_ca, "si_calcite"].isna().all()
    assert nat.loc[no_ca, "speciation_warning"].str.contains("ca_mg_l").all()


def test_blowing_springs_vs_authors(blowing_springs, bs_result):
    """The authors' HCO3- and SI calcite (Knierim et al.; tests/data/PROVENANCE.md) come from an ideal-solution
    speciation of DIC with PB1982 K1, K2 (reproduced to 0.4 % median there). The native model has activity
    corrections (I ~ 0.004, log g(HCO3-) ~ -0.03): observed median |dHCO3| 1.2 %, max 2.6 % (54 rows);
    median |dSI| 0.030, max 0.080, mean +0.018. Tolerances: median 2 %, max 4 %; SI median 0.05, max 0.12."""
    nat, _ = bs_result
    df = blowing_springs
    has = (nat["speciation_error"] == "") & df["author_hco3_mol_l"].notna()
    assert int(has.sum()) == 54
    d = (nat.loc[has, "hco3_mmol_l"] / 1000.0 / df.loc[has, "author_hco3_mol_l"] - 1.0).abs()
    assert d.median() < 0.02 and d.max() < 0.04, (d.median(), d.max())
    has_si = has & df["author_si_calcite"].notna() & nat["si_calcite"].notna()
    dsi = (nat.loc[has_si, "si_calcite"] - df.loc[has_si, "author_si_calcite"]).abs()
    assert int(has_si.sum()) >= 50
    assert dsi.median() < 0.05 and dsi.max() < 0.12, (dsi.median(), dsi.max())


def test_blowing_springs_estimated_ph_rows_vs_authors(blowing_springs):
    """On the rows where only the authors' estimated pH and temperature exist (ph_est, temp_est), those
    estimates reproduce the authors' HCO3- as well (observed max 2.3 %)."""
    df = blowing_springs
    est = df["ph"].isna() & df["ph_est"].notna() & df["author_hco3_mol_l"].notna() & df["dic_mg_c_l"].notna()
    assert int(est.sum()) == 8
    sub = df.loc[est, ["temp_est", "ph_est", "dic_mg_c_l", "ca_mg_l", "author_hco3_mol_l"]].rename(
        columns={"temp_est": "temp_c", "ph_est": "ph"})
    out = chemistry.speciate(sub)
    assert (out["speciation_error"] == "").all()
    d = (out["hco3_mmol_l"] / 1000.0 / sub["author_hco3_mol_l"] - 1.0).abs()
    assert d.max() < 0.04, d.max()


def test_buffalo_river_vs_usgs_co2(buffalo_river, buffalo_result):
    """USGS computed CO2 (pcode 00405) from pH and alkalinity, reported to 0.1 mg/L (2 significant figures) with
    pH to 0.1 unit (+-12 % in CO2 from pH rounding alone). Observed: median |dCO2| 14 %, median bias +8 %,
    worst rows -22 % and +51 % (0.9 vs 0.6 mg/L). Loose tolerance: median |d| < 25 %, |bias| < 15 %, every row
    within a factor 1.7."""
    nat, _ = buffalo_result
    ratio = nat["co2_mg_l"] / buffalo_river["usgs_co2_mg_l"]
    assert ratio.notna().sum() == 78
    assert (ratio - 1).abs().median() < 0.25
    assert abs(ratio.median() - 1) < 0.15
    assert ratio.between(1 / 1.7, 1.7).all(), ratio.describe()
    # co2_mg_l is CO2(aq) + 2 (CO2)2 as mg CO2/L; CO2 44.0111 g/mol from the phreeqc.dat weights (C 12.0111, O 16.0)
    expect = (nat["co2aq_mmol_l"] + 2 * nat["co2dimer_mmol_l"]) * (12.0111 + 2 * 16.0)
    assert np.allclose(nat["co2_mg_l"], expect, rtol=1e-12)


# ------------------------------------------------------------------------------------------------------------
# the carbon inputs are consistent with each other and with equilibrate
def test_carbon_inputs_round_trip():
    """The same water given by DIC, free HCO3-, alkalinity in meq/L or in mg/L CaCO3 gives the same speciation.

    Per-litre inputs are turned into molalities with kg water per L = density - TDS; the density is set for each
    variant so that one litre holds exactly 1 kg of water (TDS = the ions plus the carbon column in mg/L; an
    alk_meq_l value is counted as HCO3- mass per meq), which makes the round trip exact."""
    ions = {"ca_mg_l": [60.0, 80.0, 45.0, 30.0], "mg_mg_l": [4.0, 12.0, 8.0, 2.0], "na_mg_l": [3.0, 5.0, 12.0, 1.0],
            "cl_mg_l": [5.0, 7.0, 15.0, 2.0], "so4_mg_l": [10.0, 20.0, 8.0, 4.0]}
    base = pd.DataFrame({"temp_c": [3.0, 12.0, 18.0, 27.0], "ph": [6.9, 7.4, 7.9, 8.3], **ions})
    ion_tds = base[list(ions)].sum(axis=1)

    def run(col, values, tds_mg_l):
        return chemistry.speciate(base.assign(**{col: values, "density_kg_l": 1.0 + (ion_tds + tds_mg_l) / 1e6}))

    dic = np.array([50.0, 60.0, 30.0, 20.0])
    a = run("dic_mg_c_l", dic, dic)
    hco3 = a["hco3_mmol_l"] * HCO3_GFW
    alk = a["alk_meq_l"]
    variants = {"hco3_mg_l": run("hco3_mg_l", hco3, hco3), "alk_meq_l": run("alk_meq_l", alk, alk * HCO3_GFW),
                "alk_mg_l_caco3": run("alk_mg_l_caco3", alk * 50.05, alk * 50.05)}
    for col, other in variants.items():
        assert list(other["carbon_input"]) == [col] * 4
        assert np.allclose(other["dic_mmol_l"], a["dic_mmol_l"], rtol=1e-9), col
        assert np.allclose(other["log_pco2"], a["log_pco2"], rtol=0, atol=1e-9), col
        assert np.allclose(other["si_calcite"], a["si_calcite"], rtol=0, atol=1e-9), col
        assert np.allclose(other["si_dolomite"], a["si_dolomite"], rtol=0, atol=1e-9), col


@pytest.mark.phreeqc
def test_hco3_and_alkalinity_inputs_native_vs_phreeqc():
    rng = np.random.default_rng(11)
    n = 40
    df = pd.DataFrame({"temp_c": rng.uniform(0, 40, n), "ph": rng.uniform(6.5, 8.6, n),
                       "ca_mg_l": rng.uniform(5, 120, n), "mg_mg_l": rng.uniform(0.5, 30, n),
                       "na_mg_l": rng.uniform(0.5, 20, n), "k_mg_l": rng.uniform(0.1, 4, n),
                       "cl_mg_l": rng.uniform(0.5, 30, n), "so4_mg_l": rng.uniform(1, 60, n),
                       "no3_mg_l": rng.uniform(0, 20, n)})
    for col, values in (("hco3_mg_l", rng.uniform(20, 400, n)), ("alk_meq_l", rng.uniform(0.3, 7, n))):
        nat, ref = _both(df.assign(**{col: values}))
        assert _check_native_vs_phreeqc(nat, ref, ["si_calcite", "si_dolomite", "si_gypsum"]) == n
        if col == "hco3_mg_l":  # the free HCO3- given is met exactly by both
            assert np.allclose(nat["hco3_mmol_l"], values / HCO3_GFW, rtol=1e-9)
            assert np.allclose(ref["hco3_mmol_l"], values / HCO3_GFW, rtol=1e-9)


def test_speciate_an_equilibrium_water_gives_si_zero():
    """An equilibrate() result written as a sample (per kg water, density set so that 1 L holds 1 kg water)
    speciates back to SI calcite 0 and the pCO2 it was equilibrated with."""
    t = np.array([1.0, 10.0, 20.0, 35.0])
    p = 10.0 ** np.array([-3.3, -2.4, -1.6, -0.8])
    eq = chemistry.equilibrate(t, p)
    ca = eq["ca_mmol_kgw"] * 40.08
    dic = eq["dic_mmol_kgw"] * 12.0111
    samples = pd.DataFrame({"temp_c": t, "ph": eq["ph"], "ca_mg_l": ca, "dic_mg_c_l": dic,
                            "density_kg_l": 1.0 + (ca + dic) / 1e6})
    out = chemistry.speciate(samples)
    assert np.max(np.abs(out["si_calcite"])) < 1e-7
    assert np.max(np.abs(out["log_pco2"] - eq["log_pco2"])) < 1e-7
    assert np.allclose(out["hco3_mmol_l"], eq["hco3_mmol_kgw"], rtol=1e-7)


# ------------------------------------------------------------------------------------------------------------
# 10. bad input
def test_missing_required_column():
    for drop in ("temp_c", "ph"):
        df = pd.DataFrame({"temp_c": [10.0], "ph": [7.2], "hco3_mg_l": [200.0]}).drop(columns=drop)
        with pytest.raises(InputError) as e:
            chemistry.speciate(df)
        assert e.value.column == drop and repr(drop) in str(e.value)


@pytest.mark.parametrize("col", ["hco3_mmol_l", "dic_mmol_l", "alkalinity_mg_l", "HCO3_mg_l", "alk_mmol_l"])
def test_unknown_carbon_column(col):
    df = pd.DataFrame({"temp_c": [10.0], "ph": [7.2], "ca_mg_l": [40.0], col: [3.0]})
    with pytest.raises(InputError) as e:
        chemistry.speciate(df)
    assert e.value.column == col and col in str(e.value)


def test_unknown_carbon_column_next_to_a_known_one():
    df = pd.DataFrame({"temp_c": [10.0], "ph": [7.2], "hco3_mg_l": [200.0], "alkalinity_mmol_l": [3.0]})
    with pytest.raises(InputError) as e:
        chemistry.speciate(df)
    assert "alkalinity_mmol_l" in str(e.value)


def test_non_numeric_value_fails_only_its_row():
    """Interface: a row that cannot be speciated gets NaN outputs and a reason; the other rows are computed (issue 15,
    item 11: one non-numeric cell used to fail the whole file)."""
    df = pd.DataFrame({"temp_c": [10.0, 12.0], "ph": ["7.2", "seven"], "hco3_mg_l": [200.0, 180.0]})
    out = chemistry.speciate(df)
    assert out["speciation_error"].iloc[1] == "ph: not a number: 'seven'"
    assert np.isnan(out["log_pco2"].iloc[1])
    ref = chemistry.speciate(pd.DataFrame({"temp_c": [10.0], "ph": [7.2], "hco3_mg_l": [200.0]}))
    assert out["log_pco2"].iloc[0] == pytest.approx(ref["log_pco2"].iloc[0], rel=1e-13)


@pytest.mark.phreeqc
def test_bad_rows_get_nan_and_reason_and_good_rows_are_unchanged():
    good = pd.DataFrame({"temp_c": [5.0, 14.0, 25.0], "ph": [7.1, 7.6, 8.1], "ca_mg_l": [70.0, 55.0, 30.0],
                         "mg_mg_l": [5.0, 9.0, 3.0], "so4_mg_l": [12.0, 20.0, 6.0], "hco3_mg_l": [220.0, 190.0, 110.0]})
    bad = pd.DataFrame({"temp_c": [10.0, 10.0, 10.0, 101.0, -1.0, np.nan, 10.0, 10.0],
                        "ph": [14.5, -0.2, np.nan, 7.0, 7.0, 7.0, 7.2, 7.2],
                        "ca_mg_l": [50.0, 50.0, 50.0, 50.0, 50.0, 50.0, -3.0, 50.0],
                        "mg_mg_l": 4.0, "so4_mg_l": 10.0,
                        "hco3_mg_l": [200.0, 200.0, 200.0, 200.0, 200.0, 200.0, 200.0, np.nan]})
    reasons = ["ph outside 0-14", "ph outside 0-14", "ph is missing", "temp_c outside", "temp_c outside",
               "temp_c is missing", "negative concentration in ca_mg_l", "no carbon value"]
    mixed = pd.concat([bad.iloc[:4], good.iloc[:1], bad.iloc[4:], good.iloc[1:]], ignore_index=True)
    is_good = np.array([False] * 4 + [True] + [False] * 4 + [True, True])
    clean = chemistry.speciate(good)
    for backend in ("native", "phreeqc"):
        out = chemistry.speciate(mixed, backend=backend)
        errs = out.loc[~is_good, "speciation_error"].tolist()
        for e, r in zip(errs, reasons):
            assert r in e, (e, r)
        assert (out.loc[is_good, "speciation_error"] == "").all()
        num = ["log_pco2", "si_calcite", "si_dolomite", "hco3_mmol_l", "dic_mmol_l", "ionic_strength",
               "charge_balance_pct", "co2_mg_l"]
        assert out.loc[~is_good, num].isna().all().all()
        ref = clean if backend == "native" else chemistry.speciate(good, backend="phreeqc")
        got = out.loc[is_good, num].reset_index(drop=True)
        np.testing.assert_allclose(got.to_numpy(float), ref[num].to_numpy(float), rtol=1e-12, atol=0)


def test_input_column_clashing_with_an_output_is_kept_as_input():
    df = pd.DataFrame({"temp_c": [12.0, 18.0], "ph": [7.3, 7.9], "ca_mg_l": [60.0, 40.0], "hco3_mg_l": [200.0, 150.0],
                       "si_calcite": [0.11, 0.22], "pco2_atm": [0.01, 0.02], "log_pco2": [-2.0, -1.7],
                       "co2_mg_l": [9.0, 3.0], "site": ["a", "b"]})
    out = chemistry.speciate(df)
    for c in ("si_calcite", "pco2_atm", "log_pco2", "co2_mg_l"):
        assert list(out[f"{c}_input"]) == list(df[c])
    assert list(out["site"]) == ["a", "b"] and list(out["ph"]) == [7.3, 7.9] and list(out["temp_c"]) == [12.0, 18.0]
    ref = chemistry.speciate(df[["temp_c", "ph", "ca_mg_l", "hco3_mg_l"]])
    for c in ("si_calcite", "pco2_atm", "log_pco2", "co2_mg_l"):
        np.testing.assert_allclose(out[c], ref[c], rtol=1e-14)
    assert not np.allclose(out["si_calcite"], df["si_calcite"])


def test_bad_backend():
    with pytest.raises(InputError, match="backend"):
        chemistry.speciate(pd.DataFrame({"temp_c": [10.0], "ph": [7.0], "hco3_mg_l": [100.0]}), backend="pitzer")


def test_carbon_column_precedence():
    """Interface: with several carbon columns the first of hco3_mg_l, alk_mg_l_caco3, alk_meq_l, dic_mg_c_l wins,
    row by row (an empty value falls through to the next); carbon_input names the one used."""
    df = pd.DataFrame({"temp_c": [10.0, 10.0, 10.0], "ph": [7.4, 7.4, 7.4], "ca_mg_l": [50.0, 50.0, 50.0],
                       "hco3_mg_l": [200.0, np.nan, np.nan], "alk_meq_l": [9.0, 3.0, np.nan],
                       "dic_mg_c_l": [80.0, 80.0, 40.0]})
    out = chemistry.speciate(df)
    assert list(out["carbon_input"]) == ["hco3_mg_l", "alk_meq_l", "dic_mg_c_l"]
    single = [chemistry.speciate(df.iloc[[0]][["temp_c", "ph", "ca_mg_l", "hco3_mg_l"]]),
              chemistry.speciate(df.iloc[[1]][["temp_c", "ph", "ca_mg_l", "alk_meq_l"]]),
              chemistry.speciate(df.iloc[[2]][["temp_c", "ph", "ca_mg_l", "dic_mg_c_l"]])]
    for i, ref in enumerate(single):
        for c in ("log_pco2", "si_calcite", "dic_mmol_l"):
            assert out[c].iloc[i] == pytest.approx(ref[c].iloc[0], rel=1e-12, abs=1e-12), (i, c)
