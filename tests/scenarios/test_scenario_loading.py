"""load_scenario reads the public scenario format: required parts checked, optional parts optional,
extra files ignored, and every malformed part one ScenarioError naming the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scenario_builders import ROOT_CAUSE, Template, write_json

from agentcore.errors import ScenarioError
from agentcore.scenarios import load_scenario


def test_complete_scenario_loads_every_part(scenario_dir: Path, template: Template) -> None:
    scenario = load_scenario(scenario_dir)
    assert scenario.name == "checkout-test"
    assert scenario.incident_time == datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    assert [s.app_role for s in scenario.services] == ["checkout-api"]
    assert scenario.alert.rule == "checkout-api exceptions"
    assert sorted(scenario.repos) == ["checkout", "shared-lib"]
    checkout = scenario.repos["checkout"]
    assert checkout.head == template.commits[-1]
    assert [c.sha for c in checkout.history] == template.commits[::-1]
    assert checkout.history[0].subject == "After the incident"
    assert len(scenario.deployments) == 4
    assert list(scenario.telemetry) == ["AppRequests"]
    assert scenario.topology is not None
    assert scenario.topology.resources[0].name == "ca"
    assert scenario.memory_dir == scenario_dir.resolve() / "memory"
    assert scenario.skills_dir == scenario_dir.resolve() / "skills"
    assert scenario.truth is not None
    assert scenario.truth.root_cause == ROOT_CAUSE


def test_abbreviated_deployment_commit_is_resolved_to_the_full_sha(scenario_dir: Path, template: Template) -> None:
    assert load_scenario(scenario_dir).deployments[2].commit == template.commits[2]


def test_scenario_with_only_the_required_files_loads(minimal_dir: Path) -> None:
    scenario = load_scenario(minimal_dir)
    assert scenario.repos == {}
    assert scenario.deployments == ()
    assert scenario.telemetry == {}
    assert scenario.topology is None
    assert scenario.memory_dir is None
    assert scenario.skills_dir is None
    assert scenario.truth is None


def test_extra_files_and_fields_are_ignored(scenario_dir: Path) -> None:
    (scenario_dir / "README.md").write_text("notes for people")
    (scenario_dir / "repos" / "notes.txt").write_text("not a bundle")
    (scenario_dir / "telemetry" / "README.txt").write_text("not a table")
    (scenario_dir / "extra").mkdir()
    spec = json.loads((scenario_dir / "scenario.json").read_text())
    spec["owner"] = "someone"
    spec["services"][0]["tier"] = 1
    write_json(scenario_dir / "scenario.json", spec)
    scenario = load_scenario(scenario_dir)
    assert list(scenario.telemetry) == ["AppRequests"]
    assert sorted(scenario.repos) == ["checkout", "shared-lib"]


def test_app_role_defaults_to_the_service_name(minimal_dir: Path, scenario_dir: Path) -> None:
    spec = json.loads((scenario_dir / "scenario.json").read_text())
    del spec["services"][0]["app_role"]
    write_json(scenario_dir / "scenario.json", spec)
    assert load_scenario(scenario_dir).services[0].app_role == "checkout"


def test_incident_time_with_an_offset_is_converted_to_utc(minimal_dir: Path) -> None:
    write_json(minimal_dir / "scenario.json", {"name": "m", "incident_time": "2026-03-02T16:05:00+02:00"})
    assert load_scenario(minimal_dir).incident_time == datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def _edit_json(relative: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        data = json.loads((root / relative).read_text())
        change(data)
        write_json(root / relative, data)

    return apply


def _write(relative: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)

    return apply


def _remove(relative: str) -> Callable[[Path], None]:
    return lambda root: (root / relative).unlink()


def _append_line(text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        with (root / "deployments.jsonl").open("a") as f:
            f.write(text + "\n")

    return apply


def _replace_with_file(relative: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        shutil.rmtree(root / relative)
        (root / relative).write_text("not a directory")

    return apply


ROW = {"time": "2026-03-01T00:00:00Z", "service": "checkout", "environment": "prod"}
TRUTH_WITH_UNKNOWN_CULPRIT = {"root_cause": "r", "category": "c", "culprit": {"repo": "checkout", "commit": "abcdef1"}}

MALFORMED: dict[str, tuple[Callable[[Path], None], str]] = {
    "scenario.json missing": (_remove("scenario.json"), "scenario.json: missing"),
    "scenario.json not JSON": (_write("scenario.json", "{name: 1"), "scenario.json: not JSON"),
    "scenario.json without incident_time": (
        _edit_json("scenario.json", lambda d: d.pop("incident_time")),
        "scenario.json: incident_time: Field required",
    ),
    "scenario.json bad incident_time": (
        _edit_json("scenario.json", lambda d: d.update(incident_time="soon")),
        "scenario.json: incident_time:",
    ),
    "service repo is a path": (
        _edit_json("scenario.json", lambda d: d["services"][0].update(repo="../../etc")),
        "scenario.json: services[0].repo:",
    ),
    "service repo without bundle": (
        _edit_json("scenario.json", lambda d: d["services"][0].update(repo="payments")),
        "scenario.json: services[0].repo: no repos/payments.bundle",
    ),
    "duplicate service": (
        _edit_json("scenario.json", lambda d: d["services"].append(d["services"][0])),
        "scenario.json: services[1].name: 'checkout' appears twice",
    ),
    "alert.json missing": (_remove("alert.json"), "alert.json: missing"),
    "alert.json wrong schema": (
        _edit_json("alert.json", lambda d: d.update(schemaId="other")),
        "alert.json: schemaId is 'other'",
    ),
    "alert.json without rule": (
        _edit_json("alert.json", lambda d: d["data"]["essentials"].pop("alertRule")),
        "alert.json: data.essentials.alertRule is missing",
    ),
    "deployment not JSON": (_append_line("{broken"), "deployments.jsonl line 5: not JSON"),
    "deployment not an object": (_append_line("[1]"), "deployments.jsonl line 5: expected a JSON object"),
    "deployment without commit": (_append_line(json.dumps(ROW)), "deployments.jsonl line 5: commit: Field required"),
    "deployment commit not in bundle": (
        _append_line(json.dumps({**ROW, "commit": "deadbeefdeadbeef"})),
        "deployments.jsonl line 5: commit deadbeefdeadbeef is not in repos/checkout.bundle",
    ),
    "deployment commit not hex": (
        _append_line(json.dumps({**ROW, "commit": "HEAD~1"})),
        "deployments.jsonl line 5: commit:",
    ),
    "topology resource without id": (
        _write("topology.json", '{"resources": [{"type": "t", "name": "n"}]}'),
        "topology.json: resources[0].id: Field required",
    ),
    "truth without root cause": (_write("truth.json", '{"category": "x"}'), "truth.json: root_cause: Field required"),
    "truth culprit not in bundle": (
        _write("truth.json", json.dumps(TRUTH_WITH_UNKNOWN_CULPRIT)),
        "truth.json: culprit: commit abcdef1 is not in repos/checkout.bundle",
    ),
    "bundle is garbage": (_write("repos/broken.bundle", "junk"), "repos/broken.bundle: not a readable git bundle"),
    "bundle name is a dot": (_write("repos/..bundle", "x"), "repos/..bundle: repository name '.' is refused"),
    "table name with a space": (_write("telemetry/App Requests.jsonl", ""), "telemetry/App Requests.jsonl: table"),
    "memory is a file": (_replace_with_file("memory"), "memory: expected a directory"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_part_is_one_error_naming_the_file(scenario_dir: Path, case: str) -> None:
    change, message = MALFORMED[case]
    change(scenario_dir)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_dir)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_symlinked_file_pointing_outside_the_scenario_is_refused(scenario_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jsonl"
    outside.write_text('{"TimeGenerated": "2026-03-02T13:00:00Z"}\n')
    (scenario_dir / "telemetry" / "AppTraces.jsonl").symlink_to(outside)
    with pytest.raises(ScenarioError, match="telemetry/AppTraces.jsonl: a symlink pointing outside"):
        load_scenario(scenario_dir)


def test_symlinked_scenario_json_pointing_outside_is_refused(scenario_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    (scenario_dir / "scenario.json").rename(outside)
    (scenario_dir / "scenario.json").symlink_to(outside)
    with pytest.raises(ScenarioError, match="scenario.json: a symlink pointing outside"):
        load_scenario(scenario_dir)


def test_missing_directory_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a scenario directory"):
        load_scenario(tmp_path / "nope")
