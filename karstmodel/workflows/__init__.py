"""Workflows over the model: calibration, uncertainty, sensitivity, scenarios, grid runs, stations, validation
reports, stream metabolism, catchment scaffolding."""
