"""Repositories of a workspace, fetched again instead of snapshotted: a bare clone cache per source.

The cache (`<data_dir>/clone-cache/<hash>.git`) is filled once from a scenario's bundle or a local
repository; a workspace gets a full, independent copy of it (no hard links: the sandbox may write
in the workspace), without a remote, detached at the recorded commit.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

from agentcore.errors import StorageError
from agentcore.pipeline.state import RepoSource

GIT_TIMEOUT_S = 600.0


class RepositoryRestoreError(StorageError):
    """A repository could not be fetched again at its recorded commit."""


def _git(args: Sequence[str], *, cwd: Path | None = None) -> str:
    """git with no system or user config, no prompts and no hooks; raise RepositoryRestoreError on failure."""
    executable = shutil.which("git")
    if executable is None:
        raise RepositoryRestoreError("git is not installed")
    env = {
        "PATH": os.pathsep.join([str(Path(executable).parent), os.defpath]),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }
    command = [executable, "-c", "core.hooksPath=" + os.devnull, "-c", "advice.detachedHead=false", *args]
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        raise RepositoryRestoreError(lines[0].strip() if lines else f"git {args[0]} exited {completed.returncode}")
    return completed.stdout


def cached_clone(source: Path, cache_dir: Path) -> Path:
    """The bare clone of `source` in the cache, made on first use (atomically: clone aside, rename)."""
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:24]
    cache = cache_dir / f"{key}.git"
    if cache.is_dir():
        return cache
    if not source.exists():
        raise RepositoryRestoreError(f"{source}: the repository's source is not on this machine")
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = cache_dir / f".{key}.{uuid.uuid4().hex[:8]}.partial"
    try:
        _git(["clone", "--bare", "--quiet", str(source), str(staging)])
        staging.rename(cache)
    except OSError:
        if not cache.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cache


def _has_commit(repository: Path, commit: str) -> bool:
    try:
        _git(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=repository)
    except RepositoryRestoreError:
        return False
    return True


def restore_repository(repo: RepoSource, root: Path, cache_dir: Path) -> None:
    """Put `repo` at `root/repo.path`, a full copy of its history, detached at its recorded commit."""
    destination = root / repo.path
    if not destination.resolve().is_relative_to((root / "repos").resolve()):
        raise RepositoryRestoreError(f"{repo.path}: a repository must live under repos/")
    cache = cached_clone(Path(repo.source), cache_dir)
    if not _has_commit(cache, repo.commit):
        _git(["fetch", "--quiet", "--no-tags", str(Path(repo.source)), "+refs/heads/*:refs/heads/*"], cwd=cache)
    git_dir = destination / ".git"
    destination.mkdir(parents=True, exist_ok=True)
    _git(["clone", "--bare", "--quiet", "--no-hardlinks", str(cache), str(git_dir)])
    _git(["--git-dir", str(git_dir), "config", "core.bare", "false"])
    _git(["remote", "remove", "origin"], cwd=destination)
    _git(["checkout", "--quiet", "--force", "--detach", repo.commit], cwd=destination)


def head_commit(repository: Path) -> str:
    return _git(["rev-parse", "HEAD"], cwd=repository).strip()
