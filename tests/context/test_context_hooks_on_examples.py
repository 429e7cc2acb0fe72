"""Every hook on every example scenario: each section says something true about that scenario."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentcore.context.orientation import render_orientation
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.scenarios import Scenario, load_scenario
from agentcore.workspace import prepare_from_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
SCENARIOS = sorted(p.name for p in EXAMPLES.iterdir() if (p / "scenario.json").is_file())


@pytest.fixture(scope="module", params=SCENARIOS)
def oriented(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, str]:
    logging.getLogger("agentcore.sandbox.subprocess").setLevel(logging.ERROR)  # its dev-only warning
    scenario = load_scenario(EXAMPLES / request.param)
    root = tmp_path_factory.mktemp(request.param) / "workspace"
    prepare_from_scenario(scenario, root)
    text = render_orientation(SubprocessSandbox(root, SandboxLimits()), incident_time=scenario.incident_time)
    return scenario, text


HOOK_HEADINGS = ("## Connectors", "## Repositories", "## Knowledge map", "## Resource topology", "## What changed")


def section(text: str, heading: str) -> str:
    """One hook's block: from its heading to the next hook's (hooks embed files with headings of their own)."""
    start = text.index(f"## {heading}")
    ends = [text.find(h, start + 3) for h in HOOK_HEADINGS]
    following = min((e for e in ends if e > start), default=len(text))
    return text[start:following]


def test_connectors_list_every_telemetry_table_of_the_scenario(oriented: tuple[Scenario, str]) -> None:
    scenario, text = oriented
    connectors = section(text, "Connectors")
    assert "logs" in connectors
    for table in scenario.telemetry:
        assert table in connectors


def test_repositories_show_every_repo_of_the_scenario(oriented: tuple[Scenario, str]) -> None:
    scenario, text = oriented
    repositories = section(text, "Repositories")
    for name in scenario.repos:
        assert f"repos/{name}" in repositories


def test_the_knowledge_map_shows_the_memory_index(oriented: tuple[Scenario, str]) -> None:
    scenario, text = oriented
    assert scenario.memory_dir is not None
    index = (scenario.memory_dir / "MEMORY.md").read_text(encoding="utf-8").strip().splitlines()[0]
    assert index in section(text, "Knowledge map")


def test_the_topology_names_the_scenarios_resources(oriented: tuple[Scenario, str]) -> None:
    scenario, text = oriented
    assert scenario.topology is not None
    topology = section(text, "Resource topology")
    assert any(resource.name in topology for resource in scenario.topology.resources)


def test_what_changed_lists_the_culprit_as_live_in_the_environment_that_failed(oriented: tuple[Scenario, str]) -> None:
    scenario, text = oriented
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    changed = section(text, "What changed")
    culprit_line = next(line for line in changed.splitlines() if scenario.truth.culprit.commit[:10] in line)
    live = culprit_line.split(" live ", 1)[1].split(",", 1)[0]
    production = {f"{d.time:%Y-%m-%dT%H:%M}Z" for d in scenario.deployments if d.environment == "production"}
    assert live in production, f"{live} is not a production deployment time: {culprit_line}"


def test_the_orientation_is_the_same_bytes_for_the_same_scenario(
    oriented: tuple[Scenario, str], tmp_path: Path
) -> None:
    scenario, text = oriented
    again = tmp_path / "workspace"
    prepare_from_scenario(scenario, again)
    assert render_orientation(SubprocessSandbox(again, SandboxLimits()), incident_time=scenario.incident_time) == text
