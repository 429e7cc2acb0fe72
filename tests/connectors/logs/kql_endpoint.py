"""The shared telemetry fixture of the LogStore contract, and `duckdb-kql serve` to put it behind Kusto REST.

`build_telemetry_database` loads a few AppRequests / AppExceptions rows into a DuckDB file with
`DuckDbLogStore.load`. `served_kql_endpoint` serves a copy of that file (the server holds a write lock on
the file it serves) on a free loopback port, waits until it answers, and stops it afterwards. The database
name a Kusto client sends is the served file's stem.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
DATABASE = "telemetry"
START_TIMEOUT_S = 30.0
START_ATTEMPTS = 3

REQUEST_COLUMNS = ("TimeGenerated", "AppRoleName", "Name", "ResultCode", "DurationMs", "Success", "OperationId")
REQUESTS = [
    ("2026-03-02T13:00:00Z", "checkout-api", "POST /checkout", "200", 120.0, True, "op1"),
    ("2026-03-02T13:30:00Z", "checkout-api", "POST /checkout", "500", 300.0, False, "op2"),
    ("2026-03-02T13:50:00Z", "checkout-api", "POST /checkout", "500", 250.0, False, "op3"),
    ("2026-03-02T14:00:00Z", "cart-api", "GET /cart", "200", 50.0, True, "op4"),
    ("2026-03-01T14:00:00Z", "cart-api", "GET /cart", "200", 70.0, True, "op5"),
]
STACK = [{"level": 0, "method": "_is_expired", "fileName": "/app/checkout/coupons.py", "line": 58}]
EXCEPTIONS = [
    {
        "TimeGenerated": when,
        "AppRoleName": "checkout-api",
        "ExceptionType": "TypeError",
        "OuterMessage": "'<' not supported between instances of 'NoneType' and 'datetime'",
        "Details": [{"type": "TypeError", "parsedStack": STACK}],
        "ProblemId": "TypeError at checkout.coupons._is_expired",
        "OperationId": operation,
        "Properties": {"coupon": "SPRING26"},
    }
    for when, operation in (("2026-03-02T13:30:00.1Z", "op2"), ("2026-03-02T13:50:00.25Z", "op3"))
]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def build_telemetry_database(root: Path) -> Path:
    """The contract's telemetry in `root/<DATABASE>.duckdb`, loaded the way scenarios load theirs."""
    jsonl = root / "jsonl"
    jsonl.mkdir(parents=True)
    files = {
        "AppRequests": _write_jsonl(
            jsonl / "AppRequests.jsonl", [dict(zip(REQUEST_COLUMNS, r, strict=True)) for r in REQUESTS]
        ),
        "AppExceptions": _write_jsonl(jsonl / "AppExceptions.jsonl", EXCEPTIONS),
    }
    database = root / f"{DATABASE}.duckdb"
    DuckDbLogStore.load(files, database, query_now=INCIDENT).close()
    return database


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _start(served: Path, log: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """Serve `served` on a free port; try another port if the server dies (the port was taken meanwhile)."""
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        command = [sys.executable, "-m", "duckdb_kql", "serve", str(served), "-p", str(port)]
        with log.open("ab") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return process, port
            time.sleep(0.1)
        _stop(process)
    return None


@contextmanager
def served_kql_endpoint(database: Path, workdir: Path) -> Iterator[str]:
    """`duckdb-kql serve` over a copy of `database`; yields its URL. Skips, with the reason, if it cannot start."""
    if importlib.util.find_spec("duckdb_kql") is None:
        pytest.skip("duckdb-kql is not installed (it is a dependency of sre-agent: pip install -e '.[dev]')")
    served = workdir / database.name
    shutil.copyfile(database, served)
    log = workdir / "duckdb-kql-serve.log"
    started = _start(served, log)
    if started is None:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no output)"
        pytest.skip(f"`duckdb-kql serve` did not answer after {START_ATTEMPTS} attempts; its output:\n{tail}")
    process, port = started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
