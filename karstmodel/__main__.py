"""``python -m karstmodel`` = the ``karstmodel`` command."""
import sys

from .cli.parser import console

sys.exit(console())
