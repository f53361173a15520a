"""Run outputs: figures (plots, plots_surface) and the files of a run (outputs); no science here."""
