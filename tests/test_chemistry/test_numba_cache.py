"""The compiled-kernel cache folder is keyed by the package sources (chemistry._numba_cache): any source change
starts from a cold cache, so a kernel never runs stale compiled code of a helper defined in another file."""
from __future__ import annotations

import os
import subprocess
import sys

from chemistry import _numba_cache as nc
from repo_paths import REPO


def test_key_changes_with_any_source_file(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    k0 = nc.source_key([pkg])
    assert len(k0) == 16 and k0 == nc.source_key([pkg])
    (pkg / "sub" / "b.py").write_text("y = 3\n")
    k1 = nc.source_key([pkg])
    assert k1 != k0
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    assert nc.source_key([pkg]) == k0
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "c.py").write_text("ignored\n")
    assert nc.source_key([pkg]) == k0


def test_configure_respects_the_user_and_keeps_three_versions(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert nc.configure([pkg], base=tmp_path / "base") is None
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    made = []
    for v in range(5):
        (pkg / "m.py").write_text(f"v = {v}\n")
        os.environ.pop("NUMBA_CACHE_DIR", None)
        folder = nc.configure([pkg], base=tmp_path / "base")
        made.append(folder)
        assert folder is not None and os.environ["NUMBA_CACHE_DIR"] == folder
        os.utime(folder, (1e9 + v, 1e9 + v))  # distinct, increasing "last used" times
    left = sorted(p.name for p in (tmp_path / "base").iterdir())
    assert len(left) == nc.KEEP
    assert os.path.basename(made[-1]) in left


def test_importing_karstmodel_keys_the_cache_by_both_packages(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import os, karstmodel; print(os.environ['NUMBA_CACHE_DIR'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    expected = tmp_path / "karstmodel" / "numba" / nc.source_key([REPO / "karstmodel", REPO / "chemistry"])
    assert out.stdout.strip() == str(expected)


_PKG_INIT = '''
from pathlib import Path
from chemistry import _numba_cache as nc
nc.configure([Path(__file__).resolve().parent])
nc.register_locator()
from numba import njit


@njit(cache=True)
def twice(x):
    return 2.0 * x
'''

_PKG_RUN = ("import os, sys, json; sys.path.insert(0, sys.argv[1]); import pkgk; pkgk.twice(1.5); "
            "s = pkgk.twice.stats; print(json.dumps([sum(s.cache_hits.values()), sum(s.cache_misses.values()), "
            "os.environ['NUMBA_CACHE_DIR']]))")


def test_a_reinstall_of_the_same_sources_loads_the_compiled_kernels(tmp_path):
    """The kernels are filed by their path inside the package and the key of all sources (SourceKeyLocator), not by
    the absolute path and stamp of one file: a copy of the same sources elsewhere (a reinstall, another virtual
    environment, a fresh clone; new files, new modification times) loads what the first install compiled, and a
    changed source compiles again (new key)."""
    import json
    import shutil
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])

    def run(site):
        out = subprocess.run([sys.executable, "-c", _PKG_RUN, str(site)], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = tmp_path / "site1"
    (first / "pkgk").mkdir(parents=True)
    (first / "pkgk" / "__init__.py").write_text(_PKG_INIT)
    hits, misses, folder = run(first)
    assert (hits, misses) == (0, 1)
    second = tmp_path / "site2"
    shutil.copytree(first / "pkgk", second / "pkgk", ignore=shutil.ignore_patterns("__pycache__"))
    os.utime(second / "pkgk" / "__init__.py", (2e9, 2e9))
    hits2, misses2, folder2 = run(second)
    assert folder2 == folder and (hits2, misses2) == (1, 0)
    (second / "pkgk" / "__init__.py").write_text(_PKG_INIT + "\nCHANGED = 1\n")
    hits3, misses3, folder3 = run(second)
    assert folder3 != folder and (hits3, misses3) == (0, 1)
