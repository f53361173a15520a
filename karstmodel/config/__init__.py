"""Configuration: the catchment file schema and its TOML reader/writer (catchment), parameter names -> values
(parameters), calibration/validation periods (period). Reads the parameter declarations of :mod:`karstmodel.processes`."""
