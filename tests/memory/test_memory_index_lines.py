"""The memory index grows with memory, and a write stays cheap: MEMORY.md is rendered from each file's line, kept
beside it, so a write reads no other file (memory gains a note with every investigation)."""

from __future__ import annotations

from datetime import UTC, datetime

from agentcore.memory import INDEX_NAME, MemoryStore, parse_document, render_index
from agentcore.memory.store import INDEX_LINES, PREFIX
from agentcore.storage import Blob, BlobStore

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def note(summary: str) -> str:
    return (
        f"---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: inv-1\nstatus: active\n"
        f"summary: '{summary}'\n---\n# {summary}\n\nWhat happened.\n"
    )


class CountingReads:
    """A BlobStore that counts the memory files read (the index and its lines aside)."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.files_read = 0

    def get(self, name: str) -> Blob:
        if name.endswith(".md") and name != PREFIX + INDEX_NAME:
            self.files_read += 1
        return self.inner.get(name)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def full_index(store: MemoryStore) -> str:
    return render_index(store.documents(), store.limits.index_chars)


def with_notes(blobs: BlobStore, count: int) -> MemoryStore:
    store = MemoryStore(blobs)
    for i in range(count):
        name = f"incidents/2026-03-01-note-{i:03d}.md"
        store.write(name, parse_document(note(f"incident {i:03d}"), name=name), now=NOW, update_index=False)
    store.rebuild_index()
    return store


def test_writing_a_note_reads_no_other_file_and_leaves_the_index_a_full_rebuild_would_write(blobs: BlobStore) -> None:
    with_notes(blobs, 120)
    counting = CountingReads(blobs)
    store = MemoryStore(counting)  # type: ignore[arg-type]
    name = "incidents/2026-03-02-new.md"

    store.write(name, parse_document(note("the new one"), name=name), now=NOW)

    assert counting.files_read <= 1  # at most the file itself, read for the merge
    index = blobs.get(PREFIX + INDEX_NAME).data.decode()
    assert index == full_index(MemoryStore(blobs))
    assert "more files not listed" in index  # the index is full; the kept lines hold every file


def test_a_file_written_past_the_store_joins_the_index_at_the_next_write_and_a_deleted_one_leaves(
    blobs: BlobStore,
) -> None:
    store = with_notes(blobs, 3)
    outside = "runbooks/written-elsewhere.md"
    blobs.put(PREFIX + outside, note("written by hand").encode())
    blobs.delete(PREFIX + "incidents/2026-03-01-note-000.md")
    name = "incidents/2026-03-02-new.md"

    store.write(name, parse_document(note("the new one"), name=name), now=NOW)

    index = blobs.get(PREFIX + INDEX_NAME).data.decode()
    assert f"- {outside}: written by hand" in index
    assert "note-000" not in index
    assert index == full_index(store)


def test_two_writers_at_once_both_land_in_the_index(blobs: BlobStore) -> None:
    store = with_notes(blobs, 2)

    class Interleaved:
        """Lets writer B write its note and index just before writer A puts its lines."""

        def __init__(self, inner: BlobStore) -> None:
            self.inner, self.fired = inner, False

        def put(self, name: str, data: bytes, **kwargs: object) -> str:
            if name == PREFIX + INDEX_LINES and not self.fired:
                self.fired = True
                other = "incidents/2026-03-02-b.md"
                store.write(other, parse_document(note("from writer b"), name=other), now=NOW)
            return self.inner.put(name, data, **kwargs)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    writer_a = MemoryStore(Interleaved(blobs))  # type: ignore[arg-type]
    mine = "incidents/2026-03-02-a.md"
    writer_a.write(mine, parse_document(note("from writer a"), name=mine), now=NOW)

    index = blobs.get(PREFIX + INDEX_NAME).data.decode()
    assert "from writer a" in index
    assert "from writer b" in index
    assert index == full_index(store)


def test_without_kept_lines_or_with_unreadable_ones_a_write_rebuilds_from_every_file(blobs: BlobStore) -> None:
    store = with_notes(blobs, 3)
    for damage in (None, b"not json"):
        if damage is None:
            blobs.delete(PREFIX + INDEX_LINES)
        else:
            blobs.put(PREFIX + INDEX_LINES, damage)
        name = f"incidents/2026-03-02-after-{'missing' if damage is None else 'garbage'}.md"
        store.write(name, parse_document(note(name), name=name), now=NOW)
        assert blobs.get(PREFIX + INDEX_NAME).data.decode() == full_index(store)
