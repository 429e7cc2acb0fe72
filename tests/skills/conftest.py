"""Fixtures of the skills tests: an empty workspace with the usual folders."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    for folder in ("notes", "memory", "skills", "outputs", "repos", "schemas", "bin", "data", "report"):
        (root / folder).mkdir(parents=True)
    return root
