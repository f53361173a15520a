"""``python -m karstmodel.cli`` = the ``karstmodel`` command."""
import sys

from .parser import main

sys.exit(main())
