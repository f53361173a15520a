"""Options that several commands share: whole-number checks, and ``--overwrite`` with the owner of an output
folder (:class:`karstmodel.io.files.OutputOwner`)."""
from __future__ import annotations

from pathlib import Path

from ..io.files import MARKER, OutputOwner
from .errors import UserError


def add_overwrite(parser) -> None:
    """``--overwrite``: replace an existing output folder written by another command or for another input."""
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace an existing output folder that another command or another catchment wrote (or "
                             f"one without {MARKER}); without it such a folder is refused and left as it is (a "
                             "folder of the same command on the same catchment is always replaced)")


def owner(args, command: str, *inputs) -> OutputOwner:
    """The :class:`OutputOwner` of this command's output folder: ``inputs`` (the catchment or station file, a
    scenario file, a grid) as absolute paths joined by ' + '."""
    what = " + ".join(str(Path(p).resolve()) if not isinstance(p, str) or Path(p).exists() else str(p)
                      for p in inputs if p is not None)
    return OutputOwner(command, what, bool(getattr(args, "overwrite", False)))


def count(value, option: str, lo: int = 1, allow=()):
    """A whole-number option: ``None`` (not given) passes; below ``lo`` (and not in ``allow``) is refused."""
    if value is None or value in allow:
        return value
    if value < lo:
        extra = f" (or {', '.join(str(a) for a in allow)})" if allow else ""
        raise UserError(f"{option} must be >= {lo}{extra}, got {value}")
    return value
