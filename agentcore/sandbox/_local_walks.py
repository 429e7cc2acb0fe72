"""The walks and searches of `LocalWorkspaceFiles`: listing, finding and grepping a workspace folder.

A mixin: confinement (`_real`, `_relative_of`, `_open_regular_file`) comes from the class that uses it. Walks
never follow a symlink, except into a read-only mount (`_read_only`), whose host folder they enter where
its workspace path falls, naming what they find by workspace paths.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping
from operator import attrgetter
from pathlib import Path
from typing import Literal

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import FileStat
from agentcore.sandbox._file_search import holds_text, in_walk_order, walk_regular_files
from agentcore.sandbox._read_only import ReadOnlyMounts
from agentcore.sandbox._ripgrep import Ripgrep

SYSTEM_ERRORS = (OSError, UnicodeEncodeError)
"""What the system raises for a path; re-raised by `naming` without the host path."""


_by_name = attrgetter("name")

_NO_MOUNTS: Mapping[str, str] = {}


class LocalWalks:
    """`iter_files`, `list_files` and `files_containing` over the confined operations of a subclass."""

    mounts: ReadOnlyMounts
    _ripgrep: Ripgrep | None

    def stat(self, path: str) -> FileStat:
        raise NotImplementedError

    def _real(self, path: str) -> str:
        raise NotImplementedError

    def _relative_of(self, real: str) -> str:
        raise NotImplementedError

    def _local_in_root(self, relative: str) -> str:
        raise NotImplementedError

    def _open_regular_file(self, path: str) -> tuple[int, int]:
        raise NotImplementedError

    def iter_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Iterator[FileStat]:
        try:
            top = self._real(path)
        except SYSTEM_ERRORS as e:
            raise naming(path, e) from e
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
        return top, self._relative_of(top), file_kind(Path(top).stat().st_mode)

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

    @property
    def _mount_hosts(self) -> Mapping[str, str]:
        return self.mounts.by_path() if self.mounts else _NO_MOUNTS

    def _entered(self, entry: os.DirEntry[str], prefix: str) -> str | None:
        """Where a walk enters the folder `entry`: its read-only mount's host, else itself unless a symlink."""
        mount = self.mounts.at(f"{prefix}{entry.name}") if self.mounts else None
        if mount is not None:
            return mount.host
        return None if entry.is_symlink() else entry.path

    def _listed_file(self, entry: os.DirEntry[str], relative: str) -> FileStat | None:
        """A walked non-folder entry as listed: a symlink only when it leads to a file inside."""
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat_mod.S_ISLNK(st.st_mode):
                return FileStat(path=relative, kind=file_kind(st.st_mode), size=st.st_size)
            # A symlink is listed only when it stays inside; its target's size is reported.
            st = Path(self._real(relative)).stat()
        except (OSError, PathOutsideWorkspaceError):
            return None
        return FileStat(path=relative, kind="file", size=st.st_size) if stat_mod.S_ISREG(st.st_mode) else None


def naming(path: str, error: OSError | UnicodeEncodeError) -> Exception:
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


def file_kind(mode: int) -> Literal["file", "dir", "symlink", "other"]:
    if stat_mod.S_ISREG(mode):
        return "file"
    if stat_mod.S_ISDIR(mode):
        return "dir"
    if stat_mod.S_ISLNK(mode):
        return "symlink"
    return "other"
