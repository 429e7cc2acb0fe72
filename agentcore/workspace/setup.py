"""Lays out an investigation's workspace: from a scenario, or from an alert/question and local repos."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agentcore.connectors.changes import DeploymentRecord
from agentcore.errors import UserInputError
from agentcore.git import GitError
from agentcore.scenarios import Scenario
from agentcore.triage import ServiceRepo
from agentcore.workspace._checkout_cache import restore_repository
from agentcore.workspace._models import RepoSource
from agentcore.workspace.checkout import RepositoryRestoreError, clone_local, head_commit
from agentcore.workspace.materialize import TELEMETRY_DATABASE, materialize_workspace

WORKSPACE_FOLDERS = ("repos", "memory", "skills", "schemas", "notes", "outputs", "report", "data", "bin")
SANDBOX_COMMANDS = ("logs", "changes", "topology")


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedWorkspace:
    """A laid-out workspace and what triage needs to know about it."""

    root: Path
    incident_time: datetime
    services: tuple[ServiceRepo, ...]
    deployments: tuple[DeploymentRecord, ...]
    telemetry_database: Path | None
    repos: tuple[RepoSource, ...] = ()
    """Where each repository came from, so that a later stage can fetch it again instead of storing it."""


def prepare_from_scenario(
    scenario: Scenario,
    root: Path,
    *,
    clone_cache: Path | None = None,
    telemetry_cache: Path | None = None,
    warm_kql: bool = True,
) -> PreparedWorkspace:
    """Materialize a scenario (repos at the deployed commits, memory, skills, telemetry), then commands.
    Repositories borrow their objects from `clone_cache`, and telemetry comes from `telemetry_cache`, when given;
    `warm_kql` as `materialize_workspace` takes it."""
    manifest = materialize_workspace(
        scenario, root, clone_cache=clone_cache, telemetry_cache=telemetry_cache, warm_kql=warm_kql
    )
    data = root / "data"
    (data / "scenario.json").write_text(
        scenario.model_dump_json(include={"name", "description", "incident_time", "services"}, indent=1),
        encoding="utf-8",
    )
    for name in ("deployments.jsonl", "topology.json"):
        source = scenario.directory / name
        if source.is_file() and not source.is_symlink():
            shutil.copyfile(source, data / name)
    install_commands(root)
    services = tuple(
        ServiceRepo(service=s.name, repo=s.repo, repo_path=root / "repos" / s.repo, app_role=s.app_role)
        for s in scenario.services
        if (root / "repos" / s.repo).is_dir()
    )
    deployments = tuple(
        DeploymentRecord(
            time=d.time,
            service=d.service,
            environment=d.environment,
            commit=d.commit,
            version=d.version,
            pr=d.pr,
            author=d.author,
        )
        for d in scenario.deployments
    )
    sources = tuple(
        RepoSource(path=c.path, source=str(scenario.repos[c.name].bundle.resolve()), commit=c.commit)
        for c in manifest.checkouts
    )
    return PreparedWorkspace(root, scenario.incident_time, services, deployments, manifest.telemetry_database, sources)


def prepare_from_repos(
    repos: Sequence[Path], root: Path, incident_time: datetime, *, clone_cache: Path | None = None
) -> PreparedWorkspace:
    """An empty workspace with local repositories at their current HEAD: with a `clone_cache`, each links to the
    shared, read-only checkout of that commit (as every later restore does); else a clone of its own."""
    if root.exists() and any(root.iterdir()):
        raise UserInputError(f"{root}: the workspace directory exists and is not empty")
    for folder in WORKSPACE_FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    services = []
    sources = []
    lines = ["# Checkouts", ""]
    for repo in repos:
        name = repo.resolve().name
        destination = root / "repos" / name
        _link_or_clone(repo, root, f"repos/{name}", clone_cache)
        head = head_commit(destination)
        lines.append(f"- `repos/{name}` at `{head}`: the local repository's HEAD (no deployment records given)")
        services.append(ServiceRepo(service=name, repo=name, repo_path=destination, app_role=name))
        sources.append(RepoSource(path=f"repos/{name}", source=str(repo.resolve()), commit=head))
    (root / "repos" / "CHECKOUTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_scenario_facts(root, incident_time, services)
    install_commands(root)
    database = root / TELEMETRY_DATABASE
    telemetry = database if database.is_file() else None
    return PreparedWorkspace(root, incident_time, tuple(services), (), telemetry, tuple(sources))


def _write_scenario_facts(root: Path, incident_time: datetime, services: Sequence[ServiceRepo]) -> None:
    """`data/scenario.json` as a scenario would have it, so `changes` knows the incident time and services."""
    facts = {
        "name": root.name,
        "incident_time": incident_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "services": [{"name": s.service, "repo": s.repo, "app_role": s.app_role} for s in services],
    }
    (root / "data" / "scenario.json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")


def _link_or_clone(source: Path, root: Path, relative: str, clone_cache: Path | None) -> None:
    if clone_cache is not None:
        try:
            head = head_commit(source)
            restore_repository(RepoSource(path=relative, source=str(source.resolve()), commit=head), root, clone_cache)
            return
        except (GitError, RepositoryRestoreError) as e:  # not a repository, or a HEAD on no branch: say it below
            logger.info("%s: no shared checkout (%s); cloning it", source, e)
    _clone(source, root / relative)


def _clone(source: Path, destination: Path) -> None:
    if not (source / ".git").exists() and not (source / "HEAD").is_file():
        raise UserInputError(f"{source}: not a git repository")
    try:
        clone_local(source, destination)
    except GitError as e:
        raise UserInputError(f"{source}: git clone failed: {e.stderr or e}") from e


def install_commands(root: Path) -> None:
    """`bin/<command>` wrappers that run this package's command modules with this interpreter."""
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    for command in SANDBOX_COMMANDS:
        script = bin_dir / command
        script.write_text(
            # Commands read the workspace relative to its root, wherever the agent's shell stands.
            f'#!/bin/sh\ncd "$(dirname "$0")/.." || exit 1\n'
            f'exec {sys.executable} -m agentcore.connectors.commands.{command} "$@"\n',
            encoding="utf-8",
        )
        script.chmod(0o755)
