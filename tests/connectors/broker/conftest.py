"""Fixtures of the connector broker tests: a small DuckDbLogStore, and brokers serving it in this process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.logs import LogStore
from agentcore.connectors.logs.duckdb import DuckDbLogStore

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
REQUEST_COLUMNS = ("TimeGenerated", "AppRoleName", "Name", "ResultCode", "DurationMs", "Success", "OperationId")
REQUESTS = [
    ("2026-03-02T13:00:00Z", "checkout-api", "POST /checkout", "200", 120.0, True, "op1"),
    ("2026-03-02T13:30:00Z", "checkout-api", "POST /checkout", "500", 300.0, False, "op2"),
    ("2026-03-02T13:50:00Z", "checkout-api", "POST /checkout", "500", 250.0, False, "op3"),
    ("2026-03-02T14:00:00Z", "cart-api", "GET /cart", "200", 50.0, True, "op4"),
]
EXCEPTIONS = [
    {
        "TimeGenerated": "2026-03-02T13:30:00.1Z",
        "AppRoleName": "checkout-api",
        "ExceptionType": "TypeError",
        "OuterMessage": "'<' not supported between instances of 'NoneType' and 'datetime'",
        "Details": [{"type": "TypeError", "parsedStack": [{"method": "_is_expired", "line": 58}]}],
        "OperationId": "op2",
        "Properties": {"coupon": "SPRING26"},
    }
]

BrokerFactory = Callable[..., ConnectorBroker]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def build_log_database(root: Path) -> Path:
    """A few AppRequests and AppExceptions rows in `root/telemetry.duckdb`, built from JSONL files."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "AppRequests": _write_jsonl(
            root / "AppRequests.jsonl", [dict(zip(REQUEST_COLUMNS, row, strict=True)) for row in REQUESTS]
        ),
        "AppExceptions": _write_jsonl(root / "AppExceptions.jsonl", EXCEPTIONS),
    }
    database = root / "telemetry.duckdb"
    DuckDbLogStore.load(files, database, query_now=INCIDENT).close()
    return database


@pytest.fixture(scope="session")
def log_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once, outside every workspace; no test writes to it."""
    return build_log_database(tmp_path_factory.mktemp("broker-logs"))


@pytest.fixture(scope="module")
def log_store(log_database: Path) -> Iterator[DuckDbLogStore]:
    store = DuckDbLogStore(log_database)
    yield store
    store.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def start_broker(workspace: Path, log_store: DuckDbLogStore) -> Iterator[BrokerFactory]:
    """Starts a broker on the workspace's socket (the DuckDB store unless `logs=` says otherwise)."""
    started: list[ConnectorBroker] = []

    def start(*, logs: LogStore | None = log_store, **options: Any) -> ConnectorBroker:
        broker = ConnectorBroker(broker_socket_path(workspace), logs=logs, **options)
        broker.start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.close()
