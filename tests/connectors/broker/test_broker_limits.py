"""What the connector broker does when a store fails, stalls or answers too much, and its socket's life."""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.commands._broker_client import BrokerLogStore
from agentcore.connectors.logs import ColumnSchema, LogQueryError, QueryResult, TableSchema
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import AgentCoreError
from tests.connectors.broker.conftest import BrokerFactory

SECRET = "sv=2024&sig=c2VjcmV0LXNpZ25hdHVyZQ"


class FailingLogStore:
    """Fails every call the way an SDK might: with its own exception, a secret in the message."""

    def tables(self) -> list[TableSchema]:
        raise RuntimeError(f"GET https://example.kusto.windows.net/?{SECRET} failed\nAuthorization: Bearer eyJabc")

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        raise RuntimeError(f"token=eyJhbGciOi.secret.part rejected for {kql}")


class StalledLogStore:
    """Answers nothing until `release` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def tables(self) -> list[TableSchema]:
        self.release.wait(30)
        return []

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        self.release.wait(30)
        return QueryResult(columns=(), rows=())


class WideLogStore:
    """One string column, `max_rows` rows of 1 KB each."""

    def tables(self) -> list[TableSchema]:
        return []

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        rows = tuple((f"{i:04d}" + "x" * 1020,) for i in range(max_rows))
        return QueryResult(columns=(ColumnSchema(name="Message", type="string"),), rows=rows, total_rows=max_rows)


class OddValuesLogStore:
    """Values JSON and pydantic treat differently: NaN, infinities, a lone surrogate, nested dynamic."""

    ROWS = ((math.nan, math.inf, "caf\u00e9 \ud800", {"a": [1, 2.5, None, True]}, -(2**62)),)

    def tables(self) -> list[TableSchema]:
        return []

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        columns = tuple(ColumnSchema(name=f"c{i}", type="dynamic") for i in range(len(self.ROWS[0])))
        return QueryResult(columns=columns, rows=self.ROWS)


def test_values_cross_the_wire_unchanged(start_broker: BrokerFactory) -> None:
    broker = start_broker(logs=OddValuesLogStore())
    rows = BrokerLogStore(broker.socket_path).query("Odd").rows
    assert json.dumps(rows) == json.dumps(OddValuesLogStore.ROWS)
    value = rows[0][0]
    assert isinstance(value, float)
    assert math.isnan(value)


def test_a_store_failure_is_answered_with_a_generic_message(start_broker: BrokerFactory) -> None:
    broker = start_broker(logs=FailingLogStore())
    with pytest.raises(LogQueryError) as caught:
        BrokerLogStore(broker.socket_path).tables()
    assert str(caught.value) == "connector broker: the connector failed; the details are in the agent's log"


def test_a_store_failure_is_logged_at_warning_without_its_secrets(
    start_broker: BrokerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    broker = start_broker(logs=FailingLogStore())
    with caplog.at_level(logging.DEBUG, logger="agentcore.connectors.broker"), pytest.raises(LogQueryError):
        BrokerLogStore(broker.socket_path).tables()
    with caplog.at_level(logging.DEBUG, logger="agentcore.connectors.broker"), pytest.raises(LogQueryError):
        BrokerLogStore(broker.socket_path).query("AppRequests")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("RuntimeError" in w for w in warnings)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "c2VjcmV0LXNpZ25hdHVyZQ" not in logged
    assert "eyJ" not in logged


def test_a_stalled_request_is_answered_with_a_timeout(start_broker: BrokerFactory) -> None:
    store = StalledLogStore()
    broker = start_broker(logs=store, request_timeout_s=0.2)
    try:
        with pytest.raises(LogQueryError, match=r"took longer than 0.2 s"):
            BrokerLogStore(broker.socket_path).query("AppRequests")
    finally:
        store.release.set()


def test_a_stalled_store_does_not_wedge_the_broker(start_broker: BrokerFactory) -> None:
    store = StalledLogStore()
    broker = start_broker(logs=store, request_timeout_s=0.2, max_running_requests=1)
    client = BrokerLogStore(broker.socket_path, timeout_s=10)
    try:
        for _ in range(3):
            with pytest.raises(LogQueryError, match=r"took longer|busy"):
                client.tables()
    finally:
        store.release.set()
    assert client.tables() == []


def test_a_result_over_the_byte_cap_is_cut_with_a_note(start_broker: BrokerFactory) -> None:
    broker = start_broker(logs=WideLogStore(), max_response_bytes=64 * 1024)
    result = BrokerLogStore(broker.socket_path).query("Wide", max_rows=1000)
    assert 0 < len(result.rows) < 64
    assert result.rows[0] == ("0000" + "x" * 1020,)
    assert result.truncated
    assert result.total_rows == 1000
    assert result.note is not None
    assert f"result cut at {len(result.rows)} rows of 1000" in result.note


def test_max_rows_is_capped_by_the_broker(start_broker: BrokerFactory) -> None:
    broker = start_broker(logs=WideLogStore(), max_rows_limit=5)
    assert len(BrokerLogStore(broker.socket_path).query("Wide", max_rows=1000).rows) == 5


def test_the_socket_and_its_folder_are_private(start_broker: BrokerFactory, workspace: Path) -> None:
    broker = start_broker()
    info = broker.socket_path.lstat()
    assert stat.S_ISSOCK(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_IMODE(broker.socket_path.parent.stat().st_mode) == 0o700


def test_close_removes_the_socket_and_its_folder(workspace: Path, log_store: DuckDbLogStore) -> None:
    with ConnectorBroker(broker_socket_path(workspace), logs=log_store) as broker:
        assert broker.socket_path.is_socket()
    assert not (workspace / ".connectors").exists()


def test_a_socket_left_by_an_earlier_run_is_replaced(start_broker: BrokerFactory, workspace: Path) -> None:
    path = broker_socket_path(workspace)
    path.parent.mkdir()
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        with socket.socket(socket.AF_UNIX) as stale:
            stale.bind(f"/proc/self/fd/{folder}/{path.name}")  # the temporary path may be too long to bind
    finally:
        os.close(folder)
    assert path.is_socket()
    broker = start_broker()
    assert BrokerLogStore(broker.socket_path).tables()


def test_a_symlinked_socket_folder_is_refused(workspace: Path, tmp_path: Path, log_store: DuckDbLogStore) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / ".connectors").symlink_to(outside)
    broker = ConnectorBroker(broker_socket_path(workspace), logs=log_store)
    with pytest.raises(AgentCoreError, match="cannot use"):
        broker.start()
    broker.close()
    assert list(outside.iterdir()) == []


def test_a_socket_path_longer_than_sun_path_works(tmp_path: Path, log_store: DuckDbLogStore) -> None:
    workspace = tmp_path / ("w" * 60) / ("x" * 60)
    workspace.mkdir(parents=True)
    with ConnectorBroker(broker_socket_path(workspace), logs=log_store) as broker:
        assert len(str(broker.socket_path)) > 108
        assert BrokerLogStore(broker.socket_path).tables()


def test_a_client_finds_no_broker_after_close(workspace: Path, log_store: DuckDbLogStore) -> None:
    path = broker_socket_path(workspace)
    with ConnectorBroker(path, logs=log_store):
        pass
    with pytest.raises(LogQueryError, match="not answering"):
        BrokerLogStore(path).tables()
