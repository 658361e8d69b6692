"""Railway inputs copied into a temporary directory, so tests can edit them as a user would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

RAILWAY = Path(__file__).resolve().parent.parent.parent / "models" / "railway"


@pytest.fixture
def railway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of models/railway; the current directory is its parent (paths in SARIF are relative)."""
    target = tmp_path / "railway"
    shutil.copytree(RAILWAY, target)
    monkeypatch.chdir(tmp_path)
    return target
