"""The connector broker's request/response protocol, with a DuckDbLogStore behind it."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors._broker_protocol import MAX_REQUEST_BYTES, SOCKET_PATH, UnknownTableError
from agentcore.connectors.commands._broker_client import BrokerLogStore
from agentcore.connectors.logs import LogQueryError, QueryResult, TableSchema
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from tests.connectors.broker.conftest import BrokerFactory

ERRORS_QUERY = 'AppRequests | where ResultCode == "500" | project OperationId, DurationMs | order by OperationId asc'


@pytest.fixture
def in_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace as the working directory, as the sandbox's commands have it."""
    monkeypatch.chdir(workspace)
    return workspace


def connect() -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(10)
    conn.connect(str(SOCKET_PATH))
    return conn


def exchange(data: bytes) -> dict[str, Any]:
    """Send `data` as it is on a fresh connection and return the broker's answer."""
    with connect() as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    parsed: dict[str, Any] = json.loads(answer)
    return parsed


def test_a_query_answers_what_the_store_answers(start_broker: BrokerFactory, log_store: DuckDbLogStore) -> None:
    broker = start_broker()
    result = BrokerLogStore(broker.socket_path).query(ERRORS_QUERY, max_rows=100)
    direct = log_store.query(ERRORS_QUERY, max_rows=100)
    assert QueryResult.model_validate(result.model_dump(exclude={"note"})) == direct
    assert result.as_dicts() == [
        {"OperationId": "op2", "DurationMs": 300.0},
        {"OperationId": "op3", "DurationMs": 250.0},
    ]
    assert result.note is None


def test_the_table_list_answers_what_the_store_lists(start_broker: BrokerFactory, log_store: DuckDbLogStore) -> None:
    broker = start_broker()
    assert BrokerLogStore(broker.socket_path).tables() == log_store.tables()


def test_schema_names_a_table_case_insensitively(start_broker: BrokerFactory) -> None:
    broker = start_broker()
    table = BrokerLogStore(broker.socket_path).table("apprequests")
    assert isinstance(table, TableSchema)
    assert table.name == "AppRequests"
    assert "ResultCode" in [c.name for c in table.columns]


def test_schema_of_an_unknown_table_lists_the_tables(start_broker: BrokerFactory) -> None:
    broker = start_broker()
    with pytest.raises(UnknownTableError, match=r"no table 'Nope'; tables: AppExceptions, AppRequests"):
        BrokerLogStore(broker.socket_path).table("Nope")


def test_query_rows_are_capped_at_max_rows(start_broker: BrokerFactory) -> None:
    broker = start_broker()
    result = BrokerLogStore(broker.socket_path).query("AppRequests", max_rows=2)
    assert len(result.rows) == 2
    assert result.truncated
    assert result.total_rows == 4


def test_the_log_query_error_text_reaches_the_client(start_broker: BrokerFactory, log_store: DuckDbLogStore) -> None:
    broker = start_broker()
    kql = "AppRequests | make-series c=count() on TimeGenerated step 1h"
    with pytest.raises(LogQueryError) as direct:
        log_store.query(kql)
    with pytest.raises(LogQueryError) as brokered:
        BrokerLogStore(broker.socket_path).query(kql)
    assert str(brokered.value) == str(direct.value)
    assert "make-series" in str(brokered.value)


def test_an_oversized_request_is_refused(start_broker: BrokerFactory, in_workspace: Path) -> None:
    start_broker()
    request = json.dumps({"v": 1, "op": "query", "kql": "x" * MAX_REQUEST_BYTES}).encode() + b"\n"
    answer = exchange(request)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "too_large"


def test_an_oversized_query_reaches_the_agent_as_a_log_query_error(start_broker: BrokerFactory) -> None:
    broker = start_broker()
    with pytest.raises(LogQueryError, match="larger than"):
        BrokerLogStore(broker.socket_path).query("AppRequests | where Name has '" + "x" * MAX_REQUEST_BYTES + "'")


def test_a_garbage_request_gets_an_error_and_the_broker_keeps_serving(
    start_broker: BrokerFactory, in_workspace: Path
) -> None:
    broker = start_broker()
    for garbage in (b"\xff\xfe not json at all\n", b"[1, 2]\n", b'{"v": 1, "op": "drop"}\n', b"\n"):
        answer = exchange(garbage)
        assert answer == {"v": 1, "ok": False, "error": answer["error"]}
        assert answer["error"]["code"] == "bad_request"
    assert BrokerLogStore(broker.socket_path).tables()


def test_a_request_with_an_unknown_field_is_refused(start_broker: BrokerFactory, in_workspace: Path) -> None:
    start_broker()
    answer = exchange(b'{"v": 1, "op": "tables", "credential": "please"}\n')
    assert answer["error"]["code"] == "bad_request"


def test_another_protocol_version_is_refused_by_name(start_broker: BrokerFactory, in_workspace: Path) -> None:
    start_broker()
    answer = exchange(b'{"v": 2, "op": "tables"}\n')
    assert answer["error"]["code"] == "unsupported_version"


def test_a_client_that_sends_nothing_does_not_block_others(start_broker: BrokerFactory, in_workspace: Path) -> None:
    broker = start_broker(read_timeout_s=60)
    with connect():
        assert BrokerLogStore(broker.socket_path, timeout_s=10).tables()


def test_a_client_that_sends_nothing_is_answered_after_the_read_timeout(
    start_broker: BrokerFactory, in_workspace: Path
) -> None:
    start_broker(read_timeout_s=0.2)
    with connect() as silent:
        answer = json.loads(silent.recv(65536))
    assert answer["error"]["code"] == "bad_request"
    assert "no complete request" in answer["error"]["message"]


def test_connections_beyond_the_limit_are_answered_busy(start_broker: BrokerFactory, in_workspace: Path) -> None:
    broker = start_broker(max_connections=1, read_timeout_s=60)
    with connect(), pytest.raises(LogQueryError, match="too many connections"):
        BrokerLogStore(broker.socket_path, timeout_s=10).tables()


def test_queries_run_concurrently(start_broker: BrokerFactory) -> None:
    broker = start_broker()
    results: list[int] = []

    def ask() -> None:
        results.append(len(BrokerLogStore(broker.socket_path).query(ERRORS_QUERY).rows))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2] * 6


def test_without_a_log_store_the_broker_says_so(start_broker: BrokerFactory) -> None:
    broker = start_broker(logs=None)
    with pytest.raises(LogQueryError, match="no log store is connected"):
        BrokerLogStore(broker.socket_path).tables()
