"""Issue 11.1, done when: sre-agent's own failures — a 429, a timeout, a stream broken mid-response and a
400 — injected into the real Anthropic and OpenAI adapters, land in the local log tables, and `sre-agent cluster
--self` separates the four causes and traces each into the agentcore/ module where it failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx

from agentcore.cli import main
from agentcore.clustering import Cluster
from agentcore.clustering.commands import cluster_scenario
from agentcore.clustering.grouping import is_in_app
from agentcore.clustering.records import StackFrame
from agentcore.clustering.report import ClusteringReport
from agentcore.clustering.self_scenario import write_self_scenario
from agentcore.errors import ModelError
from agentcore.models import Message, ModelClient, ModelRequest, SystemBlock
from agentcore.models._retry import RetryPolicy
from agentcore.models.anthropic import AnthropicModelClient
from agentcore.models.openai import OpenAIModelClient
from agentcore.pipeline.clustering import run_daily_clustering
from agentcore.settings import Settings
from agentcore.telemetry.ledger import ModelCallLedger
from agentcore.telemetry.local import APP_ROLE_NAME, LocalTelemetryTables
from agentcore.telemetry.scope import bind_step
from tests.models.respx_bridge import BrokenStream
from tests.pipeline.pipeline_harness import quick_runner

FIXTURES = Path(__file__).parent.parent / "models" / "fixtures"
REQUEST = ModelRequest(
    system=(SystemBlock(text="You are an SRE agent."),),
    messages=(Message(role="user", content="Alert: 5xx on checkout."),),
    investigation_id="inv-self-1",
)
CAUSES = ("http_429", "timeout", "stream_broken", "http_400")
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.0)


def sse(name: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=(FIXTURES / name).read_bytes())


def broken_stream(name: str, length: int) -> httpx.Response:
    head = (FIXTURES / name).read_bytes()[:length]
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=BrokenStream(head))


@dataclass(frozen=True)
class Provider:
    """A real adapter, the provider's URL, and its answers: a good one, an error body, a stream cut short."""

    name: str
    url: str
    adapter_file: str
    build: Callable[[ModelCallLedger, httpx2.Client], ModelClient]
    answer: Callable[[], httpx.Response]
    error: Callable[[int, str], httpx.Response]
    cut: Callable[[], httpx.Response]


ANTHROPIC = Provider(
    "anthropic",
    "https://api.anthropic.com/v1/messages",
    "agentcore/models/anthropic.py",
    lambda ledger, http: AnthropicModelClient(
        "claude-sonnet-4-6",
        api_key="sk-ant-test-SECRET-0001",
        ledger=ledger,
        retry=FAST_RETRY,
        sleep=lambda _s: None,
        http_client=http,
    ),  # fmt: skip
    lambda: sse("anthropic_end_turn.sse"),
    lambda status, message: httpx.Response(
        status,
        json={
            "type": "error",
            "error": {"type": "rate_limit_error" if status == 429 else "invalid_request_error", "message": message},
        },
    ),  # fmt: skip
    lambda: broken_stream("anthropic_text_and_tool_use.sse", 900),
)
OPENAI = Provider(
    "openai",
    "https://api.openai.com/v1/chat/completions",
    "agentcore/models/openai.py",
    lambda ledger, http: OpenAIModelClient(
        "gpt-4.1",
        api_key="sk-proj-test-SECRET-0002",
        ledger=ledger,
        retry=FAST_RETRY,
        sleep=lambda _s: None,
        http_client=http,
    ),  # fmt: skip
    lambda: sse("openai_text.sse"),
    lambda status, message: httpx.Response(
        status, json={"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    ),
    lambda: broken_stream("openai_tool_calls.sse", 1200),
)


def scripted_run(provider: Provider, telemetry_dir: Path, http: httpx2.Client, respx_mock: respx.MockRouter) -> None:
    """Four model calls, one step each: a 429, a timeout and a broken stream (each retried once, then
    answered) and a 400 that is never retried."""
    client = provider.build(LocalTelemetryTables(telemetry_dir), http)
    respx_mock.post(provider.url).mock(
        side_effect=[
            provider.error(429, "Number of requests has exceeded your rate limit"),
            provider.answer(),
            httpx.ReadTimeout("The read operation timed out"),
            provider.answer(),
            provider.cut(),
            provider.answer(),
            provider.error(400, "messages.0.content: Input should be a valid list"),
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


@pytest.fixture(params=[ANTHROPIC, OPENAI], ids=lambda provider: provider.name)
def provider(request: pytest.FixtureRequest) -> Provider:
    chosen: Provider = request.param
    return chosen


@pytest.fixture
def telemetry_dir(provider: Provider, tmp_path: Path, http_client: httpx2.Client, respx_mock: respx.MockRouter) -> Path:
    directory = tmp_path / "data" / "telemetry"
    scripted_run(provider, directory, http_client, respx_mock)
    return directory


def own_clusters(telemetry_dir: Path, scratch: Path) -> ClusteringReport:
    """sre-agent's own errors of the last 24 h clustered as `cluster --self` does (a self-scenario), with a
    one-file source so that no repository is bundled."""
    source = scratch / "source"
    (source / "agentcore").mkdir(parents=True)
    (source / "agentcore" / "__init__.py").write_text("")
    scenario = write_self_scenario(telemetry_dir, scratch / "scenario", now=datetime.now(UTC), source=source)
    return cluster_scenario(scenario, window=timedelta(hours=24), service=APP_ROLE_NAME)


def test_the_four_injected_causes_become_four_clusters(telemetry_dir: Path, tmp_path: Path) -> None:
    report = own_clusters(telemetry_dir, tmp_path)
    assert report.records == 4
    assert sorted(cause_of(cluster) for cluster in report.clusters) == sorted(CAUSES)
    assert all(cluster.count == 1 for cluster in report.clusters)


def test_each_cause_is_traced_to_the_agentcore_module_where_it_failed(
    provider: Provider, telemetry_dir: Path, tmp_path: Path
) -> None:
    report = own_clusters(telemetry_dir, tmp_path)
    traced = {cause_of(cluster): failing_module(cluster) for cluster in report.clusters}
    assert traced == {
        "http_429": provider.adapter_file,  # the adapter's SDK call answered 429
        "timeout": provider.adapter_file,
        "http_400": provider.adapter_file,
        "stream_broken": "agentcore/models/_retry.py",  # guard_stream turns the cut into a broken stream
    }


def test_the_stream_cut_is_raised_by_guard_stream(telemetry_dir: Path, tmp_path: Path) -> None:
    report = own_clusters(telemetry_dir, tmp_path)
    stream = next(cluster for cluster in report.clusters if cause_of(cluster) == "stream_broken")
    in_app = [f.method for f in stream.frames if is_in_app(StackFrame(f.method, f.file, f.line))]
    assert in_app[0] == "agentcore.models._retry.guard_stream"


def cluster_self(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`sre-agent cluster --self --json` over `data_dir`: its report."""
    assert main(["cluster", "--self", "--data-dir", str(data_dir), "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def test_sre_agent_cluster_self_reports_the_four_clusters(
    telemetry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = cluster_self(telemetry_dir.parent, capsys)
    assert report["records"] == 4
    assert len(report["clusters"]) == 4
    assert {cluster["services"][0] for cluster in report["clusters"]} == {"sre-agent"}


def test_sre_agent_cluster_self_investigates_the_new_clusters_in_its_own_source(
    telemetry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = telemetry_dir.parent
    report = cluster_self(data_dir, capsys)
    top_n = Settings(data_dir=data_dir).cluster_investigations_top_n
    assert len(report["investigations"]) == min(top_n, 4)
    traced_files = {location["path"] for trace in report["traces"] for location in trace["locations"]}
    assert any(file.startswith("agentcore/models/") for file in traced_files), traced_files
    stored = sorted((data_dir / "blobs" / "reports").rglob("*.json"))
    assert {json.loads(path.read_text())["id"] for path in stored} == set(report["investigations"])


def test_the_daily_timer_investigates_sre_agents_own_new_errors_once_a_day(telemetry_dir: Path) -> None:
    runner = quick_runner(telemetry_dir.parent)
    now = datetime.now(UTC)
    deps = replace(runner.context.deps, now=lambda: now, queue=runner.queue)
    first = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)["self"]
    again = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)["self"]  # the timer, retried
    assert first["status"] == "clustered"
    assert first["records"] == 4
    assert len(first["investigations"]) == min(deps.settings.cluster_investigations_top_n, 4)
    assert again["investigations"] == first["investigations"]
    assert first["report"].endswith("-self.json")
