"""Imported once by the figure server (:mod:`karstmodel.reporting.figure_jobs`): matplotlib with the Agg backend
and pyplot, and the plotting modules, so that every worker forked from the server draws at once."""
from __future__ import annotations

from . import plots, plots_surface  # noqa: F401 - loaded for the workers

plots._plt()  # matplotlib.use("Agg"), pyplot and the figure defaults
