"""An agent-mode investigation through the Functions handlers, its shell commands run in a remote session.

The sandbox is RemoteSandbox over the real sandbox server, behind the loopback stand-in pool (routing by
session identifier and a static token check only: tests/remote_sandbox_fixture.py). The deployment's log
store is a DuckDB file on the host; the `logs` command in the session reaches it through the relay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.models import ModelRequest
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.state import Stage
from agentcore.pipeline.wiring import app_dependencies, override
from agentcore.reports import load_report
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.factory import RemoteSandboxFactory
from agentcore.sandbox.server.standin_pool import StaticTokenCredential
from tests.functions.conftest import App, DurableHost
from tests.functions.test_servicebus_functions import ask, deliver
from tests.pipeline.pipeline_harness import CONCLUSION, ConversationModel, Turn
from tests.remote_sandbox_fixture import POOL_TOKEN, RemotePool, standin_pool

__all__ = ["standin_pool"]

Handler = Callable[[str], Callable[..., Any]]
SHELL = "logs query 'AppExceptions | summarize n=count() by ExceptionType'; echo ran > outputs/from-shell.txt"


def _logs(tmp_path: Path) -> DuckDbLogStore:
    row = {"TimeGenerated": "2026-03-02T13:30:00Z", "AppRoleName": "api", "ExceptionType": "TimeoutError",
           "OuterMessage": "db", "Details": "[]", "ProblemId": "p", "OperationId": "o", "Properties": "{}"}  # fmt: skip
    source = tmp_path / "AppExceptions.jsonl"
    source.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    return DuckDbLogStore.load({"AppExceptions": source}, tmp_path / "host-logs.duckdb", query_now=now)


def test_an_agent_investigation_completes_with_its_commands_run_in_a_remote_session(
    app: App, handler: Handler, durable_host: DurableHost, standin_pool: RemotePool, tmp_path: Path
) -> None:
    seen: list[str] = []

    def after_the_shell(request: ModelRequest) -> Turn:
        seen.append(request.messages[-1].content)
        return ("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)})

    turns: list[Turn] = [
        ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        ("shell", {"command": SHELL}),
        after_the_shell,
        "Done.",
    ]
    model = ConversationModel(turns=turns)
    factory = RemoteSandboxFactory(
        standin_pool.pool.endpoint, StaticTokenCredential(POOL_TOKEN), SandboxLimits(), http=standin_pool.http
    )
    sessions_before = standin_pool.pool.started_sessions
    with override(model=model, sandbox_factory=factory, log_store=_logs(tmp_path)):
        investigation_id = ask(app, handler)
        while deliver(app, handler, durable_host) is not None:
            pass
        state = load_state(app_dependencies(), investigation_id)

    assert state is not None
    assert (state.state.stage, state.state.report_status) == (Stage.DONE, "completed")
    assert "TimeoutError\t2" in seen[0], "the session's `logs` reached the host's log store through the relay"
    assert "outputs/from-shell.txt" in state.state.outputs, "what the command wrote came back and was checkpointed"
    assert standin_pool.pool.started_sessions == sessions_before + 1, "one session for the investigation"
    assert f"sre-agent-{investigation_id}" in standin_pool.pool.sessions
    assert state.state.report_json is not None
    report = load_report(app.store, state.state.report_json)
    assert report.commands_ran_in is not None
    assert report.commands_ran_in.startswith("in Azure Container Apps dynamic sessions (pool 127.0.0.1)")


def test_a_local_investigations_report_says_its_commands_ran_on_the_host(app: App, handler: Handler) -> None:
    from agentcore.pipeline.wiring import commands_location

    assert commands_location(app_dependencies()) == "on the agent's host, in the subprocess sandbox"
