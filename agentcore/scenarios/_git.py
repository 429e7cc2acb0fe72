"""Git through a subprocess with a clean environment: no system or user config, no prompts, no hooks.

Bundles come from outside, so git never reads a config we did not write and never runs a hook; a
clone made here has no remote (the bundle's host path stays out of the workspace).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agentcore.errors import ScenarioError

GIT_TIMEOUT_S = 300.0
_SEPARATOR = "\x1f"


class GitError(Exception):
    """A git command failed; the message is git's first line of complaint."""


def git(args: Sequence[str], *, cwd: Path | None = None, stdin: str | None = None) -> str:
    """Run git and return its stdout; raise GitError with stderr's first line on failure."""
    executable = shutil.which("git")
    if executable is None:
        raise ScenarioError("git is not installed; scenarios need it to read repos/*.bundle")
    env = {
        "PATH": os.pathsep.join([str(Path(executable).parent), os.defpath]),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "TZ": "UTC",
    }
    command = [executable, "-c", "core.hooksPath=" + os.devnull, "-c", "advice.detachedHead=false", *args]
    completed = subprocess.run(
        command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        raise GitError(lines[0].strip() if lines else f"git {args[0]} exited with {completed.returncode}")
    return completed.stdout


class BundleHistory:
    """What a bundle holds: its HEAD, HEAD's first-parent history, and a way to resolve commit names."""

    def __init__(self, head: str, head_ref: str, history: list[tuple[str, datetime, str, str]], bare: Path) -> None:
        self.head = head
        self.head_ref = head_ref
        self.history = history
        self._bare = bare

    def resolve(self, names: Sequence[str]) -> dict[str, str | None]:
        """Map each (possibly abbreviated) commit name to its full sha, or None when the bundle lacks it."""
        if not names:
            return {}
        output = git(["cat-file", "--batch-check"], cwd=self._bare, stdin="".join(f"{n}^{{commit}}\n" for n in names))
        resolved: dict[str, str | None] = {}
        for name, line in zip(names, output.splitlines(), strict=True):
            fields = line.split()
            resolved[name] = fields[0] if len(fields) == 3 and fields[1] == "commit" else None
        return resolved


def read_bundle(bundle: Path, scratch: Path) -> BundleHistory:
    """Clone `bundle` bare into `scratch` and read its history. Raise GitError if it is not a bundle."""
    bare = scratch / "repo.git"
    git(["clone", "--bare", "--quiet", str(bundle), str(bare)])
    head_ref = _head_ref(bare)
    head = git(["rev-parse", "--verify", f"{head_ref}^{{commit}}"], cwd=bare).strip()
    log = git(
        ["log", "--first-parent", f"--format=%H{_SEPARATOR}%ct{_SEPARATOR}%an{_SEPARATOR}%s", head],
        cwd=bare,
    )
    history = []
    for line in log.splitlines():
        sha, committed, author, subject = line.split(_SEPARATOR, 3)
        history.append((sha, datetime.fromtimestamp(int(committed), tz=UTC), author, subject))
    return BundleHistory(head, head_ref, history, bare)


def _head_ref(bare: Path) -> str:
    """HEAD if the bundle carried one, else main, master, or the first branch."""
    try:
        git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=bare)
        return "HEAD"
    except GitError:
        pass
    branches = git(["for-each-ref", "--format=%(refname:short)", "refs/heads/"], cwd=bare).split()
    for preferred in ("main", "master"):
        if preferred in branches:
            return preferred
    if not branches:
        raise GitError("the bundle has no branches")
    return sorted(branches)[0]


def clone_detached(bundle: Path, destination: Path, commit: str) -> None:
    """A full clone of every ref in `bundle` at `destination`, without a remote, detached at `commit`."""
    destination.mkdir(parents=True)
    git(["init", "--quiet", "--template=", str(destination)])
    git(["fetch", "--quiet", "--update-head-ok", "--no-tags", str(bundle), "+refs/*:refs/*"], cwd=destination)
    git(["checkout", "--quiet", "--detach", commit], cwd=destination)


def scratch_directory() -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for bare clones; removed when the context ends."""
    return tempfile.TemporaryDirectory(prefix="sre-agent-bundle-")
