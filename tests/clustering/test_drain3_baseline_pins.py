"""The clustering benchmark's baseline, drain3, is installed only from pinned, hashed requirements."""

from __future__ import annotations

import re

from bench.clustering import DRAIN3_REQUIREMENTS, DRAIN3_VERSION


def requirements() -> list[str]:
    """The requirement lines, continuation lines joined, comments left out."""
    text = re.sub(r"\s*\\\n\s*", " ", DRAIN3_REQUIREMENTS.read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_to_one_version_with_a_sha256() -> None:
    for line in requirements():
        assert re.fullmatch(r"[a-z0-9-]+==[0-9.]+ --hash=sha256:[0-9a-f]{64}", line), line


def test_drain3_is_pinned_at_the_version_the_benchmark_names() -> None:
    assert any(line.startswith(f"drain3=={DRAIN3_VERSION} ") for line in requirements())
