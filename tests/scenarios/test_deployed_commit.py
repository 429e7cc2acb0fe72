"""Which commit ran at the incident: the latest deployment at or before it, else the last commit of
HEAD's history committed at or before it, else HEAD; the answer says which rule chose it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_builders import COMMITS, Template, git, make_bundle, write_jsonl

from agentcore.errors import UserInputError
from agentcore.scenarios import load_scenario


def rows(*entries: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"time": t, "service": "checkout", "environment": env, "commit": sha} for t, env, sha in entries]


def test_latest_deployment_at_or_before_the_incident_wins(scenario_dir: Path, template: Template) -> None:
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.commit == template.commits[2]
    assert deployed.rule == "deployment"
    assert deployed.deployment is not None
    assert deployed.deployment.environment == "staging"
    assert "deployments.jsonl" in deployed.reason
    assert "2026-03-02T12:30:00Z" in deployed.reason


def test_deployments_after_the_incident_are_ignored(scenario_dir: Path, template: Template) -> None:
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.commit != template.commits[3]


def test_environment_narrows_the_rows(scenario_dir: Path, template: Template) -> None:
    deployed = load_scenario(scenario_dir).deployed_commit("checkout", environment="production")
    assert deployed.commit == template.commits[1]
    assert "production" in deployed.reason


def test_deployment_at_exactly_the_incident_time_counts(scenario_dir: Path, template: Template) -> None:
    write_jsonl(scenario_dir / "deployments.jsonl", rows(("2026-03-02T14:05:00Z", "prod", template.commits[0])))
    assert load_scenario(scenario_dir).deployed_commit("checkout").commit == template.commits[0]


def test_rows_may_name_the_service_by_its_app_role(scenario_dir: Path, template: Template) -> None:
    row = {"time": "2026-03-01T00:00:00Z", "service": "checkout-api", "environment": "prod"}
    write_jsonl(scenario_dir / "deployments.jsonl", [{**row, "commit": template.commits[1][:8]}])
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.commit == template.commits[1]


def test_of_two_rows_at_the_same_time_the_later_line_wins(scenario_dir: Path, template: Template) -> None:
    same = "2026-03-01T00:00:00Z"
    write_jsonl(
        scenario_dir / "deployments.jsonl",
        rows((same, "prod", template.commits[0]), (same, "prod", template.commits[1])),
    )
    assert load_scenario(scenario_dir).deployed_commit("checkout").commit == template.commits[1]


def test_without_rows_the_last_commit_before_the_incident_is_chosen(scenario_dir: Path, template: Template) -> None:
    (scenario_dir / "deployments.jsonl").unlink()
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.commit == template.commits[2]
    assert deployed.rule == "history"
    assert "no deployment" in deployed.reason
    assert deployed.deployment is None


def test_rows_of_other_services_do_not_count(scenario_dir: Path, template: Template) -> None:
    other = {"time": "2026-03-01T00:00:00Z", "service": "cart", "environment": "prod", "commit": "abcdef0123"}
    write_jsonl(scenario_dir / "deployments.jsonl", [other])
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.rule == "history"


def test_when_every_commit_is_after_the_incident_head_is_chosen(scenario_dir: Path, template: Template) -> None:
    (scenario_dir / "deployments.jsonl").unlink()
    spec = json.loads((scenario_dir / "scenario.json").read_text())
    spec["incident_time"] = "2026-01-01T00:00:00Z"
    (scenario_dir / "scenario.json").write_text(json.dumps(spec))
    deployed = load_scenario(scenario_dir).deployed_commit("checkout")
    assert deployed.commit == template.commits[3]
    assert deployed.rule == "head"


def test_bundle_without_a_head_ref_uses_main(scenario_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    bundle = scenario_dir / "repos" / "checkout.bundle"
    bundle.unlink()
    make_bundle(work, tmp_path / "unused.bundle", COMMITS[:2])
    git(work, "bundle", "create", "-q", str(bundle), "main")
    (scenario_dir / "deployments.jsonl").unlink()
    (scenario_dir / "truth.json").unlink()
    scenario = load_scenario(scenario_dir)
    assert scenario.repos["checkout"].head_ref == "main"
    assert scenario.deployed_commit("checkout").rule == "history"


def test_unknown_service_is_a_user_input_error(scenario_dir: Path) -> None:
    with pytest.raises(UserInputError, match="no service 'payments'"):
        load_scenario(scenario_dir).deployed_commit("payments")
