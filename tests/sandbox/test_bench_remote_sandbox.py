"""`python -m bench remote_sandbox --quick` runs end to end and reports every row with sane numbers.

No timing assertions: the numbers depend on the machine. These check the shape.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.__main__ import benchmark_modules
from tests.bench_report import quick_bench_report

GROUPS = ["baseline", "command", "command", "command", "first", "snapshot", "snapshot", "snapshot"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    results = tmp_path_factory.mktemp("bench-results")
    return quick_bench_report("remote_sandbox", results)


def test_the_remote_sandbox_benchmark_is_discovered() -> None:
    assert "remote_sandbox" in benchmark_modules()


def test_a_quick_run_reports_every_row_against_the_local_sandbox(report: dict[str, Any]) -> None:
    rows = report["results"]

    assert [row["group"] for row in rows] == GROUPS
    assert rows[0]["name"].startswith("shell `true`, ")
    assert rows[-3]["name"] == "upload a 10 MB workspace"
    for row in rows:
        assert math.isfinite(row["ratio"]), row
        assert row["ratio"] > 0, row
        assert row["median_s"] > 0, row
