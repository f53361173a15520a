"""The parameter registry as seen from the configuration layer: the same objects as
:mod:`karstmodel.processes.registry`, where it is defined (processes declare their parameters with it)."""
from ..processes.registry import Param, bounds_of, calibration_spec, declared, param, scale_spec, table

__all__ = ["Param", "bounds_of", "calibration_spec", "declared", "param", "scale_spec", "table"]
