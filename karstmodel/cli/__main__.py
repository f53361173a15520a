"""``python -m karstmodel.cli`` = the ``karstmodel`` command."""
import sys

from .parser import console

sys.exit(console())
