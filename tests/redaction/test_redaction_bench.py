"""`python -m bench redaction --quick`: found like the other benchmarks, and it reports recall and speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import benchmark_modules, main


def test_redaction_is_discovered_as_a_benchmark() -> None:
    assert "redaction" in benchmark_modules()


def test_a_quick_run_prints_recall_per_kind_and_times_the_redactor_against_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["redaction", "--quick", "--results-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "azure-storage-key         1.000" in printed
    assert "overall: recall 1.000" in printed
    rows = json.loads((tmp_path / "redaction.json").read_text())["results"]
    assert rows[0]["ratio"] == 1.0
    assert "false positives 0/" in rows[1]["detail"]
    assert all("MB/s" in row["detail"] for row in rows[2:])
