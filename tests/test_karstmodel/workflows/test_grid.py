"""Regional runs (karstmodel.workflows.grid): a grid cell is the single-catchment run, CF metadata, dask chunking, bad input.

The reference for "grid = single catchment" is independent of the grid code: each cell is written as an ordinary
catchment folder (catchment.toml with [land_use] fractions and the template's parameters, drivers.csv) and run with
karstmodel.model.simulate.simulate; every output must agree to 1e-12 relative.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("dask")

from karstmodel import __version__  # noqa: E402
from karstmodel.config.catchment import catchment_to_dict, load_catchment, resolve_catchment  # noqa: E402
from karstmodel.cli import main  # noqa: E402
from karstmodel.io.files import MARKER  # noqa: E402
from karstmodel.workflows.grid import (CELL_OUTPUTS, DAILY_OUTPUTS, GridInputError, annual_sums, cell_catchment,  # noqa: E402
                             demo_grid, grid_summary, prime_chemistry_kernel, simulate_grid, validate_grid,
                             write_netcdf)
from karstmodel.processes.landuse import LAND_USE_CLASSES, default_parameters  # noqa: E402
from karstmodel.model.simulate import simulate  # noqa: E402

CELLS = [0, 9, 19]  # dolomite without allogenic area; 15 % and 45 % non-carbonate, limestone-dominated
YEARS = 3
RTOL = 1e-12


@pytest.fixture(scope="module")
def template():
    return load_catchment(resolve_catchment("kerschbaum"))


@pytest.fixture(scope="module")
def small_grid():
    return demo_grid(years=YEARS).isel(cell=CELLS)


@pytest.fixture(scope="module")
def serial(small_grid, template):
    return simulate_grid(small_grid, template, chunks=None, progress=False)


def _catchment_folder(tmp, ds, i, template):
    """Cell i of ``ds`` as an ordinary catchment folder (no grid code involved)."""
    import tomli_w
    doc = catchment_to_dict(template)
    for k in ("hydrotopes", "observations", "reaches", "surface_water", "calibration", "description"):
        doc.pop(k, None)
    cell = ds.isel(cell=i)
    doc["name"] = f"cell{i}"
    doc["area_km2"] = float(cell["area_km2"])
    doc["location"] = {"latitude": float(cell["latitude"]), "longitude": float(cell["longitude"]),
                       "elevation_m": float(cell["elevation_m"])}
    doc["land_use"] = {c: float(cell[f"land_use_{c}"]) for c in LAND_USE_CLASSES
                       if f"land_use_{c}" in ds and float(cell[f"land_use_{c}"]) > 0}
    doc["lithology"] = {k: float(cell[k]) for k in ("limestone", "dolomite", "non_carbonate")}
    doc["lithology"]["allogenic_to_karst"] = template.lithology.allogenic_to_karst
    doc["drivers"] = {"file": "drivers.csv", "pet": "oudin"}
    doc["simulation"] = {"warmup_days": template.warmup_days}
    folder = tmp / f"cell{i}"
    folder.mkdir()
    pd.DataFrame({"date": pd.DatetimeIndex(ds["time"].values).strftime("%Y-%m-%d"),
                  "precip_mm": cell["precip_mm"].values, "temp_c": cell["temp_c"].values}).to_csv(
        folder / "drivers.csv", index=False, float_format="%.17g")
    (folder / "catchment.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return folder


def _close(actual, expected, name):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    assert np.array_equal(np.isnan(actual), np.isnan(expected)), name
    ok = ~np.isnan(expected)
    scale = np.max(np.abs(expected[ok])) if ok.any() else 0.0
    np.testing.assert_allclose(actual[ok], expected[ok], rtol=RTOL, atol=RTOL * scale, err_msg=name)


def test_grid_cell_equals_single_catchment_run(tmp_path, small_grid, serial, template):
    prime_chemistry_kernel()  # the same chemistry engine as inside the grid run
    for i in range(small_grid.sizes["cell"]):
        c = load_catchment(_catchment_folder(tmp_path, small_grid, i, template))
        res = simulate(c, observations=None, with_reaches=False)
        ts, s = res.timeseries, res.summary
        frac = np.array([h.fraction for h in c.hydrotopes])
        soil = np.column_stack([ts[f"soil_pco2_ppm_{h.name}"] for h in c.hydrotopes]) @ frac
        ref = {"runoff_mm": ts["spring_mm"], "outlet_runoff_mm": ts["outlet_runoff_mm"], "aet_mm": ts["aet_mm"],
               "dic_mmol_l": ts["dic_mmol_l"], "carbon_sink_tc_km2_d": ts["carbon_sink_tc_km2_d"],
               "soil_pco2_ppm": soil, "ph": ts["ph"], "si_calcite": ts["si_calcite"]}
        g = serial.isel(cell=i)
        assert set(ref) == set(DAILY_OUTPUTS)
        for k, v in ref.items():
            _close(g[k].values, v, f"cell {i} {k}")
        for k in CELL_OUTPUTS:
            exp = float(np.mean(soil)) if k == "soil_pco2_ppm_mean" else s[k]
            _close(g[k].values, exp, f"cell {i} {k}")
        years, sums, cov = annual_sums(ts["carbon_sink_tc_km2_d"].to_numpy(), ts.index)
        _close(g["carbon_sink_annual_tc_km2_yr"].values, sums, f"cell {i} annual sink")
        assert s["water_balance_error"] < 1e-9 and s["carbon_balance_error"] < 1e-9


def test_grid_outputs_are_consistent(serial):
    days = serial.sizes["time"]
    years = days / 365.25
    total = serial["carbon_sink_tc_km2_d"].sum("time").values / years
    np.testing.assert_allclose(serial["carbon_sink_tc_km2_yr"].values, total, rtol=1e-9)
    np.testing.assert_allclose(serial["carbon_sink_t_co2_yr"].values,
                               serial["carbon_sink_tc_km2_yr"].values * serial["area_km2"].values * 44.0111 / 12.0111,
                               rtol=1e-12)
    annual = (serial["carbon_sink_annual_tc_km2_yr"] * serial["year_coverage"]).sum("year").values
    np.testing.assert_allclose(annual, serial["carbon_sink_tc_km2_d"].sum("time").values, rtol=1e-12)
    assert list(serial["year"].values) == [2001, 2002, 2003]
    # the demonstration grid's gradients show: more non-carbonate area (cells 9, 19) -> smaller sink
    sink = serial["carbon_sink_tc_km2_yr"].values
    assert sink[0] > sink[1] > sink[2] > 0


def test_cf_attributes_and_netcdf_round_trip(tmp_path, serial):
    assert serial.attrs["Conventions"] == "CF-1.8"
    for key in ("title", "history", "source", "references", "institution", "comment"):
        assert serial.attrs.get(key), key
    assert __version__ in serial.attrs["source"]
    for v in serial.data_vars:
        assert "units" in serial[v].attrs and serial[v].attrs.get("long_name"), v
    for k in DAILY_OUTPUTS:
        assert serial[k].dims == ("cell", "time") and "cell_methods" in serial[k].attrs
    assert {"latitude", "longitude"} <= set(serial.coords)
    assert serial["latitude"].attrs == {"standard_name": "latitude", "long_name": "latitude of the cell",
                                        "units": "degrees_north"}
    assert serial["longitude"].attrs["units"] == "degrees_east"
    assert serial["area_km2"].attrs["standard_name"] == "cell_area"
    path = write_netcdf(serial, tmp_path / "out" / "grid.nc")
    assert sorted(p.name for p in path.parent.iterdir()) == ["grid.nc"]  # no temporary file left
    back = xr.open_dataset(path)
    try:
        assert back.attrs["Conventions"] == "CF-1.8"
        assert back["time"].encoding["units"].startswith("days since 2001-01-01")
        assert {"latitude", "longitude"} <= set(back.coords)
        for v in serial.data_vars:
            assert np.array_equal(back[v].values, serial[v].values, equal_nan=True), v
            assert back[v].attrs["units"] == serial[v].attrs["units"]
    finally:
        back.close()


def test_dask_chunked_equals_unchunked(small_grid, serial, template):
    sync = simulate_grid(small_grid, template, chunks=2, workers=1, progress=False)
    assert sync.attrs["karstmodel_scheduler"].startswith("dask synchronous")
    procs = simulate_grid(small_grid, template, chunks=1, workers=2, progress=False)
    assert procs.attrs["karstmodel_scheduler"].startswith("dask processes (spawn")
    for other in (sync, procs):
        for v in serial.data_vars:
            assert np.array_equal(other[v].values, serial[v].values, equal_nan=True), v


def test_runs_on_an_active_distributed_client(small_grid, serial, template):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None):
        out = simulate_grid(small_grid.isel(cell=[0]), template, chunks=1, progress=False)
    assert out.attrs["karstmodel_scheduler"].startswith("dask.distributed")
    for v in serial.data_vars:
        assert np.array_equal(out[v].values, serial.isel(cell=[0])[v].values, equal_nan=True), v


def test_cell_catchment_from_template(tmp_path, template, small_grid):
    norm = validate_grid(small_grid, template=template)
    cell = {v: float(norm[v].values[1]) for v in norm.data_vars if norm[v].dims == ("cell",)}
    cell["reservoirs.matrix_k_per_d"] = 0.002
    cell["land_use.forest.r10_gc_m2_d"] = 1.7
    cell["land_use.water.q10"] = 3.0  # class absent from the cell: ignored
    c = cell_catchment(template, cell, land_use_parameters={"grassland": {"q10": 2.2}})
    assert [h.land_use for h in c.hydrotopes] == ["forest", "grassland", "cropland", "bare_rock", "urban"]
    assert abs(sum(h.fraction for h in c.hydrotopes) - 1.0) < 1e-12
    h = {x.land_use: x for x in c.hydrotopes}
    d = default_parameters(template.chemistry.prior_climate)
    assert h["forest"].params.r10_gc_m2_d == 1.7 and h["grassland"].params.q10 == 2.2
    assert h["cropland"].params == d["cropland"]
    assert c.reservoirs.matrix_k_per_d == 0.002
    assert c.snow == template.snow and c.chemistry == template.chemistry
    assert c.lithology.non_carbonate == pytest.approx(0.15) and c.reaches == () and c.observations.file is None
    assert c.area_km2 == pytest.approx(float(small_grid["area_km2"][1]))
    # [land_use_parameters] of the template's file are read from it
    doc = catchment_to_dict(template, tmp_path)
    doc.pop("hydrotopes")
    doc["land_use"] = {"forest": 1.0}
    doc["land_use_parameters"] = {"forest": {"q10": 3.3}}
    import tomli_w
    (tmp_path / "catchment.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    t2 = load_catchment(tmp_path / "catchment.toml")
    c2 = cell_catchment(t2, cell)
    assert {x.land_use: x for x in c2.hydrotopes}["forest"].params.q10 == 3.3


def _bad(ds, **changes):
    ds = ds.copy(deep=True)
    for k, f in changes.items():
        f(ds)
    return ds


@pytest.mark.parametrize("change, variable, cell, words", [
    (lambda d: d.__delitem__("temp_c"), "temp_c", None, "missing required variable"),
    (lambda d: d["land_use_forest"].__setitem__(1, 0.9), "land_use_forest", "cell 9 ", "sum to"),
    (lambda d: d["dolomite"].__setitem__(2, 0.0), "limestone", "cell 19 ", "lithology fractions"),
    (lambda d: d["precip_mm"].__setitem__((40, 2), np.nan), "precip_mm", "cell 19 ", "first on 2001-02-10"),
    (lambda d: d["area_km2"].__setitem__(0, np.nan), "area_km2", "cell 0", "missing value"),
    (lambda d: d["temp_c"].attrs.__setitem__("units", "K"), "temp_c", None, "units 'K'"),
    (lambda d: d["precip_mm"].__setitem__((5, 1), -1.0), "precip_mm", "cell 9 ", "negative precipitation"),
    (lambda d: d.__setitem__("land_use_jungle", d["land_use_urban"] * 0), "land_use_jungle", None, "unknown"),
])
def test_bad_input_names_variable_and_cell(small_grid, template, change, variable, cell, words):
    with pytest.raises(GridInputError) as err:
        validate_grid(_bad(small_grid, c=change), source="in.nc", template=template)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("in.nc, ") and f"variable {variable!r}" in msg and words in msg, msg
    if cell:
        assert cell in msg, msg


def test_time_axis_must_be_daily_without_gaps(small_grid, template):
    gap = small_grid.isel(time=[i for i in range(small_grid.sizes["time"]) if i != 30])
    with pytest.raises(GridInputError, match="2001-02-01 follows 2001-01-30"):
        validate_grid(gap, template=template)


def test_cli_bad_input_exit_2_writes_nothing(tmp_path, small_grid, capsys):
    bad = small_grid.isel(time=slice(0, 60)).copy(deep=True)
    bad["temp_c"][10, 0] = np.nan
    src = write_netcdf(bad, tmp_path / "bad.nc")
    out = tmp_path / "out"
    assert main(["grid", str(src), "-o", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "variable 'temp_c'" in err[0] and "cell 0 " in err[0] and "bad.nc" in err[0]
    assert not out.exists()
    assert main(["grid", str(tmp_path / "missing.nc"), "-o", str(out)]) == 2
    assert main(["grid", "-o", str(out)]) == 2
    assert not out.exists()


def test_cli_demo_writes_netcdf_maps_and_summary(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["grid", "--demo", "--years", "1", "-o", str(out), "--workers", "1", "--quiet"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [MARKER, "demo_input.nc", "grid.nc", "map_carbon_sink.png", "map_dic.png", "map_runoff.png",
                     "map_soil_pco2.png", "summary.json"]  # MARKER: the folder's owner record (karstmodel.io.files)
    s = json.loads((out / "summary.json").read_text())
    assert s["cells"] == 20 and s["period"]["start"] == "2001-01-01" and s["period"]["end"] == "2001-12-31"
    for k in ("carbon_sink_tc_km2_yr", "carbon_sink_t_co2_yr", "runoff_mm_yr", "dic_mmol_l_flow_weighted",
              "water_balance_error", "carbon_balance_error", "chemistry_backend", "database"):
        assert s[k] is not None, k
    assert s["water_balance_error"] < 1e-9 and s["carbon_balance_error"] < 1e-9
    with xr.open_dataset(out / "grid.nc") as g:
        assert g.sizes["cell"] == 20 and g.attrs["Conventions"] == "CF-1.8"
        assert grid_summary(g.load())["carbon_sink_tc_km2_yr"] == pytest.approx(s["carbon_sink_tc_km2_yr"])
    assert "cell-years/s" in capsys.readouterr().out


def test_demo_grid_fractions_stay_valid_for_large_grids():
    """The demonstration grid's lithology gradient stays within 0..1 for any number of rows (it overshot beyond 7)."""
    from karstmodel.workflows.grid import demo_grid, validate_grid
    ds = demo_grid(rows=12, cols=3, years=1)
    validate_grid(ds)
    assert float(ds["non_carbonate"].max()) == pytest.approx(0.9)
    assert float(ds["limestone"].min()) >= 0.0 and float(ds["dolomite"].min()) >= 0.0
    small = demo_grid(rows=4, cols=5, years=1)
    assert np.allclose(small["non_carbonate"].values.reshape(4, 5)[:, 0], [0.0, 0.15, 0.30, 0.45])


def _cf_check(path, monkeypatch) -> tuple[list, list]:
    """The IOOS compliance-checker's CF-1.8 check of ``path`` (its standard-name table v93 ships with the package;
    no download: a ``standard_name_vocabulary`` attribute would make it fetch another table, so none is written and
    the download function is switched off). Returns (errors, warnings): the messages of the failed high- and
    medium-priority checks, as in its text report."""
    pytest.importorskip("compliance_checker")
    from compliance_checker.cf import util as cf_util
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    def no_download(*args, **kwargs):
        raise AssertionError("compliance-checker tried to download a standard-name table")

    monkeypatch.setattr(cf_util, "download_cf_standard_name_table", no_download)
    CheckSuite.load_all_available_checkers()
    report = path.with_suffix(".cf.json")
    ComplianceChecker.run_checker(str(path), ["cf:1.8"], 0, "normal", output_filename=str(report),
                                  output_format="json_new")
    res = json.loads(report.read_text())[str(path)]["cf:1.8"]
    msgs = {k: [f"{r['name']}: {m}" for r in res[k] for m in r["msgs"]]
            for k in ("high_priorities", "medium_priorities")}
    return msgs["high_priorities"], msgs["medium_priorities"]


def test_cf_compliance_checker_passes_output_and_demo_input(tmp_path, serial, small_grid, monkeypatch):
    """grid.nc and the demo input pass the IOOS compliance-checker's CF-1.8 check without errors (time bounds for
    every cell_methods interval, standard names with convertible units). Warnings left, each a choice: grid.nc's
    scalar ``period`` has one-dimensional bounds (CF-1.8 section 7.1 gives a boundary variable one more dimension
    than its coordinate, so one for a scalar; the checker asks for two whatever the coordinate); the demo input's
    (time, cell) dimension order (section 2.4 recommends time right of other dimensions; the order of an input's
    dimensions is free, see karstmodel.workflows.grid)."""
    out = write_netcdf(serial, tmp_path / "grid.nc")
    demo = write_netcdf(small_grid, tmp_path / "demo_input.nc")
    for ds in (serial, small_grid):
        assert "standard_name_vocabulary" not in ds.attrs
    errors, warnings = _cf_check(out, monkeypatch)
    assert errors == [], errors
    assert len(warnings) == 1 and "period_bnds" in warnings[0], warnings
    errors, warnings = _cf_check(demo, monkeypatch)
    assert errors == [], errors
    assert len(warnings) == 2 and all("recommended order" in w for w in warnings), warnings
    assert small_grid["precip_mm"].attrs["standard_name"] == "lwe_precipitation_rate"  # a rate in mm d-1
    with xr.open_dataset(out, decode_coords="all") as back:
        # day i runs from its midnight to the next; the per-cell means are over the whole record, the annual sums
        # over whole calendar years
        tb = back["time_bnds"].values
        assert (tb[:, 0] == back["time"].values).all()
        assert (tb[:, 1] - tb[:, 0] == np.timedelta64(1, "D")).all()
        assert back["carbon_sink_tc_km2_yr"].attrs["cell_methods"] == "period: mean"
        pb = pd.DatetimeIndex(back["period_bnds"].values)
        assert pb[0] == pd.Timestamp(back["time"].values[0]) and (pb[1] - pb[0]).days == back.sizes["time"]
        yb = pd.DatetimeIndex(back["year_time_bnds"].values[:, 1])
        assert list(yb.year) == [2002, 2003, 2004] and (yb.day_of_year == 1).all()
