"""``python -m karstmodel`` = the ``karstmodel`` command."""
import sys

from .cli.parser import main

sys.exit(main())
