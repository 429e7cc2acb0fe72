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
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import Literal

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import WORKSPACE_MOUNT, FileStat
from agentcore.sandbox._file_search import holds_text, in_walk_order, walk_regular_files
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

_by_name = attrgetter("name")

_NO_MOUNTS: Mapping[str, str] = {}

_SYSTEM_ERRORS = (OSError, UnicodeEncodeError)
"""What the system raises for a path; re-raised by `_naming` without the host path."""


class LocalWorkspaceFiles:
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
        except _SYSTEM_ERRORS as e:
            raise _naming(path, e) from e

    def relative_of(self, real: Path) -> str:
        """The workspace path of a real path that `resolve` gave."""
        return self._relative_of(str(real))

    def stat(self, path: str) -> FileStat:
        try:
            relative = self.to_relative(path)
            local = self._local(relative)
            if self._folders_are_real(local):  # no symlink on the way: skip the realpath (find stats 500 files)
                st = os.lstat(local)
                if not stat_mod.S_ISLNK(st.st_mode):
                    return FileStat(path=relative, kind=_kind(st.st_mode), size=st.st_size)
            real = self._real(path)
            st = Path(real).stat()
        except _SYSTEM_ERRORS as e:
            raise _naming(path, e) from e
        return FileStat(path=self._relative_of(real), kind=_kind(st.st_mode), size=st.st_size)

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
        except _SYSTEM_ERRORS as e:
            raise _naming(path, e) from e

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
        except _SYSTEM_ERRORS as e:
            raise _naming(path, e) from e
        if self.quota is not None:
            self.quota.wrote(relative, before, len(data))

    def iter_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Iterator[FileStat]:
        try:
            top = self._real(path)
        except _SYSTEM_ERRORS as e:
            raise _naming(path, e) from e
        if not Path(top).is_dir():
            yield self.stat(path)
            return
        skipped = frozenset(skip_dirs)
        relative = self._relative_of(top)
        folders: list[tuple[str, str]] = [(top, "" if relative == "." else f"{relative}/")]
        while folders:
            folder, prefix = folders.pop()
            subfolders: list[tuple[str, str]] = []
            for entry in _sorted_entries(folder):
                if _is_folder(entry):
                    # Like os.walk(followlinks=False): a symlinked folder is neither listed nor entered,
                    # unless it is a read-only mount: then its host folder is.
                    if entry.name not in skipped and (entered := self._entered(entry, prefix)) is not None:
                        subfolders.append((entered, f"{prefix}{entry.name}/"))
                elif (found := self._listed_file(entry, f"{prefix}{entry.name}")) is not None:
                    yield found
            folders.extend(reversed(subfolders))  # depth first, in name order

    def list_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Generator[str, None, None]:
        top, relative, kind = self._search_root(path)
        if kind != "dir":
            return _each([relative] if kind == "file" else [])
        return walk_regular_files(top, relative, frozenset(skip_dirs), self._mount_hosts)

    def files_containing(
        self, path: str, text: str, *, ignore_case: bool = False, skip_dirs: Collection[str] = ()
    ) -> Generator[str, None, None]:
        top, relative, kind = self._search_root(path)
        if kind == "dir" and self._ripgrep is not None:
            return self._search_with_ripgrep(self._ripgrep, top, relative, text, ignore_case, skip_dirs)
        if kind == "dir":
            files = walk_regular_files(top, relative, frozenset(skip_dirs), self._mount_hosts)
        else:
            files = _each([relative])
        return self._holding(files, text.encode("utf-8"), ignore_case=ignore_case)

    def _search_with_ripgrep(
        self, rg: Ripgrep, top: str, relative: str, text: str, ignore_case: bool, skip_dirs: Collection[str]
    ) -> Generator[str, None, None]:
        """rg over the folder `top` (workspace path `relative`): one search per read-only mount the walk
        reaches, merged in walk order, as the Python walk enters each mount where its name falls."""
        mount = self.mounts.of_host(top) if self.mounts else None
        if mount is not None:
            inner = "." if top == mount.host else top[len(mount.host) + 1 :]
            return rg.files_containing(
                inner, text, ignore_case=ignore_case, skip_dirs=skip_dirs, cwd=mount.host, prefix=f"{mount.path}/"
            )
        searches = [rg.files_containing(relative, text, ignore_case=ignore_case, skip_dirs=skip_dirs)]
        for reached in self.mounts.below(relative, skip_dirs):
            if os.path.lexists(self._local_in_root(reached.path)):
                searches.append(
                    rg.files_containing(
                        ".",
                        text,
                        ignore_case=ignore_case,
                        skip_dirs=skip_dirs,
                        cwd=reached.host,
                        prefix=f"{reached.path}/",
                    )  # fmt: skip
                )
        return searches[0] if len(searches) == 1 else in_walk_order(searches)

    def _search_root(self, path: str) -> tuple[str, str, Literal["file", "dir", "symlink", "other"]]:
        """Where a walk or search starts: its real path, workspace-relative path and kind."""
        top = self._real(path)
        return top, self._relative_of(top), _kind(Path(top).stat().st_mode)

    def _holding(self, files: Iterable[str], needle: bytes, *, ignore_case: bool) -> Generator[str, None, None]:
        """The regular files among `files` that hold `needle`; those that cannot be read are passed over."""
        for relative in files:
            try:
                fd, _ = self._open_regular_file(relative)
            except (OSError, ToolError, PathOutsideWorkspaceError):
                continue
            try:
                found = holds_text(fd, needle, ignore_case=ignore_case)
            except OSError:
                found = False
            finally:
                os.close(fd)
            if found:
                yield relative

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

    def _local(self, relative: str) -> str:
        """The host path of the workspace path `relative`, in the read-only mount that holds it if any."""
        mount = self.mounts.holding(relative) if self.mounts else None
        return self._local_in_root(relative) if mount is None else mount.host_path(relative)

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

    @property
    def _mount_hosts(self) -> Mapping[str, str]:
        return self.mounts.by_path() if self.mounts else _NO_MOUNTS

    def _entered(self, entry: os.DirEntry[str], prefix: str) -> str | None:
        """Where a walk enters the folder `entry`: its read-only mount's host, else itself unless a symlink."""
        mount = self.mounts.at(f"{prefix}{entry.name}") if self.mounts else None
        if mount is not None:
            return mount.host
        return None if entry.is_symlink() else entry.path

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
        local = self._local(relative)
        if not self._folders_are_real(local):
            return None
        try:
            return os.open(local, _READ_FLAGS)
        except OSError as e:
            if e.errno == errno.ELOOP:  # the last part is a symlink
                return None
            raise

    def _folders_are_real(self, local: str) -> bool:
        """Whether every folder of the local path `local` below the root (or its read-only mount's folder) is a
        folder, not a symlink."""
        if local.startswith(self._inside):
            start = len(self._inside)
        else:
            mount = self.mounts.of_host(local)
            start = len(local) if mount is None else len(mount.host) + 1
        folder_end = local.find("/", start)
        while folder_end >= 0:
            try:
                if not stat_mod.S_ISDIR(os.lstat(local[:folder_end]).st_mode):
                    return False
            except OSError:
                return False
            folder_end = local.find("/", folder_end + 1)
        return True

    def _listed_file(self, entry: os.DirEntry[str], relative: str) -> FileStat | None:
        """A walked non-folder entry as listed: a symlink only when it leads to a file inside."""
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat_mod.S_ISLNK(st.st_mode):
                return FileStat(path=relative, kind=_kind(st.st_mode), size=st.st_size)
            # A symlink is listed only when it stays inside; its target's size is reported.
            st = Path(self._real(relative)).stat()
        except (OSError, PathOutsideWorkspaceError):
            return None
        return FileStat(path=relative, kind="file", size=st.st_size) if stat_mod.S_ISREG(st.st_mode) else None


def _naming(path: str, error: OSError | UnicodeEncodeError) -> Exception:
    """The error to raise instead of `error`: of the same kind, naming `path` as the caller gave it.

    (A try/except, unlike a context manager, costs nothing on grep's hot path when nothing fails.)"""
    if isinstance(error, UnicodeEncodeError):  # a lone surrogate: JSON can carry one, no file name can hold it
        return ToolError(f"{path!r} is not a valid file name: it cannot be encoded")
    if error.errno is None:  # raised here on purpose, already naming the caller's path
        return type(error)(*error.args)
    return OSError(error.errno, error.strerror or os.strerror(error.errno), path)


def _each(paths: list[str]) -> Generator[str, None, None]:
    yield from paths


def _sorted_entries(folder: str) -> list[os.DirEntry[str]]:
    """The entries of `folder` by name; none when it cannot be listed (as os.walk)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=_by_name)
    except OSError:
        return []


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


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


def _kind(mode: int) -> Literal["file", "dir", "symlink", "other"]:
    if stat_mod.S_ISREG(mode):
        return "file"
    if stat_mod.S_ISDIR(mode):
        return "dir"
    if stat_mod.S_ISLNK(mode):
        return "symlink"
    return "other"
