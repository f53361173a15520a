"""One-line notes on how an input was read (a recognised column name, a delimiter, decimal commas, day-first
dates), sent to the ``karstmodel.io`` logger at INFO level: silent in Python unless logging is configured; the
command line prints each distinct note once on stderr (:mod:`karstmodel.cli.errors`)."""
from __future__ import annotations

import logging

LOGGER = logging.getLogger("karstmodel.io")


def note(message: str) -> None:
    """Report how an input was read (one line)."""
    LOGGER.info(message)
