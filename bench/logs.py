"""Telemetry loading at scale: `load_jsonl_tables` against DuckDB's own `read_json` into a table, same file, same run.

A generated `AppDependencies.jsonl` (10^6 rows, ~300 MB; 5·10^4 with --quick; `SRE_BENCH_LOG_ROWS=10000000`
for 10^7, which takes minutes) is loaded by each side in its own fresh process, alternating, a few rounds:
- baseline: `CREATE TABLE t AS SELECT * FROM read_json(file, format='newline_delimited')` (types detected
  from a sample, no checks);
- ours: `load_jsonl_tables` (every key found, explicit types, every value checked in SQL).
Each child reports the load's wall time and CPU time (imports excluded) and its peak RSS (`ru_maxrss`),
shown in the peak-memory column; the CPU-time ratio is in the detail (steadier on a shared machine).
The target is ours ≤ 2× the baseline in wall time; the detail column says whether it is met.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._timing import BenchResult, Timing, bench_result

BASELINE = "DuckDB's own read_json into a table (auto-detected types), same file"
TARGET_RATIO = 2.0
FULL_ROWS, QUICK_ROWS = 1_000_000, 50_000
ROWS_VARIABLE = "SRE_BENCH_LOG_ROWS"
"""Environment variable: how many rows to generate instead (10000000 for the 10^7 measurement)."""
TABLE = "AppDependencies"


def generate(path: Path, rows: int) -> Path:
    """`rows` AppDependencies rows as Log Analytics exports them, written by DuckDB (fast at 10^7)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    literal = str(path).replace("'", "''")
    duckdb.connect().execute(
        f"""COPY (SELECT
              strftime(TIMESTAMP '2026-03-02 00:00:00' + to_microseconds(i * 997), '%Y-%m-%dT%H:%M:%S.%fZ')
                AS TimeGenerated,
              ['checkout-api', 'cart-api', 'payments-api', 'inventory-api'][i % 4 + 1] AS AppRoleName,
              'GET /api/items/{{id}}' AS Name, 'db.internal' AS Target, 'SQL' AS DependencyType,
              CASE WHEN i % 17 = 0 THEN '500' ELSE '200' END AS ResultCode,
              round((i * 7919) % 500000 / 1000.0, 3) AS DurationMs, i % 17 <> 0 AS Success,
              md5(i::VARCHAR) AS OperationId,
              {{'region': 'westeurope', 'attempt': i % 3, 'cart': 'c-' || (i % 9973)}} AS Properties
            FROM range({rows}) AS r(i)) TO '{literal}' (FORMAT json)"""
    )
    return path


def _child(side: str, path: Path, database: Path) -> tuple[float, int, float]:
    """Run one load in a fresh interpreter: (seconds the load took, peak RSS in bytes, CPU seconds it used)."""
    database.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.logs", side, str(path), str(database)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    database.unlink(missing_ok=True)
    return float(report["load_s"]), int(report["maxrss_kb"]) * 1024, float(report["cpu_s"])


def run(quick: bool) -> list[BenchResult]:
    rows = int(os.environ.get(ROWS_VARIABLE) or (QUICK_ROWS if quick else FULL_ROWS))
    rounds = 1 if quick or rows > FULL_ROWS else 3
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as scratch:
        started = time.perf_counter()
        path = generate(Path(scratch) / "telemetry" / f"{TABLE}.jsonl", rows)
        made = (
            f"{rows:,} rows, {path.stat().st_size / 1024**2:.0f} MB, generated in {time.perf_counter() - started:.1f} s"
        )
        raw: list[tuple[float, int, float]] = []
        ours: list[tuple[float, int, float]] = []
        for _ in range(rounds):
            raw.append(_child("raw", path, Path(scratch) / "raw.duckdb"))
            ours.append(_child("ours", path, Path(scratch) / "ours.duckdb"))
    baseline = Timing(tuple(s for s, _, _ in raw))
    timing = Timing(tuple(s for s, _, _ in ours))
    ratio = timing.median_s / baseline.median_s
    cpu_ratio = statistics.median(c for _, _, c in ours) / statistics.median(c for _, _, c in raw)
    verdict = (
        f"≤ {TARGET_RATIO:g}× {'met' if ratio <= TARGET_RATIO else 'NOT met'} ({ratio:.2f}×; CPU time {cpu_ratio:.2f}×)"
    )
    return [
        bench_result(
            "load",
            f"read_json into a table, {rows:,} rows",
            baseline,
            baseline,
            peak_bytes=max(m for _, m, _ in raw),
            detail=made,
        ),
        bench_result(
            "load",
            f"load_jsonl_tables, {rows:,} rows",
            timing,
            baseline,
            peak_bytes=max(m for _, m, _ in ours),
            detail=f"{verdict}; peak = RSS of the loading process",
        ),
    ]


def _load_in_this_process(side: str, path: Path, database: Path) -> None:
    import resource

    import duckdb

    from agentcore.connectors.logs._jsonl_loader import load_jsonl_tables
    from agentcore.connectors.logs.duckdb import DEFAULT_MAX_ROW_BYTES

    con = duckdb.connect(str(database))
    con.execute("SET TimeZone='UTC'")
    literal = str(path).replace("'", "''")
    started, cpu_started = time.perf_counter(), _cpu_s()
    if side == "raw":
        con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_json('{literal}', format='newline_delimited')")
    else:
        load_jsonl_tables(con, {TABLE: path}, max_row_bytes=DEFAULT_MAX_ROW_BYTES)
    con.close()
    elapsed, cpu_s = time.perf_counter() - started, _cpu_s() - cpu_started
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"load_s": elapsed, "maxrss_kb": maxrss_kb, "cpu_s": cpu_s}))


def _cpu_s() -> float:
    """CPU seconds this process used so far, all threads (DuckDB's included): steadier than wall time when
    the machine is shared."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    _load_in_this_process(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
