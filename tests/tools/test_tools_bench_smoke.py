"""`python -m bench tools --quick` runs end to end: every row, a reference per group, a verdict per target.

No timing assertions: whether a target is met depends on the machine; the full run reports it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.__main__ import main


def test_the_tools_benchmark_reports_each_row_against_its_groups_reference(tmp_path: Path) -> None:
    assert main(["tools", "--quick", "--results-dir", str(tmp_path)]) == 0
    rows: list[dict[str, Any]] = json.loads((tmp_path / "tools.json").read_text(encoding="utf-8"))["results"]

    assert [(row["group"], row["name"]) for row in rows] == [
        ("grep rare word", "rg -n ZebrafishQuota"),
        ("grep rare word", "grep tool, ripgrep"),
        ("grep rare word", "grep tool, Python"),
        ("grep rare word", "grep tool, ripgrep, linked repos/big"),
        ("grep rare word", "grep tool, Python, linked repos/big"),
        ("grep rare word", "GNU grep -rn ZebrafishQuota ."),
        ("grep common word, first 100", "rg -n return | head -100"),
        ("grep common word, first 100", "grep tool max_matches=100, ripgrep"),
        ("grep common word, first 100", "grep tool max_matches=100, Python"),
        ("grep common word, first 100", "grep tool max_matches=100, ripgrep, linked repos/big"),
        ("grep common word, first 100", "grep tool max_matches=100, Python, linked repos/big"),
        ("find rare name", "find . -name '*quota_settings*'"),
        ("find rare name", "find tool"),
        ("find rare name", "find tool, linked repos/big"),
        ("find *.py, first 500", "find . -name '*.py' | head -501"),
        ("find *.py, first 500", "find tool"),
        ("find *.py, first 500", "find tool, linked repos/big"),
    ]
    references = {row["group"]: row for row in rows if row["detail"] == "reference"}
    for row in rows:
        reference = references[row["group"]]
        assert math.isfinite(row["ratio"]), row
        assert row["ratio"] > 0, row
        assert row["ratio"] == row["median_s"] / reference["median_s"], row
    targets = [row["detail"] for row in rows if row["detail"].startswith("target")]
    assert len(targets) == 8
    assert all(detail.endswith((": met", ": NOT met")) for detail in targets)
