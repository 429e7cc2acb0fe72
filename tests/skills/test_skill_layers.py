"""Layers: built-in, then organization, then team, a later layer winning by name; installed into skills/."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentcore.settings import Settings
from agentcore.skills import (
    ORG_PREFIX,
    TEAM_PREFIX,
    builtin_skills,
    install_skills,
    load_skill_layers,
    workspace_skills,
)
from agentcore.storage.local import LocalBlobStore
from tests.context.context_helpers import FilesOnlySandbox

BUILTIN = {"deployment-regression-bisect", "kql-investigation", "llm-api-errors", "prompt-cache-regression"}


def skill_text(name: str, description: str, body: str = "") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}"


def write_skill(root: Path, name: str, description: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "SKILL.md").write_text(skill_text(name, description))


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **changes)  # type: ignore[arg-type]


def test_the_four_built_in_skills_parse_and_each_says_when_to_stop_and_escalate() -> None:
    skills = builtin_skills()
    assert {s.name for s in skills} == BUILTIN
    assert all("## Stop and escalate" in s.text and "transfer_to" in s.text for s in skills)


def test_an_organization_skill_replaces_the_built_in_one_of_that_name(tmp_path: Path, store: LocalBlobStore) -> None:
    store.put(f"{ORG_PREFIX}kql-investigation/SKILL.md", skill_text("kql-investigation", "org KQL rules").encode())
    merged = {s.name: s for s in load_skill_layers(settings(tmp_path), store)}
    assert merged["kql-investigation"].description == "org KQL rules"
    assert merged["kql-investigation"].source == "org:skills/org/kql-investigation/SKILL.md"
    assert set(merged) == BUILTIN


def test_a_team_skill_wins_over_the_organization_and_the_built_in_one(tmp_path: Path, store: LocalBlobStore) -> None:
    store.put(f"{ORG_PREFIX}llm-api-errors/SKILL.md", skill_text("llm-api-errors", "org version").encode())
    store.put(f"{TEAM_PREFIX}llm-api-errors/SKILL.md", skill_text("llm-api-errors", "team version").encode())
    store.put(f"{TEAM_PREFIX}payments-ledger/SKILL.md", skill_text("payments-ledger", "team only").encode())
    merged = {s.name: s.description for s in load_skill_layers(settings(tmp_path), store)}
    assert merged["llm-api-errors"] == "team version"
    assert merged["payments-ledger"] == "team only"


def test_folders_named_by_settings_replace_the_blob_layers(tmp_path: Path, store: LocalBlobStore) -> None:
    org, team = tmp_path / "org", tmp_path / "team"
    write_skill(org, "kql-investigation", "org folder")
    write_skill(team, "kql-investigation", "team folder")
    store.put(f"{TEAM_PREFIX}kql-investigation/SKILL.md", skill_text("kql-investigation", "team blob").encode())
    merged = {s.name: s.description for s in load_skill_layers(settings(tmp_path, skills_org_dir=org), store)}
    assert merged["kql-investigation"] == "team blob"
    both = settings(tmp_path, skills_org_dir=org, skills_team_dir=team)
    assert {s.name: s.description for s in load_skill_layers(both, store)}["kql-investigation"] == "team folder"


def test_a_broken_team_skill_is_left_out_with_a_one_line_warning(
    tmp_path: Path, store: LocalBlobStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.put(f"{TEAM_PREFIX}kql-investigation/SKILL.md", b"no front matter")
    with caplog.at_level(logging.WARNING, logger="agentcore.skills"):
        merged = {s.name: s.description for s in load_skill_layers(settings(tmp_path), store)}
    assert merged["kql-investigation"] == builtin_description("kql-investigation")
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.getMessage() == (
        "skill left out: team:skills/team/kql-investigation/SKILL.md: does not start with a `---` front matter block"
    )


def builtin_description(name: str) -> str:
    return next(s.description for s in builtin_skills() if s.name == name)


def test_installing_writes_each_skill_to_its_own_folder(tmp_path: Path) -> None:
    installed = install_skills(tmp_path, builtin_skills())
    assert installed == sorted(BUILTIN)
    for skill in builtin_skills():
        assert (tmp_path / "skills" / skill.name / "SKILL.md").read_text() == skill.text


def test_a_skill_the_workspace_already_holds_is_kept_as_the_most_specific_layer(tmp_path: Path) -> None:
    write_skill(tmp_path / "skills", "kql-investigation", "the scenario's own")
    installed = install_skills(tmp_path, builtin_skills())
    assert "kql-investigation" not in installed
    text = (tmp_path / "skills" / "kql-investigation" / "SKILL.md").read_text()
    assert "the scenario's own" in text


def test_the_workspace_skills_are_read_back_sorted(tmp_path: Path) -> None:
    install_skills(tmp_path, reversed(builtin_skills()))
    (tmp_path / "skills" / "broken").mkdir()
    (tmp_path / "skills" / "broken" / "SKILL.md").write_text("---\nname: broken\n---\n")
    names = [s.name for s in workspace_skills(FilesOnlySandbox(tmp_path))]
    assert names == sorted(BUILTIN)
