"""Unpack a repository tarball into a directory, safely and whole-or-nothing.

Tarballs come from a code host, so members are checked before anything is written: the tarfile
`data` filter refuses absolute paths, `..`, links that leave the tree and device files; a cap on
members and bytes stops a bomb. A symbolic link that points outside the tree (legal in git, e.g.
`config -> /etc/app.conf`) is skipped with a log line rather than failing the whole tree. The tree
lands in a hidden sibling of `dest` and is renamed into place at the end, so a failure leaves `dest`
as it was.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import uuid
from pathlib import Path

from agentcore.errors import UserInputError

logger = logging.getLogger(__name__)

MAX_MEMBERS = 200_000
"""Entries one archive may hold."""

MAX_TREE_BYTES = 4_000_000_000
"""Bytes one unpacked tree may hold."""


class ArchiveRefusedError(UserInputError):
    """The archive holds something we will not unpack, or more than the caps allow."""


def prepare_destination(dest: Path) -> Path:
    """Check that `dest` is absent or an empty directory; return the staging directory beside it."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UserInputError(f"{dest}: the destination exists and is not an empty directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    return staging


def unpack_tarball(tarball: Path, dest: Path, *, strip_components: int = 0) -> Path:
    """Unpack `tarball` into `dest` (absent or empty), dropping `strip_components` leading path parts."""
    staging = prepare_destination(dest)
    try:
        with tarfile.open(tarball, mode="r:*") as archive:
            members = _checked_members(archive, strip_components)
            archive.extractall(staging, members=members, filter=_skip_escaping_links)
        if dest.exists():
            dest.rmdir()
        staging.rename(dest)
    except tarfile.TarError as e:
        raise ArchiveRefusedError(f"cannot unpack the archive for {dest.name}: {e}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def _skip_escaping_links(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        if member.issym():
            logger.info("skipped symbolic link %s: it points outside the tree", member.name)
            return None
        raise


def _checked_members(archive: tarfile.TarFile, strip_components: int) -> list[tarfile.TarInfo]:
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in archive:
        if len(members) >= MAX_MEMBERS:
            raise ArchiveRefusedError(f"the archive has more than {MAX_MEMBERS} entries")
        name = _stripped(member.name, strip_components)
        if name is None:
            continue
        total += max(member.size, 0)
        if total > MAX_TREE_BYTES:
            raise ArchiveRefusedError(f"the archive unpacks to more than {MAX_TREE_BYTES} bytes")
        member.name = name
        if member.islnk():
            target = _stripped(member.linkname, strip_components)
            if target is None:
                raise ArchiveRefusedError(f"hard link {name} points outside the tree")
            member.linkname = target
        members.append(member)
    return members


def _stripped(name: str, count: int) -> str | None:
    parts = [part for part in name.split("/") if part and part != "."]
    if len(parts) <= count:
        return None
    return "/".join(parts[count:])
