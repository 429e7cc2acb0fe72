"""An evidence-only `sre-agent investigate` imports only what it uses: no HTTP client, no sandbox factory, no
OpenTelemetry SDK, no agent loop, session, spawn tool or tools, no skill-health report, no HTTP API, no rich
(its output is piped); and with its KQL translations cached, no KQL parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"
NEVER = (
    "httpx",
    "httpx2",
    "opentelemetry.sdk",
    "agentcore.sandbox.factory",
    "agentcore.agent.loop",
    "agentcore.agent.session",
    "agentcore.agent.spawn",
    "agentcore.tools",
    "agentcore.skills._health",
    "agentcore.pipeline.alert_intake",
    "agentcore.pipeline.api",
    "anthropic",
    "openai",
    "azure",
    "jinja2",
    "rich",
)
PARSER = ("duckdb_kql", "antlr4")
_PROBE = """
import json, sys
from agentcore.cli import main
code = main(["investigate", "--scenario", sys.argv[1], "--data-dir", sys.argv[2]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _investigate(data_dir: Path, cache_dir: Path) -> set[str]:
    """The modules a fresh interpreter holds after an evidence-only investigation of the example."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_AGENT_", "ANTHROPIC_", "OPENAI_", "AZURE_"))}
    env["SRE_AGENT_CACHE_DIR"] = str(cache_dir)
    command = [sys.executable, "-c", _PROBE, str(EXAMPLE), str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=True)
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["code"] == 0, done.stderr
    return set(answer["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.fixture(scope="module")
def cold_and_warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str]]:
    cache = tmp_path_factory.mktemp("user-cache")
    cold = _investigate(tmp_path_factory.mktemp("first"), cache)
    warm = _investigate(tmp_path_factory.mktemp("second"), cache)
    return cold, warm


def test_an_evidence_only_investigation_imports_no_http_sandbox_telemetry_sdk_or_agent(
    cold_and_warm: tuple[set[str], set[str]],
) -> None:
    cold, warm = cold_and_warm
    assert _loaded(cold, NEVER) == []
    assert _loaded(warm, NEVER) == []


def test_with_its_translations_cached_an_investigation_never_imports_the_kql_parser(
    cold_and_warm: tuple[set[str], set[str]],
) -> None:
    cold, warm = cold_and_warm
    assert _loaded(cold, PARSER) != []  # the first run translates, and fills the cache
    assert _loaded(warm, PARSER) == []
