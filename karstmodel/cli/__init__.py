"""Command line: the parser and error mapping (parser), the catchment-model commands (commands), regional runs
(grid_cli). Entry point ``karstmodel = karstmodel.cli:main``; ``python -m karstmodel.cli`` runs it too."""
from .errors import UserError  # noqa: F401
from .parser import build_parser, main  # noqa: F401
