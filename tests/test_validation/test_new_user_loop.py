"""The README's own-data loop (validation/new_user_loop.py): the README shows exactly the commands the script runs,
and its first step reads the CAMELS-GB file as downloaded into the same drivers and discharge as the bundled
coln_bibury files."""
import importlib.util
import re
import shlex
import subprocess
import sys

import pandas as pd
import pytest

from karstmodel.config.catchment import load_catchment
from karstmodel.io.drivers import load_drivers
from karstmodel.workflows.calibration import load_station_observations
from repo_paths import REPO

spec = importlib.util.spec_from_file_location("new_user_loop", REPO / "validation" / "new_user_loop.py")
loop = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loop)


def _readme_commands() -> list:
    text = (REPO / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    return [" ".join(shlex.split(line.split("#")[0])) for line in text.splitlines() if line.startswith("karstmodel ")]


@pytest.mark.parametrize("i", range(len(loop.COMMANDS)))
def test_readme_shows_the_loop_the_script_times(i):
    cmd = " ".join(shlex.split(loop.COMMANDS[i].format(minutes=3)))
    assert cmd in _readme_commands()


def test_init_reads_the_file_as_downloaded(tmp_path):
    """init on the CAMELS-GB file: no flags for the columns, the same numbers as the bundled drivers.csv and
    observations.csv, and a split-sample period."""
    (tmp_path / loop.USER_FILE).write_bytes(loop.SOURCE.read_bytes())
    argv = shlex.split(loop.COMMANDS[0])
    r = subprocess.run([sys.executable, "-m", "karstmodel"] + argv[1:], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert re.search(r"P_mm_d.*precip_mm", r.stdout + r.stderr)
    c = load_catchment(tmp_path / "coln" / "catchment.toml")
    bundled = load_catchment(REPO / "catchments" / "coln_bibury" / "catchment.toml")
    a = load_drivers(c.drivers, c.latitude).data
    b = load_drivers(bundled.drivers, bundled.latitude).data
    pd.testing.assert_frame_equal(a[["precip_mm", "temp_c", "pet_mm"]], b[["precip_mm", "temp_c", "pet_mm"]])
    qa = load_station_observations(c, a.index)["q_obs_mm"].to_numpy()
    qb = load_station_observations(bundled, b.index)["q_obs_mm"].to_numpy()
    assert (qa == qb).all()
    assert c.calibration["calibration_period"] == "2000-01-01:2005-05-25"
    assert c.calibration["validation_period"] == "2005-05-26:2008-12-31"
