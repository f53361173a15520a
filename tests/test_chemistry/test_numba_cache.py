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
