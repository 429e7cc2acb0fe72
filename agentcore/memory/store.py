"""Memory in the blob store under `memory/`: copied into a workspace when a session starts, merged back when
it ends, with ETag-conditional writes so two investigations never overwrite each other's notes.

The index (MEMORY.md) is rendered from one line per file. Those lines are kept beside it (`INDEX_LINES`), every
file's, also those the full index leaves out, so a write updates the index from its own lines and the kept
ones instead of reading and parsing every file again: memory gains a note with every investigation, and
rebuilding from all of them made every report slower than the last. A file the kept lines lack (written
without this store) is read then; the daily memory job rebuilds everything from the files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agentcore.errors import BlobNotFoundError, PreconditionFailedError
from agentcore.memory.content_cache import ContentCache
from agentcore.memory.document import MemoryDocument, MemoryFormatError, parse_document, render_document
from agentcore.memory.index import INDEX_NAME, index_line, render_index_lines
from agentcore.memory.limits import MemoryLimits, check_document
from agentcore.memory.merge import merge_documents
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

PREFIX = "memory/"
SNAPSHOT_MANIFEST = ".memory-base.json"
MAX_WRITE_ATTEMPTS = 5
INDEX_LINES = "index-lines.json"
"""Beside MEMORY.md: `{"lines": {file: its index line}}` for every file (not a memory file: not `.md`)."""
READERS = 16
"""Memory files read at once. On Azure each read is a round trip of tens of milliseconds, so a memory of some
hundred notes read one after another costs seconds at every intake; read side by side, the trips overlap."""
_JSON = "application/json; charset=utf-8"
_MARKDOWN = "text/markdown; charset=utf-8"


@dataclass(frozen=True)
class BaseEntry:
    """A memory file as the session received it: its text and the ETag it was read at."""

    text: str
    etag: str


@dataclass
class MergeOutcome:
    written: list[str] = field(default_factory=list)
    conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    """File -> why it was not written (bad front matter, a secret, over a size cap)."""
    merged: dict[str, MemoryDocument] = field(default_factory=dict)
    """File -> the document as written."""


class MemoryStore:
    """The team's memory: Markdown files with front matter, in a BlobStore."""

    def __init__(
        self, blobs: BlobStore, *, limits: MemoryLimits | None = None, content_cache: ContentCache | None = None
    ) -> None:
        """`content_cache` keeps what reading the whole memory read, so that a file unchanged since is not read
        again (see `agentcore.memory.content_cache`)."""
        self._blobs = blobs
        self.limits = limits or MemoryLimits()
        self._content_cache = content_cache

    def names(self) -> list[str]:
        """Relative names (`services/checkout/overview.md`) of every memory file, the index excluded."""
        return [n[len(PREFIX) :] for n in self._blobs.list(PREFIX) if n.endswith(".md") and n != PREFIX + INDEX_NAME]

    def read(self, name: str) -> BaseEntry | None:
        try:
            blob = self._blobs.get(PREFIX + name)
        except BlobNotFoundError:
            return None
        return BaseEntry(blob.data.decode("utf-8"), blob.etag)

    def _read_all(self, *, with_index: bool) -> dict[str, BaseEntry]:
        """Every memory file (and the index, `with_index`), by name in name order. From a remote store: one listing,
        the content cache where it holds a file's bytes, and reads of the rest, side by side."""
        if not self._blobs.remote:
            return self.read_many([*self.names(), *([INDEX_NAME] if with_index else [])])
        listed = [
            version for version in self._blobs.list_versions(PREFIX)
            if version.name.endswith(".md") and (with_index or version.name != PREFIX + INDEX_NAME)
        ]  # fmt: skip
        cache = self._content_cache
        cached: dict[str, BaseEntry] = {}
        if cache is not None:
            for version in listed:
                data = cache.get(version.content_md5) if version.content_md5 else None
                if data is not None:
                    cached[version.name[len(PREFIX) :]] = BaseEntry(data.decode("utf-8"), version.etag)
        names = [version.name[len(PREFIX) :] for version in listed]
        read = self.read_many([name for name in names if name not in cached])
        if cache is not None:
            for fetched in read.values():
                cache.put(fetched.text.encode("utf-8"))
            cache.keep_only([version.content_md5 for version in listed if version.content_md5 is not None])
        return {name: entry for name in names if (entry := cached.get(name) or read.get(name)) is not None}

    def read_many(self, names: Sequence[str]) -> dict[str, BaseEntry]:
        """`read` of each of `names`, in the order given; a file gone meanwhile is left out. From a remote store,
        `READERS` at a time, each reader with an even share of the names."""
        shares = [list(names[start::READERS]) for start in range(min(READERS, len(names)))]
        if not self._blobs.remote or len(shares) <= 1:
            read = {name: self.read(name) for name in names}
        else:
            with ThreadPoolExecutor(max_workers=len(shares), thread_name_prefix="memory-read") as pool:
                parts = list(pool.map(lambda share: [(n, self.read(n)) for n in share], shares))
            read = dict(pair for part in parts for pair in part)
        return {name: entry for name in names if (entry := read[name]) is not None}

    def documents(self) -> dict[str, MemoryDocument]:
        """Every readable memory file, parsed; a file with bad front matter is logged and skipped."""
        return {name: document for name, (_entry, document) in self.entries().items()}

    def entries(self) -> dict[str, tuple[BaseEntry, MemoryDocument]]:
        """`documents`, each with the text and ETag it was read at (for `update`)."""
        found: dict[str, tuple[BaseEntry, MemoryDocument]] = {}
        for name, entry in self._read_all(with_index=False).items():
            try:
                found[name] = (entry, parse_document(entry.text, name=name))
            except MemoryFormatError as e:
                logger.warning("memory file skipped: %s", e)
        return found

    def update(self, name: str, document: MemoryDocument, *, read: tuple[BaseEntry, MemoryDocument],
               now: datetime) -> MemoryDocument:  # fmt: skip
        """An edit of the file as `read` (from `entries`): one conditional write when nobody wrote since, else
        merged again with what is there. The index is not rebuilt (a batch rebuilds it once). Returns the
        document as written."""
        outcome = MergeOutcome()
        self._merge_one(name, render_document(document), read[0], by=document.front.by, now=now, outcome=outcome,
                        known=read)  # fmt: skip
        if name in outcome.refused:
            raise MemoryFormatError(outcome.refused[name])
        return outcome.merged[name]

    def copy_into(self, folder: Path) -> dict[str, BaseEntry]:
        """Write every memory file (and the index) under `folder`; return what was copied, for the merge."""
        base = self._read_all(with_index=True)
        for name, entry in base.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(entry.text, encoding="utf-8")
        return base

    def merge_back(self, folder: Path, base: dict[str, BaseEntry], *, by: str, now: datetime) -> MergeOutcome:
        """Merge each file the session added or changed under `folder` into the store; rebuild the index."""
        outcome = MergeOutcome()
        for path in sorted(folder.rglob("*.md")):
            name = path.relative_to(folder).as_posix()
            if name == INDEX_NAME:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            was = base.get(name)
            if was is not None and was.text == text:
                continue
            self._merge_one(name, text, was, by=by, now=now, outcome=outcome)
        if outcome.written:
            self.update_index(outcome.merged)
        return outcome

    def write(
        self,
        name: str,
        document: MemoryDocument,
        *,
        now: datetime,
        base: BaseEntry | None = None,
        update_index: bool = True,
    ) -> list[str]:
        """Write `document` as `name`, merging with whatever is there now (an edit of `base`, when given, so
        sections it left alone take the store's); return conflicting sections. A batch of writes passes
        `update_index=False` and calls `rebuild_index` once at its end."""
        outcome = MergeOutcome()
        self._merge_one(name, render_document(document), base, by=document.front.by, now=now, outcome=outcome)
        if name in outcome.refused:
            raise MemoryFormatError(outcome.refused[name])
        if update_index:
            self.update_index(outcome.merged)
        return list(outcome.conflicts.get(name, ()))

    def _merge_one(
        self, name: str, text: str, was: BaseEntry | None, *, by: str, now: datetime, outcome: MergeOutcome,
        known: tuple[BaseEntry, MemoryDocument] | None = None,
    ) -> None:  # fmt: skip
        """`known`: what the store held when the caller last read it; tried first, saving a read and a parse."""
        try:
            ours = parse_document(text, name=name)
            check_document(name, text, self.limits)
        except MemoryFormatError as e:
            outcome.refused[name] = str(e)
            return
        base = known[1] if known is not None else _parsed_or_none(was, name)
        for attempt in range(MAX_WRITE_ATTEMPTS):
            current = known[0] if known is not None and attempt == 0 else self.read(name)
            conflicts: tuple[str, ...] = ()
            if current is None:
                merged = ours
            else:
                theirs = known[1] if known is not None and current.etag == known[0].etag else None
                theirs = theirs or _parsed_or_none(current, name)
                if theirs is None:
                    merged = ours  # what is stored has no valid front matter: this write repairs it
                else:
                    result = merge_documents(base, ours, theirs, now=now)
                    merged, conflicts = result.document, result.conflicts
            try:
                self._put(name, render_document(merged), None if current is None else current.etag)
            except PreconditionFailedError:
                continue  # someone wrote in between: merge again against what is there now
            outcome.written.append(name)
            outcome.merged[name] = merged
            if conflicts:
                outcome.conflicts[name] = conflicts
            return
        outcome.refused[name] = f"{name}: still changing after {MAX_WRITE_ATTEMPTS} merges; try again"

    def _put(self, name: str, text: str, etag: str | None) -> None:
        data = text.encode("utf-8")
        if etag is None:
            self._blobs.put(PREFIX + name, data, if_none_match=True, content_type=_MARKDOWN)
        else:
            self._blobs.put(PREFIX + name, data, if_match=etag, content_type=_MARKDOWN)

    def rebuild_index(self, documents: Mapping[str, MemoryDocument] | None = None) -> str:
        """MEMORY.md: one line per file with its summary and any status other than active, from every file
        (from `documents` when the caller holds them all, as written); the kept lines are replaced too."""
        documents = self.documents() if documents is None else documents
        lines = {name: index_line(name, document) for name, document in documents.items()}
        etag = self._blobs.put(PREFIX + INDEX_LINES, _lines_json(lines), content_type=_JSON)
        return self._put_index(lines, etag)

    def update_index(self, changed: Mapping[str, MemoryDocument]) -> str:
        """MEMORY.md after `changed` were written: their lines replace the kept ones, and only a file the kept
        lines lack is read; every file is read when no lines are kept yet (or they cannot be read)."""
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            kept = self._kept_lines()
            if kept is None:
                break
            lines, etag = kept
            current: dict[str, str] = {}
            for name in self.names():
                if name in changed:
                    current[name] = index_line(name, changed[name])
                elif name in lines:
                    current[name] = lines[name]
                else:
                    document = _parsed_or_none(self.read(name), name)
                    if document is not None:
                        current[name] = index_line(name, document)
            try:
                etag = self._blobs.put(PREFIX + INDEX_LINES, _lines_json(current), if_match=etag, content_type=_JSON)
            except PreconditionFailedError:
                continue  # another writer updated the lines in between: apply ours to theirs
            return self._put_index(current, etag)
        return self.rebuild_index()

    def _kept_lines(self) -> tuple[dict[str, str], str] | None:
        try:
            blob = self._blobs.get(PREFIX + INDEX_LINES)
            lines = json.loads(blob.data)["lines"]
        except BlobNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            logger.warning("memory index lines unreadable; rebuilding the index from every file")
            return None
        if not isinstance(lines, dict) or not all(isinstance(v, str) for v in lines.values()):
            return None
        return {str(k): v for k, v in lines.items()}, blob.etag

    def _put_index(self, lines: Mapping[str, str], etag: str) -> str:
        """Write MEMORY.md from `lines` (kept at `etag`). Two writers may put it in either order: while the kept
        lines have moved on since, it is written again from the newest, so the last write shows every line."""
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            index = render_index_lines(lines, self.limits.index_chars)
            self._blobs.put(PREFIX + INDEX_NAME, index.encode("utf-8"), content_type=_MARKDOWN)
            newest = self._kept_lines()
            if newest is None or newest[1] == etag:
                return index
            lines, etag = newest
        return index


def _lines_json(lines: Mapping[str, str]) -> bytes:
    return json.dumps({"lines": dict(sorted(lines.items()))}, ensure_ascii=False).encode("utf-8")


def _parsed_or_none(entry: BaseEntry | None, name: str) -> MemoryDocument | None:
    if entry is None:
        return None
    try:
        return parse_document(entry.text, name=name)
    except MemoryFormatError:
        return None


__all__ = ["INDEX_LINES", "PREFIX", "BaseEntry", "MemoryStore", "MergeOutcome"]
