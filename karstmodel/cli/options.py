"""Checks of the whole-number options that several commands share."""
from __future__ import annotations

from .errors import UserError


def count(value, option: str, lo: int = 1, allow=()):
    """A whole-number option: ``None`` (not given) passes; below ``lo`` (and not in ``allow``) is refused."""
    if value is None or value in allow:
        return value
    if value < lo:
        extra = f" (or {', '.join(str(a) for a in allow)})" if allow else ""
        raise UserError(f"{option} must be >= {lo}{extra}, got {value}")
    return value
