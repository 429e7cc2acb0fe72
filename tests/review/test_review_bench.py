"""bench/review.py runs (quick) and reports every row against its baseline."""

from __future__ import annotations

import math

from bench import review


def test_the_quick_review_bench_reports_each_row_with_a_finite_ratio() -> None:
    results = review.run(quick=True)
    assert [r.group for r in results] == ["baseline", "list", "list", "list", "report"]
    assert all(math.isfinite(r.ratio) and r.ratio > 0 for r in results)
    assert results[0].ratio == 1
