"""`python -m bench memory_copy --quick` runs end to end on Azurite and reports every row with sane numbers.

No timing assertions: the numbers depend on the machine. These check the shape.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.__main__ import benchmark_modules
from tests.azurite_fixture import azurite_missing
from tests.bench_report import quick_bench_report

pytestmark = pytest.mark.azurite

ROWS = [
    "reading every memory file one after another (the copy before), Azurite",
    "the copy now, a machine that never read it (listing + reads side by side)",
    "the copy now, a machine that read it before (listing + content cache)",
    "the same, 1 file in 20 changed since",
    "local blob store: reading every memory file one after another (the copy before)",
    "local blob store: the copy now",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    missing = azurite_missing()
    if missing is not None:
        pytest.skip(missing)
    results = tmp_path_factory.mktemp("bench-results")
    return quick_bench_report("memory_copy", results)


def test_the_memory_copy_benchmark_is_discovered() -> None:
    assert "memory_copy" in benchmark_modules()


def test_a_quick_run_reports_every_row_in_order_against_the_old_copy(report: dict[str, Any]) -> None:
    assert [row["name"] for row in report["results"]] == ROWS
    rows = report["results"]
    assert rows[0]["ratio"] == 1.0
    assert all(math.isfinite(row["ratio"]) and row["ratio"] > 0 for row in rows)
    assert all(row["detail"] == "100 notes + the index" for row in rows)
