"""A configured log store reaches the sandboxed `logs` command through the broker during agent stages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.pipeline import InvestigationRequest, run_investigation
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.sandbox.factory import bubblewrap_available
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, call, reply

QUERY = "AppExceptions | summarize n=count() by ExceptionType"


@pytest.fixture
def remote_logs(tmp_path: Path) -> DuckDbLogStore:
    """Stands in for Kusto: a log store that lives outside the workspace, on the host."""
    rows = [
        {"TimeGenerated": "2026-03-02T13:30:00Z", "AppRoleName": "api", "ExceptionType": "TimeoutError",
         "OuterMessage": "db", "Details": "[]", "ProblemId": "p", "OperationId": "o", "Properties": "{}"}
    ] * 3  # fmt: skip
    source = tmp_path / "AppExceptions.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    return DuckDbLogStore.load({"AppExceptions": source}, tmp_path / "remote.duckdb", query_now=now)


def test_the_agent_queries_the_deployments_logs_from_inside_the_sandbox(
    tmp_path: Path, remote_logs: DuckDbLogStore
) -> None:
    if not bubblewrap_available():
        pytest.skip("bubblewrap is not installed: `make test` installs it (apt-get, as root)")
    model = ScriptedModel(
        [
            call("shell", {"command": f"cd notes && logs query '{QUERY}'"}),
            reply("No conclusion."),
            reply("No conclusion."),
            reply("No conclusion."),
        ]
    )
    settings = Settings(data_dir=tmp_path / "data", sandbox="bubblewrap", model=None)
    request = InvestigationRequest.from_cli(scenario=None, alert_file=None, question="why errors?", repos=[])
    with override(model=model, log_store=remote_logs):
        outcome = run_investigation(request, build_dependencies(settings))
    answer = model.requests[1].messages[-1]
    assert answer.role == "tool"
    assert "TimeoutError\t3" in answer.content
    assert not (outcome.workspace / ".connectors").exists(), "the broker is gone once the stage ends"
