"""The ``karstmodel`` command as a process of its own (the console script, ``python -m karstmodel``).

A command that runs the model imports numba, pandas, scipy and, for figures, matplotlib: objects that live until
the process ends (86,000 tracked by the garbage collector after ``karstmodel run``'s imports, 130,000 with
matplotlib). Python's cyclic garbage collector walks all of them in each of its full passes
(the "oldest generation"; Python documentation, ``gc`` module, ``gc.freeze``: "move all objects tracked by the
garbage collector into a permanent generation, i.e. ignore them in all the future collections"). After its
imports, a command calls :func:`imports_done`, which freezes them when the process is the command's own:
:func:`karstmodel.cli.parser.console` (the console script, ``python -m karstmodel``) says so through
:func:`mark_own_process`. Measured with ``gc.callbacks`` on this project's 2-core machine, the collector's time fell
from 0.32-0.35 s to 0.21-0.24 s in the default ``karstmodel run`` (about 6-7 s; two pairs) and from 0.76 s to 0.65 s
in ``karstmodel calibrate coln_bibury --workers 1`` (about 50 s; one pair): a small gain, for no change in results.
Objects created later are collected as before. :func:`karstmodel.cli.parser.main`, which tests and other programs
call inside their own process, freezes nothing."""
from __future__ import annotations

import gc

_OWN_PROCESS = False


def mark_own_process() -> None:
    """The process runs one command and ends with it (the console script's entry,
    :func:`karstmodel.cli.parser.console`)."""
    global _OWN_PROCESS
    _OWN_PROCESS = True


def imports_done() -> None:
    """Called by a command after its deferred imports: in the command's own process (:func:`mark_own_process`),
    exempt every object alive now from the garbage collector's passes (module docstring); elsewhere nothing."""
    if _OWN_PROCESS:
        gc.freeze()
