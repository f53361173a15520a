"""Input and output: CSV reading, atomic files and output folders (files), drivers, observations.

``karstmodel.io`` was one module in release 0.1; its public names stay importable from here until release 0.2."""
from .files import (atomic_output_dir, default_output_dir, parse_times, read_csv, safe_output_name,  # noqa: F401
                    write_csv_atomic, write_json_atomic)
