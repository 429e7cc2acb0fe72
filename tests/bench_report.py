"""One benchmark run quickly, as `make bench` would start it, and the JSON document it wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.__main__ import main


def quick_bench_report(module: str, results_dir: Path) -> dict[str, Any]:
    """`python -m bench <module> --quick --results-dir <results_dir>`, which must succeed: its document
    (`module`, `results` with one row per benchmark, ...)."""
    assert main([module, "--quick", "--results-dir", str(results_dir)]) == 0
    document: dict[str, Any] = json.loads((results_dir / f"{module}.json").read_text(encoding="utf-8"))
    return document
