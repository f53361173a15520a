"""Accounting: the karst carbon sink, water and carbon budgets and balances, the run summary (sink); goodness-of-fit
metrics (metrics).

``karstmodel.accounting`` was one module in release 0.1; its public names stay importable from here until release
0.2."""
from .balances import amendment_balance  # noqa: F401
from .sink import (M_C, carbon_balance, compare_runs, fate_summary, hydrotope_tables, outlet_summary,  # noqa: F401
                   sink_flux, sink_from_observations, summary, tc_to_tco2, timeseries_table, water_balance,
                   zeng_index)
