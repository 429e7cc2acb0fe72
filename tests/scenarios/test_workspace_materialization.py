"""materialize_workspace lays a scenario out for an investigation: repos at the deployed commit with
history, memory and skills copied, schemas and telemetry ready, and truth.json nowhere."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from scenario_builders import COMMITS, ROOT_CAUSE, Template, make_bundle, write_jsonl

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import ScenarioError, UserInputError
from agentcore.scenarios import load_scenario
from agentcore.workspace import WorkspaceManifest, materialize_workspace


def run_git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def regular_files(root: Path) -> list[Path]:
    """Every regular file under root, without following symlinks."""
    found = []
    for current, _, files in os.walk(root, followlinks=False):
        found += [Path(current) / f for f in files if not (Path(current) / f).is_symlink()]
    return found


@pytest.fixture(scope="module")
def workspace(template: Template, tmp_path_factory: pytest.TempPathFactory) -> WorkspaceManifest:
    """Made once from the untouched template; tests only read it."""
    return materialize_workspace(load_scenario(template.directory), tmp_path_factory.mktemp("ws") / "ws")


def test_layout_has_every_directory(workspace: WorkspaceManifest) -> None:
    for name in ("repos", "memory", "skills", "schemas", "notes", "outputs", "report", "data"):
        assert (workspace.root / name).is_dir(), name


def test_repo_is_detached_at_the_deployed_commit(workspace: WorkspaceManifest, template: Template) -> None:
    repo = workspace.root / "repos" / "checkout"
    assert run_git(repo, "rev-parse", "HEAD") == template.commits[2]
    assert subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=repo, check=False).returncode != 0
    assert run_git(repo, "status", "--porcelain") == ""
    (checkout,) = [c for c in workspace.checkouts if c.name == "checkout"]
    assert (checkout.commit, checkout.rule, checkout.services) == (template.commits[2], "deployment", ("checkout",))


def test_full_history_and_later_commits_are_available(workspace: WorkspaceManifest, template: Template) -> None:
    repo = workspace.root / "repos" / "checkout"
    assert run_git(repo, "log", "--format=%H").splitlines() == template.commits[2::-1]
    assert run_git(repo, "rev-parse", "main") == template.commits[3]
    assert "Add coupons" in run_git(repo, "show", "--stat", template.commits[1])


def test_with_a_clone_cache_repos_borrow_its_objects_and_keep_the_same_commit_and_history(
    template: Template, workspace: WorkspaceManifest, tmp_path: Path
) -> None:
    cache = tmp_path / "clone-cache"
    shared = materialize_workspace(load_scenario(template.directory), tmp_path / "ws", clone_cache=cache)

    repo = shared.root / "repos" / "checkout"
    (alternates,) = (repo / ".git" / "objects" / "info" / "alternates").read_text().split()
    assert Path(alternates).parent.parent == cache
    assert repo.is_symlink()
    assert repo.resolve().parent == (tmp_path / "checkouts").resolve()  # the shared checkout beside the cache
    assert "The repositories are read-only" in (shared.root / "repos" / "CHECKOUTS.md").read_text()
    assert "read-only" not in (workspace.root / "repos" / "CHECKOUTS.md").read_text()
    assert shared.checkouts == workspace.checkouts
    assert run_git(repo, "log", "--format=%H").splitlines() == template.commits[2::-1]
    assert run_git(repo, "rev-parse", "main") == template.commits[3]
    assert run_git(repo, "remote") == ""


def test_without_a_clone_cache_each_repository_is_a_self_contained_clone_in_the_workspace(
    workspace: WorkspaceManifest,
) -> None:
    repo = workspace.root / "repos" / "checkout"

    assert repo.is_dir()
    assert not repo.is_symlink()
    assert not (repo / ".git" / "objects" / "info" / "alternates").exists()


def test_clone_has_no_remote_pointing_at_the_scenario(workspace: WorkspaceManifest, template: Template) -> None:
    repo = workspace.root / "repos" / "checkout"
    assert run_git(repo, "remote") == ""
    assert str(template.directory) not in (repo / ".git" / "config").read_text()


def test_repo_no_service_builds_is_at_head(workspace: WorkspaceManifest) -> None:
    (lib,) = [c for c in workspace.checkouts if c.name == "shared-lib"]
    assert lib.rule == "head"
    assert run_git(workspace.root / "repos" / "shared-lib", "rev-parse", "HEAD") == lib.commit


def test_checkouts_md_says_which_commit_and_why(workspace: WorkspaceManifest, template: Template) -> None:
    text = (workspace.root / "repos" / "CHECKOUTS.md").read_text()
    assert f"- commit: {template.commits[2]}" in text
    assert "- rule: deployment" in text
    assert "deployed to staging at 2026-03-02T12:30:00Z" in text
    assert "1 commit(s) later" in text
    assert "## shared-lib" in text


def test_truth_is_never_copied(workspace: WorkspaceManifest) -> None:
    assert not list(workspace.root.rglob("truth.json"))
    for path in regular_files(workspace.root):
        assert ROOT_CAUSE.encode() not in path.read_bytes(), path


def test_memory_and_skills_are_copied_as_they_are(workspace: WorkspaceManifest, template: Template) -> None:
    for relative in ("memory/MEMORY.md", "memory/runbooks/checkout.md", "skills/kql.md"):
        assert (workspace.root / relative).read_bytes() == (template.directory / relative).read_bytes()


def test_schemas_describe_columns_types_rows_and_time_range(workspace: WorkspaceManifest) -> None:
    text = (workspace.root / "schemas" / "AppRequests.md").read_text()
    assert text.startswith("# AppRequests\n")
    assert "Rows: 2." in text
    assert "from 2026-03-02T13:00:00Z to 2026-03-02T14:00:00Z" in text
    assert "| TimeGenerated | datetime |" in text
    assert "| Success | bool |" in text
    assert "| DurationMs | real |" in text


def test_telemetry_database_answers_kql_on_the_incident_clock(workspace: WorkspaceManifest) -> None:
    assert workspace.telemetry_database == workspace.root / "data" / "telemetry.duckdb"
    store = DuckDbLogStore(workspace.telemetry_database)
    try:
        assert store.query("AppRequests | where TimeGenerated > ago(30m) | count").rows == ((1,),)
    finally:
        store.close()


def test_minimal_scenario_gives_an_empty_but_complete_layout(minimal_dir: Path, tmp_path: Path) -> None:
    manifest = materialize_workspace(load_scenario(minimal_dir), tmp_path / "ws")
    assert manifest.checkouts == ()
    assert manifest.telemetry_database is None
    assert (manifest.root / "notes").is_dir()
    assert "no repositories" in (manifest.root / "repos" / "CHECKOUTS.md").read_text()


def test_symlink_in_memory_pointing_outside_is_not_followed(scenario_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    (scenario_dir / "memory" / "leak.md").symlink_to(secret)
    (scenario_dir / "skills" / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    manifest = materialize_workspace(load_scenario(scenario_dir), tmp_path / "ws")
    assert sorted(manifest.skipped) == ["memory/leak.md", "skills/leakdir"]
    assert not (manifest.root / "memory" / "leak.md").exists()
    assert not (manifest.root / "memory" / "leak.md").is_symlink()
    for path in regular_files(manifest.root):
        assert b"TOP-SECRET-VALUE" not in path.read_bytes(), path


def test_repo_symlink_pointing_outside_is_cloned_but_nothing_reads_through_it(
    scenario_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    bundle = scenario_dir / "repos" / "checkout.bundle"
    bundle.unlink()
    make_bundle(tmp_path / "work", bundle, COMMITS, symlinks={"leak": str(secret), "etc": "/etc"})
    (scenario_dir / "deployments.jsonl").unlink()
    (scenario_dir / "truth.json").unlink()
    manifest = materialize_workspace(load_scenario(scenario_dir), tmp_path / "ws")
    leak = manifest.root / "repos" / "checkout" / "leak"
    assert leak.is_symlink()
    assert leak.readlink() == secret
    for path in regular_files(manifest.root):
        assert b"TOP-SECRET-VALUE" not in path.read_bytes(), path


def test_existing_non_empty_root_is_refused(scenario_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "keep.txt").write_text("mine")
    with pytest.raises(UserInputError, match="exists and is not empty"):
        materialize_workspace(load_scenario(scenario_dir), root)
    assert (root / "keep.txt").read_text() == "mine"


def test_existing_empty_root_is_used(scenario_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    assert (materialize_workspace(load_scenario(scenario_dir), tmp_path / "ws").root / "repos").is_dir()


def test_failure_leaves_no_partial_workspace(scenario_dir: Path, tmp_path: Path) -> None:
    write_jsonl(scenario_dir / "telemetry" / "AppTraces.jsonl", [{"TimeGenerated": "not a time"}])
    scenario = load_scenario(scenario_dir)
    with pytest.raises(ScenarioError, match="telemetry/AppTraces.jsonl line 1"):
        materialize_workspace(scenario, tmp_path / "ws")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario"]
