"""chemistry.phreeqc: loading databases into IPhreeqc (errors that IPhreeqc itself does not raise), running decks,
reading the selected output, and per-row error isolation in the PHREEQC speciation backend."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chemistry
from chemistry import database, phreeqc


def _pinned_text() -> str:
    return database.database_path("phreeqc.dat").read_text()


def test_garbage_solution_species_line_raises_naming_the_path(tmp_path):
    text = _pinned_text()
    assert text.count("CO3-2 + H+ = HCO3-") == 1
    path = tmp_path / "garbage_species.dat"
    path.write_text(text.replace("CO3-2 + H+ = HCO3-", "CO3-2 + H+ = = HCO3- garbage@@"))
    with pytest.raises(phreeqc.PhreeqcDatabaseError) as e:
        phreeqc.instance(str(path))
    msg = str(e.value)
    assert str(path) in msg
    assert "HCO3-" in msg  # PHREEQC's own message quotes the bad line


def test_database_without_water_species_raises(tmp_path):
    path = tmp_path / "no_water.dat"
    path.write_text("SOLUTION_MASTER_SPECIES\nCa Ca+2 0 Ca 40.08\nSOLUTION_SPECIES\nCa+2 = Ca+2\nEND\n")
    with pytest.raises(phreeqc.PhreeqcDatabaseError) as e:
        phreeqc.instance(str(path))
    assert str(path) in str(e.value) and "H2O" in str(e.value)


def test_database_missing_redox_species_raises(tmp_path, no_ion_pair_db):
    """IPhreeqc requires H2 and O2 species; the test database without them does not load (the native parser
    does not need them and still reads it)."""
    text = no_ion_pair_db.read_text()
    cut = tmp_path / "no_redox.dat"
    cut.write_text(text.replace("2 H+ + 2 e- = H2\n    -log_k -3.15\n", "")
                   .replace("2 H2O = O2 + 4 H+ + 4 e-\n    -log_k -86.08\n", ""))
    with pytest.raises(phreeqc.PhreeqcDatabaseError, match="H2"):
        phreeqc.instance(str(cut))
    nat = chemistry.equilibrate(25.0, 1e-2, database=str(cut))
    ref = chemistry.equilibrate(25.0, 1e-2, database=str(no_ion_pair_db))
    assert nat["ca_mmol_kgw"].iloc[0] == pytest.approx(ref["ca_mmol_kgw"].iloc[0], rel=1e-12)


def test_unknown_database_name():
    with pytest.raises(database.DatabaseError):
        phreeqc.instance("phreeqc_3.8.6_that_is_not_shipped.dat")


def test_instances_are_cached_per_database():
    a = phreeqc.instance("phreeqc.dat")
    assert phreeqc.instance("phreeqc.dat") is a
    assert phreeqc.instance("wateq4f.dat") is not a


@pytest.mark.phreeqc
def test_run_returns_selected_output_and_raises_on_errors(punch):
    out = punch(["SOLUTION 1\n temp 25\n pH 7.3\n Na 1\n Cl 1\nEND\n",
                 "SOLUTION 2\n temp 10\n pH 8.1\n Ca 1\n C(4) 2\nEND\n"], {"ph": '-LA("H+")', "tc": "TC"})
    assert list(out["ph"]) == pytest.approx([7.3, 8.1], abs=1e-12)
    assert list(out["tc"]) == [25.0, 10.0]
    with pytest.raises(phreeqc.PhreeqcRunError, match="Unobtainium"):
        phreeqc.run("SOLUTION 1\nEQUILIBRIUM_PHASES 1\n Unobtainium 0 10\nEND\n")
    # the instance still works after an error
    assert punch(["SOLUTION 1\n pH 6.5\n Na 1\n Cl 1\nEND\n"], {"ph": '-LA("H+")'})["ph"].iloc[0] == pytest.approx(6.5)


@pytest.mark.phreeqc
def test_absent_phases_are_nan_not_phreeqc_codes(no_ion_pair_db):
    """PHREEQC's SI() returns -99.99 (an element of the phase absent) or -99 (phase not in the database); the
    backend reports NaN like the native one, never those codes."""
    for db in ("phreeqc.dat", str(no_ion_pair_db)):
        nat = chemistry.equilibrate([10.0, 20.0], 1e-2, database=db)
        ref = chemistry.equilibrate([10.0, 20.0], 1e-2, database=db, backend="phreeqc")
        for col in ("si_dolomite", "si_gypsum") + (("si_aragonite",) if db != "phreeqc.dat" else ()):
            assert nat[col].isna().all() and ref[col].isna().all(), (db, col)
        assert np.allclose(ref["si_calcite"], 0.0, atol=1e-6)
    # speciation without Ca (Blowing Springs has rows like this)
    s = pd.DataFrame({"temp_c": [14.6], "ph": [7.6], "dic_mg_c_l": [23.7]})
    for backend in ("native", "phreeqc"):
        out = chemistry.speciate(s, backend=backend)
        assert out["si_calcite"].isna().all() and np.isfinite(out["log_pco2"]).all(), backend


@pytest.mark.phreeqc
def test_equilibrium_deck_runs_and_matches_equilibrate():
    """The deck written for equilibrate inputs is a valid PHREEQC input whose last row per sample is the result."""
    deck = phreeqc.equilibrium_deck(np.array([5.0, 25.0]), np.array([1e-3, 1e-1]), "dolomite", "closed")
    assert deck.count("SAVE solution 1") == 2 and deck.count("Dolomite 0 10") == 2
    raw = phreeqc.last_rows(phreeqc.run(deck), 2)
    nat = chemistry.equilibrate([5.0, 25.0], [1e-3, 1e-1], mineral="dolomite", system="closed")
    np.testing.assert_allclose(raw["tot_ca"].astype(float) * 1000, nat["ca_mmol_kgw"], rtol=1e-3)
    np.testing.assert_allclose(raw["si_dolomite"].astype(float), 0.0, atol=1e-6)


@pytest.mark.phreeqc
def test_speciate_rows_failing_in_phreeqc_are_isolated():
    """Alkalinity below the OH- contribution at pH 12.5: neither engine can speciate that row; the others are
    computed as in a clean run."""
    df = pd.DataFrame({"temp_c": [10.0, 10.0, 10.0], "ph": [7.5, 12.5, 7.2], "ca_mg_l": [40.0, 40.0, 40.0],
                       "alk_meq_l": [3.0, 0.05, 2.0]})
    good = df.iloc[[0, 2]].reset_index(drop=True)
    for backend in ("native", "phreeqc"):
        out = chemistry.speciate(df, backend=backend)
        assert out["speciation_error"].iloc[1] != "" and np.isnan(out["log_pco2"].iloc[1]), backend
        assert (out["speciation_error"].iloc[[0, 2]] == "").all()
        clean = chemistry.speciate(good, backend=backend)
        for col in ("log_pco2", "si_calcite", "dic_mmol_l"):
            np.testing.assert_allclose(out[col].iloc[[0, 2]], clean[col], rtol=1e-12)
    assert "PHREEQC" in chemistry.speciate(df, backend="phreeqc")["speciation_error"].iloc[1]



# ------------------------------------------------------------------------------------------------------------
# to_phreeqc_input: the deck a user runs in PHREEQC to check a speciation
def _run_deck(samples, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the deck names a selected-output file; keep any file out of the repository
    deck = chemistry.to_phreeqc_input(samples)
    return deck, phreeqc.run(deck).astype({"soln": int}).set_index("soln")


def _compare_deck(samples, out):
    nat = chemistry.speciate(samples)
    ok = np.flatnonzero(nat["speciation_error"] == "")
    assert list(out.index) == [int(i) + 1 for i in ok]  # one SOLUTION per speciable row, numbered row + 1
    n = nat.iloc[ok]
    dev = {"log_pco2": np.max(np.abs(n["log_pco2"].to_numpy() - out["si_CO2(g)"].to_numpy(float))),
           "si_calcite": np.nanmax(np.abs(n["si_calcite"].to_numpy() - out["si_Calcite"].to_numpy(float))),
           "hco3": np.max(np.abs(n["hco3_mmol_l"].to_numpy() / 1000.0 / out["m_HCO3-(mol/kgw)"].to_numpy(float) - 1)),
           "ph": np.max(np.abs(n["ph"].to_numpy() - out["pH"].to_numpy(float)))}
    assert dev["log_pco2"] < 0.005 and dev["si_calcite"] < 0.01 and dev["hco3"] < 5e-3 and dev["ph"] < 1e-9, dev
    return n, dev


@pytest.mark.phreeqc
def test_to_phreeqc_input_buffalo_river(buffalo_river, monkeypatch, tmp_path):
    """Alkalinity in mg/L CaCO3 and all major ions in mg/L (PHREEQC converts the units itself)."""
    deck, out = _run_deck(buffalo_river, monkeypatch, tmp_path)
    assert deck.count("\nSOLUTION ") == 78 and "Alkalinity 100 as CaCO3" in deck
    n, _ = _compare_deck(buffalo_river, out)
    assert np.nanmax(np.abs(n["si_dolomite"].to_numpy() - out["si_Dolomite"].to_numpy(float))) < 0.01
    assert np.max(np.abs(n["ca_mmol_l"].to_numpy() / 1000.0 / out["Ca(mol/kgw)"].to_numpy(float) - 1)) < 5e-3


@pytest.mark.phreeqc
def test_to_phreeqc_input_blowing_springs(blowing_springs, monkeypatch, tmp_path):
    """DIC in mg C/L; the 14 rows that cannot be speciated are comments with the reason."""
    deck, out = _run_deck(blowing_springs, monkeypatch, tmp_path)
    assert deck.count("\nSOLUTION ") == 58
    skipped = [ln for ln in deck.splitlines() if "skipped" in ln]
    assert len(skipped) == 14 and sum("temp_c" in ln for ln in skipped) == 11
    _compare_deck(blowing_springs, out)


@pytest.mark.phreeqc
def test_to_phreeqc_input_hco3_and_meq_inputs(monkeypatch, tmp_path):
    df = pd.DataFrame({"temp_c": [8.0, 16.0, 24.0, 12.0], "ph": [7.0, 7.6, 8.2, 7.4],
                       "ca_mg_l": [90.0, 60.0, 35.0, 50.0], "mg_mg_l": [5.0, 15.0, 3.0, 8.0],
                       "so4_mg_l": [20.0, 40.0, 5.0, 10.0], "cl_mg_l": [6.0, 10.0, 3.0, 4.0],
                       "hco3_mg_l": [300.0, 250.0, np.nan, np.nan], "alk_meq_l": [np.nan, np.nan, 2.0, 3.5]})
    deck, out = _run_deck(df, monkeypatch, tmp_path)
    assert deck.count("meq/l") == 2 and deck.count("from hco3_mg_l") == 2
    n, _ = _compare_deck(df, out)
    # the free HCO3- given is met by PHREEQC with the DIC the native speciation found
    got = out["m_HCO3-(mol/kgw)"].to_numpy(float)[:2] * 1000.0
    np.testing.assert_allclose(got, df["hco3_mg_l"].to_numpy()[:2] / 61.0191, rtol=5e-3)
