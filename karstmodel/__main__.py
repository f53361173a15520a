"""``python -m karstmodel`` = the ``karstmodel`` command."""
import sys

from .cli import main

sys.exit(main())
