"""Issue 11.1, done when: sre-agent's own failures — a 429, a timeout, a stream broken mid-response and a
400 — injected into the real Anthropic adapter, land in the local log tables, and `sre-agent cluster
--self` separates the four causes and traces each into the agentcore/ module where it failed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import httpx2
import pytest
import respx

from agentcore.cli import main
from agentcore.clustering import Cluster
from agentcore.clustering.commands import cluster_own_telemetry
from agentcore.clustering.grouping import is_in_app
from agentcore.clustering.records import StackFrame
from agentcore.errors import ModelError
from agentcore.models import Message, ModelRequest, SystemBlock
from agentcore.models._retry import RetryPolicy
from agentcore.models.anthropic import AnthropicModelClient
from agentcore.telemetry.local import LocalTelemetryTables
from agentcore.telemetry.scope import bind_step
from tests.models.respx_bridge import BrokenStream

URL = "https://api.anthropic.com/v1/messages"
FIXTURES = Path(__file__).parent.parent / "models" / "fixtures"
REQUEST = ModelRequest(
    system=(SystemBlock(text="You are an SRE agent."),),
    messages=(Message(role="user", content="Alert: 5xx on checkout."),),
    investigation_id="inv-self-1",
)
CAUSES = ("http_429", "timeout", "stream_broken", "http_400")


def sse(name: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=(FIXTURES / name).read_bytes())


def api_error(status: int, error_type: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"type": "error", "error": {"type": error_type, "message": message}})


def broken_stream() -> httpx.Response:
    head = (FIXTURES / "anthropic_text_and_tool_use.sse").read_bytes()[:900]
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=BrokenStream(head))


def scripted_run(telemetry_dir: Path, http_client: httpx2.Client, respx_mock: respx.MockRouter) -> None:
    """Four model calls, one step each: a 429, a timeout and a broken stream (each retried once, then
    answered) and a 400 that is never retried."""
    client = AnthropicModelClient(
        "claude-sonnet-4-6",
        api_key="sk-ant-test-SECRET-0001",
        ledger=LocalTelemetryTables(telemetry_dir),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.0),
        sleep=lambda _s: None,
        http_client=http_client,
    )
    respx_mock.post(URL).mock(
        side_effect=[
            api_error(429, "rate_limit_error", "Number of requests has exceeded your rate limit"),
            sse("anthropic_end_turn.sse"),
            httpx.ReadTimeout("The read operation timed out"),
            sse("anthropic_end_turn.sse"),
            broken_stream(),
            sse("anthropic_end_turn.sse"),
            api_error(400, "invalid_request_error", "messages.0.content: Input should be a valid list"),
        ]
    )
    for step in (1, 2, 3):
        bind_step("inv-self-1", step)
        client.complete(REQUEST)
    bind_step("inv-self-1", 4)
    with pytest.raises(ModelError):
        client.complete(REQUEST)


def cause_of(cluster: Cluster) -> str:
    return next(cause for cause in CAUSES if f"[{cause}]" in cluster.title)


def failing_module(cluster: Cluster) -> str:
    """The file of the innermost frame of sre-agent's own code: where the failure surfaced."""
    return next(f.file for f in cluster.frames if is_in_app(StackFrame(f.method, f.file, f.line)))


@pytest.fixture
def telemetry_dir(tmp_path: Path, http_client: httpx2.Client, respx_mock: respx.MockRouter) -> Path:
    directory = tmp_path / "data" / "telemetry"
    scripted_run(directory, http_client, respx_mock)
    return directory


def test_the_four_injected_causes_become_four_clusters(telemetry_dir: Path) -> None:
    report = cluster_own_telemetry(telemetry_dir, window=timedelta(hours=24), now=datetime.now(UTC))
    assert report.records == 4
    assert sorted(cause_of(cluster) for cluster in report.clusters) == sorted(CAUSES)
    assert all(cluster.count == 1 for cluster in report.clusters)


def test_each_cause_is_traced_to_the_agentcore_module_where_it_failed(telemetry_dir: Path) -> None:
    report = cluster_own_telemetry(telemetry_dir, window=timedelta(hours=24), now=datetime.now(UTC))
    traced = {cause_of(cluster): failing_module(cluster) for cluster in report.clusters}
    assert traced == {
        "http_429": "agentcore/models/anthropic.py",  # the SDK call answered 429
        "timeout": "agentcore/models/anthropic.py",
        "http_400": "agentcore/models/anthropic.py",
        "stream_broken": "agentcore/models/_retry.py",  # guard_stream turns the cut into a broken stream
    }


def test_the_stream_cut_is_raised_by_guard_stream(telemetry_dir: Path) -> None:
    report = cluster_own_telemetry(telemetry_dir, window=timedelta(hours=24), now=datetime.now(UTC))
    stream = next(cluster for cluster in report.clusters if cause_of(cluster) == "stream_broken")
    in_app = [f.method for f in stream.frames if is_in_app(StackFrame(f.method, f.file, f.line))]
    assert in_app[0] == "agentcore.models._retry.guard_stream"


def test_sre_agent_cluster_self_reports_the_four_clusters(
    telemetry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = telemetry_dir.parent
    assert main(["cluster", "--self", "--data-dir", str(data_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == 4
    assert len(report["clusters"]) == 4
    assert {cluster["services"][0] for cluster in report["clusters"]} == {"sre-agent"}
