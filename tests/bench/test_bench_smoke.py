"""`python -m bench harness --quick` runs end to end and reports every row with sane numbers.

No timing assertions: the numbers depend on the machine. These check shape, not speed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from agentcore.sandbox.bubblewrap import bubblewrap_available
from bench.__main__ import benchmark_modules, main
from tests.bench_report import quick_bench_report

SANDBOX_ROWS = [
    "bare subprocess.run(['true'])",
    "bare subprocess.run(['bash', '-c', 'true'])",
    "shell `true`, SubprocessSandbox",
]
BWRAP_SANDBOX_ROWS = ["shell `true`, BubblewrapSandbox", "BubblewrapSandbox() construction"]
PROMPT_ROWS = [
    f"{steps} steps: {part}"
    for steps in (10, 60, 200)
    for part in ("ModelRequest build", "advance() to a final answer", "checkpoint to_json")
]
TOOL_ROWS = [
    "read_file 200 lines",
    "grep a rare word over the repo",
    "grep a common word, *.py, 100 hits",
    "find **/test_*.py",
    "write notes/plan.md, 2 KB",
]
STEP_ROWS = [
    "read_file, 60-step session",
    "read_file, 200-step session",
    "shell `true` SubprocessSandbox, 60-step session",
]
BWRAP_STEP_ROWS = ["shell `true` BubblewrapSandbox, 60-step session"]


def expected_rows() -> list[str]:
    bwrap = bubblewrap_available()
    return [
        *SANDBOX_ROWS,
        *(BWRAP_SANDBOX_ROWS if bwrap else []),
        *PROMPT_ROWS,
        *TOOL_ROWS,
        *STEP_ROWS,
        *(BWRAP_STEP_ROWS if bwrap else []),
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One quick harness run through the CLI, as `make bench` would start it, read back from its JSON."""
    results_dir = tmp_path_factory.mktemp("bench-results")
    return quick_bench_report("harness", results_dir)


def test_harness_is_discovered_as_a_benchmark() -> None:
    assert "harness" in benchmark_modules()


def test_an_unknown_benchmark_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["no-such-benchmark", "--quick", "--results-dir", str(tmp_path)])
    assert exited.value.code == 2


def test_quick_run_reports_every_expected_row_in_order(report: dict[str, Any]) -> None:
    assert [row["name"] for row in report["results"]] == expected_rows()


def test_quick_run_is_recorded_as_quick_against_bare_subprocess(report: dict[str, Any]) -> None:
    assert report["module"] == "harness"
    assert report["quick"] is True
    assert report["baseline"] == "bare subprocess.run(['true'])"


def test_every_row_has_finite_positive_times_and_ratio(report: dict[str, Any]) -> None:
    for row in report["results"]:
        numbers = [row["median_s"], row["p90_s"], row["ratio"], row["baseline_median_s"]]
        assert all(math.isfinite(n) and n > 0 for n in numbers), row
        assert row["p90_s"] >= row["median_s"], row
        assert row["samples"] >= 3, row


def test_ratios_are_medians_over_the_run_baseline(report: dict[str, Any]) -> None:
    baseline = report["results"][0]
    assert baseline["ratio"] == pytest.approx(1.0)
    for row in report["results"]:
        assert row["ratio"] == pytest.approx(row["median_s"] / baseline["median_s"]), row["name"]


def test_rows_that_measure_memory_report_a_positive_peak(report: dict[str, Any]) -> None:
    measured = [row for row in report["results"] if row["peak_bytes"] is not None]
    assert {row["name"] for row in measured} >= {"200 steps: checkpoint to_json", "read_file, 60-step session"}
    assert all(row["peak_bytes"] > 0 for row in measured)
