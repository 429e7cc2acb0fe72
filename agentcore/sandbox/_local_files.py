"""Confined file operations on a local workspace directory, shared by the local sandboxes.

Paths are strings end to end (no pathlib on the hot path): grep reads every file of a repository, so
one read costs a few system calls, not a realpath walk in Python.

Every OSError leaves here naming the path as the caller gave it, never the host path it resolved to:
its type (FileNotFoundError, IsADirectoryError, ...), errno and message are kept, `filename` is the
workspace path. Writes are refused when they would take the workspace past `quota_bytes`.
"""

from __future__ import annotations

import errno
import os
import stat as stat_mod
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import WORKSPACE_MOUNT, FileStat
from agentcore.sandbox._local_walks import SYSTEM_ERRORS, LocalWalks, file_kind, naming
from agentcore.sandbox._read_only import ReadOnlyMounts
from agentcore.sandbox._ripgrep import Ripgrep, ripgrep_path
from agentcore.sandbox.quota import WorkspaceQuota, file_bytes

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
"""O_NOFOLLOW: a symlink as the last part is never opened blindly. O_NONBLOCK: a FIFO a command left in
the workspace must not hang the agent on open."""

_READ_PIECE_BYTES = 64 * 1024**2
"""The most one pread asks for: below Linux's 2 GiB cap, so a short read always means the end of the file."""

_NOT_NORMAL_PARTS = frozenset({"", ".", ".."})
"""Path parts that `to_relative` removes or resolves; an absolute path starts with an empty part."""


class LocalWorkspaceFiles(LocalWalks):
    """File operations confined to `root`. Symlinks may exist inside; none may lead out, except that each
    path of `read_only` (`repos/big`) shows its host folder, read-only (`_read_only`).

    `files_containing` runs ripgrep when it is installed and `use_ripgrep` holds, else reads in Python;
    both give the same paths in the same order. `list_files` walks in Python (as fast as rg here)."""

    def __init__(
        self,
        root: Path,
        *,
        quota_bytes: int | None = None,
        use_ripgrep: bool = True,
        read_only: Mapping[str, Path] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.quota = WorkspaceQuota(self.root, quota_bytes) if quota_bytes is not None else None
        """The workspace's size quota; None for no quota."""
        self._root = str(self.root)
        self._inside = self._root.rstrip("/") + "/"
        """What every real path strictly inside the root starts with."""
        self.mounts = ReadOnlyMounts(self._root, read_only or {})
        """The linked repositories: workspace path -> read-only host folder, as the sandbox's builder named them."""
        executable = ripgrep_path() if use_ripgrep else None
        self._ripgrep = Ripgrep(executable, self._root) if executable else None

    @property
    def uses_ripgrep(self) -> bool:
        return self._ripgrep is not None

    def to_relative(self, path: str) -> str:
        """Normalize a model-supplied path to a workspace-relative POSIX path, or refuse it."""
        if "\x00" in path:
            raise PathOutsideWorkspaceError(f"path contains a NUL byte: {path!r}")
        if path == path.strip() and _NOT_NORMAL_PARTS.isdisjoint(path.split("/")):
            return path  # already normal (what grep reads): relative, no empty, `.` or `..` part
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
        try:
            return Path(self._real(path))
        except SYSTEM_ERRORS as e:
            raise naming(path, e) from e

    def relative_of(self, real: Path) -> str:
        """The workspace path of a real path that `resolve` gave."""
        return self._relative_of(str(real))

    def stat(self, path: str) -> FileStat:
        try:
            relative = self.to_relative(path)
            local, below = self._local(relative)
            if self._folders_are_real(local, below):  # no symlink on the way: skip the realpath (find stats 500 files)
                st = os.lstat(local)
                if not stat_mod.S_ISLNK(st.st_mode):
                    return FileStat(path=relative, kind=file_kind(st.st_mode), size=st.st_size)
            real = self._real(path)
            st = Path(real).stat()
        except SYSTEM_ERRORS as e:
            raise naming(path, e) from e
        return FileStat(path=self._relative_of(real), kind=file_kind(st.st_mode), size=st.st_size)

    def resolve_directory(self, path: str) -> Path:
        """The real local path of a workspace directory (a command's cwd), or a ToolError."""
        real = self.resolve(path)
        if not real.is_dir():
            raise ToolError(f"{path}: no such directory in the workspace")
        return real

    def read_bytes(self, path: str, offset: int, length: int) -> bytes:
        try:
            fd, size = self._open_regular_file(path)
            try:
                return _read_at(fd, size, max(0, offset), max(0, length))
            finally:
                os.close(fd)
        except SYSTEM_ERRORS as e:
            raise naming(path, e) from e

    def write_bytes(self, path: str, data: bytes) -> None:
        try:
            real = Path(self._real(path))
            if real == self.root:
                raise IsADirectoryError(f"{path} is the workspace root")
            if self.mounts and (mount := self.mounts.of_host(str(real))) is not None:
                raise mount.refusal(path)
            relative, before = self.relative_of(real), file_bytes(real)
            if self.quota is not None:
                self.quota.ensure_room_to_write(relative, real, len(data))
            real.parent.mkdir(parents=True, exist_ok=True)
            # Re-check after mkdir: a parent created through a racing symlink must still be inside.
            self._real(self.relative_of(real.parent))
            tmp = real.with_name(f".{real.name}.tmp-{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            tmp.replace(real)
        except SYSTEM_ERRORS as e:
            raise naming(path, e) from e
        if self.quota is not None:
            self.quota.wrote(relative, before, len(data))

    def _real(self, path: str) -> str:
        """`resolve` as a string."""
        relative = self.to_relative(path)
        mount = self.mounts.holding(relative) if self.mounts else None
        if mount is not None:
            real = os.path.realpath(mount.host_path(relative))
            if not mount.holds(real):
                raise PathOutsideWorkspaceError(f"{path}: resolves outside {mount.path} (through a symlink)")
            return real
        real = os.path.realpath(self._local_in_root(relative))
        if real != self._root and not real.startswith(self._inside):
            raise PathOutsideWorkspaceError(f"{path}: resolves outside the workspace (through a symlink)")
        return real

    def _local(self, relative: str) -> tuple[str, int]:
        """The host path of the workspace path `relative` (in the read-only mount that holds it, if any), and
        where in it the part below the workspace root (or the mount's folder) starts."""
        mount = self.mounts.holding(relative) if self.mounts else None
        if mount is None:
            return self._local_in_root(relative), len(self._inside)
        return mount.host_path(relative), len(mount.host) + 1

    def _local_in_root(self, relative: str) -> str:
        return self._root if relative == "." else f"{self._inside}{relative}"

    def _relative_of(self, real: str) -> str:
        """`relative_of` for a real path known to be inside the workspace or a read-only mount."""
        if real == self._root:
            return "."
        if real.startswith(self._inside):
            return real.removeprefix(self._inside)
        mount = self.mounts.of_host(real)
        if mount is None:
            raise PathOutsideWorkspaceError(f"{real}: not in the workspace")
        return mount.workspace_path(real)

    def _open_regular_file(self, path: str) -> tuple[int, int]:
        """A descriptor of the regular file at `path`, opened only once it is known to be inside, and its size."""
        fd = self._open_if_no_symlink(self.to_relative(path))
        if fd is None:
            fd = os.open(self._real(path), _READ_FLAGS)
        try:
            st = os.fstat(fd)
            mode = st.st_mode
            if stat_mod.S_ISDIR(mode):
                raise IsADirectoryError(f"{path} is a directory")
            if not stat_mod.S_ISREG(mode):
                raise ToolError(f"{path} is not a regular file")
        except BaseException:
            os.close(fd)
            raise
        return fd, st.st_size

    def _open_if_no_symlink(self, relative: str) -> int | None:
        """Open `relative` when it has no symlink in it, or None (then resolve it in full).

        Without symlinks, root/relative is its own real path and inside by construction: `relative`
        has no `..`, each folder on the way is checked to be a real folder (not a symlink), and
        O_NOFOLLOW refuses a symlink as the last part. This costs one lstat per folder instead of
        a realpath.
        """
        local, below = self._local(relative)
        if not self._folders_are_real(local, below):
            return None
        try:
            return os.open(local, _READ_FLAGS)
        except OSError as e:
            if e.errno == errno.ELOOP:  # the last part is a symlink
                return None
            raise

    def _folders_are_real(self, local: str, start: int) -> bool:
        """Whether every folder of the local path `local` from `start` on (below the root or a read-only mount's
        folder) is a folder, not a symlink."""
        folder_end = local.find("/", start)
        while folder_end >= 0:
            try:
                if not stat_mod.S_ISDIR(os.lstat(local[:folder_end]).st_mode):
                    return False
            except OSError:
                return False
            folder_end = local.find("/", folder_end + 1)
        return True


def _read_at(fd: int, size: int, offset: int, length: int) -> bytes:
    """Up to `length` bytes from `offset`, fewer only at the end of the file.

    The first read asks for one byte more than the file's `size` holds (it may have grown), so a small
    file costs one read and no buffer larger than itself; a short read of a regular file means its end.
    """
    pieces: list[bytes] = []
    want = min(length, max(size - offset, 0) + 1, _READ_PIECE_BYTES)
    while length > 0:
        piece = os.pread(fd, want, offset)
        pieces.append(piece)
        offset, length = offset + len(piece), length - len(piece)
        if len(piece) < want:
            break
        want = min(length, _READ_PIECE_BYTES)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)
