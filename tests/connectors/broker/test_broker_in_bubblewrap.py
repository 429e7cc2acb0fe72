"""End to end with real bubblewrap: `logs` inside the sandbox, which has no telemetry and no network, is
answered by the broker running in this test process, over the socket in the bind-mounted workspace."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import agentcore
from agentcore.connectors.logs import LogQueryError
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox.factory import bubblewrap_available, build_sandbox
from agentcore.workspace import install_commands
from tests.connectors.broker.conftest import BrokerFactory

pytestmark = pytest.mark.bwrap


@pytest.fixture
def sandbox(workspace: Path) -> Sandbox:
    if not bubblewrap_available():
        pytest.skip("bubblewrap is not installed: `make test` installs it (apt-get, as root)")
    install_commands(workspace)
    package = Path(agentcore.__file__).resolve().parent  # the commands are this package's modules
    return build_sandbox("bubblewrap", workspace, SandboxLimits(wall_time_s=60), extra_ro_binds=(package,))


def run(sandbox: Sandbox, command: str) -> tuple[int | None, str]:
    result = sandbox.run(command, timeout_s=60)
    return result.exit_code, result.output.decode()


def test_logs_in_the_sandbox_is_answered_by_the_broker(
    sandbox: Sandbox, workspace: Path, start_broker: BrokerFactory
) -> None:
    start_broker()
    assert not (workspace / "data" / "telemetry.duckdb").exists()
    kql = 'AppRequests | where ResultCode == "500" | project OperationId, DurationMs'
    code, out = run(sandbox, f"logs query '{kql}'")
    assert code == 0, out
    assert out.splitlines()[:3] == ["OperationId\tDurationMs", "op2\t300.0", "op3\t250.0"]
    saved = out.splitlines()[-1].removesuffix(")").split("full result: ")[1]
    assert (workspace / saved).read_text().splitlines() == ["OperationId,DurationMs", "op2,300.0", "op3,250.0"]


def test_the_brokers_query_errors_reach_the_sandbox(
    sandbox: Sandbox, start_broker: BrokerFactory, log_store: DuckDbLogStore
) -> None:
    start_broker()
    kql = "AppRequests | make-series c=count() on TimeGenerated step 1h"
    with pytest.raises(LogQueryError) as direct:
        log_store.query(kql)
    code, out = run(sandbox, f"logs query '{kql}'")
    assert code == 1
    assert out == f"logs: {direct.value}\n"


def test_the_sandbox_reaches_the_broker_and_still_has_no_network(sandbox: Sandbox, start_broker: BrokerFactory) -> None:
    start_broker()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as host_service:
        host_service.bind(("127.0.0.1", 0))
        host_service.listen()
        port = host_service.getsockname()[1]
        code, out = run(sandbox, "logs tables")
        assert code == 0, out
        assert [line.split("\t")[0] for line in out.splitlines()] == ["AppExceptions", "AppRequests"]
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('connected')"
        code, out = run(sandbox, f'python3 -c "{probe}"')
        assert code != 0
        assert "connected" not in out
        assert "ConnectionRefusedError" in out or "Network is unreachable" in out
        host_service.setblocking(False)
        with pytest.raises(BlockingIOError):
            host_service.accept()


def test_without_a_broker_logs_in_the_sandbox_says_there_is_no_log_data(sandbox: Sandbox) -> None:
    code, out = run(sandbox, "logs tables")
    assert code == 2
    assert out == "logs: this workspace has no log data (data/telemetry.duckdb is missing)\n"
