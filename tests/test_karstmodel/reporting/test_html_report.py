"""The self-contained HTML report (karstmodel.reporting.html) and the figure fixes of issue 16 item 4.

The report is opened in a real headless browser (Debian's Chromium): every embedded figure must decode
(``naturalWidth > 0``) and the page must fetch nothing. Without /usr/bin/chromium the browser tests skip locally;
``KARSTMODEL_REQUIRE_BROWSER=1`` (set by .ci/run) turns the skip into a failure.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from karst_helpers import base_doc, synthetic_drivers, write_catchment
from karstmodel.config.catchment import load_catchment
from karstmodel.model.simulate import simulate
from karstmodel.reporting import html, html_sections, outputs, plots, plots_surface
from repo_paths import REPO

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (.ci/run installs it)


def _chromium() -> str:
    exe = str(CHROMIUM) if CHROMIUM.is_file() else shutil.which("chromium")
    if exe is None:
        if os.environ.get("KARSTMODEL_REQUIRE_BROWSER") == "1":
            pytest.fail("KARSTMODEL_REQUIRE_BROWSER=1 but Chromium is missing (apt-get install -y chromium)")
        pytest.skip("Chromium not installed (/usr/bin/chromium); CI installs it")
    return exe


def test_a_missing_browser_fails_where_it_is_required(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("KARSTMODEL_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        _chromium()
    monkeypatch.delenv("KARSTMODEL_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception):
        _chromium()


def _browser_body(report: Path, tmp_path: Path) -> dict:
    """The ``<body>`` data attributes of ``report`` after the browser loaded it (``--dump-dom``)."""
    r = subprocess.run([_chromium(), *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}",
                        "--dump-dom", report.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-800:]
    body = re.search(r"<body([^>]*)>", r.stdout)
    assert body is not None, r.stdout[:500]
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))


def _png(path: Path, color: str) -> Path:
    plt = plots._plt()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 3, 2], color=color)
    plots._save(fig, path)
    return path


def _no_external_reference(text: str) -> None:
    # every src/href is embedded data or an in-page anchor; no url() in the style sheet
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', text)
    assert refs and all(r.startswith(("data:image/png;base64,", "#")) for r in refs), refs[:5]
    assert "url(" not in text and "@import" not in text


def test_report_renders_every_figure_offline_in_a_browser(tmp_path):
    figs = {"a": _png(tmp_path / "a.png", "tab:red"), "b": _png(tmp_path / "b.png", "tab:blue")}
    prov = html.provenance([("drivers", figs["a"])], argv=["/x/bin/karstmodel", "run", "my site"])
    sections = [html.Section("Numbers", ("a <b> & c",), (html.Table(("quantity", "value"), (("sink", "1.5"),)),)),
                html_sections.figures_section(figs)]
    out = html.write_report_html(tmp_path / "report.html", "Run of x", sections, prov)
    text = out.read_text(encoding="ascii")
    _no_external_reference(text)
    assert "a &lt;b&gt; &amp; c" in text and "karstmodel run &#x27;my site&#x27;" in text
    body = _browser_body(out, tmp_path)
    assert body["images-total"] == "2"
    assert body["images-rendered"] == "2"
    assert body["resources-fetched"] == "0"
    assert body["requests-blocked"] == "0"


def test_content_security_policy_blocks_an_external_image(tmp_path):
    """The report's policy stops a request that an edit might add: the browser blocks it and the image does not
    render (the counters the first test relies on can fail)."""
    prov = html.provenance([])
    text = html.render("x", [html.Section("s", figures=(("a", _png(tmp_path / "a.png", "k")),))], prov)
    text = text.replace("</body>", '<img src="https://example.invalid/x.png"></body>')
    (tmp_path / "r.html").write_text(text, encoding="utf-8")
    body = _browser_body(tmp_path / "r.html", tmp_path)
    assert (body["images-total"], body["images-rendered"]) == ("2", "1")
    assert int(body["requests-blocked"]) >= 1


def test_provenance_hashes_files_and_names_the_pinned_database(tmp_path):
    f = tmp_path / "abc.csv"
    f.write_bytes(b"abc")
    rec = html.file_record("drivers", f)
    # SHA-256 of "abc": FIPS 180-2, appendix B.1
    assert rec["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert rec["bytes"] == 3
    assert html.file_record("x", tmp_path / "missing.csv")["sha256"] is None
    db = html.database_record("phreeqc.dat")
    assert db["sha256"] == "3e819f36a78a134b9e53557e9fd9e640d3616b84282cf7095c60337c49c6357b"
    assert "v3.7.3" in db["provenance"] and "matches this file" in db["provenance"]
    assert "Parkhurst" in db["provenance"]
    assert html.command_line(["/venv/bin/karstmodel", "validate", "a b"]) == "karstmodel validate 'a b'"
    if (REPO / ".git").exists() and shutil.which("git"):  # run from a checkout: its commit, as git names it
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        assert html.provenance([])["git_commit"].split()[0] == head.strip()


@pytest.fixture(scope="module")
def sampled_site(tmp_path_factory):
    """A 3-year synthetic catchment with observed discharge every day and chemistry samples every 30 days."""
    d = tmp_path_factory.mktemp("html_site")
    drivers = synthetic_drivers(days=3 * 365, seed=5)
    doc = base_doc(observations={"file": "observations.csv", "discharge": "spring"})
    dates = pd.to_datetime(drivers["date"])
    obs = pd.DataFrame({"date": drivers["date"], "q_mm_d": 1.0 + np.sin(np.arange(len(dates)) / 30.0) ** 2})
    sample = np.arange(len(dates)) % 30 == 0
    for col, v in (("temp_c", 9.0), ("ph", 7.3), ("alk_meq_l", 4.5), ("ca_mg_l", 80.0)):
        obs[col] = np.where(sample, v, np.nan)
    path = write_catchment(d, doc, drivers, obs)
    c = load_catchment(path)
    return {"catchment": c, "result": simulate(c), "samples": int(sample.sum())}


@pytest.mark.slow  # draws a run's four figures and opens the report in Chromium (~5 s; ~15 s on 2 loaded cores)
def test_run_writes_a_report_with_every_figure(sampled_site, tmp_path):
    res = sampled_site["result"]
    paths = outputs.write_run(res, tmp_path / "run")
    report = paths["report"]
    assert report.name == "report.html"
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["outputs"]["report"] == "report.html"
    pngs = sorted(p.name for p in paths.values() if p.suffix == ".png")
    text = report.read_text(encoding="ascii")
    _no_external_reference(text)
    assert text.count("data:image/png;base64,") == len(pngs) == 4
    c = sampled_site["catchment"]
    drivers_sha = hashlib.sha256(Path(c.drivers.file).read_bytes()).hexdigest()
    assert drivers_sha in text and str(Path(c.source).resolve()) in text
    assert f"{summary['carbon_sink_tc_km2_yr']:.2f}" in text
    body = _browser_body(report, tmp_path)
    assert body["images-rendered"] == body["images-total"] == str(len(pngs))
    assert body["resources-fetched"] == "0" and body["requests-blocked"] == "0"


def _capture(monkeypatch, module=plots):
    figs = []
    monkeypatch.setattr(module, "_save", lambda fig, path: figs.append(fig))
    return figs


def test_chemograph_draws_the_samples_in_the_model_units(sampled_site, monkeypatch):
    res = sampled_site["result"]
    samples = outputs.chemistry_samples(sampled_site["catchment"], res.timeseries.index)
    # Ca 80 mg/L is 80 / 40.078 mmol/L (IUPAC atomic weight of Ca): the same unit as the model's Ca line
    ca = samples["ca_mmol_l"].dropna().to_numpy()
    assert ca.size == sampled_site["samples"]
    np.testing.assert_allclose(ca, 80.0 / 40.078, rtol=1e-12)
    figs = _capture(monkeypatch)
    plots.chemograph(res.timeseries, "t", None, samples=samples)
    ax = figs[0].axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    model_ca = lines["Ca (mmol/L)"]
    points = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() ==
              model_ca.get_color()]
    assert len(points) == 1 and len(points[0].get_ydata()) == sampled_site["samples"]
    np.testing.assert_allclose(points[0].get_ydata(), 80.0 / 40.078)
    # the model's Ca is of the same order (mmol/L, not mg/L): within a factor of 5 of the samples
    assert 0.2 < np.nanmedian(model_ca.get_ydata()) / (80.0 / 40.078) < 5.0
    ph_points = [ln for ln in figs[0].axes[1].get_lines() if ln.get_marker() == "o"]
    np.testing.assert_allclose(ph_points[0].get_ydata(), 7.3)


def _inside(inner, outer, tol=0.5) -> bool:
    return (inner.x0 >= outer.x0 - tol and inner.x1 <= outer.x1 + tol and inner.y0 >= outer.y0 - tol
            and inner.y1 <= outer.y1 + tol)


def test_hydrograph_in_mm_per_day_with_the_legend_off_the_data(sampled_site, monkeypatch):
    res = sampled_site["result"]
    figs = _capture(monkeypatch)
    plots.hydrograph(res.timeseries, "t", None, "spring", area_km2=10.0)
    fig = figs[0]
    ax = fig.axes[1]
    assert ax.get_ylabel() == "discharge (mm/d)"
    sim = [ln for ln in ax.get_lines() if ln.get_label().startswith("simulated")][0]
    np.testing.assert_allclose(sim.get_ydata(), res.timeseries["spring_mm"].to_numpy())
    right = [a for a in ax.child_axes if "m3/s" in a.get_ylabel()]
    assert len(right) == 1
    fig.canvas.draw()
    # right axis: 1 mm/d over 10 km2 is 10e6 m2 x 1e-3 m / 86400 s = 0.11574 m3/s
    np.testing.assert_allclose(right[0].get_ylim(), np.array(ax.get_ylim()) * 1e4 / 86400.0, rtol=1e-9)
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # to the right of the data area


def test_glue_histograms_use_log_bins_for_log_searched_parameters(monkeypatch):
    rng = np.random.default_rng(1)
    n = 400
    samples = pd.DataFrame({"k": 10.0 ** rng.uniform(-3, 0, n), "f": rng.uniform(0, 1, n)})
    samples["behavioural"] = samples["k"] > 0.01
    samples["weight"] = np.where(samples["behavioural"], 1.0 / samples["behavioural"].sum(), 0.0)
    figs = _capture(monkeypatch)
    plots.parameter_posteriors(samples, ["k", "f"], "t", None, log_names={"k"})
    ax_k, ax_f = figs[0].axes[:2]
    assert (ax_k.get_xscale(), ax_f.get_xscale()) == ("log", "linear")
    bars = ax_k.patches[:30]  # the behavioural bars; the prior is one step outline
    edges = np.array([p.get_x() for p in bars])
    ratio = edges[1:] / edges[:-1]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)  # geometric bins
    # the behavioural sets (k > 0.01: the upper two decades) fill only the bins above 0.01, and sum to 1
    beh = np.array([p.get_height() for p in bars])
    assert beh.sum() == pytest.approx(1.0) and beh[edges < 0.009].sum() == 0.0
    # a uniform prior in log10 space fills the 30 log bins evenly (1/30 of the sets each), none holds > 10 %
    step = ax_k.patches[30].get_xy()  # the outline's vertices: (edge, height) pairs
    shares = step[1:-1:2, 1][:30]
    assert shares.sum() == pytest.approx(1.0) and 0 < shares.min() and shares.max() < 0.1


def test_scorecard_text_fits_its_cells(monkeypatch):
    rows = [["indicator", "baseline", "scenario", "change", "interval of the change (5-95 % of 40 members)"],
            ["sink (t C km-2 yr-1)", "25.06", "27.91", "+2.852 (increase, larger than the ensemble spread)",
             "[+1.902, +3.554]"],
            ["Zeng index I; exact (1+a)(1-b)", "", "", "1.12; 1.1139", "P(sink increases) = 1.00"]]
    figs = _capture(monkeypatch)
    plots.scorecard(rows, "kerschbaum: grassland to forest", None)
    fig = figs[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    table = fig.axes[0].tables[0]
    for cell in table.get_celld().values():
        assert _inside(cell.get_text().get_window_extent(renderer), cell.get_window_extent(renderer))


def test_diel_axis_shows_the_year():
    plt = plots._plt()
    fig, ax = plt.subplots()
    t = pd.date_range("2016-07-26", periods=73, freq="h")
    ax.plot(t, np.arange(t.size))
    plots_surface._dated_axis(ax)
    fig.canvas.draw()
    labels = [lab.get_text() for lab in ax.get_xticklabels()] + [ax.xaxis.get_offset_text().get_text()]
    assert any("2016" in s for s in labels), labels
    plt.close(fig)


def test_calibration_report_tables_carry_the_summary_numbers():
    """The calibration report's tables show the summary's own numbers: metrics per period, the best-fit parameters
    with their search ranges and transforms, the GLUE interval and the identifiability verdicts."""
    m = {"n": 730, "kge": 0.8123, "kge_prime": 0.8, "nse": 0.7, "log_nse": 0.6, "pbias": -4.25, "rmse": 0.21}
    s = {"metrics": {"calibration": {"q": m}, "validation": {"q": {**m, "kge": 0.7456}}},
         "metrics_periods": {"calibration": ["2002-01-01", "2009-12-31"], "validation": ["2010-01-01", None]},
         "calibration": {"optimiser": "scipy.optimize.differential_evolution", "objective": "kge", "evaluations": 321,
                         "seconds": 12.0, "seed": 1, "parameters": {"reservoirs.matrix_k_per_d": 0.0123456},
                         "bounds": {"reservoirs.matrix_k_per_d": [0.001, 0.2, "log"]}},
         "uncertainty": {"method": "GLUE", "n_behavioural": 40, "n_samples": 400, "threshold_used": 0.5,
                         "carbon_sink_tc_km2_yr": {"median": 25.06, "p05": 21.02, "p95": 27.55},
                         "identifiability": {"rule": "r", "correlated_pairs": [["a", "b", -0.81]],
                                             "parameters": {"reservoirs.matrix_k_per_d": {
                                                 "range_share": 0.31, "identified": True, "at_bound": "lower"}}}}}
    sections = [html_sections.metrics_section(s), html_sections.calibration_section(s["calibration"]),
                html_sections.uncertainty_section(s["uncertainty"])]
    rows = {t.caption or s_.title: t.rows for s_ in sections for t in s_.tables}
    assert rows["Metrics"][0][:4] == ("calibration", "q", "730", "0.812") and rows["Metrics"][1][3] == "0.746"
    assert rows["calibrated parameters"] == (("reservoirs.matrix_k_per_d", "0.012346", "0.001", "0.2", "log"),)
    assert rows["identifiability"] == (("reservoirs.matrix_k_per_d", "0.31", "yes", "lower"),)
    assert rows["correlated pairs"] == (("a", "b", "-0.81"),)
    assert "21.02 .. 27.55" in sections[2].paragraphs[0] and "validation 2010-01-01 .. end" in sections[0].paragraphs[1]
    text = html.render("t", sections, html.provenance([]))
    assert "<td class=\"num\">0.812</td>" in text and "<td>lower</td>" in text
    # a GLUE threshold that did not discriminate is said under the rule; no note, no paragraph
    u = {**s["uncertainty"], "identifiability": {**s["uncertainty"]["identifiability"], "note": "the threshold"}}
    assert html_sections.uncertainty_section(u).paragraphs[2] == "Note: the threshold."
    assert len(sections[2].paragraphs) == 2


def test_mcmc_uncertainty_section_reports_chain_and_coverage(monkeypatch):
    u = {"method": "Bayesian", "n_walkers": 32, "n_steps": 1500, "burn_in": 500, "acceptance_fraction": 0.31,
         "converged": False, "coverage_90": {"validation": 0.874}, "n_behavioural": 32000,
         "carbon_sink_tc_km2_yr": {"median": 25.1, "p05": 24.0, "p95": 26.2},
         "identifiability": {"rule": "r", "correlated_pairs": [], "parameters": {}}}
    sec = html_sections.uncertainty_section(u)
    assert sec.title.startswith("Uncertainty (MCMC)")
    assert "32 walkers x 1500 steps (first 500 discarded)" in sec.paragraphs[0]
    assert "NOT converged" in sec.paragraphs[0] and "validation 87 %" in sec.paragraphs[0]
    assert "24.00 .. 26.20" in sec.paragraphs[0]
    # MCMC draws stacked on a prior sample (``prior`` column): the prior outline counts only the prior rows
    rng = np.random.default_rng(2)
    prior = pd.DataFrame({"k": 10.0 ** rng.uniform(-3, 0, 300), "weight": 0.0, "behavioural": False, "prior": True})
    post = pd.DataFrame({"k": 10.0 ** rng.normal(-1, 0.1, 100), "weight": 0.01, "behavioural": True, "prior": False})
    figs = _capture(monkeypatch)
    plots.parameter_posteriors(pd.concat([prior, post], ignore_index=True), ["k"], "t", None,
                               posterior_label="posterior (MCMC)", log_names={"k"})
    ax = figs[0].axes[0]
    edges = np.array([p.get_x() for p in ax.patches[:30]])
    assert edges[0] == pytest.approx(prior["k"].min())  # bins span the prior, not the draws
    assert ax.get_xscale() == "log"
