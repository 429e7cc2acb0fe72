"""The Sandbox port: the workspace's file operations and the shell, behind one backend.

Tools talk only to this port, so a remote sandbox that owns the filesystem (Azure Container Apps
dynamic sessions) can replace the local ones without touching them.

Paths are workspace-relative POSIX strings; `/workspace/...` (the root as the shell sees it) is
accepted too. Anything that would resolve outside the workspace raises PathOutsideWorkspaceError.
An OSError from a file operation names the path as given, never the host path behind it. A write that
would take the workspace past `SandboxLimits.workspace_bytes` raises WorkspaceQuotaError (a ToolError,
in `agentcore.sandbox.quota`).
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

WORKSPACE_MOUNT = "/workspace"
"""Where the workspace appears inside the sandbox's shell."""


@dataclass(frozen=True)
class FileStat:
    """A workspace entry: its workspace-relative path, kind and size in bytes."""

    path: str
    kind: Literal["file", "dir", "symlink", "other"]
    size: int


@dataclass(frozen=True)
class CommandResult:
    """What a shell command did. `output` is stdout and stderr interleaved, capped at the byte limit."""

    exit_code: int | None
    output: bytes
    output_bytes_total: int
    timed_out: bool = False
    duration_s: float = 0.0
    limit_hit: str | None = None
    """Which limit ended the command, when one did: `wall_time`, `cpu_time`, `memory`, `processes`, `file_size`."""
    notes: tuple[str, ...] = ()
    """Sentences for the agent about limits: a cap of the whole command that killed it, a workspace over its quota."""

    @property
    def output_truncated(self) -> bool:
        return self.output_bytes_total > len(self.output)


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one shell command, and the size quota of the workspace it runs in.

    `memory_bytes` and `max_processes` bound the command and all its children together where the host
    has writable cgroups (each process alone otherwise); `memory_bytes` also bounds each process's
    address space. `workspace_bytes` is the most the workspace's files may hold in total: writes that
    would pass it are refused, and a command that grows the workspace past it is told so.
    """

    wall_time_s: float = 120.0
    cpu_time_s: int = 120
    memory_bytes: int = 2 * 1024**3
    file_size_bytes: int = 1024**3
    max_processes: int = 256
    output_bytes: int = 1024 * 1024
    workspace_bytes: int = 4 * 1024**3


def format_size(size_bytes: int) -> str:
    """A size for people: `2 GiB`, `1.5 GiB`, `300 MiB`, `12 KiB`, `17 bytes`."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size_bytes >= scale:
            return f"{round(size_bytes / scale, 1):g} {unit}"
    return f"{size_bytes} bytes"


@runtime_checkable
class Sandbox(Protocol):
    """A workspace with files and a shell. Every method confines paths to the workspace."""

    def stat(self, path: str) -> FileStat:
        """Raise FileNotFoundError when the path does not exist."""
        ...

    def read_bytes(self, path: str, offset: int, length: int) -> bytes:
        """At most `length` bytes from `offset`; fewer only at the end of the file."""
        ...

    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or replace a file, making parent folders."""
        ...

    def iter_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Iterator[FileStat]:
        """Files below `path` (or `path` itself when it is a file), sorted, never following symlinks.

        Folders below `path` whose name is in `skip_dirs` (such as `.git`) are not entered."""
        ...

    def list_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Generator[str, None, None]:
        """Regular files below `path` (or `path` itself when it is one), as workspace-relative paths in walk
        order: each folder's entries by name (as bytes), a folder entered where its name falls.

        Symlinks met on the way are neither listed nor followed; special files are not listed; folders
        below `path` named in `skip_dirs` are not entered. Closing the generator stops the walk."""
        ...

    def files_containing(
        self, path: str, text: str, *, ignore_case: bool = False, skip_dirs: Collection[str] = ()
    ) -> Generator[str, None, None]:
        """Those of `list_files(path)` whose bytes hold `text` encoded as UTF-8, in the same order; with
        `ignore_case`, ASCII letters match in either case (and nothing else is folded)."""
        ...

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        """Run a shell command in the workspace within the sandbox's limits."""
        ...


__all__ = ["WORKSPACE_MOUNT", "CommandResult", "FileStat", "Sandbox", "SandboxLimits", "format_size"]
