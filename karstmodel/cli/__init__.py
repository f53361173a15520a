"""Command line: the parser (parser.py), the error mapping (errors.py) and one module per command (speciate,
equilibrate, run, validate, calibrate, init, scenario, grid), with the option checks (options.py) and result printing
(printing.py) that several commands share. Entry point ``karstmodel = karstmodel.cli.parser:console`` (``main`` in
the command's own process: process.py); ``python -m karstmodel.cli`` runs it too. The command functions are
re-exported here under their names of release 0.1 (``karstmodel.commands`` resolves to this package until release
0.2).

A command imports its workflow when it runs (the comments ``deferred: heavy``): the model and the workflows load
about a second of scipy and numba-compiled modules (xarray and dask for ``grid``) that ``karstmodel --help`` and
the other commands do not need."""
from .calibrate import cmd_calibrate
from .equilibrate import cmd_equilibrate
from .errors import UserError
from .grid import cmd_grid
from .init import cmd_init
from .parser import build_parser, main
from .run import cmd_run
from .scenario import cmd_scenario
from .speciate import cmd_speciate
from .validate import cmd_validate

__all__ = ["UserError", "build_parser", "main", "cmd_calibrate", "cmd_equilibrate", "cmd_grid", "cmd_init", "cmd_run",
           "cmd_scenario", "cmd_speciate", "cmd_validate"]
