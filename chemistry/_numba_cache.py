"""Where numba keeps the compiled kernels: a cache folder keyed by the content of the package sources.

numba caches each ``cache=True`` function next to its source (``__pycache__``) and checks a cached entry only
against the modification time and size of the file that defines it, not against the files of the functions it calls
or inlines. A kernel whose own file is unchanged would therefore keep running compiled code of an older version of a
helper in another file (seen in practice after a change of a shared helper). Keying the cache folder by a hash of
every source file of the packages makes any change start from a cold cache: correct results at the price of one
recompilation. The folder is in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``), so a read-only
install also caches, and the three most recently used keys are kept.

Inside that folder the kernels of the configured packages are filed by :class:`SourceKeyLocator` (registered with
numba by :func:`register_locator` before any kernel is declared): under the path of their source file relative to
its package, with the source key as the freshness stamp. numba's own locators file them under a hash of the
absolute path of the source file and check each entry against that one file, so a reinstall of the same version
into another environment (another site-packages) compiled everything again; with the key of all sources (any
change of any file makes a new folder) neither is needed, and a reinstall, a second virtual environment or a
fresh clone of the same sources loads the kernels compiled before.

A ``NUMBA_CACHE_DIR`` set by the user (or by CI) is always respected (numba's own locators then file the kernels).
Call :func:`configure` before numba is imported: numba reads ``NUMBA_CACHE_DIR`` once, at its import.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

#: how many cache folders (package versions) are kept
KEEP = 3

#: what :func:`configure` set up: (cache folder, source key, package roots), or None
_ACTIVE: tuple | None = None


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
    global _ACTIVE
    _ACTIVE = (str(folder), folder.name, tuple(Path(r).resolve() for r in roots))
    return str(folder)


def child_environment(environ=None) -> dict:
    """A copy of ``environ`` (default ``os.environ``) for a Python child process that should file and find the
    kernels where this process does: without the ``NUMBA_CACHE_DIR`` that :func:`configure` set here (the child
    configures the same source-keyed folder itself; with the variable set it would use numba's own locators, which
    file the kernels elsewhere); a ``NUMBA_CACHE_DIR`` the user set is kept."""
    env = dict(os.environ if environ is None else environ)
    if _ACTIVE is not None and env.get("NUMBA_CACHE_DIR") == _ACTIVE[0]:
        del env["NUMBA_CACHE_DIR"]
    return env


#: kernels another process is compiling into the cache: qualified name -> a function returning once it is there
_PENDING: dict = {}


def expect(name: str, wait) -> None:
    """Note that another process is compiling kernel ``name`` (``module.function``) into the cache; ``wait()``
    returns when it is there (or when that process gave up)."""
    _PENDING[name] = wait


def await_compiled(name: str) -> None:
    """Before the first call of kernel ``name`` in this process: wait for the other process compiling it (see
    :func:`expect`), so that the call loads it from the cache instead of compiling it a second time."""
    wait = _PENDING.pop(name, None)
    if wait is not None:
        wait()


def _relative_source(py_file) -> Path | None:
    """``py_file`` relative to the parent of the configured package root holding it (e.g.
    ``chemistry/_fused.py``), or None when it is outside them or nothing was configured."""
    if _ACTIVE is None:
        return None
    path = Path(py_file).resolve()
    for root in _ACTIVE[2]:
        if path.is_relative_to(root):
            return path.relative_to(root.parent)
    return None


def register_locator() -> bool:
    """Put :class:`SourceKeyLocator` first in numba's list of cache locators (once; after numba is imported, before
    any ``cache=True`` kernel is declared). Returns whether it is registered (False without numba, or with a
    numba whose cache internals differ: numba's own locators then serve, as before)."""
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - numba not installed
        return False
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    base = getattr(caching, "_CacheLocator", None)
    if impl is None or base is None or not isinstance(getattr(impl, "_locator_classes", None), list):
        return False  # pragma: no cover - another numba
    for cls in impl._locator_classes:
        if getattr(cls, "_karstmodel_source_key_locator", False):
            return True
    impl._locator_classes.insert(0, _make_locator(base))
    return True


def _make_locator(base):
    class SourceKeyLocator(base):
        """numba cache locator for the kernels of the packages :func:`configure` keyed: files under
        ``<cache folder>/<source path relative to the package's parent>``, fresh while the source key (the cache
        folder's name) is the same. Functions elsewhere, or a cache folder chosen by the user, are left to numba's
        own locators (``from_function`` returns None)."""

        _karstmodel_source_key_locator = True

        def __init__(self, py_func, rel: Path):
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = os.path.join(_ACTIVE[0], *rel.parent.parts)
            self._stamp = _ACTIVE[1]

        def get_cache_path(self):
            return self._cache_path

        def get_source_stamp(self):
            return self._stamp

        def get_disambiguator(self):
            return str(self._lineno)

        @classmethod
        def from_function(cls, py_func, py_file):
            if _ACTIVE is None or os.environ.get("NUMBA_CACHE_DIR") != _ACTIVE[0]:
                return None
            rel = _relative_source(py_file)
            if rel is None:
                return None
            self = cls(py_func, rel)
            try:
                self.ensure_cache_path()
            except OSError:
                return None
            return self

    return SourceKeyLocator
