"""What a scenario's git bundle holds, read through `agentcore.git` (no user config, no hooks).

Bundles come from outside, so git never reads a config we did not write and never runs a hook.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agentcore.git import GitError, run_git
from agentcore.scenarios._bundle_cache import BundleEntry, entry_path, read_entry, write_entry

BUNDLE_TIMEOUT_S = 300.0
"""Longest one git command on a bundle may run."""
_SEPARATOR = "\x1f"


class BundleHistory:
    """What a bundle holds: its HEAD, HEAD's first-parent history, and a way to resolve commit names.

    Read from a cache entry (`read_bundle` with a cache), it clones the bundle only when asked for a commit
    name the entry has not resolved before.
    """

    def __init__(
        self,
        head: str,
        head_ref: str,
        history: list[tuple[str, datetime, str, str]],
        bare: Path,
        *,
        bundle: Path | None = None,
        entry: Path | None = None,
        names: dict[str, str | None] | None = None,
    ) -> None:
        self.head = head
        self.head_ref = head_ref
        self.history = history
        self._bare = bare
        self._bundle = bundle
        self._entry = entry
        self._names: dict[str, str | None] = dict(names or {})

    def resolve(self, names: Sequence[str]) -> dict[str, str | None]:
        """Map each (possibly abbreviated) commit name to its full sha, or None when the bundle lacks it."""
        missing = list(dict.fromkeys(n for n in names if n not in self._names))
        if missing:
            if self._bundle is not None and not self._bare.exists():
                _clone(self._bundle, self._bare)
            stdin = "".join(f"{n}^{{commit}}\n" for n in missing)
            output = run_git(self._bare, "cat-file", "--batch-check", stdin=stdin)
            for name, line in zip(missing, output.splitlines(), strict=True):
                fields = line.split()
                self._names[name] = fields[0] if len(fields) == 3 and fields[1] == "commit" else None
            self.keep()
        return {name: self._names[name] for name in names}

    def keep(self) -> None:
        """Write what is known to the cache entry, when there is one."""
        if self._entry is not None:
            write_entry(self._entry, BundleEntry(self.head, self.head_ref, tuple(self.history), self._names))


def read_bundle(bundle: Path, scratch: Path, *, cache: Path | None = None) -> BundleHistory:
    """Clone `bundle` bare into `scratch` and read its history. Raise GitError if it is not a bundle.

    With `cache` (a folder), what the bundle holds is kept there (`_bundle_cache`) and read from there the next
    time instead of cloning it.
    """
    bare = scratch / "repo.git"
    entry = entry_path(bundle, cache) if cache is not None else None
    kept = read_entry(entry) if entry is not None else None
    if kept is not None:
        return BundleHistory(kept.head, kept.head_ref, list(kept.history), bare, bundle=bundle, entry=entry,
                             names=kept.names)  # fmt: skip
    _clone(bundle, bare)
    head_ref, head = _head(bare)
    log = run_git(bare, "log", "--first-parent", f"--format=%H{_SEPARATOR}%ct{_SEPARATOR}%an{_SEPARATOR}%s", head)
    history = []
    for line in log.splitlines():
        sha, committed, author, subject = line.split(_SEPARATOR, 3)
        history.append((sha, datetime.fromtimestamp(int(committed), tz=UTC), author, subject))
    found = BundleHistory(head, head_ref, history, bare, bundle=bundle, entry=entry)
    found.keep()
    return found


def _clone(bundle: Path, bare: Path) -> None:
    run_git(None, "clone", "--bare", "--quiet", str(bundle), str(bare), timeout_s=BUNDLE_TIMEOUT_S)


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
