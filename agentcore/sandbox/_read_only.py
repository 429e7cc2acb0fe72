"""Read-only roots linked into a workspace: the shared checkouts a workspace's `repos/<name>` link to.

A workspace's repositories are symlinks to shared, read-only checkouts outside it (one per repository and
commit on the machine, see `agentcore.workspace._checkout_cache`). Whoever builds the sandbox names them
explicitly, as workspace path -> host folder (`ReadOnlyMounts`); they are never taken from model input or
from whatever symlinks a workspace holds. The file operations then
- read, walk and search a mount's host folder wherever the workspace path names it (`repos/big/src/x.py`),
  and report workspace paths, never the host path;
- refuse any other symlink that leads out of the workspace, as before, and any symlink inside a mount
  that leads out of the mount;
- refuse writes that land in a mount with `ReadOnlyRepositoryError`.
bubblewrap shows each mount read-only at its workspace path; the remote sandbox uploads its contents.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agentcore.errors import SandboxError, ToolError


class ReadOnlyRepositoryError(ToolError):
    """A write would land in a read-only repository (a shared checkout)."""


@dataclass(frozen=True)
class ReadOnlyMount:
    """One linked repository: its workspace path (`repos/big`) and the real host folder it shows."""

    path: str
    host: str

    def host_path(self, relative: str) -> str:
        """The host path of the workspace path `relative`, which is this mount or below it."""
        return self.host if relative == self.path else f"{self.host}{relative[len(self.path) :]}"

    def holds(self, real: str) -> bool:
        """Whether the real host path `real` is this mount's folder or inside it."""
        return real.startswith(self.host) and (len(real) == len(self.host) or real[len(self.host)] == "/")

    def workspace_path(self, real: str) -> str:
        """The workspace path of `real`, which this mount `holds`."""
        return self.path if real == self.host else f"{self.path}{real[len(self.host) :]}"

    def refusal(self, path: str) -> ReadOnlyRepositoryError:
        return ReadOnlyRepositoryError(
            f"{path}: {self.path} holds the code as deployed and is read-only; write under notes/ or "
            f"report/ instead (copy a file there first to change it)"
        )


class ReadOnlyMounts:
    """The mounts of one workspace at `root`, looked up by workspace path and by host path."""

    def __init__(self, root: str, mounts: Mapping[str, Path]) -> None:
        found: list[ReadOnlyMount] = []
        for path, host in sorted(mounts.items()):
            normal = PurePosixPath(path).as_posix()
            if normal in {".", ""} or normal.startswith(("/", "../")) or "/../" in f"/{normal}/":
                raise SandboxError(f"a read-only mount must be a path inside the workspace: {path!r}")
            real = os.path.realpath(host)
            if real == root or real.startswith(f"{root}/") or root.startswith(f"{real}/"):
                raise SandboxError(f"a read-only mount must lie outside the workspace: {path!r}")
            found.append(ReadOnlyMount(normal, real))
        for mount in found:
            if any(other is not mount and mount.path.startswith(f"{other.path}/") for other in found):
                raise SandboxError(f"read-only mounts cannot nest: {mount.path!r}")
        self.all = tuple(found)
        self._by_path = {m.path: m for m in found}
        self._prefixes = tuple(f"{m.path}/" for m in found)

    def __bool__(self) -> bool:
        return bool(self.all)

    def at(self, relative: str) -> ReadOnlyMount | None:
        """The mount exactly at the workspace path `relative`."""
        return self._by_path.get(relative)

    def holding(self, relative: str) -> ReadOnlyMount | None:
        """The mount the (normal) workspace path `relative` is in, if any."""
        if not self.all:
            return None
        found = self._by_path.get(relative)
        if found is not None or not relative.startswith(self._prefixes):
            return found
        for mount, prefix in zip(self.all, self._prefixes, strict=True):
            if relative.startswith(prefix):
                return mount
        return None

    def of_host(self, real: str) -> ReadOnlyMount | None:
        """The mount whose host folder holds the real path `real`, if any."""
        for mount in self.all:
            if mount.holds(real):
                return mount
        return None

    def below(self, relative: str, skip_dirs: Collection[str]) -> list[ReadOnlyMount]:
        """The mounts a walk from the workspace folder `relative` reaches (not through a `skip_dirs` folder)."""
        prefix = "" if relative == "." else f"{relative}/"
        return [
            m
            for m in self.all
            if m.path.startswith(prefix) and not set(m.path[len(prefix) :].split("/")) & set(skip_dirs)
        ]

    def by_path(self) -> dict[str, str]:
        """Workspace path -> host folder, for the walks."""
        return {m.path: m.host for m in self.all}


def linked_repositories(root: Path, within: Collection[Path]) -> dict[str, Path]:
    """`repos/<name>` -> real folder, for each symlink directly under `root/repos` that leads to a folder
    directly inside one of `within` (the checkout cache). Any other symlink is not a linked repository."""
    caches = {Path(os.path.realpath(folder)) for folder in within}
    repos = root / "repos"
    found: dict[str, Path] = {}
    if not caches or repos.is_symlink() or not repos.is_dir():
        return found
    for entry in sorted(repos.iterdir()):
        if entry.is_symlink():
            target = Path(os.path.realpath(entry))
            if target.parent in caches and target.is_dir():
                found[f"repos/{entry.name}"] = target
    return found


__all__ = ["ReadOnlyMount", "ReadOnlyMounts", "ReadOnlyRepositoryError", "linked_repositories"]
