"""The error mapping of the command line: a user mistake or a known library failure is one line on stderr and exit
code 2 (nothing written); an interrupt leaves output folders as they were."""
from __future__ import annotations

import contextlib
import logging
import sys

from chemistry.database import DatabaseError
from chemistry.errors import InputError
from chemistry.phreeqc import PhreeqcDatabaseError


class UserError(Exception):
    """Raised for a user mistake; printed as one line, exit code 2."""


class _Notes(logging.Handler):
    """Prints each distinct note of :mod:`karstmodel.io.notes` once, as one line on stderr."""

    def __init__(self, command: str):
        super().__init__(logging.INFO)
        self.command, self.seen = command, set()

    def emit(self, record):
        msg = record.getMessage()
        if msg not in self.seen:
            self.seen.add(msg)
            print(f"karstmodel {self.command}: {msg}", file=sys.stderr)


@contextlib.contextmanager
def _printing_notes(command: str):
    logger = logging.getLogger("karstmodel.io")
    handler, level = _Notes(command), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def run_command(args) -> int:
    """Run the command chosen on the command line (``args.func``) and return its exit code: 2 for bad input (one line
    on stderr), 130 for an interrupt; SIGTERM (exit 143) is reported and passed on."""
    try:
        with _printing_notes(args.command):
            return int(args.func(args) or 0)
    except (InputError, UserError) as exc:
        print(f"karstmodel {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # output folders are left as they were (karstmodel.io.atomic_output_dir)
        print(f"karstmodel {args.command}: interrupted; output folder left as it was", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == 143:  # SIGTERM while writing an output folder (karstmodel.io.atomic_output_dir)
            print(f"karstmodel {args.command}: terminated; output folder left as it was", file=sys.stderr)
        raise
    except Exception as exc:  # known user-facing failures from the libraries
        if isinstance(exc, (DatabaseError, PhreeqcDatabaseError, FileNotFoundError, PermissionError)):
            print(f"karstmodel {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise

