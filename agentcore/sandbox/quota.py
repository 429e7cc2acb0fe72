"""The workspace's size quota: the most its files may hold in total (`SandboxLimits.workspace_bytes`).

Checked at three points, each with a message that says what to do:
- before a file operation writes: the write is refused (a ToolError the model reads);
- after a shell command: a command may pass the quota (RLIMIT_FSIZE bounds only each file), and its
  result then says by how much and where the space went;
- before a snapshot: a workspace over its quota is not checkpointed (every snapshot would carry it).

The size is the sum of the sizes of the files found walking the workspace, symlinks not followed (a
file with several hard links counts each time). A walk costs about 3.5 µs a file (0.17 s for 50,000
files), so a sandbox walks once when it first writes and after each command, and keeps the total up to
date across its own writes; nothing is measured while a command runs.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

from agentcore.errors import ToolError
from agentcore.sandbox import CommandResult, format_size

_SHOWN_FOLDERS = 3
"""How many of the largest top-level entries a quota message names."""


class WorkspaceQuotaError(ToolError):
    """The workspace would hold, or holds, more than its size quota."""


def workspace_sizes(root: Path) -> dict[str, int]:
    """Bytes held under each top-level entry of the workspace (a top-level file counts as itself)."""
    sizes: dict[str, int] = {}
    for entry in _entries(str(root)):
        try:
            name = f"{entry.name}/" if entry.is_dir(follow_symlinks=False) else entry.name
        except OSError:
            name = entry.name
        sizes[name] = _tree_bytes(entry)
    return sizes


def workspace_size_bytes(root: Path) -> int:
    """The total bytes of the workspace's files."""
    return sum(workspace_sizes(root).values())


class WorkspaceQuota:
    """The quota of one workspace, and what its files hold as last measured.

    The size is measured by a walk when first needed and after each command; a write through the file
    operations updates it by the change in size, so that spilling every tool result to outputs/ costs
    no walk."""

    def __init__(self, root: Path, quota_bytes: int) -> None:
        self.root = root
        self.quota_bytes = quota_bytes
        self._sizes: dict[str, int] | None = None

    def ensure_room_to_write(self, relative: str, replaced: Path, size_bytes: int) -> None:
        """Refuse to write `size_bytes` to `relative` (replacing the file at `replaced`, if any) past the quota."""
        sizes = self._measured()
        after = sum(sizes.values()) - file_bytes(replaced) + size_bytes
        if after > self.quota_bytes:
            raise WorkspaceQuotaError(
                f"{relative}: writing {format_size(size_bytes)} would bring the workspace to {format_size(after)}, "
                f"over its quota of {format_size(self.quota_bytes)} ({_largest(sizes)}); delete files you no "
                "longer need first, e.g. `rm` big files under outputs/ with shell"
            )

    def wrote(self, relative: str, before_bytes: int, size_bytes: int) -> None:
        """Account for a write that replaced `before_bytes` with `size_bytes` at `relative`."""
        if self._sizes is not None:
            top = relative.split("/", 1)[0] + ("/" if "/" in relative else "")
            self._sizes[top] = self._sizes.get(top, 0) - before_bytes + size_bytes

    def after_command(self, result: CommandResult) -> CommandResult:
        """`result`, with a note when the command left the workspace over its quota (measured again)."""
        self._sizes = workspace_sizes(self.root)
        total = sum(self._sizes.values())
        if total <= self.quota_bytes:
            return result
        note = (
            f"workspace over quota: it now holds {format_size(total)}, over its quota of "
            f"{format_size(self.quota_bytes)} ({_largest(self._sizes)}); delete what you do not need (e.g. `rm` "
            "big files you made), or the workspace cannot be checkpointed and further writes are refused"
        )
        return dataclasses.replace(result, notes=(*result.notes, note))

    def _measured(self) -> dict[str, int]:
        if self._sizes is None:
            self._sizes = workspace_sizes(self.root)
        return self._sizes


def file_bytes(path: Path) -> int:
    """The size of the regular file at `path` (not followed if a symlink); 0 for anything else or nothing."""
    try:
        info = path.lstat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def refuse_snapshot_over_quota(root: Path, quota_bytes: int) -> None:
    """Raise WorkspaceQuotaError when the workspace holds more than its quota, so it is not checkpointed."""
    sizes = workspace_sizes(root)
    total = sum(sizes.values())
    if total > quota_bytes:
        raise WorkspaceQuotaError(
            f"the workspace holds {format_size(total)}, over its quota of {format_size(quota_bytes)} "
            f"({_largest(sizes)}), so it is not checkpointed; files that big must not stay in the workspace"
        )


def _largest(sizes: dict[str, int]) -> str:
    largest = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:_SHOWN_FOLDERS]
    return "largest: " + ", ".join(f"{name} {format_size(size)}" for name, size in largest)


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _tree_bytes(top: os.DirEntry[str]) -> int:
    """Bytes of `top` and, when it is a real folder, of everything below it; unreadable parts count as 0."""
    total = 0
    pending = [top]
    while pending:
        entry = pending.pop()
        try:
            if entry.is_dir(follow_symlinks=False):
                pending.extend(_entries(entry.path))
            else:
                total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


__all__ = [
    "WorkspaceQuota",
    "WorkspaceQuotaError",
    "file_bytes",
    "refuse_snapshot_over_quota",
    "workspace_size_bytes",
    "workspace_sizes",
]
