"""Walking and searching a local workspace in Python: what `_ripgrep` does, for when rg is missing.

The walk order is rg's `--sort path`: each folder's entries by name (as bytes), a folder entered where
its name falls. Symlinks met on the way are neither listed nor followed (read-only mounts are entered),
special files (FIFOs, sockets, devices) are not listed, and folders named in `skip_dirs` are not entered.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable, Generator, Iterator, Mapping

CHUNK_BYTES = 1024 * 1024
"""How much of a file one read takes when looking for a text in it."""


def walk_regular_files(
    top: str, relative: str, skip_dirs: frozenset[str], mounts: Mapping[str, str] | None = None
) -> Generator[str, None, None]:
    """Regular files below the real folder `top`, whose workspace-relative path is `relative`, in walk order.

    `mounts` (workspace path -> host folder) are entered where their name falls, whatever is there."""
    prefixes = ["" if relative == "." else f"{relative}/"]
    folders: list[Iterator[os.DirEntry[str]]] = [_sorted_entries(top)]
    while folders:
        entry = next(folders[-1], None)
        if entry is None:
            folders.pop()
            prefixes.pop()
        elif _is(entry.is_dir):
            if entry.name not in skip_dirs:
                path = f"{prefixes[-1]}{entry.name}"
                folders.append(_sorted_entries(mounts.get(path, entry.path) if mounts else entry.path))
                prefixes.append(f"{path}/")
        elif _is(entry.is_file):
            yield f"{prefixes[-1]}{entry.name}"
        elif mounts and entry.name not in skip_dirs and (host := mounts.get(f"{prefixes[-1]}{entry.name}")):
            folders.append(_sorted_entries(host))
            prefixes.append(f"{prefixes[-1]}{entry.name}/")


def in_walk_order(searches: list[Generator[str, None, None]]) -> Generator[str, None, None]:
    """The paths of several searches, each in walk order, merged into one walk order (closed together)."""
    try:
        yield from heapq.merge(*searches, key=_walk_key)
    finally:
        for search in searches:
            search.close()


def _walk_key(path: str) -> list[bytes]:
    """Walk order is the order of paths compared folder by folder, names as bytes."""
    return os.fsencode(path).split(b"/")


def holds_text(fd: int, needle: bytes, *, ignore_case: bool) -> bool:
    """Whether the file open at `fd` holds `needle` (with `ignore_case`: ASCII letters in either case)."""
    if ignore_case:
        needle = needle.lower()
    keep = len(needle) - 1
    carried, offset = b"", 0
    while chunk := os.pread(fd, CHUNK_BYTES, offset):
        offset += len(chunk)
        window = carried + (chunk.lower() if ignore_case else chunk)
        if needle in window:
            return True
        carried = window[-keep:] if keep else b""
    return False


def _sorted_entries(folder: str) -> Iterator[os.DirEntry[str]]:
    """The entries of `folder` by name as bytes; none when it cannot be listed (as rg and os.walk)."""
    try:
        with os.scandir(folder) as entries:
            return iter(sorted(entries, key=_name_bytes))
    except OSError:
        return iter(())


def _name_bytes(entry: os.DirEntry[str]) -> bytes:
    return os.fsencode(entry.name)


def _is(test: Callable[..., bool]) -> bool:
    """`entry.is_dir` / `entry.is_file` without following a symlink; False when the entry is gone."""
    try:
        return test(follow_symlinks=False)
    except OSError:
        return False
