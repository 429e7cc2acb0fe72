"""Scenario directories with real git bundles, built once per session and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from scenario_builders import ALERT, COMMITS, INCIDENT, ROOT_CAUSE, Template, make_bundle, write_json, write_jsonl


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    base = tmp_path_factory.mktemp("template")
    root = base / "scenario"
    shas = make_bundle(base / "work", root / "repos" / "checkout.bundle", COMMITS)
    make_bundle(base / "lib-work", root / "repos" / "shared-lib.bundle", COMMITS[:1])
    write_json(
        root / "scenario.json",
        {
            "name": "checkout-test",
            "description": "exception spike after a deploy",
            "incident_time": INCIDENT,
            "services": [{"name": "checkout", "repo": "checkout", "app_role": "checkout-api"}],
        },
    )
    write_json(root / "alert.json", ALERT)
    deployments = [
        ("2026-02-20T12:00:00Z", "production", shas[0]),
        ("2026-02-26T09:00:00Z", "production", shas[1]),
        ("2026-03-02T12:30:00Z", "staging", shas[2][:10]),
        ("2026-03-02T15:30:00Z", "production", shas[3]),
    ]
    write_jsonl(
        root / "deployments.jsonl",
        [{"time": t, "service": "checkout", "environment": env, "commit": sha} for t, env, sha in deployments],
    )
    write_jsonl(
        root / "telemetry" / "AppRequests.jsonl",
        [
            {"TimeGenerated": "2026-03-02T13:00:00Z", "AppRoleName": "checkout-api", "Success": True},
            {"TimeGenerated": "2026-03-02T14:00:00Z", "AppRoleName": "checkout-api", "Success": False},
        ],
    )
    write_json(
        root / "topology.json",
        {"resources": [{"id": "/subscriptions/s/rg/ca", "type": "Microsoft.App/containerApps", "name": "ca"}]},
    )
    (root / "memory" / "runbooks").mkdir(parents=True)
    (root / "memory" / "MEMORY.md").write_text("# Memory\n- [runbook](runbooks/checkout.md)\n")
    (root / "memory" / "runbooks" / "checkout.md").write_text("# Checkout runbook\n")
    (root / "skills").mkdir()
    (root / "skills" / "kql.md").write_text("# KQL tips\n")
    write_json(
        root / "truth.json",
        {"root_cause": ROOT_CAUSE, "category": "code-defect", "culprit": {"repo": "checkout", "commit": shas[1]}},
    )
    return Template(root, shas)


@pytest.fixture
def scenario_dir(template: Template, tmp_path: Path) -> Path:
    """A fresh copy of the template scenario that a test may change."""
    destination = tmp_path / "scenario"
    shutil.copytree(template.directory, destination, symlinks=True)
    return destination


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    """Only the required files."""
    root = tmp_path / "minimal"
    write_json(root / "scenario.json", {"name": "minimal", "incident_time": INCIDENT, "services": []})
    write_json(root / "alert.json", ALERT)
    return root
