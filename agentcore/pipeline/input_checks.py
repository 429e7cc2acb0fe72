"""Checks of what a person gave the CLI, made before anything starts: each problem is one `UserInputError`.

An investigation that starts on bad input fails in a stage, leaves a failed report and, when the
error is not recognisably the user's (an empty repository makes `git rev-parse HEAD` fail), is
retried as if it were a transient failure. So the CLI checks here first: the data directory, the
local repositories (a git repository, with a commit, each with its own folder name in the
workspace) and a scenario's telemetry (loaded into the telemetry cache, from which intake then copies
it instead of loading it again). A user error is never retried: it is reported and the CLI exits 2.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from agentcore.errors import UserInputError
from agentcore.git import GitError, run_git
from agentcore.scenarios import Scenario
from agentcore.workspace.telemetry_cache import cached_telemetry

GIT_CHECK_TIMEOUT_S = 30.0


def check_data_dir(path: Path, *, named_as: str) -> None:
    """`path` is (or can be made) a directory this process can write in."""
    if path.exists() and not path.is_dir():
        raise UserInputError(f"{named_as} {path}: not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserInputError(f"{named_as} {path}: cannot create it: {e.strerror or e}") from e
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise UserInputError(f"{named_as} {path}: cannot write in it: {e.strerror or e}") from e


def check_repos(repos: Sequence[Path]) -> None:
    """Each is a git repository with at least one commit, and no two share a workspace folder name."""
    by_name: dict[str, Path] = {}
    for repo in repos:
        _check_repo(repo)
        name = repo.resolve().name
        other = by_name.get(name)
        if other is not None and other.resolve() == repo.resolve():
            raise UserInputError(f"--repo {repo}: given twice")
        if other is not None:
            raise UserInputError(f"--repo {other} and --repo {repo}: both would be repos/{name}; rename one")
        by_name[name] = repo


def _check_repo(repo: Path) -> None:
    if not repo.is_dir():
        raise UserInputError(f"--repo {repo}: no such directory")
    if not (repo / ".git").exists() and not (repo / "HEAD").is_file():
        raise UserInputError(f"--repo {repo}: not a git repository")
    try:
        run_git(repo, "rev-parse", "--git-dir", timeout_s=GIT_CHECK_TIMEOUT_S)
    except GitError as e:
        raise UserInputError(f"--repo {repo}: git cannot read it: {e.stderr or e}") from e
    try:
        run_git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", timeout_s=GIT_CHECK_TIMEOUT_S)
    except GitError as e:
        raise UserInputError(f"--repo {repo}: the repository has no commits yet") from e


def check_telemetry(scenario: Scenario, cache: Path) -> None:
    """The scenario's telemetry loads into `cache` (a malformed line raises ScenarioError naming file and line)."""
    cached_telemetry(scenario, cache)
