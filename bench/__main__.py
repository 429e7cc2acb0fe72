"""`python -m bench [module ...] [--quick]`: run the benchmarks, print their tables, write their JSON.

Every module of this package that exposes `run(quick: bool) -> list[BenchResult]` is a benchmark; name
some to run only those (`python -m bench harness --quick`). Each writes `<results-dir>/<module>.json`.
A module's optional `BASELINE` string names what its ratios are relative to.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import json
import logging
import os
import pkgutil
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import cast

import bench
from bench._timing import BenchResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"
Run = Callable[..., list[BenchResult]]


def benchmark_modules() -> list[str]:
    """Public modules of the bench package that define `run`, in name order."""
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    return [name for name in sorted(names) if callable(getattr(_load(name), "run", None))]


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name}")


def format_duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_bytes(count: int | None) -> str:
    if count is None:
        return "-"
    if count < 1024**2:
        return f"{count / 1024:.0f} KB"
    return f"{count / 1024**2:.1f} MB"


LOAD_SHIFT = 1.5
"""A row whose own baseline brackets are this many times off the run's baseline is marked `*`."""


def load_shifted(result: BenchResult) -> bool:
    """Whether the baseline measured around this row differs much from the run's: the load changed."""
    local = result.local_baseline_median_s
    if local is None:
        return False
    return max(local, result.baseline_median_s) / min(local, result.baseline_median_s) > LOAD_SHIFT


def _row(result: BenchResult) -> tuple[str, ...]:
    shifted = load_shifted(result)
    detail = result.detail
    if shifted and result.local_baseline_median_s is not None:
        detail = f"{detail}; *baseline was {format_duration(result.local_baseline_median_s)} here".lstrip("; ")
    return (
        result.group,
        result.name,
        format_duration(result.median_s),
        format_duration(result.p90_s),
        f"{result.ratio:.3g}" + ("*" if shifted else " "),
        format_bytes(result.peak_bytes),
        str(result.samples),
        detail,
    )


def format_table(results: Sequence[BenchResult], baseline: str) -> str:
    """A fixed-width table: group, name, median, p90, ratio to the baseline, peak memory, samples, detail."""
    header = ("group", "benchmark", "median", "p90", "× base ", "peak mem", "n", "detail")
    rows = [_row(r) for r in results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    right = {2, 3, 4, 5, 6}

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        return "  ".join([*cells, row[-1]]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    legend = f"× base = median / median of {baseline}, same run; * = load changed while the row ran"
    return "\n".join([legend, line(header), rule, *map(line, rows)])


def write_results(
    directory: Path, module: str, results: Sequence[BenchResult], *, baseline: str, quick: bool, elapsed_s: float
) -> Path:
    """Write `<directory>/<module>.json`: the rows plus enough context to compare runs."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}.json"
    document = {
        "module": module,
        "baseline": baseline,
        "quick": quick,
        "created_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed_s, 3),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "results": [dataclasses.asdict(r) for r in results],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_module(name: str, *, quick: bool, results_dir: Path) -> list[BenchResult]:
    """Run one benchmark module, print its table and write its JSON."""
    module = _load(name)
    run = cast(Run, module.run)
    baseline = str(getattr(module, "BASELINE", "the module's baseline"))
    started = time.perf_counter()
    results = run(quick=quick)
    elapsed_s = time.perf_counter() - started
    path = write_results(results_dir, name, results, baseline=baseline, quick=quick, elapsed_s=elapsed_s)
    mode = "quick" if quick else "full"
    print(f"\n== {name} ({mode}, {elapsed_s:.1f} s) ==")
    print(format_table(results, baseline))
    print(f"wrote {path}")
    return results


def _parser(available: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="module", help=f"benchmarks to run: {', '.join(available)}")
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run with few samples")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON results go")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); 1 when any of them failed."""
    available = benchmark_modules()
    parser = _parser(available)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(available))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; choose from {', '.join(available)}")
    failed = []
    for name in args.modules or available:
        try:
            run_module(name, quick=args.quick, results_dir=args.results_dir)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())
