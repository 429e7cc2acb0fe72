"""Confined file operations on a local workspace directory, shared by the local sandboxes."""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import WORKSPACE_MOUNT, FileStat


class LocalWorkspaceFiles:
    """File operations confined to `root`. Symlinks may exist inside; none may lead out."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def to_relative(self, path: str) -> str:
        """Normalize a model-supplied path to a workspace-relative POSIX path, or refuse it."""
        if "\x00" in path:
            raise PathOutsideWorkspaceError(f"path contains a NUL byte: {path!r}")
        pure = PurePosixPath(path.strip() or ".")
        if pure.is_absolute():
            try:
                pure = pure.relative_to(WORKSPACE_MOUNT)
            except ValueError:
                raise PathOutsideWorkspaceError(
                    f"{path}: absolute paths are refused; use a path relative to the workspace "
                    f"(or under {WORKSPACE_MOUNT}/)"
                ) from None
        parts: list[str] = []
        for part in pure.parts:
            if part == "..":
                if not parts:
                    raise PathOutsideWorkspaceError(f"{path}: '..' would leave the workspace")
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts) or "."

    def resolve(self, path: str) -> Path:
        """The real local path, after following symlinks, refused if it lands outside the root."""
        relative = self.to_relative(path)
        candidate = self.root / relative
        real = Path(os.path.realpath(candidate))
        if real != self.root and self.root not in real.parents:
            raise PathOutsideWorkspaceError(f"{path}: resolves outside the workspace (through a symlink)")
        return real

    def relative_of(self, real: Path) -> str:
        return real.relative_to(self.root).as_posix() if real != self.root else "."

    def stat(self, path: str) -> FileStat:
        real = self.resolve(path)
        st = real.stat()
        return FileStat(path=self.relative_of(real), kind=_kind(st.st_mode), size=st.st_size)

    def resolve_directory(self, path: str) -> Path:
        """The real local path of a workspace directory (a command's cwd), or a ToolError."""
        real = self.resolve(path)
        if not real.is_dir():
            raise ToolError(f"{path}: no such directory in the workspace")
        return real

    def read_bytes(self, path: str, offset: int, length: int) -> bytes:
        real = self.resolve(path)
        if real.is_dir():
            raise IsADirectoryError(f"{path} is a directory")
        # O_NONBLOCK: a FIFO a command left in the workspace must not hang the agent on open.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat_mod.S_ISREG(os.fstat(fd).st_mode):
                raise ToolError(f"{path} is not a regular file")
            f.seek(max(0, offset))
            return f.read(max(0, length))

    def write_bytes(self, path: str, data: bytes) -> None:
        real = self.resolve(path)
        if real == self.root:
            raise IsADirectoryError(f"{path} is the workspace root")
        real.parent.mkdir(parents=True, exist_ok=True)
        # Re-check after mkdir: a parent created through a racing symlink must still be inside.
        self.resolve(self.relative_of(real.parent))
        tmp = real.with_name(f".{real.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        tmp.replace(real)

    def iter_files(self, path: str) -> Iterator[FileStat]:
        top = self.resolve(path)
        if not top.is_dir():
            yield self.stat(path)
            return
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                full = Path(dirpath) / name
                try:
                    st = full.lstat()
                except OSError:
                    continue
                kind = _kind(st.st_mode)
                if kind == "symlink":
                    # A symlink is listed only when it stays inside; its target's size is reported.
                    try:
                        real = self.resolve(self.relative_of(full))
                    except PathOutsideWorkspaceError:
                        continue
                    if not real.is_file():
                        continue
                    st = real.stat()
                    kind = "file"
                yield FileStat(path=self.relative_of(full), kind=kind, size=st.st_size)


def _kind(mode: int) -> Literal["file", "dir", "symlink", "other"]:
    if stat_mod.S_ISREG(mode):
        return "file"
    if stat_mod.S_ISDIR(mode):
        return "dir"
    if stat_mod.S_ISLNK(mode):
        return "symlink"
    return "other"
