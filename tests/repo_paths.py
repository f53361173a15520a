"""Paths the tests share: the repository root and the test data folder (tests/data, with PROVENANCE.md)."""
from pathlib import Path

#: the repository root (the folder holding pyproject.toml)
REPO = Path(__file__).resolve().parents[1]
#: tests/data
DATA = REPO / "tests" / "data"
