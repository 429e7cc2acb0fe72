"""bench/workspace.py runs end to end on a small repository and reports every row against the old restore.

No timing assertions: the numbers depend on the machine. These check the shape only.
"""

from __future__ import annotations

import math

import pytest

from bench.__main__ import benchmark_modules
from bench._timing import BenchResult
from bench.workspace import BASELINE, EXISTS, run

ROWS = [
    BASELINE,
    "previous restore: --shared clone of the cache + checkout in the workspace",
    EXISTS,
    "restore, first on this machine for this commit (the checkout is made)",
    "restore, first for this commit, the previous commit's checkout here (the next deploy)",
    "floor: the checkout alone (every file written)",
    "making a checkout read-only (chmod -R a-w on every core; part of the first restore)",
    "materialize the scenario, objects fetched from the bundle (old)",
    "materialize the scenario with the clone cache, the commit's checkout made",
]


@pytest.fixture(scope="module")
def results() -> list[BenchResult]:
    return run(quick=True, files=200)


def test_workspace_is_discovered_as_a_benchmark() -> None:
    assert "workspace" in benchmark_modules()


def test_every_row_is_reported_in_order(results: list[BenchResult]) -> None:
    assert [r.name for r in results] == ROWS


def test_ratios_are_medians_over_the_old_restore(results: list[BenchResult]) -> None:
    old = results[0]
    assert old.ratio == pytest.approx(1.0)
    for row in results:
        assert math.isfinite(row.median_s), row.name
        assert row.median_s > 0, row.name
        assert row.ratio == pytest.approx(row.median_s / old.median_s), row.name


def test_restore_rows_say_whether_they_meet_the_one_second_target(results: list[BenchResult]) -> None:
    restore = [r for r in results if r.group == "restore"]
    assert len(restore) == 6
    for row in restore:
        verdict = "met" if row.median_s < 1.0 else "missed"
        assert row.detail.endswith(f"target < 1 s: {verdict}"), row.detail
