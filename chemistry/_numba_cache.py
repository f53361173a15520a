"""Where numba keeps the compiled kernels: a cache folder keyed by the content of the package sources.

numba caches each ``cache=True`` function next to its source (``__pycache__``) and checks a cached entry only
against the modification time and size of the file that defines it, not against the files of the functions it calls
or inlines. A kernel whose own file is unchanged would therefore keep running compiled code of an older version of a
helper in another file (seen in practice after a change of a shared helper). Keying the cache folder by a hash of
every source file of the packages makes any change start from a cold cache: correct results at the price of one
recompilation. The folder is in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``), so a read-only
install also caches, and the three most recently used keys are kept.

A ``NUMBA_CACHE_DIR`` set by the user (or by CI) is always respected. Call :func:`configure` before numba is
imported: numba reads ``NUMBA_CACHE_DIR`` once, at its import.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

#: how many cache folders (package versions) are kept
KEEP = 3


def source_key(roots) -> str:
    """A 16-hex-digit hash of the relative paths and contents of every ``.py`` file under ``roots``."""
    h = hashlib.sha256()
    for root in roots:
        root = Path(root)
        for p in sorted(root.rglob("*.py")):
            if "__pycache__" in p.parts:
                continue
            h.update(str(p.relative_to(root.parent)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_base() -> Path:
    """The folder holding one cache folder per source key."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "karstmodel" / "numba"


def configure(roots, base: Path | None = None) -> str | None:
    """Point numba at ``<base>/<source_key(roots)>`` unless ``NUMBA_CACHE_DIR`` is already set or numba is already
    imported; remove all but the :data:`KEEP` most recently used key folders. Returns the folder, or None when
    nothing was changed (or the folder cannot be created: numba then caches next to the sources, as it does by
    default)."""
    if os.environ.get("NUMBA_CACHE_DIR") or "numba" in sys.modules:
        return None
    base = cache_base() if base is None else Path(base)
    try:
        folder = base / source_key(roots)
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # most recently used
        old = sorted((p for p in base.iterdir() if p.is_dir() and p != folder), key=lambda p: p.stat().st_mtime,
                     reverse=True)
        for p in old[KEEP - 1:]:
            shutil.rmtree(p, ignore_errors=True)
    except OSError:
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return str(folder)
