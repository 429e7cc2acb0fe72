"""sre-agent's own telemetry frozen as a scenario (SCENARIOS.md) with the code that produced it: the source
is the package's checkout with its history when it is clean and on a branch, else the files that ran."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.clustering.self_scenario import SERVICE, prune_self_scenarios, write_self_scenario
from agentcore.errors import UserInputError
from agentcore.scenarios import load_scenario
from agentcore.telemetry.local import APP_ROLE_NAME

NOW = datetime(2026, 3, 14, 9, 30, 15, 250_000, tzinfo=UTC)


@pytest.fixture
def telemetry(tmp_path: Path) -> Path:
    directory = tmp_path / "data" / "telemetry"
    directory.mkdir(parents=True)
    row = {"TimeGenerated": "2026-03-14T09:30:15.100000Z", "AppRoleName": APP_ROLE_NAME,
           "ExceptionType": "agentcore.errors.ModelError", "OuterMessage": "429"}  # fmt: skip
    (directory / "AppExceptions.jsonl").write_text(json.dumps(row) + "\n")
    return directory


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@x", "-c", "init.defaultBranch=main"]
    return subprocess.run(["git", *identity, "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def source_tree(root: Path) -> Path:
    (root / "agentcore" / "models").mkdir(parents=True)
    (root / "agentcore" / "__init__.py").write_text("")
    (root / "agentcore" / "models" / "anthropic.py").write_text("def complete():\n    raise TimeoutError\n")
    return root


def checkout(root: Path) -> Path:
    source_tree(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    (root / "agentcore" / "models" / "anthropic.py").write_text("def complete():\n    raise ConnectionError\n")
    git(root, "commit", "-qam", "second")
    return root


def test_the_scenario_loads_with_one_service_deployed_at_its_incident_time(telemetry: Path, tmp_path: Path) -> None:
    target = write_self_scenario(telemetry, tmp_path / "s", now=NOW, source=source_tree(tmp_path / "src"))
    scenario = load_scenario(target)
    assert [(s.name, s.repo, s.app_role) for s in scenario.services] == [(SERVICE, SERVICE, APP_ROLE_NAME)]
    assert scenario.incident_time == datetime(2026, 3, 14, 9, 30, 16, tzinfo=UTC), "rounded up: this second counts"
    assert set(scenario.telemetry) == {"AppExceptions"}
    (deployment,) = scenario.deployments
    assert deployment.commit == scenario.repos[SERVICE].head
    assert deployment.time <= scenario.incident_time


def test_a_source_outside_git_is_committed_as_it_runs(telemetry: Path, tmp_path: Path) -> None:
    target = write_self_scenario(telemetry, tmp_path / "s", now=NOW, source=source_tree(tmp_path / "src"))
    bundle = load_scenario(target).repos[SERVICE]
    assert len(bundle.history) == 1
    shown = git(tmp_path, "-c", "safe.directory=*", "--git-dir", str(_cloned(bundle.bundle, tmp_path / "c")), "show",
                f"{bundle.head}:agentcore/models/anthropic.py")  # fmt: skip
    assert "raise TimeoutError" in shown


def test_a_clean_checkout_on_a_branch_is_bundled_with_its_history(telemetry: Path, tmp_path: Path) -> None:
    source = checkout(tmp_path / "src")
    target = write_self_scenario(telemetry, tmp_path / "s", now=NOW, source=source)
    bundle = load_scenario(target).repos[SERVICE]
    assert bundle.head == git(source, "rev-parse", "HEAD")
    assert [c.subject for c in bundle.history] == ["second", "first"]


def test_a_checkout_with_local_edits_is_committed_as_it_runs(telemetry: Path, tmp_path: Path) -> None:
    source = checkout(tmp_path / "src")
    (source / "agentcore" / "models" / "anthropic.py").write_text("def complete():\n    raise ValueError\n")
    bundle = load_scenario(write_self_scenario(telemetry, tmp_path / "s", now=NOW, source=source)).repos[SERVICE]
    assert bundle.head != git(source, "rev-parse", "HEAD")
    assert len(bundle.history) == 1


def test_without_own_errors_there_is_nothing_to_investigate(tmp_path: Path) -> None:
    (tmp_path / "telemetry").mkdir()
    with pytest.raises(UserInputError, match="nothing failed yet"):
        write_self_scenario(tmp_path / "telemetry", tmp_path / "s", now=NOW, source=source_tree(tmp_path / "src"))
    assert not (tmp_path / "s").exists()


def test_only_the_newest_scenarios_are_kept(tmp_path: Path) -> None:
    for name in ("20260301-000000", "20260302-000000", "20260303-000000"):
        (tmp_path / name).mkdir()
    prune_self_scenarios(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20260302-000000", "20260303-000000"]


def _cloned(bundle: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(target)], check=True, capture_output=True)
    return target
