"""Progress bars with an ETA for long loops (GLUE, sensitivity, scenario ensembles, grid cells, station batches).

One helper, :func:`progress_bar`, used by every workflow that runs many model runs, so that all show the same line:
``label: done/total (percent) elapsed, ETA remaining, rate``. It is a thin wrapper around tqdm (da Costa-Luis et
al., tqdm: a fast, extensible progress meter, https://tqdm.github.io; the ETA is tqdm's remaining-time estimate,
(total - done) / rate with an exponential moving average of the rate, ``smoothing``):

* on a terminal: tqdm's bar, redrawn in place (``\\r``) at most every :data:`TTY_INTERVAL_S` seconds;
* not on a terminal (a log file, a pipe, CI): one plain line per update, at most every :data:`LOG_INTERVAL_S`
  seconds, plus the first and the last line, so that a log shows progress without carriage returns;
* in a Jupyter notebook with ipywidgets (``tqdm.auto``): the notebook widget.

``show=False`` (the ``--quiet`` options of the CLI) or the environment variable ``TQDM_DISABLE=1`` prints nothing.
This module sits below every layer of karstmodel (it imports nothing from it).
"""
from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm as _auto_tqdm
from tqdm.std import tqdm as _std_tqdm

#: seconds between redraws of the bar on a terminal
TTY_INTERVAL_S = 0.5
#: seconds between plain progress lines when the stream is not a terminal (log files stay short)
LOG_INTERVAL_S = 10.0
#: the line: what, how far, how long so far, the estimated time to completion (ETA) and the rate
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt} [{elapsed} elapsed, ETA {remaining}, {rate_fmt}]"
LINE_FORMAT = "{desc}: {n_fmt}/{total_fmt} ({percentage:.0f} %) {elapsed} elapsed, ETA {remaining}, {rate_fmt}"


def is_terminal(stream) -> bool:
    """True when ``stream`` is an interactive terminal (its ``isatty()`` says so).

    Parameters
    ----------
    stream : file-like
        The stream the progress goes to.

    Returns
    -------
    bool
        Whether the stream is a terminal; False for files, pipes and streams without ``isatty``.
    """
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _width(stream) -> int:
    """Columns of the terminal behind ``stream`` (0 when unknown)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


class _Lines:
    """A stream for tqdm that turns its in-place redraws (``\\r`` + text) into one plain line each."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, s: str) -> None:
        text = s.replace("\r", "").rstrip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def _notebook() -> bool:
    """True when tqdm.auto chose the Jupyter widget and ipywidgets is there to draw it."""
    if _auto_tqdm is _std_tqdm:
        return False
    try:
        from tqdm.notebook import IProgress  # noqa: F401  (probed: None without ipywidgets)
    except ImportError:  # pragma: no cover
        return False
    return IProgress is not None


def progress_bar(total: int | None, label: str, show: bool = True, stream=None, unit: str = "run",
                 initial: int = 0):
    """A progress bar with an ETA on ``stream`` (default stderr); see the module docstring for what it prints.

    Parameters
    ----------
    total : int or None
        Number of steps (runs, cells, stations) to be done; None when unknown (no percentage, no ETA).
    label : str
        What is being done, printed first on the line (e.g. ``"GLUE sampling"``).
    show : bool, default True
        False prints nothing (the bar is disabled but can be updated and closed all the same).
    stream : file-like, optional
        Where to print; default ``sys.stderr``. A stream that is not a terminal gets plain lines at most every
        :data:`LOG_INTERVAL_S` seconds.
    unit : str, default "run"
        Name of one step, used in the rate (``runs/s``).
    initial : int, default 0
        Steps already done when the bar starts (a bar opened part-way through a loop); the rate and the ETA count
        from the bar's start.

    Returns
    -------
    tqdm.tqdm
        The bar: call ``update(n)`` after ``n`` more steps, ``set_postfix_str(text)`` for extra state (e.g. the best
        loss so far) and ``close()`` at the end (or use it as a context manager).
    """
    out = sys.stderr if stream is None else stream
    kw = dict(total=total, desc=label, unit=unit, leave=True, smoothing=0.1, initial=int(initial))
    if not show:  # passed only to switch off: an explicit argument would override TQDM_DISABLE
        kw["disable"] = True
    if stream is None and show and _notebook():  # pragma: no cover - needs a notebook kernel
        return _auto_tqdm(**kw)
    if is_terminal(out):
        # follow the terminal's width; a terminal that reports no usable width (some ptys say 0) gets 80 x 24
        width = dict(dynamic_ncols=True) if _width(out) >= 40 else dict(ncols=80, nrows=24)
        return _std_tqdm(file=out, mininterval=TTY_INTERVAL_S, bar_format=BAR_FORMAT, **width, **kw)
    return _std_tqdm(file=_Lines(out), mininterval=LOG_INTERVAL_S, bar_format=LINE_FORMAT, **kw)
