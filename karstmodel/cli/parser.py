"""The command line's parser: one sub-command per module of this package, registered in the order of
``karstmodel --help``; :func:`main` parses the arguments and runs the command through the error mapping
(:func:`karstmodel.cli.errors.run_command`). All science is in the modules the commands call."""
from __future__ import annotations

import argparse
import re
import sys

from .. import __version__
from . import calibrate, equilibrate, grid, init, run, scenario, speciate, validate
from .errors import run_command
from .process import mark_own_process

#: the sub-commands in the order of ``karstmodel --help``
COMMANDS = (speciate, equilibrate, run, validate, calibrate, init, scenario, grid)


def build_parser() -> argparse.ArgumentParser:
    """The ``karstmodel`` parser with every sub-command of :data:`COMMANDS`."""
    p = argparse.ArgumentParser(prog="karstmodel", description="Karst carbon-cycle model: carbonate chemistry, "
                                "catchment simulation and the karst carbon sink.")
    p.add_argument("--version", action="version", version=f"karstmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return p


#: options whose value is a number or a comma-separated list of numbers, which may start with '-'
_NUMBER_LIST_OPTIONS = ("--temp-c", "--log-pco2")
_NUMBER_LIST = re.compile(r"^-[\d.]")


def _join_number_lists(argv: list) -> list:
    """``--log-pco2 -2,-3`` -> ``--log-pco2=-2,-3``: argparse takes a value that starts with '-' and is not a plain
    number (a list such as -2,-3) for an option, and fails with "expected one argument"."""
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in _NUMBER_LIST_OPTIONS and i + 1 < len(argv) and _NUMBER_LIST.match(str(argv[i + 1])):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv=None) -> int:
    """The ``karstmodel`` command: parse ``argv`` (default: the process arguments) and run the command; returns the
    exit code."""
    parser = build_parser()
    args = parser.parse_args(_join_number_lists(list(sys.argv[1:] if argv is None else argv)))
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return run_command(args)


def console() -> int:
    """Entry point of the ``karstmodel`` console script and of ``python -m karstmodel``: :func:`main` in a process
    that belongs to the command (:mod:`karstmodel.cli.process`)."""
    mark_own_process()
    return main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())
