"""What a scenario's git bundle holds, read through `agentcore.git` (no user config, no hooks).

Bundles come from outside, so git never reads a config we did not write and never runs a hook.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agentcore.git import GitError, run_git

BUNDLE_TIMEOUT_S = 300.0
"""Longest one git command on a bundle may run."""
_SEPARATOR = "\x1f"


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
        output = run_git(self._bare, "cat-file", "--batch-check", stdin="".join(f"{n}^{{commit}}\n" for n in names))
        resolved: dict[str, str | None] = {}
        for name, line in zip(names, output.splitlines(), strict=True):
            fields = line.split()
            resolved[name] = fields[0] if len(fields) == 3 and fields[1] == "commit" else None
        return resolved


def read_bundle(bundle: Path, scratch: Path) -> BundleHistory:
    """Clone `bundle` bare into `scratch` and read its history. Raise GitError if it is not a bundle."""
    bare = scratch / "repo.git"
    run_git(None, "clone", "--bare", "--quiet", str(bundle), str(bare), timeout_s=BUNDLE_TIMEOUT_S)
    head_ref, head = _head(bare)
    log = run_git(bare, "log", "--first-parent", f"--format=%H{_SEPARATOR}%ct{_SEPARATOR}%an{_SEPARATOR}%s", head)
    history = []
    for line in log.splitlines():
        sha, committed, author, subject = line.split(_SEPARATOR, 3)
        history.append((sha, datetime.fromtimestamp(int(committed), tz=UTC), author, subject))
    return BundleHistory(head, head_ref, history, bare)


def _head(bare: Path) -> tuple[str, str]:
    """HEAD if the bundle carried one, else main, master, or the first branch; and its commit."""
    try:
        return "HEAD", run_git(bare, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    except GitError:
        pass
    branches = run_git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()
    preferred = [name for name in ("main", "master") if name in branches]
    if not branches:
        raise GitError("the bundle has no branches", returncode=None)
    ref = preferred[0] if preferred else sorted(branches)[0]
    return ref, run_git(bare, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()


def scratch_directory() -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for bare clones; removed when the context ends."""
    return tempfile.TemporaryDirectory(prefix="sre-agent-bundle-")
