"""The connector commands work where the agent runs them: inside bubblewrap, on a real workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.pipeline.wiring import build_dependencies
from agentcore.sandbox import Sandbox
from agentcore.sandbox.factory import bubblewrap_available
from agentcore.scenarios import load_scenario
from agentcore.settings import Settings
from agentcore.workspace import prepare_from_scenario

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "scenarios" / "checkout-bad-deploy"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    if not bubblewrap_available():
        pytest.skip("bubblewrap is not installed: `make test` installs it (apt-get, as root)")
    root = tmp_path_factory.mktemp("ws") / "workspace"
    prepare_from_scenario(load_scenario(EXAMPLE), root)
    settings = Settings(data_dir=root.parent / "data", sandbox="bubblewrap", model=None)
    return build_dependencies(settings).sandbox_factory(root)


def run(sandbox: Sandbox, command: str) -> str:
    result = sandbox.run(command, timeout_s=60)
    text = result.output.decode()
    assert result.exit_code == 0, text
    return text


def test_logs_lists_the_scenario_tables(sandbox: Sandbox) -> None:
    assert "AppExceptions" in run(sandbox, "logs tables")


def test_logs_answers_kql_relative_to_the_incident_time(sandbox: Sandbox) -> None:
    out = run(
        sandbox, "logs query 'AppExceptions | where TimeGenerated > ago(2h) | summarize n=count() by ExceptionType'"
    )
    assert "TypeError" in out
    assert "full result: outputs/logs-" in out


def test_logs_names_an_unsupported_operator(sandbox: Sandbox) -> None:
    result = sandbox.run("logs query 'AppRequests | make-series c=count() on TimeGenerated step 1h'", timeout_s=60)
    assert result.exit_code == 1
    assert "make-series" in result.output.decode()


def test_changes_lists_the_release_that_went_live_before_the_incident(sandbox: Sandbox) -> None:
    out = run(sandbox, "changes list --service checkout --since 1d")
    assert "1.5.0" in out
    assert "coupons: accept marketing campaign codes" in out


def test_changes_shows_a_commit_with_its_diff(sandbox: Sandbox) -> None:
    sha = run(sandbox, "git -C repos/checkout log --format=%H --grep='campaign codes' -1").strip()
    out = run(sandbox, f"changes show {sha}")
    assert "checkout/coupons.py" in out


def test_topology_shows_the_resources(sandbox: Sandbox) -> None:
    assert "checkout" in run(sandbox, "topology show").lower()
