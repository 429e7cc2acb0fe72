"""`python -m bench pipeline --quick` runs end to end and reports every row with sane numbers.

No timing assertions: the numbers depend on the machine. These check the shape only.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.__main__ import benchmark_modules
from tests.bench_report import quick_bench_report

ROWS = [
    "one scripted agent step (read_file, 60-step session)",
    "load: state + session + workspace check",
    "checkpoint: workspace unchanged",
    "checkpoint: notes changed",
    "fanout_done: load two children",
    "report: store report + commit",
    "restore workspace on a new instance",
    "fill the clone cache from the bundle (once per machine)",
    "restore the repo from the clone cache",
    "snapshot without the repo (stored)",
    "extract without the repo (stored)",
    "snapshot with the repo (avoided)",
    "extract with the repo (avoided)",
    "1 at once, per investigation",
    "4 at once, per investigation",
    "16 at once, per investigation",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    results = tmp_path_factory.mktemp("bench-results")
    return quick_bench_report("pipeline", results)


def test_the_pipeline_benchmark_is_discovered() -> None:
    assert "pipeline" in benchmark_modules()


def test_a_quick_run_reports_every_row_in_order_with_positive_ratios(report: dict[str, Any]) -> None:
    assert [row["name"] for row in report["results"]] == ROWS
    for row in report["results"]:
        assert all(math.isfinite(row[k]) and row[k] > 0 for k in ("median_s", "p90_s", "ratio")), row
        assert row["ratio"] == pytest.approx(row["median_s"] / report["results"][0]["median_s"])


def test_snapshot_sizes_show_what_the_clone_cache_spares(report: dict[str, Any]) -> None:
    sizes = {row["name"]: float(row["detail"].split()[1]) for row in report["results"] if "tar.zst" in row["detail"]
             and row["group"] == "workspace"}  # fmt: skip
    # The repo's history stays in the clone cache (borrowed objects): what a snapshot would add is its checkout.
    assert sizes["snapshot with the repo (avoided)"] > 50 * sizes["snapshot without the repo (stored)"] + 0.5
