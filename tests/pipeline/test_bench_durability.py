"""`python -m bench durability --quick` runs end to end and reports every row with sane numbers.

No timing assertions: the numbers depend on the machine. These check the shape, and what the idle
worker does (a count, not a time).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.__main__ import benchmark_modules
from tests.bench_report import quick_bench_report

ROWS = [
    "one state commit (conditional put of 4 KB), LocalBlobStore",
    "acquire + release",
    "a stage's lease: acquire, renewer thread, release",
    "send -> worker has it, event (receive_any)",
    "send -> worker has it, polling (the old loop)",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    results = tmp_path_factory.mktemp("bench-results")
    return quick_bench_report("durability", results)


def test_the_durability_benchmark_is_discovered() -> None:
    assert "durability" in benchmark_modules()


def test_a_quick_run_reports_every_row_in_order_with_positive_ratios(report: dict[str, Any]) -> None:
    assert [row["name"] for row in report["results"]] == ROWS
    for row in report["results"]:
        assert all(math.isfinite(row[k]) and row[k] > 0 for k in ("median_s", "p90_s", "ratio")), row


def test_the_idle_event_driven_worker_does_not_look_into_the_queue(report: dict[str, Any]) -> None:
    looks = {row["name"]: row["detail"] for row in report["results"] if row["group"] == "wake"}
    assert looks["send -> worker has it, event (receive_any)"] == "idle: 0 looks/s"
    assert looks["send -> worker has it, polling (the old loop)"] != "idle: 0 looks/s"
