"""Bundled catchments: one folder per site with ``catchment.toml``, its data files and PROVENANCE.md.

``karstmodel run NAME`` runs a bundled catchment by folder name; see ``catchments/README.md`` for the schema.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Path of a bundled catchment's ``catchment.toml``."""
    return ROOT / name / "catchment.toml"
