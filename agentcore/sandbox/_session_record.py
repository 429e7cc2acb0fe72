"""What a RemoteSandbox remembers of its session between stages: the workspace key, and the mirror it matched.

A stage builds a new RemoteSandbox for an investigation's workspace. When the mirror is exactly as it was
when the last one left it (same digest of every path's kind, size, times and inode), the session very likely
holds that workspace still, under the remembered key: the new sandbox goes on with it instead of uploading
the whole workspace again. If the session lost it meanwhile (recycled, or another instance uploaded its own),
the session answers 409 and the workspace is uploaded as usual. The record sits beside the workspace folder
(`<root>.sandbox-session`), outside what is snapshotted or uploaded, readable by this user only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

from agentcore.sandbox._archive import manifest_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionRecord:
    identifier: str
    key: str
    digest: str


def mirror_digest(root: Path, excluded_top: Collection[str], *, relay_connectors: bool) -> str:
    """A digest of the mirror as a session would get it (and of whether the host relays connectors)."""
    digest = hashlib.sha256(b"relay" if relay_connectors else b"no-relay")
    for path, entry in sorted(manifest_of(root, excluded_top).items()):
        digest.update(json.dumps([path, *entry]).encode())
    return digest.hexdigest()


def _record_path(root: Path) -> Path:
    return root.with_name(f"{root.name}.sandbox-session")


def load_record(root: Path, identifier: str) -> SessionRecord | None:
    """The record left for the session `identifier`, if any (an unreadable one counts as none)."""
    try:
        record = SessionRecord(**json.loads(_record_path(root).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return record if record.identifier == identifier else None


def save_record(root: Path, record: SessionRecord) -> None:
    path = _record_path(root)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(record), handle)
        temporary.replace(path)
    except OSError as e:  # only an upload is lost
        logger.warning("could not remember the sandbox session of %s: %s", root.name, e)


def forget_record(root: Path) -> None:
    """The session no longer holds what the mirror holds (a command's changes were not taken)."""
    _record_path(root).unlink(missing_ok=True)
