"""What a scenario's bundle holds, kept in the user's cache directory under the hash of the bundle's bytes.

Reading a bundle means cloning it (a git process and a copy, about 50 ms even for a small one) on the path of
every run of a scenario. An entry keeps what the clone was for: HEAD, the ref it came from, HEAD's first-parent
history, and the commit names resolved in it so far (a name not among them still needs the clone). Entries are
written atomically; one that cannot be read is ignored, one that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

BUNDLE_CACHE_FOLDER = "bundles"
"""The entries' folder in the cache directory."""
CACHE_FORMAT = 1
"""Bumped when what an entry holds, or how HEAD is chosen, changes: older entries are then never read."""

Commit = tuple[str, datetime, str, str]
"""sha, commit time (UTC), author, subject."""


@dataclass(frozen=True)
class BundleEntry:
    head: str
    head_ref: str
    history: tuple[Commit, ...]
    names: dict[str, str | None] = field(default_factory=dict)
    """Commit names resolved before: name -> full sha, or None when the bundle lacks it."""


def entry_path(bundle: Path, cache: Path) -> Path:
    digest = hashlib.sha256(f"bundle {CACHE_FORMAT}\0".encode())
    with bundle.open("rb") as reader:
        for chunk in iter(lambda: reader.read(1 << 20), b""):
            digest.update(chunk)
    return cache / BUNDLE_CACHE_FOLDER / f"{digest.hexdigest()}.json"


def read_entry(path: Path) -> BundleEntry | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] != CACHE_FORMAT:
            return None
        history = tuple(
            (str(sha), datetime.fromtimestamp(int(at), tz=UTC), str(author), str(subject))
            for sha, at, author, subject in data["history"]
        )
        names = {str(k): (None if v is None else str(v)) for k, v in dict(data["names"]).items()}
        return BundleEntry(str(data["head"]), str(data["head_ref"]), history, names)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_entry(path: Path, entry: BundleEntry) -> None:
    data = {
        "format": CACHE_FORMAT,
        "head": entry.head,
        "head_ref": entry.head_ref,
        "history": [[sha, int(at.timestamp()), author, subject] for sha, at, author, subject in entry.history],
        "names": entry.names,
    }
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)
    except OSError as e:
        logger.debug("could not keep a bundle's history in %s: %s", path.parent, e)
    finally:
        partial.unlink(missing_ok=True)


__all__ = ["BUNDLE_CACHE_FOLDER", "CACHE_FORMAT", "BundleEntry", "entry_path", "read_entry", "write_entry"]
