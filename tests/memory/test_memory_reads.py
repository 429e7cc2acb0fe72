"""Reading the whole memory (a session's copy at intake, the daily check) reads files side by side, and not at all
when this machine read them before and they are unchanged: on Azure each read is a round trip, and memory gains a
note with every investigation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.memory import INDEX_NAME, MemoryStore, parse_document
from agentcore.memory.content_cache import ContentCache
from agentcore.memory.store import PREFIX, READERS
from agentcore.storage import Blob, BlobStore
from agentcore.storage.azure import AzureBlobStore
from agentcore.storage.local import LocalBlobStore

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def note(number: int) -> str:
    return (
        f"---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: inv-{number}\nstatus: active\n"
        f"summary: 'incident {number}'\n---\n# Incident {number}\n\nWhat happened.\n"
    )


def fill(store: MemoryStore, count: int) -> list[str]:
    names = [f"incidents/2026-03-01-incident-{number:03d}.md" for number in range(count)]
    for number, name in enumerate(names):
        store.write(name, parse_document(note(number), name=name), now=NOW, update_index=False)
    store.rebuild_index()
    return names


def test_a_memory_larger_than_the_readers_is_copied_whole(blobs: BlobStore, tmp_path: Path) -> None:
    store = MemoryStore(blobs)
    names = fill(store, 2 * READERS + 3)

    base = store.copy_into(tmp_path / "memory")

    assert sorted(base) == sorted([*names, INDEX_NAME])
    for name in names:
        assert (tmp_path / "memory" / name).read_text(encoding="utf-8") == base[name].text
        assert base[name].etag == blobs.get(PREFIX + name).etag
    assert sorted(store.documents()) == sorted(names)


class _MeetingReads:
    """A real store whose first two reads wait for each other: reads made one after another never meet."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.meeting = threading.Barrier(2, timeout=10)
        self.waited = 0
        self._lock = threading.Lock()

    def get(self, name: str) -> Blob:
        with self._lock:
            self.waited += 1
            wait = self.waited <= 2
        if wait:
            self.meeting.wait()  # BrokenBarrierError after 10 s if no second read is under way
        return self.inner.get(name)

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.inner, attribute)


@pytest.mark.azurite
def test_files_of_a_remote_store_are_read_side_by_side(azure_blobs: AzureBlobStore) -> None:
    names = fill(MemoryStore(azure_blobs), READERS)
    meeting = _MeetingReads(azure_blobs)

    read = MemoryStore(meeting).read_many(names)  # type: ignore[arg-type]

    assert list(read) == names
    assert not meeting.meeting.broken


def test_a_file_removed_between_listing_and_reading_is_left_out(blobs: BlobStore) -> None:
    store = MemoryStore(blobs)
    names = fill(store, READERS + 1)
    blobs.delete(PREFIX + names[5])

    read = store.read_many(names)

    assert list(read) == [name for name in names if name != names[5]]


class _CountedReads:
    """A real store that counts the blobs read from it."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.read: list[str] = []

    def get(self, name: str) -> Blob:
        self.read.append(name)
        return self.inner.get(name)

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.inner, attribute)


def counted_store(blobs: BlobStore, cache: Path) -> tuple[MemoryStore, _CountedReads]:
    counted = _CountedReads(blobs)
    return MemoryStore(counted, content_cache=ContentCache(cache)), counted  # type: ignore[arg-type]


@pytest.mark.azurite
def test_a_second_copy_reads_only_what_changed_since_the_first(azure_blobs: AzureBlobStore, tmp_path: Path) -> None:
    names = fill(MemoryStore(azure_blobs), 12)
    store, counted = counted_store(azure_blobs, tmp_path / "cache")
    first = store.copy_into(tmp_path / "first")
    assert len(counted.read) == 13  # every note and the index
    edited = note(3).replace("What happened.", "What happened, told better.")
    MemoryStore(azure_blobs).write(names[3], parse_document(edited, name=names[3]), now=NOW)  # the index moves too
    counted.read.clear()

    second = store.copy_into(tmp_path / "second")

    assert sorted(counted.read) == sorted([PREFIX + names[3], PREFIX + INDEX_NAME])
    assert second.keys() == first.keys()
    for name in second:
        assert second[name].etag == azure_blobs.get(PREFIX + name).etag
        assert (tmp_path / "second" / name).read_text(encoding="utf-8") == azure_blobs.get(PREFIX + name).data.decode()


@pytest.mark.azurite
def test_a_cached_copy_that_no_longer_matches_its_md5_is_read_again(
    azure_blobs: AzureBlobStore, tmp_path: Path
) -> None:
    names = fill(MemoryStore(azure_blobs), 3)
    store, counted = counted_store(azure_blobs, tmp_path / "cache")
    store.copy_into(tmp_path / "first")
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(entry.read_bytes() + b"damaged")
    counted.read.clear()

    copied = store.copy_into(tmp_path / "second")

    assert sorted(counted.read) == sorted(PREFIX + name for name in [*names, INDEX_NAME])
    assert copied[names[0]].text == azure_blobs.get(PREFIX + names[0]).data.decode()


@pytest.mark.azurite
def test_the_cache_keeps_only_what_the_store_still_holds(azure_blobs: AzureBlobStore, tmp_path: Path) -> None:
    names = fill(MemoryStore(azure_blobs), 4)
    store, _ = counted_store(azure_blobs, tmp_path / "cache")
    store.copy_into(tmp_path / "first")
    assert len(list((tmp_path / "cache").iterdir())) == 5
    azure_blobs.delete(PREFIX + names[0])

    store.copy_into(tmp_path / "second")

    assert len(list((tmp_path / "cache").iterdir())) == 4


def test_a_local_store_is_read_file_by_file_without_the_cache(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    fill(MemoryStore(local), 3)
    store, counted = counted_store(local, tmp_path / "cache")

    store.copy_into(tmp_path / "first")
    store.copy_into(tmp_path / "second")

    assert len(counted.read) == 8
    assert not (tmp_path / "cache").exists()
