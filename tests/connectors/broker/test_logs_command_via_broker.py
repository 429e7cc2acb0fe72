"""`logs` answers from the connector broker when the workspace has no telemetry, and prints the same."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.commands import logs
from tests.connectors.broker.conftest import BrokerFactory
from tests.connectors.broker.test_broker_limits import WideLogStore

ERRORS_QUERY = 'AppRequests | where ResultCode == "500" | project TimeGenerated, OperationId, DurationMs'


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    saved: dict[str, str]


def run_logs(
    workspace: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Ran:
    with monkeypatch.context() as patch:
        patch.chdir(workspace)
        code = logs.main(argv)
    captured = capsys.readouterr()
    outputs = workspace / "outputs"
    saved = {p.name: p.read_text() for p in sorted(outputs.iterdir())} if outputs.is_dir() else {}
    return Ran(code, captured.out, captured.err, saved)


@pytest.fixture
def local_workspace(tmp_path: Path, log_database: Path) -> Path:
    """A workspace with its own copy of the telemetry, as scenarios have."""
    root = tmp_path / "local"
    (root / "data").mkdir(parents=True)
    shutil.copyfile(log_database, root / logs.DATABASE)
    return root


@pytest.mark.parametrize(
    "argv",
    [
        ["tables"],
        ["schema", "apprequests"],
        ["schema", "Nope"],
        ["query", ERRORS_QUERY],
        ["query", "AppRequests | order by OperationId asc", "--max-rows", "2", "--show", "1"],
        ["query", "AppExceptions | project Details, Properties"],
        ["query", "AppRequests | make-series c=count() on TimeGenerated step 1h"],
        ["query", "NoSuchTable | take 1"],
    ],
    ids=["tables", "schema", "unknown-table", "query", "truncated", "dynamic", "unsupported", "bad-table"],
)
def test_logs_prints_and_saves_the_same_whichever_backend_answers(
    argv: list[str],
    local_workspace: Path,
    workspace: Path,
    start_broker: BrokerFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    start_broker()
    assert not (workspace / logs.DATABASE).exists()
    local = run_logs(local_workspace, argv, monkeypatch, capsys)
    brokered = run_logs(workspace, argv, monkeypatch, capsys)
    assert brokered == local
    assert local.out or local.err


def test_the_broker_is_used_before_the_workspace_telemetry_so_results_are_redacted_on_the_host(
    local_workspace: Path,
    start_broker: BrokerFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The broker listens in the workspace that also holds data/telemetry.duckdb (which would answer "Count").
    with ConnectorBroker(broker_socket_path(local_workspace), logs=WideLogStore()):
        ran = run_logs(local_workspace, ["query", "AppRequests | count"], monkeypatch, capsys)
    assert ran.code == 0
    assert ran.out.splitlines()[0] == "Message"


def test_without_a_broker_the_workspace_telemetry_answers(
    local_workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_logs(local_workspace, ["query", "AppRequests | count"], monkeypatch, capsys)
    assert ran.code == 0
    assert ran.out.splitlines()[:2] == ["Count", "4"]


def test_a_result_cut_by_the_broker_says_so(
    workspace: Path, start_broker: BrokerFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    start_broker(logs=WideLogStore(), max_response_bytes=64 * 1024)
    ran = run_logs(workspace, ["query", "Wide", "--max-rows", "1000"], monkeypatch, capsys)
    assert ran.code == 0
    last = ran.out.splitlines()[-1]
    assert last.startswith("(result cut at ")
    assert "rows of 1000 to fit the connector broker's 0.0625 MiB response limit" in last


def test_without_telemetry_or_broker_logs_says_there_is_no_log_data(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_logs(workspace, ["tables"], monkeypatch, capsys)
    assert ran.code == 2
    assert ran.err == "logs: this workspace has no log data (data/telemetry.duckdb is missing)\n"


def test_a_broker_that_does_not_answer_is_a_one_line_error(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broker_socket_path(workspace)
    path.parent.mkdir()
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        with socket.socket(socket.AF_UNIX) as dead:  # bound, never listening: a broker that crashed
            dead.bind(f"/proc/self/fd/{folder}/{path.name}")
            ran = run_logs(workspace, ["tables"], monkeypatch, capsys)
    finally:
        os.close(folder)
    assert ran.code == 1
    assert ran.err == "logs: the connector broker at .connectors/broker.sock is not answering (Connection refused)\n"
