"""Memory files as this machine last read them, named by the MD5 of their bytes.

Reading the whole memory (a session's copy at intake, the daily check) costs one read per file. On Azure each is a
round trip, and memory gains a note with every investigation. A listing names each blob's MD5 (Azure keeps one for
every blob put whole), so a file whose MD5 is here is not read again: a warm worker's intake costs one listing and
the reads of what changed since. The name is the content's hash, so an entry can never be stale, only unused: what
is read back is checked against its name, and entries no listing names any more are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Collection
from pathlib import Path

CONTENT_CACHE_FOLDER = "memory-contents"
"""The cache's folder in the user's cache directory (`Settings.cache_dir`)."""


_PARTIAL_GRACE_S = 3600.0
"""A partial entry this old was left by a crash (writing one takes milliseconds)."""


def memory_content_cache(cache_dir: Path) -> ContentCache:
    """The cache in the user's cache directory: shared by every data directory and process on this machine."""
    return ContentCache(cache_dir / CONTENT_CACHE_FOLDER)


class ContentCache:
    """Bytes by MD5 in one folder; safe for several threads and processes (entries appear whole, by rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, md5: bytes) -> bytes | None:
        """The bytes whose MD5 is `md5`, if kept here and whole; else None."""
        try:
            data = (self.folder / md5.hex()).read_bytes()
        except OSError:
            return None
        return data if hashlib.md5(data, usedforsecurity=False).digest() == md5 else None

    def put(self, data: bytes) -> None:
        """Keep `data`; a cache that cannot be written is only a slower cache."""
        final = self.folder / hashlib.md5(data, usedforsecurity=False).hexdigest()
        partial = self.folder / f".{final.name}.{uuid.uuid4().hex[:8]}.partial"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            partial.replace(final)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()

    def keep_only(self, md5s: Collection[bytes]) -> None:
        """Remove every entry but those of `md5s` (what the newest listing names), and partial ones a crash left.

        A second memory store read on this machine loses its entries to this one's listing: it reads them again."""
        wanted = {md5.hex() for md5 in md5s}
        try:
            paths = list(self.folder.iterdir())
        except OSError:
            return
        crashed_before = time.time() - _PARTIAL_GRACE_S
        for path in paths:
            with contextlib.suppress(OSError):
                partial = path.name.startswith(".")
                if path.name not in wanted if not partial else path.stat().st_mtime < crashed_before:
                    path.unlink()
