"""A workspace, or some of its paths, as a tar.zst, and what changed in a workspace between two walks.

The format is the pipeline's workspace snapshot (a PAX tar in a zstd frame, unpacked with tarfile's `data`
filter so no member lands outside the root or links out of it). The remote sandbox moves workspaces with it
in both directions: the whole workspace up to a session, and the paths a command changed back down.

A manifest maps each workspace-relative path to what `lstat` says of it (kind, size, mode, mtime, ctime,
inode). ctime cannot be set by a command, so a file rewritten with its old size and mtime still differs.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tarfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

from agentcore.errors import SandboxError

logger = logging.getLogger(__name__)

Manifest = dict[str, tuple[int, ...]]
"""Workspace-relative path -> (mode, size, mtime_ns, ctime_ns, inode)."""


@dataclass(frozen=True)
class WorkspaceChanges:
    """Paths that are new or different (files, symlinks, new folders), and paths that are gone (top-most only)."""

    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def walk_paths(root: Path, excluded_top: Collection[str] = ()) -> Iterator[str]:
    """Every workspace-relative path below `root`, parents before children, symlinked folders not entered."""
    for current, directories, files in os.walk(root):
        relative = os.path.relpath(current, root)
        prefix = "" if relative == "." else f"{relative}/"
        keep = []
        for name in sorted(directories):
            path = f"{prefix}{name}"
            if not prefix and name in excluded_top:
                continue
            yield path
            if not Path(current, name).is_symlink():
                keep.append(name)
        directories[:] = keep
        for name in sorted(files):
            if prefix or name not in excluded_top:
                yield f"{prefix}{name}"


def manifest_of(root: Path, excluded_top: Collection[str] = ()) -> Manifest:
    """What each path under `root` is now; a path that vanishes during the walk is left out."""
    manifest: Manifest = {}
    for path in walk_paths(root, excluded_top):
        try:
            info = os.lstat(root / path)
        except OSError:
            continue
        manifest[path] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    return manifest


def changes_between(before: Manifest, after: Manifest) -> WorkspaceChanges:
    """New or different files and symlinks, new folders; vanished paths whose parent is still there."""
    changed = []
    for path, now in after.items():
        was = before.get(path)
        if was == now:
            continue
        if stat.S_ISDIR(now[0]) and was is not None and stat.S_ISDIR(was[0]):
            continue  # a folder whose entries changed: the entries say what
        changed.append(path)
    gone = set(before) - set(after)
    deleted = sorted(path for path in gone if path.rpartition("/")[0] not in gone)
    return WorkspaceChanges(tuple(changed), tuple(deleted))


def pack(
    root: Path,
    destination: BinaryIO,
    paths: Iterator[str] | Collection[str],
    *,
    level: int = 3,
    shared_objects_within: Collection[Path] = (),
    linked: Mapping[str, Path] | None = None,
) -> None:
    """Write `paths` (workspace-relative) of `root` as a tar.zst; folders are added without their contents.

    A git `objects/info/alternates` file naming object stores inside `shared_objects_within` (the clone
    cache) is replaced by those stores' contents, so the repository is whole where the archive goes. The
    alternates file is in the workspace, which commands write: a store anywhere else is never read.
    A path of `linked` (a linked repository, `repos/<name>` -> its shared checkout) goes as the folder it
    links to, with everything in it; any other symlink goes as a symlink."""
    compressor = zstandard.ZstdCompressor(level=level)
    with (
        compressor.stream_writer(destination, closefd=False) as packed,
        tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in paths:
            checkout = (linked or {}).get(path)
            if checkout is None:
                _add_resolving_alternates(tar, root, path, path, shared_objects_within)
                continue
            _add(tar, checkout, path)
            for inside in walk_paths(checkout):
                _add_resolving_alternates(tar, checkout, inside, f"{path}/{inside}", shared_objects_within)


def _add_resolving_alternates(
    tar: tarfile.TarFile, base: Path, path: str, arcname: str, shared_objects_within: Collection[Path]
) -> None:
    stores = _shared_stores(base / path, shared_objects_within) if path.endswith(_ALTERNATES) else []
    if not stores:
        _add(tar, base / path, arcname)
    objects = arcname.removesuffix("/info/alternates")
    for store in stores:
        for inside in walk_paths(store):
            _add(tar, store / inside, f"{objects}/{inside}")


_ALTERNATES = "objects/info/alternates"


def _shared_stores(alternates: Path, allowed: Collection[Path]) -> list[Path]:
    """The object stores an alternates file names, when every one is a folder inside an `allowed` folder."""
    if not allowed or alternates.is_symlink() or not alternates.is_file():
        return []
    stores = []
    for line in alternates.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        store = Path(os.path.realpath(alternates.parent.parent / line.strip()))
        if not store.is_dir() or not any(store.is_relative_to(Path(a).resolve()) for a in allowed):
            return []
        stores.append(store)
    return stores


def _add(tar: tarfile.TarFile, source: Path, arcname: str) -> None:
    try:
        info = tar.gettarinfo(str(source), arcname=arcname)
    except OSError:
        return  # gone since it was listed
    if info is None:
        return  # a socket cannot be archived
    if info.isreg():
        with source.open("rb") as handle:
            tar.addfile(info, handle)
    elif info.isdir() or info.issym():
        tar.addfile(info)


def pack_workspace(
    root: Path,
    destination: BinaryIO,
    *,
    excluded_top: Collection[str] = (),
    level: int = 3,
    shared_objects_within: Collection[Path] = (),
    linked: Mapping[str, Path] | None = None,
) -> None:
    """The whole workspace at `root` (less the `excluded_top` entries) as a tar.zst; see `pack`."""
    paths = walk_paths(root, excluded_top)
    pack(root, destination, paths, level=level, shared_objects_within=shared_objects_within, linked=linked)


def content_bytes(source: BinaryIO) -> int:
    """The bytes of file contents a tar.zst holds (read through once, nothing unpacked)."""
    with (
        zstandard.ZstdDecompressor().stream_reader(source, closefd=False) as unpacked,
        tarfile.open(fileobj=unpacked, mode="r|") as tar,
    ):
        return sum(member.size for member in tar if member.isreg())


class ArchiveTooLargeError(SandboxError):
    """An archive holds more bytes than its receiver allows."""


def unpack(source: BinaryIO, root: Path, *, excluded_top: Collection[str] = (), max_bytes: int | None = None) -> int:
    """Unpack a tar.zst into `root`, replacing what is there; unsafe members are skipped. Returns skips.

    Members under an `excluded_top` entry are skipped too. Past `max_bytes` of file contents the unpacking
    stops with ArchiveTooLargeError (what came before it stays)."""
    skipped = total = 0
    root.mkdir(parents=True, exist_ok=True)
    with (
        zstandard.ZstdDecompressor().stream_reader(source, closefd=False) as unpacked,
        tarfile.open(fileobj=unpacked, mode="r|") as tar,
    ):
        for member in tar:
            total += member.size if member.isreg() else 0
            if max_bytes is not None and total > max_bytes:
                raise ArchiveTooLargeError(f"the archive holds more than {max_bytes} bytes")
            if member.name.lstrip("/").split("/", 1)[0] in excluded_top:
                skipped += 1
                continue
            if not member.isdir() or _is_not_a_folder(root / member.name):
                remove_path(root, member.name)  # what the member replaces, a folder by a file or the other way
            try:
                tar.extract(member, root, filter="data")
            except (tarfile.FilterError, OSError) as e:
                skipped += 1
                logger.warning("workspace member %s not unpacked: %s", member.name, e)
    return skipped


def _is_not_a_folder(path: Path) -> bool:
    return path.is_symlink() or (path.exists() and not path.is_dir())


def remove_path(root: Path, relative: str) -> None:
    """Remove the file, symlink or folder at `relative` under `root`, never following a symlink out of it."""
    parent = os.path.realpath(root / relative.rpartition("/")[0]) if "/" in relative else str(root.resolve())
    inside = str(root.resolve())
    if parent != inside and not parent.startswith(f"{inside}/"):
        return
    target = Path(parent) / relative.rpartition("/")[2]
    if target.is_symlink() or target.is_file():
        target.unlink(missing_ok=True)
    elif target.is_dir():
        shutil.rmtree(target, ignore_errors=True)


__all__ = [
    "ArchiveTooLargeError",
    "Manifest",
    "WorkspaceChanges",
    "changes_between",
    "content_bytes",
    "manifest_of",
    "pack",
    "pack_workspace",
    "remove_path",
    "unpack",
    "walk_paths",
]
